/*
** ctas.c: CREATE TABLE t WITH (format='PARQUET', external_location=
** 's3://...', partitioned_by=ARRAY['col']) AS SELECT ...: the SELECT's
** rows written as Parquet, registered as a catalog table.
*/
#include "query/engine_int.h"

int qstmt_ctas(qrun *r, qlex *lx, tarn_error *err);

int qstmt_ctas(qrun *r, qlex *lx, tarn_error *err)
{
    (void)err;
    return qrun_fail(r, lx->pos, TARN_ERR_UNSUPPORTED, "NOT_SUPPORTED", "CTAS not yet");
}
