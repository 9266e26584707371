/*
** functions_text.c: more of Trino's string functions: chr(n),
** codepoint(c), levenshtein_distance(a, b), hamming_distance(a, b) (both
** over code points, as Trino counts characters), and the URL functions
** url_extract_protocol|host|port|path|query|fragment (the parts of an
** absolute URL as java.net.URI splits it; NULL when the part is absent or
** the text is not such a URL; the path '' when empty).
*/
#include "query/dialect_int.h"

#include <stdlib.h>
#include <string.h>

/* The code points of s[0..n) into a malloc'd array; *count gets how many.
** Bytes that do not start a valid sequence count as one code point each. */
static uint32_t *code_points(const unsigned char *s, size_t n, size_t *count)
{
    uint32_t *cp = tarn_xcalloc(n + 1, sizeof *cp);
    size_t k = 0;
    for (size_t i = 0; i < n; k++) {
        unsigned char c = s[i];
        int len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 1;
        if (i + (size_t)len > n)
            len = 1;
        uint32_t v = len == 1 ? c : c & (0x3F >> (len - 1));
        for (int j = 1; j < len; j++)
            v = (v << 6) | (s[i + (size_t)j] & 0x3F);
        cp[k] = v;
        i += (size_t)len;
    }
    *count = k;
    return cp;
}

