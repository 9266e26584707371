/*
** transfer.c: what `tarn s3 cp|mv|rm|sync` do, as aws s3 does it (see
** store.h): one object or file, or everything under a prefix or local
** directory, between local paths and s3:// in either direction or from
** s3:// to s3://; --exclude/--include filters; sync copies what is missing,
** of another size or newer at the source, and with delete_extra removes
** what the source lacks. The object calls themselves are in store_fs.c;
** this file plans the items, runs them and reports each through the
** caller's callback (cli/ prints them).
**
** Items are named by their path relative to the source prefix or
** directory ("rel"), always with '/' separators; both sides of a sync are
** listed in byte order of rel and merged. Local directory walks follow
** symlinks to files but not to directories, so a cycle cannot make a walk
** endless. Glob matching is the C library's fnmatch without FNM_PATHNAME,
** so '*' also matches '/', as in aws s3.
*/
#define _GNU_SOURCE
#include "store/store_internal.h"

#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* One object or file to transfer. */
typedef struct xitem {
    char *rel;
    int64_t size;
    time_t mtime;
} xitem;

typedef struct xlist {
    xitem *v;
    size_t n, cap;
} xlist;

/* One end of a transfer as the user gave it. */
typedef struct xend {
    bool s3;
    tarn_uri uri;        /* when s3 */
    const char *path;    /* the argument itself */
} xend;

typedef struct xfer {
    tarn_store *st;
    const tarn_xfer_request *req;
    tarn_xfer_fn fn;
    void *ctx;
    xend src, dst;
    size_t nitems, nfailed;
    int first_rc;
} xfer;

/* ---- item lists ---- */

static void xlist_add(xlist *l, const char *rel, int64_t size, time_t mtime)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 64;
        l->v = tarn_xrealloc(l->v, l->cap * sizeof *l->v);
    }
    l->v[l->n++] = (xitem){tarn_xstrdup(rel), size, mtime};
}

static void xlist_free(xlist *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i].rel);
    free(l->v);
    memset(l, 0, sizeof *l);
}

static int xitem_cmp(const void *a, const void *b)
{
    return strcmp(((const xitem *)a)->rel, ((const xitem *)b)->rel);
}

typedef struct s3_collect {
    xlist *list;
    size_t plen;
} s3_collect;

static int s3_collect_one(void *ctx, const tarn_object_info *obj, const char *cp)
{
    s3_collect *c = ctx;
    if (obj)
        xlist_add(c->list, obj->key + c->plen, obj->size, obj->mtime);
    return 0;
}

/* Every object under prefix in bucket, rel = key less the prefix. */
static int list_s3(tarn_store *st, const char *bucket, const char *prefix, xlist *out, tarn_error *err)
{
    tarn_list_request req = {.prefix = prefix};
    s3_collect c = {out, strlen(prefix)};
    return tarn_object_list_all(st, bucket, &req, s3_collect_one, &c, err);
}

