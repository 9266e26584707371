/*
** props.c: checking a resource's evaluated properties against its type's
** property table (deploy_int.h stack_prop): unknown names, missing
** required ones and wrong kinds are errors naming the resource and the
** property; scalars are converted the way CloudFormation converts them (a
** number where a string is wanted becomes its text, a numeric string where
** a number is wanted is parsed). Also small JSON helpers the providers share.
*/
#include "stack/deploy_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int check_members(json_t *obj, const stack_prop *spec, const char *what,
                         const char *path, tarn_error *err);

/* "A, B, C" of spec's names into buf. */
static void spec_names(const stack_prop *spec, char *buf, size_t n)
{
    size_t len = 0;
    buf[0] = '\0';
    for (const stack_prop *p = spec; p->name && len < n; p++)
        len += (size_t)snprintf(buf + len, n - len, "%s%s", p == spec ? "" : ", ", p->name);
}

static const char *kind_name(stack_pkind k)
{
    static const char *const names[] = {"a string", "an integer", "a number", "a boolean",
                                        "an object", "a list of objects", "a list of strings",
                                        "an object of strings", "any value"};
    return names[k];
}

static int kind_error(const char *what, const char *path, stack_pkind k, tarn_error *err)
{
    return tarn_error_set(err, TARN_ERR_INVALID, "%s: property '%s' must be %s", what, path,
                          kind_name(k));
}

/* A scalar as a JSON string (new reference), NULL for objects/arrays. */
static json_t *as_string(const json_t *v)
{
    if (json_is_string(v))
        return json_incref((json_t *)v);
    char *t = tarn_stack_scalar_text(v);
    if (!t)
        return NULL;
    json_t *s = json_string(t);
    free(t);
    return s;
}

/* A scalar as a number of kind SP_INT / SP_NUM, or NULL. */
static json_t *as_number(const json_t *v, stack_pkind k)
{
    if (k == SP_INT && json_is_integer(v))
        return json_incref((json_t *)v);
    if (k == SP_NUM && json_is_number(v))
        return json_incref((json_t *)v);
    if (!json_is_string(v) || !*json_string_value(v))
        return NULL;
    const char *s = json_string_value(v);
    char *end;
    errno = 0;
    if (k == SP_INT) {
        long long i = strtoll(s, &end, 10);
        return (*end || errno) ? NULL : json_integer(i);
    }
    double d = strtod(s, &end);
    return (*end || errno) ? NULL : json_real(d);
}

static json_t *as_bool(const json_t *v)
{
    if (json_is_boolean(v))
        return json_incref((json_t *)v);
    const char *s = json_string_value(v);
    if (s && strcmp(s, "true") == 0)
        return json_true();
    if (s && strcmp(s, "false") == 0)
        return json_false();
    return NULL;
}

/* Convert every element (array) or member (object) of v to a string. */
static int strings_in(json_t *v, stack_pkind k, const char *what, const char *path,
                      tarn_error *err)
{
    if (k == SP_STRS ? !json_is_array(v) : !json_is_object(v))
        return kind_error(what, path, k, err);
    size_t i;
    const char *key;
    json_t *e, *tmp;
    if (k == SP_STRS) {
        json_array_foreach(v, i, e) {
            json_t *s = as_string(e);
            if (!s)
                return kind_error(what, path, k, err);
            json_array_set_new(v, i, s);
        }
        return TARN_OK;
    }
    json_object_foreach_safe(v, tmp, key, e) {
        json_t *s = as_string(e);
        if (!s)
            return kind_error(what, path, k, err);
        json_object_set_new(v, key, s);
    }
    return TARN_OK;
}

