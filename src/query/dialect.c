/* PLACEHOLDER (replaced by its owner; must not be committed as is). */
#include "query/query_int.h"
#include <stdlib.h>
#include <string.h>
int tarn_qfunc_register(sqlite3 *db, tarn_error *err) { return TARN_OK; }
int tarn_qdialect_rewrite(const char *sql, size_t len, tarn_qtext *out, tarn_error *err)
{
    out->sql = malloc(len + 1); memcpy(out->sql, sql, len); out->sql[len] = 0; out->len = len;
    out->origin = malloc((len + 1) * sizeof *out->origin);
    for (size_t i = 0; i <= len; i++) out->origin[i] = i;
    return TARN_OK;
}
void tarn_qtext_free(tarn_qtext *t) { free(t->sql); free(t->origin); t->sql = NULL; t->origin = NULL; }
void tarn_qtext_position(const char *text, size_t off, int *line, int *col) { *line = 1; *col = (int)off + 1; }
int tarn_qerror_from_sqlite(sqlite3 *db, const tarn_qtext *t, const char *user_sql,
                            const char *database, int *category, tarn_error *err)
{ *category = TARN_QERR_USER; return tarn_error_set(err, TARN_ERR_INVALID, "%s", sqlite3_errmsg(db)); }
