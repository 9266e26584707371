/*
** cli_query.c: `tarn query`: Athena SQL over the catalog (query.h).
**
**   tarn query [--database DB] [--workgroup WG] [--format table|csv|json] "SQL"
**   tarn query [OPTIONS] -            statements from stdin (also with no SQL)
**   tarn query shell [--database DB] [--workgroup WG]
**   tarn query history [--workgroup WG] [--limit N] [--json]
**   tarn query get ID [--json]
**   tarn query results ID
**
** Rows go to stdout: a boxed table on a terminal (table_print.h), else CSV
** quoted as Athena's result files, or JSON lines with --format json; the
** row count and the figures (time, bytes scanned, result location) go to
** stderr. Ctrl-C during a statement cancels it (CANCELLED). A FAILED or
** CANCELLED statement prints its reason on stderr and exits 1.
*/
#include "cli/cli.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <editline/readline.h>

#include "cli/table_print.h"
#include "query/query.h"

/* What a verb was given. */
typedef struct query_cmd {
    const char *database;
    const char *workgroup;
    const char *format;     /* table, csv, json; NULL = by terminal */
    const char *sql;        /* NULL or "-": stdin */
    const char *id;         /* get, results */
    int64_t limit;          /* history: rows; 0 = 100 */
    bool json;
} query_cmd;

/* Everything a running command shares. */
typedef struct query_session {
    const tarn_cli *cli;
    tarn_query *q;
    query_cmd *cmd;
    char *database;         /* current (the shell's .database changes it) */
    bool timer;             /* print the figures after each statement */
    bool table;             /* print rows as a grid */
    bool json;              /* print rows as JSON lines */
} query_session;

static void query_usage(FILE *f)
{
    fprintf(f,
            "usage: tarn query [--database DB] [--workgroup WG] [--format table|csv|json] SQL\n"
            "       tarn query [OPTIONS] -        read statements from stdin (split on ';')\n"
            "       tarn query shell [--database DB] [--workgroup WG]\n"
            "       tarn query history [--workgroup WG] [--limit N] [--json]\n"
            "       tarn query get ID [--json]\n"
            "       tarn query results ID\n\n"
            "Each statement is a query execution in a workgroup (default primary, whose\n"
            "results go to s3://tarn-athena-results/): SELECT, SHOW DATABASES|TABLES|\n"
            "COLUMNS|PARTITIONS|CREATE TABLE, DESCRIBE, MSCK REPAIR TABLE, CREATE|DROP\n"
            "DATABASE|VIEW, DROP TABLE, CREATE TABLE ... AS SELECT, EXPLAIN.\n"
            "Exit status: 0 ok, 1 a statement FAILED or was CANCELLED, 2 usage error.\n");
}

/* ---- option parsing ---- */

/* Parse argv (after the verb) into cmd; positional arguments into
** pos[0..npos). Returns -1 to go on, else an exit code. */
static int parse_args(query_cmd *cmd, int argc, char **argv, const char **pos, int npos,
                      const char *verb)
{
    int got = 0;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        const char *name = a + 2, *eq = strchr(a, '=');
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            query_usage(stdout);
            return TARN_EXIT_OK;
        }
        if (strncmp(a, "--", 2) != 0 || a[2] == 0) {
            if (got >= npos)
                return tarn_cli_usage_error("query %s: unexpected argument '%s'", verb, a);
            pos[got++] = a;
            continue;
        }
        size_t n = eq ? (size_t)(eq - name) : strlen(name);
        if (n == 4 && strncmp(name, "json", 4) == 0 && !eq) {
            cmd->json = true;
            continue;
        }
        const char *v = eq ? eq + 1 : (i + 1 < argc ? argv[++i] : NULL);
        if (!v)
            return tarn_cli_usage_error("query %s: %s needs a value", verb, a);
        if (n == 8 && strncmp(name, "database", n) == 0)
            cmd->database = v;
        else if (n == 9 && strncmp(name, "workgroup", n) == 0)
            cmd->workgroup = v;
        else if (n == 6 && strncmp(name, "format", n) == 0 &&
                 (!strcmp(v, "table") || !strcmp(v, "csv") || !strcmp(v, "json")))
            cmd->format = v;
        else if (n == 5 && strncmp(name, "limit", n) == 0 && atoll(v) > 0)
            cmd->limit = atoll(v);
        else
            return tarn_cli_usage_error("query %s: bad option '%.*s' or value '%s'", verb,
                                        (int)(n + 2), a, v);
    }
    return -1;
}

