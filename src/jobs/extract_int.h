/*
** extract_int.h: what the extract job's files share (private to jobs/):
** the HTTP download (extract_http.c) that extract.c calls.
*/
#ifndef TARN_JOBS_EXTRACT_INT_H
#define TARN_JOBS_EXTRACT_INT_H

#include "jobs/jobs_int.h"

/* Download url (http or https) into the open, empty file fd (its name is
** path, for messages), retrying as tarn_extract_args says. *bytes gets
** the body's size. Errors name the status and URL ("HTTP 404 Not Found
** from ..."), or curl's reason; TARN_ERR_LIMIT past max_unpacked_bytes. */
int extract_download(const char *url, const tarn_extract_args *a, const tarn_job_env *env,
                     int fd, const char *path, int64_t *bytes, tarn_error *err);

#endif
