/*
** test_jobs_extract.c: the tarn.extract job (jobs/extract*.c) against a
** loopback HTTP server that runs on a thread of this test (127.0.0.1, a
** free port, stopped at the end of the group): plain files stored as is,
** zip, tar.gz and gzip unpacked (recognized by content), 404 and other
** 4xx failing at once with the status in the message, redirects followed
** (and a redirect loop refused), 503 retried, archive entries that would
** escape the target refused, the unpacked-bytes limit, file:// and s3://
** sources, and a failed run leaving the previous output in place.
** Archives are built in memory with libarchive.
*/
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <archive.h>
#include <archive_entry.h>
#include <arpa/inet.h>
#include <ftw.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "test_util.h"
#include "jobs/jobs.h"

/* ---- archives built in memory ---- */

typedef struct blob {
    char *data;
    size_t len;
} blob;

typedef struct entry {
    const char *name;
    const char *text;      /* NULL: a directory, or a link when link is set */
    const char *link;      /* symlink target */
    size_t zeros;          /* when text is NULL and zeros > 0: that many 0 bytes */
} entry;

/* An archive of the entries in format (ARCHIVE_FORMAT_*), optionally
** gzip-compressed. */
static blob make_archive(int format, bool gzip, const entry *e, int n)
{
    struct archive *a = archive_write_new();
    archive_write_set_format(a, format);
    if (gzip)
        archive_write_add_filter_gzip(a);
    size_t cap = 8 << 20, used = 0;
    char *buf = malloc(cap);
    assert_int_equal(archive_write_open_memory(a, buf, cap, &used), ARCHIVE_OK);
    char *zeros = calloc(1, 1 << 16);
    for (int i = 0; i < n; i++) {
        struct archive_entry *ae = archive_entry_new();
        archive_entry_set_pathname(ae, e[i].name);
        archive_entry_set_mtime(ae, 1600000000, 0);
        if (e[i].link) {
            archive_entry_set_filetype(ae, AE_IFLNK);
            archive_entry_set_symlink(ae, e[i].link);
            archive_entry_set_perm(ae, 0777);
        } else if (!e[i].text && !e[i].zeros) {
            archive_entry_set_filetype(ae, AE_IFDIR);
            archive_entry_set_perm(ae, 0755);
        } else {
            archive_entry_set_filetype(ae, AE_IFREG);
            archive_entry_set_perm(ae, 0644);
            archive_entry_set_size(ae, e[i].text ? (la_int64_t)strlen(e[i].text) : (la_int64_t)e[i].zeros);
        }
        assert_int_equal(archive_write_header(a, ae), ARCHIVE_OK);
        if (e[i].text)
            archive_write_data(a, e[i].text, strlen(e[i].text));
        for (size_t left = e[i].zeros; left;) {
            size_t k = left < (1 << 16) ? left : (1 << 16);
            archive_write_data(a, zeros, k);
            left -= k;
        }
        archive_entry_free(ae);
    }
    archive_write_close(a);
    archive_write_free(a);
    free(zeros);
    return (blob){buf, used};
}

/* ---- the loopback server ---- */

typedef struct route {
    const char *path;
    int status;            /* 0: the route is not served */
    const char *location;  /* for 3xx */
    blob body;
} route;

#define MAX_ROUTES 32

typedef struct server {
    int fd, port;
    pthread_t tid;
    atomic_int stop;
    atomic_int flaky_hits, down_hits;
    route routes[MAX_ROUTES];
    int nroutes;
} server;

static server srv;

static void add_route(const char *path, int status, const char *location, blob body)
{
    srv.routes[srv.nroutes++] = (route){path, status, location, body};
}

static blob text_blob(const char *s)
{
    return (blob){strdup(s), strlen(s)};
}

static void send_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t k = send(fd, p, n, MSG_NOSIGNAL);
        if (k <= 0)
            return;
        p += k;
        n -= (size_t)k;
    }
}

static void respond(int fd, int status, const char *reason, const char *location, blob body)
{
    char head[512];
    int n = snprintf(head, sizeof head,
                     "HTTP/1.1 %d %s\r\nContent-Length: %zu\r\nConnection: close\r\n%s%s%s\r\n",
                     status, reason, body.len, location ? "Location: " : "",
                     location ? location : "", location ? "\r\n" : "");
    send_all(fd, head, (size_t)n);
    send_all(fd, body.data, body.len);
}

