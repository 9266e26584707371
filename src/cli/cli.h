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
int tarn_cli_stack(tarn_cli *cli, int argc, char **argv);     /* cli_stack.c */
int tarn_cli_iam(tarn_cli *cli, int argc, char **argv);       /* cli_iam.c */
int tarn_cli_job(tarn_cli *cli, int argc, char **argv);       /* cli_job.c */
int tarn_cli_crawler(tarn_cli *cli, int argc, char **argv);   /* cli_crawler.c */
int tarn_cli_catalog(tarn_cli *cli, int argc, char **argv);   /* cli_catalog.c */
int tarn_cli_workflow(tarn_cli *cli, int argc, char **argv);  /* cli_workflow.c */
int tarn_cli_scheduler(tarn_cli *cli, int argc, char **argv); /* cli_workflow.c */
int tarn_cli_query(tarn_cli *cli, int argc, char **argv);     /* cli_query.c */

/* The state home's store and catalog, opened together (cli_home.c). */
typedef struct tarn_store tarn_store;
typedef struct tarn_catalog tarn_catalog;
typedef struct tarn_cli_home {
    tarn_store *store;
    tarn_catalog *cat;
} tarn_cli_home;

/* Open cli->home's object store and catalog.db (creating the home and
** the catalog on first use). On failure prints the error and returns
** TARN_EXIT_FAIL; on success TARN_EXIT_OK. Close with tarn_cli_home_close. */
int tarn_cli_home_open(const tarn_cli *cli, tarn_cli_home *h);
void tarn_cli_home_close(tarn_cli_home *h);

/* Print "tarn: <msg>" to stderr for a failed operation; returns
** TARN_EXIT_FAIL (or TARN_EXIT_USAGE for TARN_ERR_INVALID if usage). */
int tarn_cli_fail(const tarn_error *err);
/* Print "tarn: <formatted>" and a hint to run --help; returns
** TARN_EXIT_USAGE. */
int tarn_cli_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- option tables (cli_options.c) ------------------------------------
** A noun whose verbs take `--name VALUE`, `--name=VALUE` and `--flag`
** options lists them in one table; verbs is a bit set of the verbs each
** applies to (bit v for verb v). */
typedef struct tarn_cli_option {
    const char *name;  /* without "--" */
    const char *arg;   /* what the value is ("FILE"), NULL for a flag */
    int id;            /* the noun's own option number */
    unsigned verbs;
    const char *help;
} tarn_cli_option;

/* Match the word "--name[=value]" at argv[*i] against opts[0..n) for the
** verb whose bit is verb_bit; cmd names the command in messages ("stack
** deploy"). On success *opt is the option, *value its value (NULL for a
** flag) and *i has moved past a value given as the next word. Otherwise
** prints the usage error (unknown option, one that does not apply, a
** missing or unwanted value) and returns TARN_EXIT_USAGE. */
int tarn_cli_option_match(const tarn_cli_option *opts, size_t n, unsigned verb_bit,
                          const char *cmd, int argc, char **argv, int *i,
                          const tarn_cli_option **opt, const char **value);
/* Print "  --name ARG   help" for each option of verb_bit, the left column
** width wide. */
void tarn_cli_options_help(FILE *f, const tarn_cli_option *opts, size_t n, unsigned verb_bit,
                           int width);

/* Write s as a JSON string literal (quotes and escapes) to f. */
void tarn_cli_json_string(FILE *f, const char *s);

/* ---- `tarn s3`, split in parse and run for tests and fuzzing ----------
** (cli_s3.c). tarn_cli_s3 is parse + run + free. */
typedef struct tarn_s3_args tarn_s3_args;

/* Parse `s3 VERB ARGS...` (argv[0] is the verb) into *out, which the
** caller frees with tarn_cli_s3_args_free. Touches no file. Returns
** TARN_EXIT_OK, or TARN_EXIT_USAGE (bad command line) or TARN_EXIT_FAIL
** (a malformed s3:// URI) with err filled and *out NULL. */
int tarn_cli_s3_parse(int argc, char **argv, tarn_s3_args **out, tarn_error *err);
/* True if the parsed command names a local path (reads or writes files
** outside the store). */
bool tarn_cli_s3_args_local(const tarn_s3_args *a);
/* Carry out a parsed command against cli->home; prints; returns an exit
** code. */
int tarn_cli_s3_run(tarn_cli *cli, const tarn_s3_args *a);
void tarn_cli_s3_args_free(tarn_s3_args *a);

#endif