/* ---- printing rows ---- */

typedef struct row_printer {
    query_session *s;
    tarn_grid grid;
    bool grid_open;
    char **names;
    bool *numeric;          /* printed bare in JSON (numbers, booleans) */
    size_t ncols;
} row_printer;

static bool numeric_type(const char *t)
{
    return !strcmp(t, "bigint") || !strcmp(t, "integer") || !strcmp(t, "double") ||
           !strcmp(t, "real") || !strncmp(t, "decimal", 7) || !strcmp(t, "smallint") ||
           !strcmp(t, "tinyint");
}

static int print_columns(void *ud, size_t n, const char *const *names, const char *const *types,
                         tarn_error *err)
{
    (void)err;
    row_printer *p = ud;
    p->ncols = n;
    p->names = tarn_xcalloc(n + 1, sizeof *p->names);
    p->numeric = tarn_xcalloc(n + 1, sizeof *p->numeric);
    for (size_t i = 0; i < n; i++) {
        p->names[i] = tarn_xstrdup(names[i]);
        p->numeric[i] = numeric_type(types[i]) || !strcmp(types[i], "boolean");
    }
    if (p->s->table) {
        tarn_grid_init(&p->grid, (int)n, p->s->cli->tty);
        p->grid_open = true;
        for (size_t i = 0; i < n; i++) {
            tarn_grid_add_str(&p->grid, names[i]);
            p->grid.right[i] = numeric_type(types[i]);
        }
    } else if (!p->s->json && n > 0) {
        for (size_t i = 0; i < n; i++) {
            fputs(i ? ",\"" : "\"", stdout);
            for (const char *c = names[i]; *c; c++)
                fputs(*c == '"' ? "\"\"" : (char[2]){*c, 0}, stdout);
            fputc('"', stdout);
        }
        fputc('\n', stdout);
    }
    return 0;
}

/* One CSV field as in Athena's files. */
static void csv_field(const char *v, size_t n)
{
    if (!v)
        return;
    fputc('"', stdout);
    for (size_t i = 0; i < n; i++) {
        if (v[i] == '"')
            fputc('"', stdout);
        fputc(v[i], stdout);
    }
    fputc('"', stdout);
}

static void json_row(row_printer *p, const char *const *vals, const size_t *lens)
{
    fputc('{', stdout);
    for (size_t i = 0; i < p->ncols; i++) {
        fputs(i ? "," : "", stdout);
        tarn_cli_json_string(stdout, p->names[i]);
        fputc(':', stdout);
        if (!vals[i]) {
            fputs("null", stdout);
        } else if (p->numeric[i]) {
            fwrite(vals[i], 1, lens[i], stdout);
        } else {
            char *s = tarn_xstrndup(vals[i], lens[i]);
            tarn_cli_json_string(stdout, s);
            free(s);
        }
    }
    fputs("}\n", stdout);
}

static int print_row(void *ud, size_t n, const char *const *vals, const size_t *lens,
                     tarn_error *err)
{
    (void)err;
    row_printer *p = ud;
    if (p->s->table) {
        for (size_t i = 0; i < n; i++) {
            if (vals[i])
                tarn_grid_add(&p->grid, vals[i], lens[i]);
            else
                tarn_grid_add_str(&p->grid, "NULL");
        }
    } else if (p->s->json) {
        json_row(p, vals, lens);
    } else {
        for (size_t i = 0; i < n; i++) {
            if (i)
                fputc(',', stdout);
            csv_field(vals[i], lens[i]);
        }
        fputc('\n', stdout);
    }
    return ferror(stdout) ? tarn_error_set(err, TARN_ERR_IO, "writing to stdout") : 0;
}

static void printer_end(row_printer *p, bool ok)
{
    if (p->grid_open) {
        if (ok && p->ncols > 0)
            tarn_grid_print(&p->grid, 1);
        tarn_grid_free(&p->grid);
    }
    for (size_t i = 0; i < p->ncols; i++)
        free(p->names[i]);
    free(p->names);
    free(p->numeric);
    fflush(stdout);
}

/* "1.5 KB" style byte counts. */
static void human_bytes(int64_t b, char *out, size_t n)
{
    static const char *const unit[] = {"B", "KB", "MB", "GB", "TB"};
    double v = (double)b;
    int u = 0;
    while (v >= 1024 && u < 4) {
        v /= 1024;
        u++;
    }
    snprintf(out, n, u ? "%.2f %s" : "%.0f %s", v, unit[u]);
}