static const char *reason_of(int status)
{
    switch (status) {
    case 200: return "OK";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 404: return "Not Found";
    case 410: return "Gone";
    case 503: return "Service Unavailable";
    default: return "Whatever";
    }
}

static void serve(int fd)
{
    char req[4096] = "";
    size_t len = 0;
    while (len < sizeof req - 1 && !strstr(req, "\r\n\r\n")) {
        ssize_t k = recv(fd, req + len, sizeof req - 1 - len, 0);
        if (k <= 0)
            break;
        len += (size_t)k;
        req[len] = '\0';
    }
    char path[1024] = "";
    sscanf(req, "GET %1023s", path);
    blob none = {NULL, 0};
    if (strcmp(path, "/flaky") == 0 && atomic_fetch_add(&srv.flaky_hits, 1) == 0) {
        respond(fd, 503, "Service Unavailable", NULL, none);
        return;
    }
    if (strcmp(path, "/down") == 0)
        atomic_fetch_add(&srv.down_hits, 1);
    for (int i = 0; i < srv.nroutes; i++) {
        const route *r = &srv.routes[i];
        if (strcmp(r->path, path) == 0) {
            respond(fd, r->status, reason_of(r->status), r->location, r->body);
            return;
        }
    }
    respond(fd, 404, "Not Found", NULL, none);
}

static void *server_main(void *arg)
{
    while (!atomic_load(&srv.stop)) {
        struct pollfd p = {srv.fd, POLLIN, 0};
        if (poll(&p, 1, 100) <= 0)
            continue;
        int c = accept(srv.fd, NULL, NULL);
        if (c < 0)
            continue;
        serve(c);
        shutdown(c, SHUT_WR);
        close(c);
    }
    return NULL;
}

static const char *csv_text = "Date_reported,Country,New_cases\n2020-01-03,France,1\n";

static int group_setup(void **state)
{
    srv.fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t al = sizeof a;
    if (bind(srv.fd, (struct sockaddr *)&a, sizeof a) || listen(srv.fd, 16) ||
        getsockname(srv.fd, (struct sockaddr *)&a, &al))
        return -1;
    srv.port = ntohs(a.sin_port);
    const entry zip_entries[] = {{"data/", NULL, NULL, 0}, {"data/a.csv", "x,y\n1,2\n", NULL, 0},
                                 {"./b.txt", "hello", NULL, 0}};
    blob zip = make_archive(ARCHIVE_FORMAT_ZIP, false, zip_entries, 3);
    add_route("/data.csv", 200, NULL, text_blob(csv_text));
    add_route("/archive.zip", 200, NULL, zip);
    add_route("/download", 200, NULL, zip);
    add_route("/archive.tar.gz", 200, NULL,
              make_archive(ARCHIVE_FORMAT_TAR_PAX_RESTRICTED, true, zip_entries, 3));
    const entry one[] = {{"data", "a,b\n1,2\n", NULL, 0}};
    add_route("/rows.csv.gz", 200, NULL, make_archive(ARCHIVE_FORMAT_RAW, true, one, 1));
    const entry up[] = {{"ok.csv", "1\n", NULL, 0}, {"../evil.csv", "x", NULL, 0}};
    add_route("/slip.zip", 200, NULL, make_archive(ARCHIVE_FORMAT_ZIP, false, up, 2));
    const entry abs[] = {{"/etc/abs.csv", "x", NULL, 0}};
    add_route("/abs.tar", 200, NULL, make_archive(ARCHIVE_FORMAT_TAR_PAX_RESTRICTED, false, abs, 1));
    const entry deep[] = {{"a/b/../../../x.csv", "x", NULL, 0}};
    add_route("/deep.zip", 200, NULL, make_archive(ARCHIVE_FORMAT_ZIP, false, deep, 1));
    const entry link[] = {{"link.csv", NULL, "/etc/passwd", 0}};
    add_route("/link.tar", 200, NULL, make_archive(ARCHIVE_FORMAT_TAR_PAX_RESTRICTED, false, link, 1));
    const entry bomb[] = {{"small.csv", "1\n", NULL, 0}, {"zeros.bin", NULL, NULL, 3 << 20}};
    add_route("/bomb.zip", 200, NULL, make_archive(ARCHIVE_FORMAT_ZIP, false, bomb, 2));
    add_route("/redirect", 302, "/data.csv", (blob){NULL, 0});
    add_route("/redirect2", 301, "/redirect", (blob){NULL, 0});
    add_route("/loop", 302, "/loop", (blob){NULL, 0});
    add_route("/flaky", 200, NULL, text_blob(csv_text));
    add_route("/down", 503, NULL, (blob){NULL, 0});
    add_route("/gone", 410, NULL, text_blob("gone"));
    return pthread_create(&srv.tid, NULL, server_main, NULL);
}

