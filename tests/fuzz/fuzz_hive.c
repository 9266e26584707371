/*
** fuzz_hive.c: libFuzzer target over jobs/hive.c and jobs/snake.c.
** Escaping any bytes leaves no byte Hive escapes and unescapes back to the
** input; unescaping any text never grows it; folder names keep the shape
** key=value; snake_case of any bytes is a non-empty name of [a-z0-9_] of
** at most TARN_SNAKE_MAX bytes, with no leading, trailing or doubled '_'
** and no leading digit; tarn_snake_names of the input split at newlines
** gives as many names, all different.
*/
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jobs/jobs.h"

#define CHECK(c) do { if (!(c)) __builtin_trap(); } while (0)

static void check_escape(const char *s, size_t n)
{
    tarn_buf e, u;
    tarn_buf_init(&e, 0);
    tarn_buf_init(&u, 0);
    CHECK(tarn_hive_escape(&e, s, n) == TARN_OK);
    for (size_t i = 0; i < e.len; i++)
        CHECK(e.data[i] == '%' || !tarn_hive_needs_escape((unsigned char)e.data[i]));
    CHECK(tarn_hive_unescape(&u, e.data ? e.data : "", e.len) == TARN_OK);
    CHECK(u.len == n && (n == 0 || memcmp(u.data, s, n) == 0));
    tarn_buf_reset(&u);
    CHECK(tarn_hive_unescape(&u, s, n) == TARN_OK);
    CHECK(u.len <= n);
    tarn_buf_free(&e);
    tarn_buf_free(&u);
}

static void check_snake(const char *s, size_t n)
{
    tarn_buf b;
    tarn_buf_init(&b, 0);
    tarn_snake_case(&b, s, n);
    CHECK(b.len > 0 && b.len <= TARN_SNAKE_MAX && strlen(b.data) == b.len);
    CHECK(b.data[0] != '_' && b.data[b.len - 1] != '_');
    CHECK(!(b.data[0] >= '0' && b.data[0] <= '9'));
    for (size_t i = 0; i < b.len; i++) {
        char c = b.data[i];
        CHECK((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_');
        CHECK(!(c == '_' && i > 0 && b.data[i - 1] == '_'));
    }
    tarn_buf_free(&b);
}

static void check_names(const char *s, size_t n)
{
    char *copy = malloc(n + 1);
    memcpy(copy, s, n);
    copy[n] = '\0';
    const char *names[64];
    int k = 0;
    for (char *p = copy, *nl; k < 64 && p; p = nl) {
        nl = strchr(p, '\n');
        if (nl)
            *nl++ = '\0';
        names[k++] = p;
    }
    char **out = tarn_snake_names(names, k);
    for (int i = 0; i < k; i++)
        for (int j = 0; j < i; j++)
            CHECK(strcmp(out[i], out[j]) != 0);
    tarn_snake_names_free(out, k);
    free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096)
        return 0;
    const char *s = (const char *)data;
    check_escape(s, size);
    check_snake(s, size);
    check_names(s, size);
    tarn_buf f;
    tarn_buf_init(&f, 0);
    char *key = malloc(size + 1);
    memcpy(key, data, size);
    key[size] = '\0';
    CHECK(tarn_hive_folder(&f, key, s, size) == TARN_OK);
    CHECK(memchr(f.data, '=', f.len) != NULL);
    free(key);
    tarn_buf_free(&f);
    return 0;
}
