/* PLACEHOLDER (replaced by its owner; must not be committed as is). */
#include "query/query_int.h"
int tarn_qscan_register(sqlite3 *db, tarn_qscan_ctx *ctx, tarn_error *err) { return tarn_error_set(err, TARN_ERR_UNSUPPORTED, "scan: not built yet"); }
int tarn_qscan_expose(sqlite3 *db, tarn_qscan_ctx *ctx, const char *database,
                      const char *table, bool is_default, tarn_error *err) { return tarn_error_set(err, TARN_ERR_UNSUPPORTED, "scan: not built yet"); }
