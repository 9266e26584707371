/*
** template.c: loading CloudFormation templates into jansson trees (see
** stack.h for the tree's shape and how YAML scalars are typed) and checking
** their top-level structure. Parameters are params.c's, intrinsics
** intrinsics.c's.
**
** YAML is read with libyaml's event API and JSON with jansson; this file
** only maps their output to the template tree: short-form tags to long
** forms, plain scalars to typed values, marks to file:line:column errors.
** The tree is built by recursion bounded by TARN_STACK_MAX_DEPTH; libyaml's
** own parser keeps its state on the heap, so deep input cannot exhaust the
** stack before the bound stops it.
*/
#include "stack/stack_internal.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

/* The state of one YAML load: the parser, the input's name for messages
** and the caller's error. */
typedef struct yloader {
    yaml_parser_t parser;
    const char *name;
    tarn_error *err;
} yloader;

/* Short-form tags and the long-form keys they stand for. */
static const struct {
    const char *tag;
    const char *key;
} short_tags[] = {
    {"!Ref", "Ref"},
    {"!Condition", "Condition"},
    {"!GetAtt", "Fn::GetAtt"},
    {"!Sub", "Fn::Sub"},
    {"!Join", "Fn::Join"},
    {"!Select", "Fn::Select"},
    {"!Split", "Fn::Split"},
    {"!If", "Fn::If"},
    {"!Equals", "Fn::Equals"},
    {"!And", "Fn::And"},
    {"!Or", "Fn::Or"},
    {"!Not", "Fn::Not"},
    {"!ImportValue", "Fn::ImportValue"},
    {"!FindInMap", "Fn::FindInMap"},
    {"!Base64", "Fn::Base64"},
    {"!GetAZs", "Fn::GetAZs"},
    {"!Cidr", "Fn::Cidr"},
};

#define YAML_STR_TAG "tag:yaml.org,2002:str"

static int yload_node(yloader *ld, yaml_event_t *ev, int depth, json_t **out);

/* Fill the error with "name:line:column: message" at mark. */
static int yerr(yloader *ld, int code, yaml_mark_t mark, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int yerr(yloader *ld, int code, yaml_mark_t mark, const char *fmt, ...)
{
    char msg[TARN_ERROR_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return tarn_error_set(ld->err, code, "%s:%zu:%zu: %s", ld->name,
                          mark.line + 1, mark.column + 1, msg);
}

/* Read the next event into ev; a syntax error becomes TARN_ERR_CORRUPT with
** libyaml's problem and where it was found. */
static int ynext(yloader *ld, yaml_event_t *ev)
{
    if (yaml_parser_parse(&ld->parser, ev))
        return TARN_OK;
    yaml_parser_t *p = &ld->parser;
    if (p->error == YAML_MEMORY_ERROR)
        return tarn_error_set(ld->err, TARN_ERR_NOMEM,
                              "%s: out of memory parsing YAML", ld->name);
    const char *problem = p->problem ? p->problem : "malformed input";
    if (p->context)
        return yerr(ld, TARN_ERR_CORRUPT, p->problem_mark,
                    "YAML syntax error: %s (%s that starts at line %zu column "
                    "%zu); check the indentation and quoting there",
                    problem, p->context, p->context_mark.line + 1,
                    p->context_mark.column + 1);
    return yerr(ld, TARN_ERR_CORRUPT, p->problem_mark,
                "YAML syntax error: %s; check the indentation and quoting there",
                problem);
}

/* Text and style of the shortest decimal spelling of d that reads back as
** d, with ".0" added when it would otherwise look like an integer. */
static void real_text(double d, char *buf, size_t size)
{
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, size, "%.*g", prec, d);
        if (strtod(buf, NULL) == d)
            break;
    }
    if (!strpbrk(buf, ".eEn") && strlen(buf) + 3 <= size)
        strcat(buf, ".0");
}

/* If s (n bytes) is the canonical spelling of a 64-bit integer, store it in
** *v and return true. */
static bool canonical_int(const char *s, size_t n, json_int_t *v)
{
    size_t i = (n > 0 && s[0] == '-') ? 1 : 0;
    if (n == i || n > 20 || (s[i] == '0' && n > i + 1) || (i && s[i] == '0'))
        return false;
    for (size_t k = i; k < n; k++)
        if (!isdigit((unsigned char)s[k]))
            return false;
    char buf[24];
    memcpy(buf, s, n);
    buf[n] = '\0';
    errno = 0;
    long long x = strtoll(buf, NULL, 10);
    if (errno)
        return false;
    *v = (json_int_t)x;
    return true;
}

