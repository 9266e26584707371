/*
** test_stack_deploy.c: deploying stacks (stack/deploy.c, changeset.c,
** delete.c and the providers) against a temporary home: property kinds
** converted as CloudFormation does, generated names, Ref and GetAtt of each
** type, NoEcho parameters in describe, change sets (Add / Modify with and
** without replacement / Remove), BucketAlreadyExists rolled back, the
** trigger and crawler checks, exports that another stack imports, and
** the rows the providers write for flow/ and query/.
*/
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_util.h"
#include "catalog/catalog.h"
#include "stack/stack.h"
#include "store/store.h"

typedef struct fixture {
    char home[64];
    tarn_store *st;
    tarn_catalog *cat;
    json_t *changes;  /* what on_changes reported last: ["Add Id Type phys"] */
    json_t *events;   /* "Id STATUS" of every event */
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    snprintf(f->home, sizeof f->home, "/tmp/tarn-stack-XXXXXX");
    tarn_error err = {0};
    if (!mkdtemp(f->home) || tarn_store_open(&f->st, f->home, &err) ||
        tarn_catalog_open(f->home, &f->cat, &err))
        return -1;
    f->changes = json_array();
    f->events = json_array();
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    tarn_catalog_close(f->cat);
    tarn_store_close(f->st);
    test_rmtree(f->home);
    json_decref(f->changes);
    json_decref(f->events);
    free(f);
    return 0;
}

static void on_changes(void *ud, bool update, const tarn_stack_change *c, size_t n)
{
    fixture *f = ud;
    (void)update;
    json_array_clear(f->changes);
    for (size_t i = 0; i < n; i++) {
        char *s = tarn_xasprintf("%s %s %s %s%s", tarn_stack_action_name(c[i].action),
                                 c[i].logical_id, c[i].type, c[i].physical_id,
                                 c[i].replacement ? " replace" : "");
        json_array_append_new(f->changes, json_string(s));
        free(s);
    }
}

static void on_event(void *ud, const tarn_stack_event *ev)
{
    fixture *f = ud;
    char *s = tarn_xasprintf("%s %s", ev->logical_id, ev->status);
    json_array_append_new(f->events, json_string(s));
    free(s);
}

/* Deploy text as stack name with overrides "K=V" (NULL-terminated). */
static int deploy(fixture *f, const char *name, const char *text, const char *const *kv,
                  bool dry, json_t **outputs, tarn_error *err)
{
    char *path = tarn_xasprintf("%s/%s.yml", f->home, name);
    FILE *fp = fopen(path, "w");
    fputs(text, fp);
    fclose(fp);
    json_t *over = json_object();
    for (size_t i = 0; kv && kv[i]; i++) {
        const char *eq = strchr(kv[i], '=');
        char *k = tarn_xstrndup(kv[i], (size_t)(eq - kv[i]));
        json_object_set_new(over, k, json_string(eq + 1));
        free(k);
    }
    tarn_stack_deploy_opts o = {.name = name, .template_path = path, .overrides = over,
                                .dry_run = dry, .on_event = on_event,
                                .on_changes = on_changes, .ud = f};
    memset(err, 0, sizeof *err);
    int rc = tarn_stack_deploy(f->st, f->cat, &o, outputs, err);
    json_decref(over);
    free(path);
    return rc;
}

static const char *change(const fixture *f, size_t i)
{
    return json_string_value(json_array_get(f->changes, i));
}

static const char *out_value(const json_t *outputs, const char *key)
{
    return json_string_value(json_object_get(json_object_get(outputs, key), "Value"));
}

