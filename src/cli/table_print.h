/*
** table_print.h: text tables on stdout for the command line (table_print.c).
**
** A tarn_grid holds cells row-major and prints them as a table: boxed with
** Unicode box-drawing lines, or as plain columns two spaces apart (for
** pipes). Every cell is made printable when added (control characters
** become blanks, a newline shows as "↵") and cut to TARN_GRID_CELL_MAX
** display columns with a final "…".
**
**     tarn_grid g; tarn_grid_init(&g, 3, cli->tty);
**     tarn_grid_add(&g, "name", 4); ...           (the heading row first)
**     tarn_grid_print(&g, 1);                     (1 heading row)
**     tarn_grid_free(&g);
**
** A tarn_table_printer streams column batches as a boxed table with the
** column names and types as headings (`file cat`, query results): the
** first TARN_TABLE_WINDOW rows set the column widths, later rows are cut to
** them, so any number of rows prints in bounded memory.
*/
#ifndef TARN_TABLE_PRINT_H
#define TARN_TABLE_PRINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "table/table.h"

#define TARN_GRID_CELL_MAX 40     /* display columns a cell may take */
#define TARN_GRID_CELL_BYTES 256  /* bytes of a value looked at for display */
#define TARN_TABLE_WINDOW 1000    /* rows that set a streamed table's widths */

typedef struct tarn_grid {
    int ncols;
    int *width;      /* display width per column */
    bool *right;     /* right-align the column (numbers); set by the caller */
    tarn_buf text;   /* cell texts, each NUL-terminated */
    size_t *off;     /* start of each cell in text */
    int *cw;         /* display width of each cell */
    size_t ncells, cap;
    bool boxed;
} tarn_grid;

/* An empty grid of ncols columns, boxed or plain. */
void tarn_grid_init(tarn_grid *g, int ncols, bool boxed);
void tarn_grid_free(tarn_grid *g);
/* Drop the cells, keep the widths. */
void tarn_grid_clear(tarn_grid *g);
/* Add the next cell (row-major): n bytes of s, made printable. */
void tarn_grid_add(tarn_grid *g, const char *s, size_t n);
/* Add a NUL-terminated string; "-" for NULL. */
void tarn_grid_add_str(tarn_grid *g, const char *s);
/* Add an integer as a cell. */
void tarn_grid_add_int(tarn_grid *g, int64_t v);
/* Widen the columns to fit every cell held. */
void tarn_grid_fit(tarn_grid *g);
/* Fit, then print the cells: the first heading_rows rows as headings
** (never right-aligned, a rule under them when boxed), then the rest. */
void tarn_grid_print(tarn_grid *g, int heading_rows);

typedef struct tarn_table_printer tarn_table_printer;

/* A boxed table for rows of schema s (copied). Free with
** tarn_table_printer_end. */
tarn_table_printer *tarn_table_printer_new(const tarn_schema *s);
/* Rows [0, k) of b (b's columns must match the schema). */
void tarn_table_printer_add(tarn_table_printer *p, const tarn_batch *b, int64_t k);
/* Print what is still held and the bottom line, then "(N rows)" or "(N of
** TOTAL rows)" when total (>= 0) is more than were shown; frees p. */
void tarn_table_printer_end(tarn_table_printer *p, int64_t total);
/* Free p without printing anything more (after a read error). */
void tarn_table_printer_abort(tarn_table_printer *p);

#endif
