/*
** engine.c: the query engine's entry points (query.h): open, close, and
** running one statement as an execution: the workgroup's checks, the
** states QUEUED -> RUNNING -> SUCCEEDED | FAILED | CANCELLED recorded in
** the catalog (execution.c), the statement itself (statements*.c,
** sqlrun.c), and its result published to the output location (results.c).
*/
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "query/engine_int.h"

void tarn_query_options_init(tarn_query_options *o)
{
    memset(o, 0, sizeof *o);
}

int tarn_query_open(tarn_store *store, tarn_catalog *cat, tarn_query **out, tarn_error *err)
{
    (void)err;
    tarn_query *q = tarn_xcalloc(1, sizeof *q);
    q->store = store;
    q->cat = cat;
    *out = q;
    return TARN_OK;
}

void tarn_query_close(tarn_query *q)
{
    free(q);
}

int qrun_fail(qrun *r, size_t off, int code, const char *athena_code, const char *fmt, ...)
{
    char msg[TARN_ERROR_MAX / 2];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    int line = 1, col = 1;
    tarn_qtext_position(r->sql, off, &line, &col);
    r->category = TARN_QERR_USER;
    r->type = TARN_QERRTYPE_USER;
    return tarn_error_set(r->err, code, "%s: line %d:%d: %s", athena_code, line, col, msg);
}

/* The statement without trailing blanks and ';' (offsets kept). */
static char *trim_statement(const char *sql)
{
    size_t n = strlen(sql);
    while (n > 0 && (sql[n - 1] == ';' || sql[n - 1] == ' ' || sql[n - 1] == '\t' ||
                     sql[n - 1] == '\n' || sql[n - 1] == '\r'))
        n--;
    return tarn_xstrndup(sql, n);
}

