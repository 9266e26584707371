/* PLACEHOLDER (replaced by its owner; must not be committed as is). */
#include "jobs/jobs.h"
struct tarn_job_handle { int unused; };
#define NOTYET(err) tarn_error_set(err, TARN_ERR_UNSUPPORTED, "job runner: not built yet")
int tarn_job_start(const tarn_runner_env *env, const char *name, const tarn_job_start_opts *o,
                   tarn_job_handle **out, tarn_error *err) { *out = NULL; return NOTYET(err); }
const char *tarn_job_handle_run_id(const tarn_job_handle *h) { return ""; }
int tarn_job_poll(tarn_job_handle *h, int wait_ms, bool *done, tarn_job_state *state,
                  tarn_error *err) { *done = true; *state = TARN_JOB_FAILED; return NOTYET(err); }
int tarn_job_stop(tarn_job_handle *h, tarn_error *err) { return NOTYET(err); }
void tarn_job_handle_free(tarn_job_handle *h) { }
int tarn_job_run_wait(const tarn_runner_env *env, const char *name, const tarn_job_start_opts *o,
                      char final_run_id[TARN_CATALOG_ID_MAX], tarn_error *err) { return NOTYET(err); }
int tarn_job_runs_reap(tarn_catalog *cat, tarn_error *err) { return TARN_OK; }
