/*
** cli_file.c: `tarn file inspect|cat|stats|convert`: look at one CSV,
** JSON-lines or Parquet file, local or s3://bucket/key (resolved through
** the store to its local file), or rewrite it in another format.
**
**   inspect  format, dialect, encoding, schema, row and bad-row counts;
**            for Parquet also physical and logical types, repetition, key-
**            value keys and per row group each column chunk's codec,
**            encodings, sizes and statistics (file_parquet.c)
**   cat      the rows: a boxed table on a terminal (table_print.c), else
**            CSV; or JSON lines, read and formatted on one thread per CPU
**   stats    per column: type, count, NULLs, min, max, approximate distinct
**            values; the file's splits are read by one thread per CPU
**   convert  SRC DST as Parquet, CSV or JSON lines (tarn_file_convert)
**
** Options come from one table (file_options) into a file_cmd struct; each
** verb opens the reader (format/), calls one module function (the text
** output, tarn_stats_collect, tarn_file_convert) and prints. Bad rows are an
** error naming file and line unless --skip-bad-rows, which reports each as
** a warning.
*/
#include "cli/cli.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/file_parquet.h"
#include "cli/table_print.h"
#include "format/format.h"
#include "store/store.h"
#include "table/table.h"

enum { VERB_INSPECT = 1, VERB_CAT = 2, VERB_STATS = 4, VERB_CONVERT = 8, VERB_ALL = 15 };

/* What an option's argument is. */
enum opt_arg { ARG_NONE, ARG_CHAR, ARG_WORD, ARG_COUNT };

typedef struct file_cmd {
    unsigned verb;
    const char *path;
    bool json;               /* --json (also the global flag) */
    const char *out_format;  /* cat: table, csv, json; NULL = by terminal */
    int64_t limit;           /* cat: rows to show; -1 = all */
    bool skip_bad;
    tarn_read_options ro;
    const char *dst;         /* convert: destination path or s3:// URI */
    const char *to;          /* convert: --to; NULL = from dst's name */
    const char *compression; /* convert: --compression (Parquet codec) */
    int64_t row_group_rows;  /* convert: --row-group-size; 0 = default */
    int row_groups;          /* inspect: Parquet row groups shown in text */
} file_cmd;

/* The option table: name, argument, the verbs that take it, help text. */
static const struct file_option {
    const char *name;
    enum opt_arg arg;
    unsigned verbs;
    const char *help;
} file_options[] = {
    {"json", ARG_NONE, VERB_ALL, "machine-readable output (cat: JSON lines)"},
    {"format", ARG_WORD, VERB_CAT, "output: table (default on a terminal), csv (else), json"},
    {"limit", ARG_COUNT, VERB_CAT, "show at most N rows"},
    {"delimiter", ARG_CHAR, VERB_ALL, "CSV field delimiter (one character, or 'tab')"},
    {"quote", ARG_CHAR, VERB_ALL, "CSV quote character, or 'none'"},
    {"header", ARG_WORD, VERB_ALL, "CSV first row is a header: yes or no"},
    {"all-strings", ARG_NONE, VERB_ALL, "read every column as a string (no type inference)"},
    {"skip-bad-rows", ARG_NONE, VERB_ALL, "skip rows that cannot be parsed, with a warning each"},
    {"to", ARG_WORD, VERB_CONVERT, "output format: parquet, csv or jsonl (default: by DST's name, else parquet)"},
    {"compression", ARG_WORD, VERB_CONVERT, "Parquet codec: snappy (default), zstd, gzip or none"},
    {"row-group-size", ARG_COUNT, VERB_CONVERT, "most rows in one Parquet row group"},
    {"row-groups", ARG_COUNT, VERB_INSPECT, "Parquet: show at most N row groups (default 10; --json shows all)"},
};
#define NOPTIONS (sizeof file_options / sizeof file_options[0])

static int file_inspect(const file_cmd *cmd, const tarn_cli *cli);
static int file_cat(const file_cmd *cmd, const tarn_cli *cli);
static int file_stats(const file_cmd *cmd, const tarn_cli *cli);
static int file_convert(const file_cmd *cmd, const tarn_cli *cli);

