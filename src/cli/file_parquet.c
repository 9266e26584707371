/*
** file_parquet.c: what `tarn file inspect` shows of a Parquet file beyond
** what every format shares (file_parquet.h): the footer that
** tarn_parquet_meta_open decoded (format/parquet_meta.c), as text tables
** (table_print.c) or JSON. Nothing here reads data pages.
*/
#include "cli/file_parquet.h"

#include <string.h>

#include "cli/cli.h"
#include "cli/table_print.h"

static const char *repetition_name(int r)
{
    return r == 0 ? "REQUIRED" : r == 1 ? "OPTIONAL" : r == 2 ? "REPEATED" : "?";
}

/* The leaf's physical type, with the width of a fixed-length array. */
static const char *physical_text(const tarn_pq_leaf *l, char *buf, size_t n)
{
    if (l->type_length > 0)
        snprintf(buf, n, "%s(%d)", tarn_parquet_type_name(l->physical), l->type_length);
    else
        snprintf(buf, n, "%s", tarn_parquet_type_name(l->physical));
    return buf;
}

/* Is field i read from one leaf of the same name (not a group)? */
static bool field_is_flat(const tarn_pq_meta *m, int i, int *leaf)
{
    int n = 0;
    for (int k = 0; k < m->nleaves; k++) {
        if (m->leaves[k].field == i) {
            n++;
            *leaf = k;
        }
    }
    return n == 1 && m->leaves[*leaf].max_rep == 0 &&
           strcmp(m->leaves[*leaf].path, m->schema.fields[i].name) == 0;
}

/* The encodings a chunk lists, comma-separated. */
static const char *encodings_text(uint32_t enc, char *buf, size_t n)
{
    size_t len = 0;
    buf[0] = '\0';
    for (int e = 0; e < 32 && len < n; e++) {
        if (enc & (1u << e))
            len += (size_t)snprintf(buf + len, n - len, "%s%s", len ? "," : "",
                                    tarn_parquet_encoding_name(e));
    }
    return buf;
}

/* A chunk's min (or max) for leaf as text: *p and *len receive the bytes
** (strings as stored, other types formatted as their values print).
** Returns false when the file records none. */
static bool stat_text(const tarn_pq_leaf *l, const tarn_pq_stats *st, bool want_max, char *buf,
                      size_t n, const char **p, size_t *len)
{
    if (!(want_max ? st->has_max : st->has_min))
        return false;
    if (l->type.id == TARN_TYPE_STRING) {
        *p = want_max ? st->max_str : st->min_str;
        *len = want_max ? st->max_len : st->min_len;
        if (!*p)
            *p = "";
        return true;
    }
    /* tarn_stats_format prints a stored value exactly as a column value. */
    tarn_column_stats cs = {.type = l->type, .count = 1, .has_minmax = true,
                            .min = st->min, .max = st->max};
    *len = tarn_stats_format(&cs, want_max, buf, n);
    *p = buf;
    return true;
}

/* ---- text ---- */

static void text_facts(const tarn_pq_meta *m)
{
    printf("key-value:  ");
    for (int i = 0; i < m->nkv; i++)
        printf("%s%s", i ? ", " : "", m->kv[i].key);
    printf("%s\n", m->nkv ? "" : "(none)");
}

/* One schema row: number (or blank), name, type, physical, logical, repetition. */
static void schema_row(tarn_grid *g, const char *num, const char *name, const char *type,
                       const char *phys, const char *logical, const char *rep)
{
    tarn_grid_add_str(g, num);
    tarn_grid_add_str(g, name);
    tarn_grid_add_str(g, type);
    tarn_grid_add_str(g, phys);
    tarn_grid_add_str(g, logical && logical[0] ? logical : "-");
    tarn_grid_add_str(g, rep);
}

