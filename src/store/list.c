/*
** list.c: listing a bucket of the fs backend in S3's order (see store.h):
** keys under a prefix, after start-after, in UTF-8 byte order, with
** delimiter roll-up into common prefixes, in one pass or in pages.
**
** The order comes from the walk itself, not from sorting all keys: every
** key under folder "d" starts with "d/", so sorting each folder's entries
** with a folder compared as its name plus '/' (a file as its bare name)
** and walking depth-first yields all keys in byte order ("a-c" < "a/b"
** because '-' < '/'). Folders wholly before start-after or outside the
** prefix are skipped unread, and a folder whose keys all roll up into one
** common prefix is reported without being walked, so paging through a
** large bucket and listing one "directory" stay cheap.
**
** Every entry reported (key or common prefix) sorts after start-after; a
** common prefix equal to or before it is not repeated. So the last entry
** of a page is the start-after of the next.
*/
#define _GNU_SOURCE
#include "store/store_internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define PAGE_FULL (-1)   /* the pager's stop signal; never a tarn status */

/* One entry of a folder: its name and whether it is a folder. */
typedef struct entry {
    size_t off;          /* offset of name in the folder's name buffer */
    size_t len;
    bool dir;
    const char *name;
} entry;

typedef struct walker {
    const char *prefix;
    size_t plen;
    const char *delim;   /* NULL: no delimiter */
    size_t dlen;
    const char *after;   /* NULL: from the start */
    size_t alen;
    tarn_list_fn fn;
    void *ctx;
    char *path;          /* <bucket folder>/<key being visited> */
    char *key;           /* points into path */
    char last_cp[TARN_KEY_MAX + 2];
    size_t cplen;        /* 0: no common prefix reported yet */
    tarn_error *err;
} walker;

/* Byte-order comparison of a (an bytes) with b (bn bytes). */
static int bytes_cmp(const char *a, size_t an, const char *b, size_t bn)
{
    int c = memcmp(a, b, an < bn ? an : bn);
    if (c)
        return c;
    return an < bn ? -1 : an > bn;
}

/* Order of two entries of one folder, a folder counting as "name/". */
static int entry_cmp(const void *pa, const void *pb)
{
    const entry *a = pa, *b = pb;
    size_t n = a->len < b->len ? a->len : b->len;
    int c = memcmp(a->name, b->name, n);
    if (c)
        return c;
    int ca = a->len > n ? (unsigned char)a->name[n] : a->dir ? '/' : -1;
    int cb = b->len > n ? (unsigned char)b->name[n] : b->dir ? '/' : -1;
    return ca < cb ? -1 : ca > cb;
}

/* Restore the min-heap order of v[0..n) below index i. */
static void heap_down(entry *v, size_t n, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, m = i;
        if (l < n && entry_cmp(&v[l], &v[m]) < 0)
            m = l;
        if (l + 1 < n && entry_cmp(&v[l + 1], &v[m]) < 0)
            m = l + 1;
        if (m == i)
            return;
        entry t = v[i];
        v[i] = v[m];
        v[m] = t;
        i = m;
    }
}

/* Take the first entry (in listing order) off the heap v[0..*n). */
static entry heap_pop(entry *v, size_t *n)
{
    entry top = v[0];
    v[0] = v[--*n];
    heap_down(v, *n, 0);
    return top;
}

/* Whether the key in w->key (kl bytes; a folder's ends in '/') can hold
** anything this listing reports. */
static bool key_relevant(const walker *w, size_t kl, bool dir)
{
    const char *k = w->key;
    if (kl >= w->plen) {
        if (memcmp(k, w->prefix, w->plen) != 0)
            return false;
    } else if (!dir || memcmp(k, w->prefix, kl) != 0) {
        return false;
    }
    if (!w->after)
        return true;
    if (!dir)
        return bytes_cmp(k, kl, w->after, w->alen) > 0;
    bool holds_after = w->alen >= kl && memcmp(w->after, k, kl) == 0;
    return holds_after || bytes_cmp(k, kl, w->after, w->alen) > 0;
}

/* Add entry name (a folder if dir) of the folder at key length dl if it
** is a valid key segment the listing needs. */
static void add_entry(walker *w, size_t dl, const char *name, bool dir, tarn_buf *names, entry **v,
                      size_t *n, size_t *cap)
{
    size_t nl = strlen(name);
    size_t kl = dl + nl + (dir ? 1 : 0);
    if (kl > TARN_KEY_MAX - (dir ? 1 : 0) || tarn_key_check_len(name, nl, false, NULL) != TARN_OK)
        return;
    memcpy(w->key + dl, name, nl);
    if (dir)
        w->key[dl + nl] = '/';
    if (!key_relevant(w, kl, dir))
        return;
    if (*n == *cap) {
        *cap = *cap ? *cap * 2 : 64;
        *v = tarn_xrealloc(*v, *cap * sizeof **v);
    }
    (*v)[(*n)++] = (entry){.off = names->len, .len = nl, .dir = dir};
    tarn_buf_append(names, name, nl + 1);
}

