/*
** group.c: the crawl planner (crawl.h, tarn_crawl_plan): from classified
** objects to the tables and partitions a crawler would write, touching
** neither the store nor the catalog.
**
** Per target the objects form a folder tree. Bottom-up, each folder learns
** whether its files could be one table: they share format and compression
** (and, for CSV, delimiter and header), they sit at one depth below it (the
** partition levels), every subfolder could be a table, and the "units" (its
** subfolders, or its files in a folder of files) are similar: grouped into
** clusters of schemas sharing over 70% of their column names, there are at
** most 5 clusters and the largest holds over 70% of the units (the rule
** reported for Glue). CombineCompatibleSchemas skips the similarity test;
** TableLevelConfiguration puts tables at one depth whatever their schemas.
** Top-down, the first folder that can be a table becomes one; otherwise
** its subfolders are tried one by one and its own files make a table of
** their own. Describing a table (SerDe, parameters) is params.c's job.
*/
#define _GNU_SOURCE
#include "crawl/crawl_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SIMILAR_SHARE 0.7  /* two schemas share more than this of their names */
#define MAJORITY_SHARE 0.7 /* the largest cluster holds more than this of the units */
#define MAX_CLUSTERS 5

/* A folder of one target, with what analysis found out about it. */
typedef struct gnode {
    char *name;                 /* the folder's own name (one key segment) */
    struct gnode **kids;
    size_t nkids, capkids;
    size_t *files;              /* indexes of classified objects directly here */
    size_t nfiles, capfiles;
    bool known;                 /* classified files at or below */
    bool compat_ok;             /* one format, one depth, every subfolder ok */
    bool ok;                    /* compat_ok and similar: one table */
    int depth;                  /* folder levels between it and its files */
    const tarn_crawl_class *proto; /* the first file's class */
    bool quoted;                /* CSV: some file had a quoted field */
    tarn_schema schema;         /* every file's schema merged */
} gnode;

/* The planner's state while it walks one target. */
typedef struct planner {
    const tarn_crawler_config *cfg;
    const tarn_crawl_object *objs;
    const char *bucket;
    tarn_crawl_table *tables;
    size_t ntables, cap;
} planner;

/* One partition level's name: a Hive key shared by every folder of the
** level, or none (partition_<i>). */
typedef struct level_key {
    char *key;   /* lower-case, owned; NULL: no common key */
    bool seen;
} level_key;

/* ---- the tree ---- */

static gnode *node_new(const char *name, size_t n)
{
    gnode *g = tarn_xcalloc(1, sizeof *g);
    g->name = tarn_xstrndup(name, n);
    tarn_schema_init(&g->schema);
    return g;
}

static void node_free(gnode *g)
{
    for (size_t i = 0; i < g->nkids; i++)
        node_free(g->kids[i]);
    free(g->kids);
    free(g->files);
    free(g->name);
    tarn_schema_free(&g->schema);
    free(g);
}

/* The child of g named name[0..n), made if missing. Objects come in key
** order, so a child already made is the last one. */
static gnode *node_child(gnode *g, const char *name, size_t n)
{
    if (g->nkids) {
        gnode *last = g->kids[g->nkids - 1];
        if (strlen(last->name) == n && memcmp(last->name, name, n) == 0)
            return last;
    }
    if (g->nkids == g->capkids) {
        g->capkids = g->capkids ? g->capkids * 2 : 4;
        g->kids = tarn_xrealloc(g->kids, g->capkids * sizeof *g->kids);
    }
    return g->kids[g->nkids++] = node_new(name, n);
}

static void node_add_file(gnode *g, size_t idx)
{
    if (g->nfiles == g->capfiles) {
        g->capfiles = g->capfiles ? g->capfiles * 2 : 4;
        g->files = tarn_xrealloc(g->files, g->capfiles * sizeof *g->files);
    }
    g->files[g->nfiles++] = idx;
}

/* Put object idx, whose key relative to the root is rel, in the tree. */
static void tree_insert(gnode *root, const char *rel, size_t idx)
{
    gnode *g = root;
    for (const char *slash; (slash = strchr(rel, '/')); rel = slash + 1)
        g = node_child(g, rel, (size_t)(slash - rel));
    node_add_file(g, idx);
}

/* ---- analysis ---- */

