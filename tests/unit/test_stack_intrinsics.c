/*
** test_stack_intrinsics.c: evaluating templates (stack/intrinsics.c): Ref
** and pseudo parameters, Fn::Sub, Fn::GetAtt, Fn::Join, Fn::Select,
** Fn::Split, Fn::If and the condition functions, Fn::FindInMap,
** Fn::ImportValue, Fn::Base64, Fn::GetAZs, AWS::NoValue, Outputs, errors
** with their template path, and limits; the dependency graph and creation
** order (stack/graph.c); and the four example stacks of
** examples/etl-poc/cloudformation deployed in order against stub callbacks
** that play the resource providers and the export table.
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

#include "stack/stack.h"

/* What the callbacks know: physical ids and attributes of the resources
** "created" so far, the exports of earlier stacks, and the export names
** asked for. */
typedef struct world {
    json_t *phys;     /* logical id -> physical id */
    json_t *attrs;    /* "Id.Attr" -> value */
    json_t *exports;  /* export name -> value */
    json_t *imported; /* export names asked for */
} world;

static int w_ref(void *arg, const char *id, json_t **out, tarn_error *err)
{
    world *w = arg;
    json_t *v = json_object_get(w->phys, id);
    if (!v)
        return tarn_error_set(err, TARN_ERR_NOTFOUND, "resource '%s' is not created yet", id);
    *out = json_incref(v);
    return TARN_OK;
}

static int w_getatt(void *arg, const char *id, const char *attr, json_t **out,
                    tarn_error *err)
{
    world *w = arg;
    char key[512];
    snprintf(key, sizeof key, "%s.%s", id, attr);
    json_t *v = json_object_get(w->attrs, key);
    if (!v)
        return tarn_error_set(err, TARN_ERR_NOTFOUND, "no attribute '%s'", key);
    *out = json_incref(v);
    return TARN_OK;
}

static int w_import(void *arg, const char *name, json_t **out, tarn_error *err)
{
    world *w = arg;
    json_array_append_new(w->imported, json_string(name));
    json_t *v = json_object_get(w->exports, name);
    if (!v)
        return tarn_error_set(err, TARN_ERR_NOTFOUND, "no stack exports '%s'", name);
    *out = json_incref(v);
    return TARN_OK;
}

static void world_init(world *w)
{
    w->phys = json_object();
    w->attrs = json_object();
    w->exports = json_object();
    w->imported = json_array();
}

static void world_free(world *w)
{
    json_decref(w->phys);
    json_decref(w->attrs);
    json_decref(w->exports);
    json_decref(w->imported);
}

/* A template with its parameters, conditions and an evaluation context. */
typedef struct env {
    json_t *tpl, *params, *conds;
    tarn_eval_ctx ctx;
    world w;
} env;

/* Load YAML text, resolve its parameters (overrides: JSON text or NULL),
** evaluate its conditions and set up the context (stack "s1"). */
static int env_open(env *e, const char *yaml, const char *over, tarn_error *err)
{
    memset(e, 0, sizeof *e);
    world_init(&e->w);
    int rc = tarn_template_load_buffer(yaml, strlen(yaml), "t.yml", &e->tpl, err);
    json_t *ov = over ? json_loads(over, 0, NULL) : NULL;
    if (!rc)
        rc = tarn_stack_params_resolve(e->tpl, "t.yml", NULL, ov, &e->params, err);
    json_decref(ov);
    e->ctx = (tarn_eval_ctx){.tpl = e->tpl, .params = e->params, .stack_name = "s1",
                             .ref = w_ref, .getatt = w_getatt, .import = w_import,
                             .cb_arg = &e->w};
    if (!rc)
        rc = tarn_stack_conditions_eval(&e->ctx, &e->conds, err);
    e->ctx.conditions = e->conds;
    return rc;
}

/* env_open that must succeed. */
static void env_must(env *e, const char *yaml, const char *over)
{
    tarn_error err = {0};
    if (env_open(e, yaml, over, &err))
        fail_msg("%s", err.msg);
}

static void env_close(env *e)
{
    json_decref(e->tpl);
    json_decref(e->params);
    json_decref(e->conds);
    world_free(&e->w);
}

/* The evaluated Properties of resource id, which must evaluate. */
static json_t *props(env *e, const char *id)
{
    tarn_error err = {0};
    json_t *p = NULL;
    if (tarn_stack_eval_resource(&e->ctx, id, &p, &err))
        fail_msg("%s", err.msg);
    return p;
}

/* The value at path ("A.B[1].C") under root, or NULL. */
static const json_t *at(const json_t *root, const char *path)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", path);
    const json_t *v = root;
    for (char *tok = strtok(buf, "."); tok && v; tok = strtok(NULL, ".")) {
        char *br = strchr(tok, '[');
        if (br)
            *br = '\0';
        if (*tok)
            v = json_object_get(v, tok);
        for (; br && v; br = strchr(br + 1, '['))
            v = json_array_get(v, strtoul(br + 1, NULL, 10));
    }
    return v;
}

/* Assert the string at path under root. */
#define assert_str_at(root, path, want)                                       \
    do {                                                                      \
        const char *got_ = json_string_value(at((root), (path)));            \
        if (!got_ || strcmp(got_, (want)) != 0)                               \
            fail_msg("%s: got '%s', expected '%s'", (path),                   \
                     got_ ? got_ : "(not a string)", (want));                 \
    } while (0)

/* Assert that evaluating resource id fails with code and a message that
** starts with prefix (NULL: any) and holds frag (NULL: any). */
static void assert_eval_fails(env *e, const char *id, int code, const char *prefix,
                              const char *frag)
{
    tarn_error err = {0};
    json_t *p = NULL;
    int rc = tarn_stack_eval_resource(&e->ctx, id, &p, &err);
    assert_null(p);
    if (rc != code)
        fail_msg("status %d, expected %d (%s)", rc, code, err.msg);
    if (prefix && strncmp(err.msg, prefix, strlen(prefix)) != 0)
        fail_msg("message '%s' does not start with '%s'", err.msg, prefix);
    if (frag && !strstr(err.msg, frag))
        fail_msg("message '%s' lacks '%s'", err.msg, frag);
}

