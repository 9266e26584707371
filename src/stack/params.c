/*
** params.c: resolving a template's Parameters (stack.h): values from
** overrides, a parameter file in CloudFormation's JSON form and Defaults,
** checked against each parameter's Type and constraints.
**
** AllowedPattern is a Java regular expression in CloudFormation; it is
** translated here to a POSIX extended expression and run with the C
** library's regcomp/regexec, which do the matching. The translation covers
** what templates use (\d \w \s and their negations, escaped punctuation,
** (?:...), lazy quantifiers) and refuses the rest (back-references,
** look-arounds, possessive quantifiers) with a message. Because regcomp
** expands counted repetitions, their counts are capped so that a template
** cannot make it build an enormous automaton.
*/
#include "stack/stack_internal.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PARAM_FILE_MAX (1u << 20)  /* bytes of a parameter file */
#define PARAM_VALUE_MAX 4096       /* bytes of one value, as CloudFormation */
#define PATTERN_MAX 512            /* bytes of an AllowedPattern */
#define PATTERN_REPEAT_MAX 1000    /* product of its {m,n} counts */

/* A parameter being resolved: its name and definition, the template's name
** and the caller's error. */
typedef struct pctx {
    const char *tpl_name;
    const char *name;
    const json_t *def;
    bool noecho;
    tarn_error *err;
} pctx;

/* The kinds of value a Type gives. */
enum pkind { PK_STRING, PK_NUMBER };

/* ---- the parameter file ------------------------------------------------ */

/* Read path (at most PARAM_FILE_MAX bytes) and parse it as JSON. */
static int read_json_file(const char *path, json_t **out, tarn_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return tarn_error_errno(err, errno == ENOENT ? TARN_ERR_NOTFOUND : TARN_ERR_IO,
                                errno, "cannot open parameter file '%s'", path);
    char *buf = tarn_xmalloc(PARAM_FILE_MAX + 1);
    size_t n = fread(buf, 1, PARAM_FILE_MAX + 1, f);
    int rc = TARN_OK;
    if (ferror(f))
        rc = tarn_error_errno(err, TARN_ERR_IO, errno, "cannot read parameter file '%s'",
                              path);
    else if (n > PARAM_FILE_MAX)
        rc = tarn_error_set(err, TARN_ERR_LIMIT, "parameter file '%s' is over %u bytes",
                            path, PARAM_FILE_MAX);
    fclose(f);
    json_error_t je;
    if (!rc && !(*out = json_loadb(buf, n, JSON_REJECT_DUPLICATES, &je)))
        rc = tarn_error_set(err, TARN_ERR_CORRUPT,
                            "%s:%d:%d: JSON syntax error: %s; a parameter file is "
                            "[{\"ParameterKey\": \"Name\", \"ParameterValue\": \"value\"}, ...]",
                            path, je.line, je.column, je.text);
    free(buf);
    return rc;
}

/* A parameter value from a file or override as a string: strings as they
** are, numbers and booleans as their text. NULL for anything else. */
static json_t *value_string(const json_t *v)
{
    if (json_is_object(v) || json_is_array(v) || json_is_null(v) || !v)
        return NULL;
    char *t = tarn_stack_scalar_text(v);
    json_t *s = json_string(t);
    free(t);
    return s;
}

/* One entry {"ParameterKey": k, "ParameterValue": v} (number i) of the list
** form, added to given. */
static int file_entry(const char *path, size_t i, const json_t *e, json_t *given,
                      tarn_error *err)
{
    const char *key = json_string_value(json_object_get(e, "ParameterKey"));
    if (!key)
        return tarn_error_set(err, TARN_ERR_INVALID,
                              "parameter file '%s': entry %zu needs a \"ParameterKey\" string",
                              path, i + 1);
    if (json_is_true(json_object_get(e, "UsePreviousValue")))
        return tarn_error_set(err, TARN_ERR_UNSUPPORTED,
                              "parameter file '%s': '%s': UsePreviousValue is not "
                              "supported; give its ParameterValue", path, key);
    const char *k;
    const json_t *v;
    json_object_foreach((json_t *)e, k, v) {
        if (strcmp(k, "ParameterKey") && strcmp(k, "ParameterValue") &&
            strcmp(k, "UsePreviousValue") && strcmp(k, "ResolvedValue"))
            return tarn_error_set(err, TARN_ERR_INVALID,
                                  "parameter file '%s': '%s': unknown key '%.100s' (an "
                                  "entry has ParameterKey and ParameterValue)", path, key, k);
    }
    json_t *s = value_string(json_object_get(e, "ParameterValue"));
    if (!s)
        return tarn_error_set(err, TARN_ERR_INVALID,
                              "parameter file '%s': '%s' needs a \"ParameterValue\" string",
                              path, key);
    if (json_object_get(given, key)) {
        json_decref(s);
        return tarn_error_set(err, TARN_ERR_INVALID,
                              "parameter file '%s': '%s' is given twice", path, key);
    }
    json_object_set_new(given, key, s);
    return TARN_OK;
}

