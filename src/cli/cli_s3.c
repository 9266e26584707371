/*
** cli_s3.c: `tarn s3 mb|rb|ls|cp|mv|rm|sync`, which behave and print like
** `aws s3`. The options of every verb come from one table (name, short
** letter, argument, verbs that take it, help), parsed into a tarn_s3_args;
** the verb then calls the store (store.h: buckets, listings and
** tarn_store_transfer for cp/mv/rm/sync) and prints the result. The help
** text is generated from the same tables.
**
** Usage:
**   tarn s3 mb s3://BUCKET
**   tarn s3 rb s3://BUCKET [--force]
**   tarn s3 ls [s3://BUCKET[/PREFIX]] [--recursive] [--human-readable] [--summarize]
**   tarn s3 cp|mv SRC DST [--recursive] [--dryrun] [--quiet] [--exclude P] [--include P]
**   tarn s3 rm s3://BUCKET/KEY [--recursive] [--dryrun] [--quiet] [--exclude P] [--include P]
**   tarn s3 sync SRC DST [--delete] [--dryrun] [--quiet] [--exclude P] [--include P]
*/
#include "cli/cli.h"
#include "store/store.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum verb_id { V_MB, V_RB, V_LS, V_CP, V_MV, V_RM, V_SYNC, V_COUNT };
#define VB(v) (1u << (v))
#define V_ALL (VB(V_COUNT) - 1)
#define V_XFER (VB(V_CP) | VB(V_MV) | VB(V_RM) | VB(V_SYNC))

static const struct s3_verb {
    const char *name;
    int min_paths, max_paths;
    const char *args;
    const char *summary;
} verbs[V_COUNT] = {
    [V_MB] = {"mb", 1, 1, "s3://BUCKET", "make a bucket"},
    [V_RB] = {"rb", 1, 1, "s3://BUCKET", "remove a bucket; it must be empty unless --force"},
    [V_LS] = {"ls", 0, 1, "[s3://BUCKET[/PREFIX]]", "list buckets, or the objects and folders under a prefix"},
    [V_CP] = {"cp", 2, 2, "SRC DST", "copy a file or object: local to s3://, s3:// to local, s3:// to s3://"},
    [V_MV] = {"mv", 2, 2, "SRC DST", "move a file or object (copy, then delete the source)"},
    [V_RM] = {"rm", 1, 1, "s3://BUCKET/KEY", "delete an object, or every object under a prefix with --recursive"},
    [V_SYNC] = {"sync", 2, 2, "SRC DST", "copy what is new or changed from one directory or prefix to another"},
};

enum opt_id { O_RECURSIVE, O_HUMAN, O_SUMMARIZE, O_FORCE, O_DRYRUN, O_QUIET, O_EXCLUDE, O_INCLUDE,
              O_DELETE, O_JSON, O_HELP };

static const struct s3_option {
    const char *name;
    char letter;         /* short form, 0 if none */
    const char *arg;     /* argument's name, NULL if it takes none */
    int id;
    unsigned verbs;      /* VB() of the verbs that accept it */
    const char *help;
} options[] = {
    {"recursive", 'r', NULL, O_RECURSIVE, VB(V_LS) | VB(V_CP) | VB(V_MV) | VB(V_RM),
     "act on every object under the prefix (or every file under the directory)"},
    {"human-readable", 0, NULL, O_HUMAN, VB(V_LS), "show sizes as 1.2 KiB, 3.4 MiB, ..."},
    {"summarize", 0, NULL, O_SUMMARIZE, VB(V_LS), "end with the number of objects and their total size"},
    {"force", 0, NULL, O_FORCE, VB(V_RB), "delete every object in the bucket first"},
    {"dryrun", 0, NULL, O_DRYRUN, V_XFER, "show what would be done, change nothing"},
    {"quiet", 'q', NULL, O_QUIET, V_XFER, "do not print the operations done (errors still are)"},
    {"exclude", 0, "PATTERN", O_EXCLUDE, V_XFER, "skip paths (relative to the source) matching the glob"},
    {"include", 0, "PATTERN", O_INCLUDE, V_XFER, "keep paths matching the glob; the last matching filter wins"},
    {"delete", 0, NULL, O_DELETE, VB(V_SYNC), "delete destination files the source does not have"},
    {"json", 0, NULL, O_JSON, V_ALL, "machine-readable output (as the global --json)"},
    {"help", 'h', NULL, O_HELP, V_ALL, "show this help"},
};
#define NOPTIONS (sizeof options / sizeof options[0])

