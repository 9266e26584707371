/*
** table_print.c: text tables on stdout (table_print.h): the cell grid with
** its boxed and plain layouts, and the streaming printer of column batches
** that `file cat` uses for its table output.
*/
#include "cli/table_print.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Box-drawing corners and joins of the top, middle and bottom rules. */
#define BOX_TOP "\xE2\x94\x8C", "\xE2\x94\xAC", "\xE2\x94\x90"
#define BOX_MID "\xE2\x94\x9C", "\xE2\x94\xBC", "\xE2\x94\xA4"
#define BOX_END "\xE2\x94\x94", "\xE2\x94\xB4", "\xE2\x94\x98"
#define BOX_BAR "\xE2\x94\x82"

void tarn_grid_init(tarn_grid *g, int ncols, bool boxed)
{
    memset(g, 0, sizeof *g);
    g->ncols = ncols;
    g->boxed = boxed;
    g->width = tarn_xcalloc((size_t)(ncols > 0 ? ncols : 1), sizeof *g->width);
    g->right = tarn_xcalloc((size_t)(ncols > 0 ? ncols : 1), sizeof *g->right);
    tarn_buf_init(&g->text, 0);
}

void tarn_grid_free(tarn_grid *g)
{
    free(g->width);
    free(g->right);
    free(g->off);
    free(g->cw);
    tarn_buf_free(&g->text);
}

void tarn_grid_clear(tarn_grid *g)
{
    tarn_buf_reset(&g->text);
    g->ncells = 0;
}

/* s[0..n) made printable and cut to at most maxw display columns (code
** points; a cut ends in "…") into out; returns its display width. */
static int disp_text(const char *s, size_t n, int maxw, tarn_buf *out)
{
    int w = 0;
    size_t i = 0;
    while (i < n) {
        unsigned char c = (unsigned char)s[i];
        size_t len = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
        if (i + len > n)
            break; /* a character cut by TARN_GRID_CELL_BYTES */
        if (w == maxw - 1 && i + len < n) {
            tarn_buf_append(out, "\xE2\x80\xA6", 3);
            return w + 1;
        }
        if (c == '\n')
            tarn_buf_append(out, "\xE2\x86\xB5", 3); /* ↵ */
        else if (c < 0x20 || c == 0x7F)
            tarn_buf_putc(out, ' ');
        else
            tarn_buf_append(out, s + i, len);
        w++;
        i += len;
    }
    return w;
}

void tarn_grid_add(tarn_grid *g, const char *s, size_t n)
{
    if (g->ncells == g->cap) {
        g->cap = g->cap ? g->cap * 2 : 256;
        g->off = tarn_xrealloc(g->off, g->cap * sizeof *g->off);
        g->cw = tarn_xrealloc(g->cw, g->cap * sizeof *g->cw);
    }
    g->off[g->ncells] = g->text.len;
    g->cw[g->ncells] = disp_text(s, n, TARN_GRID_CELL_MAX, &g->text);
    tarn_buf_putc(&g->text, '\0');
    g->ncells++;
}

void tarn_grid_add_str(tarn_grid *g, const char *s)
{
    if (!s)
        s = "-";
    tarn_grid_add(g, s, strlen(s));
}

void tarn_grid_add_int(tarn_grid *g, int64_t v)
{
    char buf[32];
    int n = snprintf(buf, sizeof buf, "%lld", (long long)v);
    tarn_grid_add(g, buf, (size_t)n);
}

void tarn_grid_fit(tarn_grid *g)
{
    for (size_t i = 0; i < g->ncells; i++) {
        int c = (int)(i % (size_t)g->ncols);
        if (g->cw[i] > g->width[c])
            g->width[c] = g->cw[i];
    }
}

/* A border line: left, fill, join, right are box-drawing strings. */
static void grid_rule(const tarn_grid *g, const char *l, const char *j, const char *r)
{
    if (!g->boxed)
        return;
    fputs(l, stdout);
    for (int c = 0; c < g->ncols; c++) {
        for (int k = 0; k < g->width[c] + 2; k++)
            fputs("\xE2\x94\x80", stdout);
        fputs(c + 1 < g->ncols ? j : r, stdout);
    }
    fputc('\n', stdout);
}

/* Print one cell padded (or cut) to its column's width. */
static void grid_cell(const tarn_grid *g, int c, const char *s, int w, bool right)
{
    tarn_buf cut;
    tarn_buf_init(&cut, 0);
    if (w > g->width[c]) { /* a later row wider than the first window */
        w = disp_text(s, strlen(s), g->width[c], &cut);
        s = cut.data ? cut.data : "";
    }
    int pad = g->width[c] - w;
    if (!g->boxed && !right && c + 1 == g->ncols)
        pad = 0; /* no trailing blanks */
    const char *sep = g->boxed ? BOX_BAR " " : (c ? "  " : "");
    printf("%s%*s%s%*s%s", sep, right ? pad : 0, "", s, right ? 0 : pad, "", g->boxed ? " " : "");
    tarn_buf_free(&cut);
}