/* The verbs: name, the bit options name them by, what runs, help text. */
static const struct file_verb {
    const char *name;
    unsigned bit;
    int (*run)(const file_cmd *cmd, const tarn_cli *cli);
    const char *summary;
} file_verbs[] = {
    {"inspect", VERB_INSPECT, file_inspect, "format, dialect, encoding, schema and row count"},
    {"cat", VERB_CAT, file_cat, "print the rows as a table, CSV or JSON lines"},
    {"stats", VERB_STATS, file_stats, "per column: type, count, nulls, min, max, distinct"},
    {"convert", VERB_CONVERT, file_convert, "SRC DST: rewrite as Parquet, CSV or JSON lines"},
};
#define NVERBS (sizeof file_verbs / sizeof file_verbs[0])

static void file_usage(FILE *f)
{
    static const char *const arg_spec[] = {"", " C", " WORD", " N"}; /* by enum opt_arg */
    fprintf(f, "usage: tarn file VERB PATH [OPTIONS]\n"
               "       tarn file convert SRC DST [--to parquet|csv|jsonl] [OPTIONS]\n\n"
               "PATH is a local CSV, JSON-lines or Parquet file (gzip is read as is) or\n"
               "s3://bucket/key in the store under --home.\n\nVerbs:\n");
    for (size_t i = 0; i < NVERBS; i++)
        fprintf(f, "  %-8s %s\n", file_verbs[i].name, file_verbs[i].summary);
    fprintf(f, "\nOptions:\n");
    for (size_t i = 0; i < NOPTIONS; i++) {
        const struct file_option *o = &file_options[i];
        char spec[40];
        snprintf(spec, sizeof spec, "--%s%s", o->name, arg_spec[o->arg]);
        fprintf(f, "  %-20s %s", spec, o->help);
        for (size_t v = 0, k = 0; v < NVERBS && o->verbs != VERB_ALL; v++)
            if (o->verbs & file_verbs[v].bit)
                fprintf(f, "%s%s", k++ ? ", " : " (", file_verbs[v].name);
        fprintf(f, "%s\n", o->verbs != VERB_ALL ? ")" : "");
    }
    fprintf(f, "\nExit status: 0 ok, 1 the file could not be read, 2 usage error.\n");
}

/* A --delimiter / --quote argument as one byte. */
static int parse_char_arg(const char *name, const char *v, char *out)
{
    if (strcmp(v, "tab") == 0 || strcmp(v, "\\t") == 0 || strcmp(v, "\t") == 0)
        *out = '\t';
    else if (strcmp(name, "quote") == 0 && strcmp(v, "none") == 0)
        *out = '\x01';
    else if (strlen(v) == 1 && v[0] != '\n' && v[0] != '\r')
        *out = v[0];
    else
        return tarn_cli_usage_error("--%s needs one character, got '%s'", name, v);
    return TARN_EXIT_OK;
}

/* A count argument of --name between min and max into *out. */
static int parse_count(const char *name, const char *v, int64_t min, int64_t max, int64_t *out)
{
    char *end;
    errno = 0;
    long long k = strtoll(v, &end, 10);
    if (*v == '\0' || *end != '\0' || errno || k < min || k > max)
        return tarn_cli_usage_error("--%s needs a count%s, got '%s'", name,
                                    min > 0 ? " of at least 1" : "", v);
    *out = k;
    return TARN_EXIT_OK;
}

/* Store one option's value into cmd. */
static int apply_option(file_cmd *cmd, const struct file_option *o, const char *v)
{
    const char *n = o->name;
    if (strcmp(n, "json") == 0)
        cmd->json = true;
    else if (strcmp(n, "all-strings") == 0)
        cmd->ro.all_strings = true;
    else if (strcmp(n, "skip-bad-rows") == 0)
        cmd->skip_bad = true;
    else if (strcmp(n, "delimiter") == 0)
        return parse_char_arg(n, v, &cmd->ro.dialect.delimiter);
    else if (strcmp(n, "quote") == 0)
        return parse_char_arg(n, v, &cmd->ro.dialect.quote);
    else if (strcmp(n, "header") == 0) {
        if (strcmp(v, "yes") && strcmp(v, "no"))
            return tarn_cli_usage_error("--header takes yes or no, got '%s'", v);
        cmd->ro.dialect.header = strcmp(v, "yes") == 0;
    } else if (strcmp(n, "format") == 0) {
        if (strcmp(v, "table") && strcmp(v, "csv") && strcmp(v, "json"))
            return tarn_cli_usage_error("--format takes table, csv or json, got '%s'", v);
        cmd->out_format = v;
    } else if (strcmp(n, "limit") == 0) {
        return parse_count(n, v, 0, INT64_MAX, &cmd->limit);
    } else if (strcmp(n, "row-group-size") == 0) {
        return parse_count(n, v, 1, INT64_MAX, &cmd->row_group_rows);
    } else if (strcmp(n, "row-groups") == 0) {
        int64_t k;
        int rc = parse_count(n, v, 0, INT32_MAX, &k);
        cmd->row_groups = (int)k;
        return rc;
    } else if (strcmp(n, "to") == 0) {
        if (tarn_format_from_name(v) == TARN_FORMAT_UNKNOWN)
            return tarn_cli_usage_error("--to takes parquet, csv or jsonl, got '%s'", v);
        cmd->to = v;
    } else if (strcmp(n, "compression") == 0) {
        cmd->compression = v;
    }
    return TARN_EXIT_OK;
}