/* Whether two files could be in one table. */
static bool compatible(const tarn_crawl_class *a, const tarn_crawl_class *b)
{
    if (a->format != b->format || a->gzip != b->gzip)
        return false;
    if (a->format == TARN_CRAWL_CSV)
        return a->delimiter == b->delimiter && a->header == b->header;
    return true;
}

/* Glue's reported rule over the units' schemas: at most MAX_CLUSTERS
** clusters, the largest holding over MAJORITY_SHARE of the units. */
static bool similar_units(const tarn_schema *const *u, size_t n)
{
    const tarn_schema *rep[MAX_CLUSTERS];
    size_t count[MAX_CLUSTERS] = {0}, nclusters = 0, best = 0;
    for (size_t i = 0; i < n; i++) {
        size_t c = 0;
        while (c < nclusters && crawl_schema_similarity(rep[c], u[i]) <= SIMILAR_SHARE)
            c++;
        if (c == nclusters) {
            if (nclusters == MAX_CLUSTERS)
                return false;
            rep[nclusters++] = u[i];
        }
        if (++count[c] > best)
            best = count[c];
    }
    return n == 0 || (double)best / (double)n > MAJORITY_SHARE;
}

/* Fold one unit (a subfolder, or a file) of depth d into g's analysis. */
static void absorb(gnode *g, const tarn_crawl_class *proto, bool quoted, int d,
                   const tarn_schema *s)
{
    if (g->known && g->depth != d)
        g->compat_ok = false;
    if (!g->proto)
        g->proto = proto;
    else if (!compatible(g->proto, proto))
        g->compat_ok = false;
    g->known = true;
    g->depth = d;
    g->quoted |= quoted;
    crawl_schema_merge(&g->schema, s);
}

/* Decide bottom-up which folders could be one table. */
static void analyze(gnode *g, const planner *p)
{
    g->compat_ok = true;
    bool kids_ok = true;
    size_t nunits = 0;
    const tarn_schema **units = tarn_xcalloc(g->nkids + g->nfiles + 1, sizeof *units);
    for (size_t i = 0; i < g->nkids; i++) {
        gnode *k = g->kids[i];
        analyze(k, p);
        if (!k->known)
            continue;
        kids_ok &= k->ok;
        g->compat_ok &= k->compat_ok;
        absorb(g, k->proto, k->quoted, k->depth + 1, &k->schema);
        units[nunits++] = &k->schema;
    }
    for (size_t i = 0; i < g->nfiles; i++) {
        const tarn_crawl_class *c = &p->objs[g->files[i]].cls;
        absorb(g, c, c->quoted, 0, &c->schema);
        units[nunits++] = &c->schema;
    }
    g->ok = g->known && g->compat_ok && kids_ok &&
            (p->cfg->combine_compatible || similar_units(units, nunits));
    free(units);
}

/* ---- building tables ---- */

/* Append an empty table named prefix + raw (n bytes) at location. */
static tarn_crawl_table *table_new(planner *p, const char *raw, size_t n, const char *location)
{
    if (p->ntables == p->cap) {
        p->cap = p->cap ? p->cap * 2 : 8;
        p->tables = tarn_xrealloc(p->tables, p->cap * sizeof *p->tables);
    }
    tarn_crawl_table *t = &p->tables[p->ntables++];
    memset(t, 0, sizeof *t);
    t->table.database = tarn_xstrdup(p->cfg->database);
    t->table.name = crawl_table_name(p->cfg->table_prefix, raw, n);
    t->table.location = tarn_xstrdup(location);
    return t;
}

static void push_str(char ***arr, size_t *n, char *s)
{
    *arr = crawl_grow(*arr, *n, sizeof **arr);
    (*arr)[(*n)++] = s;
}

/* Whether name is one of the first n partition keys of t. */
static bool is_key(const tarn_cat_table *t, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(t->partition_keys[i].name, name) == 0)
            return true;
    return false;
}

/* t's columns from s, leaving out names its partition keys take. */
static void set_columns(tarn_cat_table *t, const tarn_schema *s)
{
    t->columns = tarn_xcalloc((size_t)s->ncols + 1, sizeof *t->columns);
    char tb[64];
    for (int i = 0; i < s->ncols; i++) {
        if (is_key(t, t->npartition_keys, s->fields[i].name))
            continue;
        tarn_cat_column *c = &t->columns[t->ncolumns++];
        c->name = tarn_xstrdup(s->fields[i].name);
        c->type = tarn_xstrdup(tarn_type_name(s->fields[i].type, tb, sizeof tb));
    }
}

