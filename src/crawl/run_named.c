/*
** run_named.c: running a stored crawler as Glue does (crawl.h,
** tarn_crawler_run_by_name). The crawler comes back from the crawlers
** table (load.c), its role from the roles table (iam/role_load.c); the
** crawl itself is tarn_crawl_run (crawl.c) with every listing and read
** checked against the role.
**
** A role that is missing or does not trust glue.amazonaws.com
** (TARN_ERR_ACCESS), or whose stored policies tarn cannot read, fails the
** crawl the way Glue reports it: the run is recorded (FAILED,
** with the error naming the role) and the crawler goes back to READY. The
** role's error is handed to the crawl through its access check, whose
** first call (s3:ListBucket of the first target) comes before anything is
** listed or read.
*/
#include "crawl/crawl_int.h"

#include <stdio.h>
#include <string.h>

#include "iam/iam.h"

#define GLUE_SERVICE "glue.amazonaws.com"

/* The access check of one named run: the role, or why there is none. */
typedef struct named_access {
    tarn_iam_role *role; /* NULL when role_rc is set */
    int role_rc;         /* TARN_OK, or why the role cannot be used */
    tarn_error role_err;
} named_access;

/* tarn_crawl_allow_fn over a named_access: the role's failure if it has
** one, else the role's policies (tarn_iam_s3_allow). */
static int named_allow(void *ud, const char *action, const char *bucket, const char *key,
                       tarn_error *err)
{
    named_access *a = ud;
    if (a->role_rc) {
        if (err)
            *err = a->role_err;
        return a->role_rc;
    }
    return tarn_iam_s3_allow(a->role, action, bucket, key, err);
}

/* Load the crawler's role into a and check that Glue may assume it; a
** failure is kept in a (not returned): the crawl reports it. */
static void load_role(tarn_catalog *cat, const tarn_crawler_def *d, named_access *a)
{
    const char *name = d->cfg.name;
    tarn_error *e = &a->role_err;
    if (!d->role || !*d->role) {
        a->role_rc = tarn_error_set(e, TARN_ERR_ACCESS, "AccessDenied: crawler '%s' has no "
                                    "Role; give it a role that glue.amazonaws.com may assume",
                                    name);
        return;
    }
    a->role_rc = tarn_iam_role_load(cat, d->role, &a->role, e);
    if (a->role_rc == TARN_ERR_NOTFOUND) {
        a->role_rc = e->code = TARN_ERR_ACCESS; /* Glue: unable to assume the role */
        tarn_error_prefix(e, "AccessDenied: crawler '%s' cannot assume its role: ", name);
        return;
    }
    if (a->role_rc) {
        tarn_error_prefix(e, "crawler '%s' cannot use role '%s': ", name, d->role);
        return;
    }
    if (!tarn_iam_can_assume(a->role, GLUE_SERVICE)) {
        a->role_rc = tarn_error_set(e, TARN_ERR_ACCESS, "AccessDenied: crawler '%s' cannot "
                                    "assume role '%s': its AssumeRolePolicyDocument does not "
                                    "let the service %s perform sts:AssumeRole; add a "
                                    "statement allowing it", name,
                                    tarn_iam_role_name(a->role), GLUE_SERVICE);
        tarn_iam_role_free(a->role);
        a->role = NULL;
    }
}

int tarn_crawler_run_by_name(tarn_store *st, tarn_catalog *cat, const char *name,
                             const char *workflow_run_id, tarn_crawl_result *res,
                             tarn_error *err)
{
    tarn_crawler_def d;
    int rc = tarn_crawler_load(cat, name, &d, err);
    if (rc)
        return rc;
    named_access a = {0};
    load_role(cat, &d, &a);
    d.cfg.allow = named_allow;
    d.cfg.allow_ud = &a;
    d.cfg.workflow_run_id = workflow_run_id;
    rc = tarn_crawl_run(st, cat, &d.cfg, res, err);
    tarn_iam_role_free(a.role);
    tarn_crawler_def_free(&d);
    return rc;
}
