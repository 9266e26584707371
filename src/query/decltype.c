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
*/
#include <string.h>
#include <strings.h>

#include "query/query_int.h"

#define DECL_TEXT_SUFFIX " text"

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
