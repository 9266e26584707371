/* PLACEHOLDER (replaced by its owner; must not be committed as is). */
#include "crawl/crawl.h"
int tarn_crawler_run_by_name(tarn_store *st, tarn_catalog *cat, const char *name,
                             const char *workflow_run_id, tarn_crawl_result *res,
                             tarn_error *err)
{ return tarn_error_set(err, TARN_ERR_UNSUPPORTED, "crawler runs: not built yet"); }