/* Add the files under the directory path to out, their rel prefixed by
** base ("" or ending in '/'). A rel too long to be a key is still listed,
** so that its transfer fails with an error naming it rather than the file
** being skipped without a word. */
static int walk_local(const char *path, const char *base, xlist *out, tarn_error *err)
{
    DIR *d = opendir(path);
    if (!d)
        return tarn_error_errno(err, TARN_ERR_IO, errno, "cannot read directory '%s'", path);
    int rc = TARN_OK;
    struct dirent *e;
    while (!rc && (e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        char *child = tarn_xasprintf("%s/%s", path, e->d_name);
        char *rel = tarn_xasprintf("%s%s", base, e->d_name);
        struct stat sb, lsb;
        if (lstat(child, &lsb) == 0 && stat(child, &sb) == 0) {
            if (S_ISREG(sb.st_mode)) {
                xlist_add(out, rel, sb.st_size, sb.st_mtim.tv_sec);
            } else if (S_ISDIR(sb.st_mode) && S_ISDIR(lsb.st_mode)) {
                char *sub = tarn_xasprintf("%s/", rel);
                rc = walk_local(child, sub, out, err);
                free(sub);
            }
        }
        free(rel);
        free(child);
    }
    closedir(d);
    return rc;
}

/* Every file under the local directory dir, sorted by rel. */
static int list_local(const char *dir, xlist *out, tarn_error *err)
{
    int rc = walk_local(dir, "", out, err);
    if (!rc && out->n > 1)
        qsort(out->v, out->n, sizeof *out->v, xitem_cmp);
    return rc;
}

/* ---- names ---- */

/* base joined with rel by one '/'; caller frees. */
static char *path_join(const char *base, const char *rel)
{
    size_t bl = strlen(base);
    if (bl == 0)
        return tarn_xstrdup(rel);
    return tarn_xasprintf("%s%s%s", base, base[bl - 1] == '/' ? "" : "/", rel);
}

/* The last segment of a path or key. */
static const char *base_name(const char *p)
{
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

/* A key or prefix as a folder: "" stays "", else it ends in '/'. */
static char *as_folder(const char *key)
{
    size_t n = strlen(key);
    return n == 0 || key[n - 1] == '/' ? tarn_xstrdup(key) : tarn_xasprintf("%s/", key);
}

static char *s3_name(const char *bucket, const char *key)
{
    return tarn_xasprintf("s3://%s/%s", bucket, key);
}

/* True if rel passes the --exclude/--include filters. */
static bool included(const tarn_xfer_request *r, const char *rel)
{
    bool in = true;
    for (size_t i = 0; i < r->nfilters; i++)
        if (fnmatch(r->filters[i].pattern, rel, 0) == 0)
            in = r->filters[i].include;
    return in;
}

/* ---- doing one item ---- */

/* Report one item (done or failed) through the caller's callback. */
static void report(xfer *x, const char *action, const char *src, const char *dst, int64_t size, int rc,
                   const tarn_error *e)
{
    x->nitems++;
    if (rc) {
        x->nfailed++;
        if (!x->first_rc)
            x->first_rc = rc;
    }
    tarn_xfer_event ev = {action, src, dst, size, x->req->dryrun, rc ? e : NULL};
    if (x->fn)
        x->fn(x->ctx, &ev);
}

/* The aws verb for moving src to dst. */
static const char *action_name(const xfer *x, bool src_s3, bool dst_s3)
{
    if (x->req->op == TARN_XFER_MV)
        return "move";
    return src_s3 && dst_s3 ? "copy" : src_s3 ? "download" : "upload";
}

/* Copy one item from (sb, skey | spath) to (db, dkey | dpath); an s3 side
** has its bucket set, a local side its path. */
static int copy_one(xfer *x, const char *sb, const char *skey, const char *spath, const char *db,
                    const char *dkey, const char *dpath, tarn_error *e)
{
    if (sb && db)
        return tarn_object_copy(x->st, sb, skey, db, dkey, e);
    if (db)
        return tarn_object_put_file(x->st, db, dkey, strcmp(spath, "-") == 0 ? "/dev/stdin" : spath, e);
    if (strcmp(dpath, "-") == 0)
        return tarn_object_get_fd(x->st, sb, skey, STDOUT_FILENO, e);
    return tarn_object_get_file(x->st, sb, skey, dpath, e);
}

/* Delete the source of a finished move. */
static int delete_source(xfer *x, const char *sb, const char *skey, const char *spath, tarn_error *e)
{
    if (sb)
        return tarn_object_delete(x->st, sb, skey, e);
    if (unlink(spath) != 0)
        return tarn_error_errno(e, TARN_ERR_IO, errno, "copied, but cannot delete the source '%s'", spath);
    return TARN_OK;
}

/* Transfer one item and report it; names as for copy_one. */
static void transfer_one(xfer *x, const char *sb, const char *skey, const char *spath, const char *db,
                         const char *dkey, const char *dpath, int64_t size)
{
    char *sname = sb ? s3_name(sb, skey) : tarn_xstrdup(spath);
    char *dname = db ? s3_name(db, dkey) : tarn_xstrdup(dpath);
    tarn_error e = {0};
    int rc = TARN_OK;
    if (!x->req->dryrun) {
        rc = copy_one(x, sb, skey, spath, db, dkey, dpath, &e);
        if (!rc && x->req->op == TARN_XFER_MV)
            rc = delete_source(x, sb, skey, spath, &e);
    }
    if (!(db == NULL && strcmp(dpath, "-") == 0 && !rc))
        report(x, action_name(x, sb != NULL, db != NULL), sname, dname, size, rc, &e);
    free(sname);
    free(dname);
}

/* Delete one object and report it. */
static void delete_one(xfer *x, const char *bucket, const char *key, int64_t size)
{
    char *name = s3_name(bucket, key);
    tarn_error e = {0};
    int rc = x->req->dryrun ? TARN_OK : tarn_object_delete(x->st, bucket, key, &e);
    report(x, "delete", name, NULL, size, rc, &e);
    free(name);
}

/* Delete one local file (sync --delete) and report it. */
static void delete_local(xfer *x, const char *path, int64_t size)
{
    tarn_error e = {0};
    int rc = TARN_OK;
    if (!x->req->dryrun && unlink(path) != 0)
        rc = tarn_error_errno(&e, TARN_ERR_IO, errno, "cannot delete '%s'", path);
    report(x, "delete", path, NULL, size, rc, &e);
}

/* Transfer the item rel from the source base to the destination base
** (prefixes as folders, or local directories). */
static void transfer_rel(xfer *x, const char *sbase, const char *dbase, const xitem *it)
{
    char *s = x->src.s3 ? tarn_xasprintf("%s%s", sbase, it->rel) : path_join(sbase, it->rel);
    char *d = x->dst.s3 ? tarn_xasprintf("%s%s", dbase, it->rel) : path_join(dbase, it->rel);
    const char *sb = x->src.s3 ? x->src.uri.bucket : NULL;
    const char *db = x->dst.s3 ? x->dst.uri.bucket : NULL;
    transfer_one(x, sb, sb ? s : NULL, sb ? NULL : s, db, db ? d : NULL, db ? NULL : d, it->size);
    free(s);
    free(d);
}

/* ---- the operations ---- */

/* The source items of a recursive operation: objects under the source
** prefix (*base receives it as a folder) or files under the directory. */
static int list_source(xfer *x, xlist *items, char **base, tarn_error *err)
{
    if (x->src.s3) {
        *base = as_folder(x->src.uri.key);
        return list_s3(x->st, x->src.uri.bucket, *base, items, err);
    }
    *base = tarn_xstrdup(x->src.path);
    struct stat sb;
    if (stat(x->src.path, &sb) != 0)
        return tarn_error_errno(err, TARN_ERR_NOTFOUND, errno, "cannot read '%s'", x->src.path);
    if (!S_ISDIR(sb.st_mode))
        return tarn_error_set(err, TARN_ERR_INVALID,
                              "'%s' is not a directory (to copy one file, use cp without --recursive)", x->src.path);
    return list_local(x->src.path, items, err);
}

/* The destination base of a recursive operation. */
static char *dest_base(const xfer *x)
{
    return x->dst.s3 ? as_folder(x->dst.uri.key) : tarn_xstrdup(x->dst.path);
}

static int run_recursive(xfer *x, tarn_error *err)
{
    xlist items = {0};
    char *sbase = NULL;
    int rc = list_source(x, &items, &sbase, err);
    char *dbase = x->dst.path ? dest_base(x) : NULL;
    for (size_t i = 0; !rc && i < items.n; i++) {
        if (!included(x->req, items.v[i].rel))
            continue;
        if (x->req->op == TARN_XFER_RM) {
            char *key = tarn_xasprintf("%s%s", sbase, items.v[i].rel);
            delete_one(x, x->src.uri.bucket, key, items.v[i].size);
            free(key);
        } else {
            transfer_rel(x, sbase, dbase, &items.v[i]);
        }
    }
    free(sbase);
    free(dbase);
    xlist_free(&items);
    return rc;
}

/* Size and mtime of the single source item; errors name what is missing. */
static int stat_source(xfer *x, int64_t *size, tarn_error *err)
{
    struct stat sb;
    *size = 0;
    if (x->src.s3) {
        int rc = tarn_key_check(x->src.uri.key, false, err);
        if (rc) {
            tarn_error_prefix(err, "%s: use --recursive to act on every object under a prefix: ", x->src.path);
            return rc;
        }
        char *path = NULL;
        rc = tarn_object_local_path(x->st, x->src.uri.bucket, x->src.uri.key, &path, err);
        if (!rc && stat(path, &sb) == 0)
            *size = sb.st_size;
        free(path);
        return rc;
    }
    if (strcmp(x->src.path, "-") == 0)
        return TARN_OK;
    if (stat(x->src.path, &sb) != 0)
        return tarn_error_errno(err, TARN_ERR_NOTFOUND, errno, "cannot read '%s'", x->src.path);
    if (S_ISDIR(sb.st_mode))
        return tarn_error_set(err, TARN_ERR_INVALID, "'%s' is a directory (use --recursive to copy a directory)",
                              x->src.path);
    *size = sb.st_size;
    return TARN_OK;
}

/* The destination of a single item: a key, or a local path (caller frees). */
static int single_dest(xfer *x, char **out, tarn_error *err)
{
    const char *sname = x->src.s3 ? base_name(x->src.uri.key) : base_name(x->src.path);
    if (x->dst.s3) {
        const char *k = x->dst.uri.key;
        size_t n = strlen(k);
        bool folder = n == 0 || k[n - 1] == '/';
        if (folder && strcmp(x->src.path, "-") == 0)
            return tarn_error_set(err, TARN_ERR_INVALID,
                                  "give the key to store standard input as (s3://bucket/key)");
        *out = folder ? tarn_xasprintf("%s%s", k, sname) : tarn_xstrdup(k);
        int rc = tarn_key_check(*out, false, err);
        if (rc) {
            free(*out);
            *out = NULL;
        }
        return rc;
    }
    struct stat sb;
    const char *p = x->dst.path;
    bool dir = p[strlen(p) - 1] == '/' || (stat(p, &sb) == 0 && S_ISDIR(sb.st_mode));
    *out = dir && strcmp(p, "-") ? path_join(p, sname) : tarn_xstrdup(p);
    return TARN_OK;
}

static int run_single(xfer *x, tarn_error *err)
{
    if (x->req->op == TARN_XFER_RM) {
        int rc = tarn_key_check(x->src.uri.key, false, err);
        if (rc) {
            tarn_error_prefix(err, "%s: use --recursive to delete every object under a prefix: ", x->src.path);
            return rc;
        }
        delete_one(x, x->src.uri.bucket, x->src.uri.key, 0);
        return TARN_OK;
    }
    int64_t size;
    char *dest = NULL;
    int rc = stat_source(x, &size, err);
    if (!rc)
        rc = single_dest(x, &dest, err);
    if (rc)
        return rc;
    char *name = tarn_xstrdup(x->src.s3 ? base_name(x->src.uri.key) : base_name(x->src.path));
    if (included(x->req, name)) {
        const char *sb = x->src.s3 ? x->src.uri.bucket : NULL;
        const char *db = x->dst.s3 ? x->dst.uri.bucket : NULL;
        transfer_one(x, sb, sb ? x->src.uri.key : NULL, sb ? NULL : x->src.path, db, db ? dest : NULL,
                     db ? NULL : dest, size);
    }
    free(name);
    free(dest);
    return TARN_OK;
}

/* The destination's items for a sync (none if a local directory does
** not exist yet). */
static int list_dest(xfer *x, const char *dbase, xlist *out, tarn_error *err)
{
    if (x->dst.s3)
        return list_s3(x->st, x->dst.uri.bucket, dbase, out, err);
    struct stat sb;
    if (stat(dbase, &sb) != 0)
        return errno == ENOENT ? TARN_OK : tarn_error_errno(err, TARN_ERR_IO, errno, "cannot read '%s'", dbase);
    if (!S_ISDIR(sb.st_mode))
        return tarn_error_set(err, TARN_ERR_INVALID, "'%s' is not a directory; sync needs a directory or prefix",
                              dbase);
    return list_local(dbase, out, err);
}

/* A sync --delete of the destination item rel. */
static void sync_delete(xfer *x, const char *dbase, const xitem *it)
{
    if (x->dst.s3) {
        char *key = tarn_xasprintf("%s%s", dbase, it->rel);
        delete_one(x, x->dst.uri.bucket, key, it->size);
        free(key);
    } else {
        char *path = path_join(dbase, it->rel);
        delete_local(x, path, it->size);
        free(path);
    }
}

/* Merge the sorted source and destination lists: copy what is missing or
** differs in size or is newer at the source; delete extras if asked. */
static void sync_merge(xfer *x, const char *sbase, const char *dbase, const xlist *s, const xlist *d)
{
    size_t i = 0, j = 0;
    while (i < s->n || j < d->n) {
        int c = i == s->n ? 1 : j == d->n ? -1 : strcmp(s->v[i].rel, d->v[j].rel);
        if (c < 0) {
            if (included(x->req, s->v[i].rel))
                transfer_rel(x, sbase, dbase, &s->v[i]);
            i++;
        } else if (c > 0) {
            if (x->req->delete_extra && included(x->req, d->v[j].rel))
                sync_delete(x, dbase, &d->v[j]);
            j++;
        } else {
            const xitem *a = &s->v[i++], *b = &d->v[j++];
            if (included(x->req, a->rel) && (a->size != b->size || a->mtime > b->mtime))
                transfer_rel(x, sbase, dbase, a);
        }
    }
}

static int run_sync(xfer *x, tarn_error *err)
{
    xlist s = {0}, d = {0};
    char *sbase = NULL;
    char *dbase = dest_base(x);
    int rc = list_source(x, &s, &sbase, err);
    if (!rc)
        rc = list_dest(x, dbase, &d, err);
    if (!rc)
        sync_merge(x, sbase, dbase, &s, &d);
    free(sbase);
    free(dbase);
    xlist_free(&s);
    xlist_free(&d);
    return rc;
}

/* ---- the request ---- */

static int parse_end(const char *arg, xend *end, tarn_error *err)
{
    memset(end, 0, sizeof *end);
    end->path = arg;
    if (!arg)
        return TARN_OK;
    if (!*arg)
        return tarn_error_set(err, TARN_ERR_INVALID, "an empty path was given");
    end->s3 = tarn_is_s3_uri(arg);
    return end->s3 ? tarn_uri_parse(arg, &end->uri, err) : TARN_OK;
}

/* Check the request's shape; the error says what combination is allowed. */
static int check_request(const xfer *x, tarn_error *err)
{
    const tarn_xfer_request *r = x->req;
    if (r->op == TARN_XFER_RM) {
        if (!x->src.s3)
            return tarn_error_set(err, TARN_ERR_INVALID, "rm takes an s3:// URI, not '%s'", r->src);
        return TARN_OK;
    }
    if (!r->dst)
        return tarn_error_set(err, TARN_ERR_INVALID, "no destination given");
    if (!x->src.s3 && !x->dst.s3)
        return tarn_error_set(err, TARN_ERR_INVALID,
                              "'%s' and '%s' are both local paths: one of them must be an s3:// URI",
                              r->src, r->dst);
    bool dash = (!x->src.s3 && !strcmp(r->src, "-")) || (!x->dst.s3 && !strcmp(r->dst, "-"));
    if (dash && (r->op != TARN_XFER_CP || r->recursive))
        return tarn_error_set(err, TARN_ERR_INVALID, "'-' (standard input or output) works only with a single cp");
    return TARN_OK;
}

int tarn_store_transfer(tarn_store *st, const tarn_xfer_request *req, tarn_xfer_fn fn, void *ctx,
                        tarn_error *err)
{
    xfer x = {.st = st, .req = req, .fn = fn, .ctx = ctx};
    if (!req->src)
        return tarn_error_set(err, TARN_ERR_INVALID, "no source given");
    int rc = parse_end(req->src, &x.src, err);
    if (!rc)
        rc = parse_end(req->op == TARN_XFER_RM ? NULL : req->dst, &x.dst, err);
    if (!rc)
        rc = check_request(&x, err);
    if (!rc && x.src.s3)
        rc = tarn_store_bucket_check(st, x.src.uri.bucket, err);
    if (!rc && x.dst.s3)
        rc = tarn_store_bucket_check(st, x.dst.uri.bucket, err);
    if (rc)
        return rc;
    if (req->op == TARN_XFER_SYNC)
        rc = run_sync(&x, err);
    else if (req->recursive)
        rc = run_recursive(&x, err);
    else
        rc = run_single(&x, err);
    if (rc)
        return rc;
    if (x.nfailed)
        return tarn_error_set(err, x.first_rc, "%zu of %zu %s failed", x.nfailed, x.nitems,
                              x.nitems == 1 ? "operation" : "operations");
    return TARN_OK;
}