/* UTF-8 of code point v into out (4 bytes room); returns its length. */
static int utf8_put(uint32_t v, char *out)
{
    if (v < 0x80)
        return out[0] = (char)v, 1;
    if (v < 0x800)
        return out[0] = (char)(0xC0 | v >> 6), out[1] = (char)(0x80 | (v & 0x3F)), 2;
    if (v < 0x10000) {
        out[0] = (char)(0xE0 | v >> 12);
        out[1] = (char)(0x80 | ((v >> 6) & 0x3F));
        out[2] = (char)(0x80 | (v & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | v >> 18);
    out[1] = (char)(0x80 | ((v >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((v >> 6) & 0x3F));
    out[3] = (char)(0x80 | (v & 0x3F));
    return 4;
}

static void fn_chr(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    if (tarn_qfunc_any_null(argc, argv))
        return;
    sqlite3_int64 v = sqlite3_value_int64(argv[0]);
    if (v < 0 || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
        return tarn_qfunc_fail(ctx, "INVALID_FUNCTION_ARGUMENT", "Not a valid Unicode code point: %lld",
                               (long long)v);
    char buf[4];
    sqlite3_result_text(ctx, buf, utf8_put((uint32_t)v, buf), SQLITE_TRANSIENT);
}

static void fn_codepoint(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    if (tarn_qfunc_any_null(argc, argv))
        return;
    int n;
    const char *s = tarn_qfunc_text(argv[0], &n);
    size_t count;
    uint32_t *cp = code_points((const unsigned char *)s, (size_t)n, &count);
    if (count == 1)
        sqlite3_result_int64(ctx, cp[0]);
    else
        tarn_qfunc_fail(ctx, "INVALID_FUNCTION_ARGUMENT",
                        "Input string must be a single character string");
    free(cp);
}

/* levenshtein_distance (data NULL) or hamming_distance (data non-NULL). */
static void fn_distance(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    if (tarn_qfunc_any_null(argc, argv))
        return;
    int na, nb;
    const char *a = tarn_qfunc_text(argv[0], &na), *b = tarn_qfunc_text(argv[1], &nb);
    size_t la, lb;
    uint32_t *x = code_points((const unsigned char *)a, (size_t)na, &la);
    uint32_t *y = code_points((const unsigned char *)b, (size_t)nb, &lb);
    if (tarn_qfunc_data(ctx)) {
        size_t d = 0;
        for (size_t i = 0; la == lb && i < la; i++)
            d += x[i] != y[i];
        if (la == lb)
            sqlite3_result_int64(ctx, (sqlite3_int64)d);
        else
            tarn_qfunc_fail(ctx, "INVALID_FUNCTION_ARGUMENT", "The input strings to hamming_distance "
                            "function must have the same length");
    } else if (la > 100000 || lb > 100000) {
        tarn_qfunc_fail(ctx, "INVALID_FUNCTION_ARGUMENT",
                        "The combined inputs for Levenshtein distance are too large");
    } else {
        size_t *row = tarn_xcalloc(lb + 1, sizeof *row);
        for (size_t j = 0; j <= lb; j++)
            row[j] = j;
        for (size_t i = 1; i <= la; i++) {
            size_t diag = row[0];
            row[0] = i;
            for (size_t j = 1; j <= lb; j++) {
                size_t up = row[j], best = diag + (x[i - 1] != y[j - 1]);
                best = up + 1 < best ? up + 1 : best;
                best = row[j - 1] + 1 < best ? row[j - 1] + 1 : best;
                diag = up;
                row[j] = best;
            }
        }
        sqlite3_result_int64(ctx, (sqlite3_int64)row[lb]);
        free(row);
    }
    free(x);
    free(y);
}

/* ---- URLs ---- */

enum { U_PROTOCOL, U_HOST, U_PORT, U_PATH, U_QUERY, U_FRAGMENT };

/* The parts of an absolute URL scheme://[user@]host[:port][/path][?query]
** [#fragment] as offsets into s; false if s is not one. */
typedef struct url_parts {
    size_t at[6], len[6];
    bool has[6];
} url_parts;

static bool url_split(const char *s, size_t n, url_parts *u)
{
    memset(u, 0, sizeof *u);
    const char *colon = memchr(s, ':', n);
    size_t sc = colon ? (size_t)(colon - s) : 0;
    if (sc == 0 || sc + 3 > n || memcmp(s + sc, "://", 3) != 0 || strcspn(s, " \t\n") < n)
        return false;
    u->has[U_PROTOCOL] = true, u->len[U_PROTOCOL] = sc;
    size_t auth = sc + 3, ae = auth + strcspn(s + auth, "/?#");
    ae = ae > n ? n : ae;
    size_t hs = auth;
    for (size_t i = auth; i < ae; i++)
        if (s[i] == '@')
            hs = i + 1;
    size_t he = hs;
    while (he < ae && s[he] != ':')
        he++;
    u->has[U_HOST] = he > hs, u->at[U_HOST] = hs, u->len[U_HOST] = he - hs;
    u->has[U_PORT] = he + 1 < ae, u->at[U_PORT] = he + 1, u->len[U_PORT] = ae > he ? ae - he - 1 : 0;
    size_t pe = ae + strcspn(s + ae, "?#");
    pe = pe > n ? n : pe;
    u->has[U_PATH] = true, u->at[U_PATH] = ae, u->len[U_PATH] = pe - ae;
    size_t qe = pe;
    if (pe < n && s[pe] == '?') {
        qe = pe + 1 + strcspn(s + pe + 1, "#");
        qe = qe > n ? n : qe;
        u->has[U_QUERY] = true, u->at[U_QUERY] = pe + 1, u->len[U_QUERY] = qe - pe - 1;
    }
    if (qe < n && s[qe] == '#')
        u->has[U_FRAGMENT] = true, u->at[U_FRAGMENT] = qe + 1, u->len[U_FRAGMENT] = n - qe - 1;
    return true;
}

static void fn_url(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    if (tarn_qfunc_any_null(argc, argv))
        return;
    int part = *(const int *)tarn_qfunc_data(ctx), n;
    const char *s = tarn_qfunc_text(argv[0], &n);
    char buf[2048];
    if ((size_t)n >= sizeof buf)
        return;
    memcpy(buf, s, (size_t)n);
    buf[n] = '\0';
    url_parts u;
    if (!url_split(buf, (size_t)n, &u) || !u.has[part])
        return;
    if (part != U_PORT)
        return sqlite3_result_text(ctx, buf + u.at[part], (int)u.len[part], SQLITE_TRANSIENT);
    char *end;
    long long port = strtoll(buf + u.at[part], &end, 10);
    if (end == buf + u.at[part] + u.len[part])
        sqlite3_result_int64(ctx, port);
}

int tarn_qfunc_register_text(sqlite3 *db)
{
    static const int parts[] = {U_PROTOCOL, U_HOST, U_PORT, U_PATH, U_QUERY, U_FRAGMENT};
    static const int hamming = 1;
    static const tarn_qfunc_def defs[] = {
        {"chr", 1, fn_chr, NULL},
        {"codepoint", 1, fn_codepoint, NULL},
        {"levenshtein_distance", 2, fn_distance, NULL},
        {"hamming_distance", 2, fn_distance, &hamming},
        {"url_extract_protocol", 1, fn_url, &parts[U_PROTOCOL]},
        {"url_extract_host", 1, fn_url, &parts[U_HOST]},
        {"url_extract_port", 1, fn_url, &parts[U_PORT]},
        {"url_extract_path", 1, fn_url, &parts[U_PATH]},
        {"url_extract_query", 1, fn_url, &parts[U_QUERY]},
        {"url_extract_fragment", 1, fn_url, &parts[U_FRAGMENT]},
    };
    return tarn_qfunc_register_table(db, defs, sizeof defs / sizeof defs[0], false);
}