static void test_ref_and_pseudo(void **state)
{
    env e;
    env_must(&e, "Parameters:\n"
                 "  Env: {Type: String, Default: dev}\n"
                 "  Subnets: {Type: CommaDelimitedList, Default: 'a,b'}\n"
                 "Resources:\n"
                 "  A:\n"
                 "    Type: AWS::S3::Bucket\n"
                 "    Properties:\n"
                 "      Env: !Ref Env\n"
                 "      List: !Ref Subnets\n"
                 "      Region: !Ref AWS::Region\n"
                 "      Account: !Ref AWS::AccountId\n"
                 "      Partition: !Ref AWS::Partition\n"
                 "      Suffix: !Ref AWS::URLSuffix\n"
                 "      Stack: !Ref AWS::StackName\n"
                 "      Other: !Ref B\n"
                 "      Gone: !Ref AWS::NoValue\n"
                 "      Arr: [x, !Ref AWS::NoValue, y]\n"
                 "  B: {Type: AWS::S3::Bucket}\n", NULL);
    json_object_set_new(e.w.phys, "B", json_string("bucket-b"));
    json_t *p = props(&e, "A");
    json_t *want = json_loads(
        "{\"Env\": \"dev\", \"List\": [\"a\", \"b\"], \"Region\": \"us-east-1\","
        " \"Account\": \"123456789012\", \"Partition\": \"aws\","
        " \"Suffix\": \"amazonaws.com\", \"Stack\": \"s1\", \"Other\": \"bucket-b\","
        " \"Arr\": [\"x\", \"y\"]}", 0, NULL);
    assert_true(json_equal(p, want));
    json_decref(want);
    json_decref(p);
    e.ctx.region = "cn-north-1";
    p = props(&e, "A");
    assert_str_at(p, "Region", "cn-north-1");
    assert_str_at(p, "Partition", "aws-cn");
    assert_str_at(p, "Suffix", "amazonaws.com.cn");
    json_decref(p);
    /* without a ref callback, a resource's Ref is an error, not a guess */
    e.ctx.ref = NULL;
    assert_eval_fails(&e, "A", TARN_ERR_UNSUPPORTED, "Resources.A.Properties.Other: ",
                      "physical id");
    env_close(&e);
}

static void test_sub(void **state)
{
    env e;
    env_must(&e, "Parameters:\n"
                 "  Env: {Type: String, Default: dev}\n"
                 "Resources:\n"
                 "  Raw:\n"
                 "    Type: AWS::S3::Bucket\n"
                 "    Properties:\n"
                 "      S1: !Sub '${Env}-raw-${AWS::Region}'\n"
                 "      S2: !Sub ['${Bucket}/${Env}/${Name}', {Bucket: !Ref Other, Name: fixed}]\n"
                 "      S3: !Sub '${!Literal}-${Env}'\n"
                 "      S4: !Sub 'arn:${AWS::Partition}:s3:::${Other}/*'\n"
                 "      S5: !Sub '${Other.Arn}|${ Env }'\n"
                 "      S6: !Sub 'no vars $ { } $x'\n"
                 "      S7: !Sub 'unterminated ${Env'\n"
                 "      S8: !Sub ['${Env}', {Env: shadowed}]\n"
                 "  Other: {Type: AWS::S3::Bucket}\n", NULL);
    json_object_set_new(e.w.phys, "Other", json_string("other-bucket"));
    json_object_set_new(e.w.attrs, "Other.Arn", json_string("arn:aws:s3:::other-bucket"));
    json_t *p = props(&e, "Raw");
    assert_str_at(p, "S1", "dev-raw-us-east-1");
    assert_str_at(p, "S2", "other-bucket/dev/fixed");
    assert_str_at(p, "S3", "${Literal}-dev");
    assert_str_at(p, "S4", "arn:aws:s3:::other-bucket/*");
    assert_str_at(p, "S5", "arn:aws:s3:::other-bucket|dev");
    assert_str_at(p, "S6", "no vars $ { } $x");
    assert_str_at(p, "S7", "unterminated ${Env");
    assert_str_at(p, "S8", "shadowed");
    json_decref(p);
    env_close(&e);
}

static void test_sub_errors(void **state)
{
    env e;
    env_must(&e, "Parameters:\n"
                 "  L: {Type: CommaDelimitedList, Default: 'a,b'}\n"
                 "Resources:\n"
                 "  RawBucket:\n"
                 "    Type: AWS::S3::Bucket\n"
                 "    Properties:\n"
                 "      BucketName: !Sub '${Env}-raw'\n"
                 "  ListSub: {Type: AWS::S3::Bucket, Properties: {P: !Sub 'x-${L}'}}\n"
                 "  AttSub: {Type: AWS::S3::Bucket, Properties: {P: !Sub '${Nope.Arn}'}}\n"
                 "  EmptySub: {Type: AWS::S3::Bucket, Properties: {P: !Sub 'a${}b'}}\n"
                 "  Nested:\n"
                 "    Type: AWS::S3::Bucket\n"
                 "    Properties:\n"
                 "      Tags:\n"
                 "        - {Key: k, Value: !Join ['-', [a, !Sub '${Missing}']]}\n",
             NULL);
    assert_eval_fails(&e, "RawBucket", TARN_ERR_INVALID,
                      "Resources.RawBucket.Properties.BucketName: Fn::Sub references "
                      "unknown parameter 'Env'", NULL);
    assert_eval_fails(&e, "ListSub", TARN_ERR_INVALID, "Resources.ListSub.Properties.P: ",
                      "not a list");
    assert_eval_fails(&e, "AttSub", TARN_ERR_INVALID, NULL, "unknown resource 'Nope'");
    assert_eval_fails(&e, "EmptySub", TARN_ERR_INVALID, NULL, "${}");
    assert_eval_fails(&e, "Nested", TARN_ERR_INVALID,
                      "Resources.Nested.Properties.Tags[0].Value.Fn::Join[1][1]: "
                      "Fn::Sub references unknown parameter 'Missing'", NULL);
    env_close(&e);
}

