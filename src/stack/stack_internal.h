/*
** stack_internal.h: helpers shared by the files of stack/ and by nothing
** else: the error path under construction, recognising an intrinsic
** function, scanning Fn::Sub strings, and looking up resources and
** conditions. The public interface is stack.h.
*/
#ifndef TARN_STACK_INTERNAL_H
#define TARN_STACK_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "stack/stack.h"

/* The path of the node being looked at, for error messages
** ("Resources.Raw.Properties.Tags[0].Value"). Pushing returns the length to
** pop back to; a path longer than the buffer is cut short ("..."), never
** overflowed. */
#define TARN_STACK_PATH_MAX 512
typedef struct tarn_stack_path {
    char buf[TARN_STACK_PATH_MAX];
    size_t len;
} tarn_stack_path;

void tarn_stack_path_init(tarn_stack_path *p, const char *root);
size_t tarn_stack_path_key(tarn_stack_path *p, const char *key);
size_t tarn_stack_path_index(tarn_stack_path *p, size_t i);
void tarn_stack_path_pop(tarn_stack_path *p, size_t len);

/* If v is an intrinsic call, an object with the single key "Ref" or
** "Fn::<name>", set *fn to that key and *arg to its value and return true. */
bool tarn_stack_intrinsic(const json_t *v, const char **fn, json_t **arg);

/* One piece of a Fn::Sub string: literal text, or a ${name} reference
** (name trimmed of spaces). "${!x}" comes back as the literal "${" followed
** by the literal text "x}". */
typedef struct tarn_stack_sub_piece {
    const char *text;
    size_t len;
    bool is_var;
} tarn_stack_sub_piece;

/* Next piece of s (len bytes) from *pos; false at the end. */
bool tarn_stack_sub_next(const char *s, size_t len, size_t *pos,
                         tarn_stack_sub_piece *piece);

/* Resource id's definition in ctx->tpl, or NULL. */
const json_t *tarn_stack_resource(const tarn_eval_ctx *ctx, const char *id);

/* True if name is a pseudo parameter (AWS::Region, AWS::NoValue, ...). */
bool tarn_stack_is_pseudo(const char *name);

#endif