static void print_figures(const tarn_qexec *ex)
{
    char scanned[32];
    human_bytes(ex->bytes_scanned, scanned, sizeof scanned);
    fprintf(stderr, "%lld row%s in %.3f s, %s scanned\nresult: %s\nquery id: %s\n",
            (long long)ex->rows_returned, ex->rows_returned == 1 ? "" : "s",
            (double)ex->execution_ms / 1000.0, scanned,
            ex->output_location ? ex->output_location : "-", ex->id);
}

/* ---- running statements ---- */

static volatile sig_atomic_t cancel_flag;

static void on_sigint(int sig)
{
    (void)sig;
    cancel_flag = 1;
}

/* Run one statement and print it; returns an exit code. */
static int run_one(query_session *s, const char *sql)
{
    row_printer p = {.s = s};
    tarn_query_sink sink = {&p, print_columns, print_row};
    tarn_query_options o;
    tarn_query_options_init(&o);
    o.database = s->database;
    o.workgroup = s->cmd->workgroup;
    o.cancel = &cancel_flag;
    cancel_flag = 0;
    struct sigaction sa = {0}, old;
    sa.sa_handler = on_sigint;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old);
    tarn_qexec ex;
    tarn_error err = {0};
    int rc = tarn_query_execute(s->q, sql, &o, &sink, &ex, &err);
    sigaction(SIGINT, &old, NULL);
    if (rc) {
        printer_end(&p, false);
        return tarn_cli_fail(&err);
    }
    bool ok = ex.state == TARN_QSTATE_SUCCEEDED;
    printer_end(&p, ok);
    if (ok && s->timer)
        print_figures(&ex);
    if (!ok)
        fprintf(stderr, "tarn: query %s %s: %s\n", ex.id, tarn_qstate_name(ex.state),
                ex.state_reason ? ex.state_reason : "");
    tarn_qexec_free(&ex);
    return ok ? TARN_EXIT_OK : TARN_EXIT_FAIL;
}

static int run_split_one(void *ud, const char *stmt, size_t len)
{
    char *sql = tarn_xstrndup(stmt, len);
    int rc = run_one(ud, sql);
    free(sql);
    return rc;
}

/* Every statement of text, stopping at the first that fails. */
static int run_text(query_session *s, const char *text)
{
    return tarn_query_split(text, strlen(text), run_split_one, s);
}

static char *read_stdin(void)
{
    tarn_buf b;
    tarn_buf_init(&b, 0);
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, stdin)) > 0)
        tarn_buf_append(&b, chunk, n);
    return b.data ? b.data : tarn_xstrdup("");
}

/* Open the home and the engine around fn. */
static int with_session(const tarn_cli *cli, query_cmd *cmd,
                        int (*fn)(query_session *s, void *arg), void *arg)
{
    tarn_cli_home h;
    int rc = tarn_cli_home_open(cli, &h);
    if (rc)
        return rc;
    tarn_error err = {0};
    query_session s = {.cli = cli, .cmd = cmd};
    if (tarn_query_open(h.store, h.cat, &s.q, &err)) {
        tarn_cli_home_close(&h);
        return tarn_cli_fail(&err);
    }
    s.database = tarn_xstrdup(cmd->database ? cmd->database : TARN_QUERY_DEFAULT_DATABASE);
    const char *f = cmd->format ? cmd->format : cmd->json ? "json" : cli->tty ? "table" : "csv";
    s.table = strcmp(f, "table") == 0;
    s.json = strcmp(f, "json") == 0;
    s.timer = s.table;
    rc = fn(&s, arg);
    free(s.database);
    tarn_query_close(s.q);
    tarn_cli_home_close(&h);
    return rc;
}

static int do_run(query_session *s, void *arg)
{
    (void)arg;
    const char *sql = s->cmd->sql;
    if (sql && strcmp(sql, "-") != 0)
        return run_text(s, sql);
    char *text = read_stdin();
    int rc = run_text(s, text);
    free(text);
    return rc;
}

/* ---- shell ---- */

static void shell_help(void)
{
    printf("Statements end with ';' and may span lines. Commands:\n"
           "  .tables           the current database's tables (SHOW TABLES)\n"
           "  .schema TABLE     its DDL (SHOW CREATE TABLE)\n"
           "  .database [DB]    show or change the current database\n"
           "  .timer on|off     the figures after each statement\n"
           "  .help             this text\n"
           "  .quit             leave (also Ctrl-D)\n");
}