/* Parse parameter file path into given (name -> string). */
static int read_param_file(const char *path, json_t *given, tarn_error *err)
{
    json_t *doc = NULL;
    int rc = read_json_file(path, &doc, err);
    if (rc)
        return rc;
    const json_t *params = json_object_get(doc, "Parameters");
    const char *k;
    size_t i;
    json_t *e;
    if (json_is_array(doc)) {
        json_array_foreach(doc, i, e) if (!rc) rc = file_entry(path, i, e, given, err);
    } else if (json_is_object(params)) {
        json_object_foreach((json_t *)params, k, e) {
            json_t *s = value_string(e);
            if (!s && !rc)
                rc = tarn_error_set(err, TARN_ERR_INVALID,
                                    "parameter file '%s': the value of '%s' must be a string",
                                    path, k);
            if (s)
                json_object_set_new(given, k, s);
        }
    } else {
        rc = tarn_error_set(err, TARN_ERR_INVALID,
                            "parameter file '%s' must be a list [{\"ParameterKey\": ..., "
                            "\"ParameterValue\": ...}, ...] or {\"Parameters\": {...}}", path);
    }
    json_decref(doc);
    return rc;
}

/* ---- AllowedPattern ---------------------------------------------------- */

/* The POSIX spelling of the class escape c (d w s D W S) inside a bracket
** expression, or NULL; *neg is set for the upper-case (negated) ones. */
static const char *class_escape(char c, bool *neg)
{
    *neg = isupper((unsigned char)c);
    switch (tolower((unsigned char)c)) {
    case 'd': return "0-9";
    case 'w': return "A-Za-z0-9_";
    case 's': return "[:space:]";
    default: return NULL;
    }
}

/* The members of a bracket expression being translated: the plain ones in
** body, and the characters POSIX wants in special places. */
typedef struct bracket {
    tarn_buf body;
    bool neg, rbr, dash, caret;
} bracket;

/* One escaped character c inside brackets. */
static void bracket_escape(bracket *bk, char c, const char **why)
{
    bool cneg;
    const char *cls = class_escape(c, &cneg);
    if (cls && !cneg)
        tarn_buf_append(&bk->body, cls, strlen(cls));
    else if (cls || isalnum((unsigned char)c))
        *why = "this escape is not supported inside [...]";
    else if (c == ']')
        bk->rbr = true;
    else if (c == '-')
        bk->dash = true;
    else if (c == '^')
        bk->caret = true;
    else
        tarn_buf_putc(&bk->body, c); /* a backslash is literal in POSIX brackets */
}

/* Write the bracket expression: ']' first, '^' not first, '-' last. */
static void bracket_emit(const bracket *bk, tarn_buf *out)
{
    if (bk->body.len == 0 && !bk->rbr && !bk->dash && bk->caret && !bk->neg) {
        tarn_buf_append(out, "\\^", 2);
        return;
    }
    tarn_buf_append(out, bk->neg ? "[^" : "[", bk->neg ? 2 : 1);
    if (bk->rbr)
        tarn_buf_putc(out, ']');
    tarn_buf_append(out, bk->body.data ? bk->body.data : "", bk->body.len);
    if (bk->caret)
        tarn_buf_putc(out, '^');
    if (bk->dash)
        tarn_buf_putc(out, '-');
    tarn_buf_putc(out, ']');
}

