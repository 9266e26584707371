/*
** csv_scan.c: the CSV record scanner (csv_internal.h): RFC 4180 records
** (quoted fields with delimiters, doubled quotes and line breaks; LF, CRLF
** and CR line ends) turned into fields that point into the input.
**
** Speed comes from a cached bit mask of the "special" bytes (delimiter,
** quote, CR, LF) of 64 input bytes at a time, built with SSE2 compares (an
** AVX2 variant measured no faster): an unquoted field ends at the next set
** bit, so most fields cost a shift and a count-trailing-zeros. A quote
** inside an unquoted field is an ordinary byte; a quoted field ends at a
** quote not followed by another quote. Line numbers count every LF and
** every CR not followed by LF, inside quoted fields too, so bad rows are
** reported at their real line.
*/
#include "format/csv_internal.h"

#include <stdlib.h>
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#define ALWAYS_INLINE inline __attribute__((always_inline))

/* ---- special-byte masks ---- */

#if defined(__SSE2__)
static ALWAYS_INLINE uint64_t mask64(const char *p, int delim, int quote)
{
    const __m128i vd = _mm_set1_epi8((char)delim);
    const __m128i vq = _mm_set1_epi8((char)(quote < 0 ? delim : quote));
    const __m128i vn = _mm_set1_epi8('\n');
    const __m128i vr = _mm_set1_epi8('\r');
    uint64_t m = 0;
    for (int k = 0; k < 4; k++) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + 16 * k));
        __m128i x = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, vd), _mm_cmpeq_epi8(v, vq)),
                                 _mm_or_si128(_mm_cmpeq_epi8(v, vn), _mm_cmpeq_epi8(v, vr)));
        m |= (uint64_t)(uint32_t)_mm_movemask_epi8(x) << (16 * k);
    }
    return m;
}
#else
static ALWAYS_INLINE uint64_t mask64(const char *p, int delim, int quote)
{
    uint64_t m = 0;
    for (int k = 0; k < 64; k++) {
        int c = (unsigned char)p[k];
        if (c == delim || c == quote || c == '\n' || c == '\r')
            m |= 1ull << k;
    }
    return m;
}
#endif

/* Cache the mask of the bytes [p, p+64) (fewer at the end of input). */
static void load_block(csv_scanner *s, const char *p)
{
    size_t left = (size_t)(s->end - p);
    s->blk = p;
    if (left >= 64) {
        s->mask = mask64(p, s->delim, s->quote);
        return;
    }
    char pad[64];
    memset(pad, 0, sizeof pad);
    memcpy(pad, p, left);
    s->mask = mask64(pad, s->delim, s->quote) & ((1ull << left) - 1);
}

/* The next special byte at or after p, or s->end. */
static ALWAYS_INLINE const char *next_special(csv_scanner *s, const char *p)
{
    for (;;) {
        uintptr_t off = (uintptr_t)p - (uintptr_t)s->blk;
        if (off < 64) {
            uint64_t m = s->mask >> off;
            if (m)
                return p + __builtin_ctzll(m);
            p = s->blk + 64;
        }
        if (p >= s->end)
            return s->end;
        load_block(s, p);
    }
}

/* End of an unquoted run at p: the next delimiter, CR, LF or end of input
** (quote bytes inside it are ordinary). */
static ALWAYS_INLINE const char *skip_unquoted(csv_scanner *s, const char *p)
{
    for (;;) {
        const char *c = next_special(s, p);
        if (c >= s->end || (unsigned char)*c != s->quote)
            return c;
        p = c + 1;
    }
}

void csv_scanner_init(csv_scanner *s, const char *p, const char *end, int64_t line, int delim,
                      int quote, bool skip_blank)
{
    memset(s, 0, sizeof *s);
    s->p = p;
    s->end = end;
    s->line = line;
    s->delim = delim;
    s->quote = quote;
    s->skip_blank = skip_blank;
    s->blk = NULL;
}