static void test_getatt(void **state)
{
    env e;
    env_must(&e, "Parameters:\n"
                 "  AttrName: {Type: String, Default: Arn}\n"
                 "Resources:\n"
                 "  A:\n"
                 "    Type: AWS::S3::Bucket\n"
                 "    Properties:\n"
                 "      G1: !GetAtt Other.Arn\n"
                 "      G2: !GetAtt [Other, !Ref AttrName]\n"
                 "      G3: {Fn::GetAtt: Other.DomainName}\n"
                 "  Bad: {Type: AWS::S3::Bucket, Properties: {G: !GetAtt Other.Nope}}\n"
                 "  Unknown: {Type: AWS::S3::Bucket, Properties: {G: !GetAtt Zzz.Arn}}\n"
                 "  Other: {Type: AWS::S3::Bucket}\n", NULL);
    json_object_set_new(e.w.attrs, "Other.Arn", json_string("arn:x"));
    json_object_set_new(e.w.attrs, "Other.DomainName", json_string("other.s3"));
    json_t *p = props(&e, "A");
    assert_str_at(p, "G1", "arn:x");
    assert_str_at(p, "G2", "arn:x");
    assert_str_at(p, "G3", "other.s3");
    json_decref(p);
    /* the callback's message, with the path in front */
    assert_eval_fails(&e, "Bad", TARN_ERR_NOTFOUND,
                      "Resources.Bad.Properties.G: no attribute 'Other.Nope'", NULL);
    assert_eval_fails(&e, "Unknown", TARN_ERR_INVALID, "Resources.Unknown.Properties.G: ",
                      "unknown resource 'Zzz'");
    env_close(&e);
}

static void test_lists_and_strings(void **state)
{
    env e;
    env_must(&e, "Parameters:\n"
                 "  Env: {Type: String, Default: dev}\n"
                 "  Subnets: {Type: CommaDelimitedList, Default: 'a,b'}\n"
                 "Resources:\n"
                 "  A:\n"
                 "    Type: AWS::S3::Bucket\n"
                 "    Properties:\n"
                 "      J: !Join [',', [a, !Ref Env, 3]]\n"
                 "      J2: !Join ['', !Ref Subnets]\n"
                 "      J3: !Join ['-', []]\n"
                 "      Sel: !Select [1, [x, y, z]]\n"
                 "      Sel2: !Select ['0', !Split ['/', 'p/q/r']]\n"
                 "      Sp: !Split ['::', 'a::b::']\n"
                 "      Az: !Select [2, !GetAZs '']\n"
                 "      Az2: !GetAZs eu-west-1\n"
                 "      B64: !Base64 hello\n"
                 "      B64b: !Base64 {Fn::Sub: '${Env}!'}\n"
                 "  OutOfRange: {Type: AWS::S3::Bucket, Properties: {P: !Select [3, [a, b, c]]}}\n"
                 "  Negative: {Type: AWS::S3::Bucket, Properties: {P: !Select [-1, [a]]}}\n"
                 "  JoinMap: {Type: AWS::S3::Bucket, Properties: {P: !Join [',', [{a: b}]]}}\n"
                 "  SplitEmpty: {Type: AWS::S3::Bucket, Properties: {P: !Split ['', abc]}}\n"
                 "  JoinShape: {Type: AWS::S3::Bucket, Properties: {P: !Join [',']}}\n",
             NULL);
    json_t *p = props(&e, "A");
    assert_str_at(p, "J", "a,dev,3");
    assert_str_at(p, "J2", "ab");
    assert_str_at(p, "J3", "");
    assert_str_at(p, "Sel", "y");
    assert_str_at(p, "Sel2", "p");
    json_t *want = json_loads("[\"a\", \"b\", \"\"]", 0, NULL);
    assert_true(json_equal(at(p, "Sp"), want));
    json_decref(want);
    assert_str_at(p, "Az", "us-east-1c");
    want = json_loads("[\"eu-west-1a\", \"eu-west-1b\", \"eu-west-1c\"]", 0, NULL);
    assert_true(json_equal(at(p, "Az2"), want));
    json_decref(want);
    assert_str_at(p, "B64", "aGVsbG8=");
    assert_str_at(p, "B64b", "ZGV2IQ==");
    json_decref(p);
    assert_eval_fails(&e, "OutOfRange", TARN_ERR_INVALID, NULL, "list of 3 values");
    assert_eval_fails(&e, "Negative", TARN_ERR_INVALID, NULL, "'-1'");
    assert_eval_fails(&e, "JoinMap", TARN_ERR_INVALID, NULL, "not a mapping");
    assert_eval_fails(&e, "SplitEmpty", TARN_ERR_INVALID, NULL, "non-empty");
    assert_eval_fails(&e, "JoinShape", TARN_ERR_INVALID, NULL, "[delimiter, [values]]");
    env_close(&e);
}

static const char *cond_tpl =
    "Parameters:\n"
    "  Env: {Type: String, Default: prod, AllowedValues: [dev, prod]}\n"
    "  Size: {Type: Number, Default: 3}\n"
    "Mappings:\n"
    "  Sizes: {prod: {Big: 'yes'}, dev: {Big: 'no'}}\n"
    "Conditions:\n"
    "  IsProd: !Equals [!Ref Env, prod]\n"
    "  IsDev: !Not [!Condition IsProd]\n"
    "  BigProd: !And [!Condition IsProd, !Equals [!FindInMap [Sizes, !Ref Env, Big], 'yes']]\n"
    "  Either: !Or [!Condition IsDev, !Equals [!Ref Size, 3]]\n"
    "Resources:\n"
    "  A:\n"
    "    Type: AWS::S3::Bucket\n"
    "    Properties:\n"
    "      Name: !If [IsProd, prod-name, dev-name]\n"
    "      Opt: !If [IsDev, x, !Ref AWS::NoValue]\n"
    "      Ref: !If [IsDev, !Ref DevOnly, none]\n"
    "  DevOnly: {Type: AWS::S3::Bucket, Condition: IsDev}\n"
    "  UsesDevOnly: {Type: AWS::S3::Bucket, Properties: {P: !Ref DevOnly}}\n"
    "Outputs:\n"
    "  O1: {Value: !Ref Env, Description: d, Export: {Name: !Sub '${AWS::StackName}-Env'}}\n"
    "  O2: {Value: x, Condition: IsDev}\n";

