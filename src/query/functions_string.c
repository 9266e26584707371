/*
** functions_string.c: Trino's string functions SQLite lacks or spells
** differently: split_part, strpos, lpad, rpad, reverse, concat (NULL when
** any argument is NULL), trim/ltrim/rtrim of white space, starts_with,
** replace(s, x), to_hex, and lower/upper over Unicode (SQLite's fold ASCII
** only). Lengths and positions count characters (UTF-8 code points), as
** Trino. length, substr, coalesce and nullif are SQLite's own. Regular expressions are in functions_regexp.c.
*/
#define _GNU_SOURCE /* memmem */
#include "query/dialect_int.h"

#include <locale.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <wctype.h>

/* Byte offset of character index ci (0-based) in s (n bytes). */
static size_t char_off(const char *s, size_t n, int64_t ci)
{
    size_t i = 0;
    for (int64_t c = 0; c < ci && i < n; c++) {
        i++;
        while (i < n && ((unsigned char)s[i] & 0xC0) == 0x80)
            i++;
    }
    return i;
}

static int64_t char_count(const char *s, size_t n)
{
    int64_t c = 0;
    for (size_t i = 0; i < n; i++)
        c += ((unsigned char)s[i] & 0xC0) != 0x80;
    return c;
}

/* split_part(s, delimiter, index): the index-th field (1-based), NULL past
** the last; an empty delimiter splits into characters. */
static void fn_split_part(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    if (tarn_qfunc_any_null(argc, argv))
        return;
    int n, dn;
    const char *s = tarn_qfunc_text(argv[0], &n), *d = tarn_qfunc_text(argv[1], &dn);
    int64_t idx = sqlite3_value_int64(argv[2]);
    if (idx <= 0)
        return tarn_qfunc_fail(ctx, "INVALID_FUNCTION_ARGUMENT", "Index must be greater than zero");
    if (dn == 0) {
        if (idx > char_count(s, (size_t)n))
            return;
        size_t a = char_off(s, (size_t)n, idx - 1), b = char_off(s, (size_t)n, idx);
        return sqlite3_result_text(ctx, s + a, (int)(b - a), SQLITE_TRANSIENT);
    }
    const char *start = s, *end = s + n;
    for (int64_t field = 1;; field++) {
        const char *hit = memmem(start, (size_t)(end - start), d, (size_t)dn);
        if (field == idx)
            return sqlite3_result_text(ctx, start, (int)((hit ? hit : end) - start), SQLITE_TRANSIENT);
        if (!hit)
            return;
        start = hit + dn;
    }
}

/* strpos(s, sub[, instance]): 1-based character position of the instance-th
** occurrence (negative: counted from the end), 0 when absent. */
static void fn_strpos(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    if (tarn_qfunc_any_null(argc, argv))
        return;
    int n, sn;
    const char *s = tarn_qfunc_text(argv[0], &n), *sub = tarn_qfunc_text(argv[1], &sn);
    int64_t inst = argc > 2 ? sqlite3_value_int64(argv[2]) : 1;
    if (inst == 0)
        return tarn_qfunc_fail(ctx, "INVALID_FUNCTION_ARGUMENT", "'instance' must be a positive or negative number.");
    uint64_t seen = 0, want = inst > 0 ? (uint64_t)inst : 0 - (uint64_t)inst;
    for (int k = 0; k + sn <= n; k++) {
        int at = inst > 0 ? k : n - sn - k;
        if (memcmp(s + at, sub, (size_t)sn) == 0 && ++seen == want)
            return sqlite3_result_int64(ctx, char_count(s, (size_t)at) + 1);
    }
    sqlite3_result_int64(ctx, 0);
}

/* POSITION(sub IN s), rewritten as __tarn_position(sub, s): strpos(s, sub). */
static void fn_position(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    sqlite3_value *swapped[2] = {argv[1], argv[0]};
    fn_strpos(ctx, 2, swapped);
}