static void text_schema(const tarn_pq_meta *m, bool boxed)
{
    static const char *const head[] = {"#", "column", "type", "physical", "logical", "repetition"};
    tarn_grid g;
    tarn_grid_init(&g, 6, boxed);
    for (int c = 0; c < 6; c++)
        tarn_grid_add_str(&g, head[c]);
    g.right[0] = true;
    char num[16], tn[48], ph[48];
    for (int i = 0; i < m->schema.ncols; i++) {
        const tarn_field *f = &m->schema.fields[i];
        snprintf(num, sizeof num, "%d", i + 1);
        int leaf = -1;
        if (field_is_flat(m, i, &leaf)) {
            const tarn_pq_leaf *l = &m->leaves[leaf];
            schema_row(&g, num, f->name, tarn_type_name(f->type, tn, sizeof tn),
                       physical_text(l, ph, sizeof ph), l->logical_name,
                       repetition_name(l->repetition));
            continue;
        }
        schema_row(&g, num, f->name, "string (JSON)", "group", "-", "-");
        for (int k = 0; k < m->nleaves; k++) {
            const tarn_pq_leaf *l = &m->leaves[k];
            if (l->field == i)
                schema_row(&g, "", l->path, tarn_type_name(l->type, tn, sizeof tn),
                           physical_text(l, ph, sizeof ph), l->logical_name,
                           repetition_name(l->repetition));
        }
    }
    printf("schema:\n");
    tarn_grid_print(&g, 1);
    tarn_grid_free(&g);
}

/* A statistics cell: the value, or "-". */
static void add_stat(tarn_grid *g, const tarn_pq_leaf *l, const tarn_pq_stats *st, bool want_max)
{
    char buf[TARN_GRID_CELL_BYTES];
    const char *p;
    size_t n;
    if (!stat_text(l, st, want_max, buf, sizeof buf, &p, &n))
        tarn_grid_add_str(g, "-");
    else
        tarn_grid_add(g, p, n < TARN_GRID_CELL_BYTES ? n : TARN_GRID_CELL_BYTES);
}

static void text_row_group(const tarn_pq_meta *m, const tarn_pq_row_group *rg, bool boxed)
{
    static const char *const head[] = {"column", "codec", "encodings", "values", "compressed",
                                       "uncompressed", "nulls", "min", "max"};
    printf("\nrow group %d: %lld rows, %lld bytes, %lld compressed\n", rg->index,
           (long long)rg->rows, (long long)rg->total_byte_size, (long long)rg->compressed_size);
    tarn_grid g;
    tarn_grid_init(&g, 9, boxed);
    for (int c = 0; c < 9; c++) {
        tarn_grid_add_str(&g, head[c]);
        g.right[c] = c >= 3 && c <= 6;
    }
    char enc[256];
    for (int k = 0; k < m->nleaves; k++) {
        const tarn_pq_chunk *ch = &rg->chunks[k];
        const tarn_pq_leaf *l = &m->leaves[k];
        tarn_grid_add_str(&g, l->path);
        tarn_grid_add_str(&g, tarn_parquet_codec_name(ch->codec));
        tarn_grid_add_str(&g, encodings_text(ch->encodings, enc, sizeof enc));
        tarn_grid_add_int(&g, ch->num_values);
        tarn_grid_add_int(&g, ch->compressed_size);
        tarn_grid_add_int(&g, ch->uncompressed_size);
        if (ch->stats.has_null_count)
            tarn_grid_add_int(&g, ch->stats.null_count);
        else
            tarn_grid_add_str(&g, "-");
        add_stat(&g, l, &ch->stats, false);
        add_stat(&g, l, &ch->stats, true);
    }
    tarn_grid_print(&g, 1);
    tarn_grid_free(&g);
}

void tarn_cli_parquet_text(const tarn_pq_meta *m, bool boxed, int max_groups)
{
    text_facts(m);
    text_schema(m, boxed);
    int shown = max_groups < m->nrow_groups ? max_groups : m->nrow_groups;
    for (int g = 0; g < shown; g++)
        text_row_group(m, &m->row_groups[g], boxed);
    if (shown < m->nrow_groups)
        printf("\n(%d more row group%s: --row-groups N shows more, --json shows all)\n",
               m->nrow_groups - shown, m->nrow_groups - shown == 1 ? "" : "s");
}

/* ---- JSON ---- */

