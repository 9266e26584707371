/*
** cli_verbs.c: the dispatcher of nouns made of simple verbs (cli_verbs.h),
** with their help text, and the JSON and time printing they share.
*/
#include "cli/cli_verbs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void print_noun_help(FILE *f, const tarn_cli_noun *noun)
{
    fprintf(f, "usage: tarn %s VERB [ARGS] [--json]\n\n%s.\n\nVerbs:\n", noun->name,
            noun->summary);
    for (size_t i = 0; i < noun->nverbs; i++)
        fprintf(f, "  %-10s %-28s %s\n", noun->verbs[i].name, noun->verbs[i].usage,
                noun->verbs[i].summary);
    fprintf(f, "\nOptions:\n  --json     machine-readable output\n"
               "  -h, --help show this help\n");
}

static void print_verb_help(FILE *f, const tarn_cli_noun *noun, const tarn_cli_verb *v)
{
    fprintf(f, "usage: tarn %s %s %s [--json]\n\n%s.\n", noun->name, v->name, v->usage,
            v->summary);
}

static const tarn_cli_verb *find_verb(const tarn_cli_noun *noun, const char *name)
{
    for (size_t i = 0; i < noun->nverbs; i++)
        if (strcmp(noun->verbs[i].name, name) == 0)
            return &noun->verbs[i];
    return NULL;
}

/* Split argv[1..) into options and words (args gets room for argc). */
static int parse_words(tarn_cli *cli, const tarn_cli_noun *noun, const tarn_cli_verb *v,
                       int argc, char **argv, char **args, int *nargs, bool *help)
{
    bool opts = true;
    for (int i = 1; i < argc; i++) {
        const char *w = argv[i];
        if (opts && strcmp(w, "--") == 0)
            opts = false;
        else if (opts && strcmp(w, "--json") == 0)
            cli->json = true;
        else if (opts && (strcmp(w, "--help") == 0 || strcmp(w, "-h") == 0))
            *help = true;
        else if (opts && w[0] == '-' && w[1])
            return tarn_cli_usage_error("unknown option '%s' for '%s %s'", w, noun->name,
                                        v->name);
        else
            args[(*nargs)++] = argv[i];
    }
    return TARN_EXIT_OK;
}

int tarn_cli_verbs_run(tarn_cli *cli, const tarn_cli_noun *noun, int argc, char **argv)
{
    if (argc < 1 || strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0) {
        print_noun_help(argc < 1 ? stderr : stdout, noun);
        return argc < 1 ? TARN_EXIT_USAGE : TARN_EXIT_OK;
    }
    const tarn_cli_verb *v = find_verb(noun, argv[0]);
    if (!v)
        return tarn_cli_usage_error("'%s' is not a verb of 'tarn %s' (run 'tarn %s --help')",
                                    argv[0], noun->name, noun->name);
    char **args = tarn_xcalloc((size_t)argc + 1, sizeof *args);
    int nargs = 0, rc;
    bool help = false;
    rc = parse_words(cli, noun, v, argc, argv, args, &nargs, &help);
    if (!rc && help) {
        print_verb_help(stdout, noun, v);
    } else if (!rc && (nargs < v->min_args || nargs > v->max_args)) {
        rc = tarn_cli_usage_error("usage: tarn %s %s %s", noun->name, v->name, v->usage);
    } else if (!rc) {
        tarn_cli_home h;
        rc = tarn_cli_home_open(cli, &h);
        if (!rc)
            rc = v->run(cli, &h, args, nargs);
        tarn_cli_home_close(&h);
    }
    free(args);
    return rc;
}

void tarn_cli_grid_begin(tarn_grid *g, const tarn_cli *cli, const char *const *heads, int n)
{
    tarn_grid_init(g, n, cli->tty);
    for (int i = 0; i < n; i++)
        tarn_grid_add_str(g, heads[i]);
}

void tarn_cli_json_print(json_t *v)
{
    json_dumpf(v, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
    fputc('\n', stdout);
    json_decref(v);
}

const char *tarn_cli_time_text(int64_t ms, char *buf, size_t n)
{
    if (ms <= 0) {
        snprintf(buf, n, "-");
        return buf;
    }
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, n, "%Y-%m-%d %H:%M:%S", &tm);
    return buf;
}

const char *tarn_cli_duration_text(int64_t ms, char *buf, size_t n)
{
    if (ms < 0)
        snprintf(buf, n, "-");
    else if (ms < 60000)
        snprintf(buf, n, "%.2fs", (double)ms / 1000.0);
    else if (ms < 3600000)
        snprintf(buf, n, "%lldm%02llds", (long long)(ms / 60000), (long long)(ms / 1000 % 60));
    else
        snprintf(buf, n, "%lldh%02lldm", (long long)(ms / 3600000),
                 (long long)(ms / 60000 % 60));
    return buf;
}