/* Print cells [from, to) as rows (headings are not right-aligned). */
static void grid_rows(const tarn_grid *g, size_t from, size_t to, bool heading)
{
    for (size_t i = from; i < to; i++) {
        int c = (int)(i % (size_t)g->ncols);
        grid_cell(g, c, g->text.data + g->off[i], g->cw[i], g->right[c] && !heading);
        if (c + 1 == g->ncols)
            fputs(g->boxed ? BOX_BAR "\n" : "\n", stdout);
    }
}

void tarn_grid_print(tarn_grid *g, int heading_rows)
{
    tarn_grid_fit(g);
    size_t head = (size_t)heading_rows * (size_t)g->ncols;
    if (head > g->ncells)
        head = g->ncells;
    grid_rule(g, BOX_TOP);
    grid_rows(g, 0, head, true);
    if (head)
        grid_rule(g, BOX_MID);
    grid_rows(g, head, g->ncells, false);
    grid_rule(g, BOX_END);
}

/* ---- streaming batches as a table ---- */

struct tarn_table_printer {
    tarn_grid head;  /* names and types */
    tarn_grid body;  /* rows not yet printed */
    bool top;        /* widths fixed and the heading printed */
    int64_t shown;
};

/* The display text of row i of column c, before sanitizing. */
static const char *cell_value(const tarn_column *c, int64_t i, char buf[TARN_GRID_CELL_BYTES],
                              size_t *n)
{
    if (!tarn_column_is_valid(c, i)) {
        *n = 4;
        return "NULL";
    }
    if (c->type.id == TARN_TYPE_STRING) {
        size_t len = (size_t)(c->offsets[i + 1] - c->offsets[i]);
        *n = len < TARN_GRID_CELL_BYTES ? len : TARN_GRID_CELL_BYTES;
        return c->data ? c->data + c->offsets[i] : "";
    }
    *n = tarn_value_format(c, i, buf, TARN_GRID_CELL_BYTES);
    return buf;
}

static bool is_numeric(tarn_type_id t)
{
    return t == TARN_TYPE_INT || t == TARN_TYPE_BIGINT || t == TARN_TYPE_DOUBLE ||
           t == TARN_TYPE_DECIMAL;
}

tarn_table_printer *tarn_table_printer_new(const tarn_schema *s)
{
    tarn_table_printer *p = tarn_xcalloc(1, sizeof *p);
    tarn_grid_init(&p->head, s->ncols, true);
    tarn_grid_init(&p->body, s->ncols, true);
    char tn[48];
    for (int c = 0; c < s->ncols; c++) {
        p->head.right[c] = is_numeric(s->fields[c].type.id);
        tarn_grid_add_str(&p->head, s->fields[c].name);
    }
    for (int c = 0; c < s->ncols; c++)
        tarn_grid_add_str(&p->head, tarn_type_name(s->fields[c].type, tn, sizeof tn));
    tarn_grid_fit(&p->head);
    memcpy(p->body.width, p->head.width, sizeof(int) * (size_t)p->head.ncols);
    memcpy(p->body.right, p->head.right, sizeof(bool) * (size_t)p->head.ncols);
    return p;
}

/* Fix the widths from the rows held and print the heading. */
static void printer_top(tarn_table_printer *p)
{
    tarn_grid_fit(&p->body);
    memcpy(p->head.width, p->body.width, sizeof(int) * (size_t)p->head.ncols);
    grid_rule(&p->head, BOX_TOP);
    grid_rows(&p->head, 0, p->head.ncells, true);
    grid_rule(&p->head, BOX_MID);
    p->top = true;
}

void tarn_table_printer_add(tarn_table_printer *p, const tarn_batch *b, int64_t k)
{
    char buf[TARN_GRID_CELL_BYTES];
    for (int64_t i = 0; i < k; i++) {
        for (int c = 0; c < b->ncols; c++) {
            size_t n;
            const char *s = cell_value(&b->cols[c], i, buf, &n);
            tarn_grid_add(&p->body, s, n);
        }
    }
    p->shown += k;
    if (!p->top && p->shown < TARN_TABLE_WINDOW)
        return;
    if (!p->top)
        printer_top(p);
    grid_rows(&p->body, 0, p->body.ncells, false);
    tarn_grid_clear(&p->body);
}

void tarn_table_printer_end(tarn_table_printer *p, int64_t total)
{
    if (!p->top)
        printer_top(p);
    grid_rows(&p->body, 0, p->body.ncells, false);
    grid_rule(&p->head, BOX_END);
    if (total > p->shown)
        printf("(%lld of %lld rows)\n", (long long)p->shown, (long long)total);
    else
        printf("(%lld row%s)\n", (long long)p->shown, p->shown == 1 ? "" : "s");
    tarn_table_printer_abort(p);
}

void tarn_table_printer_abort(tarn_table_printer *p)
{
    if (!p)
        return;
    tarn_grid_free(&p->head);
    tarn_grid_free(&p->body);
    free(p);
}