/* The Hive key of a folder name "key=value" (lower-case, owned), or NULL. */
static char *hive_key(const char *name)
{
    const char *eq = strchr(name, '=');
    if (!eq || eq == name)
        return NULL;
    char *k = crawl_hive_unescape(name, (size_t)(eq - name));
    crawl_lower(k);
    return k;
}

/* Fold the folder names at each level below g into keys[0..depth). */
static void scan_levels(const gnode *g, level_key *keys, int level, int depth)
{
    if (level == depth)
        return;
    for (size_t i = 0; i < g->nkids; i++) {
        const gnode *k = g->kids[i];
        if (!k->known)
            continue;
        char *hk = hive_key(k->name);
        level_key *lk = &keys[level];
        if (!lk->seen) {
            lk->seen = true;
            lk->key = hk;
        } else if (!hk || !lk->key || strcmp(hk, lk->key) != 0) {
            free(lk->key);
            lk->key = NULL;
            free(hk);
        } else {
            free(hk);
        }
        scan_levels(k, keys, level + 1, depth);
    }
}

/* Name the partition keys of a table depth levels deep below g. */
static void set_partition_keys(tarn_cat_table *t, const gnode *g, int depth, level_key *keys)
{
    scan_levels(g, keys, 0, depth);
    t->partition_keys = tarn_xcalloc((size_t)depth + 1, sizeof *t->partition_keys);
    for (int i = 0; i < depth; i++) {
        tarn_cat_column *c = &t->partition_keys[i];
        if (keys[i].key && *keys[i].key && !is_key(t, (size_t)i, keys[i].key) &&
            strlen(keys[i].key) <= TARN_CATALOG_NAME_MAX)
            c->name = tarn_xstrdup(keys[i].key);
        else
            c->name = tarn_xasprintf("partition_%d", i);
        c->type = tarn_xstrdup("string");
        t->npartition_keys++;
    }
}

/* A partition's value from its folder name under level key lk. */
static char *partition_value(const level_key *lk, const char *folder)
{
    if (!lk->key)
        return tarn_xstrdup(folder);
    const char *eq = strchr(folder, '=');
    return crawl_hive_unescape(eq + 1, strlen(eq + 1));
}

/* What a walk collecting partitions carries. */
typedef struct part_walk {
    planner *p;
    tarn_crawl_table *t;
    const gnode *top;          /* the table's folder */
    const level_key *keys;
    int depth;
    const char *segs[TARN_KEY_MAX / 2 + 1]; /* folder names from the table down */
    crawl_stats total;
} part_walk;

/* Count g's files into st and w's total. */
static void count_files(part_walk *w, const gnode *g, crawl_stats *st)
{
    for (size_t i = 0; i < g->nfiles; i++) {
        crawl_stats_add(st, &w->p->objs[g->files[i]]);
        crawl_stats_add(&w->total, &w->p->objs[g->files[i]]);
    }
}

/* Record the partition at g, w->depth levels below the table (for a table
** without partitions, only count its files). */
static void add_partition(part_walk *w, const gnode *g)
{
    tarn_crawl_table *t = w->t;
    crawl_stats st = {0};
    count_files(w, g, &st);
    tarn_buf loc;
    tarn_buf_init(&loc, 0);
    tarn_buf_appendf(&loc, "%s", t->table.location);
    for (int i = 0; i < w->depth; i++)
        tarn_buf_appendf(&loc, "%s/", w->segs[i]);
    push_str(&t->folders, &t->nfolders, tarn_xstrdup(loc.data));
    if (w->depth > 0) {
        t->partitions = crawl_grow(t->partitions, t->npartitions, sizeof *t->partitions);
        tarn_cat_partition *pt = &t->partitions[t->npartitions++];
        memset(pt, 0, sizeof *pt);
        pt->values = tarn_xcalloc((size_t)w->depth, sizeof *pt->values);
        pt->nvalues = (size_t)w->depth;
        for (int i = 0; i < w->depth; i++)
            pt->values[i] = partition_value(&w->keys[i], w->segs[i]);
        pt->location = tarn_xstrdup(loc.data);
        pt->parameters = crawl_partition_parameters(w->top->proto, w->top->quoted, &st,
                                                    w->p->cfg->name);
    }
    tarn_buf_free(&loc);
}

