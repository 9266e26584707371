/*
** functions.c: registers the Athena (Trino) functions SQLite lacks on a
** connection (tarn_qfunc_register, query_int.h), and the small helpers the
** functions_*.c files share (dialect_int.h): table registration, Athena
** error reporting, reading text and date arguments. The functions
** themselves are in functions_date.c, functions_string.c,
** functions_regexp.c, functions_math.c, functions_agg.c,
** functions_json.c and functions_cast.c.
*/
#include "query/dialect_int.h"
#include "query/query_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

/* What a table-registered function gets as user data: its own pointer and
** whether it is the __tarn_try_ variant (errors give NULL). */
typedef struct qfunc_ud {
    const void *data;
    bool try_;
} qfunc_ud;

int tarn_qfunc_register_table(sqlite3 *db, const tarn_qfunc_def *defs, size_t n, bool volatile_)
{
    int flags = SQLITE_UTF8 | (volatile_ ? 0 : SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS);
    for (size_t i = 0; i < n; i++) {
        for (int t = 0; t < 2; t++) {
            char name[96];
            qfunc_ud *ud = malloc(sizeof *ud);
            if (!ud)
                return SQLITE_NOMEM;
            *ud = (qfunc_ud){defs[i].data, t == 1};
            snprintf(name, sizeof name, "%s%s", t ? "__tarn_try_" : "", defs[i].name);
            /* on failure SQLite calls free(ud) itself */
            int rc = sqlite3_create_function_v2(db, name, defs[i].nargs, flags, ud, defs[i].fn,
                                                NULL, NULL, free);
            if (rc != SQLITE_OK)
                return rc;
        }
    }
    return SQLITE_OK;
}

const void *tarn_qfunc_data(sqlite3_context *ctx)
{
    const qfunc_ud *ud = sqlite3_user_data(ctx);
    return ud->data;
}

void tarn_qfunc_verror(sqlite3_context *ctx, bool null_instead, const char *code, const char *fmt,
                       va_list ap)
{
    if (null_instead) {
        sqlite3_result_null(ctx);
        return;
    }
    char msg[600];
    int n = snprintf(msg, sizeof msg, "%s: ", code);
    vsnprintf(msg + n, sizeof msg - (size_t)n, fmt, ap);
    sqlite3_result_error(ctx, msg, -1);
}

void tarn_qfunc_error(sqlite3_context *ctx, const char *code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    tarn_qfunc_verror(ctx, false, code, fmt, ap);
    va_end(ap);
}

void tarn_qfunc_fail(sqlite3_context *ctx, const char *code, const char *fmt, ...)
{
    const qfunc_ud *ud = sqlite3_user_data(ctx);
    va_list ap;
    va_start(ap, fmt);
    tarn_qfunc_verror(ctx, ud->try_, code, fmt, ap);
    va_end(ap);
}

const char *tarn_qfunc_text(sqlite3_value *v, int *n)
{
    const char *s = (const char *)sqlite3_value_text(v);
    *n = s ? sqlite3_value_bytes(v) : 0;
    return s;
}

int tarn_qfunc_time_arg(sqlite3_context *ctx, sqlite3_value *v, const char *fname,
                        int64_t *us, bool *has_time)
{
    if (sqlite3_value_type(v) == SQLITE_NULL)
        return 0;
    int n;
    const char *s = tarn_qfunc_text(v, &n);
    if (sqlite3_value_type(v) == SQLITE_TEXT && s && tarn_qtime_parse(s, (size_t)n, us, has_time))
        return 1;
    tarn_qfunc_fail(ctx, "INVALID_FUNCTION_ARGUMENT",
                     "%s() expects a date or timestamp, got '%.100s'", fname, s ? s : "");
    return -1;
}

int tarn_qfunc_register(sqlite3 *db, tarn_error *err)
{
    static const struct {
        const char *what;
        int (*fn)(sqlite3 *);
    } parts[] = {
        {"date", tarn_qfunc_register_date},     {"string", tarn_qfunc_register_string},
        {"regexp", tarn_qfunc_register_regexp}, {"math", tarn_qfunc_register_math},
        {"aggregate", tarn_qfunc_register_agg}, {"cast", tarn_qfunc_register_cast},
        {"json", tarn_qfunc_register_json},     {"text", tarn_qfunc_register_text},
    };
    /* Athena's "x" is always an identifier: SQLite must not fall back to a
    ** string when no column x exists (COLUMN_NOT_FOUND instead). */
    sqlite3_db_config(db, SQLITE_DBCONFIG_DQS_DML, 0, (int *)NULL);
    /* Trino's LIKE tells 'a' from 'A'; SQLite's does not by default. */
    if (sqlite3_exec(db, "PRAGMA case_sensitive_like = ON", NULL, NULL, NULL) != SQLITE_OK)
        return tarn_error_set(err, TARN_ERR_INTERNAL, "making LIKE case-sensitive: %s",
                              sqlite3_errmsg(db));
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        int rc = parts[i].fn(db);
        if (rc != SQLITE_OK)
            return tarn_error_set(err, rc == SQLITE_NOMEM ? TARN_ERR_NOMEM : TARN_ERR_INTERNAL,
                                  "registering the Athena %s functions: %s", parts[i].what,
                                  sqlite3_errstr(rc));
    }
    return TARN_OK;
}

bool tarn_qfunc_any_null(int argc, sqlite3_value **argv)
{
    for (int i = 0; i < argc; i++)
        if (sqlite3_value_type(argv[i]) == SQLITE_NULL)
            return true;
    return false;
}
