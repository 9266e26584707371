/*
** test_stack_template.c: loading CloudFormation templates (stack/template.c):
** short-form tags to long forms, the typing of YAML scalars and the text
** they keep, JSON templates, syntax and structure errors with their
** file:line:column, limits; and resolving parameters (stack/params.c):
** defaults, parameter files, overrides, types and constraints.
*/
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "stack/stack.h"

/* Load YAML or JSON text as a template named "t.yml"; returns the status. */
static int load(const char *text, json_t **out, tarn_error *err)
{
    return tarn_template_load_buffer(text, strlen(text), "t.yml", out, err);
}

/* Load text that must load, failing the test with the message if not. */
static json_t *must_load(const char *text)
{
    tarn_error err = {0};
    json_t *t = NULL;
    int rc = load(text, &t, &err);
    if (rc)
        fail_msg("load failed: %s", err.msg);
    return t;
}

/* Assert that a and b are equal JSON, printing both if not. */
static void assert_json_eq(const json_t *a, const json_t *b)
{
    if (!json_equal(a, b)) {
        char *sa = json_dumps(a, JSON_SORT_KEYS), *sb = json_dumps(b, JSON_SORT_KEYS);
        print_error("got      %s\nexpected %s\n", sa, sb);
        free(sa);
        free(sb);
        fail();
    }
}

/* Assert that loading text fails with status code and a message holding
** each of the NULL-terminated fragments. */
static void assert_load_fails(const char *text, int code, ...)
{
    tarn_error err = {0};
    json_t *t = NULL;
    int rc = load(text, &t, &err);
    assert_null(t);
    if (rc != code)
        fail_msg("status %d, expected %d (%s)", rc, code, err.msg);
    va_list ap;
    va_start(ap, code);
    for (const char *frag; (frag = va_arg(ap, const char *));)
        if (!strstr(err.msg, frag))
            fail_msg("message '%s' lacks '%s'", err.msg, frag);
    va_end(ap);
}

#define RES_HEAD "Resources:\n  A:\n    Type: AWS::S3::Bucket\n    Properties:\n"

static void test_short_forms(void **state)
{
    json_t *t = must_load(RES_HEAD
        "      R: !Ref X\n"
        "      S: !Sub 'a-${X}'\n"
        "      S2: !Sub ['${A}-b', {A: !Ref X}]\n"
        "      G1: !GetAtt B.Arn\n"
        "      G2: !GetAtt [B, Arn]\n"
        "      G3: !GetAtt Db.Endpoint.Address\n"
        "      J: !Join [',', [a, !Ref X]]\n"
        "      Sel: !Select [0, !GetAZs '']\n"
        "      Sp: !Split [',', 'a,b']\n"
        "      If: !If [C, yes, !Ref AWS::NoValue]\n"
        "      Eq: !Equals [a, b]\n"
        "      And: !And [!Condition C, !Not [!Condition D]]\n"
        "      Or: !Or [!Condition C, !Condition D]\n"
        "      Imp: !ImportValue\n"
        "        Fn::Sub: '${S}-Name'\n"
        "      Map: !FindInMap [M, !Ref AWS::Region, K]\n"
        "      B64: !Base64 hello\n");
    json_t *want = json_loads(
        "{\"R\": {\"Ref\": \"X\"}, \"S\": {\"Fn::Sub\": \"a-${X}\"},"
        " \"S2\": {\"Fn::Sub\": [\"${A}-b\", {\"A\": {\"Ref\": \"X\"}}]},"
        " \"G1\": {\"Fn::GetAtt\": [\"B\", \"Arn\"]},"
        " \"G2\": {\"Fn::GetAtt\": [\"B\", \"Arn\"]},"
        " \"G3\": {\"Fn::GetAtt\": [\"Db\", \"Endpoint.Address\"]},"
        " \"J\": {\"Fn::Join\": [\",\", [\"a\", {\"Ref\": \"X\"}]]},"
        " \"Sel\": {\"Fn::Select\": [0, {\"Fn::GetAZs\": \"\"}]},"
        " \"Sp\": {\"Fn::Split\": [\",\", \"a,b\"]},"
        " \"If\": {\"Fn::If\": [\"C\", \"yes\", {\"Ref\": \"AWS::NoValue\"}]},"
        " \"Eq\": {\"Fn::Equals\": [\"a\", \"b\"]},"
        " \"And\": {\"Fn::And\": [{\"Condition\": \"C\"}, {\"Fn::Not\": [{\"Condition\": \"D\"}]}]},"
        " \"Or\": {\"Fn::Or\": [{\"Condition\": \"C\"}, {\"Condition\": \"D\"}]},"
        " \"Imp\": {\"Fn::ImportValue\": {\"Fn::Sub\": \"${S}-Name\"}},"
        " \"Map\": {\"Fn::FindInMap\": [\"M\", {\"Ref\": \"AWS::Region\"}, \"K\"]},"
        " \"B64\": {\"Fn::Base64\": \"hello\"}}", 0, NULL);
    assert_non_null(want);
    assert_json_eq(json_object_get(json_object_get(json_object_get(
                       t, "Resources"), "A"), "Properties"), want);
    json_decref(want);
    json_decref(t);
}