/* Read the folder at dirfd (key prefix of length dl) into a heap of the
** entries the listing needs, first in order on top; names live in *names.
** A heap rather than a sort: a page usually needs only the first few of a
** big folder's entries. */
static int read_entries(walker *w, int dirfd, size_t dl, tarn_buf *names, entry **out, size_t *count)
{
    *out = NULL;
    *count = 0;
    int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (!d) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        return tarn_error_errno(w->err, TARN_ERR_IO, e, "cannot read folder '%.*s' of the bucket", (int)dl, w->key);
    }
    size_t cap = 0;
    struct dirent *e;
    for (errno = 0; (e = readdir(d)) != NULL; errno = 0) {
        int t = e->d_type;
        if (t == DT_UNKNOWN) {
            struct stat sb;
            t = fstatat(dirfd, e->d_name, &sb, AT_SYMLINK_NOFOLLOW) != 0 ? DT_UNKNOWN
                : S_ISREG(sb.st_mode) ? DT_REG : S_ISDIR(sb.st_mode) ? DT_DIR : DT_UNKNOWN;
        }
        if ((t == DT_REG || t == DT_DIR) && strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            add_entry(w, dl, e->d_name, t == DT_DIR, names, out, count, &cap);
    }
    int rc = errno ? tarn_error_errno(w->err, TARN_ERR_IO, errno, "cannot read folder '%.*s' of the bucket",
                                      (int)dl, w->key)
                   : TARN_OK;
    closedir(d);
    for (size_t i = 0; i < *count; i++)
        (*out)[i].name = names->data + (*out)[i].off;
    for (size_t i = *count / 2; i-- > 0;)
        heap_down(*out, *count, i);
    return rc;
}

/* Report w->key[0..cl) as a common prefix unless it was just reported or
** does not sort after start-after. */
static int emit_prefix(walker *w, size_t cl)
{
    if (w->cplen == cl && memcmp(w->last_cp, w->key, cl) == 0)
        return 0;
    if (w->after && bytes_cmp(w->key, cl, w->after, w->alen) <= 0)
        return 0;
    memcpy(w->last_cp, w->key, cl);
    w->last_cp[cl] = '\0';
    w->cplen = cl;
    return w->fn(w->ctx, NULL, w->last_cp);
}

/* Where the delimiter ends in w->key[plen..kl), or 0 if it is not there. */
static size_t delim_end(const walker *w, size_t kl)
{
    if (!w->delim || kl < w->plen)
        return 0;
    const char *p = memmem(w->key + w->plen, kl - w->plen, w->delim, w->dlen);
    return p ? (size_t)(p - w->key) + w->dlen : 0;
}