static void test_conditions(void **state)
{
    env e;
    env_must(&e, cond_tpl, NULL);
    json_t *want = json_loads("{\"IsProd\": true, \"IsDev\": false, \"BigProd\": true,"
                              " \"Either\": true}", 0, NULL);
    assert_true(json_equal(e.conds, want));
    json_decref(want);
    json_t *p = props(&e, "A");
    assert_str_at(p, "Name", "prod-name");
    assert_null(at(p, "Opt"));
    assert_str_at(p, "Ref", "none");
    json_decref(p);
    assert_false(tarn_stack_resource_enabled(&e.ctx, "DevOnly"));
    assert_true(tarn_stack_resource_enabled(&e.ctx, "A"));
    assert_eval_fails(&e, "UsesDevOnly", TARN_ERR_INVALID, "Resources.UsesDevOnly.Properties.P: ",
                      "condition 'IsDev' is false");
    env_close(&e);

    env_must(&e, cond_tpl, "{\"Env\": \"dev\"}");
    want = json_loads("{\"IsProd\": false, \"IsDev\": true, \"BigProd\": false,"
                      " \"Either\": true}", 0, NULL);
    assert_true(json_equal(e.conds, want));
    json_decref(want);
    json_object_set_new(e.w.phys, "DevOnly", json_string("dev-bucket"));
    p = props(&e, "A");
    assert_str_at(p, "Name", "dev-name");
    assert_str_at(p, "Opt", "x");
    assert_str_at(p, "Ref", "dev-bucket");
    json_decref(p);
    assert_true(tarn_stack_resource_enabled(&e.ctx, "DevOnly"));
    env_close(&e);
}

static void test_outputs(void **state)
{
    env e;
    env_must(&e, cond_tpl, NULL);
    json_t *out = NULL;
    tarn_error err = {0};
    assert_int_equal(tarn_stack_eval_outputs(&e.ctx, &out, &err), TARN_OK);
    json_t *want = json_loads("{\"O1\": {\"Value\": \"prod\", \"Description\": \"d\","
                              " \"ExportName\": \"s1-Env\"}}", 0, NULL);
    assert_true(json_equal(out, want));
    json_decref(want);
    json_decref(out);
    env_close(&e);
}

/* Assert that opening yaml fails with code and a message holding frag. */
static void assert_open_fails(const char *yaml, int code, const char *frag)
{
    env e;
    tarn_error err = {0};
    int rc = env_open(&e, yaml, NULL, &err);
    if (rc != code)
        fail_msg("status %d, expected %d (%s)", rc, code, err.msg);
    if (!strstr(err.msg, frag))
        fail_msg("message '%s' lacks '%s'", err.msg, frag);
    env_close(&e);
}

static void test_condition_errors(void **state)
{
    const char *res = "Resources:\n  R: {Type: AWS::S3::Bucket}\n";
    char *t = tarn_xasprintf("Conditions:\n"
                             "  A1: !And [!Condition B1, !Equals [x, x]]\n"
                             "  B1: !Or [!Condition C1, !Equals [x, y]]\n"
                             "  C1: !Not [!Condition A1]\n%s", res);
    assert_open_fails(t, TARN_ERR_INVALID, "circular condition: A1 -> B1 -> C1 -> A1");
    free(t);
    t = tarn_xasprintf("Conditions:\n  X: !Not [!Condition Nope]\n%s", res);
    assert_open_fails(t, TARN_ERR_INVALID, "unknown condition 'Nope'");
    free(t);
    t = tarn_xasprintf("Conditions:\n  X: !Equals [!Ref R, x]\n%s", res);
    assert_open_fails(t, TARN_ERR_INVALID, "a condition can use only parameters");
    free(t);
    t = tarn_xasprintf("Conditions:\n  X: !Join [',', [a]]\n%s", res);
    assert_open_fails(t, TARN_ERR_INVALID, "Conditions.X: a condition must be");
    free(t);
    t = tarn_xasprintf("Conditions:\n  X: !Or [!Equals [a, a]]\n%s", res);
    assert_open_fails(t, TARN_ERR_INVALID, "Fn::Or takes a list of 2 to 10 conditions");
    free(t);

    env e;
    env_must(&e, "Resources:\n  A: {Type: AWS::S3::Bucket, Properties: {P: !If [Nope, a, b]}}\n",
             NULL);
    assert_eval_fails(&e, "A", TARN_ERR_INVALID, "Resources.A.Properties.P: ",
                      "unknown condition 'Nope'");
    env_close(&e);
}

static void test_findinmap(void **state)
{
    env e;
    env_must(&e, "Parameters:\n  Env: {Type: String, Default: prod}\n"
                 "Mappings:\n"
                 "  Cfg:\n"
                 "    prod: {Size: 10, Zones: [a, b]}\n"
                 "Resources:\n"
                 "  A:\n"
                 "    Type: AWS::S3::Bucket\n"
                 "    Properties:\n"
                 "      S: !FindInMap [Cfg, !Ref Env, Size]\n"
                 "      Z: !FindInMap [Cfg, prod, Zones]\n"
                 "  MissTop: {Type: AWS::S3::Bucket, Properties: {P: !FindInMap [Cfg, dev, Size]}}\n"
                 "  MissMap: {Type: AWS::S3::Bucket, Properties: {P: !FindInMap [No, dev, Size]}}\n",
             NULL);
    json_t *p = props(&e, "A");
    assert_int_equal(json_integer_value(at(p, "S")), 10);
    assert_str_at(p, "Z[1]", "b");
    json_decref(p);
    assert_eval_fails(&e, "MissTop", TARN_ERR_NOTFOUND, NULL, "no key 'dev'");
    assert_eval_fails(&e, "MissMap", TARN_ERR_NOTFOUND, NULL, "no mapping 'No'");
    env_close(&e);
}