/* Scan a quoted field whose opening quote is at p. *fe gets the closing
** quote (or end), *flags ESCAPED if a doubled quote was seen. Returns the
** byte after the closing quote, or NULL when the input ends first. */
static const char *scan_quoted(csv_scanner *s, const char *p, const char **fe,
                               uint32_t *flags)
{
    const char *q = p + 1, *end = s->end;
    for (;;) {
        const char *c = next_special(s, q);
        if (c >= end) {
            *fe = end;
            return NULL;
        }
        if ((unsigned char)*c == s->quote) {
            if (c + 1 < end && (unsigned char)c[1] == s->quote) {
                *flags |= TARN_TEXT_ESCAPED;
                q = c + 2;
                continue;
            }
            *fe = c;
            return c + 1;
        }
        if (*c == '\n' || (*c == '\r' && (c + 1 == end || c[1] != '\n')))
            s->line++;
        q = c + 1;
    }
}

int csv_scan_record(csv_scanner *s, tarn_text *f, uint32_t maxf, uint32_t *nf)
{
    const char *p = s->p, *end = s->end;
    uint32_t n = 0;
    int status = CSV_ROW_OK;
    for (;;) {
        const char *fs = p, *fe;
        uint32_t flags = 0;
        if (p < end && (unsigned char)*p == s->quote) {
            flags = TARN_TEXT_QUOTED;
            fs = p + 1;
            s->nquoted++;
            p = scan_quoted(s, p, &fe, &flags);
            if (!p) {
                status = CSV_ROW_UNTERMINATED;
                p = end;
            } else if (p < end && *p != s->delim && *p != '\n' && *p != '\r') {
                status = status ? status : CSV_ROW_GARBAGE;
                p = skip_unquoted(s, p);
            }
        } else {
            p = skip_unquoted(s, p);
            fe = p;
        }
        if ((size_t)(fe - fs) > UINT32_MAX) {
            status = status ? status : CSV_ROW_TOOLONG;
            fe = fs;
        }
        if (n < maxf) {
            f[n].p = fs;
            f[n].len = (uint32_t)(fe - fs);
            f[n].flags = flags;
        }
        n += n < UINT32_MAX;
        if (p >= end)
            break;
        if (*p == s->delim) {
            p++;
            continue;
        }
        p += (*p == '\r' && p + 1 < end && p[1] == '\n') ? 2 : 1;
        s->line++;
        break;
    }
    s->p = p;
    *nf = n;
    return status;
}

/* Step over the line end at s->p (a blank line). */
static void skip_line_end(csv_scanner *s)
{
    const char *p = s->p;
    p += (*p == '\r' && p + 1 < s->end && p[1] == '\n') ? 2 : 1;
    s->p = p;
    s->line++;
}

void csv_block_init(csv_block *b, int ncols, int cap, int keep_bad)
{
    memset(b, 0, sizeof *b);
    b->ncols = ncols;
    b->cap = cap > 0 ? cap : 1;
    if (ncols > 0)
        b->fields = tarn_xmalloc(sizeof(tarn_text) * (size_t)b->cap * (size_t)ncols);
    else
        b->counts = tarn_xmalloc(sizeof(uint32_t) * (size_t)b->cap);
    if (keep_bad > 0) {
        b->bad_cap = keep_bad;
        b->bad = tarn_xmalloc(sizeof(csv_bad) * (size_t)keep_bad);
    }
}

void csv_block_free(csv_block *b)
{
    free(b->fields);
    free(b->counts);
    free(b->bad);
    memset(b, 0, sizeof *b);
}

/* File a bad record in the block's list (if it keeps one). */
static void note_bad(csv_block *b, const char *rec, const csv_scanner *s, int64_t line,
                     uint32_t nf, int status)
{
    if (!b->bad) {
        b->nbad++;
        return;
    }
    csv_bad *x = &b->bad[b->nbad++];
    x->line = line;
    x->start = rec;
    x->len = (size_t)(s->p - rec);
    x->nfields = nf;
    x->status = (uint8_t)status;
}

void csv_scan_block(csv_scanner *s, csv_block *b, const char *stop)
{
    b->nrows = 0;
    b->nbad = 0;
    b->start = s->p;
    uint32_t maxf = (uint32_t)b->ncols;
    while (s->p < s->end && s->p < stop && b->nrows < b->cap &&
           (!b->bad || b->nbad < b->bad_cap)) {
        const char *rec = s->p;
        if (s->skip_blank && (*rec == '\n' || *rec == '\r')) {
            skip_line_end(s);
            continue;
        }
        int64_t line = s->line;
        tarn_text *slot = b->fields ? b->fields + (size_t)b->nrows * maxf : NULL;
        uint32_t nf;
        int st = csv_scan_record(s, slot, maxf, &nf);
        if (st == CSV_ROW_OK && (maxf == 0 || nf == maxf)) {
            if (b->counts)
                b->counts[b->nrows] = nf;
            b->nrows++;
            continue;
        }
        note_bad(b, rec, s, line, nf, st ? st : CSV_ROW_RAGGED);
    }
    b->end = s->p;
}