/* Find --name (or --name=value) in the option table; *inline_v gets the
** part after '='. */
static const struct file_option *find_option(const char *arg, const char **inline_v)
{
    const char *name = arg + 2, *eq = strchr(name, '=');
    size_t n = eq ? (size_t)(eq - name) : strlen(name);
    *inline_v = eq ? eq + 1 : NULL;
    for (size_t i = 0; i < NOPTIONS; i++)
        if (strlen(file_options[i].name) == n && strncmp(file_options[i].name, name, n) == 0)
            return &file_options[i];
    return NULL;
}

/* Parse a verb's arguments (argv[0] is the verb) into cmd. Returns -1 on
** success, else the exit code to return (help printed, usage error). */
static int parse_args(file_cmd *cmd, const char *verb, int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            file_usage(stdout);
            return TARN_EXIT_OK;
        }
        if (strncmp(a, "--", 2) != 0 || a[2] == '\0') {
            if (!cmd->path)
                cmd->path = a;
            else if (cmd->verb == VERB_CONVERT && !cmd->dst)
                cmd->dst = a;
            else
                return tarn_cli_usage_error("file %s: one PATH only ('%s' is extra)", verb, a);
            continue;
        }
        const char *v;
        const struct file_option *o = find_option(a, &v);
        if (!o || !(o->verbs & cmd->verb))
            return tarn_cli_usage_error("file %s: unknown option '%s'", verb, a);
        if (o->arg == ARG_NONE && v)
            return tarn_cli_usage_error("--%s takes no value", o->name);
        if (o->arg != ARG_NONE && !v) {
            if (i + 1 >= argc)
                return tarn_cli_usage_error("--%s needs a value", o->name);
            v = argv[++i];
        }
        int rc = apply_option(cmd, o, v);
        if (rc != TARN_EXIT_OK)
            return rc;
    }
    if (!cmd->path)
        return tarn_cli_usage_error("file %s: missing PATH", verb);
    if (cmd->verb == VERB_CONVERT && !cmd->dst)
        return tarn_cli_usage_error("file convert: missing DST (tarn file convert SRC DST)");
    return -1;
}

/* ---- opening the input ---- */

/* What the bad-row callback needs; the reader may call it from several
** threads. */
#define BAD_ROWS_SHOWN 100 /* warnings printed before a summary line */

typedef struct bad_rows {
    const char *shown;       /* the path as the user gave it */
    bool skip;
    int64_t count;
    pthread_mutex_t lock;
    bool stopped;            /* a bad row ended the read (no --skip-bad-rows) */
    int64_t line;
    char reason[256];
} bad_rows;

static int on_bad_row(void *ud, const tarn_bad_row *row)
{
    bad_rows *b = ud;
    pthread_mutex_lock(&b->lock);
    if (b->skip && ++b->count <= BAD_ROWS_SHOWN)
        fprintf(stderr, "tarn: warning: %s:%lld: %s\n", b->shown, (long long)row->line,
                row->reason);
    else if (!b->stopped) {
        b->stopped = true;
        b->line = row->line;
        snprintf(b->reason, sizeof b->reason, "%s", row->reason);
    }
    pthread_mutex_unlock(&b->lock);
    return b->skip ? 0 : 1;
}