/* Translate the bracket expression starting at pat[*i] == '[' into out;
** *i ends on its ']'. */
static int xlate_bracket(const char *pat, size_t *i, tarn_buf *out, const char **why)
{
    bracket bk = {.neg = pat[*i + 1] == '^'};
    tarn_buf_init(&bk.body, 4 * PATTERN_MAX);
    size_t j = *i + 1 + bk.neg;
    for (; pat[j] && pat[j] != ']' && !*why; j++) {
        if (pat[j] == '[')
            *why = "nested character classes are not supported";
        else if (pat[j] != '\\')
            tarn_buf_putc(&bk.body, pat[j]);
        else if (pat[++j])
            bracket_escape(&bk, pat[j], why);
        else
            break;
    }
    if (!*why && pat[j] != ']')
        *why = "a '[' has no closing ']'";
    if (!*why)
        bracket_emit(&bk, out);
    tarn_buf_free(&bk.body);
    *i = j;
    return *why ? TARN_ERR_UNSUPPORTED : TARN_OK;
}

/* Translate an escape outside brackets, pat[*i] == '\\'. */
static int xlate_escape(const char *pat, size_t *i, tarn_buf *out, const char **why)
{
    char c = pat[++*i];
    bool neg;
    const char *cls = class_escape(c, &neg);
    if (cls) {
        tarn_buf_appendf(out, "[%s%s]", neg ? "^" : "", cls);
    } else if (c == 't') {
        tarn_buf_putc(out, '\t');
    } else if (c == 'n') {
        tarn_buf_putc(out, '\n');
    } else if (!c || isalnum((unsigned char)c)) {
        *why = isdigit((unsigned char)c) ? "back-references are not supported"
                                         : "this escape is not supported";
        return TARN_ERR_UNSUPPORTED;
    } else {
        tarn_buf_putc(out, '\\');
        tarn_buf_putc(out, c);
    }
    return TARN_OK;
}

/* Translate a counted repetition "{m}", "{m,}" or "{m,n}" at pat[*i],
** multiplying *product by its largest count. */
static int xlate_count(const char *pat, size_t *i, tarn_buf *out, unsigned long *product,
                       const char **why)
{
    size_t j = *i + 1;
    unsigned long lo = 0, hi;
    while (isdigit((unsigned char)pat[j]) && lo <= PATTERN_REPEAT_MAX)
        lo = lo * 10 + (unsigned long)(pat[j++] - '0');
    hi = lo;
    if (pat[j] == ',') {
        j++;
        if (isdigit((unsigned char)pat[j]))
            for (hi = 0; isdigit((unsigned char)pat[j]) && hi <= PATTERN_REPEAT_MAX;)
                hi = hi * 10 + (unsigned long)(pat[j++] - '0');
    }
    if (pat[j] != '}' || j == *i + 1) {
        *why = "a '{' must start a count such as {3} or {1,8}";
        return TARN_ERR_UNSUPPORTED;
    }
    *product *= hi > 1 ? hi : 1;
    if (hi > PATTERN_REPEAT_MAX || *product > PATTERN_REPEAT_MAX) {
        *why = "its repetition counts are too large";
        return TARN_ERR_LIMIT;
    }
    tarn_buf_append(out, pat + *i, j - *i + 1);
    *i = j;
    return TARN_OK;
}

/* True if pat[i] follows an unescaped quantifier (so a '?' after it makes
** it lazy and a '+' possessive). */
static bool after_quantifier(const char *pat, size_t i)
{
    return i > 0 && strchr("*+?}", pat[i - 1]) && !(i >= 2 && pat[i - 2] == '\\');
}

/* Translate Java-style pattern pat into a POSIX ERE anchored at both ends.
** On failure *why says what is not supported. */
static int xlate_pattern(const char *pat, tarn_buf *out, const char **why)
{
    unsigned long product = 1;
    int rc = TARN_OK;
    tarn_buf_append(out, "^(", 2);
    for (size_t i = 0; !rc && pat[i]; i++) { /* on error i may be at the NUL */
        char c = pat[i];
        bool after_quant = after_quantifier(pat, i);
        if (c == '\\')
            rc = xlate_escape(pat, &i, out, why);
        else if (c == '[')
            rc = xlate_bracket(pat, &i, out, why);
        else if (c == '{')
            rc = xlate_count(pat, &i, out, &product, why);
        else if (c == '(' && pat[i + 1] == '?') {
            if (pat[i + 2] != ':') {
                *why = "look-arounds and (?...) groups other than (?:...) are not supported";
                rc = TARN_ERR_UNSUPPORTED;
            }
            tarn_buf_putc(out, '(');
            i += 2;
        } else if (after_quant && c == '+') {
            *why = "possessive quantifiers are not supported";
            rc = TARN_ERR_UNSUPPORTED;
        } else if (!(after_quant && c == '?'))
            tarn_buf_putc(out, c);
    }
    tarn_buf_append(out, ")$", 2);
    return rc;
}

