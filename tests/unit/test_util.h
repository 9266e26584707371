/*
** test_util.h: small helpers the cmocka unit tests share: a fresh
** temporary folder for a test's tarn home, and removing it afterwards.
** Header-only (static inline), included by the test programs that need it.
*/
#ifndef TARN_TEST_UTIL_H
#define TARN_TEST_UTIL_H

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

static inline int test_util_remove_one(const char *path, const struct stat *sb, int flag,
                                       struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    return remove(path);
}

/* Remove path and everything below it (links are removed, not followed). */
static inline void test_rmtree(const char *path)
{
    nftw(path, test_util_remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

#endif