/* The value of property name of resource A. */
static const json_t *prop(const json_t *t, const char *name)
{
    return json_object_get(json_object_get(json_object_get(json_object_get(
        t, "Resources"), "A"), "Properties"), name);
}

static void test_scalar_types(void **state)
{
    static const struct {
        const char *text;  /* as written after "P: " */
        json_type type;
    } cases[] = {
        {"42", JSON_INTEGER},       {"-7", JSON_INTEGER},     {"0", JSON_INTEGER},
        {"'42'", JSON_STRING},      {"\"42\"", JSON_STRING},  {"1.5", JSON_REAL},
        {"0.0625", JSON_REAL},      {"2.0", JSON_REAL},       {"-0.25", JSON_REAL},
        {"1.10", JSON_STRING},      {"007", JSON_STRING},     {"-0", JSON_STRING},
        {"1e3", JSON_STRING},       {"+5", JSON_STRING},      {"0x1F", JSON_STRING},
        {"true", JSON_TRUE},        {"false", JSON_FALSE},    {"True", JSON_STRING},
        {"yes", JSON_STRING},       {"'true'", JSON_STRING},  {"~", JSON_NULL},
        {"null", JSON_NULL},        {"", JSON_NULL},          {"2010-09-09", JSON_STRING},
        {"9223372036854775807", JSON_INTEGER},
        {"9223372036854775808", JSON_STRING},
        {"!!str 42", JSON_STRING},  {".inf", JSON_STRING},    {"1.", JSON_STRING},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char *doc = tarn_xasprintf(RES_HEAD "      P: %s\n", cases[i].text);
        json_t *t = must_load(doc);
        const json_t *v = prop(t, "P");
        if (json_typeof(v) != cases[i].type)
            fail_msg("'%s': type %d, expected %d", cases[i].text, json_typeof(v),
                     cases[i].type);
        /* A plain scalar's text comes back exactly (nulls have none). */
        bool plain = strchr("'\"!", cases[i].text[0]) == NULL;
        if (plain && cases[i].type != JSON_NULL) {
            char *text = tarn_stack_scalar_text(v);
            assert_string_equal(text, cases[i].text);
            free(text);
        }
        json_decref(t);
        free(doc);
    }
}

static void test_scalar_values(void **state)
{
    json_t *t = must_load(RES_HEAD
        "      I: 2880\n"
        "      D: 0.0625\n"
        "      Q: '1.10'\n"
        "      Lit: |\n"
        "        line one\n"
        "        line two\n"
        "      Fold: >-\n"
        "        a\n"
        "        b\n");
    assert_int_equal(json_integer_value(prop(t, "I")), 2880);
    assert_true(json_real_value(prop(t, "D")) == 0.0625);
    assert_string_equal(json_string_value(prop(t, "Q")), "1.10");
    assert_string_equal(json_string_value(prop(t, "Lit")), "line one\nline two\n");
    assert_string_equal(json_string_value(prop(t, "Fold")), "a b");
    json_decref(t);
}