/* Walk the folders below g down to the partitions (level levels so far). */
static void walk_partitions(part_walk *w, const gnode *g, int level)
{
    if (level == w->depth) {
        add_partition(w, g);
        return;
    }
    for (size_t i = 0; i < g->nkids; i++) {
        if (!g->kids[i]->known)
            continue;
        w->segs[level] = g->kids[i]->name;
        walk_partitions(w, g->kids[i], level + 1);
    }
}

static int cmp_partition(const void *a, const void *b)
{
    const tarn_cat_partition *x = a, *y = b;
    for (size_t i = 0; i < x->nvalues && i < y->nvalues; i++) {
        int c = strcmp(x->values[i], y->values[i]);
        if (c)
            return c;
    }
    return 0;
}

/* g becomes one table named raw at location, its subfolders partitions. */
static void make_table(planner *p, const gnode *g, const char *location, const char *raw)
{
    tarn_crawl_table *t = table_new(p, raw, strlen(raw), location);
    level_key *keys = tarn_xcalloc((size_t)g->depth + 1, sizeof *keys);
    set_partition_keys(&t->table, g, g->depth, keys);
    set_columns(&t->table, &g->schema);
    part_walk *w = tarn_xcalloc(1, sizeof *w);
    *w = (part_walk){.p = p, .t = t, .top = g, .keys = keys, .depth = g->depth};
    walk_partitions(w, g, 0);
    if (t->npartitions > 1)
        qsort(t->partitions, t->npartitions, sizeof *t->partitions, cmp_partition);
    crawl_table_describe(&t->table, g->proto, g->quoted, &w->total, p->cfg->name);
    for (int i = 0; i < g->depth; i++)
        free(keys[i].key);
    free(keys);
    free(w);
}

/* The name of an object's file: the key after its last '/'. */
static const char *base_name(const char *key)
{
    const char *slash = strrchr(key, '/');
    return slash ? slash + 1 : key;
}

/* The files directly in g, which is not one table: each group of
** compatible, similar files becomes a table; with one group it is named
** raw and sits at path, else each is named after its first file. */
static void emit_files(planner *p, const gnode *g, const char *path, const char *raw)
{
    gnode **grp = tarn_xcalloc(g->nfiles, sizeof *grp);
    size_t ngrp = 0;
    for (size_t i = 0; i < g->nfiles; i++) {
        const tarn_crawl_class *c = &p->objs[g->files[i]].cls;
        size_t j = 0;
        for (; j < ngrp; j++) {
            const tarn_crawl_class *first = &p->objs[grp[j]->files[0]].cls;
            if (compatible(first, c) && (p->cfg->combine_compatible ||
                crawl_schema_similarity(&first->schema, &c->schema) > SIMILAR_SHARE))
                break;
        }
        if (j == ngrp)
            grp[ngrp++] = node_new("", 0);
        node_add_file(grp[j], g->files[i]);
        absorb(grp[j], c, c->quoted, 0, &c->schema);
    }
    for (size_t j = 0; j < ngrp; j++) {
        const char *key = p->objs[grp[j]->files[0]].key;
        char *loc = grp[j]->nfiles == 1 && ngrp > 1
                        ? tarn_xasprintf("s3://%s/%s", p->bucket, key)
                        : tarn_xasprintf("s3://%s/%s", p->bucket, path);
        make_table(p, grp[j], loc, ngrp == 1 ? raw : base_name(key));
        free(loc);
        node_free(grp[j]);
    }
    free(grp);
}

/* Emit the tables under g (at key prefix path, named raw). force is how
** many levels further down TableLevelConfiguration puts tables (0: here),
** or -1 to decide by similarity. */
static void emit(planner *p, const gnode *g, const char *path, const char *raw, int force)
{
    if (!g->known)
        return;
    if ((force == 0 && g->compat_ok) || (force < 0 && g->ok)) {
        char *loc = tarn_xasprintf("s3://%s/%s", p->bucket, path);
        make_table(p, g, loc, raw);
        free(loc);
        return;
    }
    for (size_t i = 0; i < g->nkids; i++) {
        const gnode *k = g->kids[i];
        char *kpath = tarn_xasprintf("%s%s/", path, k->name);
        emit(p, k, kpath, k->name, force > 0 ? force - 1 : -1);
        free(kpath);
    }
    if (g->nfiles)
        emit_files(p, g, path, raw);
}