/* The local file behind path: path itself, or an s3:// object's file in
** the store under home. *local is malloc'ed. */
static int resolve_path(const char *path, const char *home, char **local, tarn_error *err)
{
    if (!tarn_is_s3_uri(path)) {
        *local = tarn_xstrdup(path);
        return TARN_OK;
    }
    tarn_uri u;
    int rc = tarn_uri_parse(path, &u, err);
    if (rc)
        return rc;
    if (u.key[0] == '\0' || u.key[strlen(u.key) - 1] == '/')
        return tarn_error_set(err, TARN_ERR_INVALID, "'%s' names a bucket or prefix, not an object",
                              path);
    tarn_store *st;
    if ((rc = tarn_store_open(&st, home, err)) != TARN_OK)
        return rc;
    rc = tarn_object_local_path(st, u.bucket, u.key, local, err);
    tarn_store_close(st);
    return rc;
}

/* Name the object as the user did: err's mentions of the local file
** behind an s3:// URI become the URI. */
static void show_uri(tarn_error *err, const char *local, const char *uri)
{
    char out[TARN_ERROR_MAX];
    size_t n = 0, ll = strlen(local), ul = strlen(uri);
    const char *p = err->msg, *hit;
    while ((hit = strstr(p, local)) != NULL && n + (size_t)(hit - p) + ul < sizeof out) {
        memcpy(out + n, p, (size_t)(hit - p));
        n += (size_t)(hit - p);
        memcpy(out + n, uri, ul);
        n += ul;
        p = hit + ll;
    }
    snprintf(out + n, sizeof out - n, "%s", p);
    memcpy(err->msg, out, sizeof out);
}

/* Open cmd->path with cmd's reader options. On failure prints the error
** and returns the exit code; on success returns -1. */
static int open_input(const file_cmd *cmd, const tarn_cli *cli, bad_rows *bad,
                      tarn_reader **r)
{
    tarn_error err = {0};
    char *local = NULL;
    memset(bad, 0, sizeof *bad);
    bad->shown = cmd->path;
    bad->skip = cmd->skip_bad;
    pthread_mutex_init(&bad->lock, NULL);
    int rc = resolve_path(cmd->path, cli->home, &local, &err);
    if (rc == TARN_OK) {
        tarn_read_options o = cmd->ro;
        o.on_bad_row = on_bad_row;
        o.bad_row_ud = bad;
        rc = tarn_reader_open(r, local, &o, &err);
        if (rc && strcmp(local, cmd->path) != 0)
            show_uri(&err, local, cmd->path);
    }
    free(local);
    pthread_mutex_destroy(&bad->lock);
    if (bad->count > BAD_ROWS_SHOWN)
        fprintf(stderr, "tarn: warning: %s: %lld more bad rows skipped\n", cmd->path,
                (long long)(bad->count - BAD_ROWS_SHOWN));
    if (rc == TARN_OK)
        return -1;
    if (bad->stopped) {
        fprintf(stderr, "tarn: %s:%lld: %s (use --skip-bad-rows to skip such rows)\n",
                cmd->path, (long long)bad->line, bad->reason);
        return TARN_EXIT_FAIL;
    }
    return tarn_cli_fail(&err);
}

/* ---- inspect ---- */

/* A dialect character for people: ',' or "tab" or "none". */
static const char *char_name(char c, char buf[8])
{
    if (c == '\t')
        return "tab";
    if (c == '\x01' || c == 0)
        return "none";
    snprintf(buf, 8, "%c", c);
    return buf;
}

static void inspect_text(const file_cmd *cmd, tarn_reader *r, bool boxed)
{
    const tarn_input_info *in = tarn_reader_info(r);
    const tarn_schema *s = tarn_reader_schema(r);
    char b1[8], tn[48];
    printf("file:       %s\n", cmd->path);
    printf("format:     %s\n", tarn_format_name(in->format));
    if (in->format != TARN_FORMAT_PARQUET) {
        printf("encoding:   %s%s\n", in->encoding ? in->encoding : "utf-8",
               in->latin1_fallback ? " (invalid UTF-8 read as Latin-1)" : "");
        printf("newline:    %s\n", in->newline ? in->newline : "none");
        printf("gzip:       %s\n", in->gzip ? "yes" : "no");
    }
    if (in->format == TARN_FORMAT_CSV) {
        printf("delimiter:  %s\n", char_name(in->dialect.delimiter, b1));
        printf("quote:      %s\n", char_name(in->dialect.quote, b1));
        printf("header:     %s\n", in->dialect.header > 0 ? "yes" : "no");
    }
    const tarn_pq_meta *pq = tarn_reader_parquet_meta(r);
    if (pq) {
        printf("created by: %s\n", pq->created_by[0] ? pq->created_by : "(not recorded)");
        printf("version:    %d\n", (int)pq->version);
        printf("file size:  %lld bytes\n", (long long)pq->file_size);
        printf("row groups: %d\n", pq->nrow_groups);
    }
    printf("rows:       %lld\n", (long long)tarn_reader_row_count(r));
    printf("bad rows:   %lld\n", (long long)tarn_reader_bad_rows(r));
    printf("columns:    %d\n", s->ncols);
    if (pq) {
        tarn_cli_parquet_text(pq, boxed, cmd->row_groups);
        return;
    }
    for (int i = 0; i < s->ncols; i++)
        printf("  %3d  %-30s %s\n", i + 1, s->fields[i].name,
               tarn_type_name(s->fields[i].type, tn, sizeof tn));
}

