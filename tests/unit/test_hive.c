/*
** test_hive.c: Hive partition folder names (jobs/hive.c): every byte the
** spec (AWS-SEMANTICS.md "Hive partition folders") says is escaped comes
** out as %XX in upper-case hex, every other byte stays, unescaping
** inverts escaping, malformed escapes are kept, and folder names lower-
** case the key and use __HIVE_DEFAULT_PARTITION__ for NULL and "".
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jobs/jobs.h"

/* The escaped set, written out from the spec rather than from hive.c. */
static bool spec_escaped(unsigned c)
{
    static const char listed[] = "\"#%'*/:=?\\{[]^";
    return (c >= 0x01 && c <= 0x1F) || c == 0x7F || (c != 0 && strchr(listed, (int)c) != NULL);
}

static char *escape(const char *s, size_t n)
{
    tarn_buf b;
    tarn_buf_init(&b, 0);
    assert_int_equal(tarn_hive_escape(&b, s, n), TARN_OK);
    return b.data ? b.data : strdup("");
}

static char *unescape(const char *s)
{
    tarn_buf b;
    tarn_buf_init(&b, 0);
    assert_int_equal(tarn_hive_unescape(&b, s, strlen(s)), TARN_OK);
    return b.data ? b.data : strdup("");
}

static void every_special_byte_is_escaped(void **state)
{
    for (unsigned c = 1; c < 256; c++) {
        char in[2] = {(char)c, 0}, want[8];
        char *got = escape(in, 1);
        if (spec_escaped(c)) {
            snprintf(want, sizeof want, "%%%02X", c);
            assert_string_equal(got, want);
        } else {
            assert_int_equal(strlen(got), 1);
            assert_int_equal((unsigned char)got[0], c);
        }
        free(got);
    }
}

static void spaces_and_utf8_stay(void **state)
{
    const char *s = "Côte d’Ivoire / São Tomé";
    char *got = escape(s, strlen(s));
    assert_string_equal(got, "Côte d’Ivoire %2F São Tomé");
    free(got);
    got = escape("a=b:c", 5);
    assert_string_equal(got, "a%3Db%3Ac");
    free(got);
}

static void unescape_inverts_escape(void **state)
{
    srand(7);
    for (int round = 0; round < 2000; round++) {
        char s[64];
        size_t n = (size_t)(rand() % 63);
        for (size_t i = 0; i < n; i++)
            s[i] = (char)(1 + rand() % 255);
        s[n] = '\0';
        char *e = escape(s, n);
        for (const char *p = e; *p; p++)
            assert_false(*p != '%' && spec_escaped((unsigned char)*p));
        char *u = unescape(e);
        assert_string_equal(u, s);
        free(e);
        free(u);
    }
}

static void malformed_escapes_are_kept(void **state)
{
    const char *cases[][2] = {
        {"%", "%"}, {"%4", "%4"}, {"%zz", "%zz"}, {"100%", "100%"}, {"%41", "A"},
        {"%2f", "/"}, {"%2F%3d", "/="}, {"a%%41", "a%A"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *u = unescape(cases[i][0]);
        assert_string_equal(u, cases[i][1]);
        free(u);
    }
}

static void folder_names(void **state)
{
    tarn_buf b;
    tarn_buf_init(&b, 0);
    assert_int_equal(tarn_hive_folder(&b, "Country", "Côte d'Ivoire", strlen("Côte d'Ivoire")), TARN_OK);
    assert_string_equal(b.data, "country=Côte d%27Ivoire");
    tarn_buf_reset(&b);
    assert_int_equal(tarn_hive_folder(&b, "country", NULL, 0), TARN_OK);
    assert_string_equal(b.data, "country=__HIVE_DEFAULT_PARTITION__");
    tarn_buf_reset(&b);
    assert_int_equal(tarn_hive_folder(&b, "country", "", 0), TARN_OK);
    assert_string_equal(b.data, "country=__HIVE_DEFAULT_PARTITION__");
    tarn_buf_reset(&b);
    assert_int_equal(tarn_hive_folder(&b, "k", "2020-01-01 10:00:00", 19), TARN_OK);
    assert_string_equal(b.data, "k=2020-01-01 10%3A00%3A00");
    tarn_buf_free(&b);
}

static void limits_leave_the_buffer_unchanged(void **state)
{
    tarn_buf b;
    tarn_buf_init(&b, 8);
    tarn_buf_append(&b, "ab", 2);
    assert_int_equal(tarn_hive_escape(&b, "////////", 8), TARN_ERR_LIMIT);
    assert_string_equal(b.data, "ab");
    assert_int_equal(tarn_hive_folder(&b, "key", "value", 5), TARN_ERR_LIMIT);
    assert_string_equal(b.data, "ab");
    tarn_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_special_byte_is_escaped),
        cmocka_unit_test(spaces_and_utf8_stay),
        cmocka_unit_test(unescape_inverts_escape),
        cmocka_unit_test(malformed_escapes_are_kept),
        cmocka_unit_test(folder_names),
        cmocka_unit_test(limits_leave_the_buffer_unchanged),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
