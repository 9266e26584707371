/* PLACEHOLDER (replaced by its owner; must not be committed as is). */
#include "catalog/catalog.h"
int tarn_catalog_table_ddl(const tarn_cat_table *t, tarn_buf *out, tarn_error *err)
{ return tarn_error_set(err, TARN_ERR_UNSUPPORTED, "ddl: not built yet"); }