static int group_teardown(void **state)
{
    atomic_store(&srv.stop, 1);
    pthread_join(srv.tid, NULL);
    close(srv.fd);
    for (int i = 0; i < srv.nroutes; i++) {
        bool shared = false;
        for (int j = 0; j < i; j++)
            shared |= srv.routes[j].body.data == srv.routes[i].body.data;
        if (!shared)
            free(srv.routes[i].body.data);
    }
    return 0;
}

/* ---- the store ---- */

typedef struct fixture {
    char home[64];
    tarn_store *st;
    char log[8192];
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    snprintf(f->home, sizeof f->home, "/tmp/tarn-extract-test-XXXXXX");
    if (!mkdtemp(f->home))
        return -1;
    tarn_error err = {0};
    if (tarn_store_open(&f->st, f->home, &err) || tarn_bucket_create(f->st, "raw", &err))
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    tarn_store_close(f->st);
    test_rmtree(f->home);
    free(f);
    return 0;
}

static void log_line(void *ud, const char *line)
{
    fixture *f = ud;
    size_t n = strlen(f->log);
    snprintf(f->log + n, sizeof f->log - n, "%s\n", line);
}

/* Run tarn.extract of url (a path on the server when it starts with '/')
** into target, with extra NULL-terminated key/value pairs. */
static int extract(fixture *f, const char *url, const char *target, tarn_error *err, ...)
{
    char full[512];
    if (url[0] == '/')
        snprintf(full, sizeof full, "http://127.0.0.1:%d%s", srv.port, url);
    else
        snprintf(full, sizeof full, "%s", url);
    tarn_job_args a;
    tarn_job_args_init(&a);
    tarn_job_args_set(&a, "--source_url", full);
    tarn_job_args_set(&a, "--target_path", target);
    tarn_job_args_set(&a, "--retry_delay_ms", "10");
    va_list ap;
    va_start(ap, err);
    for (const char *k; (k = va_arg(ap, const char *)) != NULL;)
        tarn_job_args_set(&a, k, va_arg(ap, const char *));
    va_end(ap);
    tarn_job_env env = {.store = f->st, .run_id = "r", .log = log_line, .log_ud = f};
    tarn_job_result res;
    f->log[0] = '\0';
    int rc = tarn_job_run("tarn.extract", &a, &env, &res, err);
    tarn_job_result_free(&res);
    tarn_job_args_free(&a);
    return rc;
}

typedef struct key_list {
    char buf[4096];
} key_list;

static int add_key(void *ctx, const tarn_object_info *obj, const char *cp)
{
    key_list *l = ctx;
    if (obj)
        snprintf(l->buf + strlen(l->buf), sizeof l->buf - strlen(l->buf), "%s\n", obj->key);
    return 0;
}

static char *keys(fixture *f, const char *prefix)
{
    key_list *l = calloc(1, sizeof *l);
    tarn_list_request req = {prefix, NULL, NULL, 0};
    tarn_error err = {0};
    assert_int_equal(tarn_object_list_all(f->st, "raw", &req, add_key, l, &err), TARN_OK);
    char *s = strdup(l->buf);
    free(l);
    return s;
}

static char *get(fixture *f, const char *key)
{
    char *data = NULL;
    size_t n = 0;
    tarn_error err = {0};
    if (tarn_object_get(f->st, "raw", key, 0, -1, &data, &n, &err))
        return strdup("(missing)");
    char *s = malloc(n + 1);
    memcpy(s, data, n);
    s[n] = '\0';
    free(data);
    return s;
}

static void expect_keys(fixture *f, const char *prefix, const char *want)
{
    char *k = keys(f, prefix);
    assert_string_equal(k, want);
    free(k);
}