static void inspect_json(const file_cmd *cmd, tarn_reader *r)
{
    const tarn_input_info *in = tarn_reader_info(r);
    const tarn_schema *s = tarn_reader_schema(r);
    char b1[8], tn[48];
    printf("{\"file\":");
    tarn_cli_json_string(stdout, cmd->path);
    printf(",\"format\":\"%s\"", tarn_format_name(in->format));
    if (in->format != TARN_FORMAT_PARQUET)
        printf(",\"encoding\":\"%s\",\"newline\":\"%s\",\"gzip\":%s",
               in->encoding ? in->encoding : "utf-8", in->newline ? in->newline : "none",
               in->gzip ? "true" : "false");
    if (in->format == TARN_FORMAT_CSV) {
        printf(",\"dialect\":{\"delimiter\":");
        char d = in->dialect.delimiter;
        tarn_cli_json_string(stdout, d == '\t' ? "\t" : char_name(d, b1));
        printf(",\"quote\":");
        tarn_cli_json_string(stdout, char_name(in->dialect.quote, b1));
        printf(",\"header\":%s}", in->dialect.header > 0 ? "true" : "false");
    }
    const tarn_pq_meta *pq = tarn_reader_parquet_meta(r);
    if (pq) {
        printf(",\"created_by\":");
        tarn_cli_json_string(stdout, pq->created_by);
        printf(",\"row_groups\":%d", pq->nrow_groups);
        tarn_cli_parquet_json(pq);
    }
    printf(",\"rows\":%lld,\"bad_rows\":%lld,\"columns\":[", (long long)tarn_reader_row_count(r),
           (long long)tarn_reader_bad_rows(r));
    for (int i = 0; i < s->ncols; i++) {
        printf(i ? ",{\"name\":" : "{\"name\":");
        tarn_cli_json_string(stdout, s->fields[i].name);
        printf(",\"type\":\"%s\"}", tarn_type_name(s->fields[i].type, tn, sizeof tn));
    }
    printf("]}\n");
}

static int file_inspect(const file_cmd *cmd, const tarn_cli *cli)
{
    tarn_reader *r;
    bad_rows bad;
    int rc = open_input(cmd, cli, &bad, &r);
    if (rc >= 0)
        return rc;
    if (cmd->json)
        inspect_json(cmd, r);
    else
        inspect_text(cmd, r, cli->tty);
    tarn_reader_close(r);
    return TARN_EXIT_OK;
}

/* ---- cat ---- */

/* cat as a boxed table (table_print.c): the first rows set the widths. */
static int cat_table(tarn_reader *r, int64_t limit, tarn_error *err)
{
    tarn_table_printer *p = tarn_table_printer_new(tarn_reader_schema(r));
    tarn_batch b;
    tarn_batch_init(&b, tarn_reader_schema(r), 0);
    int64_t shown = 0;
    int got = 0;
    while ((limit < 0 || shown < limit) && (got = tarn_reader_next(r, &b, err)) == 1) {
        int64_t k = limit >= 0 && limit - shown < b.nrows ? limit - shown : b.nrows;
        tarn_table_printer_add(p, &b, k);
        shown += k;
    }
    tarn_batch_free(&b);
    if (got < 0) {
        tarn_table_printer_abort(p);
        return err->code ? err->code : TARN_ERR_INTERNAL;
    }
    tarn_table_printer_end(p, tarn_reader_row_count(r));
    return TARN_OK;
}