/* ---- the plan ---- */

/* The order of objects: by bucket, then key (ctx is the object array). */
static int cmp_obj(const void *a, const void *b, void *ctx)
{
    const tarn_crawl_object *objs = ctx;
    const tarn_crawl_object *x = &objs[*(const size_t *)a], *y = &objs[*(const size_t *)b];
    int c = strcmp(x->bucket, y->bucket);
    return c ? c : strcmp(x->key, y->key);
}

/* The folder of an object, "s3://bucket/dir/"; caller frees. */
static char *folder_of(const tarn_crawl_object *o)
{
    const char *slash = strrchr(o->key, '/');
    int n = slash ? (int)(slash - o->key + 1) : 0;
    return tarn_xasprintf("s3://%s/%.*s", o->bucket, n, o->key);
}

static int cmp_strp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sort a string array and drop repeats (freeing them). */
static void sort_unique(char **a, size_t *n)
{
    if (*n == 0)
        return;
    qsort(a, *n, sizeof *a, cmp_strp);
    size_t k = 1;
    for (size_t i = 1; i < *n; i++) {
        if (strcmp(a[i], a[k - 1]) == 0)
            free(a[i]);
        else
            a[k++] = a[i];
    }
    *n = k;
}

static int cmp_table(const void *a, const void *b)
{
    const tarn_crawl_table *x = a, *y = b;
    int c = strcmp(x->table.name, y->table.name);
    return c ? c : strcmp(x->table.location, y->table.location);
}

/* Give every table but the first of a name a suffix from a hash of its
** location, as Glue does, then sort by name. */
static void unique_names(tarn_crawl_table *t, size_t n)
{
    if (n < 2)
        return;
    qsort(t, n, sizeof *t, cmp_table);
    for (size_t i = 0, end; i < n; i = end) {
        for (end = i + 1; end < n && strcmp(t[end].table.name, t[i].table.name) == 0; end++)
            ;
        for (size_t k = i + 1; k < end; k++) {
            const char *loc = t[k].table.location;
            char *nm = tarn_xasprintf("%.*s_%08x", TARN_CATALOG_NAME_MAX - 9, t[k].table.name,
                                      (unsigned)tarn_hash64(loc, strlen(loc), 0x676c7565ULL));
            free(t[k].table.name);
            t[k].table.name = nm;
        }
    }
    qsort(t, n, sizeof *t, cmp_table);
}

/* The number of folder levels in a key prefix ("a/b/" is 2). */
static int prefix_levels(const char *prefix)
{
    int n = 0;
    for (const char *p = prefix; *p; p++)
        n += *p == '/';
    return n;
}

/* The name a target's root table takes: its last folder, or the bucket. */
static char *root_name(const char *bucket, const char *folder_prefix)
{
    size_t n = strlen(folder_prefix);
    if (n == 0)
        return tarn_xstrdup(bucket);
    const char *end = folder_prefix + n - 1; /* the trailing '/' */
    const char *start = end;
    while (start > folder_prefix && start[-1] != '/')
        start--;
    return tarn_xstrndup(start, (size_t)(end - start));
}

/* The objects of one target, as a tree and as single files (a target that
** names an object exactly). */
typedef struct target_set {
    tarn_uri uri;
    char *folder_prefix; /* the target's key prefix, ending in '/' unless "" */
    gnode *root;
    size_t *singles;
    size_t nsingles;
} target_set;

