/*
** test_input.c: the input layer (src/format/input.c): mapping, BOMs,
** UTF-16 conversion, gzip (one and several members, truncated) and the
** errors for missing files and directories.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "format/format_internal.h"

static char tmpdir[256];

static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/tarn-test-input-XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    return system(cmd);
}

static char *path_of(const char *name)
{
    static char p[400];
    snprintf(p, sizeof p, "%s/%s", tmpdir, name);
    return p;
}

static const char *write_file(const char *name, const void *data, size_t n)
{
    const char *p = path_of(name);
    FILE *f = fopen(p, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, n, f), n);
    fclose(f);
    return p;
}

/* Write data as one gzip member, appended to the file when append. */
static void gzip_member(const char *p, const char *data, bool append)
{
    gzFile g = gzopen(p, append ? "ab" : "wb");
    assert_non_null(g);
    assert_int_equal(gzwrite(g, data, (unsigned)strlen(data)), (int)strlen(data));
    gzclose(g);
}

static void assert_input(const char *p, const char *want, size_t n, const char *enc, bool gz)
{
    tarn_input in;
    tarn_error err = {0};
    int rc = tarn_input_open(&in, p, tmpdir, &err);
    if (rc)
        fail_msg("%s", err.msg);
    assert_int_equal(in.len, n);
    assert_memory_equal(in.data, want, n);
    assert_string_equal(in.encoding, enc);
    assert_int_equal(in.gzip, gz);
    tarn_input_close(&in);
}

static void test_plain_and_empty(void **state)
{
    (void)state;
    const char *p = write_file("plain.csv", "a,b\n1,2\n", 8);
    assert_input(p, "a,b\n1,2\n", 8, "utf-8", false);
    p = write_file("empty.csv", "", 0);
    assert_input(p, "", 0, "utf-8", false);
}

static void test_utf8_bom(void **state)
{
    (void)state;
    const char *p = write_file("bom.csv", "\xEF\xBB\xBF" "a,b\n", 7);
    assert_input(p, "a,b\n", 4, "utf-8-bom", false);
    p = write_file("bomonly.csv", "\xEF\xBB\xBF", 3);
    assert_input(p, "", 0, "utf-8-bom", false);
}

static void test_utf16(void **state)
{
    (void)state;
    /* "é😀\n" : U+00E9, U+1F600 (surrogates D83D DE00), LF */
    const unsigned char le[] = {0xFF, 0xFE, 0xE9, 0x00, 0x3D, 0xD8, 0x00, 0xDE, 0x0A, 0x00};
    const unsigned char be[] = {0xFE, 0xFF, 0x00, 0xE9, 0xD8, 0x3D, 0xDE, 0x00, 0x00, 0x0A};
    const char want[] = "\xC3\xA9\xF0\x9F\x98\x80\n";
    assert_input(write_file("le.csv", le, sizeof le), want, 7, "utf-16le", false);
    assert_input(write_file("be.csv", be, sizeof be), want, 7, "utf-16be", false);
    /* an unpaired surrogate and an odd last byte become U+FFFD */
    const unsigned char bad[] = {0xFF, 0xFE, 0x00, 0xD8, 0x41, 0x00, 0x42};
    assert_input(write_file("bad16.csv", bad, sizeof bad), "\xEF\xBF\xBD" "A" "\xEF\xBF\xBD", 7,
                 "utf-16le", false);
}

static void test_gzip_members(void **state)
{
    (void)state;
    const char *p = path_of("one.csv.gz");
    gzip_member(p, "a,b\n1,2\n", false);
    assert_input(p, "a,b\n1,2\n", 8, "utf-8", true);
    p = path_of("two.csv.gz");
    gzip_member(p, "a,b\n1,2\n", false);
    gzip_member(p, "3,4\n", true);
    assert_input(p, "a,b\n1,2\n3,4\n", 12, "utf-8", true);
    /* gzip holding a UTF-8 BOM */
    p = path_of("bom.csv.gz");
    gzip_member(p, "\xEF\xBB\xBF" "x\n", false);
    assert_input(p, "x\n", 2, "utf-8-bom", true);
}

static void test_gzip_truncated(void **state)
{
    (void)state;
    const char *p = path_of("whole.gz");
    char big[4000];
    for (size_t i = 0; i < sizeof big - 1; i++)
        big[i] = (char)('a' + (i * 7919) % 26);
    big[sizeof big - 1] = '\0';
    gzip_member(p, big, false);
    FILE *f = fopen(p, "rb");
    unsigned char buf[8192];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    const char *cut = write_file("cut.gz", buf, n / 2);
    tarn_input in;
    tarn_error err = {0};
    assert_int_equal(tarn_input_open(&in, cut, tmpdir, &err), TARN_ERR_CORRUPT);
    assert_non_null(strstr(err.msg, "cut.gz"));
    /* bytes after the last member that are not a member */
    memcpy(buf + n, "garbage!", 8);
    const char *tail = write_file("tail.gz", buf, n + 8);
    assert_int_equal(tarn_input_open(&in, tail, tmpdir, &err), TARN_ERR_CORRUPT);
    assert_non_null(strstr(err.msg, "after gzip member"));
}

static void test_errors(void **state)
{
    (void)state;
    tarn_input in;
    tarn_error err = {0};
    assert_int_equal(tarn_input_open(&in, path_of("nope.csv"), NULL, &err), TARN_ERR_NOTFOUND);
    assert_non_null(strstr(err.msg, "nope.csv"));
    assert_int_equal(tarn_input_open(&in, tmpdir, NULL, &err), TARN_ERR_INVALID);
    assert_non_null(strstr(err.msg, "directory"));
    const char *p = path_of("x.gz");
    gzip_member(p, "hello\n", false);
    assert_int_equal(tarn_input_open(&in, p, "/nonexistent-tarn-dir", &err), TARN_ERR_IO);
    assert_non_null(strstr(err.msg, "/nonexistent-tarn-dir"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_and_empty),
        cmocka_unit_test(test_utf8_bom),
        cmocka_unit_test(test_utf16),
        cmocka_unit_test(test_gzip_members),
        cmocka_unit_test(test_gzip_truncated),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