static void test_key_order_kept(void **state)
{
    json_t *t = must_load("Resources:\n"
                          "  Zeta: {Type: AWS::S3::Bucket}\n"
                          "  Alpha: {Type: AWS::S3::Bucket}\n"
                          "  Mid: {Type: AWS::S3::Bucket}\n");
    const char *want[] = {"Zeta", "Alpha", "Mid"}, *k;
    size_t i = 0;
    json_t *v;
    json_object_foreach(json_object_get(t, "Resources"), k, v)
        assert_string_equal(k, want[i++]);
    assert_int_equal(i, 3);
    json_decref(t);
}

static void test_json_template_equals_yaml(void **state)
{
    json_t *y = must_load("Parameters:\n  Env: {Type: String, Default: dev}\n"
                          "Resources:\n  B:\n    Type: AWS::S3::Bucket\n"
                          "    Properties:\n      BucketName: !Sub '${Env}-x'\n"
                          "      N: 3\n");
    json_t *j = must_load("\n  {\"Parameters\": {\"Env\": {\"Type\": \"String\", "
                          "\"Default\": \"dev\"}}, \"Resources\": {\"B\": {\"Type\": "
                          "\"AWS::S3::Bucket\", \"Properties\": {\"BucketName\": "
                          "{\"Fn::Sub\": \"${Env}-x\"}, \"N\": 3}}}}");
    assert_json_eq(y, j);
    json_decref(y);
    json_decref(j);
}

static void test_yaml_errors_have_positions(void **state)
{
    /* the second BucketName is on line 6, column 7 */
    assert_load_fails(RES_HEAD "      BucketName: a\n      BucketName: b\n",
                      TARN_ERR_INVALID, "t.yml:6:7:", "duplicate key 'BucketName'", NULL);
    /* the unknown tag is on line 5, after "      P: " (column 10) */
    assert_load_fails(RES_HEAD "      P: !Foo x\n", TARN_ERR_INVALID, "t.yml:5:10:",
                      "unknown tag '!Foo'", "!Ref", NULL);
    /* an unclosed flow sequence: the problem is found at the end (line 6) */
    assert_load_fails(RES_HEAD "      P: [a, b\n", TARN_ERR_CORRUPT, "t.yml:6:",
                      "YAML syntax error", NULL);
    assert_load_fails("Resources:\n  A: &x {Type: AWS::S3::Bucket}\n  B: *x\n",
                      TARN_ERR_UNSUPPORTED, "t.yml:3:6:", "aliases", NULL);
    assert_load_fails("Resources: {A: {Type: AWS::S3::Bucket}}\n---\nx: 1\n",
                      TARN_ERR_INVALID, "one YAML document", NULL);
    assert_load_fails("", TARN_ERR_INVALID, "empty", NULL);
    assert_load_fails("# only a comment\n", TARN_ERR_INVALID, "empty", NULL);
    assert_load_fails(RES_HEAD "      P: !GetAtt NoDot\n", TARN_ERR_INVALID,
                      "t.yml:5:10:", "Resource.Attribute", NULL);
    assert_load_fails(RES_HEAD "      P: \"a\\0b\"\n", TARN_ERR_INVALID, "NUL", NULL);
    assert_load_fails(RES_HEAD "      [a]: b\n", TARN_ERR_INVALID, "t.yml:5:7:",
                      "mapping key", NULL);
}

static void test_json_errors(void **state)
{
    assert_load_fails("{\"Resources\": {\"A\": {\"Type\": \"AWS::S3::Bucket\",}}}",
                      TARN_ERR_CORRUPT, "t.yml:1:", "JSON syntax error", NULL);
    assert_load_fails("{\"Resources\": {}, \"Resources\": {}}", TARN_ERR_CORRUPT,
                      "duplicate", NULL);
}

/* YAML or JSON nested depth levels deep inside property P. */
static char *nested(int depth, bool json)
{
    tarn_buf b;
    tarn_buf_init(&b, 0);
    tarn_buf_appendf(&b, json ? "{\"Resources\": {\"A\": {\"Type\": \"AWS::S3::Bucket\", "
                                "\"Properties\": {\"P\": "
                              : RES_HEAD "      P: ");
    for (int i = 0; i < depth; i++)
        tarn_buf_putc(&b, '[');
    for (int i = 0; i < depth; i++)
        tarn_buf_putc(&b, ']');
    tarn_buf_appendf(&b, json ? "}}}}" : "\n");
    return b.data;
}