/* Check and convert member key of parent (value v) as p says. */
static int check_value(json_t *parent, const char *key, json_t *v, const stack_prop *p,
                       const char *what, const char *path, tarn_error *err)
{
    json_t *nv = NULL;
    switch (p->kind) {
    case SP_STR: nv = as_string(v); break;
    case SP_INT:
    case SP_NUM: nv = as_number(v, p->kind); break;
    case SP_BOOL: nv = as_bool(v); break;
    case SP_ANY: return TARN_OK;
    case SP_STRS:
    case SP_STRMAP: return strings_in(v, p->kind, what, path, err);
    case SP_OBJ:
        if (!json_is_object(v))
            return kind_error(what, path, p->kind, err);
        return check_members(v, p->sub, what, path, err);
    case SP_OBJS: {
        if (!json_is_array(v))
            return kind_error(what, path, p->kind, err);
        size_t i;
        json_t *e;
        json_array_foreach(v, i, e) {
            char sub[512];
            snprintf(sub, sizeof sub, "%.400s[%zu]", path, i);
            if (!json_is_object(e))
                return kind_error(what, sub, SP_OBJ, err);
            int rc = check_members(e, p->sub, what, sub, err);
            if (rc)
                return rc;
        }
        return TARN_OK;
    }
    }
    if (!nv)
        return kind_error(what, path, p->kind, err);
    json_object_set_new(parent, key, nv);
    return TARN_OK;
}

static const stack_prop *spec_find(const stack_prop *spec, const char *name)
{
    for (const stack_prop *p = spec; p->name; p++)
        if (strcmp(p->name, name) == 0)
            return p;
    return NULL;
}

static int check_members(json_t *obj, const stack_prop *spec, const char *what,
                         const char *path, tarn_error *err)
{
    const char *key;
    json_t *v, *tmp;
    char sub[512], names[700];
    json_object_foreach_safe(obj, tmp, key, v) {
        const stack_prop *p = spec_find(spec, key);
        snprintf(sub, sizeof sub, "%.300s%s%.150s", path, *path ? "." : "", key);
        if (!p) {
            spec_names(spec, names, sizeof names);
            return tarn_error_set(err, TARN_ERR_INVALID,
                                  "%s: unknown property '%s'; supported%s%s: %s", what, sub,
                                  *path ? " in " : "", path, names);
        }
        int rc = check_value(obj, key, v, p, what, sub, err);
        if (rc)
            return rc;
    }
    for (const stack_prop *p = spec; p->name; p++)
        if (p->required && !json_object_get(obj, p->name))
            return tarn_error_set(err, TARN_ERR_INVALID,
                                  "%s: required property '%s%s%s' is missing", what, path,
                                  *path ? "." : "", p->name);
    return TARN_OK;
}

int stack_props_check(json_t *props, const stack_prop *spec, const char *what,
                      tarn_error *err)
{
    return check_members(props, spec, what, "", err);
}

const char *stack_str(const json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

const json_t *stack_path(const json_t *obj, const char *path)
{
    char part[128];
    while (obj && *path) {
        const char *dot = strchr(path, '.');
        size_t n = dot ? (size_t)(dot - path) : strlen(path);
        if (n >= sizeof part)
            return NULL;
        memcpy(part, path, n);
        part[n] = '\0';
        obj = json_object_get(obj, part);
        path += n + (dot ? 1 : 0);
    }
    return obj;
}

char *stack_json_text(const json_t *v, const char *def)
{
    if (!v)
        return tarn_xstrdup(def);
    char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_PRESERVE_ORDER);
    return s ? s : tarn_xstrdup(def);
}

int stack_enum_check(const char *value, const char *const *allowed, const char *what,
                     const char *prop, tarn_error *err)
{
    if (!value)
        return TARN_OK;
    char names[256];
    size_t len = 0;
    for (size_t i = 0; allowed[i]; i++) {
        if (strcmp(value, allowed[i]) == 0)
            return TARN_OK;
        len += (size_t)snprintf(names + len, sizeof names - len, "%s%s", i ? ", " : "",
                                allowed[i]);
        if (len >= sizeof names)
            break;
    }
    return tarn_error_set(err, TARN_ERR_INVALID, "%s: property '%s' is '%s'; expected one of %s",
                          what, prop, value, names);
}

json_t *stack_no_attrs(const stack_rctx *c, const char *physical, const json_t *props,
                       const json_t *prev)
{
    (void)c, (void)physical, (void)props, (void)prev;
    return json_object();
}

char *stack_scalar_opt(const json_t *v)
{
    return v ? tarn_stack_scalar_text(v) : NULL;
}
