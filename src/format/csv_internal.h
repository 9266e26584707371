/*
** csv_internal.h: what the CSV reader's files share (private to format/):
** the record scanner (csv_scan.c), dialect and header sniffing
** (csv_sniff.c), and the reader's state (csv_reader.c).
**
** The scanner turns a byte range into blocks of records: for each good
** record, ncols fields as (pointer, length, flags) into the mapped input,
** never copied. Quoted fields point inside their quotes; doubled quotes are
** collapsed only when a string value is stored (csv_text_unescape).
*/
#ifndef TARN_FORMAT_CSV_INTERNAL_H
#define TARN_FORMAT_CSV_INTERNAL_H

#include "format/format_internal.h"
#include "format/infer.h"

/* Why a record is bad (0 = good). */
enum csv_row_status {
    CSV_ROW_OK = 0,
    CSV_ROW_RAGGED,       /* field count differs from the columns */
    CSV_ROW_UNTERMINATED, /* a quoted field runs to the end of the input */
    CSV_ROW_GARBAGE,      /* text between a closing quote and the delimiter */
    CSV_ROW_TOOLONG       /* a field of 4 GiB or more */
};

/* Most columns a CSV file may have (bounds the memory a row block takes). */
#define CSV_MAX_COLUMNS 20000

/* A bad record: where it starts and what is wrong. */
typedef struct csv_bad {
    int64_t line;      /* line of its first byte, relative to the scanner's */
    const char *start; /* raw text in the input */
    size_t len;
    uint32_t nfields;
    uint8_t status;    /* enum csv_row_status */
} csv_bad;

/* A block of scanned records. */
typedef struct csv_block {
    int ncols;          /* fields stored per good row; 0 = count only */
    int cap;            /* most good rows per block */
    tarn_text *fields;  /* cap * ncols (row-major), owned */
    uint32_t *counts;   /* count-only mode: fields of each row (cap), owned */
    int nrows;          /* good rows scanned */
    csv_bad *bad;       /* bad rows found (NULL: not kept, no limit) */
    int bad_cap, nbad;
    const char *start, *end; /* bytes this block covered */
} csv_block;

/* Scanner state: the input, the dialect, the position. */
typedef struct csv_scanner {
    const char *end;  /* end of the whole input */
    const char *p;    /* start of the next record */
    int64_t line;     /* line number at p */
    int delim;        /* delimiter byte */
    int quote;        /* quote byte, or -1 when quoting is off */
    bool skip_blank;  /* an empty line is no record (files of 2+ columns) */
    const char *blk;  /* the 64 bytes whose special-byte mask is cached */
    uint64_t mask;
    int64_t nquoted;  /* quoted fields seen (the sniffer's evidence) */
} csv_scanner;

void csv_scanner_init(csv_scanner *s, const char *p, const char *end, int64_t line,
                      int delim, int quote, bool skip_blank);

/* Set up a block for ncols fields (0 = count only) and cap rows; keep_bad
** > 0 keeps up to that many bad rows per scan (the scan stops when full). */
void csv_block_init(csv_block *b, int ncols, int cap, int keep_bad);
void csv_block_free(csv_block *b);

/* Scan records from s->p into b (emptied first) until b holds b->cap good
** rows, b's bad list is full, the next record starts at or after stop, or
** the input ends. Records starting before stop are scanned whole even if
** they run past it. */
void csv_scan_block(csv_scanner *s, csv_block *b, const char *stop);

/* Scan one record at s->p, storing up to maxf fields in f; *nf gets the
** field count. Returns an enum csv_row_status (never RAGGED). Blank lines
** are records of one empty field here; csv_scan_block skips them. */
int csv_scan_record(csv_scanner *s, tarn_text *f, uint32_t maxf, uint32_t *nf);

/* The first position in [from, end) where a line starts (after LF, a lone
** CR, or at data), or end if there is none. */
const char *csv_next_line_start(const char *data, const char *from, const char *end);

/* Do the k records starting at p all have ncols fields and sound quoting?
** end bounds the look (callers pass a window, not the whole input); a
** record cut off by it after the first counts as good. */
bool csv_probe(const char *p, const char *end, int delim, int quote, int ncols, int k);

/* Is p[0..n) valid UTF-8? */
bool csv_utf8_valid(const char *p, size_t n);

/* Text of a field as stored: doubled quotes collapsed when escaped, and
** when fix_utf8 invalid UTF-8 bytes read as Latin-1. Returns a pointer to
** the field itself when nothing changes, else into scratch. */
const char *csv_text_clean(const tarn_text *t, int quote, bool fix_utf8, tarn_buf *scratch,
                           size_t *len);

/* What sniffing found. */
typedef struct csv_sniffed {
    int delim;
    int quote;           /* -1: none */
    bool header;
    const char *newline; /* "lf", "crlf", "cr", "none" */
    int ncols;
    const char *data;    /* first data record (after the header) */
    int64_t data_line;   /* its line number */
    char **names;        /* ncols column names, owned */
    bool names_latin1;   /* the header had invalid UTF-8 */
} csv_sniffed;

/* Sniff the dialect, the header and the column names of data[0..len),
** honouring the overrides in o. */
int csv_sniff(const char *data, size_t len, const tarn_read_options *o, const char *path,
              csv_sniffed *out, tarn_error *err);
void csv_sniffed_free(csv_sniffed *s);

/* Chunk size for the parallel passes; 0 picks one from the file size.
** Tests set it to exercise split boundaries on small files. */
extern size_t tarn_csv_chunk_bytes;

#endif
