/*
** fuzz_template.c: libFuzzer target over the template engine (stack/):
** load the input as a template (YAML or JSON), resolve its parameters with
** a fixed set of values, evaluate its conditions, order its resources,
** evaluate every resource's properties and the outputs, with stub
** callbacks that give deterministic physical ids, attributes and imports.
** Besides "never crash, hang or leak", it checks the contract: every
** refusal carries a message; an order lists each created resource once and
** after everything it depends on.
*/
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "stack/stack.h"

#define CHECK(c) do { if (!(c)) __builtin_trap(); } while (0)

/* The fixed parameter values, used for the parameters a template declares. */
static const char *const fixed[][2] = {
    {"Env", "dev"}, {"ProjectName", "etl-poc"}, {"Count", "3"}, {"List", "a, b,c"},
    {"BasicInfraStackName", "basic-infra"}, {"SourceUrl", "https://example.org/x.zip"},
};

static int stub_ref(void *arg, const char *id, json_t **out, tarn_error *err)
{
    *out = json_sprintf("phys-%s", id);
    return TARN_OK;
}

static int stub_getatt(void *arg, const char *id, const char *attr, json_t **out,
                       tarn_error *err)
{
    if (!strcmp(attr, "Missing"))
        return tarn_error_set(err, TARN_ERR_NOTFOUND, "no attribute %s", attr);
    *out = json_sprintf("%s.%s", id, attr);
    return TARN_OK;
}

static int stub_import(void *arg, const char *name, json_t **out, tarn_error *err)
{
    if (!strncmp(name, "missing", 7))
        return tarn_error_set(err, TARN_ERR_NOTFOUND, "no export %s", name);
    *out = json_sprintf("import-%s", name);
    return TARN_OK;
}

/* Overrides: the fixed values of the parameters tpl declares. */
static json_t *overrides_for(const json_t *tpl)
{
    json_t *ov = json_object();
    const json_t *decl = json_object_get(tpl, "Parameters");
    for (size_t i = 0; i < sizeof fixed / sizeof *fixed; i++)
        if (json_object_get(decl, fixed[i][0]))
            json_object_set_new(ov, fixed[i][0], json_string(fixed[i][1]));
    return ov;
}

/* Check that ids (n) holds each created resource once, after its deps. */
static void check_order(const tarn_eval_ctx *ctx, char **ids, size_t n)
{
    json_t *placed = json_object(), *deps, *d;
    size_t created = 0, k;
    const char *id;
    json_t *r;
    json_object_foreach(json_object_get(ctx->tpl, "Resources"), id, r)
        created += tarn_stack_resource_enabled(ctx, id);
    CHECK(created == n);
    for (size_t i = 0; i < n; i++) {
        tarn_error err = {0};
        CHECK(tarn_stack_resource_enabled(ctx, ids[i]));
        CHECK(!json_object_get(placed, ids[i]));
        CHECK(tarn_stack_resource_deps(ctx, ids[i], &deps, &err) == TARN_OK);
        json_array_foreach(deps, k, d) CHECK(json_object_get(placed, json_string_value(d)));
        json_decref(deps);
        json_object_set_new(placed, ids[i], json_true());
    }
    json_decref(placed);
}

/* Evaluate every resource and the outputs; failures must carry a message. */
static void eval_all(const tarn_eval_ctx *ctx)
{
    const char *id;
    json_t *r, *out;
    json_object_foreach(json_object_get(ctx->tpl, "Resources"), id, r) {
        tarn_error err = {0};
        out = NULL;
        if (tarn_stack_eval_resource(ctx, id, &out, &err) == TARN_OK)
            CHECK(json_is_object(out));
        else
            CHECK(err.msg[0] && !out);
        json_decref(out);
    }
    tarn_error err = {0};
    out = NULL;
    if (tarn_stack_eval_outputs(ctx, &out, &err) == TARN_OK)
        CHECK(json_is_object(out));
    else
        CHECK(err.msg[0] && !out);
    json_decref(out);
}

/* Everything after a successful load. */
static void run(json_t *tpl)
{
    tarn_error err = {0};
    json_t *ov = overrides_for(tpl), *params = NULL, *conds = NULL;
    int rc = tarn_stack_params_resolve(tpl, "fuzz.yml", NULL, ov, &params, &err);
    tarn_eval_ctx ctx = {.tpl = tpl, .params = params, .stack_name = "fuzz",
                         .ref = stub_ref, .getatt = stub_getatt, .import = stub_import,
                         .max_bytes = 1 << 20};
    if (!rc)
        rc = tarn_stack_conditions_eval(&ctx, &conds, &err);
    ctx.conditions = conds;
    char **ids = NULL;
    size_t n = 0;
    if (!rc && (rc = tarn_stack_order(&ctx, &ids, &n, &err)) == TARN_OK)
        check_order(&ctx, ids, n);
    CHECK(rc == TARN_OK || err.msg[0]);
    if (!rc)
        eval_all(&ctx);
    tarn_stack_order_free(ids, n);
    json_decref(conds);
    json_decref(params);
    json_decref(ov);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tarn_error err = {0};
    json_t *tpl = NULL;
    if (tarn_template_load_buffer((const char *)data, size, "fuzz.yml", &tpl, &err)) {
        CHECK(err.msg[0] && !tpl);
        return 0;
    }
    CHECK(tarn_template_check(tpl, "fuzz.yml", NULL) == TARN_OK);
    run(tpl);
    json_decref(tpl);
    return 0;
}