/* If s (n bytes) is a decimal number with a fraction or exponent whose
** canonical spelling (real_text) is s itself, store it and return true. */
static bool canonical_real(const char *s, size_t n, double *v)
{
    char buf[48], back[48];
    if (n == 0 || n > 40)
        return false;
    memcpy(buf, s, n);
    buf[n] = '\0';
    if (!strpbrk(buf, ".eE") || strspn(buf, "-+.0123456789eE") < n)
        return false;
    char *end;
    double d = strtod(buf, &end);
    if (*end || !isfinite(d))
        return false;
    real_text(d, back, sizeof back);
    if (strcmp(back, buf) != 0)
        return false;
    *v = d;
    return true;
}

/* The typed value of a plain scalar (see stack.h), or NULL on bad UTF-8. */
static json_t *plain_value(const char *s, size_t n)
{
    static const char *const nulls[] = {"", "~", "null", "Null", "NULL"};
    for (size_t i = 0; i < sizeof nulls / sizeof *nulls; i++)
        if (strlen(nulls[i]) == n && memcmp(nulls[i], s, n) == 0)
            return json_null();
    if (n == 4 && memcmp(s, "true", 4) == 0)
        return json_true();
    if (n == 5 && memcmp(s, "false", 5) == 0)
        return json_false();
    json_int_t iv;
    double dv;
    if (canonical_int(s, n, &iv))
        return json_integer(iv);
    if (canonical_real(s, n, &dv))
        return json_real(dv);
    return json_stringn(s, n);
}

/* A scalar event as a JSON value. Plain untagged scalars are typed; quoted,
** block and tagged ones are strings. */
static int yload_scalar(yloader *ld, yaml_event_t *ev, json_t **out)
{
    const char *s = (const char *)ev->data.scalar.value;
    size_t n = ev->data.scalar.length;
    if (memchr(s, '\0', n))
        return yerr(ld, TARN_ERR_INVALID, ev->start_mark,
                    "a NUL character in a string is not allowed in templates");
    const char *tag = (const char *)ev->data.scalar.tag;
    bool plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && !tag;
    *out = plain ? plain_value(s, n) : json_stringn(s, n);
    if (!*out)
        return yerr(ld, TARN_ERR_CORRUPT, ev->start_mark,
                    "string is not valid UTF-8");
    return TARN_OK;
}

/* A sequence, from the event after SEQUENCE-START to SEQUENCE-END. */
static int yload_seq(yloader *ld, int depth, json_t **out)
{
    json_t *arr = json_array();
    for (;;) {
        yaml_event_t ev;
        int rc = ynext(ld, &ev);
        if (rc) {
            json_decref(arr);
            return rc;
        }
        if (ev.type == YAML_SEQUENCE_END_EVENT) {
            yaml_event_delete(&ev);
            *out = arr;
            return TARN_OK;
        }
        json_t *item = NULL;
        rc = yload_node(ld, &ev, depth + 1, &item);
        yaml_event_delete(&ev);
        if (rc || json_array_append_new(arr, item)) {
            json_decref(arr);
            return rc ? rc : tarn_error_set(ld->err, TARN_ERR_NOMEM, "out of memory");
        }
    }
}

/* One key of a mapping: must be an untagged scalar with no NUL, not seen
** before in obj. On success *key is a malloc'd copy. */
static int yload_key(yloader *ld, yaml_event_t *ev, const json_t *obj, char **key)
{
    if (ev->type != YAML_SCALAR_EVENT)
        return yerr(ld, TARN_ERR_INVALID, ev->start_mark,
                    "a mapping key must be a plain string, not a %s",
                    ev->type == YAML_ALIAS_EVENT ? "YAML alias" : "list or mapping");
    const char *s = (const char *)ev->data.scalar.value;
    size_t n = ev->data.scalar.length;
    if (ev->data.scalar.tag && strcmp((const char *)ev->data.scalar.tag, YAML_STR_TAG))
        return yerr(ld, TARN_ERR_INVALID, ev->start_mark,
                    "a mapping key cannot carry the tag '%s'",
                    (const char *)ev->data.scalar.tag);
    if (memchr(s, '\0', n))
        return yerr(ld, TARN_ERR_INVALID, ev->start_mark,
                    "a NUL character in a key is not allowed in templates");
    if (json_object_getn(obj, s, n))
        return yerr(ld, TARN_ERR_INVALID, ev->start_mark,
                    "duplicate key '%.*s' in this mapping; keep one of them",
                    (int)(n > 200 ? 200 : n), s);
    *key = tarn_xstrndup(s, n);
    return TARN_OK;
}

