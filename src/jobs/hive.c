/*
** hive.c: Hive partition folder names: escaping and unescaping partition
** values the way Hive, Spark and Athena name `key=value` folders (see
** jobs.h and AWS-SEMANTICS.md "Hive partition folders"). Used by the
** repartition job to name folders, and by whatever reads them back
** (crawlers, partition pruning) to recover the values.
*/
#include "jobs/jobs.h"

#include <string.h>

/* One bit per byte below 0x80 that Hive escapes. */
static bool escaped_ascii(unsigned char c)
{
    if (c <= 0x1F || c == 0x7F)
        return true;
    switch (c) {
    case '"': case '#': case '%': case '\'': case '*': case '/': case ':':
    case '=': case '?': case '\\': case '{': case '[': case ']': case '^':
        return true;
    default:
        return false;
    }
}

bool tarn_hive_needs_escape(unsigned char c)
{
    return c < 0x80 && escaped_ascii(c);
}

int tarn_hive_escape(tarn_buf *out, const char *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t start = out->len, run = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!tarn_hive_needs_escape(c))
            continue;
        char esc[3] = {'%', hex[c >> 4], hex[c & 15]};
        if (tarn_buf_append(out, s + run, i - run) || tarn_buf_append(out, esc, 3))
            goto limit;
        run = i + 1;
    }
    if (tarn_buf_append(out, s + run, n - run))
        goto limit;
    return TARN_OK;
limit:
    out->len = start;
    if (out->data)
        out->data[start] = '\0';
    return TARN_ERR_LIMIT;
}

static int hex_value(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int tarn_hive_unescape(tarn_buf *out, const char *s, size_t n)
{
    size_t start = out->len;
    for (size_t i = 0; i < n; i++) {
        int hi, lo;
        char c = s[i];
        if (c == '%' && i + 2 < n && (hi = hex_value((unsigned char)s[i + 1])) >= 0 &&
            (lo = hex_value((unsigned char)s[i + 2])) >= 0) {
            c = (char)(hi << 4 | lo);
            i += 2;
        }
        if (tarn_buf_putc(out, c)) {
            out->len = start;
            if (out->data)
                out->data[start] = '\0';
            return TARN_ERR_LIMIT;
        }
    }
    return TARN_OK;
}

int tarn_hive_folder(tarn_buf *out, const char *key, const char *value, size_t n)
{
    size_t start = out->len;
    int rc = TARN_OK;
    for (const char *k = key; !rc && *k; k++) {
        unsigned char c = (unsigned char)*k;
        if (c >= 'A' && c <= 'Z')
            c = (unsigned char)(c - 'A' + 'a');
        rc = tarn_hive_escape(out, (const char *)&c, 1);
    }
    if (!rc)
        rc = tarn_buf_putc(out, '=');
    if (!rc)
        rc = value && n ? tarn_hive_escape(out, value, n)
                        : tarn_buf_append(out, TARN_HIVE_DEFAULT_PARTITION,
                                          strlen(TARN_HIVE_DEFAULT_PARTITION));
    if (rc) {
        out->len = start;
        if (out->data)
            out->data[start] = '\0';
    }
    return rc;
}
