/*
** snake.c: snake_case column names for the clean job (rules and examples
** in jobs.h): one name at a time (tarn_snake_case) and a whole schema made
** unique (tarn_snake_names).
**
** Accented Latin letters fold to ASCII through the table below, which
** covers Latin-1 Supplement (U+00C0-U+00FF) and Latin Extended-A
** (U+0100-U+017F), the letters of the western and central European
** languages; other scripts are separators. ICU or iconv's //TRANSLIT would
** fold more, but their output depends on the installed locale data, and a
** column name must not change from one machine to the next.
*/
#include "jobs/jobs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A range of code points and the ASCII they fold to (lower case). */
typedef struct fold_range {
    uint16_t first, last;
    const char *ascii;
} fold_range;

static const fold_range folds[] = {
    {0x00C0, 0x00C5, "a"},  {0x00C6, 0x00C6, "ae"}, {0x00C7, 0x00C7, "c"},
    {0x00C8, 0x00CB, "e"},  {0x00CC, 0x00CF, "i"},  {0x00D0, 0x00D0, "d"},
    {0x00D1, 0x00D1, "n"},  {0x00D2, 0x00D6, "o"},  {0x00D8, 0x00D8, "o"},
    {0x00D9, 0x00DC, "u"},  {0x00DD, 0x00DD, "y"},  {0x00DE, 0x00DE, "th"},
    {0x00DF, 0x00DF, "ss"}, {0x00E0, 0x00E5, "a"},  {0x00E6, 0x00E6, "ae"},
    {0x00E7, 0x00E7, "c"},  {0x00E8, 0x00EB, "e"},  {0x00EC, 0x00EF, "i"},
    {0x00F0, 0x00F0, "d"},  {0x00F1, 0x00F1, "n"},  {0x00F2, 0x00F6, "o"},
    {0x00F8, 0x00F8, "o"},  {0x00F9, 0x00FC, "u"},  {0x00FD, 0x00FD, "y"},
    {0x00FE, 0x00FE, "th"}, {0x00FF, 0x00FF, "y"},
    {0x0100, 0x0105, "a"},  {0x0106, 0x010D, "c"},  {0x010E, 0x0111, "d"},
    {0x0112, 0x011B, "e"},  {0x011C, 0x0123, "g"},  {0x0124, 0x0127, "h"},
    {0x0128, 0x0131, "i"},  {0x0132, 0x0133, "ij"}, {0x0134, 0x0135, "j"},
    {0x0136, 0x0138, "k"},  {0x0139, 0x0142, "l"},  {0x0143, 0x014B, "n"},
    {0x014C, 0x0151, "o"},  {0x0152, 0x0153, "oe"}, {0x0154, 0x0159, "r"},
    {0x015A, 0x0161, "s"},  {0x0162, 0x0167, "t"},  {0x0168, 0x0173, "u"},
    {0x0174, 0x0175, "w"},  {0x0176, 0x0178, "y"},  {0x0179, 0x017E, "z"},
    {0x017F, 0x017F, "s"},
};

/* The ASCII fold of code point cp, or NULL if it has none. */
static const char *fold(uint32_t cp)
{
    if (cp < 0x00C0 || cp > 0x017F)
        return NULL;
    size_t lo = 0, hi = sizeof folds / sizeof folds[0];
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (cp < folds[mid].first)
            hi = mid;
        else if (cp > folds[mid].last)
            lo = mid + 1;
        else
            return folds[mid].ascii;
    }
    return NULL;
}

