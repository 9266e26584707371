/*
** cli_verbs.h: a noun whose verbs take positional words, --json and
** --help, and work on the state home (cli_verbs.c). The crawler, catalog
** and iam nouns are tables of these verbs:
**
**     static const tarn_cli_verb verbs[] = {
**         {"run", "NAME", 1, 1, crawler_run, "run a crawler and print its summary"},
**     };
**     return tarn_cli_verbs_run(cli, &noun, argc, argv);
**
** The dispatcher finds the verb, parses its words, opens the home's store
** and catalog, calls the verb and closes them. Also: JSON printing and the
** time and duration texts the listings share.
*/
#ifndef TARN_CLI_VERBS_H
#define TARN_CLI_VERBS_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "cli/cli.h"
#include "cli/table_print.h"

/* A verb: its words (args[0..nargs), between min_args and max_args) with
** the home open; returns an exit code. */
typedef int (*tarn_cli_verb_fn)(tarn_cli *cli, tarn_cli_home *h, char **args, int nargs);

typedef struct tarn_cli_verb {
    const char *name;
    const char *usage;   /* its words, e.g. "DB.TABLE" */
    int min_args, max_args;
    tarn_cli_verb_fn run;
    const char *summary;
} tarn_cli_verb;

typedef struct tarn_cli_noun {
    const char *name;
    const char *summary;
    const tarn_cli_verb *verbs;
    size_t nverbs;
} tarn_cli_noun;

/* `tarn NOUN VERB [WORDS] [--json] [--help]`: argv[0] is the verb. Usage
** errors exit TARN_EXIT_USAGE; otherwise the verb's exit code. */
int tarn_cli_verbs_run(tarn_cli *cli, const tarn_cli_noun *noun, int argc, char **argv);

/* Start a grid of n columns (boxed on a terminal) with its heading row. */
void tarn_cli_grid_begin(tarn_grid *g, const tarn_cli *cli, const char *const *heads, int n);

/* Print v (consumed) to stdout as indented JSON and a newline. */
void tarn_cli_json_print(json_t *v);

/* "2026-12-06 15:58:36" (UTC) for ms since the epoch; "-" for 0. */
const char *tarn_cli_time_text(int64_t ms, char *buf, size_t n);
/* "1.25s", "3m05s", "2h01m" for a duration in ms; "-" when negative. */
const char *tarn_cli_duration_text(int64_t ms, char *buf, size_t n);

#endif