static void expect_object(fixture *f, const char *key, const char *want)
{
    char *s = get(f, key);
    assert_string_equal(s, want);
    free(s);
}

/* ---- tests ---- */

static void plain_file_is_stored_as_is(void **state)
{
    fixture *f = *state;
    tarn_error err = {0};
    assert_int_equal(extract(f, "/data.csv", "s3://raw/who/", &err, NULL), TARN_OK);
    expect_keys(f, "", "who/data.csv\n");
    expect_object(f, "who/data.csv", csv_text);
}

static void archives_are_unpacked_by_content(void **state)
{
    fixture *f = *state;
    tarn_error err = {0};
    assert_int_equal(extract(f, "/archive.zip", "s3://raw/z/", &err, NULL), TARN_OK);
    expect_keys(f, "z/", "z/b.txt\nz/data/a.csv\n");
    expect_object(f, "z/data/a.csv", "x,y\n1,2\n");
    expect_object(f, "z/b.txt", "hello");
    assert_int_equal(extract(f, "/download", "s3://raw/d/", &err, NULL), TARN_OK);
    expect_keys(f, "d/", "d/b.txt\nd/data/a.csv\n");
    assert_int_equal(extract(f, "/archive.tar.gz", "s3://raw/t/", &err, NULL), TARN_OK);
    expect_keys(f, "t/", "t/b.txt\nt/data/a.csv\n");
    expect_object(f, "t/data/a.csv", "x,y\n1,2\n");
    assert_int_equal(extract(f, "/rows.csv.gz", "s3://raw/g/", &err, NULL), TARN_OK);
    expect_keys(f, "g/", "g/rows.csv\n");
    expect_object(f, "g/rows.csv", "a,b\n1,2\n");
}

static void http_errors_name_status_and_url(void **state)
{
    fixture *f = *state;
    tarn_error err = {0};
    assert_int_equal(extract(f, "/archive.zip", "s3://raw/z/", &err, NULL), TARN_OK);
    assert_int_equal(extract(f, "/missing.zip", "s3://raw/z/", &err, NULL), TARN_ERR_NOTFOUND);
    char want[128];
    snprintf(want, sizeof want, "HTTP 404 Not Found from http://127.0.0.1:%d/missing.zip", srv.port);
    assert_string_equal(err.msg, want);
    assert_int_equal(extract(f, "/gone", "s3://raw/z/", &err, NULL), TARN_ERR_NOTFOUND);
    assert_non_null(strstr(err.msg, "HTTP 410 Gone from"));
    assert_null(strstr(f->log, "retrying"));
    /* the earlier output is still there */
    expect_keys(f, "", "z/b.txt\nz/data/a.csv\n");
}

static void redirects_are_followed(void **state)
{
    fixture *f = *state;
    tarn_error err = {0};
    assert_int_equal(extract(f, "/redirect2", "s3://raw/r/", &err, NULL), TARN_OK);
    expect_keys(f, "", "r/redirect2\n");
    expect_object(f, "r/redirect2", csv_text);
    assert_int_equal(extract(f, "/loop", "s3://raw/r/", &err, NULL), TARN_ERR_INVALID);
    assert_non_null(strstr(err.msg, "more than 10 redirects"));
}

static void transient_errors_are_retried(void **state)
{
    fixture *f = *state;
    tarn_error err = {0};
    atomic_store(&srv.flaky_hits, 0);
    assert_int_equal(extract(f, "/flaky", "s3://raw/f/", &err, NULL), TARN_OK);
    assert_int_equal(atomic_load(&srv.flaky_hits), 2);
    assert_non_null(strstr(f->log, "HTTP 503 from"));
    expect_object(f, "f/flaky", csv_text);
    atomic_store(&srv.down_hits, 0);
    assert_int_equal(extract(f, "/down", "s3://raw/f/", &err, NULL), TARN_ERR_IO);
    assert_int_equal(atomic_load(&srv.down_hits), 4);
    assert_non_null(strstr(err.msg, "HTTP 503 Service Unavailable from"));
    /* nothing listens here: connect failures are retried, then reported */
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t al = sizeof a;
    bind(s, (struct sockaddr *)&a, sizeof a);
    getsockname(s, (struct sockaddr *)&a, &al);
    close(s);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/x.zip", ntohs(a.sin_port));
    assert_int_equal(extract(f, url, "s3://raw/f/", &err, "http_retries", "1", NULL), TARN_ERR_IO);
    assert_non_null(strstr(err.msg, "cannot download"));
    assert_non_null(strstr(f->log, "attempt 2 of 2"));
    expect_keys(f, "", "f/flaky\n");
}