/* Whether value matches the parameter's AllowedPattern. */
static int check_pattern(pctx *p, const char *value, const char *pat, bool *ok)
{
    const char *why = NULL;
    tarn_buf ere;
    tarn_buf_init(&ere, 0);
    int rc = strlen(pat) > PATTERN_MAX ? TARN_ERR_LIMIT : xlate_pattern(pat, &ere, &why);
    regex_t re;
    if (!rc && regcomp(&re, ere.data, REG_EXTENDED | REG_NOSUB) != 0) {
        why = "it is not a valid regular expression";
        rc = TARN_ERR_INVALID;
    }
    tarn_buf_free(&ere);
    if (rc)
        return tarn_error_set(p->err, rc,
                              "template '%s': parameter '%s': AllowedPattern '%.200s' "
                              "cannot be used: %s", p->tpl_name, p->name, pat,
                              why ? why : "it is longer than 512 bytes");
    *ok = regexec(&re, value, 0, NULL, 0) == 0;
    regfree(&re);
    return TARN_OK;
}

/* ---- constraints ------------------------------------------------------- */

/* Fill the error for a value the constraints refuse: the template, the
** parameter, the value (unless NoEcho), the reason and the parameter's
** ConstraintDescription. */
static int refuse(pctx *p, const char *value, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int refuse(pctx *p, const char *value, const char *fmt, ...)
{
    char why[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    const char *desc = json_string_value(json_object_get(p->def, "ConstraintDescription"));
    return tarn_error_set(p->err, TARN_ERR_INVALID,
                          "template '%s': parameter '%s': value '%.200s' %s%s%.300s",
                          p->tpl_name, p->name, p->noecho ? "****" : value, why,
                          desc ? ": " : "", desc ? desc : "");
}

/* The number in constraint key of the definition, if present. Returns
** false when absent; an unreadable one is an error in *rc. */
static bool constraint_num(pctx *p, const char *key, double *v, int *rc)
{
    const json_t *c = json_object_get(p->def, key);
    if (!c)
        return false;
    char *t = tarn_stack_scalar_text(c), *end = NULL;
    *v = t ? strtod(t, &end) : 0;
    if (!t || !*t || *end || !isfinite(*v))
        *rc = tarn_error_set(p->err, TARN_ERR_INVALID,
                             "template '%s': parameter '%s': %s must be a number",
                             p->tpl_name, p->name, key);
    free(t);
    return *rc == TARN_OK;
}

/* Characters (UTF-8 code points) in s. */
static size_t utf8_chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

/* Check value against AllowedValues. */
static int check_allowed(pctx *p, const char *value)
{
    const json_t *av = json_object_get(p->def, "AllowedValues"), *x;
    if (!av)
        return TARN_OK;
    if (!json_is_array(av))
        return tarn_error_set(p->err, TARN_ERR_INVALID,
                              "template '%s': parameter '%s': AllowedValues must be a list",
                              p->tpl_name, p->name);
    size_t i;
    json_array_foreach(av, i, x) {
        char *t = tarn_stack_scalar_text(x);
        bool eq = t && strcmp(t, value) == 0;
        free(t);
        if (eq)
            return TARN_OK;
    }
    return refuse(p, value, "is not one of the AllowedValues");
}

/* Check a number against MinValue and MaxValue. */
static int check_number(pctx *p, const char *value)
{
    char *end;
    int rc = TARN_OK;
    double d = strtod(value, &end), lim;
    if (!*value || *end || !isfinite(d) || strspn(value, "+-.0123456789eE") < strlen(value))
        return refuse(p, value, "is not a number");
    if (constraint_num(p, "MinValue", &lim, &rc) && d < lim)
        return refuse(p, value, "is less than MinValue %g", lim);
    if (!rc && constraint_num(p, "MaxValue", &lim, &rc) && d > lim)
        return refuse(p, value, "is greater than MaxValue %g", lim);
    return rc;
}

/* Check a string against MinLength, MaxLength and AllowedPattern. */
static int check_string(pctx *p, const char *value)
{
    int rc = TARN_OK;
    double lim;
    size_t n = utf8_chars(value);
    if (constraint_num(p, "MinLength", &lim, &rc) && (double)n < lim)
        return refuse(p, value, "is shorter than MinLength %g", lim);
    if (!rc && constraint_num(p, "MaxLength", &lim, &rc) && (double)n > lim)
        return refuse(p, value, "is longer than MaxLength %g", lim);
    const json_t *pat = json_object_get(p->def, "AllowedPattern");
    if (rc || !pat)
        return rc;
    if (!json_is_string(pat))
        return tarn_error_set(p->err, TARN_ERR_INVALID,
                              "template '%s': parameter '%s': AllowedPattern must be a string",
                              p->tpl_name, p->name);
    bool ok = false;
    if ((rc = check_pattern(p, value, json_string_value(pat), &ok)))
        return rc;
    return ok ? TARN_OK : refuse(p, value, "does not match AllowedPattern '%.200s'",
                                 json_string_value(pat));
}

/* Check one value (or list member) of kind k. */
static int check_value(pctx *p, enum pkind k, const char *value)
{
    int rc = check_allowed(p, value);
    if (!rc)
        rc = k == PK_NUMBER ? check_number(p, value) : check_string(p, value);
    return rc;
}

/* ---- types ------------------------------------------------------------- */

/* Read Type: its kind, and whether it is a list. */
static int parse_type(pctx *p, enum pkind *k, bool *list)
{
    const char *t = json_string_value(json_object_get(p->def, "Type"));
    *k = PK_STRING;
    *list = false;
    if (!t)
        return tarn_error_set(p->err, TARN_ERR_INVALID,
                              "template '%s': parameter '%s' needs a Type",
                              p->tpl_name, p->name);
    size_t n = strlen(t);
    if (strncmp(t, "List<", 5) == 0 && n > 6 && t[n - 1] == '>') {
        *list = true;
        if (strncmp(t + 5, "Number>", 7) == 0) {
            *k = PK_NUMBER;
            return TARN_OK;
        }
        if (strncmp(t + 5, "AWS::", 5) == 0 && !strchr(t + 5, '<'))
            return TARN_OK;
    } else if (!strcmp(t, "String") || !strcmp(t, "Number") ||
               !strcmp(t, "CommaDelimitedList")) {
        *k = !strcmp(t, "Number") ? PK_NUMBER : PK_STRING;
        *list = !strcmp(t, "CommaDelimitedList");
        return TARN_OK;
    } else if (strncmp(t, "AWS::SSM::Parameter::Value<", 27) == 0) {
        return tarn_error_set(p->err, TARN_ERR_UNSUPPORTED,
                              "template '%s': parameter '%s': Type %.100s reads Systems "
                              "Manager, which tarn does not have; use String",
                              p->tpl_name, p->name, t);
    } else if (strncmp(t, "AWS::", 5) == 0 && !strchr(t, '<')) {
        return TARN_OK;
    }
    return tarn_error_set(p->err, TARN_ERR_INVALID,
                          "template '%s': parameter '%s': unknown Type '%.100s'; use "
                          "String, Number, CommaDelimitedList, List<Number> or an "
                          "AWS-specific type such as AWS::EC2::VPC::Id",
                          p->tpl_name, p->name, t);
}

/* Split a list value at commas into an array of space-trimmed members,
** checking each. */
static int split_list(pctx *p, enum pkind k, const char *value, json_t **out)
{
    json_t *arr = json_array();
    const char *s = value;
    int rc = TARN_OK;
    for (;;) {
        size_t n = strcspn(s, ",");
        const char *b = s, *e = s + n;
        while (b < e && *b == ' ')
            b++;
        while (e > b && e[-1] == ' ')
            e--;
        char *m = tarn_xstrndup(b, (size_t)(e - b));
        rc = check_value(p, k, m);
        json_array_append_new(arr, json_string(m));
        free(m);
        if (rc || !s[n])
            break;
        s += n + 1;
    }
    if (rc)
        json_decref(arr);
    else
        *out = arr;
    return rc;
}

/* Resolve parameter p of kind k (a list if list) from its text: check it
** and make its Ref value. */
static int resolve_one(pctx *p, enum pkind k, bool list, const char *value, json_t **out)
{
    int rc;
    if (strlen(value) > PARAM_VALUE_MAX)
        return tarn_error_set(p->err, TARN_ERR_LIMIT,
                              "template '%s': parameter '%s': the value is over %d bytes",
                              p->tpl_name, p->name, PARAM_VALUE_MAX);
    if (list)
        return split_list(p, k, value, out);
    if ((rc = check_value(p, k, value)))
        return rc;
    *out = json_string(value);
    return *out ? TARN_OK
                : tarn_error_set(p->err, TARN_ERR_INVALID,
                                 "template '%s': parameter '%s': the value is not UTF-8",
                                 p->tpl_name, p->name);
}

/* The text given for parameter p, or its Default, or an error. *text is
** malloc'd. */
static int value_text(pctx *p, const json_t *given, char **text)
{
    const json_t *v = json_object_get(given, p->name);
    const json_t *def = json_object_get(p->def, "Default");
    *text = NULL;
    if (v)
        *text = tarn_stack_scalar_text(v);
    else if (def && !(*text = tarn_stack_scalar_text(def)))
        return tarn_error_set(p->err, TARN_ERR_INVALID,
                              "template '%s': parameter '%s': Default must be a string "
                              "(write a list as \"a,b,c\")", p->tpl_name, p->name);
    if (*text)
        return TARN_OK;
    return tarn_error_set(p->err, TARN_ERR_INVALID,
                          "template '%s': parameter '%s' has no Default and no value was "
                          "given; set it in the parameter file or as an override",
                          p->tpl_name, p->name);
}

/* Check that every name in given is declared by the template. */
static int check_declared(const json_t *decl, const json_t *given, const char *tpl_name,
                          const char *param_file, tarn_error *err)
{
    const char *k;
    const json_t *v;
    json_object_foreach((json_t *)given, k, v) {
        if (!json_object_get(decl, k))
            return tarn_error_set(err, TARN_ERR_INVALID,
                                  "%s%s%s gives parameter '%.200s', which template '%s' "
                                  "does not declare; remove it or declare it under Parameters",
                                  param_file ? "parameter file '" : "an override",
                                  param_file ? param_file : "", param_file ? "'" : "",
                                  k, tpl_name);
    }
    return TARN_OK;
}

/* Collect the given values: the file's, then the overrides over them. */
static int gather(const char *param_file, const json_t *overrides, json_t *given,
                  tarn_error *err)
{
    int rc = param_file ? read_param_file(param_file, given, err) : TARN_OK;
    const char *k;
    const json_t *v;
    json_object_foreach((json_t *)overrides, k, v) {
        json_t *s = value_string(v);
        if (!s && !rc)
            rc = tarn_error_set(err, TARN_ERR_INVALID,
                                "override of parameter '%s' must be a string", k);
        if (s)
            json_object_set_new(given, k, s);
    }
    return rc;
}

int tarn_stack_params_resolve(const json_t *tpl, const char *tpl_name,
                              const char *param_file, const json_t *overrides,
                              json_t **values, tarn_error *err)
{
    const json_t *decl = json_object_get(tpl, "Parameters");
    json_t *given = json_object();
    pctx p = {.tpl_name = tpl_name ? tpl_name : "<template>", .err = err};
    *values = NULL;
    int rc = gather(param_file, overrides, given, err);
    if (!rc)
        rc = check_declared(decl, given, p.tpl_name, param_file, err);
    json_t *res = json_object();
    const char *name;
    const json_t *def;
    json_object_foreach((json_t *)decl, name, def) {
        char *text = NULL;
        json_t *v = NULL;
        enum pkind k;
        bool list;
        if (rc)
            break;
        p.name = name;
        p.def = def;
        p.noecho = tarn_stack_param_noecho(tpl, name);
        if (!(rc = parse_type(&p, &k, &list)) && !(rc = value_text(&p, given, &text)) &&
            !(rc = resolve_one(&p, k, list, text, &v)))
            json_object_set_new(res, name, v);
        free(text);
    }
    json_decref(given);
    if (rc)
        json_decref(res);
    else
        *values = res;
    return rc;
}

bool tarn_stack_param_noecho(const json_t *tpl, const char *name)
{
    const json_t *ne = json_object_get(
        json_object_get(json_object_get(tpl, "Parameters"), name), "NoEcho");
    const char *s = json_string_value(ne);
    return json_is_true(ne) || (s && strcmp(s, "true") == 0);
}