static void test_import(void **state)
{
    env e;
    env_must(&e, "Resources:\n"
                 "  A:\n"
                 "    Type: AWS::S3::Bucket\n"
                 "    Properties:\n"
                 "      I: !ImportValue infra-Bucket\n"
                 "      I2: !ImportValue {Fn::Sub: '${AWS::StackName}-X'}\n"
                 "  Missing: {Type: AWS::S3::Bucket, Properties: {P: !ImportValue nope}}\n",
             NULL);
    json_object_set_new(e.w.exports, "infra-Bucket", json_string("b1"));
    json_object_set_new(e.w.exports, "s1-X", json_string("x1"));
    json_t *p = props(&e, "A");
    assert_str_at(p, "I", "b1");
    assert_str_at(p, "I2", "x1");
    json_decref(p);
    assert_eval_fails(&e, "Missing", TARN_ERR_NOTFOUND,
                      "Resources.Missing.Properties.P: no stack exports 'nope'", NULL);
    e.ctx.import = NULL;
    assert_eval_fails(&e, "A", TARN_ERR_UNSUPPORTED, NULL, "exports of other stacks");
    env_close(&e);
}

static void test_unknown_names(void **state)
{
    env e;
    env_must(&e, "Resources:\n"
                 "  Cidr: {Type: AWS::S3::Bucket, Properties: {P: !Cidr [10.0.0.0/16, 2, 8]}}\n"
                 "  Odd: {Type: AWS::S3::Bucket, Properties: {P: {Fn::Nope: 1}}}\n"
                 "  Ref: {Type: AWS::S3::Bucket, Properties: {P: !Ref Nope}}\n"
                 "  RefShape: {Type: AWS::S3::Bucket, Properties: {P: {Ref: [a]}}}\n"
                 "  PropsFn: {Type: AWS::S3::Bucket, Properties: {Fn::Sub: x}}\n",
             NULL);
    /* Properties that evaluate to a string (found by fuzz_template) */
    assert_eval_fails(&e, "PropsFn", TARN_ERR_INVALID, "Resources.PropsFn.Properties: ",
                      "mapping");
    assert_eval_fails(&e, "Cidr", TARN_ERR_UNSUPPORTED, NULL, "'Fn::Cidr'");
    assert_eval_fails(&e, "Odd", TARN_ERR_UNSUPPORTED, NULL, "'Fn::Nope'");
    assert_eval_fails(&e, "Ref", TARN_ERR_INVALID, "Resources.Ref.Properties.P: ",
                      "unknown parameter or resource 'Nope'");
    assert_eval_fails(&e, "RefShape", TARN_ERR_INVALID, NULL, "as a string");
    json_t *p = NULL;
    tarn_error err = {0};
    assert_int_equal(tarn_stack_eval_resource(&e.ctx, "Absent", &p, &err), TARN_ERR_NOTFOUND);
    env_close(&e);
}

static void test_limits(void **state)
{
    /* an output budget stops a large Fn::Split */
    char commas[4001];
    memset(commas, ',', 4000);
    commas[4000] = '\0';
    char *yaml = tarn_xasprintf("Parameters:\n  Big: {Type: String, Default: '%s'}\n"
                                "Resources:\n  A: {Type: AWS::S3::Bucket, Properties:"
                                " {P: !Split [',', !Ref Big]}}\n", commas);
    env e;
    env_must(&e, yaml, NULL);
    free(yaml);
    e.ctx.max_bytes = 10000;
    assert_eval_fails(&e, "A", TARN_ERR_LIMIT, NULL, "10000-byte output limit");
    e.ctx.max_bytes = 0; /* the default budget is ample */
    json_t *p = props(&e, "A");
    assert_int_equal(json_array_size(at(p, "P")), 4001);
    json_decref(p);

    /* nesting built in memory, past what the loader would accept */
    json_t *node = json_string("x");
    for (int i = 0; i < 3 * TARN_STACK_MAX_DEPTH; i++)
        node = json_pack("{s:o}", "Fn::Base64", node);
    json_t *out = NULL;
    tarn_error err = {0};
    assert_int_equal(tarn_stack_eval(&e.ctx, "Deep", node, &out, &err), TARN_ERR_LIMIT);
    assert_null(out);
    assert_non_null(strstr(err.msg, "Deep"));
    json_decref(node);
    env_close(&e);

    /* a long chain of conditions ends in an error, not a crash */
    tarn_buf b;
    tarn_buf_init(&b, 0);
    tarn_buf_appendf(&b, "Conditions:\n");
    for (int i = 0; i < 3 * TARN_STACK_MAX_DEPTH; i++)
        tarn_buf_appendf(&b, "  C%d: !Not [!Condition C%d]\n", i, i + 1);
    tarn_buf_appendf(&b, "  C%d: !Equals [a, a]\nResources:\n  R: {Type: AWS::S3::Bucket}\n",
                     3 * TARN_STACK_MAX_DEPTH);
    assert_open_fails(b.data, TARN_ERR_LIMIT, "deeper than");
    tarn_buf_free(&b);
}

/* ---- graph ------------------------------------------------------------- */

/* Assert that the creation order of e is the comma-separated list want. */
static void assert_order(env *e, const char *want)
{
    char **ids = NULL;
    size_t n = 0;
    tarn_error err = {0};
    if (tarn_stack_order(&e->ctx, &ids, &n, &err))
        fail_msg("%s", err.msg);
    tarn_buf got;
    tarn_buf_init(&got, 0);
    for (size_t i = 0; i < n; i++)
        tarn_buf_appendf(&got, "%s%s", i ? "," : "", ids[i]);
    if (strcmp(got.data ? got.data : "", want) != 0)
        fail_msg("order '%s', expected '%s'", got.data, want);
    tarn_buf_free(&got);
    tarn_stack_order_free(ids, n);
}

/* Assert that ordering e fails with a message holding frag. */
static void assert_order_fails(env *e, const char *frag)
{
    char **ids = NULL;
    size_t n = 0;
    tarn_error err = {0};
    assert_int_equal(tarn_stack_order(&e->ctx, &ids, &n, &err), TARN_ERR_INVALID);
    assert_null(ids);
    if (!strstr(err.msg, frag))
        fail_msg("message '%s' lacks '%s'", err.msg, frag);
}