/* A mapping, from the event after MAPPING-START to MAPPING-END. */
static int yload_map(yloader *ld, int depth, json_t **out)
{
    json_t *obj = json_object();
    int rc = TARN_OK;
    for (;;) {
        yaml_event_t ev;
        if ((rc = ynext(ld, &ev)))
            break;
        if (ev.type == YAML_MAPPING_END_EVENT) {
            yaml_event_delete(&ev);
            *out = obj;
            return TARN_OK;
        }
        char *key = NULL;
        rc = yload_key(ld, &ev, obj, &key);
        yaml_event_delete(&ev);
        if (rc || (rc = ynext(ld, &ev))) {
            free(key);
            break;
        }
        json_t *val = NULL;
        yaml_mark_t mark = ev.start_mark;
        rc = yload_node(ld, &ev, depth + 1, &val);
        yaml_event_delete(&ev);
        if (!rc && json_object_set_new(obj, key, val))
            rc = yerr(ld, TARN_ERR_CORRUPT, mark, "key is not valid UTF-8");
        free(key);
        if (rc)
            break;
    }
    json_decref(obj);
    return rc;
}

/* `!GetAtt Res.Attr` as ["Res", "Attr"], split at the first dot. */
static int getatt_split(yloader *ld, yaml_mark_t mark, json_t **v)
{
    const char *s = json_string_value(*v);
    const char *dot = s ? strchr(s, '.') : NULL;
    if (!dot || dot == s || !dot[1])
        return yerr(ld, TARN_ERR_INVALID, mark,
                    "!GetAtt needs 'Resource.Attribute' or [Resource, Attribute]");
    json_t *pair = json_pack("[s#s]", s, (int)(dot - s), dot + 1);
    json_decref(*v);
    *v = pair;
    return TARN_OK;
}

/* Apply node's tag to its value *v: a short form becomes {"Fn::X": *v}. */
static int yapply_tag(yloader *ld, const char *tag, yaml_mark_t mark,
                      bool scalar, json_t **v)
{
    if (!tag || strcmp(tag, "!") == 0)
        return TARN_OK;
    if (strcmp(tag, YAML_STR_TAG) == 0)
        return scalar ? TARN_OK
                      : yerr(ld, TARN_ERR_INVALID, mark, "!!str applied to a list or mapping");
    for (size_t i = 0; i < sizeof short_tags / sizeof *short_tags; i++) {
        if (strcmp(tag, short_tags[i].tag) != 0)
            continue;
        if (scalar && strcmp(short_tags[i].key, "Fn::GetAtt") == 0) {
            int rc = getatt_split(ld, mark, v);
            if (rc)
                return rc;
        }
        json_t *wrap = json_object();
        json_object_set_new(wrap, short_tags[i].key, *v);
        *v = wrap;
        return TARN_OK;
    }
    return yerr(ld, TARN_ERR_INVALID, mark,
                "unknown tag '%.100s'; CloudFormation's short forms are !Ref, "
                "!Sub, !GetAtt, !Join, !Select, !Split, !If, !Equals, !And, !Or, "
                "!Not, !ImportValue, !FindInMap, !Base64, !GetAZs, !Cidr and "
                "!Condition", tag);
}

