/*
** infer.h: type inference from text values and text-to-value conversion,
** shared by the CSV and JSON-lines readers (private to format/).
**
** Inference keeps, per column, the set of types that every value seen so
** far fits (the "candidates"). Feeding a value intersects that set with the
** types the value fits; the column's type is the most specific candidate
** left, or string when none is left or no value was seen. Intersection does
** not depend on order, so chunks of a file can be inferred on different
** threads and merged, and the result is exact for every row: a column whose
** later value does not fit is widened (int -> bigint -> double, date ->
** timestamp, anything -> string), never truncated.
**
** What text fits which type (blanks around a non-string value are ignored):
**
**   boolean    true, false (any case). 0/1 are integers, as in DuckDB.
**   int        -?digits within 32 bits. No '+' and no leading zero ("007"
**              stays a string, as in DuckDB: zip codes and ids keep their
**              zeros). Digits may be grouped by commas in threes
**              ("1,234"; DuckDB reads those as strings, tarn as numbers).
**   bigint     the same within 64 bits.
**   double     a decimal number with '.', an exponent, or an integer beyond
**              64 bits; finite only. tarn infers double, never decimal,
**              for "1.5" or "43,774.58" (as DuckDB infers DOUBLE);
**              decimal(p,s) is only produced when a caller asks for it.
**   date       ISO YYYY-MM-DD (month and day may have one digit), or
**              D/M/YYYY, D.M.YYYY, D-M-YYYY read day-first or month-first:
**              a value with a first part over 12 rules out month-first, a
**              second part over 12 rules out day-first; when every value
**              fits both, day-first wins (as in DuckDB).
**   timestamp  ISO date, 'T' or ' ', HH:MM[:SS[.fraction]], then optional
**              Z or +HH[:MM] / -HH[:MM]; converted to UTC microseconds
**              (digits past the sixth fraction digit are dropped). A plain
**              ISO date also fits timestamp (midnight), so a column mixing
**              dates and timestamps becomes timestamp (DuckDB: varchar).
**
** An empty value is NULL and fits every type; a quoted empty value
** (TARN_TEXT_QUOTED) is an empty string in a string column and NULL in a
** typed one.
*/
#ifndef TARN_FORMAT_INFER_H
#define TARN_FORMAT_INFER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "table/table.h"

/* Candidate bits: the types a value or a column may have. String is
** implied (every value fits it) and has no bit. */
#define TARN_CAND_BOOL      (1u << 0)
#define TARN_CAND_INT       (1u << 1)
#define TARN_CAND_BIGINT    (1u << 2)
#define TARN_CAND_DOUBLE    (1u << 3)
#define TARN_CAND_DATE      (1u << 4) /* ISO YYYY-MM-DD */
#define TARN_CAND_DATE_DMY  (1u << 5) /* 03/01/2020 = 3 January */
#define TARN_CAND_DATE_MDY  (1u << 6) /* 03/01/2020 = 1 March */
#define TARN_CAND_TIMESTAMP (1u << 7)
#define TARN_CAND_ALL       0xffu
#define TARN_CAND_NUMERIC   (TARN_CAND_INT | TARN_CAND_BIGINT | TARN_CAND_DOUBLE)

/* One text value: bytes (not NUL-terminated) and flags. */
typedef struct tarn_text {
    const char *p;
    uint32_t len;
    uint32_t flags;
} tarn_text;

#define TARN_TEXT_QUOTED  1u /* the value was quoted: "" is an empty string */
#define TARN_TEXT_ESCAPED 2u /* CSV: holds doubled quotes still to collapse */

/* How a column's text converts to values: the type, and for dates the
** order of day and month. */
typedef enum tarn_date_order {
    TARN_DATE_ISO = 0,
    TARN_DATE_DMY,
    TARN_DATE_MDY
} tarn_date_order;

typedef struct tarn_textfmt {
    tarn_type type;
    tarn_date_order dates;
} tarn_textfmt;

/* Inference state of one column. Zero it with tarn_infer_init. */
typedef struct tarn_infer {
    uint32_t cands; /* TARN_CAND_* bits every value so far fits */
    bool seen;      /* at least one non-NULL value was fed */
} tarn_infer;

void tarn_infer_init(tarn_infer *s);

/* The TARN_CAND_* bits the text p[0..n) fits (0: only string). An empty
** text returns TARN_CAND_ALL (NULL fits everything). */
uint32_t tarn_infer_classify(const char *p, size_t n);

/* Feed one non-NULL text value. */
void tarn_infer_add(tarn_infer *s, const char *p, size_t n);

/* Feed a value whose candidates the caller knows (a JSON reader feeds
** TARN_CAND_NUMERIC for the number 5, or classify() & ~TARN_CAND_NUMERIC
** for the string "5" if strings must not become numbers). */
void tarn_infer_add_mask(tarn_infer *s, uint32_t cands);

/* Feed n values v[0], v[stride], v[2*stride], ... (stride counts
** tarn_text elements). Empty values are NULL and skipped. This is the fast
** path for whole blocks: one check per value against the current type. */
void tarn_infer_feed(tarn_infer *s, const tarn_text *v, size_t stride, size_t n);

/* Combine what two chunks of the same column saw. */
void tarn_infer_merge(tarn_infer *dst, const tarn_infer *src);

/* The column's type and date order so far (string if nothing fits or no
** value was seen). */
tarn_textfmt tarn_infer_result(const tarn_infer *s);

/* A string textfmt, and one for a given type (ISO dates). */
tarn_textfmt tarn_textfmt_of(tarn_type t);

/* Whether the non-empty text p[0..n) converts to f's type. */
bool tarn_text_fits(const tarn_textfmt *f, const char *p, size_t n);

/* Convert p[0..n) to f's type (which must be c's type) and append it to c.
** An empty text appends NULL (or "" for a quoted empty string, see
** quoted). Returns false, appending nothing, if the text does not fit. */
bool tarn_text_append(tarn_column *c, const tarn_textfmt *f, const char *p,
                      size_t n, bool quoted);

/* Append n values v[0], v[stride], ... to c, converted to f's type (which
** must be c's type). Values that do not fit are appended as NULL; returns
** how many did not fit. Strings are copied as they are (no unescaping). */
int64_t tarn_text_append_batch(tarn_column *c, const tarn_textfmt *f,
                               const tarn_text *v, size_t stride, size_t n);

/* Scalar parsers the readers share. Each accepts the whole text (blanks
** around it allowed) or returns false. */
bool tarn_parse_i64(const char *p, size_t n, int64_t *out);
bool tarn_parse_double(const char *p, size_t n, double *out);
bool tarn_parse_bool(const char *p, size_t n, bool *out);
bool tarn_parse_date(const char *p, size_t n, tarn_date_order order, int32_t *days);
bool tarn_parse_timestamp(const char *p, size_t n, int64_t *micros);
bool tarn_parse_decimal(const char *p, size_t n, unsigned precision, unsigned scale,
                        __int128 *out);

#endif
