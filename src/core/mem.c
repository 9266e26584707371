/*
** mem.c: allocation wrappers that exit on exhaustion, and tarn_buf, the
** bounded growable byte buffer (see core.h).
*/
#include "core/core.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void out_of_memory(size_t n)
{
    fprintf(stderr, "tarn: out of memory allocating %zu bytes\n", n);
    exit(1);
}

void *tarn_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        out_of_memory(n);
    return p;
}

void *tarn_xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        out_of_memory(n * size);
    return p;
}

void *tarn_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        out_of_memory(n);
    return q;
}

char *tarn_xstrdup(const char *s)
{
    return tarn_xstrndup(s, strlen(s));
}

char *tarn_xstrndup(const char *s, size_t n)
{
    char *p = tarn_xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *tarn_xasprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        n = 0;
    char *p = tarn_xmalloc((size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}

void tarn_buf_init(tarn_buf *b, size_t limit)
{
    b->data = NULL;
    b->len = b->cap = 0;
    b->limit = limit ? limit : SIZE_MAX / 2;
}

void tarn_buf_free(tarn_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

void tarn_buf_reset(tarn_buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

/* Make room for n more bytes plus the terminating NUL. */
static int buf_reserve(tarn_buf *b, size_t n)
{
    if (n > b->limit || b->len > b->limit - n)
        return TARN_ERR_LIMIT;
    size_t need = b->len + n + 1;
    if (need <= b->cap)
        return TARN_OK;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap *= 2;
    b->data = tarn_xrealloc(b->data, cap);
    b->cap = cap;
    return TARN_OK;
}

int tarn_buf_append(tarn_buf *b, const void *p, size_t n)
{
    int rc = buf_reserve(b, n);
    if (rc)
        return rc;
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return TARN_OK;
}

int tarn_buf_putc(tarn_buf *b, char c)
{
    return tarn_buf_append(b, &c, 1);
}

int tarn_buf_appendf(tarn_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return TARN_ERR_INVALID;
    int rc = buf_reserve(b, (size_t)n);
    if (rc)
        return rc;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return TARN_OK;
}
