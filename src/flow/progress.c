/*
** progress.c: the text of a run's live progress (flow.h
** tarn_flow_progress_render): one line per job or crawler node with its
** state, time so far, and for jobs the rows and bytes read and written as
** the job run records them in job_runs. cli/ decides where and how often
** to print it.
*/
#include "flow/flow_int.h"

#include <stdio.h>
#include <string.h>

/* Append the job run's counters, if it can be read. */
static void job_counters(tarn_catalog *cat, const char *run_id, tarn_buf *out)
{
    tarn_cat_job_run jr;
    tarn_error err = {0};
    if (!cat || !run_id || tarn_catalog_job_run_get(cat, run_id, &jr, &err) != TARN_OK)
        return;
    tarn_buf_appendf(out, "  rows %lld in, %lld out  %.1f MiB in, %.1f MiB out",
                     (long long)jr.rows_in, (long long)jr.rows_out,
                     (double)jr.bytes_in / (1 << 20), (double)jr.bytes_out / (1 << 20));
    tarn_cat_job_run_free(&jr);
}

void tarn_flow_progress_render(tarn_catalog *cat, const tarn_flow_node *nodes, size_t n,
                               int64_t now_ms, tarn_buf *out)
{
    for (size_t i = 0; i < n; i++) {
        const tarn_flow_node *x = &nodes[i];
        if (strcmp(x->type, "TRIGGER") == 0)
            continue;
        int64_t end = x->completed_on > 0 ? x->completed_on : now_ms;
        int64_t secs = x->started_on > 0 && end >= x->started_on
                           ? (end - x->started_on) / 1000 : 0;
        tarn_buf_appendf(out, "  %-7s %-28.28s %-9s", x->type, x->name,
                         x->state ? x->state : "WAITING");
        if (x->started_on > 0)
            tarn_buf_appendf(out, " %3lld:%02lld", (long long)(secs / 60),
                             (long long)(secs % 60));
        else
            tarn_buf_appendf(out, "     -");
        if (strcmp(x->type, "JOB") == 0 && x->action_run_id)
            job_counters(cat, x->action_run_id, out);
        tarn_buf_putc(out, '\n');
    }
}