/* lpad/rpad(s, size, padstring): s cut or padded to size characters. */
static void fn_pad(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    bool left = tarn_qfunc_data(ctx) != NULL;
    if (tarn_qfunc_any_null(argc, argv))
        return;
    int n, pn;
    const char *s = tarn_qfunc_text(argv[0], &n), *pad = tarn_qfunc_text(argv[2], &pn);
    int64_t size = sqlite3_value_int64(argv[1]), len = char_count(s, (size_t)n);
    if (size < 0 || size > 2147483647)
        return tarn_qfunc_fail(ctx, "INVALID_FUNCTION_ARGUMENT",
                                "Target length must be in the range [0..2147483647]");
    if (size <= len)
        return sqlite3_result_text(ctx, s, (int)char_off(s, (size_t)n, size), SQLITE_TRANSIENT);
    if (pn == 0)
        return tarn_qfunc_fail(ctx, "INVALID_FUNCTION_ARGUMENT", "Padding string must not be empty");
    tarn_buf b;
    tarn_buf_init(&b, 1 << 26);
    int64_t pchars = char_count(pad, (size_t)pn), need = size - len;
    if (!left)
        tarn_buf_append(&b, s, (size_t)n);
    for (; need > 0; need -= pchars)
        if (tarn_buf_append(&b, pad, need >= pchars ? (size_t)pn : char_off(pad, (size_t)pn, need)))
            break;
    if (left)
        tarn_buf_append(&b, s, (size_t)n);
    if (need > 0)
        tarn_qfunc_fail(ctx, "INVALID_FUNCTION_ARGUMENT", "padded string too large");
    else
        sqlite3_result_text(ctx, b.data, (int)b.len, SQLITE_TRANSIENT);
    tarn_buf_free(&b);
}

/* reverse(s): the characters in reverse order. */
static void fn_reverse(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    int n;
    const char *s = tarn_qfunc_text(argv[0], &n);
    if (!s)
        return;
    char *out = sqlite3_malloc(n + 1);
    if (!out)
        return sqlite3_result_error_nomem(ctx);
    for (int i = 0; i < n;) {
        int l = 1;
        while (i + l < n && ((unsigned char)s[i + l] & 0xC0) == 0x80)
            l++;
        memcpy(out + n - i - l, s + i, (size_t)l);
        i += l;
    }
    sqlite3_result_text(ctx, out, n, sqlite3_free);
}

static void fn_concat(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    if (argc < 2)
        return tarn_qfunc_fail(ctx, "INVALID_FUNCTION_ARGUMENT",
                                "There must be two or more concatenation arguments");
    if (tarn_qfunc_any_null(argc, argv))
        return;
    tarn_buf b;
    tarn_buf_init(&b, 1 << 30);
    for (int i = 0; i < argc; i++) {
        int n;
        const char *s = tarn_qfunc_text(argv[i], &n);
        tarn_buf_append(&b, s, (size_t)n);
    }
    sqlite3_result_text(ctx, b.data ? b.data : "", (int)b.len, SQLITE_TRANSIENT);
    tarn_buf_free(&b);
}

/* White space as Java's Character.isWhitespace sees it in ASCII. */
static bool is_ws(unsigned char c)
{
    return c == ' ' || (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x1F);
}

/* trim / ltrim / rtrim (user data: 3, 1, 2 = which ends). */
static void fn_trim(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    int ends = *(const int *)tarn_qfunc_data(ctx), n;
    const char *s = tarn_qfunc_text(argv[0], &n);
    if (!s)
        return;
    int a = 0, b = n;
    while ((ends & 1) && a < b && is_ws((unsigned char)s[a]))
        a++;
    while ((ends & 2) && b > a && is_ws((unsigned char)s[b - 1]))
        b--;
    sqlite3_result_text(ctx, s + a, b - a, SQLITE_TRANSIENT);
}

static void fn_starts_with(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    if (tarn_qfunc_any_null(argc, argv))
        return;
    int n, pn;
    const char *s = tarn_qfunc_text(argv[0], &n), *p = tarn_qfunc_text(argv[1], &pn);
    sqlite3_result_int(ctx, pn <= n && memcmp(s, p, (size_t)pn) == 0);
}

/* replace(s, search): every occurrence removed. */
static void fn_replace2(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    if (tarn_qfunc_any_null(argc, argv))
        return;
    int n, sn;
    const char *s = tarn_qfunc_text(argv[0], &n), *x = tarn_qfunc_text(argv[1], &sn);
    tarn_buf b;
    tarn_buf_init(&b, 0);
    for (int i = 0; i < n;) {
        if (sn > 0 && i + sn <= n && memcmp(s + i, x, (size_t)sn) == 0) {
            i += sn;
            continue;
        }
        tarn_buf_putc(&b, s[i++]);
    }
    sqlite3_result_text(ctx, b.data ? b.data : "", (int)b.len, SQLITE_TRANSIENT);
    tarn_buf_free(&b);
}