/* The value of the node that starts with event ev (owned by the caller),
** at nesting depth depth. */
static int yload_node(yloader *ld, yaml_event_t *ev, int depth, json_t **out)
{
    if (depth > TARN_STACK_MAX_DEPTH)
        return yerr(ld, TARN_ERR_LIMIT, ev->start_mark,
                    "nested deeper than %d levels; flatten the template",
                    TARN_STACK_MAX_DEPTH);
    const char *tag = NULL;
    int rc;
    switch (ev->type) {
    case YAML_SCALAR_EVENT:
        tag = (const char *)ev->data.scalar.tag;
        rc = yload_scalar(ld, ev, out);
        break;
    case YAML_SEQUENCE_START_EVENT:
        tag = (const char *)ev->data.sequence_start.tag;
        rc = yload_seq(ld, depth, out);
        break;
    case YAML_MAPPING_START_EVENT:
        tag = (const char *)ev->data.mapping_start.tag;
        rc = yload_map(ld, depth, out);
        break;
    case YAML_ALIAS_EVENT:
        return yerr(ld, TARN_ERR_UNSUPPORTED, ev->start_mark,
                    "YAML aliases (*%.100s) are not supported in templates, as "
                    "in CloudFormation; repeat the value instead",
                    (const char *)ev->data.alias.anchor);
    default:
        return yerr(ld, TARN_ERR_INTERNAL, ev->start_mark, "unexpected YAML event");
    }
    if (rc)
        return rc;
    rc = yapply_tag(ld, tag, ev->start_mark, ev->type == YAML_SCALAR_EVENT, out);
    if (rc) {
        json_decref(*out);
        *out = NULL;
    }
    return rc;
}

/* Expect an event of type want next; anything else is an error saying
** what was found instead (what). */
static int yexpect(yloader *ld, yaml_event_type_t want, const char *what)
{
    yaml_event_t ev;
    int rc = ynext(ld, &ev);
    if (rc)
        return rc;
    if (ev.type != want)
        rc = yerr(ld, TARN_ERR_INVALID, ev.start_mark, "%s", what);
    yaml_event_delete(&ev);
    return rc;
}

/* The one document of a YAML stream. */
static int yload_document(yloader *ld, json_t **out)
{
    yaml_event_t ev;
    int rc = yexpect(ld, YAML_STREAM_START_EVENT, "expected the start of YAML");
    if (rc || (rc = ynext(ld, &ev)))
        return rc;
    if (ev.type != YAML_DOCUMENT_START_EVENT) {
        yaml_event_delete(&ev);
        return tarn_error_set(ld->err, TARN_ERR_INVALID,
                              "%s: the template is empty", ld->name);
    }
    yaml_event_delete(&ev);
    if ((rc = ynext(ld, &ev)))
        return rc;
    rc = yload_node(ld, &ev, 1, out);
    yaml_event_delete(&ev);
    if (!rc)
        rc = yexpect(ld, YAML_DOCUMENT_END_EVENT, "expected the end of the document");
    if (!rc)
        rc = yexpect(ld, YAML_STREAM_END_EVENT,
                     "a template is one YAML document; remove the second '---' document");
    if (rc) {
        json_decref(*out);
        *out = NULL;
    }
    return rc;
}

/* Load YAML text into *out. */
static int load_yaml(const char *data, size_t len, const char *name,
                     json_t **out, tarn_error *err)
{
    yloader ld = {.name = name, .err = err};
    if (!yaml_parser_initialize(&ld.parser))
        return tarn_error_set(err, TARN_ERR_NOMEM, "%s: out of memory", name);
    yaml_parser_set_input_string(&ld.parser, (const unsigned char *)data, len);
    int rc = yload_document(&ld, out);
    yaml_parser_delete(&ld.parser);
    return rc;
}

/* The nesting depth of v, stopping once it passes limit. */
static int json_depth(const json_t *v, int limit)
{
    if (limit < 0 || !(json_is_object(v) || json_is_array(v)))
        return 0;
    int max = 0;
    const char *k;
    const json_t *child;
    size_t i;
    if (json_is_object(v)) {
        json_object_foreach((json_t *)v, k, child) {
            int d = json_depth(child, limit - 1);
            if (d > max)
                max = d;
        }
    } else {
        json_array_foreach(v, i, child) {
            int d = json_depth(child, limit - 1);
            if (d > max)
                max = d;
        }
    }
    return max + 1;
}

/* Load JSON text into *out, with jansson's line and column on error. */
static int load_json(const char *data, size_t len, const char *name,
                     json_t **out, tarn_error *err)
{
    json_error_t je;
    *out = json_loadb(data, len, JSON_REJECT_DUPLICATES, &je);
    if (!*out)
        return tarn_error_set(err, TARN_ERR_CORRUPT, "%s:%d:%d: JSON syntax error: %s",
                              name, je.line, je.column, je.text);
    if (json_depth(*out, TARN_STACK_MAX_DEPTH) > TARN_STACK_MAX_DEPTH) {
        json_decref(*out);
        *out = NULL;
        return tarn_error_set(err, TARN_ERR_LIMIT,
                              "%s: nested deeper than %d levels; flatten the template",
                              name, TARN_STACK_MAX_DEPTH);
    }
    return TARN_OK;
}