static void test_depth_limit(void **state)
{
    for (int json = 0; json < 2; json++) {
        char *ok = nested(TARN_STACK_MAX_DEPTH - 6, json);
        json_decref(must_load(ok));
        free(ok);
        char *deep = nested(100000, json);
        tarn_error err = {0};
        json_t *t = NULL;
        int rc = load(deep, &t, &err);
        /* jansson refuses first (its own limit), else ours does */
        assert_true(rc == TARN_ERR_LIMIT || (json && rc == TARN_ERR_CORRUPT));
        assert_null(t);
        free(deep);
    }
}

static void test_size_limit(void **state)
{
    size_t n = TARN_TEMPLATE_MAX_BYTES + 1;
    char *big = malloc(n);
    memset(big, ' ', n);
    tarn_error err = {0};
    json_t *t = NULL;
    assert_int_equal(tarn_template_load_buffer(big, n, "big.yml", &t, &err), TARN_ERR_LIMIT);
    assert_non_null(strstr(err.msg, "big.yml"));
    free(big);
}

static void test_structure_errors(void **state)
{
    assert_load_fails("Resource:\n  A: {Type: AWS::S3::Bucket}\n", TARN_ERR_INVALID,
                      "unknown top-level section 'Resource'", NULL);
    assert_load_fails("Description: x\n", TARN_ERR_INVALID, "Resources", NULL);
    assert_load_fails("Resources: {}\n", TARN_ERR_INVALID, "at least one resource", NULL);
    assert_load_fails("Resources:\n  A: {Type: S3Bucket}\n", TARN_ERR_INVALID,
                      "Resources.A.Type", NULL);
    assert_load_fails("Resources:\n  A: {Properties: {}}\n", TARN_ERR_INVALID,
                      "Resources.A.Type", NULL);
    assert_load_fails("Resources:\n  A: {Type: AWS::S3::Bucket, Propertys: {}}\n",
                      TARN_ERR_INVALID, "unknown attribute 'Propertys'", NULL);
    assert_load_fails("Resources:\n  my-bucket: {Type: AWS::S3::Bucket}\n",
                      TARN_ERR_INVALID, "my-bucket", "letters and digits", NULL);
    assert_load_fails("Resources:\n  A: {Type: AWS::S3::Bucket, Condition: Nope}\n",
                      TARN_ERR_INVALID, "Resources.A.Condition", NULL);
    assert_load_fails("Transform: AWS::Serverless-2016-10-31\n"
                      "Resources:\n  A: {Type: AWS::S3::Bucket}\n",
                      TARN_ERR_UNSUPPORTED, "Transform", NULL);
    assert_load_fails("Parameters:\n  A: {Type: String}\n"
                      "Resources:\n  A: {Type: AWS::S3::Bucket}\n",
                      TARN_ERR_INVALID, "'A' is both a parameter and a resource", NULL);
    assert_load_fails("Resources:\n  A: {Type: AWS::S3::Bucket}\n"
                      "Outputs:\n  O: {Description: x}\n", TARN_ERR_INVALID,
                      "Outputs.O needs a Value", NULL);
    assert_load_fails("Resources:\n  A: {Type: AWS::S3::Bucket}\n"
                      "Outputs:\n  O: {Value: x, Export: {}}\n", TARN_ERR_INVALID,
                      "Outputs.O.Export needs a Name", NULL);
    assert_load_fails("AWSTemplateFormatVersion: 2011-01-01\n"
                      "Resources:\n  A: {Type: AWS::S3::Bucket}\n", TARN_ERR_INVALID,
                      "2010-09-09", NULL);
    assert_load_fails("- a\n- b\n", TARN_ERR_INVALID, "mapping of sections", NULL);
    json_decref(must_load("AWSTemplateFormatVersion: 2010-09-09\n"
                          "Resources:\n  A: {Type: Custom::Thing, DependsOn: [B]}\n"
                          "  B: {Type: AWS::Glue::Job, DeletionPolicy: Retain}\n"));
}

