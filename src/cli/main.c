/*
** main.c: tarn's entry point. Parses the global options (--home, --json,
** --help, --version) that may stand before the noun, then dispatches
** `tarn NOUN VERB ...` through the noun table to cli_<noun>.c.
*/
#include "cli/cli.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const struct noun {
    const char *name;
    tarn_cli_noun_fn fn;
    const char *summary;
} nouns[] = {
    {"stack", tarn_cli_stack, "CloudFormation stacks: deploy, delete, list, describe"},
    {"iam", tarn_cli_iam, "roles: simulate"},
    {"job", tarn_cli_job, "Glue jobs: run, list, runs, logs"},
    {"crawler", tarn_cli_crawler, "Glue crawlers: run, list, runs"},
    {"catalog", tarn_cli_catalog, "the data catalog: databases, tables, describe, partitions, ddl"},
    {"workflow", tarn_cli_workflow, "Glue workflows: run, list, runs, show, graph, resume"},
    {"scheduler", tarn_cli_scheduler, "start SCHEDULED triggers on time (foreground)"},
    {"query", tarn_cli_query, "Athena SQL: query, shell, history, get, results"},
    {"s3", tarn_cli_s3, "buckets and objects: mb, rb, ls, cp, mv, rm, sync"},
    {"file", tarn_cli_file, "single files: inspect, cat, stats, convert"},
};

static void print_usage(FILE *f)
{
    fprintf(f, "usage: tarn [--home DIR] [--json] NOUN VERB [ARGS]\n\n");
    for (size_t i = 0; i < sizeof nouns / sizeof nouns[0]; i++)
        fprintf(f, "  %-10s %s\n", nouns[i].name, nouns[i].summary);
    fprintf(f, "\nGlobal options:\n"
               "  --home DIR   state directory (else $TARN_HOME, else ./.tarn)\n"
               "  --json       machine-readable output\n"
               "  --version    print the version\n"
               "Run 'tarn NOUN --help' for a noun's verbs.\n");
}

int tarn_cli_fail(const tarn_error *err)
{
    fprintf(stderr, "tarn: %s\n", err->msg[0] ? err->msg : tarn_status_name(err->code));
    return TARN_EXIT_FAIL;
}

int tarn_cli_usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("tarn: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputs("\n(run 'tarn --help' for usage)\n", stderr);
    va_end(ap);
    return TARN_EXIT_USAGE;
}

void tarn_cli_json_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"': fputs("\\\"", f); break;
        case '\\': fputs("\\\\", f); break;
        case '\n': fputs("\\n", f); break;
        case '\r': fputs("\\r", f); break;
        case '\t': fputs("\\t", f); break;
        default:
            if (*p < 0x20)
                fprintf(f, "\\u%04x", *p);
            else
                fputc(*p, f);
        }
    }
    fputc('"', f);
}

/* Consume global options from argv; returns the index of the noun, or -1
** after printing a usage error into *rc. */
static int parse_globals(tarn_cli *cli, int argc, char **argv, int *rc)
{
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--json") == 0) {
            cli->json = true;
        } else if (strcmp(a, "--home") == 0) {
            if (i + 1 >= argc || argv[i + 1][0] == '\0') {
                *rc = tarn_cli_usage_error("--home needs a directory");
                return -1;
            }
            cli->home = argv[++i];
        } else if (strncmp(a, "--home=", 7) == 0 && a[7]) {
            cli->home = a + 7;
        } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            print_usage(stdout);
            *rc = TARN_EXIT_OK;
            return -1;
        } else if (strcmp(a, "--version") == 0) {
            printf("tarn %s\n", TARN_VERSION);
            *rc = TARN_EXIT_OK;
            return -1;
        } else {
            *rc = tarn_cli_usage_error("unknown option '%s'", a);
            return -1;
        }
    }
    return i;
}

#ifdef TARN_FUZZING
/* libFuzzer targets link the CLI and bring their own main. */
#define main tarn_cli_main
#endif
int main(int argc, char **argv)
{
    tarn_cli cli = {0};
    const char *env = getenv("TARN_HOME");
    cli.home = env && *env ? env : "./.tarn";
    cli.tty = isatty(STDOUT_FILENO);
    int rc = TARN_EXIT_OK;
    int i = parse_globals(&cli, argc, argv, &rc);
    if (i < 0)
        return rc;
    if (i >= argc) {
        print_usage(stderr);
        return TARN_EXIT_USAGE;
    }
    for (size_t k = 0; k < sizeof nouns / sizeof nouns[0]; k++)
        if (strcmp(argv[i], nouns[k].name) == 0)
            return nouns[k].fn(&cli, argc - i - 1, argv + i + 1);
    return tarn_cli_usage_error("unknown command '%s'", argv[i]);
}