void tarn_cli_json_bytes(FILE *f, const char *s, size_t n)
{
    fputc('"', f);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

/* A chunk's min or max as a JSON value of the leaf's type, or null. */
static void json_stat(const tarn_pq_leaf *l, const tarn_pq_stats *st, bool want_max)
{
    char buf[128];
    const char *p;
    size_t n;
    tarn_type_id t = l->type.id;
    if (!stat_text(l, st, want_max, buf, sizeof buf, &p, &n))
        fputs("null", stdout);
    else if (t == TARN_TYPE_STRING || t == TARN_TYPE_DATE || t == TARN_TYPE_TIMESTAMP ||
             (t == TARN_TYPE_DOUBLE && strstr(p, "Infinity")))
        tarn_cli_json_bytes(stdout, p, n);
    else
        fwrite(p, 1, n, stdout);
}

static void json_leaves(const tarn_pq_meta *m)
{
    char tn[48];
    printf(",\"leaves\":[");
    for (int k = 0; k < m->nleaves; k++) {
        const tarn_pq_leaf *l = &m->leaves[k];
        printf(k ? ",{\"path\":" : "{\"path\":");
        tarn_cli_json_string(stdout, l->path);
        printf(",\"column\":%d,\"type\":\"%s\",\"physical\":\"%s\"", l->field,
               tarn_type_name(l->type, tn, sizeof tn), tarn_parquet_type_name(l->physical));
        if (l->type_length > 0)
            printf(",\"type_length\":%d", l->type_length);
        printf(",\"logical\":");
        if (l->logical_name && l->logical_name[0])
            tarn_cli_json_string(stdout, l->logical_name);
        else
            fputs("null", stdout);
        printf(",\"repetition\":\"%s\",\"max_definition_level\":%d,"
               "\"max_repetition_level\":%d}",
               repetition_name(l->repetition), l->max_def, l->max_rep);
    }
    putchar(']');
}

/* An int64 member, or null when absent. */
static void json_opt_int(const char *name, bool has, int64_t v)
{
    if (has)
        printf(",\"%s\":%lld", name, (long long)v);
    else
        printf(",\"%s\":null", name);
}

static void json_chunk(const tarn_pq_leaf *l, const tarn_pq_chunk *ch)
{
    printf("{\"path\":");
    tarn_cli_json_string(stdout, l->path);
    printf(",\"codec\":\"%s\",\"encodings\":[", tarn_parquet_codec_name(ch->codec));
    for (int e = 0, k = 0; e < 32; e++)
        if (ch->encodings & (1u << e))
            printf("%s\"%s\"", k++ ? "," : "", tarn_parquet_encoding_name(e));
    printf("],\"num_values\":%lld,\"compressed_size\":%lld,\"uncompressed_size\":%lld,"
           "\"data_page_offset\":%lld",
           (long long)ch->num_values, (long long)ch->compressed_size,
           (long long)ch->uncompressed_size, (long long)ch->data_page_offset);
    json_opt_int("dictionary_page_offset", ch->dictionary_page_offset >= 0,
                 ch->dictionary_page_offset);
    json_opt_int("null_count", ch->stats.has_null_count, ch->stats.null_count);
    json_opt_int("distinct_count", ch->stats.has_distinct_count, ch->stats.distinct_count);
    printf(",\"min\":");
    json_stat(l, &ch->stats, false);
    printf(",\"max\":");
    json_stat(l, &ch->stats, true);
    putchar('}');
}

void tarn_cli_parquet_json(const tarn_pq_meta *m)
{
    printf(",\"version\":%d,\"file_size\":%lld,\"key_value_metadata\":[", (int)m->version,
           (long long)m->file_size);
    for (int i = 0; i < m->nkv; i++) {
        if (i)
            putchar(',');
        tarn_cli_json_string(stdout, m->kv[i].key);
    }
    putchar(']');
    json_leaves(m);
    printf(",\"row_group_details\":[");
    for (int g = 0; g < m->nrow_groups; g++) {
        const tarn_pq_row_group *rg = &m->row_groups[g];
        printf("%s{\"index\":%d,\"rows\":%lld,\"total_byte_size\":%lld,\"compressed_size\":%lld,"
               "\"chunks\":[",
               g ? "," : "", rg->index, (long long)rg->rows, (long long)rg->total_byte_size,
               (long long)rg->compressed_size);
        for (int k = 0; k < m->nleaves; k++) {
            if (k)
                putchar(',');
            json_chunk(&m->leaves[k], &rg->chunks[k]);
        }
        printf("]}");
    }
    putchar(']');
}