int tarn_template_load_buffer(const char *data, size_t len, const char *name,
                              json_t **out, tarn_error *err)
{
    *out = NULL;
    if (!name)
        name = "<template>";
    if (len > TARN_TEMPLATE_MAX_BYTES)
        return tarn_error_set(err, TARN_ERR_LIMIT,
                              "%s: template is %zu bytes, over the %u-byte limit",
                              name, len, TARN_TEMPLATE_MAX_BYTES);
    size_t i = 0;
    if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
        i = 3;
    size_t bom = i;
    while (i < len && data[i] && strchr(" \t\r\n", data[i]))
        i++;
    int rc = (i < len && data[i] == '{') ? load_json(data + bom, len - bom, name, out, err)
                                         : load_yaml(data, len, name, out, err);
    if (!rc && (rc = tarn_template_check(*out, name, err))) {
        json_decref(*out);
        *out = NULL;
    }
    return rc;
}

int tarn_template_load(const char *path, json_t **out, tarn_error *err)
{
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f)
        return tarn_error_errno(err, errno == ENOENT ? TARN_ERR_NOTFOUND : TARN_ERR_IO,
                                errno, "cannot open template '%s'", path);
    char *buf = tarn_xmalloc(TARN_TEMPLATE_MAX_BYTES + 1);
    size_t n = fread(buf, 1, TARN_TEMPLATE_MAX_BYTES + 1, f);
    int rc = TARN_OK;
    if (ferror(f))
        rc = tarn_error_errno(err, TARN_ERR_IO, errno, "cannot read template '%s'", path);
    else if (n > TARN_TEMPLATE_MAX_BYTES)
        rc = tarn_error_set(err, TARN_ERR_LIMIT,
                            "template '%s' is over the %u-byte limit; split it "
                            "into stacks that export and import values",
                            path, TARN_TEMPLATE_MAX_BYTES);
    fclose(f);
    if (!rc)
        rc = tarn_template_load_buffer(buf, n, path, out, err);
    free(buf);
    return rc;
}

char *tarn_stack_scalar_text(const json_t *v)
{
    char buf[64];
    switch (json_typeof(v)) {
    case JSON_STRING:
        return tarn_xstrndup(json_string_value(v), json_string_length(v));
    case JSON_INTEGER:
        snprintf(buf, sizeof buf, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        return tarn_xstrdup(buf);
    case JSON_REAL:
        real_text(json_real_value(v), buf, sizeof buf);
        return tarn_xstrdup(buf);
    case JSON_TRUE:
        return tarn_xstrdup("true");
    case JSON_FALSE:
        return tarn_xstrdup("false");
    case JSON_NULL:
        return tarn_xstrdup("");
    default:
        return NULL;
    }
}

/* ---- structure checks ------------------------------------------------- */

static const char *const sections[] = {
    "AWSTemplateFormatVersion", "Description", "Metadata", "Parameters",
    "Rules", "Mappings", "Conditions", "Transform", "Resources", "Outputs", NULL};

static const char *const resource_keys[] = {
    "Type", "Properties", "DependsOn", "Condition", "DeletionPolicy",
    "UpdateReplacePolicy", "Metadata", "CreationPolicy", "UpdatePolicy", NULL};

static const char *const output_keys[] = {"Value", "Description", "Export",
                                          "Condition", NULL};

/* True if s is one of the NULL-terminated list. */
static bool in_list(const char *s, const char *const *list)
{
    for (; *list; list++)
        if (strcmp(s, *list) == 0)
            return true;
    return false;
}

/* CloudFormation's rule for logical ids: 1 to 255 letters and digits. */
static bool logical_id_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 255)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)s[i]))
            return false;
    return true;
}