static void test_order(void **state)
{
    env e;
    env_must(&e, "Resources:\n"
                 "  Zed: {Type: AWS::S3::Bucket, Properties: {N: !Ref Beta}}\n"
                 "  Alpha: {Type: AWS::S3::Bucket}\n"
                 "  Beta: {Type: AWS::S3::Bucket, DependsOn: Gamma}\n"
                 "  Gamma: {Type: AWS::S3::Bucket, Properties: {A: !Sub '${Alpha.Arn}'}}\n"
                 "  Delta: {Type: AWS::S3::Bucket, Properties: {X: !GetAtt Alpha.Arn,"
                 " Y: !Sub ['${V}', {V: !Ref Gamma}]}}\n", NULL);
    /* Alpha is the only one ready; then Gamma and Delta, Gamma first; Gamma
    ** frees Beta, which comes before Delta; Beta frees Zed, first in the file */
    assert_order(&e, "Alpha,Gamma,Beta,Zed,Delta");
    json_t *deps = NULL;
    tarn_error err = {0};
    assert_int_equal(tarn_stack_resource_deps(&e.ctx, "Delta", &deps, &err), TARN_OK);
    json_t *want = json_loads("[\"Alpha\", \"Gamma\"]", 0, NULL);
    assert_true(json_equal(deps, want));
    json_decref(want);
    json_decref(deps);
    env_close(&e);
}

static void test_order_conditions(void **state)
{
    env e;
    env_must(&e, "Conditions:\n  On: !Equals [a, a]\n  Off: !Equals [a, b]\n"
                 "Resources:\n"
                 "  A: {Type: AWS::S3::Bucket, Properties: {P: !If [Off, !Ref B, !Ref C]}}\n"
                 "  B: {Type: AWS::S3::Bucket, Condition: Off, Properties: {P: !Ref A}}\n"
                 "  C: {Type: AWS::S3::Bucket, Condition: On}\n", NULL);
    assert_order(&e, "C,A");
    env_close(&e);
    env_must(&e, "Conditions:\n  Off: !Equals [a, b]\n"
                 "Resources:\n"
                 "  A: {Type: AWS::S3::Bucket, DependsOn: [B]}\n"
                 "  B: {Type: AWS::S3::Bucket, Condition: Off}\n", NULL);
    assert_order_fails(&e, "Resources.A.DependsOn: DependsOn names resource 'B', which is "
                           "not created");
    env_close(&e);
}

static void test_order_errors(void **state)
{
    env e;
    env_must(&e, "Resources:\n"
                 "  Free: {Type: AWS::S3::Bucket}\n"
                 "  A: {Type: AWS::S3::Bucket, Properties: {P: !Ref B}}\n"
                 "  B: {Type: AWS::S3::Bucket, Properties: {P: !GetAtt C.Arn}}\n"
                 "  C: {Type: AWS::S3::Bucket, DependsOn: A}\n", NULL);
    assert_order_fails(&e, "circular dependency: A -> B -> C -> A");
    env_close(&e);
    env_must(&e, "Resources:\n  A: {Type: AWS::S3::Bucket, Properties: {P: !Sub '${A}'}}\n",
             NULL);
    assert_order_fails(&e, "circular dependency: A -> A");
    env_close(&e);
    env_must(&e, "Resources:\n  A: {Type: AWS::S3::Bucket, DependsOn: [Nope]}\n", NULL);
    assert_order_fails(&e, "Resources.A.DependsOn: DependsOn names unknown resource 'Nope'");
    env_close(&e);
    env_must(&e, "Resources:\n  A: {Type: AWS::S3::Bucket, Properties: {P: !GetAtt Nope.Arn}}\n",
             NULL);
    assert_order_fails(&e, "Resources.A.Properties.P: Fn::GetAtt names unknown resource 'Nope'");
    env_close(&e);
}

/* ---- the example stacks ------------------------------------------------ */

/* What a provider would report as resource id's physical id, from its
** evaluated properties p. */
static const char *physical_id(const char *type, const json_t *p)
{
    if (!strcmp(type, "AWS::S3::Bucket"))
        return json_string_value(at(p, "BucketName"));
    if (!strcmp(type, "AWS::IAM::Role"))
        return json_string_value(at(p, "RoleName"));
    if (!strcmp(type, "AWS::Glue::Database"))
        return json_string_value(at(p, "DatabaseInput.Name"));
    return json_string_value(at(p, "Name"));
}

/* "Create" resource id: record its physical id and Arn in the world. */
static void create(world *w, const json_t *tpl, const char *id, const json_t *p)
{
    const char *type = json_string_value(json_object_get(
        json_object_get(json_object_get(tpl, "Resources"), id), "Type"));
    const char *name = physical_id(type, p);
    assert_non_null(name);
    json_object_set_new(w->phys, id, json_string(name));
    char key[300];
    snprintf(key, sizeof key, "%s.Arn", id);
    if (!strcmp(type, "AWS::S3::Bucket"))
        json_object_set_new(w->attrs, key, json_sprintf("arn:aws:s3:::%s", name));
    else if (!strcmp(type, "AWS::IAM::Role"))
        json_object_set_new(w->attrs, key,
                            json_sprintf("arn:aws:iam::123456789012:role/%s", name));
}

