/*
** copy_inline.h: a copy of a few bytes without a call to memcpy, for the
** per-value loops of format/ (string values are mostly short, and a call
** per value costs more than the copy). Private to format/.
*/
#ifndef TARN_COPY_INLINE_H
#define TARN_COPY_INLINE_H

#include <stdint.h>
#include <string.h>

/* Copy n bytes from s to o (which must not overlap) and return o + n.
** Lengths up to 64 go through two or four overlapping fixed-size moves
** that stay within s[0..n) and o[0..n); longer ones through memcpy. */
static inline char *tarn_copy_bytes(char *o, const char *s, size_t n)
{
    if (n > 16 && n <= 64) {
        char a[16], b[16];
        if (n > 32) {
            char c[16], d[16];
            memcpy(c, s + 16, 16);
            memcpy(d, s + n - 32, 16);
            memcpy(o + 16, c, 16);
            memcpy(o + n - 32, d, 16);
        }
        memcpy(a, s, 16);
        memcpy(b, s + n - 16, 16);
        memcpy(o, a, 16);
        memcpy(o + n - 16, b, 16);
    } else if (n >= 8 && n <= 16) {
        uint64_t a, b;
        memcpy(&a, s, 8);
        memcpy(&b, s + n - 8, 8);
        memcpy(o, &a, 8);
        memcpy(o + n - 8, &b, 8);
    } else if (n >= 4 && n < 8) {
        uint32_t a, b;
        memcpy(&a, s, 4);
        memcpy(&b, s + n - 4, 4);
        memcpy(o, &a, 4);
        memcpy(o + n - 4, &b, 4);
    } else if (n < 4) {
        for (size_t i = 0; i < n; i++)
            o[i] = s[i];
    } else {
        memcpy(o, s, n);
    }
    return o + n;
}

#endif