static void test_load_file(void **state)
{
    tarn_error err = {0};
    json_t *t = NULL;
    assert_int_equal(tarn_template_load("/nonexistent/x.yml", &t, &err), TARN_ERR_NOTFOUND);
    assert_non_null(strstr(err.msg, "/nonexistent/x.yml"));
    static const char *const names[] = {"basic-infra", "glue-jobs", "glue-catalog",
                                        "glue-workflow"};
    for (size_t i = 0; i < 4; i++) {
        char *path = tarn_xasprintf("%s/examples/etl-poc/cloudformation/%s.yml",
                                    TARN_SOURCE_DIR, names[i]);
        memset(&err, 0, sizeof err);
        if (tarn_template_load(path, &t, &err))
            fail_msg("%s", err.msg);
        assert_true(json_object_size(json_object_get(t, "Resources")) > 0);
        json_decref(t);
        free(path);
    }
}

/* ---- parameters ---------------------------------------------------------- */

/* Write text to a new temporary file; returns its malloc'd path. */
static char *temp_file(const char *text)
{
    char *path = strdup("/tmp/tarn-stack-test-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    return path;
}

/* Resolve the parameters of template YAML tpl_text with a parameter file
** holding file_text (NULL: none) and overrides (JSON text or NULL). */
static int resolve(const char *tpl_text, const char *file_text, const char *over,
                   json_t **values, tarn_error *err)
{
    json_t *tpl = must_load(tpl_text);
    char *path = file_text ? temp_file(file_text) : NULL;
    json_t *ov = over ? json_loads(over, 0, NULL) : NULL;
    int rc = tarn_stack_params_resolve(tpl, "t.yml", path, ov, values, err);
    if (path)
        unlink(path);
    free(path);
    json_decref(ov);
    json_decref(tpl);
    return rc;
}

#define PTPL(params) "Parameters:\n" params "Resources:\n  R: {Type: AWS::S3::Bucket}\n"

static void test_params_sources(void **state)
{
    const char *tpl = PTPL("  A: {Type: String, Default: da}\n"
                           "  B: {Type: String, Default: db}\n"
                           "  C: {Type: String}\n"
                           "  N: {Type: Number, Default: 5}\n");
    json_t *v = NULL;
    tarn_error err = {0};
    int rc = resolve(tpl, "[{\"ParameterKey\": \"B\", \"ParameterValue\": \"fb\"},"
                          " {\"ParameterKey\": \"C\", \"ParameterValue\": \"fc\"}]",
                     "{\"C\": \"oc\"}", &v, &err);
    if (rc)
        fail_msg("%s", err.msg);
    json_t *want = json_loads("{\"A\": \"da\", \"B\": \"fb\", \"C\": \"oc\", \"N\": \"5\"}",
                              0, NULL);
    assert_json_eq(v, want);
    json_decref(want);
    json_decref(v);
    /* the {"Parameters": {...}} form */
    rc = resolve(tpl, "{\"Parameters\": {\"C\": \"x\", \"N\": 7}}", NULL, &v, &err);
    assert_int_equal(rc, TARN_OK);
    assert_string_equal(json_string_value(json_object_get(v, "C")), "x");
    assert_string_equal(json_string_value(json_object_get(v, "N")), "7");
    json_decref(v);
}

/* Assert that resolving fails with code and a message holding frag1 and
** frag2 (either may be NULL). */
static void assert_resolve_fails(const char *tpl, const char *file, const char *over,
                                 int code, const char *frag1, const char *frag2)
{
    json_t *v = NULL;
    tarn_error err = {0};
    int rc = resolve(tpl, file, over, &v, &err);
    assert_null(v);
    if (rc != code)
        fail_msg("status %d, expected %d (%s)", rc, code, err.msg);
    if ((frag1 && !strstr(err.msg, frag1)) || (frag2 && !strstr(err.msg, frag2)))
        fail_msg("message '%s' lacks '%s' or '%s'", err.msg, frag1, frag2 ? frag2 : "");
}

static void test_params_errors(void **state)
{
    const char *tpl = PTPL("  Env: {Type: String}\n");
    assert_resolve_fails(tpl, NULL, NULL, TARN_ERR_INVALID, "'Env'", "t.yml");
    assert_resolve_fails(tpl, "[{\"ParameterKey\": \"Env\", \"ParameterValue\": \"a\"},"
                              " {\"ParameterKey\": \"Nope\", \"ParameterValue\": \"b\"}]",
                         NULL, TARN_ERR_INVALID, "'Nope'", "does not declare");
    assert_resolve_fails(tpl, NULL, "{\"Other\": \"x\"}", TARN_ERR_INVALID, "'Other'",
                         "an override");
    assert_resolve_fails(tpl, "[{\"ParameterKey\": \"Env\"}]", NULL, TARN_ERR_INVALID,
                         "ParameterValue", NULL);
    assert_resolve_fails(tpl, "[{\"ParameterKey\": \"Env\", \"UsePreviousValue\": true}]",
                         NULL, TARN_ERR_UNSUPPORTED, "UsePreviousValue", NULL);
    assert_resolve_fails(tpl, "[{\"ParameterKey\": \"Env\" \"ParameterValue\": 1}]", NULL,
                         TARN_ERR_CORRUPT, "/tmp/tarn-stack-test-", "JSON syntax error");
    assert_resolve_fails(tpl, "{\"Env\": \"x\"}", NULL, TARN_ERR_INVALID, "ParameterKey",
                         NULL);
    assert_resolve_fails(PTPL("  P: {Type: Strin}\n"), NULL, NULL, TARN_ERR_INVALID,
                         "unknown Type 'Strin'", NULL);
    assert_resolve_fails(PTPL("  P: {Type: 'AWS::SSM::Parameter::Value<String>', "
                              "Default: /x}\n"), NULL, NULL, TARN_ERR_UNSUPPORTED,
                         "Systems Manager", NULL);
}

/* Resolve one parameter P (definition def) given value; returns the status
** and leaves the value or the message. */
static int one(const char *def, const char *value, json_t **v, tarn_error *err)
{
    char *tpl = tarn_xasprintf(PTPL("  P: %s\n"), def);
    char *over = value ? tarn_xasprintf("{\"P\": \"%s\"}", value) : NULL;
    int rc = resolve(tpl, NULL, over, v, err);
    free(tpl);
    free(over);
    return rc;
}

/* Whether parameter definition def accepts value. */
static bool accepts(const char *def, const char *value)
{
    json_t *v = NULL;
    tarn_error err = {0};
    int rc = one(def, value, &v, &err);
    json_decref(v);
    return rc == TARN_OK;
}

static void test_params_constraints(void **state)
{
    const char *allowed = "{Type: String, AllowedValues: [dev, prod, 7]}";
    assert_true(accepts(allowed, "prod"));
    assert_true(accepts(allowed, "7"));
    assert_false(accepts(allowed, "test"));
    const char *pat = "{Type: String, AllowedPattern: '[a-z][\\w-]*\\d'}";
    assert_true(accepts(pat, "etl-poc_2"));
    assert_false(accepts(pat, "etl-poc"));     /* no final digit */
    assert_false(accepts(pat, "Etl-poc1"));    /* whole value must match */
    assert_false(accepts(pat, "x1 trailing1")); /* no space in \\w */
    const char *anch = "{Type: String, AllowedPattern: '^(?:ab)+?$'}";
    assert_true(accepts(anch, "abab"));
    assert_false(accepts(anch, "aba"));
    const char *len = "{Type: String, MinLength: 2, MaxLength: 4}";
    assert_false(accepts(len, "a"));
    assert_true(accepts(len, "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9")); /* 4 characters */
    assert_false(accepts(len, "abcde"));
    const char *num = "{Type: Number, MinValue: 1, MaxValue: 2880}";
    assert_true(accepts(num, "60"));
    assert_true(accepts(num, "1.5"));
    assert_false(accepts(num, "0"));
    assert_false(accepts(num, "3000"));
    assert_false(accepts(num, "sixty"));
    assert_false(accepts(num, "0x10"));
    assert_true(accepts("{Type: 'AWS::EC2::VPC::Id'}", "vpc-123"));
}

static void test_params_constraint_messages(void **state)
{
    json_t *v = NULL;
    tarn_error err = {0};
    int rc = one("{Type: String, AllowedValues: [a], ConstraintDescription: 'pick a'}",
                 "secret1", &v, &err);
    assert_int_equal(rc, TARN_ERR_INVALID);
    assert_non_null(strstr(err.msg, "secret1"));
    assert_non_null(strstr(err.msg, "pick a"));
    memset(&err, 0, sizeof err);
    rc = one("{Type: String, NoEcho: true, AllowedValues: [a]}", "secret1", &v, &err);
    assert_int_equal(rc, TARN_ERR_INVALID);
    assert_null(strstr(err.msg, "secret1"));
    assert_non_null(strstr(err.msg, "****"));
    memset(&err, 0, sizeof err);
    rc = one("{Type: String, AllowedPattern: '(a)\\1'}", "aa", &v, &err);
    assert_int_equal(rc, TARN_ERR_UNSUPPORTED);
    assert_non_null(strstr(err.msg, "back-references"));
    memset(&err, 0, sizeof err);
    rc = one("{Type: String, AllowedPattern: '((a{100}){100}){100}'}", "a", &v, &err);
    assert_int_equal(rc, TARN_ERR_LIMIT);
    /* patterns cut short (found by fuzz_template: read past the end) */
    static const char *const cut[] = {"{Type: String, AllowedPattern: 'ab\\'}",
                                      "{Type: String, AllowedPattern: 'ab(?'}",
                                      "{Type: String, AllowedPattern: '[ab\\'}",
                                      "{Type: String, AllowedPattern: 'a{2'}"};
    for (size_t i = 0; i < sizeof cut / sizeof *cut; i++) {
        memset(&err, 0, sizeof err);
        assert_int_equal(one(cut[i], "ab", &v, &err), TARN_ERR_UNSUPPORTED);
        assert_non_null(strstr(err.msg, "AllowedPattern"));
    }
}

static void test_params_lists(void **state)
{
    json_t *v = NULL;
    tarn_error err = {0};
    assert_int_equal(one("{Type: CommaDelimitedList}", " a, b ,c", &v, &err), TARN_OK);
    json_t *want = json_loads("{\"P\": [\"a\", \"b\", \"c\"]}", 0, NULL);
    assert_json_eq(v, want);
    json_decref(want);
    json_decref(v);
    assert_int_equal(one("{Type: 'List<Number>', MaxValue: 100}", "80,20", &v, &err),
                     TARN_OK);
    want = json_loads("{\"P\": [\"80\", \"20\"]}", 0, NULL);
    assert_json_eq(v, want);
    json_decref(want);
    json_decref(v);
    assert_false(accepts("{Type: 'List<Number>'}", "80,x"));
    assert_false(accepts("{Type: 'List<Number>', MaxValue: 100}", "80,200"));
    assert_false(accepts("{Type: CommaDelimitedList, AllowedValues: [a, b]}", "a,c"));
    assert_true(accepts("{Type: 'List<AWS::EC2::Subnet::Id>'}", "subnet-1,subnet-2"));
}

static void test_params_noecho(void **state)
{
    json_t *tpl = must_load(PTPL("  S: {Type: String, NoEcho: true, Default: x}\n"
                                 "  T: {Type: String, Default: y}\n"));
    assert_true(tarn_stack_param_noecho(tpl, "S"));
    assert_false(tarn_stack_param_noecho(tpl, "T"));
    assert_false(tarn_stack_param_noecho(tpl, "Missing"));
    json_decref(tpl);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_short_forms),
        cmocka_unit_test(test_scalar_types),
        cmocka_unit_test(test_scalar_values),
        cmocka_unit_test(test_key_order_kept),
        cmocka_unit_test(test_json_template_equals_yaml),
        cmocka_unit_test(test_yaml_errors_have_positions),
        cmocka_unit_test(test_json_errors),
        cmocka_unit_test(test_depth_limit),
        cmocka_unit_test(test_size_limit),
        cmocka_unit_test(test_structure_errors),
        cmocka_unit_test(test_load_file),
        cmocka_unit_test(test_params_sources),
        cmocka_unit_test(test_params_errors),
        cmocka_unit_test(test_params_constraints),
        cmocka_unit_test(test_params_constraint_messages),
        cmocka_unit_test(test_params_lists),
        cmocka_unit_test(test_params_noecho),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