/* A dot command; returns false for .quit. */
static bool shell_command(query_session *s, const char *line)
{
    char cmd[32] = {0}, arg[256] = {0};
    sscanf(line, "%31s %255s", cmd, arg);
    if (!strcmp(cmd, ".quit") || !strcmp(cmd, ".exit"))
        return false;
    if (!strcmp(cmd, ".tables")) {
        run_one(s, "SHOW TABLES");
    } else if (!strcmp(cmd, ".schema") && arg[0]) {
        char *sql = tarn_xasprintf("SHOW CREATE TABLE %s", arg);
        run_one(s, sql);
        free(sql);
    } else if (!strcmp(cmd, ".database") || !strcmp(cmd, ".databases")) {
        if (arg[0]) {
            free(s->database);
            s->database = tarn_xstrdup(arg);
        }
        printf("%s\n", s->database);
    } else if (!strcmp(cmd, ".timer") && (!strcmp(arg, "on") || !strcmp(arg, "off"))) {
        s->timer = !strcmp(arg, "on");
    } else if (!strcmp(cmd, ".help")) {
        shell_help();
    } else {
        fprintf(stderr, "tarn: unknown command '%s' (.help lists them)\n", line);
    }
    fflush(stdout);
    return true;
}

static char *history_path(const tarn_cli *cli)
{
    return tarn_xasprintf("%s/query_history", cli->home);
}

static int do_shell(query_session *s, void *arg)
{
    (void)arg;
    char *hist = history_path(s->cli);
    using_history();
    read_history(hist);
    tarn_buf stmt;
    tarn_buf_init(&stmt, 0);
    bool go = true;
    while (go) {
        char prompt[300];
        if (stmt.len)
            snprintf(prompt, sizeof prompt, "%*s> ", (int)strlen(s->database), "");
        else
            snprintf(prompt, sizeof prompt, "%s> ", s->database);
        char *line = readline(prompt);
        if (!line)
            break;
        const char *t = line + strspn(line, " \t");
        if (stmt.len == 0 && t[0] == '.') {
            add_history(line);
            go = shell_command(s, t);
        } else if (*t || stmt.len) {
            tarn_buf_appendf(&stmt, "%s%s", stmt.len ? "\n" : "", line);
            if (!tarn_query_incomplete(stmt.data, stmt.len)) {
                add_history(stmt.data);
                run_text(s, stmt.data);
                tarn_buf_reset(&stmt);
            }
        }
        free(line);
    }
    if (stmt.len)
        run_text(s, stmt.data);
    write_history(hist);
    tarn_buf_free(&stmt);
    free(hist);
    return TARN_EXIT_OK;
}

/* ---- history, get, results ---- */

static void iso_time(int64_t ms, char *out, size_t n)
{
    if (ms <= 0) {
        snprintf(out, n, "-");
        return;
    }
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void exec_json(const tarn_qexec *e)
{
    char sub[32], done[32];
    iso_time(e->submitted_on, sub, sizeof sub);
    iso_time(e->completed_on, done, sizeof done);
    const char *keys[] = {"QueryExecutionId", "Query", "StatementType", "WorkGroup", "Database",
                          "Catalog", "State", "StateChangeReason", "OutputLocation",
                          "SubmissionDateTime", "CompletionDateTime"};
    const char *vals[] = {e->id, e->query, e->statement_type, e->workgroup, e->database,
                          e->catalog, tarn_qstate_name(e->state), e->state_reason,
                          e->output_location, sub, e->completed_on ? done : NULL};
    fputc('{', stdout);
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        printf("%s\"%s\":", i ? "," : "", keys[i]);
        if (vals[i])
            tarn_cli_json_string(stdout, vals[i]);
        else
            fputs("null", stdout);
    }
    printf(",\"ErrorCategory\":%d,\"ErrorType\":%d,\"DataScannedInBytes\":%lld,"
           "\"RowsReturned\":%lld,\"EngineExecutionTimeInMillis\":%lld}\n",
           e->error_category, e->error_type, (long long)e->bytes_scanned,
           (long long)e->rows_returned, (long long)e->execution_ms);
}