/* Report the object w->key (kl bytes), file name in dirfd. */
static int visit_object(walker *w, int dirfd, const char *name, size_t kl)
{
    size_t cl = delim_end(w, kl);
    if (cl)
        return emit_prefix(w, cl);
    struct stat sb;
    if (fstatat(dirfd, name, &sb, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(sb.st_mode))
        return 0;   /* deleted since the folder was read */
    tarn_object_info info = {.key = w->key, .size = sb.st_size, .mtime = sb.st_mtim.tv_sec};
    char md5[33];
    if (tarn_store_etag_cached_at(w->path, &sb, md5))
        snprintf(info.etag, sizeof info.etag, "\"%s\"", md5);
    return w->fn(w->ctx, &info, NULL);
}

static int walk_dir(walker *w, int dirfd, size_t dl);

/* Visit the folder w->key (kl bytes, ending in '/'), name in dirfd:
** either one common prefix for all of it, or its entries. */
static int visit_dir(walker *w, int dirfd, const char *name, size_t kl)
{
    size_t cl = delim_end(w, kl);
    if (cl && w->cplen == cl && memcmp(w->last_cp, w->key, cl) == 0)
        return 0;
    if (cl && w->after && bytes_cmp(w->key, cl, w->after, w->alen) <= 0)
        return 0;
    int sub = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (sub < 0)
        return 0;   /* removed since the folder was read */
    int rc;
    if (cl)
        rc = tarn_store_tree_has_object(sub) ? emit_prefix(w, cl) : 0;
    else
        rc = walk_dir(w, sub, kl);
    close(sub);
    return rc;
}

/* Walk the folder at dirfd whose keys start with w->key[0..dl), in order. */
static int walk_dir(walker *w, int dirfd, size_t dl)
{
    tarn_buf names;
    tarn_buf_init(&names, 0);
    entry *v;
    size_t n;
    int rc = read_entries(w, dirfd, dl, &names, &v, &n);
    while (n > 0 && !rc) {
        entry e = heap_pop(v, &n);
        size_t kl = dl + e.len;
        memcpy(w->key + dl, e.name, e.len);
        if (e.dir)
            w->key[kl++] = '/';
        w->key[kl] = '\0';
        rc = e.dir ? visit_dir(w, dirfd, e.name, kl) : visit_object(w, dirfd, e.name, kl);
    }
    free(v);
    tarn_buf_free(&names);
    return rc;
}

/* Fill the walker from a request; an empty string means "none". */
static int walker_init(walker *w, const tarn_list_request *req, tarn_error *err)
{
    memset(w, 0, sizeof *w);
    w->err = err;
    w->prefix = req && req->prefix ? req->prefix : "";
    w->plen = strlen(w->prefix);
    if (req && req->delimiter && *req->delimiter) {
        w->delim = req->delimiter;
        w->dlen = strlen(w->delim);
    }
    if (req && req->start_after && *req->start_after) {
        w->after = req->start_after;
        w->alen = strlen(w->after);
    }
    if (w->plen > TARN_KEY_MAX || w->alen > TARN_KEY_MAX || w->dlen > TARN_KEY_MAX)
        return tarn_error_set(err, TARN_ERR_INVALID,
                              "InvalidArgument: a list prefix, delimiter or start-after is longer than %d bytes",
                              TARN_KEY_MAX);
    return TARN_OK;
}

int tarn_object_list_all(tarn_store *st, const char *bucket, const tarn_list_request *req,
                         tarn_list_fn fn, void *ctx, tarn_error *err)
{
    walker w;
    int rc = tarn_store_bucket_check(st, bucket, err);
    if (!rc)
        rc = walker_init(&w, req, err);
    if (rc)
        return rc;
    char *bpath = tarn_store_bucket_path(st, bucket);
    size_t bl = strlen(bpath);
    int fd = open(bpath, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        rc = tarn_error_errno(err, TARN_ERR_IO, errno, "cannot read bucket '%s'", bucket);
        free(bpath);
        return rc;
    }
    w.fn = fn;
    w.ctx = ctx;
    w.path = tarn_xmalloc(bl + TARN_KEY_MAX + 4);
    memcpy(w.path, bpath, bl);
    w.path[bl] = '/';
    w.key = w.path + bl + 1;
    w.key[0] = '\0';
    rc = walk_dir(&w, fd, 0);
    close(fd);
    free(w.path);
    free(bpath);
    return rc;
}

/* ---- pages ---- */

typedef struct pager {
    tarn_list_page *page;
    size_t max;
    size_t ocap, pcap;
    const char *last;    /* the last entry added (owned by the page) */
} pager;

/* Add one listing entry to the page, or stop once it is full. */
static int page_add(void *ctx, const tarn_object_info *obj, const char *cp)
{
    pager *pg = ctx;
    tarn_list_page *p = pg->page;
    if (p->nobjects + p->nprefixes == pg->max) {
        p->truncated = true;
        return PAGE_FULL;
    }
    if (obj) {
        if (p->nobjects == pg->ocap) {
            pg->ocap = pg->ocap ? pg->ocap * 2 : 32;
            p->objects = tarn_xrealloc(p->objects, pg->ocap * sizeof *p->objects);
        }
        tarn_object_info *o = &p->objects[p->nobjects++];
        *o = *obj;
        o->key = tarn_xstrdup(obj->key);
        pg->last = o->key;
    } else {
        if (p->nprefixes == pg->pcap) {
            pg->pcap = pg->pcap ? pg->pcap * 2 : 32;
            p->common_prefixes = tarn_xrealloc(p->common_prefixes, pg->pcap * sizeof *p->common_prefixes);
        }
        p->common_prefixes[p->nprefixes] = tarn_xstrdup(cp);
        pg->last = p->common_prefixes[p->nprefixes++];
    }
    return 0;
}

int tarn_object_list(tarn_store *st, const char *bucket, const tarn_list_request *req, tarn_list_page *page,
                     tarn_error *err)
{
    memset(page, 0, sizeof *page);
    int max = req ? req->max_keys : 0;
    if (max < 0)
        return tarn_error_set(err, TARN_ERR_INVALID, "InvalidArgument: max-keys is %d; it must be 0-%d",
                              max, TARN_LIST_PAGE_MAX);
    pager pg = {.page = page, .max = (max == 0 || max > TARN_LIST_PAGE_MAX) ? TARN_LIST_PAGE_MAX : (size_t)max};
    int rc = tarn_object_list_all(st, bucket, req, page_add, &pg, err);
    if (rc == PAGE_FULL)
        rc = TARN_OK;
    if (rc) {
        tarn_list_page_free(page);
        return rc;
    }
    if (page->truncated && pg.last)
        page->next_token = tarn_xstrdup(pg.last);
    return TARN_OK;
}

void tarn_list_page_free(tarn_list_page *page)
{
    if (!page)
        return;
    for (size_t i = 0; i < page->nobjects; i++)
        free(page->objects[i].key);
    for (size_t i = 0; i < page->nprefixes; i++)
        free(page->common_prefixes[i]);
    free(page->objects);
    free(page->common_prefixes);
    free(page->next_token);
    memset(page, 0, sizeof *page);
}