/* Deploy example stack name: load it with its parameter file (and
** overrides), create its resources in order, publish its exports in
** w->exports. Returns the evaluated properties by logical id; *order gets
** the creation order as "A,B,...". */
static json_t *deploy(world *w, const char *name, const char *over, char **order)
{
    char *tpl_path = tarn_xasprintf("%s/examples/etl-poc/cloudformation/%s.yml",
                                    TARN_SOURCE_DIR, name);
    char *par_path = tarn_xasprintf("%s/examples/etl-poc/cloudformation/%s.json",
                                    TARN_SOURCE_DIR, name);
    tarn_error err = {0};
    json_t *tpl = NULL, *params = NULL, *conds = NULL, *ov = over ? json_loads(over, 0, NULL)
                                                                  : NULL;
    if (tarn_template_load(tpl_path, &tpl, &err) ||
        tarn_stack_params_resolve(tpl, tpl_path, par_path, ov, &params, &err))
        fail_msg("%s", err.msg);
    json_object_clear(w->phys);
    json_object_clear(w->attrs);
    tarn_eval_ctx ctx = {.tpl = tpl, .params = params, .stack_name = name, .ref = w_ref,
                         .getatt = w_getatt, .import = w_import, .cb_arg = w};
    if (tarn_stack_conditions_eval(&ctx, &conds, &err))
        fail_msg("%s", err.msg);
    ctx.conditions = conds;
    char **ids = NULL;
    size_t n = 0;
    if (tarn_stack_order(&ctx, &ids, &n, &err))
        fail_msg("%s", err.msg);
    json_t *all = json_object(), *p = NULL, *outs = NULL, *o;
    tarn_buf ob;
    tarn_buf_init(&ob, 0);
    for (size_t i = 0; i < n; i++) {
        /* fails if a reference is to a resource not created yet */
        if (tarn_stack_eval_resource(&ctx, ids[i], &p, &err))
            fail_msg("%s", err.msg);
        create(w, tpl, ids[i], p);
        json_object_set_new(all, ids[i], p);
        tarn_buf_appendf(&ob, "%s%s", i ? "," : "", ids[i]);
    }
    if (tarn_stack_eval_outputs(&ctx, &outs, &err))
        fail_msg("%s", err.msg);
    const char *k;
    json_object_foreach(outs, k, o) if (json_object_get(o, "ExportName"))
        json_object_set(w->exports, json_string_value(json_object_get(o, "ExportName")),
                        json_object_get(o, "Value"));
    *order = ob.data;
    tarn_stack_order_free(ids, n);
    json_decref(outs);
    json_decref(ov);
    json_decref(conds);
    json_decref(params);
    json_decref(tpl);
    free(tpl_path);
    free(par_path);
    return all;
}

/* True if w asked for export name. */
static bool was_imported(const world *w, const char *name)
{
    size_t i;
    json_t *x;
    json_array_foreach(w->imported, i, x) if (!strcmp(json_string_value(x), name))
        return true;
    return false;
}

static void check_basic_infra(world *w)
{
    char *order;
    json_t *r = deploy(w, "basic-infra", NULL, &order);
    assert_string_equal(order, "ArtifactsBucket,AthenaQueriesBucket,RawBucket,SilverBucket,"
                               "GoldBucket,AthenaWorkGroup");
    assert_str_at(r, "ArtifactsBucket.BucketName", "etl-poc-artifacts");
    assert_str_at(r, "AthenaQueriesBucket.BucketName", "etl-poc-athena-queries");
    assert_str_at(r, "RawBucket.BucketName", "etl-poc-data-raw");
    assert_str_at(r, "SilverBucket.BucketName", "etl-poc-data-silver");
    assert_str_at(r, "GoldBucket.BucketName", "etl-poc-data-gold");
    assert_str_at(r, "AthenaWorkGroup.WorkGroupConfiguration.ResultConfiguration.OutputLocation",
                  "s3://etl-poc-athena-queries/results/");
    assert_str_at(r, "AthenaWorkGroup.WorkGroupConfiguration.BytesScannedCutoffPerQuery",
                  "1073741824");
    assert_str_at(w->exports, "basic-infra-RawBucketName", "etl-poc-data-raw");
    assert_str_at(w->exports, "basic-infra-GoldBucketArn", "arn:aws:s3:::etl-poc-data-gold");
    assert_str_at(w->exports, "basic-infra-AthenaWorkGroupName", "etl-poc-workgroup");
    json_decref(r);
    free(order);
}

static void check_glue_jobs(world *w)
{
    char *order;
    json_t *r = deploy(w, "glue-jobs", NULL, &order);
    assert_string_equal(order, "GluePythonJobRole,GlueSparkJobRole,ExtractJob,CleanJob,"
                               "RepartitionJob");
    assert_str_at(r, "GluePythonJobRole.AssumeRolePolicyDocument.Statement[0].Principal."
                     "Service[0]", "glue.amazonaws.com");
    assert_str_at(r, "GlueSparkJobRole.ManagedPolicyArns[0]",
                  "arn:aws:iam::aws:policy/service-role/AWSGlueServiceRole");
    assert_str_at(r, "GluePythonJobRole.Policies[0].PolicyDocument.Statement[1].Resource[0]",
                  "arn:aws:s3:::etl-poc-data-raw/*");
    assert_str_at(r, "GlueSparkJobRole.Policies[0].PolicyDocument.Statement[1].Resource[2]",
                  "arn:aws:s3:::etl-poc-data-gold/*");
    assert_str_at(r, "ExtractJob.Command.Name", "tarn.extract");
    assert_str_at(r, "ExtractJob.Role", "arn:aws:iam::123456789012:role/GluePythonJobRole");
    assert_str_at(r, "ExtractJob.DefaultArguments.--source_url",
                  "https://covid19.who.int/WHO-COVID-19-global-data.csv");
    assert_str_at(r, "ExtractJob.DefaultArguments.--target_path",
                  "s3://etl-poc-data-raw/who_covid/");
    assert_str_at(r, "ExtractJob.Timeout", "60");
    assert_str_at(r, "CleanJob.Command.Name", "tarn.clean");
    assert_str_at(r, "CleanJob.DefaultArguments.--source_path", "s3://etl-poc-data-raw/who_covid/");
    assert_str_at(r, "CleanJob.DefaultArguments.--target_path",
                  "s3://etl-poc-data-silver/who_covid/");
    assert_str_at(r, "RepartitionJob.Command.Name", "tarn.repartition");
    assert_str_at(r, "RepartitionJob.DefaultArguments.--partition_keys", "country");
    assert_str_at(r, "RepartitionJob.DefaultArguments.--target_path",
                  "s3://etl-poc-data-gold/who_covid/");
    assert_true(was_imported(w, "basic-infra-SilverBucketArn"));
    assert_str_at(w->exports, "glue-jobs-ExtractJobName", "etl-poc-extract");
    json_decref(r);
    free(order);
}

