/*
** extract.c: the tarn.extract job (work in progress).
*/
#include "jobs/jobs_int.h"

int tarn_extract_args_parse(const tarn_job_args *a, tarn_extract_args *out, tarn_error *err)
{
    return tarn_error_set(err, TARN_ERR_UNSUPPORTED, "tarn.extract is not built yet");
}

int tarn_job_extract(const tarn_extract_args *args, const tarn_job_env *env,
                     tarn_job_result *res, tarn_error *err)
{
    return tarn_error_set(err, TARN_ERR_UNSUPPORTED, "tarn.extract is not built yet");
}