/* ---- lower / upper over Unicode (SQLite's fold ASCII only) -------------- */

static locale_t utf8_locale;
static pthread_once_t utf8_once = PTHREAD_ONCE_INIT;

static void utf8_locale_init(void)
{
    utf8_locale = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
}

/* Decode the UTF-8 character at s[*i] (n bytes); -1 (one byte consumed)
** when it is malformed. */
static long utf8_next(const unsigned char *s, int n, int *i)
{
    unsigned char c = s[*i];
    int len = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
    if (len == 0 || *i + len > n) {
        (*i)++;
        return -1;
    }
    long cp = len == 1 ? c : c & (0x7F >> len);
    for (int k = 1; k < len; k++) {
        if ((s[*i + k] & 0xC0) != 0x80) {
            (*i)++;
            return -1;
        }
        cp = (cp << 6) | (s[*i + k] & 0x3F);
    }
    *i += len;
    return cp;
}

static int utf8_put(char *out, long cp)
{
    if (cp < 0x80)
        return out[0] = (char)cp, 1;
    if (cp < 0x800)
        return out[0] = (char)(0xC0 | (cp >> 6)), out[1] = (char)(0x80 | (cp & 0x3F)), 2;
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12)), out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        return out[2] = (char)(0x80 | (cp & 0x3F)), 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18)), out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F)), out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* lower(s) / upper(s) (user data non-NULL: upper), character by
** character; malformed bytes are kept. */
static void fn_case(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    bool up = tarn_qfunc_data(ctx) != NULL;
    int n;
    const unsigned char *s = (const unsigned char *)tarn_qfunc_text(argv[0], &n);
    if (!s)
        return;
    pthread_once(&utf8_once, utf8_locale_init);
    char *out = sqlite3_malloc(n * 2 + 4);   /* a case change grows a character by one byte at most */
    if (!out)
        return sqlite3_result_error_nomem(ctx);
    int o = 0;
    for (int i = 0; i < n;) {
        int start = i;
        long cp = utf8_next(s, n, &i);
        if (cp < 0) {
            out[o++] = (char)s[start];
            continue;
        }
        wint_t w = (wint_t)cp;
        if (cp < 0x80)
            w = up ? (wint_t)(cp >= 'a' && cp <= 'z' ? cp - 32 : cp) : (wint_t)(cp >= 'A' && cp <= 'Z' ? cp + 32 : cp);
        else if (utf8_locale)
            w = up ? towupper_l(w, utf8_locale) : towlower_l(w, utf8_locale);
        o += utf8_put(out + o, (long)w);
    }
    sqlite3_result_text(ctx, out, o, sqlite3_free);
}

/* to_hex(x): upper-case hex of the bytes. */
static void fn_to_hex(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    if (sqlite3_value_type(argv[0]) == SQLITE_NULL)
        return;
    const unsigned char *p = sqlite3_value_blob(argv[0]);
    int n = sqlite3_value_bytes(argv[0]);
    char *out = sqlite3_malloc(2 * n + 1);
    if (!out)
        return sqlite3_result_error_nomem(ctx);
    for (int i = 0; i < n; i++)
        snprintf(out + 2 * i, 3, "%02X", p[i]);
    sqlite3_result_text(ctx, out, 2 * n, sqlite3_free);
}

int tarn_qfunc_register_string(sqlite3 *db)
{
    static const int both = 3, left_end = 1, right_end = 2;
    static const tarn_qfunc_def defs[] = {
        {"split_part", 3, fn_split_part, NULL}, {"strpos", 2, fn_strpos, NULL},
        {"strpos", 3, fn_strpos, NULL},         {"__tarn_position", 2, fn_position, NULL},         {"lpad", 3, fn_pad, "left"},
        {"rpad", 3, fn_pad, NULL},              {"reverse", 1, fn_reverse, NULL},
        {"concat", -1, fn_concat, NULL},        {"trim", 1, fn_trim, &both},
        {"ltrim", 1, fn_trim, &left_end},       {"rtrim", 1, fn_trim, &right_end},
        {"starts_with", 2, fn_starts_with, NULL}, {"replace", 2, fn_replace2, NULL},
        {"to_hex", 1, fn_to_hex, NULL},         {"lower", 1, fn_case, NULL},
        {"upper", 1, fn_case, "upper"},
    };
    return tarn_qfunc_register_table(db, defs, sizeof defs / sizeof defs[0], false);
}
