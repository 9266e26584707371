/*
** params.c: what a crawler writes about a table besides its columns
** (crawl_int.h): the classification, SerDe, input and output formats a
** reader of its files needs (Athena's DDL names), the parameters Glue's
** crawler sets on tables and partitions, table names made from folder
** names, and Hive's %XX unescaping of partition values. group.c decides
** which files make a table; this file only describes one.
*/
#include "crawl/crawl_int.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TEXT_INPUT "org.apache.hadoop.mapred.TextInputFormat"
#define TEXT_OUTPUT "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat"
#define PARQUET_INPUT "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat"
#define PARQUET_OUTPUT "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat"
#define LAZY_SERDE "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe"
#define OPENCSV_SERDE "org.apache.hadoop.hive.serde2.OpenCSVSerde"
#define PARQUET_SERDE "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"
#define JSON_SERDE "org.openx.data.jsonserde.JsonSerDe"

char *crawl_table_name(const char *prefix, const char *raw, size_t n)
{
    char *s = tarn_xasprintf("%s%.*s", prefix ? prefix : "", (int)n, raw);
    for (char *p = s; *p; p++) {
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
        else if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_'))
            *p = '_';
    }
    if (strlen(s) > TARN_CATALOG_NAME_MAX)
        s[TARN_CATALOG_NAME_MAX] = '\0';
    return s;
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* %00 stays as it is: a value is a C string. */
char *crawl_hive_unescape(const char *s, size_t n)
{
    char *out = tarn_xmalloc(n + 1);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        int hi, lo;
        if (s[i] == '%' && i + 2 < n && (hi = hex_value(s[i + 1])) >= 0 &&
            (lo = hex_value(s[i + 2])) >= 0 && (hi || lo)) {
            out[k++] = (char)(hi * 16 + lo);
            i += 2;
        } else {
            out[k++] = s[i];
        }
    }
    out[k] = '\0';
    return out;
}

void crawl_stats_add(crawl_stats *s, const tarn_crawl_object *o)
{
    s->objects++;
    s->bytes += o->size;
    s->records += o->cls.records;
    s->record_bytes += (double)o->cls.records * (double)o->cls.avg_record_size;
}

static void set_str(json_t *obj, const char *key, const char *v)
{
    json_object_set_new(obj, key, json_string(v));
}

static void set_int(json_t *obj, const char *key, int64_t v)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%lld", (long long)v);
    set_str(obj, key, buf);
}

/* The parameters object Glue's crawler writes for files like proto. */
static json_t *parameters(const tarn_crawl_class *proto, bool quoted, const crawl_stats *st,
                          const char *crawler)
{
    json_t *p = json_object();
    set_str(p, "classification", tarn_crawl_format_name(proto->format));
    set_str(p, "compressionType", proto->gzip ? "gzip" : "none");
    set_str(p, "typeOfData", "file");
    if (proto->format == TARN_CRAWL_CSV) {
        char d[2] = {proto->delimiter, 0};
        set_str(p, "columnsOrdered", "true");
        set_str(p, "areColumnsQuoted", quoted ? "true" : "false");
        set_str(p, "delimiter", d);
        if (proto->header)
            set_str(p, "skip.header.line.count", "1");
    }
    set_int(p, "recordCount", st->records);
    set_int(p, "averageRecordSize",
            st->records > 0 ? (int64_t)(st->record_bytes / (double)st->records + 0.5) : 0);
    set_int(p, "sizeKey", st->bytes);
    set_int(p, "objectCount", st->objects);
    set_str(p, "UPDATED_BY_CRAWLER", crawler ? crawler : "");
    set_str(p, "CrawlerSchemaSerializerVersion", "1.0");
    set_str(p, "CrawlerSchemaDeserializerVersion", "1.0");
    return p;
}

/* Compact JSON text of obj with sorted keys (consumes obj). */
static char *dump(json_t *obj)
{
    char *s = json_dumps(obj, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(obj);
    char *copy = tarn_xstrdup(s ? s : "{}");
    free(s);
    return copy;
}

/* The SerDe parameters for files like proto; JSON lists t's columns. */
static json_t *serde_parameters(const tarn_crawl_class *proto, bool quoted,
                                const tarn_cat_table *t)
{
    json_t *p = json_object();
    char d[2] = {proto->delimiter, 0};
    if (proto->format == TARN_CRAWL_CSV && quoted) {
        set_str(p, "separatorChar", d);
        set_str(p, "quoteChar", "\"");
        set_str(p, "escapeChar", "\\");
    } else if (proto->format == TARN_CRAWL_CSV) {
        set_str(p, "field.delim", d);
    } else if (proto->format == TARN_CRAWL_PARQUET) {
        set_str(p, "serialization.format", "1");
    } else if (proto->format == TARN_CRAWL_JSON) {
        tarn_buf b;
        tarn_buf_init(&b, 0);
        for (size_t i = 0; i < t->ncolumns; i++)
            tarn_buf_appendf(&b, "%s%s", i ? "," : "", t->columns[i].name);
        set_str(p, "paths", b.data ? b.data : "");
        tarn_buf_free(&b);
    }
    return p;
}

void crawl_table_describe(tarn_cat_table *t, const tarn_crawl_class *proto, bool quoted,
                          const crawl_stats *st, const char *crawler)
{
    bool parquet = proto->format == TARN_CRAWL_PARQUET;
    t->table_type = tarn_xstrdup("EXTERNAL_TABLE");
    t->classification = tarn_xstrdup(tarn_crawl_format_name(proto->format));
    t->input_format = tarn_xstrdup(parquet ? PARQUET_INPUT : TEXT_INPUT);
    t->output_format = tarn_xstrdup(parquet ? PARQUET_OUTPUT : TEXT_OUTPUT);
    const char *serde = parquet ? PARQUET_SERDE
                        : proto->format == TARN_CRAWL_JSON ? JSON_SERDE
                        : quoted ? OPENCSV_SERDE : LAZY_SERDE;
    t->serde_library = tarn_xstrdup(serde);
    t->serde_parameters = dump(serde_parameters(proto, quoted, t));
    t->parameters = dump(parameters(proto, quoted, st, crawler));
    t->row_count = st->records;
}

char *crawl_partition_parameters(const tarn_crawl_class *proto, bool quoted,
                                 const crawl_stats *st, const char *crawler)
{
    return dump(parameters(proto, quoted, st, crawler));
}