/* Take the objects of target ts not taken yet, in key order, into its tree,
** recording their folders in out. */
static void gather(target_set *ts, const tarn_crawl_object *objs, const size_t *order, size_t n,
                   bool *taken, tarn_crawl_layout *out)
{
    const char *prefix = ts->uri.key;
    size_t fl = strlen(ts->folder_prefix);
    for (size_t i = 0; i < n; i++) {
        size_t idx = order[i];
        const tarn_crawl_object *o = &objs[idx];
        if (taken[idx] || strcmp(o->bucket, ts->uri.bucket) != 0)
            continue;
        bool single = *prefix && strcmp(o->key, prefix) == 0 && fl != strlen(prefix);
        if (!single && strncmp(o->key, ts->folder_prefix, fl) != 0)
            continue;
        taken[idx] = true;
        out->objects++;
        push_str(&out->folders, &out->nfolders, folder_of(o));
        if (o->cls.format == TARN_CRAWL_UNKNOWN) {
            out->objects_unknown++;
        } else if (single) {
            ts->singles = crawl_grow(ts->singles, ts->nsingles, sizeof *ts->singles);
            ts->singles[ts->nsingles++] = idx;
        } else {
            tree_insert(ts->root, o->key + fl, idx);
        }
    }
}

/* Plan the tables of target ts into p. */
static void plan_target(planner *p, target_set *ts)
{
    p->bucket = ts->uri.bucket;
    analyze(ts->root, p);
    int force = -1;
    if (p->cfg->table_level > 0) {
        force = p->cfg->table_level - 1 - prefix_levels(ts->folder_prefix);
        force = force < 0 ? 0 : force;
    }
    char *raw = root_name(ts->uri.bucket, ts->folder_prefix);
    emit(p, ts->root, ts->folder_prefix, raw, force);
    free(raw);
    for (size_t i = 0; i < ts->nsingles; i++) {
        const tarn_crawl_object *o = &p->objs[ts->singles[i]];
        gnode *g = node_new("", 0);
        node_add_file(g, ts->singles[i]);
        absorb(g, &o->cls, o->cls.quoted, 0, &o->cls.schema);
        char *loc = tarn_xasprintf("s3://%s/%s", o->bucket, o->key);
        make_table(p, g, loc, base_name(o->key));
        free(loc);
        node_free(g);
    }
}

int tarn_crawl_plan(const tarn_crawler_config *cfg, const tarn_crawl_object *objs, size_t n,
                    tarn_crawl_layout *out, tarn_error *err)
{
    memset(out, 0, sizeof *out);
    if (!cfg || !cfg->database || !*cfg->database || (cfg->ntargets && !cfg->targets))
        return tarn_error_set(err, TARN_ERR_INVALID, "crawler config needs a database and "
                              "its targets");
    size_t *order = tarn_xcalloc(n + 1, sizeof *order);
    for (size_t i = 0; i < n; i++)
        order[i] = i;
    if (n > 1)
        qsort_r(order, n, sizeof *order, cmp_obj, (void *)objs);
    bool *taken = tarn_xcalloc(n + 1, sizeof *taken);
    planner p = {.cfg = cfg, .objs = objs};
    int rc = TARN_OK;
    for (size_t t = 0; t < cfg->ntargets && !rc; t++) {
        target_set ts = {.root = NULL};
        if ((rc = tarn_uri_parse(cfg->targets[t].path, &ts.uri, err)))
            break;
        size_t kl = strlen(ts.uri.key);
        ts.folder_prefix = tarn_xasprintf("%s%s", ts.uri.key,
                                          kl && ts.uri.key[kl - 1] != '/' ? "/" : "");
        ts.root = node_new("", 0);
        gather(&ts, objs, order, n, taken, out);
        plan_target(&p, &ts);
        node_free(ts.root);
        free(ts.singles);
        free(ts.folder_prefix);
    }
    free(order);
    free(taken);
    unique_names(p.tables, p.ntables);
    out->tables = p.tables;
    out->ntables = p.ntables;
    sort_unique(out->folders, &out->nfolders);
    if (rc)
        tarn_crawl_layout_free(out);
    return rc;
}

void tarn_crawl_layout_free(tarn_crawl_layout *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->ntables; i++) {
        tarn_crawl_table *t = &l->tables[i];
        tarn_cat_table_free(&t->table);
        tarn_cat_partition_list_free(t->partitions, t->npartitions);
        for (size_t j = 0; j < t->nfolders; j++)
            free(t->folders[j]);
        free(t->folders);
    }
    free(l->tables);
    for (size_t i = 0; i < l->nfolders; i++)
        free(l->folders[i]);
    free(l->folders);
    memset(l, 0, sizeof *l);
}
