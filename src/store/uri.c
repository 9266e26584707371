/*
** uri.c: s3://bucket/key URIs and the naming rules of buckets and keys
** (see store.h). Everything that turns a user's string into a bucket or key
** passes through here, so these rules are what keeps a key from naming a
** path outside its bucket.
**
** Bucket names follow S3's rules for general-purpose buckets. Keys follow
** DESIGN.md: at most 1024 bytes of valid UTF-8, no NUL, and no empty, "."
** or ".." segment (S3 allows "a//b"; tarn does not, because each segment is
** a folder of the fs backend). Messages quote the offending name with
** unprintable bytes escaped, so they are safe to show on a terminal.
*/
#include "store/store.h"

#include <stdio.h>
#include <string.h>

#define QUOTE_MAX 160   /* bytes of a name shown in a message */

/* Write name (n bytes) into out for a message: printable ASCII and UTF-8
** as is, other bytes as \xNN, shortened with "..." past QUOTE_MAX. */
static void quote_name(char *out, size_t outsz, const char *name, size_t n)
{
    size_t o = 0;
    for (size_t i = 0; i < n && o + 8 < outsz; i++) {
        unsigned char c = (unsigned char)name[i];
        if (i >= QUOTE_MAX) {
            memcpy(out + o, "...", 3);
            o += 3;
            break;
        }
        if (c < 0x20 || c == 0x7f || c == '\'')
            o += (size_t)snprintf(out + o, outsz - o, "\\x%02x", c);
        else
            out[o++] = (char)c;
    }
    out[o] = '\0';
}

/* Length of the valid UTF-8 sequence at s (n bytes available), or 0 if the
** bytes there are not one: overlong forms, surrogates and code points past
** U+10FFFF are invalid, as in RFC 3629. */
static size_t utf8_seq_len(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    if (c < 0x80)
        return 1;
    size_t len;
    unsigned char lo = 0x80, hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf)
        len = 2;
    else if (c >= 0xe0 && c <= 0xef) {
        len = 3;
        if (c == 0xe0) lo = 0xa0;
        if (c == 0xed) hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4;
        if (c == 0xf0) lo = 0x90;
        if (c == 0xf4) hi = 0x8f;
    } else
        return 0;
    if (n < len || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < len; i++)
        if (s[i] < 0x80 || s[i] > 0xbf)
            return 0;
    return len;
}

/* Offset of the first byte that is not valid UTF-8, or n if all are. */
static size_t utf8_invalid_at(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        size_t k = utf8_seq_len(p + i, n - i);
        if (k == 0)
            return i;
        i += k;
    }
    return n;
}

bool tarn_is_s3_uri(const char *s)
{
    return s && strncmp(s, "s3://", 5) == 0;
}

/* True if name looks like an IPv4 address: four dot-separated groups of
** one to three digits. */
static bool looks_like_ip(const char *name)
{
    int groups = 0, digits = 0;
    for (const char *p = name;; p++) {
        if (*p >= '0' && *p <= '9') {
            if (++digits > 3)
                return false;
        } else if (*p == '.' || *p == '\0') {
            if (digits == 0)
                return false;
            groups++;
            digits = 0;
            if (*p == '\0')
                return groups == 4;
        } else
            return false;
    }
}

/* The prefixes and suffixes S3 reserves for its own bucket kinds. */
static const char *reserved_affix(const char *name, size_t n)
{
    static const char *const pre[] = {"xn--", "sthree-", "amzn-s3-demo-"};
    static const char *const suf[] = {"-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"};
    for (size_t i = 0; i < sizeof pre / sizeof pre[0]; i++)
        if (strncmp(name, pre[i], strlen(pre[i])) == 0)
            return pre[i];
    for (size_t i = 0; i < sizeof suf / sizeof suf[0]; i++) {
        size_t k = strlen(suf[i]);
        if (n >= k && memcmp(name + n - k, suf[i], k) == 0)
            return suf[i];
    }
    return NULL;
}

int tarn_bucket_name_check(const char *name, tarn_error *err)
{
    size_t n = strnlen(name, 256);
    char q[QUOTE_MAX * 4 + 16];
    quote_name(q, sizeof q, name, n);
    const char *rule = "bucket names are 3-63 characters of lower-case letters, digits, '.' and '-'";
    if (n < 3 || n > 63)
        return tarn_error_set(err, TARN_ERR_INVALID, "InvalidBucketName: '%s': %s", q, rule);
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-'))
            return tarn_error_set(err, TARN_ERR_INVALID, "InvalidBucketName: '%s': %s", q, rule);
    }
    if (name[0] == '.' || name[0] == '-' || name[n - 1] == '.' || name[n - 1] == '-')
        return tarn_error_set(err, TARN_ERR_INVALID,
                              "InvalidBucketName: '%s': bucket names start and end with a letter or digit", q);
    if (strstr(name, ".."))
        return tarn_error_set(err, TARN_ERR_INVALID,
                              "InvalidBucketName: '%s': bucket names may not contain '..'", q);
    if (looks_like_ip(name))
        return tarn_error_set(err, TARN_ERR_INVALID,
                              "InvalidBucketName: '%s': bucket names may not be shaped like an IP address", q);
    const char *affix = reserved_affix(name, n);
    if (affix)
        return tarn_error_set(err, TARN_ERR_INVALID,
                              "InvalidBucketName: '%s': S3 reserves names with '%s' at the start or end; "
                              "choose another name", q, affix);
    return TARN_OK;
}