struct tarn_s3_args {
    int verb;                 /* -1: `tarn s3 --help` */
    bool help, recursive, human, summarize, force, dryrun, quiet, delete_extra, json;
    tarn_xfer_filter *filters;
    size_t nfilters;
    const char *paths[2];
    int npaths;
};

/* ---- help ---- */

static void print_noun_help(FILE *f)
{
    fprintf(f, "usage: tarn s3 VERB [ARGS] [OPTIONS]\n\nBuckets and objects, like 'aws s3'.\n\nVerbs:\n");
    for (int v = 0; v < V_COUNT; v++)
        fprintf(f, "  %-5s %-24s %s\n", verbs[v].name, verbs[v].args, verbs[v].summary);
    fprintf(f, "\nRun 'tarn s3 VERB --help' for a verb's options.\n");
}

static void print_verb_help(FILE *f, int v)
{
    fprintf(f, "usage: tarn s3 %s %s [OPTIONS]\n\n%s.\n\nOptions:\n", verbs[v].name, verbs[v].args,
            verbs[v].summary);
    for (size_t i = 0; i < NOPTIONS; i++) {
        const struct s3_option *o = &options[i];
        if (!(o->verbs & VB(v)))
            continue;
        char left[48];
        snprintf(left, sizeof left, "%c%c%c --%s%s%s", o->letter ? '-' : ' ', o->letter ? o->letter : ' ',
                 o->letter ? ',' : ' ', o->name, o->arg ? " " : "", o->arg ? o->arg : "");
        fprintf(f, "  %-26s %s\n", left, o->help);
    }
}

/* ---- parsing ---- */