/* cat as CSV or JSON lines to stdout: the splits are read and formatted
** on one thread per CPU and written in order (tarn_text_write_reader). */
static int cat_text(tarn_reader *r, tarn_format_kind k, int64_t limit, tarn_error *err)
{
    tarn_text_options o;
    tarn_text_options_init(&o);
    o.kind = k;
    o.limit = limit;
    return tarn_text_write_reader(r, STDOUT_FILENO, &o, NULL, err);
}

static int file_cat(const file_cmd *cmd, const tarn_cli *cli)
{
    tarn_reader *r;
    bad_rows bad;
    int rc = open_input(cmd, cli, &bad, &r);
    if (rc >= 0)
        return rc;
    const char *fmt = cmd->out_format ? cmd->out_format
                      : cmd->json  ? "json" /* the global --json */
                      : cli->tty   ? "table"
                                   : "csv";
    tarn_error err = {0};
    fflush(stdout);
    if (strcmp(fmt, "table") == 0)
        rc = cat_table(r, cmd->limit, &err);
    else
        rc = cat_text(r, strcmp(fmt, "json") == 0 ? TARN_FORMAT_JSONL : TARN_FORMAT_CSV,
                      cmd->limit, &err);
    tarn_reader_close(r);
    fflush(stdout);
    return rc ? tarn_cli_fail(&err) : TARN_EXIT_OK;
}

/* ---- stats ---- */

/* The reader's splits as a tarn_batch_source. */
static int split_open(void *ud, int part, void **cursor, tarn_error *err)
{
    tarn_cursor *c = NULL;
    int rc = tarn_cursor_open(ud, part, &c, err);
    *cursor = c;
    return rc;
}

static int split_next(void *cursor, tarn_batch *b, tarn_error *err)
{
    return tarn_cursor_next(cursor, b, err);
}

static void split_close(void *cursor)
{
    tarn_cursor_close(cursor);
}

/* A column's min or max as a JSON value of its type (null if none). */
static void json_stat(const tarn_column_stats *cs, bool want_max)
{
    char buf[128];
    size_t n = tarn_stats_format(cs, want_max, buf, sizeof buf);
    tarn_type_id t = cs->type.id;
    if (!cs->has_minmax || (t == TARN_TYPE_DOUBLE && cs->nan_count == cs->count))
        fputs("null", stdout);
    else if (t == TARN_TYPE_STRING)
        tarn_cli_json_bytes(stdout, want_max ? cs->max_str : cs->min_str, want_max ? cs->max_len : cs->min_len);
    else if (t == TARN_TYPE_DATE || t == TARN_TYPE_TIMESTAMP)
        tarn_cli_json_bytes(stdout, buf, n);
    else if (t == TARN_TYPE_DOUBLE && strstr(buf, "Infinity"))
        tarn_cli_json_bytes(stdout, buf, n); /* JSON has no infinity: "Infinity" as a string */
    else
        fputs(buf, stdout);
}

static void stats_json(const file_cmd *cmd, const tarn_schema *s, const tarn_table_stats *st)
{
    char tn[48];
    printf("{\"file\":");
    tarn_cli_json_string(stdout, cmd->path);
    printf(",\"rows\":%lld,\"columns\":[", (long long)st->rows);
    for (int c = 0; c < st->ncols; c++) {
        const tarn_column_stats *cs = &st->cols[c];
        printf(c ? ",{\"name\":" : "{\"name\":");
        tarn_cli_json_string(stdout, s->fields[c].name);
        printf(",\"type\":\"%s\",\"count\":%lld,\"nulls\":%lld,\"distinct\":%lld",
               tarn_type_name(cs->type, tn, sizeof tn), (long long)cs->count,
               (long long)cs->null_count, (long long)tarn_stats_distinct(cs));
        if (cs->type.id == TARN_TYPE_DOUBLE)
            printf(",\"nan\":%lld", (long long)cs->nan_count);
        printf(",\"min\":");
        json_stat(cs, false);
        printf(",\"max\":");
        json_stat(cs, true);
        putchar('}');
    }
    printf("]}\n");
}

/* A min or max cell: strings from their own bytes, others as formatted. */
static void grid_add_stat(tarn_grid *g, const tarn_column_stats *cs, bool want_max)
{
    char buf[128];
    size_t n = tarn_stats_format(cs, want_max, buf, sizeof buf);
    if (cs->type.id == TARN_TYPE_STRING && cs->has_minmax) {
        size_t len = want_max ? cs->max_len : cs->min_len;
        tarn_grid_add(g, want_max ? cs->max_str : cs->min_str,
                      len < TARN_GRID_CELL_BYTES ? len : TARN_GRID_CELL_BYTES);
    } else {
        tarn_grid_add(g, buf, n);
    }
}