/* Check that section sec of tpl, if present, is an object whose keys are
** logical ids and whose values are objects. */
static int check_named_objects(const json_t *tpl, const char *sec,
                               const char *name, tarn_error *err)
{
    const json_t *obj = json_object_get(tpl, sec);
    if (!obj)
        return TARN_OK;
    if (!json_is_object(obj))
        return tarn_error_set(err, TARN_ERR_INVALID, "%s: %s must be a mapping",
                              name, sec);
    const char *k;
    const json_t *v;
    json_object_foreach((json_t *)obj, k, v) {
        if (!logical_id_ok(k))
            return tarn_error_set(err, TARN_ERR_INVALID,
                                  "%s: %s.%.100s: a logical id must be 1 to 255 "
                                  "letters and digits", name, sec, k);
        if (!json_is_object(v))
            return tarn_error_set(err, TARN_ERR_INVALID,
                                  "%s: %s.%s must be a mapping", name, sec, k);
    }
    return TARN_OK;
}

/* "AWS::Service::Thing" (one or more "::Part" after the service) or
** "Custom::Name". */
static bool resource_type_ok(const char *t)
{
    int parts = 0;
    const char *p = t;
    for (;;) {
        size_t n = strcspn(p, ":");
        if (n == 0)
            return false;
        parts++;
        p += n;
        if (!*p)
            break;
        if (strncmp(p, "::", 2) != 0)
            return false;
        p += 2;
    }
    if (strncmp(t, "Custom::", 8) == 0)
        return parts == 2;
    return strncmp(t, "AWS::", 5) == 0 && parts >= 3;
}

/* DependsOn: a logical id or a list of them. */
static bool depends_on_ok(const json_t *d)
{
    if (json_is_string(d))
        return true;
    if (!json_is_array(d))
        return false;
    size_t i;
    const json_t *x;
    json_array_foreach(d, i, x) if (!json_is_string(x)) return false;
    return true;
}

/* Check one resource's attributes. */
static int check_resource(const json_t *tpl, const char *id, const json_t *r,
                          const char *name, tarn_error *err)
{
    const char *k;
    const json_t *v;
    json_object_foreach((json_t *)r, k, v) {
        if (!in_list(k, resource_keys))
            return tarn_error_set(err, TARN_ERR_INVALID,
                                  "%s: Resources.%s: unknown attribute '%.100s'; "
                                  "a resource has Type, Properties, DependsOn, "
                                  "Condition, DeletionPolicy, UpdateReplacePolicy, "
                                  "Metadata, CreationPolicy and UpdatePolicy",
                                  name, id, k);
    }
    const char *type = json_string_value(json_object_get(r, "Type"));
    if (!type || !resource_type_ok(type))
        return tarn_error_set(err, TARN_ERR_INVALID,
                              "%s: Resources.%s.Type: expected a resource type such "
                              "as AWS::S3::Bucket", name, id);
    const json_t *props = json_object_get(r, "Properties");
    if (props && !json_is_object(props) && !json_is_null(props))
        return tarn_error_set(err, TARN_ERR_INVALID,
                              "%s: Resources.%s.Properties must be a mapping", name, id);
    const json_t *dep = json_object_get(r, "DependsOn");
    if (dep && !depends_on_ok(dep))
        return tarn_error_set(err, TARN_ERR_INVALID,
                              "%s: Resources.%s.DependsOn must be a logical id or a "
                              "list of them", name, id);
    const json_t *cond = json_object_get(r, "Condition");
    if (cond && (!json_is_string(cond) ||
                 !json_object_get(json_object_get(tpl, "Conditions"),
                                  json_string_value(cond))))
        return tarn_error_set(err, TARN_ERR_INVALID,
                              "%s: Resources.%s.Condition must name a condition "
                              "declared under Conditions", name, id);
    return TARN_OK;
}

/* Check the Resources section. */
static int check_resources(const json_t *tpl, const char *name, tarn_error *err)
{
    const json_t *res = json_object_get(tpl, "Resources");
    if (!json_is_object(res) || json_object_size(res) == 0)
        return tarn_error_set(err, TARN_ERR_INVALID,
                              "%s: a template needs a Resources section declaring at "
                              "least one resource", name);
    int rc = check_named_objects(tpl, "Resources", name, err);
    const char *id;
    const json_t *r;
    json_object_foreach((json_t *)res, id, r) {
        if (rc)
            break;
        rc = check_resource(tpl, id, r, name, err);
        if (!rc && json_object_get(json_object_get(tpl, "Parameters"), id))
            rc = tarn_error_set(err, TARN_ERR_INVALID,
                                "%s: '%s' is both a parameter and a resource; "
                                "rename one of them", name, id);
    }
    return rc;
}

