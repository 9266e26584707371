/*
** extract_http.c: downloading the extract job's http(s) source into a
** local file with libcurl: redirects (at most 10, http and https only),
** retries with doubling delays on connect failures, timeouts, 5xx and 429,
** an immediate failure naming the status and URL on any other 4xx, a
** stall timeout, and a cap on the bytes written. The body streams to the
** file through curl's write callback; nothing is held in memory.
*/
#include "jobs/extract_int.h"

#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

typedef struct dl_state {
    int fd;
    int64_t bytes, max;
    bool over;             /* the body passed max */
    int werrno;            /* a failed write */
    char reason[128];      /* the last status line's reason phrase */
    long retry_after;      /* seconds, from a Retry-After header; -1 none */
} dl_state;

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void curl_setup(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
    dl_state *d = ud;
    size_t len = size * n;
    if (d->bytes + (int64_t)len > d->max) {
        d->over = true;
        return 0;
    }
    for (size_t done = 0; done < len;) {
        ssize_t k = write(d->fd, p + done, len - done);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0) {
            d->werrno = errno;
            return 0;
        }
        done += (size_t)k;
    }
    d->bytes += (int64_t)len;
    return len;
}

/* The reason phrase of a status line ("HTTP/1.1 404 Not Found"). */
static void status_reason(const char *p, size_t len, char *out, size_t cap)
{
    size_t i = 0;
    for (int spaces = 0; i < len && spaces < 2; i++)
        spaces += p[i] == ' ';
    size_t e = len;
    while (e > i && (p[e - 1] == '\r' || p[e - 1] == '\n' || p[e - 1] == ' '))
        e--;
    size_t k = e > i ? e - i : 0;
    k = k < cap ? k : cap - 1;
    memcpy(out, p + i, k);
    out[k] = '\0';
}

/* Keep the reason phrase of each status line and any Retry-After. */
static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
    dl_state *d = ud;
    size_t len = size * n;
    if (len > 5 && memcmp(p, "HTTP/", 5) == 0) {
        status_reason(p, len, d->reason, sizeof d->reason);
        d->retry_after = -1;
    } else if (len > 12 && strncasecmp(p, "Retry-After:", 12) == 0) {
        d->retry_after = strtol(p + 12, NULL, 10);
    }
    return len;
}

/* The standard reason phrase of an HTTP status, for servers (HTTP/2)
** that send none. */
static const char *std_reason(long status)
{
    static const struct { long code; const char *text; } t[] = {
        {400, "Bad Request"}, {401, "Unauthorized"}, {403, "Forbidden"}, {404, "Not Found"},
        {405, "Method Not Allowed"}, {408, "Request Timeout"}, {410, "Gone"},
        {429, "Too Many Requests"}, {500, "Internal Server Error"}, {502, "Bad Gateway"},
        {503, "Service Unavailable"}, {504, "Gateway Timeout"},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (t[i].code == status)
            return t[i].text;
    return "";
}

static bool transient_curl(CURLcode rc)
{
    switch (rc) {
    case CURLE_COULDNT_CONNECT: case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_OPERATION_TIMEDOUT: case CURLE_SEND_ERROR: case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING: case CURLE_PARTIAL_FILE: case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM: case CURLE_SSL_CONNECT_ERROR:
        return true;
    default:
        return false;
    }
}

/* One attempt. Returns the curl code; *status the final HTTP status. */
static CURLcode attempt(const char *url, const tarn_extract_args *a, dl_state *d, long *status,
                        char *errbuf)
{
    CURL *c = curl_easy_init();
    if (!c)
        return CURLE_FAILED_INIT;
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(c, CURLOPT_MAXREDIRS, 10L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, (long)a->timeout_s);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, (long)a->timeout_s);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "tarn/" TARN_VERSION);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, d);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, d);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    errbuf[0] = '\0';
    CURLcode rc = curl_easy_perform(c);
    *status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
    curl_easy_cleanup(c);
    return rc;
}

/* Empty the file for another attempt. */
static int rewind_file(dl_state *d, const char *path, tarn_error *err)
{
    if (ftruncate(d->fd, 0) != 0 || lseek(d->fd, 0, SEEK_SET) != 0)
        return tarn_error_errno(err, TARN_ERR_IO, errno, "cannot reuse '%s'", path);
    d->bytes = 0;
    return TARN_OK;
}

static void sleep_ms(int64_t ms)
{
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* The error for a finished attempt that did not succeed (or TARN_OK). */
static int outcome(const char *url, CURLcode rc, long status, const dl_state *d,
                   const char *errbuf, int attempts, tarn_error *err)
{
    const char *reason = d->reason[0] ? d->reason : std_reason(status);
    if (d->over)
        return tarn_error_set(err, TARN_ERR_LIMIT,
                              "the download from %s passed --max_unpacked_bytes (%lld bytes); "
                              "raise the limit if the source is that large", url, (long long)d->max);
    if (d->werrno)
        return tarn_error_errno(err, TARN_ERR_IO, d->werrno, "cannot store the download from %s", url);
    if (rc == CURLE_TOO_MANY_REDIRECTS)
        return tarn_error_set(err, TARN_ERR_INVALID, "more than 10 redirects from %s", url);
    if (rc != CURLE_OK)
        return tarn_error_set(err, TARN_ERR_IO, "cannot download %s: %s%s%s%s", url,
                              curl_easy_strerror(rc), errbuf[0] ? " (" : "", errbuf,
                              errbuf[0] ? ")" : "");
    if (status >= 400)
        return tarn_error_set(err, status >= 500 || status == 429 ? TARN_ERR_IO : TARN_ERR_NOTFOUND,
                              "HTTP %ld%s%s from %s%s", status, reason[0] ? " " : "", reason, url,
                              attempts > 1 ? " (after every retry)" : "");
    return TARN_OK;
}

int extract_download(const char *url, const tarn_extract_args *a, const tarn_job_env *env,
                     int fd, const char *path, int64_t *bytes, tarn_error *err)
{
    pthread_once(&curl_once, curl_setup);
    dl_state d = {fd, 0, a->max_unpacked_bytes, false, 0, "", -1};
    char errbuf[CURL_ERROR_SIZE];
    int64_t delay = a->retry_delay_ms;
    for (int i = 0;; i++) {
        long status;
        CURLcode rc = attempt(url, a, &d, &status, errbuf);
        bool again = !d.over && !d.werrno &&
                     (transient_curl(rc) || (rc == CURLE_OK && (status >= 500 || status == 429)));
        if (!again || i >= a->http_retries) {
            *bytes = d.bytes;
            return outcome(url, rc, status, &d, errbuf, i + 1, err);
        }
        int64_t wait = d.retry_after > 0 ? d.retry_after * 1000 : delay;
        wait = wait > 60000 ? 60000 : wait;
        if (rc == CURLE_OK)
            jobs_log(env, "HTTP %ld from %s; retrying in %.1f s (attempt %d of %d)", status, url,
                     (double)wait / 1000, i + 2, a->http_retries + 1);
        else
            jobs_log(env, "%s from %s; retrying in %.1f s (attempt %d of %d)",
                     curl_easy_strerror(rc), url, (double)wait / 1000, i + 2, a->http_retries + 1);
        sleep_ms(wait);
        delay *= 2;
        int r = rewind_file(&d, path, err);
        if (r)
            return r;
    }
}