static void check_glue_catalog(world *w)
{
    char *order;
    json_t *r = deploy(w, "glue-catalog", NULL, &order);
    assert_string_equal(order, "CrawlerRole,GlueDatabase,RawCrawler,SilverCrawler,GoldCrawler");
    assert_str_at(r, "GlueDatabase.CatalogId", "123456789012");
    assert_str_at(r, "GlueDatabase.DatabaseInput.Name", "etl_poc");
    assert_str_at(r, "CrawlerRole.RoleName", "CrawlerRole");
    assert_str_at(r, "CrawlerRole.Policies[0].PolicyDocument.Statement[1].Resource[1]",
                  "arn:aws:s3:::etl-poc-data-silver/*");
    assert_str_at(r, "RawCrawler.Role", "arn:aws:iam::123456789012:role/CrawlerRole");
    assert_str_at(r, "RawCrawler.DatabaseName", "etl_poc");
    assert_str_at(r, "RawCrawler.Targets.S3Targets[0].Path", "s3://etl-poc-data-raw/who_covid/");
    assert_str_at(r, "SilverCrawler.Targets.S3Targets[0].Path",
                  "s3://etl-poc-data-silver/who_covid/");
    assert_str_at(r, "GoldCrawler.Targets.S3Targets[0].Path", "s3://etl-poc-data-gold/who_covid/");
    assert_str_at(r, "GoldCrawler.SchemaChangePolicy.UpdateBehavior", "UPDATE_IN_DATABASE");
    assert_str_at(w->exports, "glue-catalog-RawCrawlerName", "etl-poc-raw-crawler");
    json_decref(r);
    free(order);
}

static void check_glue_workflow(world *w)
{
    char *order;
    json_t *r = deploy(w, "glue-workflow", NULL, &order);
    assert_string_equal(order, "EtlWorkflow,StartTrigger,AfterExtractTrigger,AfterCleanTrigger,"
                               "AfterRepartitionTrigger");
    assert_str_at(r, "EtlWorkflow.Name", "etl-workflow");
    assert_str_at(r, "StartTrigger.Type", "ON_DEMAND");
    assert_str_at(r, "StartTrigger.WorkflowName", "etl-workflow");
    assert_str_at(r, "StartTrigger.Actions[0].JobName", "etl-poc-extract");
    assert_str_at(r, "AfterExtractTrigger.Type", "CONDITIONAL");
    assert_str_at(r, "AfterExtractTrigger.Predicate.Conditions[0].JobName", "etl-poc-extract");
    assert_str_at(r, "AfterExtractTrigger.Predicate.Conditions[0].State", "SUCCEEDED");
    assert_str_at(r, "AfterExtractTrigger.Actions[0].CrawlerName", "etl-poc-raw-crawler");
    assert_str_at(r, "AfterExtractTrigger.Actions[1].JobName", "etl-poc-clean");
    assert_str_at(r, "AfterCleanTrigger.Predicate.Conditions[0].JobName", "etl-poc-clean");
    assert_str_at(r, "AfterCleanTrigger.Actions[0].CrawlerName", "etl-poc-silver-crawler");
    assert_str_at(r, "AfterCleanTrigger.Actions[1].JobName", "etl-poc-repartition");
    assert_str_at(r, "AfterRepartitionTrigger.Predicate.Conditions[0].JobName",
                  "etl-poc-repartition");
    assert_str_at(r, "AfterRepartitionTrigger.Actions[0].CrawlerName", "etl-poc-gold-crawler");
    assert_true(json_is_true(at(r, "AfterCleanTrigger.StartOnCreation")));
    assert_true(was_imported(w, "glue-jobs-RepartitionJobName"));
    assert_true(was_imported(w, "glue-catalog-GoldCrawlerName"));
    json_decref(r);
    free(order);
}

static void test_example_pipeline(void **state)
{
    world w;
    world_init(&w);
    check_basic_infra(&w);
    check_glue_jobs(&w);
    check_glue_catalog(&w);
    check_glue_workflow(&w);
    world_free(&w);
}

static void test_example_overrides(void **state)
{
    world w;
    world_init(&w);
    char *order;
    json_t *r = deploy(&w, "basic-infra", "{\"QueryBytesCutoff\": \"0\", "
                                          "\"ProjectName\": \"acme\"}", &order);
    assert_null(at(r, "AthenaWorkGroup.WorkGroupConfiguration.BytesScannedCutoffPerQuery"));
    assert_str_at(r, "RawBucket.BucketName", "acme-data-raw");
    json_decref(r);
    free(order);
    /* without its parameter file, glue-jobs lacks a value for SourceUrl */
    json_t *tpl = NULL, *params = NULL;
    tarn_error err = {0};
    char *path = tarn_xasprintf("%s/examples/etl-poc/cloudformation/glue-jobs.yml",
                                TARN_SOURCE_DIR);
    assert_int_equal(tarn_template_load(path, &tpl, &err), TARN_OK);
    assert_int_equal(tarn_stack_params_resolve(tpl, path, NULL, NULL, &params, &err),
                     TARN_ERR_INVALID); /* SourceUrl has no default */
    assert_non_null(strstr(err.msg, "'SourceUrl'"));
    json_decref(tpl);
    free(path);
    world_free(&w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ref_and_pseudo),
        cmocka_unit_test(test_sub),
        cmocka_unit_test(test_sub_errors),
        cmocka_unit_test(test_getatt),
        cmocka_unit_test(test_lists_and_strings),
        cmocka_unit_test(test_conditions),
        cmocka_unit_test(test_outputs),
        cmocka_unit_test(test_condition_errors),
        cmocka_unit_test(test_findinmap),
        cmocka_unit_test(test_import),
        cmocka_unit_test(test_unknown_names),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_order),
        cmocka_unit_test(test_order_conditions),
        cmocka_unit_test(test_order_errors),
        cmocka_unit_test(test_example_pipeline),
        cmocka_unit_test(test_example_overrides),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