static int do_history(query_session *s, void *arg)
{
    (void)arg;
    tarn_qexec *es;
    size_t n;
    tarn_error err = {0};
    if (tarn_query_history(s->q, s->cmd->workgroup, s->cmd->limit ? s->cmd->limit : 100, &es,
                           &n, &err))
        return tarn_cli_fail(&err);
    if (s->cmd->json || s->cli->json) {
        for (size_t i = 0; i < n; i++)
            exec_json(&es[i]);
    } else {
        tarn_grid g;
        tarn_grid_init(&g, 8, s->cli->tty);
        const char *head[] = {"id", "state", "type", "workgroup", "submitted", "ms", "rows",
                              "query"};
        for (int i = 0; i < 8; i++)
            tarn_grid_add_str(&g, head[i]);
        for (size_t i = 0; i < n; i++) {
            char sub[32];
            iso_time(es[i].submitted_on, sub, sizeof sub);
            tarn_grid_add_str(&g, es[i].id);
            tarn_grid_add_str(&g, tarn_qstate_name(es[i].state));
            tarn_grid_add_str(&g, es[i].statement_type);
            tarn_grid_add_str(&g, es[i].workgroup);
            tarn_grid_add_str(&g, sub);
            tarn_grid_add_int(&g, es[i].execution_ms);
            if (es[i].rows_returned >= 0)
                tarn_grid_add_int(&g, es[i].rows_returned);
            else
                tarn_grid_add_str(&g, NULL);
            tarn_grid_add_str(&g, es[i].query);
        }
        tarn_grid_print(&g, 1);
        tarn_grid_free(&g);
    }
    tarn_qexec_list_free(es, n);
    return TARN_EXIT_OK;
}

static int do_get(query_session *s, void *arg)
{
    (void)arg;
    tarn_qexec e;
    tarn_error err = {0};
    if (tarn_query_get(s->q, s->cmd->id, &e, &err))
        return tarn_cli_fail(&err);
    if (s->cmd->json || s->cli->json) {
        exec_json(&e);
    } else {
        char sub[32], done[32];
        iso_time(e.submitted_on, sub, sizeof sub);
        iso_time(e.completed_on, done, sizeof done);
        printf("id:              %s\nstate:           %s\nstate reason:    %s\n"
               "error category:  %d\nerror type:      %d\nstatement type:  %s\n"
               "workgroup:       %s\ndatabase:        %s\ncatalog:         %s\n"
               "submitted:       %s\ncompleted:       %s\nengine time:     %lld ms\n"
               "bytes scanned:   %lld\nrows returned:   %lld\noutput location: %s\n"
               "query:           %s\n",
               e.id, tarn_qstate_name(e.state), e.state_reason ? e.state_reason : "-",
               e.error_category, e.error_type, e.statement_type ? e.statement_type : "-",
               e.workgroup, e.database ? e.database : "-", e.catalog, sub, done,
               (long long)e.execution_ms, (long long)e.bytes_scanned,
               (long long)e.rows_returned, e.output_location ? e.output_location : "-",
               e.query);
    }
    tarn_qexec_free(&e);
    return TARN_EXIT_OK;
}

static int do_results(query_session *s, void *arg)
{
    (void)arg;
    tarn_error err = {0};
    fflush(stdout);
    if (tarn_query_results(s->q, s->cmd->id, STDOUT_FILENO, &err))
        return tarn_cli_fail(&err);
    return TARN_EXIT_OK;
}

/* ---- verbs ---- */

static const struct query_verb {
    const char *name;
    int npos;                   /* positional arguments: 0, or 1 (the ID) */
    int (*run)(query_session *s, void *arg);
} query_verbs[] = {
    {"shell", 0, do_shell},
    {"history", 0, do_history},
    {"get", 1, do_get},
    {"results", 1, do_results},
};

int tarn_cli_query(tarn_cli *cli, int argc, char **argv)
{
    query_cmd cmd = {0};
    cmd.json = cli->json;
    const struct query_verb *verb = NULL;
    for (size_t i = 0; argc > 0 && i < sizeof query_verbs / sizeof query_verbs[0]; i++)
        if (strcmp(argv[0], query_verbs[i].name) == 0)
            verb = &query_verbs[i];
    const char *pos[1] = {NULL};
    int rc = verb ? parse_args(&cmd, argc - 1, argv + 1, pos, verb->npos, verb->name)
                  : parse_args(&cmd, argc, argv, pos, 1, "");
    if (rc >= 0)
        return rc;
    if (!verb) {
        cmd.sql = pos[0];
        return with_session(cli, &cmd, do_run, NULL);
    }
    if (verb->npos && !pos[0])
        return tarn_cli_usage_error("query %s: missing the query execution ID", verb->name);
    cmd.id = pos[0];
    return with_session(cli, &cmd, verb->run, NULL);
}