/* The error for a key that breaks a segment rule; what is the broken rule. */
static int key_segment_error(const char *key, size_t len, const char *what, tarn_error *err)
{
    char q[QUOTE_MAX * 4 + 16];
    quote_name(q, sizeof q, key, len);
    return tarn_error_set(err, TARN_ERR_INVALID,
                          "InvalidKey: key '%s' %s: keys may not have empty, '.' or '..' segments, "
                          "so a key can never leave its bucket", q, what);
}

/* Check each '/'-separated segment of key (len bytes): none empty (except
** a trailing one when allow_prefix), none "." or "..". */
static int key_check_segments(const char *key, size_t len, bool allow_prefix, tarn_error *err)
{
    size_t start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && key[i] != '/')
            continue;
        size_t seg = i - start;
        if (seg == 0 && !(i == len && allow_prefix && len > 0))
            return key_segment_error(key, len, i == len ? "ends with '/' (that names a prefix, not an object)"
                                                        : "has an empty segment", err);
        if (seg == 1 && key[start] == '.')
            return key_segment_error(key, len, "has a '.' segment", err);
        if (seg == 2 && key[start] == '.' && key[start + 1] == '.')
            return key_segment_error(key, len, "has a '..' segment", err);
        start = i + 1;
    }
    return TARN_OK;
}

/* The error for a key that breaks a byte-level rule: what is the rule
** broken, already formatted. */
static int key_error(const char *key, size_t len, const char *code, const char *what, tarn_error *err)
{
    char q[QUOTE_MAX * 4 + 16];
    quote_name(q, sizeof q, key, len);
    return tarn_error_set(err, TARN_ERR_INVALID, "%s: key '%s' %s", code, q, what);
}

bool tarn_key_hidden(const char *rel)
{
    for (const char *p = rel; *p; p++)
        if ((p == rel || p[-1] == '/') && (*p == '_' || *p == '.'))
            return true;
    return false;
}

int tarn_key_check_len(const char *key, size_t len, bool allow_prefix, tarn_error *err)
{
    char what[96];
    if (len == 0) {
        if (allow_prefix)
            return TARN_OK;
        return tarn_error_set(err, TARN_ERR_INVALID,
                              "InvalidKey: the key is empty: name an object as s3://bucket/key");
    }
    if (len > TARN_KEY_MAX) {
        snprintf(what, sizeof what, "is %zu bytes; keys are at most %d bytes", len, TARN_KEY_MAX);
        return key_error(key, len, "KeyTooLongError", what, err);
    }
    const char *nul = memchr(key, '\0', len);
    if (nul) {
        snprintf(what, sizeof what, "contains a NUL byte at offset %zu", (size_t)(nul - key));
        return key_error(key, len, "InvalidKey", what, err);
    }
    size_t bad = utf8_invalid_at(key, len);
    if (bad < len) {
        snprintf(what, sizeof what, "is not valid UTF-8 (byte 0x%02x at offset %zu)",
                 (unsigned char)key[bad], bad);
        return key_error(key, len, "InvalidKey", what, err);
    }
    return key_check_segments(key, len, allow_prefix, err);
}

int tarn_key_check(const char *key, bool allow_prefix, tarn_error *err)
{
    return tarn_key_check_len(key, strnlen(key, TARN_KEY_MAX + 1), allow_prefix, err);
}

int tarn_uri_parse(const char *s, tarn_uri *out, tarn_error *err)
{
    char q[QUOTE_MAX * 4 + 16];
    memset(out, 0, sizeof *out);
    if (!tarn_is_s3_uri(s)) {
        quote_name(q, sizeof q, s, strnlen(s, QUOTE_MAX + 1));
        return tarn_error_set(err, TARN_ERR_INVALID, "'%s' is not an s3:// URI (expected s3://bucket/key)", q);
    }
    const char *b = s + 5;
    size_t blen = strcspn(b, "/");
    if (blen == 0) {
        quote_name(q, sizeof q, s, strnlen(s, QUOTE_MAX + 1));
        return tarn_error_set(err, TARN_ERR_INVALID, "'%s' names no bucket (expected s3://bucket/key)", q);
    }
    if (blen >= sizeof out->bucket) {
        quote_name(q, sizeof q, b, blen);
        return tarn_error_set(err, TARN_ERR_INVALID,
                              "InvalidBucketName: '%s': bucket names are 3-63 characters of lower-case letters, "
                              "digits, '.' and '-'", q);
    }
    memcpy(out->bucket, b, blen);
    int rc = tarn_bucket_name_check(out->bucket, err);
    if (rc)
        return rc;
    const char *key = b[blen] == '/' ? b + blen + 1 : b + blen;
    size_t klen = strnlen(key, TARN_KEY_MAX + 1);
    rc = tarn_key_check_len(key, klen, true, err);
    if (rc)
        return rc;
    memcpy(out->key, key, klen);
    out->key[klen] = '\0';
    return TARN_OK;
}