/* Fill err with a usage error; returns TARN_EXIT_USAGE. */
static int usage(tarn_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int usage(tarn_error *err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    err->code = TARN_ERR_INVALID;
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    return TARN_EXIT_USAGE;
}

static const struct s3_option *find_long(const char *name, size_t n)
{
    for (size_t i = 0; i < NOPTIONS; i++)
        if (strlen(options[i].name) == n && memcmp(options[i].name, name, n) == 0)
            return &options[i];
    return NULL;
}

static const struct s3_option *find_short(char c)
{
    for (size_t i = 0; i < NOPTIONS; i++)
        if (options[i].letter == c)
            return &options[i];
    return NULL;
}

/* Record option o (with value, if it takes one) in a. */
static void apply_option(tarn_s3_args *a, const struct s3_option *o, const char *value)
{
    switch (o->id) {
    case O_RECURSIVE: a->recursive = true; break;
    case O_HUMAN: a->human = true; break;
    case O_SUMMARIZE: a->summarize = true; break;
    case O_FORCE: a->force = true; break;
    case O_DRYRUN: a->dryrun = true; break;
    case O_QUIET: a->quiet = true; break;
    case O_DELETE: a->delete_extra = true; break;
    case O_JSON: a->json = true; break;
    case O_HELP: a->help = true; break;
    case O_EXCLUDE:
    case O_INCLUDE:
        a->filters[a->nfilters++] = (tarn_xfer_filter){o->id == O_INCLUDE, value};
        break;
    }
}

/* Parse the long option argv[*i] ("--name" or "--name=value"). */
static int parse_long(tarn_s3_args *a, int argc, char **argv, int *i, tarn_error *err)
{
    const char *arg = argv[*i] + 2;
    const char *eq = strchr(arg, '=');
    const struct s3_option *o = find_long(arg, eq ? (size_t)(eq - arg) : strlen(arg));
    const char *verb = verbs[a->verb].name;
    if (!o)
        return usage(err, "unknown option '%s' for 's3 %s'", argv[*i], verb);
    if (!(o->verbs & VB(a->verb)))
        return usage(err, "option '%s' does not apply to 's3 %s'", argv[*i], verb);
    const char *value = NULL;
    if (o->arg && eq)
        value = eq + 1;
    else if (o->arg && *i + 1 < argc)
        value = argv[++*i];
    else if (o->arg)
        return usage(err, "option '--%s' needs a %s", o->name, o->arg);
    else if (eq)
        return usage(err, "option '--%s' takes no value (%s)", o->name, argv[*i]);
    apply_option(a, o, value);
    return TARN_EXIT_OK;
}

/* Parse a cluster of short options ("-r", "-rq"). */
static int parse_short(tarn_s3_args *a, const char *arg, tarn_error *err)
{
    for (const char *p = arg + 1; *p; p++) {
        const struct s3_option *o = find_short(*p);
        if (!o || o->arg)
            return usage(err, "unknown option '%s' for 's3 %s'", arg, verbs[a->verb].name);
        if (!(o->verbs & VB(a->verb)))
            return usage(err, "option '%s' does not apply to 's3 %s'", arg, verbs[a->verb].name);
        apply_option(a, o, NULL);
    }
    return TARN_EXIT_OK;
}

/* Parse options and paths after the verb. */
static int parse_words(tarn_s3_args *a, int argc, char **argv, tarn_error *err)
{
    bool opts = true;
    for (int i = 1; i < argc; i++) {
        const char *w = argv[i];
        int rc = TARN_EXIT_OK;
        if (opts && strcmp(w, "--") == 0)
            opts = false;
        else if (opts && w[0] == '-' && w[1] == '-')
            rc = parse_long(a, argc, argv, &i, err);
        else if (opts && w[0] == '-' && w[1] != '\0')
            rc = parse_short(a, w, err);
        else if (a->npaths == 2)
            rc = usage(err, "too many arguments for 's3 %s' ('%s')", verbs[a->verb].name, w);
        else
            a->paths[a->npaths++] = w;
        if (rc)
            return rc;
    }
    return TARN_EXIT_OK;
}

/* Check one path: an s3:// URI (bucket_only: with no key) or, where
** local_ok, a local path. */
static int check_path(const tarn_s3_args *a, const char *p, bool local_ok, bool bucket_only, tarn_error *err)
{
    const char *verb = verbs[a->verb].name;
    if (!*p)
        return usage(err, "an empty path was given to 's3 %s'", verb);
    if (!tarn_is_s3_uri(p)) {
        if (!local_ok)
            return usage(err, "'s3 %s' takes an s3:// URI, not '%s'", verb, p);
        if (strcmp(p, "-") == 0 && (a->verb != V_CP || a->recursive))
            return usage(err, "'-' (standard input or output) works only with a single 's3 cp'");
        return TARN_EXIT_OK;
    }
    tarn_uri u;
    if (tarn_uri_parse(p, &u, err) != TARN_OK)
        return TARN_EXIT_FAIL;
    if (bucket_only && u.key[0])
        return usage(err, "'s3 %s' takes a bucket (s3://BUCKET), not '%s'", verb, p);
    return TARN_EXIT_OK;
}

/* Check the number and kinds of paths the verb was given. */
static int check_paths(const tarn_s3_args *a, tarn_error *err)
{
    const struct s3_verb *v = &verbs[a->verb];
    if (a->npaths < v->min_paths)
        return usage(err, "'s3 %s' needs %s", v->name, v->args);
    if (a->npaths > v->max_paths)
        return usage(err, "too many arguments for 's3 %s' ('%s')", v->name, a->paths[v->max_paths]);
    bool two = v->max_paths == 2;
    if (two && !tarn_is_s3_uri(a->paths[0]) && !tarn_is_s3_uri(a->paths[1]))
        return usage(err, "'s3 %s' needs an s3:// URI as SRC or DST; '%s' and its DST are both local",
                     v->name, a->paths[0]);
    for (int i = 0; i < a->npaths; i++) {
        int rc = check_path(a, a->paths[i], two, a->verb == V_MB || a->verb == V_RB, err);
        if (rc)
            return rc;
    }
    return TARN_EXIT_OK;
}

int tarn_cli_s3_parse(int argc, char **argv, tarn_s3_args **out, tarn_error *err)
{
    *out = NULL;
    if (argc < 1)
        return usage(err, "'tarn s3' needs a verb: mb, rb, ls, cp, mv, rm or sync");
    tarn_s3_args *a = tarn_xcalloc(1, sizeof *a);
    a->filters = tarn_xcalloc((size_t)argc, sizeof *a->filters);
    a->verb = -1;
    int rc = TARN_EXIT_OK;
    if (strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0)
        a->help = true;
    for (int v = 0; v < V_COUNT && !a->help; v++)
        if (strcmp(argv[0], verbs[v].name) == 0)
            a->verb = v;
    if (a->verb < 0 && !a->help)
        rc = usage(err, "unknown s3 verb '%s' (verbs: mb, rb, ls, cp, mv, rm, sync)", argv[0]);
    if (!rc && a->verb >= 0)
        rc = parse_words(a, argc, argv, err);
    if (!rc && !a->help)
        rc = check_paths(a, err);
    if (rc) {
        tarn_cli_s3_args_free(a);
        return rc;
    }
    *out = a;
    return TARN_EXIT_OK;
}

bool tarn_cli_s3_args_local(const tarn_s3_args *a)
{
    for (int i = 0; i < a->npaths; i++)
        if (!tarn_is_s3_uri(a->paths[i]))
            return true;
    return false;
}

void tarn_cli_s3_args_free(tarn_s3_args *a)
{
    if (!a)
        return;
    free(a->filters);
    free(a);
}

/* ---- output helpers ---- */

/* t as local "YYYY-MM-DD HH:MM:SS" (as aws s3 ls prints it). */
static void fmt_local_time(time_t t, char out[32])
{
    struct tm tm;
    localtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%d %H:%M:%S", &tm);
}

/* t as ISO 8601 UTC, for JSON. */
static void fmt_iso_time(time_t t, char out[32])
{
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* A size as aws s3 --human-readable shows it: "1 Byte", "12 Bytes",
** then one decimal of the largest unit that keeps the value under 1024. */
static void fmt_human(int64_t v, char *out, size_t n)
{
    static const char *const units[] = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    if (v == 1) {
        snprintf(out, n, "1 Byte");
        return;
    }
    if (v < 1024) {
        snprintf(out, n, "%lld Bytes", (long long)v);
        return;
    }
    double x = (double)v;
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        x /= 1024.0;
        if (round(x) < 1024.0 || i + 1 == sizeof units / sizeof units[0]) {
            snprintf(out, n, "%.1f %s", x, units[i]);
            return;
        }
    }
}

static void fmt_size(const tarn_s3_args *a, int64_t v, char *out, size_t n)
{
    if (a->human)
        fmt_human(v, out, n);
    else
        snprintf(out, n, "%lld", (long long)v);
}

/* Print the error of a failed operation; returns TARN_EXIT_FAIL. */
static int fail(const tarn_error *err)
{
    return tarn_cli_fail(err);
}

/* ---- mb, rb ---- */

static int do_mb(tarn_cli *cli, const tarn_s3_args *a, tarn_store *st, const tarn_uri *u)
{
    tarn_error err = {0};
    if (tarn_bucket_create(st, u->bucket, &err))
        return fail(&err);
    if (cli->json || a->json) {
        printf("{\"action\": \"make_bucket\", \"bucket\": ");
        tarn_cli_json_string(stdout, u->bucket);
        printf("}\n");
    } else {
        printf("make_bucket: %s\n", u->bucket);
    }
    return TARN_EXIT_OK;
}

static int do_xfer_request(tarn_cli *cli, const tarn_s3_args *a, tarn_store *st, const tarn_xfer_request *req,
                           bool json_array);

static int do_rb(tarn_cli *cli, const tarn_s3_args *a, tarn_store *st, const tarn_uri *u)
{
    tarn_error err = {0};
    if (a->force) {
        char *all = tarn_xasprintf("s3://%s/", u->bucket);
        tarn_xfer_request req = {.op = TARN_XFER_RM, .src = all, .recursive = true};
        int rc = do_xfer_request(cli, a, st, &req, false);
        free(all);
        if (rc)
            return rc;
    }
    if (tarn_bucket_delete(st, u->bucket, a->force, &err))
        return fail(&err);
    if (cli->json || a->json) {
        printf("{\"action\": \"remove_bucket\", \"bucket\": ");
        tarn_cli_json_string(stdout, u->bucket);
        printf("}\n");
    } else {
        printf("remove_bucket: %s\n", u->bucket);
    }
    return TARN_EXIT_OK;
}

/* ---- ls ---- */

static int ls_buckets(bool json, tarn_store *st)
{
    tarn_error err = {0};
    tarn_bucket_info *b;
    size_t n;
    if (tarn_bucket_list(st, &b, &n, &err))
        return fail(&err);
    char when[32];
    if (json)
        printf("[");
    for (size_t i = 0; i < n; i++) {
        if (json) {
            fmt_iso_time(b[i].created, when);
            printf("%s\n  {\"name\": ", i ? "," : "");
            tarn_cli_json_string(stdout, b[i].name);
            printf(", \"creation_date\": \"%s\"}", when);
        } else {
            fmt_local_time(b[i].created, when);
            printf("%s %s\n", when, b[i].name);
        }
    }
    if (json)
        printf("%s]\n", n ? "\n" : "");
    free(b);
    return TARN_EXIT_OK;
}

/* What ls collects: aws prints each page's common prefixes before its
** objects, so entries are held a page at a time. */
typedef struct ls_state {
    const tarn_s3_args *a;
    bool json;
    size_t shown;             /* entries printed so far */
    size_t nobjects;
    int64_t total;
    char *prefixes[TARN_LIST_PAGE_MAX];
    size_t np;
    tarn_object_info objects[TARN_LIST_PAGE_MAX];
    size_t no;
} ls_state;

static void ls_print_object(ls_state *s, const tarn_object_info *o)
{
    char when[32], size[32];
    if (s->json) {
        fmt_iso_time(o->mtime, when);
        printf("%s\n  {\"key\": ", s->shown ? "," : "");
        tarn_cli_json_string(stdout, o->key);
        printf(", \"size\": %lld, \"last_modified\": \"%s\"", (long long)o->size, when);
        if (o->etag[0]) {
            printf(", \"etag\": ");
            tarn_cli_json_string(stdout, o->etag);
        }
        printf("}");
    } else {
        const char *slash = strrchr(o->key, '/');
        fmt_local_time(o->mtime, when);
        fmt_size(s->a, o->size, size, sizeof size);
        printf("%s %10s %s\n", when, size, s->a->recursive || !slash ? o->key : slash + 1);
    }
    s->shown++;
}

static void ls_print_prefix(ls_state *s, const char *cp)
{
    if (s->json) {
        printf("%s\n  {\"prefix\": ", s->shown ? "," : "");
        tarn_cli_json_string(stdout, cp);
        printf("}");
    } else {
        size_t n = strlen(cp);
        size_t start = n - 1;
        while (start > 0 && cp[start - 1] != '/')
            start--;
        printf("%30s %s\n", "PRE", cp + start);
    }
    s->shown++;
}

/* Print the page held so far: common prefixes, then objects. */
static void ls_flush(ls_state *s)
{
    for (size_t i = 0; i < s->np; i++) {
        ls_print_prefix(s, s->prefixes[i]);
        free(s->prefixes[i]);
    }
    for (size_t i = 0; i < s->no; i++) {
        ls_print_object(s, &s->objects[i]);
        free(s->objects[i].key);
    }
    s->np = s->no = 0;
}

static int ls_entry(void *ctx, const tarn_object_info *obj, const char *cp)
{
    ls_state *s = ctx;
    if (obj) {
        s->objects[s->no] = *obj;
        s->objects[s->no++].key = tarn_xstrdup(obj->key);
        s->nobjects++;
        s->total += obj->size;
    } else {
        s->prefixes[s->np++] = tarn_xstrdup(cp);
    }
    if (s->np + s->no == TARN_LIST_PAGE_MAX)
        ls_flush(s);
    return 0;
}

static int ls_objects(tarn_cli *cli, const tarn_s3_args *a, tarn_store *st, const tarn_uri *u)
{
    ls_state *s = tarn_xcalloc(1, sizeof *s);
    s->a = a;
    s->json = cli->json || a->json;
    tarn_list_request req = {.prefix = u->key, .delimiter = a->recursive ? NULL : "/"};
    tarn_error err = {0};
    if (s->json)
        printf("[");
    int rc = tarn_object_list_all(st, u->bucket, &req, ls_entry, s, &err);
    ls_flush(s);
    if (s->json)
        printf("%s]\n", s->shown ? "\n" : "");
    if (!rc && a->summarize && !s->json) {
        char size[32];
        fmt_size(a, s->total, size, sizeof size);
        printf("\nTotal Objects: %zu\n   Total Size: %s\n", s->nobjects, size);
    }
    bool empty = s->shown == 0;
    free(s);
    if (rc)
        return fail(&err);
    /* aws s3 ls exits 1 when a prefix matches nothing. */
    return empty && u->key[0] ? TARN_EXIT_FAIL : TARN_EXIT_OK;
}

static int do_ls(tarn_cli *cli, const tarn_s3_args *a, tarn_store *st, const tarn_uri *u)
{
    if (!u)
        return ls_buckets(cli->json || a->json, st);
    return ls_objects(cli, a, st, u);
}

/* ---- cp, mv, rm, sync ---- */

typedef struct xfer_out {
    const tarn_s3_args *a;
    bool json;                /* machine-readable: no text lines */
    bool json_array;          /* print the events as a JSON array */
    size_t shown, failed;
} xfer_out;

static void print_event(void *ctx, const tarn_xfer_event *ev)
{
    xfer_out *o = ctx;
    if (ev->error) {
        o->failed++;
        fprintf(stderr, "tarn: %s failed: %s%s%s: %s\n", ev->action, ev->src, ev->dst ? " to " : "",
                ev->dst ? ev->dst : "", ev->error->msg);
    }
    if (o->json_array) {
        printf("%s\n  {\"action\": \"%s\", \"source\": ", o->shown ? "," : "", ev->action);
        tarn_cli_json_string(stdout, ev->src);
        if (ev->dst) {
            printf(", \"destination\": ");
            tarn_cli_json_string(stdout, ev->dst);
        }
        printf(", \"size\": %lld, \"dryrun\": %s", (long long)ev->size, ev->dryrun ? "true" : "false");
        if (ev->error) {
            printf(", \"error\": ");
            tarn_cli_json_string(stdout, ev->error->msg);
        }
        printf("}");
    } else if (!o->json && !o->a->quiet && !ev->error) {
        printf("%s%s: %s%s%s\n", ev->dryrun ? "(dryrun) " : "", ev->action, ev->src, ev->dst ? " to " : "",
               ev->dst ? ev->dst : "");
    }
    o->shown++;
    fflush(stdout);
}

/* Run a transfer, printing each event (as a JSON array if json_array and
** --json). */
static int do_xfer_request(tarn_cli *cli, const tarn_s3_args *a, tarn_store *st, const tarn_xfer_request *req,
                           bool json_array)
{
    xfer_out o = {.a = a, .json = cli->json || a->json};
    o.json_array = o.json && json_array;
    tarn_error err = {0};
    if (o.json_array)
        printf("[");
    int rc = tarn_store_transfer(st, req, print_event, &o, &err);
    if (o.json_array)
        printf("%s]\n", o.shown ? "\n" : "");
    if (!rc)
        return TARN_EXIT_OK;
    /* One failed item was already reported in full. */
    if (!(o.failed == 1 && o.shown == 1))
        tarn_cli_fail(&err);
    return TARN_EXIT_FAIL;
}

static int do_xfer(tarn_cli *cli, const tarn_s3_args *a, tarn_store *st)
{
    static const tarn_xfer_op ops[V_COUNT] = {[V_CP] = TARN_XFER_CP, [V_MV] = TARN_XFER_MV,
                                              [V_RM] = TARN_XFER_RM, [V_SYNC] = TARN_XFER_SYNC};
    tarn_xfer_request req = {
        .op = ops[a->verb],
        .src = a->paths[0],
        .dst = a->npaths > 1 ? a->paths[1] : NULL,
        .recursive = a->recursive,
        .dryrun = a->dryrun,
        .delete_extra = a->delete_extra,
        .filters = a->filters,
        .nfilters = a->nfilters,
    };
    return do_xfer_request(cli, a, st, &req, true);
}

/* ---- entry points ---- */

int tarn_cli_s3_run(tarn_cli *cli, const tarn_s3_args *a)
{
    if (a->help) {
        if (a->verb < 0)
            print_noun_help(stdout);
        else
            print_verb_help(stdout, a->verb);
        return TARN_EXIT_OK;
    }
    tarn_error err = {0};
    tarn_store *st;
    if (tarn_store_open(&st, cli->home, &err))
        return fail(&err);
    tarn_uri u;
    bool have_uri = (a->verb == V_MB || a->verb == V_RB || a->verb == V_LS) && a->npaths == 1;
    if (have_uri && tarn_uri_parse(a->paths[0], &u, &err)) {
        tarn_store_close(st);
        return fail(&err);
    }
    int rc;
    switch (a->verb) {
    case V_MB: rc = do_mb(cli, a, st, &u); break;
    case V_RB: rc = do_rb(cli, a, st, &u); break;
    case V_LS: rc = do_ls(cli, a, st, have_uri ? &u : NULL); break;
    default: rc = do_xfer(cli, a, st); break;
    }
    tarn_store_close(st);
    return rc;
}

int tarn_cli_s3(tarn_cli *cli, int argc, char **argv)
{
    tarn_s3_args *a;
    tarn_error err = {0};
    int rc = tarn_cli_s3_parse(argc, argv, &a, &err);
    if (rc == TARN_EXIT_USAGE) {
        const char *verb = argc > 0 ? argv[0] : "";
        bool known = false;
        for (int v = 0; v < V_COUNT; v++)
            known |= strcmp(verb, verbs[v].name) == 0;
        fprintf(stderr, "tarn: %s\n(run 'tarn s3 %s%s--help' for usage)\n", err.msg, known ? verb : "",
                known ? " " : "");
        return rc;
    }
    if (rc)
        return fail(&err);
    rc = tarn_cli_s3_run(cli, a);
    tarn_cli_s3_args_free(a);
    return rc;
}
