/*
** cli.h: what the command-line nouns share. main.c parses the global
** options into a tarn_cli and dispatches `tarn NOUN VERB ...` to one
** function per noun (cli_<noun>.c), each of which parses its verb's
** options, calls one module function and prints the result.
**
** Exit codes: TARN_EXIT_OK (0) success, TARN_EXIT_FAIL (1) the operation
** failed, TARN_EXIT_USAGE (2) the command line was wrong.
*/
#ifndef TARN_CLI_H
#define TARN_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "core/core.h"

enum { TARN_EXIT_OK = 0, TARN_EXIT_FAIL = 1, TARN_EXIT_USAGE = 2 };

typedef struct tarn_cli {
    const char *home;   /* --home, else $TARN_HOME, else ./.tarn */
    bool json;          /* --json: machine-readable output on stdout */
    bool tty;           /* stdout is a terminal */
} tarn_cli;

/* A noun's entry point: argv[0] is the verb (argc may be 0). */
typedef int (*tarn_cli_noun_fn)(tarn_cli *cli, int argc, char **argv);

int tarn_cli_s3(tarn_cli *cli, int argc, char **argv);
int tarn_cli_file(tarn_cli *cli, int argc, char **argv);

/* Print "tarn: <msg>" to stderr for a failed operation; returns
** TARN_EXIT_FAIL (or TARN_EXIT_USAGE for TARN_ERR_INVALID if usage). */
int tarn_cli_fail(const tarn_error *err);
/* Print "tarn: <formatted>" and a hint to run --help; returns
** TARN_EXIT_USAGE. */
int tarn_cli_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Write s as a JSON string literal (quotes and escapes) to f. */
void tarn_cli_json_string(FILE *f, const char *s);

#endif