static void stats_text(const tarn_cli *cli, const tarn_schema *s, const tarn_table_stats *st)
{
    static const char *head[] = {"column", "type", "count", "nulls", "distinct", "min", "max"};
    tarn_grid g;
    tarn_grid_init(&g, 7, cli->tty);
    for (int c = 0; c < 7; c++) {
        tarn_grid_add_str(&g, head[c]);
        g.right[c] = c >= 2 && c <= 4;
    }
    char tn[48];
    for (int c = 0; c < st->ncols; c++) {
        const tarn_column_stats *cs = &st->cols[c];
        tarn_grid_add_str(&g, s->fields[c].name);
        tarn_grid_add_str(&g, tarn_type_name(cs->type, tn, sizeof tn));
        tarn_grid_add_int(&g, cs->count);
        tarn_grid_add_int(&g, cs->null_count);
        tarn_grid_add_int(&g, tarn_stats_distinct(cs));
        grid_add_stat(&g, cs, false);
        grid_add_stat(&g, cs, true);
    }
    printf("rows: %lld\n", (long long)st->rows);
    tarn_grid_print(&g, 1);
    tarn_grid_free(&g);
}

static int file_stats(const file_cmd *cmd, const tarn_cli *cli)
{
    tarn_reader *r;
    bad_rows bad;
    int rc = open_input(cmd, cli, &bad, &r);
    if (rc >= 0)
        return rc;
    const tarn_schema *s = tarn_reader_schema(r);
    tarn_batch_source src = {.nparts = tarn_reader_split_count(r), .ud = r,
                             .open = split_open, .next = split_next, .close = split_close};
    tarn_table_stats st;
    tarn_error err = {0};
    rc = tarn_stats_collect(&st, s, &src, tarn_cpu_count(), &err);
    if (rc == TARN_OK) {
        if (cmd->json)
            stats_json(cmd, s, &st);
        else
            stats_text(cli, s, &st);
        tarn_stats_free(&st);
    }
    tarn_reader_close(r);
    return rc ? tarn_cli_fail(&err) : TARN_EXIT_OK;
}

/* ---- convert ---- */