/* Check the Outputs section: each output has a Value, known keys and an
** Export with a Name if it exports. */
static int check_outputs(const json_t *tpl, const char *name, tarn_error *err)
{
    int rc = check_named_objects(tpl, "Outputs", name, err);
    const char *id, *k;
    const json_t *o, *v;
    json_object_foreach(json_object_get(tpl, "Outputs"), id, o) {
        if (rc)
            return rc;
        json_object_foreach((json_t *)o, k, v) if (!in_list(k, output_keys))
            return tarn_error_set(err, TARN_ERR_INVALID,
                                  "%s: Outputs.%s: unknown key '%.100s'; an output "
                                  "has Value, Description, Export and Condition",
                                  name, id, k);
        const json_t *exp = json_object_get(o, "Export");
        if (!json_object_get(o, "Value"))
            rc = tarn_error_set(err, TARN_ERR_INVALID, "%s: Outputs.%s needs a Value",
                                name, id);
        else if (exp && !json_object_get(exp, "Name"))
            rc = tarn_error_set(err, TARN_ERR_INVALID,
                                "%s: Outputs.%s.Export needs a Name", name, id);
    }
    return rc;
}

/* Check the top-level keys and the simple sections. */
static int check_sections(const json_t *tpl, const char *name, tarn_error *err)
{
    const char *k;
    const json_t *v;
    json_object_foreach((json_t *)tpl, k, v) {
        if (!in_list(k, sections))
            return tarn_error_set(err, TARN_ERR_INVALID,
                                  "%s: unknown top-level section '%.100s'; a template "
                                  "has AWSTemplateFormatVersion, Description, Metadata, "
                                  "Parameters, Rules, Mappings, Conditions, Resources "
                                  "and Outputs", name, k);
    }
    if (json_object_get(tpl, "Transform"))
        return tarn_error_set(err, TARN_ERR_UNSUPPORTED,
                              "%s: Transform (macros such as AWS::Serverless) is not "
                              "supported; expand the template first", name);
    v = json_object_get(tpl, "AWSTemplateFormatVersion");
    if (v && !(json_is_string(v) && strcmp(json_string_value(v), "2010-09-09") == 0))
        return tarn_error_set(err, TARN_ERR_INVALID,
                              "%s: AWSTemplateFormatVersion must be \"2010-09-09\"", name);
    v = json_object_get(tpl, "Description");
    if (v && !json_is_string(v))
        return tarn_error_set(err, TARN_ERR_INVALID, "%s: Description must be a string",
                              name);
    v = json_object_get(tpl, "Conditions");
    if (v && !json_is_object(v))
        return tarn_error_set(err, TARN_ERR_INVALID, "%s: Conditions must be a mapping",
                              name);
    return TARN_OK;
}

/* Mappings: name -> top key -> second key -> value. */
static int check_mappings(const json_t *tpl, const char *name, tarn_error *err)
{
    int rc = check_named_objects(tpl, "Mappings", name, err);
    const char *m, *k;
    const json_t *map, *v;
    json_object_foreach(json_object_get(tpl, "Mappings"), m, map) {
        if (rc)
            return rc;
        json_object_foreach((json_t *)map, k, v) if (!json_is_object(v))
            return tarn_error_set(err, TARN_ERR_INVALID,
                                  "%s: Mappings.%s.%.100s must be a mapping of "
                                  "second-level keys to values", name, m, k);
    }
    return rc;
}

int tarn_template_check(const json_t *tpl, const char *name, tarn_error *err)
{
    if (!name)
        name = "<template>";
    if (!json_is_object(tpl))
        return tarn_error_set(err, TARN_ERR_INVALID,
                              "%s: a template must be a mapping of sections "
                              "(Parameters, Resources, Outputs, ...)", name);
    int rc = check_sections(tpl, name, err);
    if (!rc)
        rc = check_named_objects(tpl, "Parameters", name, err);
    if (!rc)
        rc = check_mappings(tpl, name, err);
    if (!rc)
        rc = check_resources(tpl, name, err);
    if (!rc)
        rc = check_outputs(tpl, name, err);
    return rc;
}