/* One text value from catalog.db. */
static char *sql_text(fixture *f, const char *sql)
{
    sqlite3_stmt *st = NULL;
    char *r = NULL;
    if (sqlite3_prepare_v2(tarn_catalog_db(f->cat), sql, -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
        r = tarn_xstrdup((const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return r;
}

static void assert_sql(fixture *f, const char *sql, const char *want)
{
    char *got = sql_text(f, sql);
    assert_non_null(got);
    assert_string_equal(got, want);
    free(got);
}

static const char job_tpl[] =
    "Parameters:\n"
    "  Secret: {Type: String, NoEcho: true, Default: hunter2}\n"
    "Resources:\n"
    "  Role:\n"
    "    Type: AWS::IAM::Role\n"
    "    Properties:\n"
    "      Path: /svc/\n"
    "      AssumeRolePolicyDocument:\n"
    "        Statement: [{Effect: Allow, Principal: {Service: glue.amazonaws.com},\n"
    "                     Action: sts:AssumeRole}]\n"
    "  Job:\n"
    "    Type: AWS::Glue::Job\n"
    "    Properties:\n"
    "      Role: !GetAtt Role.Arn\n"
    "      Command: {Name: pythonshell, ScriptLocation: s3://b/s.py, PythonVersion: 3.9}\n"
    "      Timeout: \"45\"\n"
    "      MaxCapacity: 0.0625\n"
    "      DefaultArguments: {--n: 5, --flag: true, --x: 1.5, --s: !Ref Secret}\n"
    "  Data:\n"
    "    Type: AWS::S3::Bucket\n"
    "Outputs:\n"
    "  RoleArn: {Value: !GetAtt Role.Arn}\n"
    "  RoleName: {Value: !Ref Role}\n"
    "  RoleId: {Value: !GetAtt Role.RoleId}\n"
    "  Bucket: {Value: !Ref Data}\n"
    "  Domain: {Value: !GetAtt Data.DomainName}\n"
    "  JobName: {Value: !Ref Job}\n";

/* Generated names, Ref and GetAtt, kinds converted as CloudFormation. */
static void test_generated_names_and_attributes(void **state)
{
    fixture *f = *state;
    json_t *outs = NULL;
    tarn_error err;
    assert_int_equal(deploy(f, "My-Stack", job_tpl, NULL, false, &outs, &err), TARN_OK);
    const char *role = out_value(outs, "RoleName"), *bucket = out_value(outs, "Bucket");
    assert_true(strncmp(role, "My-Stack-Role-", 14) == 0 && strlen(role) == 14 + 12);
    assert_true(strncmp(bucket, "my-stack-data-", 14) == 0);
    assert_true(tarn_bucket_exists(f->st, bucket));
    char *arn = tarn_xasprintf("arn:aws:iam::123456789012:role/svc/%s", role);
    assert_string_equal(out_value(outs, "RoleArn"), arn);
    char *domain = tarn_xasprintf("%s.s3.amazonaws.com", bucket);
    assert_string_equal(out_value(outs, "Domain"), domain);
    assert_true(strncmp(out_value(outs, "RoleId"), "AROA", 4) == 0);
    char *sql = tarn_xasprintf("SELECT role || ' ' || timeout_minutes || ' ' || default_args "
                               "FROM jobs WHERE name = '%s'", out_value(outs, "JobName"));
    char *want = tarn_xasprintf("%s 45 {\"--flag\":\"true\",\"--n\":\"5\",\"--s\":\"hunter2\","
                                "\"--x\":\"1.5\"}", arn);
    assert_sql(f, sql, want);
    assert_sql(f, "SELECT stack_name FROM buckets", "My-Stack");
    free(arn), free(domain), free(sql), free(want);
    json_decref(outs);
}

/* NoEcho parameters are masked in describe; events are newest first. */
static void test_describe_noecho(void **state)
{
    fixture *f = *state;
    tarn_error err;
    assert_int_equal(deploy(f, "s1", job_tpl, NULL, false, NULL, &err), TARN_OK);
    json_t *d = NULL;
    assert_int_equal(tarn_stack_describe(f->cat, "s1", &d, &err), TARN_OK);
    json_t *p = json_array_get(json_object_get(d, "Parameters"), 0);
    assert_string_equal(json_string_value(json_object_get(p, "ParameterKey")), "Secret");
    assert_string_equal(json_string_value(json_object_get(p, "ParameterValue")), "****");
    json_t *ev = json_array_get(json_object_get(d, "Events"), 0);
    assert_string_equal(json_string_value(json_object_get(ev, "ResourceStatus")),
                        "CREATE_COMPLETE");
    assert_string_equal(json_string_value(json_object_get(ev, "LogicalResourceId")), "s1");
    assert_int_equal(json_array_size(json_object_get(d, "Resources")), 3);
    json_decref(d);
    assert_int_equal(tarn_stack_describe(f->cat, "nope", &d, &err), TARN_ERR_NOTFOUND);
}

static const char bucket_tpl[] =
    "Parameters:\n"
    "  Name: {Type: String, Default: b-one}\n"
    "  Tag: {Type: String, Default: x}\n"
    "Resources:\n"
    "  B:\n"
    "    Type: AWS::S3::Bucket\n"
    "    Properties: {BucketName: !Ref Name, Tags: [{Key: k, Value: !Ref Tag}]}\n"
    "  W:\n"
    "    Type: AWS::Glue::Workflow\n"
    "    Properties: {Name: wf, DefaultRunProperties: {a: 1}}\n";

/* Modify in place, Modify with replacement (a new name), Add, Remove. */
static void test_change_sets(void **state)
{
    fixture *f = *state;
    tarn_error err;
    assert_int_equal(deploy(f, "s2", bucket_tpl, NULL, false, NULL, &err), TARN_OK);
    assert_string_equal(change(f, 0), "Add B AWS::S3::Bucket b-one");
    const char *tag[] = {"Tag=y", NULL};
    assert_int_equal(deploy(f, "s2", bucket_tpl, tag, false, NULL, &err), TARN_OK);
    assert_int_equal(json_array_size(f->changes), 1);
    assert_string_equal(change(f, 0), "Modify B AWS::S3::Bucket b-one");
    const char *rename[] = {"Tag=y", "Name=b-two", NULL};
    assert_int_equal(deploy(f, "s2", bucket_tpl, rename, true, NULL, &err), TARN_OK);
    assert_string_equal(change(f, 0), "Modify B AWS::S3::Bucket b-one replace");
    assert_true(tarn_bucket_exists(f->st, "b-one") && !tarn_bucket_exists(f->st, "b-two"));
    assert_int_equal(deploy(f, "s2", bucket_tpl, rename, false, NULL, &err), TARN_OK);
    assert_true(!tarn_bucket_exists(f->st, "b-one") && tarn_bucket_exists(f->st, "b-two"));
    assert_sql(f, "SELECT default_run_properties FROM workflows WHERE name = 'wf'",
               "{\"a\":\"1\"}");
    char *only_w = tarn_xasprintf("Resources:\n  W2:\n    Type: AWS::Glue::Workflow\n"
                                  "    Properties: {Name: wf2}\n");
    assert_int_equal(deploy(f, "s2", only_w, NULL, false, NULL, &err), TARN_OK);
    assert_string_equal(change(f, 0), "Add W2 AWS::Glue::Workflow wf2");
    assert_string_equal(change(f, 1), "Remove W AWS::Glue::Workflow wf");
    assert_string_equal(change(f, 2), "Remove B AWS::S3::Bucket b-two");
    assert_false(tarn_bucket_exists(f->st, "b-two"));
    assert_sql(f, "SELECT group_concat(name) FROM workflows", "wf2");
    free(only_w);
}

/* A bucket made by hand is not taken over; the deploy rolls back. */
static void test_bucket_already_exists(void **state)
{
    fixture *f = *state;
    tarn_error err;
    assert_int_equal(tarn_bucket_create(f->st, "b-two", &err), TARN_OK);
    const char *names[] = {"Name=b-two", NULL};
    static const char tpl[] =
        "Parameters:\n  Name: {Type: String}\n"
        "Resources:\n"
        "  W: {Type: AWS::Glue::Workflow, Properties: {Name: wf}}\n"
        "  B: {Type: AWS::S3::Bucket, DependsOn: W, Properties: {BucketName: !Ref Name}}\n";
    assert_int_equal(deploy(f, "s3", tpl, names, false, NULL, &err), TARN_ERR_EXISTS);
    assert_non_null(strstr(err.msg, "resource B (AWS::S3::Bucket) failed: BucketAlreadyExists"));
    assert_null(sql_text(f, "SELECT name FROM workflows"));
    assert_sql(f, "SELECT status FROM stacks WHERE name = 's3'", "ROLLBACK_COMPLETE");
    assert_true(tarn_bucket_exists(f->st, "b-two"));
    /* The same stack deploys once the name is free. */
    const char *other[] = {"Name=b-three", NULL};
    assert_int_equal(deploy(f, "s3", tpl, other, false, NULL, &err), TARN_OK);
    assert_sql(f, "SELECT status FROM stacks WHERE name = 's3'", "CREATE_COMPLETE");
}

/* Each bad trigger is refused before anything is created. */
static void test_trigger_checks(void **state)
{
    fixture *f = *state;
    static const char *const bad[][2] = {
        {"{Type: EVENT, Actions: [{JobName: j}]}", "EVENT triggers"},
        {"{Type: SCHEDULED, Actions: [{JobName: j}]}", "needs Schedule"},
        {"{Type: CONDITIONAL, Actions: [{JobName: j}], Predicate: {Conditions: "
         "[{LogicalOperator: EQUALS, JobName: j, State: RUNNING}]}}", "RUNNING"},
        {"{Type: CONDITIONAL, Actions: [{JobName: j}], Predicate: {Conditions: "
         "[{CrawlerName: c, CrawlState: TIMEOUT}]}}", "TIMEOUT"},
        {"{Type: CONDITIONAL, Actions: [{JobName: j}]}", "needs Predicate.Conditions"},
        {"{Type: ON_DEMAND, Actions: [{}]}", "either a JobName or a CrawlerName"},
        {"{Type: ON_DEMAND, Actions: [{JobName: j}], Predicate: {Logical: OR}}", "AND, ANY"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *tpl = tarn_xasprintf("Resources:\n  B: {Type: AWS::S3::Bucket, Properties: "
                                   "{BucketName: trig-b}}\n  T:\n    Type: AWS::Glue::Trigger\n"
                                   "    Properties: %s\n", bad[i][0]);
        tarn_error err;
        assert_int_not_equal(deploy(f, "t", tpl, NULL, false, NULL, &err), TARN_OK);
        if (!strstr(err.msg, bad[i][1]) || !strstr(err.msg, "resource T (AWS::Glue::Trigger)"))
            fail_msg("case %zu: %s", i, err.msg);
        free(tpl);
    }
    assert_false(tarn_bucket_exists(f->st, "trig-b"));
    assert_null(sql_text(f, "SELECT name FROM stacks"));
}

/* A crawler's database must exist; its schedule and description are kept;
** deleting the database's stack cascades its tables. */
static void test_crawler_and_database(void **state)
{
    fixture *f = *state;
    static const char tpl[] =
        "Resources:\n"
        "  Db: {Type: AWS::Glue::Database, Properties: {CatalogId: !Ref AWS::AccountId,\n"
        "       DatabaseInput: {Name: Sales, Description: d}}}\n"
        "  C:\n"
        "    Type: AWS::Glue::Crawler\n"
        "    Properties:\n"
        "      Name: c1\n      Role: r\n      DatabaseName: !Ref Db\n"
        "      Description: crawl it\n"
        "      Schedule: {ScheduleExpression: cron(0 1 * * ? *)}\n"
        "      Configuration: '{\"Version\":1.0,\"Grouping\":{\"TableGroupingPolicy\":"
        "\"CombineCompatibleSchemas\"}}'\n"
        "      Targets: {S3Targets: [{Path: s3://bkt/p/, Exclusions: ['**.tmp']}]}\n"
        "      SchemaChangePolicy: {UpdateBehavior: LOG, DeleteBehavior: LOG}\n";
    tarn_error err;
    assert_int_equal(deploy(f, "cat", tpl, NULL, false, NULL, &err), TARN_OK);
    assert_sql(f, "SELECT database_name || '|' || description || '|' || schedule FROM crawlers",
               "Sales|crawl it|cron(0 1 * * ? *)");
    tarn_cat_table t = {.database = "sales", .name = "t1", .location = "s3://bkt/p/",
                        .columns = &(tarn_cat_column){"a", "int", NULL}, .ncolumns = 1};
    assert_int_equal(tarn_catalog_table_create(f->cat, &t, &err), TARN_OK);
    assert_int_equal(tarn_stack_delete(f->st, f->cat, "cat", false, NULL, NULL, &err), TARN_OK);
    assert_null(sql_text(f, "SELECT name FROM tables"));
    assert_null(sql_text(f, "SELECT name FROM crawlers"));
    static const char nodb[] =
        "Resources:\n  C:\n    Type: AWS::Glue::Crawler\n    Properties: {Role: r, "
        "DatabaseName: ghost, Targets: {S3Targets: [{Path: s3://bkt/p/}]}}\n";
    assert_int_equal(deploy(f, "cat2", nodb, NULL, false, NULL, &err), TARN_ERR_NOTFOUND);
    assert_non_null(strstr(err.msg, "database 'ghost' does not exist"));
    static const char badpolicy[] =
        "Resources:\n  C:\n    Type: AWS::Glue::Crawler\n    Properties: {Role: r, "
        "DatabaseName: d, Targets: {S3Targets: [{Path: s3://bkt/p/}]}, "
        "SchemaChangePolicy: {DeleteBehavior: SHRED}}\n";
    assert_int_not_equal(deploy(f, "cat3", badpolicy, NULL, false, NULL, &err), TARN_OK);
    assert_non_null(strstr(err.msg, "SHRED"));
}

/* An export another stack imports cannot be dropped by an update, nor its
** stack deleted; once the importer is gone both work. */
static void test_imported_exports(void **state)
{
    fixture *f = *state;
    static const char producer[] =
        "Parameters:\n  Keep: {Type: String, Default: 'yes'}\n"
        "Conditions:\n  K: !Equals [!Ref Keep, 'yes']\n"
        "Resources:\n  W: {Type: AWS::Glue::Workflow, Properties: {Name: pw}}\n"
        "Outputs:\n  O: {Condition: K, Value: !Ref W, Export: {Name: shared-wf}}\n";
    static const char consumer[] =
        "Resources:\n  T:\n    Type: AWS::Glue::Trigger\n    Properties: {Type: ON_DEMAND, "
        "WorkflowName: !ImportValue shared-wf, Actions: [{CrawlerName: none}]}\n";
    tarn_error err;
    assert_int_equal(deploy(f, "prod", producer, NULL, false, NULL, &err), TARN_OK);
    assert_int_equal(deploy(f, "cons", consumer, NULL, false, NULL, &err), TARN_ERR_NOTFOUND);
    assert_non_null(strstr(err.msg, "crawler 'none' does not exist"));
    static const char consumer_ok[] =
        "Resources:\n  T:\n    Type: AWS::Glue::Trigger\n    DependsOn: J\n"
        "    Properties: {Type: ON_DEMAND, WorkflowName: !ImportValue shared-wf, "
        "Actions: [{JobName: j1}]}\n"
        "  J: {Type: AWS::Glue::Job, Properties: {Name: j1, Role: r, Command: {Name: tarn.clean}}}\n";
    assert_int_equal(deploy(f, "cons", consumer_ok, NULL, false, NULL, &err), TARN_OK);
    assert_sql(f, "SELECT workflow_name || ' ' || actions FROM triggers", "pw [{\"JobName\":\"j1\"}]");
    const char *drop[] = {"Keep=no", NULL};
    assert_int_equal(deploy(f, "prod", producer, drop, false, NULL, &err), TARN_ERR_INVALID);
    assert_non_null(strstr(err.msg, "'shared-wf'"));
    assert_non_null(strstr(err.msg, "'cons'"));
    assert_int_equal(tarn_stack_delete(f->st, f->cat, "prod", false, NULL, NULL, &err),
                     TARN_ERR_INVALID);
    assert_non_null(strstr(err.msg, "'cons' (export 'shared-wf')"));
    assert_int_equal(tarn_stack_delete(f->st, f->cat, "cons", false, NULL, NULL, &err), TARN_OK);
    assert_int_equal(deploy(f, "prod", producer, drop, false, NULL, &err), TARN_OK);
    assert_int_equal(tarn_stack_delete(f->st, f->cat, "prod", false, NULL, NULL, &err), TARN_OK);
    json_t *list = NULL;
    assert_int_equal(tarn_stack_list(f->cat, &list, &err), TARN_OK);
    assert_int_equal(json_array_size(list), 0);
    json_decref(list);
}

/* Property kinds and required properties, with the path in the error. */
static void test_property_errors(void **state)
{
    fixture *f = *state;
    static const char *const bad[][2] = {
        {"{Type: AWS::Glue::Job, Properties: {Role: r}}", "required property 'Command'"},
        {"{Type: AWS::Glue::Job, Properties: {Role: r, Command: {Name: tarn.clean}, "
         "Timeout: soon}}", "'Timeout' must be an integer"},
        {"{Type: AWS::Glue::Job, Properties: {Role: r, Command: {Name: pythonshell}}}",
         "ScriptLocation"},
        {"{Type: AWS::Glue::Job, Properties: {Role: r, Command: {Name: tarn.clean}, "
         "DefaultArguments: {--a: [1]}}}", "'DefaultArguments' must be an object of strings"},
        {"{Type: AWS::S3::Bucket, Properties: {BucketName: Bad_Name}}", "Bad_Name"},
        {"{Type: AWS::Athena::WorkGroup, Properties: {Name: w, State: ON}}", "ENABLED"},
        {"{Type: AWS::IAM::Role, Properties: {AssumeRolePolicyDocument: {}, Path: svc}}",
         "Path 'svc'"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *tpl = tarn_xasprintf("Resources:\n  R: %s\n", bad[i][0]);
        tarn_error err;
        assert_int_not_equal(deploy(f, "p", tpl, NULL, false, NULL, &err), TARN_OK);
        if (!strstr(err.msg, bad[i][1]) || !strstr(err.msg, "resource R ("))
            fail_msg("case %zu: %s", i, err.msg);
        free(tpl);
    }
    assert_null(sql_text(f, "SELECT name FROM stacks"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_generated_names_and_attributes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_describe_noecho, setup, teardown),
        cmocka_unit_test_setup_teardown(test_change_sets, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bucket_already_exists, setup, teardown),
        cmocka_unit_test_setup_teardown(test_trigger_checks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_crawler_and_database, setup, teardown),
        cmocka_unit_test_setup_teardown(test_imported_exports, setup, teardown),
        cmocka_unit_test_setup_teardown(test_property_errors, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