/* Fill ex for a new execution of sql in workgroup wg. */
static int exec_begin(tarn_query *q, const char *sql, const tarn_query_options *o,
                      const qstmt *kind, tarn_qexec *ex, tarn_error *err)
{
    memset(ex, 0, sizeof *ex);
    int rc = qexec_new_id(ex->id, err);
    if (rc)
        return rc;
    ex->query = trim_statement(sql);
    ex->workgroup = tarn_xstrdup(o->workgroup ? o->workgroup : TARN_QUERY_PRIMARY);
    ex->database = tarn_xstrdup(o->database ? o->database : TARN_QUERY_DEFAULT_DATABASE);
    for (char *p = ex->database; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    ex->catalog = tarn_xstrdup("AwsDataCatalog");
    ex->statement_type = tarn_xstrdup(kind->statement_type);
    ex->state = TARN_QSTATE_QUEUED;
    ex->rows_returned = -1;
    ex->execution_ms = -1;
    ex->submitted_on = tarn_catalog_now_ms();
    return qexec_insert(q->cat, ex, err);
}

/* Record the end of an execution: state, reason, times. */
static int exec_end(tarn_query *q, tarn_qexec *ex, tarn_qstate state, const tarn_error *why,
                    int category, int type, int64_t started, tarn_error *err)
{
    ex->state = state;
    if (state != TARN_QSTATE_SUCCEEDED) {
        free(ex->state_reason);
        ex->state_reason = tarn_xstrdup(why->msg);
        ex->error_category = state == TARN_QSTATE_FAILED ? category : 0;
        ex->error_type = state == TARN_QSTATE_FAILED ? type : 0;
    }
    ex->completed_on = tarn_catalog_now_ms();
    ex->execution_ms = started ? ex->completed_on - started : 0;
    return qexec_update(q->cat, ex, err);
}

/* Where this statement's result goes; FAILED reasons as Athena words them. */
static int output_location(tarn_query *q, const tarn_qworkgroup *wg,
                           const tarn_query_options *o, const char **out, tarn_error *err)
{
    *out = !wg->enforce && o->output_location ? o->output_location : wg->output_location;
    if (!*out)
        return tarn_error_set(err, TARN_ERR_INVALID,
                              "INVALID_REQUEST: No output location provided. An output location "
                              "is required either through the Workgroup result configuration "
                              "setting or as an API input (workgroup %s has none)",
                              wg->name);
    tarn_uri u;
    int rc = tarn_uri_parse(*out, &u, err);
    if (rc || tarn_bucket_exists(q->store, u.bucket))
        return rc;
    if (strcmp(u.bucket, TARN_QUERY_DEFAULT_BUCKET) == 0)
        return tarn_bucket_create(q->store, u.bucket, err);
    return tarn_error_set(err, TARN_ERR_NOTFOUND,
                          "INVALID_REQUEST: Unable to verify/create output bucket %s (create it "
                          "with `tarn s3 mb s3://%s`)",
                          u.bucket, u.bucket);
}

/* Run the statement and publish its result; r->ex->state says how it
** ended when this fails (RUNNING means FAILED). */
static int run_statement(qrun *r, const qstmt *kind, const char *location,
                         const tarn_query_sink *sink, tarn_error *err)
{
    qresult res;
    int rc = qresult_begin(&res, r->q->store, kind->text, sink, err);
    if (rc) {
        r->category = TARN_QERR_SYSTEM;
        r->type = TARN_QERRTYPE_RESULT_WRITE;
        return rc;
    }
    r->res = &res;
    r->output_location = location;
    rc = kind->run(r, err);
    if (!rc && r->cancel && *r->cancel) {
        r->ex->state = TARN_QSTATE_CANCELLED;
        rc = tarn_error_set(err, TARN_ERR_LIMIT, "Query cancelled by user");
    }
    if (!rc) {
        char *uri = NULL;
        rc = qresult_publish(&res, r->q->store, location, r->ex->id, kind->statement_type, &uri,
                             err);
        if (rc) {
            r->category = TARN_QERR_SYSTEM;
            r->type = TARN_QERRTYPE_RESULT_WRITE;
        } else {
            r->ex->output_location = uri;
            r->ex->rows_returned = res.rows;
        }
    }
    r->res = NULL;
    qresult_free(&res);
    return rc;
}

/* Run an execution recorded as QUEUED in workgroup wg to its end state and
** record it; TARN_OK once the end is recorded (err then holds a failure's
** reason), else the catalog's error. */
static int execute_recorded(tarn_query *q, const tarn_qworkgroup *wg,
                            const tarn_query_options *o, const qstmt *kind,
                            const tarn_query_sink *sink, tarn_qexec *ex, tarn_error *err)
{
    tarn_error why = {0};
    tarn_qscan_ctx ctx = {.store = q->store, .cat = q->cat, .bytes_cutoff = wg->bytes_cutoff,
                          .cancel = o->cancel};
    tarn_buf_init(&ctx.explain_log, 1 << 20);
    qrun r = {.q = q, .sql = ex->query, .database = ex->database, .ex = ex, .ctx = &ctx,
              .cancel = o->cancel, .err = &why, .category = TARN_QERR_USER,
              .type = TARN_QERRTYPE_USER};
    int64_t started = 0;
    const char *location = NULL;
    int rc = wg->enabled ? output_location(q, wg, o, &location, &why)
                         : tarn_error_set(&why, TARN_ERR_ACCESS,
                                          "INVALID_REQUEST: WorkGroup %s is disabled", wg->name);
    if (!rc) {
        ex->state = TARN_QSTATE_RUNNING;
        started = tarn_catalog_now_ms();
        rc = qexec_update(q->cat, ex, err);
        if (rc) {
            tarn_buf_free(&ctx.explain_log);
            return rc;
        }
        rc = run_statement(&r, kind, location, sink, &why);
    }
    ex->bytes_scanned = ctx.bytes_scanned;
    tarn_buf_free(&ctx.explain_log);
    tarn_qstate end = rc == 0 ? TARN_QSTATE_SUCCEEDED
                      : ex->state == TARN_QSTATE_CANCELLED ? TARN_QSTATE_CANCELLED
                                                           : TARN_QSTATE_FAILED;
    int frc = exec_end(q, ex, end, &why, r.category, r.type, started, err);
    if (rc && !frc)
        *err = why;
    return frc;
}

int tarn_query_execute(tarn_query *q, const char *sql, const tarn_query_options *o,
                       const tarn_query_sink *sink, tarn_qexec *ex, tarn_error *err)
{
    tarn_query_options defaults;
    if (!o) {
        tarn_query_options_init(&defaults);
        o = &defaults;
    }
    memset(ex, 0, sizeof *ex);
    tarn_qworkgroup wg;
    int rc = tarn_query_workgroup_get(q, o->workgroup ? o->workgroup : TARN_QUERY_PRIMARY, &wg,
                                      err);
    if (rc)
        return rc;
    const qstmt *kind = qstmt_classify(sql);
    rc = exec_begin(q, sql, o, kind, ex, err);
    if (!rc)
        rc = execute_recorded(q, &wg, o, kind, sink, ex, err);
    if (rc)
        tarn_qexec_free(ex);
    tarn_qworkgroup_free(&wg);
    return rc;
}
