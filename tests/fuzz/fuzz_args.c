/*
** fuzz_args.c: libFuzzer target over `tarn s3` argument parsing. The input
** is a NUL-separated argv (verb first) given to tarn_cli_s3_parse, which
** must never crash and must either accept or explain. A command that names
** only s3:// URIs is then also run against a temp home reset before each
** run to one bucket with a few objects: it can only touch files under that
** home. A command naming a local path is parsed, never run.
*/
#define _GNU_SOURCE
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "store/store.h"

#define MAX_ARGS 16
#define CHECK(c) do { if (!(c)) __builtin_trap(); } while (0)

static char home[64];

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    return remove(path);
}

/* Write one seed object straight into the bucket folder. */
static void seed_file(const char *key, const char *content)
{
    char path[256];
    snprintf(path, sizeof path, "%s/buckets/seed/%s", home, key);
    FILE *f = fopen(path, "w");
    if (!f)
        abort();
    fputs(content, f);
    fclose(f);
}

/* Reset the home to one bucket with a few objects, so every input starts
** from the same state (and copies cannot pile up from run to run). */
static void reset_home(void)
{
    char path[128];
    snprintf(path, sizeof path, "%s/buckets", home);
    nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    const char *dirs[] = {"", "/seed", "/seed/dir", "/seed/dir/sub", "/.tarn-tmp"};
    for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
        snprintf(path, sizeof path, "%s/buckets%s", home, dirs[i]);
        mkdir(path, 0777);
    }
    seed_file("a.txt", "a");
    seed_file("dir/b.txt", "bb");
    seed_file("dir/sub/c.txt", "ccc");
}

/* Remove the temp home when the fuzzer exits. */
static void remove_home(void)
{
    nftw(home, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    snprintf(home, sizeof home, "/tmp/tarn-fuzz-args-XXXXXX");
    if (!mkdtemp(home))
        abort();
    if (!freopen("/dev/null", "w", stdout))
        abort();
    reset_home();
    atexit(remove_home);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096)
        return 0;
    char *buf = malloc(size + 1);
    memcpy(buf, data, size);
    buf[size] = '\0';
    char *argv[MAX_ARGS + 1];
    int argc = 0;
    for (size_t i = 0; i < size + 1 && argc < MAX_ARGS;) {
        argv[argc++] = buf + i;
        i += strlen(buf + i) + 1;
    }
    argv[argc] = NULL;
    tarn_s3_args *a = NULL;
    tarn_error err = {0};
    int rc = tarn_cli_s3_parse(argc, argv, &a, &err);
    if (rc != TARN_EXIT_OK) {
        CHECK(a == NULL && err.msg[0] != '\0');
        CHECK(rc == TARN_EXIT_USAGE || rc == TARN_EXIT_FAIL);
    } else {
        CHECK(a != NULL);
        if (!tarn_cli_s3_args_local(a)) {
            tarn_cli cli = {.home = home};
            rc = tarn_cli_s3_run(&cli, a);
            CHECK(rc == TARN_EXIT_OK || rc == TARN_EXIT_FAIL || rc == TARN_EXIT_USAGE);
            reset_home();
        }
        tarn_cli_s3_args_free(a);
    }
    free(buf);
    return 0;
}