static bool name_ends(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* The output format: --to, else DST's extension, else Parquet. */
static tarn_format_kind convert_target(const file_cmd *cmd)
{
    if (cmd->to)
        return tarn_format_from_name(cmd->to);
    if (name_ends(cmd->dst, ".csv"))
        return TARN_FORMAT_CSV;
    if (name_ends(cmd->dst, ".jsonl") || name_ends(cmd->dst, ".json") || name_ends(cmd->dst, ".ndjson"))
        return TARN_FORMAT_JSONL;
    return TARN_FORMAT_PARQUET;
}

/* Where convert writes: dst itself, or for s3:// a staging file in the
** store that is published as the object afterwards. */
typedef struct convert_dst {
    tarn_store *st;
    tarn_uri uri;
    char *local;
} convert_dst;

static int dst_prepare(convert_dst *d, const char *dst, const char *home, tarn_error *err)
{
    memset(d, 0, sizeof *d);
    if (!tarn_is_s3_uri(dst)) {
        d->local = tarn_xstrdup(dst);
        return TARN_OK;
    }
    int rc = tarn_uri_parse(dst, &d->uri, err);
    if (!rc && (d->uri.key[0] == '\0' || d->uri.key[strlen(d->uri.key) - 1] == '/'))
        rc = tarn_error_set(err, TARN_ERR_INVALID, "'%s' names a bucket or prefix, not an object", dst);
    if (!rc)
        rc = tarn_store_open(&d->st, home, err);
    if (!rc && !tarn_bucket_exists(d->st, d->uri.bucket))
        rc = tarn_error_set(err, TARN_ERR_NOTFOUND, "NoSuchBucket: bucket '%s' does not exist "
                            "(create it with 'tarn s3 mb s3://%s')", d->uri.bucket, d->uri.bucket);
    if (!rc)
        rc = tarn_object_staging_path(d->st, "convert", &d->local, err);
    return rc;
}

/* Publish a finished s3:// destination; drop a failed one. */
static int dst_finish(convert_dst *d, int rc, tarn_error *err)
{
    if (d->st && d->local) {
        if (!rc)
            rc = tarn_object_put_move(d->st, d->uri.bucket, d->uri.key, d->local, err);
        if (rc)
            unlink(d->local);
    }
    if (d->st)
        tarn_store_close(d->st);
    free(d->local);
    return rc;
}

/* Fill the conversion options from the command line. */
static int convert_options(const file_cmd *cmd, tarn_convert_options *o, tarn_error *err)
{
    tarn_convert_options_init(o);
    o->read = cmd->ro;
    o->to = convert_target(cmd);
    if (cmd->row_group_rows)
        o->parquet.row_group_rows = cmd->row_group_rows;
    if (cmd->compression)
        return tarn_parquet_codec_parse(cmd->compression, &o->parquet.codec, err);
    return TARN_OK;
}

static void convert_report(const file_cmd *cmd, const tarn_convert_result *res)
{
    if (cmd->json) {
        printf("{\"source\":");
        tarn_cli_json_string(stdout, cmd->path);
        printf(",\"destination\":");
        tarn_cli_json_string(stdout, cmd->dst);
        printf(",\"from\":\"%s\",\"to\":\"%s\",\"rows\":%lld,\"bad_rows\":%lld,\"bytes\":%lld}\n",
               tarn_format_name(res->from), tarn_format_name(res->to), (long long)res->rows,
               (long long)res->bad_rows, (long long)res->bytes_out);
        return;
    }
    printf("convert: %s (%s) to %s (%s): %lld rows, %lld bytes", cmd->path, tarn_format_name(res->from),
           cmd->dst, tarn_format_name(res->to), (long long)res->rows, (long long)res->bytes_out);
    if (res->bad_rows)
        printf(", %lld bad rows skipped", (long long)res->bad_rows);
    printf("\n");
}

static int file_convert(const file_cmd *cmd, const tarn_cli *cli)
{
    tarn_error err = {0};
    bad_rows bad = {.shown = cmd->path, .skip = cmd->skip_bad};
    pthread_mutex_init(&bad.lock, NULL);
    char *src = NULL;
    convert_dst d;
    tarn_convert_options o;
    tarn_convert_result res;
    int rc = convert_options(cmd, &o, &err);
    if (!rc)
        rc = resolve_path(cmd->path, cli->home, &src, &err);
    if (!rc) {
        rc = dst_prepare(&d, cmd->dst, cli->home, &err);
        if (!rc) {
            o.read.on_bad_row = on_bad_row;
            o.read.bad_row_ud = &bad;
            rc = tarn_file_convert(src, d.local, &o, &res, &err);
            if (rc && d.st)
                show_uri(&err, d.local, cmd->dst);
        }
        rc = dst_finish(&d, rc, &err);
    }
    if (rc && src && strcmp(src, cmd->path) != 0)
        show_uri(&err, src, cmd->path);
    free(src);
    pthread_mutex_destroy(&bad.lock);
    if (rc && bad.stopped) {
        fprintf(stderr, "tarn: %s:%lld: %s (use --skip-bad-rows to skip such rows)\n", cmd->path,
                (long long)bad.line, bad.reason);
        return TARN_EXIT_FAIL;
    }
    if (rc)
        return rc == TARN_ERR_INVALID && !err.msg[0] ? TARN_EXIT_USAGE : tarn_cli_fail(&err);
    convert_report(cmd, &res);
    return TARN_EXIT_OK;
}

/* ---- dispatch ---- */

int tarn_cli_file(tarn_cli *cli, int argc, char **argv)
{
    if (argc < 1) {
        file_usage(stderr);
        return TARN_EXIT_USAGE;
    }
    if (strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0 ||
        strcmp(argv[0], "help") == 0) {
        file_usage(stdout);
        return TARN_EXIT_OK;
    }
    file_cmd cmd = {.json = cli->json, .limit = -1, .row_groups = 10};
    tarn_read_options_init(&cmd.ro);
    const struct file_verb *v = NULL;
    for (size_t i = 0; i < NVERBS; i++)
        if (strcmp(argv[0], file_verbs[i].name) == 0)
            v = &file_verbs[i];
    if (!v)
        return tarn_cli_usage_error("file: unknown verb '%s' (inspect, cat, stats or convert)", argv[0]);
    cmd.verb = v->bit;
    int rc = parse_args(&cmd, argv[0], argc, argv);
    return rc >= 0 ? rc : v->run(&cmd, cli);
}
