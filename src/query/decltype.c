/*
** decltype.c: the column types a catalog table's virtual table declares to
** SQLite, and the way back from a declared type to the catalog type.
**
** SQLite derives a column's affinity from its declared type by substring
** ("INT", then "CHAR"/"CLOB"/"TEXT", ...), so the catalog's "string",
** "date" and "timestamp" would get NUMERIC affinity: text that looks like
** a number would then compare as a number ('007' = '7', '1.0' = '1') in
** every comparison SQLite evaluates itself. Columns whose values are text
** are therefore declared as "<catalog type> text" (one quoted type name),
** which has TEXT affinity; everything that reads a declared type back
** (result metadata, CTAS, views) strips the suffix again.
**
** Trino compares a date with a timestamp as the date's midnight; as text,
** '2020-03-01' sorts before '2020-03-01 00:00:00.000000'. Date and
** timestamp columns therefore get the collation tarn_time (a date compares
** as its midnight), and the scan turns a constant compared with such a
** column into the column's own form (tarn_qtime_constant).
*/
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "query/query_int.h"

#include <stdlib.h>

#define DECL_TEXT_SUFFIX " text"
#define MIDNIGHT " 00:00:00.000000"
#define TS_LEN 26
#define DATE_LEN 10

/* True when a column of catalog type t holds text in SQLite
** (query_int.h: string, date, timestamp, char/varchar, nested types). */
static bool text_valued(const char *t)
{
    static const char *const prefixes[] = {"string", "varchar", "char", "date",
                                           "timestamp", "array", "map", "struct"};
    for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++) {
        size_t n = strlen(prefixes[i]);
        if (strncasecmp(t, prefixes[i], n) == 0 &&
            (t[n] == 0 || t[n] == '(' || t[n] == '<'))
            return true;
    }
    return false;
}

char *tarn_qdecl_from_catalog(const char *catalog_type)
{
    const char *t = catalog_type ? catalog_type : "string";
    if (!text_valued(t))
        return tarn_xstrdup(t);
    return tarn_xasprintf("%s%s", t, DECL_TEXT_SUFFIX);
}

const char *tarn_qdecl_catalog_type(const char *decl, char *buf, size_t n)
{
    if (!decl)
        return NULL;
    size_t len = strlen(decl), sl = strlen(DECL_TEXT_SUFFIX);
    if (len <= sl || strcasecmp(decl + len - sl, DECL_TEXT_SUFFIX) != 0 || len - sl >= n)
        return decl;
    memcpy(buf, decl, len - sl);
    buf[len - sl] = 0;
    return buf;
}

/* True if s[0..n) is a date 'YYYY-MM-DD' (its shape only). */
static bool date_shaped(const char *s, size_t n)
{
    if (n != DATE_LEN || s[4] != '-' || s[7] != '-')
        return false;
    for (size_t i = 0; i < n; i++)
        if (i != 4 && i != 7 && !isdigit((unsigned char)s[i]))
            return false;
    return true;
}

/* The collation tarn_time: binary, except that a date compares as its
** midnight with a longer (timestamp) text. */
static int time_collate(void *ud, int na, const void *a, int nb, const void *b)
{
    (void)ud;
    char pa[TS_LEN + 1], pb[TS_LEN + 1];
    if (na != nb && date_shaped(a, (size_t)na) && nb > DATE_LEN) {
        memcpy(pa, a, DATE_LEN);
        memcpy(pa + DATE_LEN, MIDNIGHT, sizeof MIDNIGHT);
        a = pa, na = TS_LEN;
    } else if (na != nb && date_shaped(b, (size_t)nb) && na > DATE_LEN) {
        memcpy(pb, b, DATE_LEN);
        memcpy(pb + DATE_LEN, MIDNIGHT, sizeof MIDNIGHT);
        b = pb, nb = TS_LEN;
    }
    int n = na < nb ? na : nb;
    int r = n ? memcmp(a, b, (size_t)n) : 0;
    return r ? r : na - nb;
}

int tarn_qdecl_register(sqlite3 *db)
{
    return sqlite3_create_collation(db, TARN_QTIME_COLLATION, SQLITE_UTF8, NULL, time_collate);
}

char *tarn_qdecl_column(const char *name, const char *catalog_type)
{
    char *decl = tarn_qdecl_from_catalog(catalog_type);
    tarn_type t;
    tarn_error e;
    bool timey = tarn_type_parse(catalog_type ? catalog_type : "string", &t, &e) == TARN_OK &&
                 (t.id == TARN_TYPE_DATE || t.id == TARN_TYPE_TIMESTAMP);
    /* The type quoted, so that "array<string>" parses too; SQLite stores
    ** it without the quotes. */
    char *col = sqlite3_mprintf("\"%w\" \"%w\"%s", name, decl,
                                timey ? " COLLATE " TARN_QTIME_COLLATION : "");
    free(decl);
    char *out = tarn_xstrdup(col);
    sqlite3_free(col);
    return out;
}

char *tarn_qtime_constant(tarn_type_id column_type, const char *s, size_t n, size_t *out_n)
{
    if (column_type == TARN_TYPE_DATE && n == TS_LEN && date_shaped(s, DATE_LEN) &&
        memcmp(s + DATE_LEN, MIDNIGHT, TS_LEN - DATE_LEN) == 0) {
        *out_n = DATE_LEN;
        return tarn_xstrndup(s, DATE_LEN);
    }
    if (column_type == TARN_TYPE_TIMESTAMP && date_shaped(s, n)) {
        *out_n = TS_LEN;
        return tarn_xasprintf("%.*s%s", DATE_LEN, s, MIDNIGHT);
    }
    return NULL;
}