const char *csv_next_line_start(const char *data, const char *from, const char *end)
{
    if (from <= data)
        return data;
    for (const char *x = from; x < end; x++) {
        char prev = x[-1];
        if (prev == '\n' || (prev == '\r' && *x != '\n'))
            return x;
    }
    return end;
}

bool csv_probe(const char *p, const char *end, int delim, int quote, int ncols, int k)
{
    csv_scanner s;
    csv_scanner_init(&s, p, end, 0, delim, quote, ncols > 1);
    for (int i = 0; i < k && s.p < end;) {
        if (s.skip_blank && (*s.p == '\n' || *s.p == '\r')) {
            skip_line_end(&s);
            continue;
        }
        uint32_t nf;
        int st = csv_scan_record(&s, NULL, 0, &nf);
        if (st == CSV_ROW_UNTERMINATED && i > 0)
            return true; /* cut off by the end of input */
        if (st != CSV_ROW_OK || nf != (uint32_t)ncols)
            return false;
        i++;
    }
    return true;
}

/* ---- UTF-8 ---- */

/* Length of the valid UTF-8 sequence at s (s[0] >= 0x80), or 0. */
static size_t utf8_seq(const unsigned char *s, const unsigned char *e)
{
    unsigned c = s[0];
    size_t k;
    unsigned lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF)
        k = 2;
    else if (c >= 0xE0 && c <= 0xEF) {
        k = 3;
        lo = c == 0xE0 ? 0xA0 : 0x80;
        hi = c == 0xED ? 0x9F : 0xBF;
    } else if (c >= 0xF0 && c <= 0xF4) {
        k = 4;
        lo = c == 0xF0 ? 0x90 : 0x80;
        hi = c == 0xF4 ? 0x8F : 0xBF;
    } else
        return 0;
    if ((size_t)(e - s) < k || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < k; i++)
        if ((s[i] & 0xC0) != 0x80)
            return 0;
    return k;
}

bool csv_utf8_valid(const char *p, size_t n)
{
    const unsigned char *s = (const unsigned char *)p, *e = s + n;
    while (s < e) {
#if defined(__SSE2__)
        while (e - s >= 16 &&
               _mm_movemask_epi8(_mm_loadu_si128((const __m128i *)(const void *)s)) == 0)
            s += 16;
#endif
        if (s >= e)
            break;
        if (*s < 0x80) {
            s++;
            continue;
        }
        size_t k = utf8_seq(s, e);
        if (k == 0)
            return false;
        s += k;
    }
    return true;
}

/* Make room for n bytes in scratch (emptied). */
static char *scratch_room(tarn_buf *b, size_t n)
{
    if (b->cap < n + 1) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < n + 1)
            cap *= 2;
        b->data = tarn_xrealloc(b->data, cap);
        b->cap = cap;
    }
    b->len = 0;
    return b->data;
}

const char *csv_text_clean(const tarn_text *t, int quote, bool fix_utf8, tarn_buf *scratch,
                           size_t *len)
{
    bool esc = (t->flags & TARN_TEXT_ESCAPED) != 0;
    if (!esc && (!fix_utf8 || csv_utf8_valid(t->p, t->len))) {
        *len = t->len;
        return t->p;
    }
    const unsigned char *s = (const unsigned char *)t->p, *e = s + t->len;
    char *out = scratch_room(scratch, 2 * (size_t)t->len), *o = out;
    while (s < e) {
        if (esc && *s == quote && s + 1 < e && s[1] == quote) {
            *o++ = (char)quote;
            s += 2;
        } else if (*s < 0x80 || !fix_utf8) {
            *o++ = (char)*s++;
        } else {
            size_t k = utf8_seq(s, e);
            if (k) {
                memcpy(o, s, k);
                o += k;
                s += k;
            } else {
                *o++ = (char)(0xC0 | (*s >> 6));
                *o++ = (char)(0x80 | (*s & 0x3F));
                s++;
            }
        }
    }
    scratch->len = (size_t)(o - out);
    *len = scratch->len;
    return out;
}
