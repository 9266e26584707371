/*
** fuzz_key.c: libFuzzer target over the naming rules of the object store
** (store/uri.c): tarn_key_check_len on raw bytes, and tarn_uri_parse,
** tarn_bucket_name_check and tarn_key_check on the NUL-terminated input.
** Besides "never crash", it checks the contract with its own simple
** reading of the rules: an accepted key has no empty, "." or ".." segment
** (so it can never leave its bucket), no NUL, at most 1024 bytes; an
** accepted URI has a valid bucket and key; every refusal has a message.
*/
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "store/store.h"

#define CHECK(c) do { if (!(c)) __builtin_trap(); } while (0)

/* The contract for an accepted key (len bytes), checked independently. */
static void check_accepted_key(const char *key, size_t len, bool prefix)
{
    CHECK(len <= TARN_KEY_MAX);
    CHECK(memchr(key, '\0', len) == NULL);
    if (len == 0) {
        CHECK(prefix);
        return;
    }
    CHECK(key[0] != '/');
    size_t start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && key[i] != '/')
            continue;
        size_t seg = i - start;
        CHECK(seg > 0 || (prefix && i == len));
        CHECK(!(seg == 1 && key[start] == '.'));
        CHECK(!(seg == 2 && key[start] == '.' && key[start + 1] == '.'));
        start = i + 1;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4 * TARN_KEY_MAX)
        return 0;
    const char *raw = (const char *)data;
    for (int prefix = 0; prefix < 2; prefix++) {
        tarn_error err = {0};
        if (tarn_key_check_len(raw, size, prefix, &err) == TARN_OK)
            check_accepted_key(raw, size, prefix);
        else
            CHECK(err.msg[0] != '\0' && err.code == TARN_ERR_INVALID);
    }
    char *s = malloc(size + 1);
    memcpy(s, data, size);
    s[size] = '\0';
    tarn_error err = {0};
    tarn_uri u;
    if (tarn_uri_parse(s, &u, &err) == TARN_OK) {
        CHECK(tarn_bucket_name_check(u.bucket, NULL) == TARN_OK);
        CHECK(tarn_key_check(u.key, true, NULL) == TARN_OK);
        check_accepted_key(u.key, strlen(u.key), true);
    } else {
        CHECK(err.msg[0] != '\0');
    }
    tarn_error e2 = {0};
    if (tarn_bucket_name_check(s, &e2) == TARN_OK) {
        size_t n = strlen(s);
        CHECK(n >= 3 && n <= 63 && strstr(s, "..") == NULL);
    } else {
        CHECK(e2.msg[0] != '\0');
    }
    if (tarn_key_check(s, false, NULL) == TARN_OK)
        check_accepted_key(s, strlen(s), false);
    free(s);
    return 0;
}