/* Decode the UTF-8 character at s[0..n) (n > 0) into *cp; returns its
** length, or 1 with *cp = 0xFFFD for a byte that starts no valid one. */
static size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
    *cp = 0xFFFD;
    unsigned c = s[0];
    size_t len = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3
                              : (c & 0xF8) == 0xF0 ? 4 : 0;
    if (len == 0 || len > n)
        return 1;
    uint32_t v = len == 1 ? c : len == 2 ? c & 0x1F : len == 3 ? c & 0x0F : c & 0x07;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 1;
        v = v << 6 | (s[i] & 0x3F);
    }
    static const uint32_t min[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (v < min[len] || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
        return 1;
    *cp = v;
    return len;
}

/* Append word (lower-case ASCII) to the name being built, after a '_'
** if a separator came since the last word. */
static void put_word(tarn_buf *out, size_t start, const char *word, size_t n, bool *sep)
{
    if (*sep && out->len > start)
        tarn_buf_putc(out, '_');
    *sep = false;
    tarn_buf_append(out, word, n);
}

void tarn_snake_case(tarn_buf *out, const char *s, size_t n)
{
    size_t start = out->len;
    bool sep = false;
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < n && out->len - start <= TARN_SNAKE_MAX + 8;) {
        uint32_t cp;
        size_t len = utf8_decode(p + i, n - i, &cp);
        i += len;
        const char *f;
        if ((cp >= 'a' && cp <= 'z') || (cp >= '0' && cp <= '9')) {
            char c = (char)cp;
            put_word(out, start, &c, 1, &sep);
        } else if (cp >= 'A' && cp <= 'Z') {
            char c = (char)(cp - 'A' + 'a');
            put_word(out, start, &c, 1, &sep);
        } else if ((f = fold(cp)) != NULL) {
            put_word(out, start, f, strlen(f), &sep);
        } else {
            sep = true;
        }
    }
    if (out->len > start && out->data[start] >= '0' && out->data[start] <= '9') {
        tarn_buf_append(out, "cc", 2); /* room, then shift the name right by 2 */
        memmove(out->data + start + 2, out->data + start, out->len - start - 2);
        out->data[start] = 'c';
        out->data[start + 1] = '_';
    }
    if (out->len - start > TARN_SNAKE_MAX)
        out->len = start + TARN_SNAKE_MAX;
    while (out->len > start && out->data[out->len - 1] == '_')
        out->len--;
    if (out->len == start)
        tarn_buf_append(out, "col", 3);
    out->data[out->len] = '\0';
}

/* ---- unique names ---- */

/* An open-addressing set of borrowed strings. */
typedef struct name_set {
    const char **slots;
    size_t mask;
} name_set;

static void set_init(name_set *s, size_t n)
{
    size_t cap = 16;
    while (cap < 2 * n + 2)
        cap *= 2;
    s->slots = tarn_xcalloc(cap, sizeof *s->slots);
    s->mask = cap - 1;
}

/* Whether name is in s; adds it when add is set. */
static bool set_has(name_set *s, const char *name, bool add)
{
    size_t i = (size_t)tarn_hash64(name, strlen(name), 0) & s->mask;
    for (; s->slots[i]; i = (i + 1) & s->mask)
        if (strcmp(s->slots[i], name) == 0)
            return true;
    if (add)
        s->slots[i] = name;
    return false;
}

/* base with suffix _k, cut so the whole stays within TARN_SNAKE_MAX. */
static char *suffixed(const char *base, int k)
{
    char suf[16];
    int sl = snprintf(suf, sizeof suf, "_%d", k);
    size_t bl = strlen(base);
    if (bl + (size_t)sl > TARN_SNAKE_MAX)
        bl = TARN_SNAKE_MAX - (size_t)sl;
    return tarn_xasprintf("%.*s%s", (int)bl, base, suf);
}

char **tarn_snake_names(const char *const *names, int n)
{
    size_t cnt = (size_t)(n > 0 ? n : 1);
    char **out = tarn_xcalloc(cnt, sizeof *out), **base = tarn_xcalloc(cnt, sizeof *base);
    name_set bases, taken;
    set_init(&bases, (size_t)n);
    set_init(&taken, (size_t)n);
    tarn_buf b;
    tarn_buf_init(&b, 0);
    for (int i = 0; i < n; i++) {
        tarn_buf_reset(&b);
        tarn_snake_case(&b, names[i], strlen(names[i]));
        base[i] = tarn_xstrdup(b.data);
        set_has(&bases, base[i], true);
    }
    tarn_buf_free(&b);
    for (int i = 0; i < n; i++) {
        if (!set_has(&taken, base[i], false)) {
            out[i] = tarn_xstrdup(base[i]);
        } else {
            for (int k = 2;; k++) {
                out[i] = suffixed(base[i], k);
                if (!set_has(&bases, out[i], false) && !set_has(&taken, out[i], false))
                    break;
                free(out[i]);
            }
        }
        set_has(&taken, out[i], true);
    }
    for (int i = 0; i < n; i++)
        free(base[i]);
    free(base);
    free(bases.slots);
    free(taken.slots);
    return out;
}

void tarn_snake_names_free(char **names, int n)
{
    if (!names)
        return;
    for (int i = 0; i < n; i++)
        free(names[i]);
    free(names);
}
