/*
** repartition.c: the tarn.repartition job (work in progress).
*/
#include "jobs/jobs_int.h"

int tarn_repartition_args_parse(const tarn_job_args *a, tarn_repartition_args *out,
                                tarn_error *err)
{
    return tarn_error_set(err, TARN_ERR_UNSUPPORTED, "tarn.repartition is not built yet");
}

void tarn_repartition_args_free(tarn_repartition_args *a)
{
}

int tarn_job_repartition(const tarn_repartition_args *args, const tarn_job_env *env,
                         tarn_job_result *res, tarn_error *err)
{
    return tarn_error_set(err, TARN_ERR_UNSUPPORTED, "tarn.repartition is not built yet");
}