static void escaping_entries_are_refused(void **state)
{
    fixture *f = *state;
    tarn_error err = {0};
    assert_int_equal(extract(f, "/slip.zip", "s3://raw/s/", &err, NULL), TARN_ERR_INVALID);
    assert_non_null(strstr(err.msg, "'../evil.csv'"));
    assert_int_equal(extract(f, "/abs.tar", "s3://raw/s/", &err, NULL), TARN_ERR_INVALID);
    assert_non_null(strstr(err.msg, "'/etc/abs.csv'"));
    assert_int_equal(extract(f, "/deep.zip", "s3://raw/s/", &err, NULL), TARN_ERR_INVALID);
    assert_non_null(strstr(err.msg, "'a/b/../../../x.csv'"));
    assert_int_equal(extract(f, "/link.tar", "s3://raw/s/", &err, NULL), TARN_ERR_INVALID);
    assert_non_null(strstr(err.msg, "'link.csv' is a link"));
    expect_keys(f, "", "");
}

static void unpacked_bytes_are_limited(void **state)
{
    fixture *f = *state;
    tarn_error err = {0};
    assert_int_equal(extract(f, "/bomb.zip", "s3://raw/b/", &err, "max_unpacked_bytes", "1MiB",
                             NULL), TARN_ERR_LIMIT);
    assert_non_null(strstr(err.msg, "--max_unpacked_bytes (1048576 bytes) in 'zeros.bin'"));
    expect_keys(f, "", "");
    assert_int_equal(extract(f, "/bomb.zip", "s3://raw/b/", &err, "max_unpacked_bytes", "4MiB",
                             NULL), TARN_OK);
    expect_keys(f, "", "b/small.csv\nb/zeros.bin\n");
    assert_int_equal(extract(f, "/data.csv", "s3://raw/c/", &err, "max_unpacked_bytes", "10",
                             NULL), TARN_ERR_LIMIT);
}

static void local_and_s3_sources(void **state)
{
    fixture *f = *state;
    tarn_error err = {0};
    char path[128], url[160];
    snprintf(path, sizeof path, "%s/in put.zip", f->home);
    FILE *fp = fopen(path, "wb");
    fwrite(srv.routes[1].body.data, 1, srv.routes[1].body.len, fp);
    fclose(fp);
    snprintf(url, sizeof url, "file://%s/in%%20put.zip", f->home);
    assert_int_equal(extract(f, url, "s3://raw/l/", &err, NULL), TARN_OK);
    expect_keys(f, "l/", "l/b.txt\nl/data/a.csv\n");
    assert_int_equal(tarn_object_put_file(f->st, "raw", "in/archive.zip", path, &err), TARN_OK);
    assert_int_equal(extract(f, "s3://raw/in/archive.zip", "s3://raw/s3/", &err, NULL), TARN_OK);
    expect_keys(f, "s3/", "s3/b.txt\ns3/data/a.csv\n");
    assert_int_equal(extract(f, "s3://raw/in/archive.zip", "s3://raw/in/", &err, NULL),
                     TARN_ERR_INVALID);
    assert_int_equal(extract(f, "ftp://x/y", "s3://raw/in/", &err, NULL), TARN_ERR_INVALID);
    assert_non_null(strstr(err.msg, "--source_url"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(plain_file_is_stored_as_is, setup, teardown),
        cmocka_unit_test_setup_teardown(archives_are_unpacked_by_content, setup, teardown),
        cmocka_unit_test_setup_teardown(http_errors_name_status_and_url, setup, teardown),
        cmocka_unit_test_setup_teardown(redirects_are_followed, setup, teardown),
        cmocka_unit_test_setup_teardown(transient_errors_are_retried, setup, teardown),
        cmocka_unit_test_setup_teardown(escaping_entries_are_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(unpacked_bytes_are_limited, setup, teardown),
        cmocka_unit_test_setup_teardown(local_and_s3_sources, setup, teardown),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
