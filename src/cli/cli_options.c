/*
** cli_options.c: matching `--name[=value]` words against a noun's option
** table and printing the table as help (cli.h, "option tables"). The nouns
** keep what each option means; this file only finds it and its value.
*/
#include "cli/cli.h"

#include <stdio.h>
#include <string.h>

/* The option of opts named w[0..len), or NULL. */
static const tarn_cli_option *find(const tarn_cli_option *opts, size_t n, const char *w,
                                   size_t len)
{
    for (size_t k = 0; k < n; k++)
        if (strlen(opts[k].name) == len && memcmp(opts[k].name, w, len) == 0)
            return &opts[k];
    return NULL;
}

int tarn_cli_option_match(const tarn_cli_option *opts, size_t n, unsigned verb_bit,
                          const char *cmd, int argc, char **argv, int *i,
                          const tarn_cli_option **opt, const char **value)
{
    const char *w = argv[*i] + 2, *eq = strchr(w, '=');
    const tarn_cli_option *o = find(opts, n, w, eq ? (size_t)(eq - w) : strlen(w));
    if (!o)
        return tarn_cli_usage_error("unknown option '%s' for '%s'", argv[*i], cmd);
    if (!(o->verbs & verb_bit))
        return tarn_cli_usage_error("option '--%s' does not apply to '%s'", o->name, cmd);
    const char *val = eq ? eq + 1 : NULL;
    if (o->arg && !val && *i + 1 < argc)
        val = argv[++*i];
    if (o->arg && !val)
        return tarn_cli_usage_error("option '--%s' needs a value: %s", o->name, o->arg);
    if (!o->arg && val)
        return tarn_cli_usage_error("option '--%s' takes no value", o->name);
    *opt = o;
    *value = val;
    return TARN_EXIT_OK;
}

void tarn_cli_options_help(FILE *f, const tarn_cli_option *opts, size_t n, unsigned verb_bit,
                           int width)
{
    for (size_t i = 0; i < n; i++) {
        if (!(opts[i].verbs & verb_bit))
            continue;
        char left[64];
        snprintf(left, sizeof left, "--%s%s%s", opts[i].name, opts[i].arg ? " " : "",
                 opts[i].arg ? opts[i].arg : "");
        fprintf(f, "  %-*s %s\n", width, left, opts[i].help);
    }
}
