/*
** fuzz_crawl_classify.c: libFuzzer target over the crawler's classifiers
** (crawl/classify.c, classify_csv.c) and its exclusion globs (glob.c).
** Arbitrary bytes go to tarn_crawl_classify_text, as a whole file and as a
** sample cut short; besides "never crash, never read out of bounds", it
** checks what a classification promises: CSV has 2+ columns and 2+ data
** rows and one of Glue's delimiters, JSON at least one record, UNKNOWN a
** reason and no columns, every column a non-empty unique name. The input
** split at its first NUL is also a glob pattern and a key.
*/
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crawl/crawl.h"

#define CHECK(c) do { if (!(c)) __builtin_trap(); } while (0)

/* The promises of one classification. */
static void check_class(const tarn_crawl_class *c)
{
    if (c->format == TARN_CRAWL_UNKNOWN) {
        CHECK(c->reason[0] != '\0');
        CHECK(c->schema.ncols == 0);
        return;
    }
    CHECK(c->records >= 1 && c->avg_record_size >= 1);
    if (c->format == TARN_CRAWL_CSV) {
        CHECK(c->schema.ncols >= 2 && c->records >= 2);
        CHECK(memchr(",|\t;\x01", c->delimiter, 5) != NULL && c->delimiter != 0);
    }
    for (int i = 0; i < c->schema.ncols; i++) {
        const tarn_field *f = &c->schema.fields[i];
        CHECK(f->name && f->name[0]);
        CHECK(f->type.id == TARN_TYPE_BOOLEAN || f->type.id == TARN_TYPE_INT ||
              f->type.id == TARN_TYPE_BIGINT || f->type.id == TARN_TYPE_DOUBLE ||
              f->type.id == TARN_TYPE_STRING);
        for (int j = 0; j < i; j++)
            CHECK(strcmp(c->schema.fields[j].name, f->name) != 0);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* exact-size copies, so ASan sees any read past the end */
    for (int cut = 0; cut < 2; cut++) {
        char *copy = malloc(size ? size : 1);
        memcpy(copy, data, size);
        tarn_crawl_class c;
        tarn_crawl_class_init(&c);
        tarn_crawl_classify_text(copy, size, cut == 1, &c);
        check_class(&c);
        tarn_crawl_class_free(&c);
        free(copy);
    }
    const uint8_t *nul = memchr(data, 0, size);
    if (nul && size - (size_t)(nul - data) <= 2048) {
        char *pat = strndup((const char *)data, (size_t)(nul - data));
        char *key = strndup((const char *)nul + 1, size - (size_t)(nul - data) - 1);
        tarn_error err = {0};
        int r = tarn_crawl_glob_match(pat, key, &err);
        CHECK(r == 0 || r == 1 || (r < 0 && err.msg[0]));
        free(pat);
        free(key);
    }
    return 0;
}
