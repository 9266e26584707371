/*
** lex.c: a small tokenizer for the engine: words, quoted identifiers,
** string literals, numbers and punctuation, with comments skipped. It is
** enough to recognize tarn's own statements (SHOW, DESCRIBE, MSCK, CREATE,
** DROP, ...), split a script into statements and find the table names a
** SELECT mentions; the SQL itself is parsed by SQLite after the dialect
** rewrite (dialect.c).
*/
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "query/engine_int.h"

void qlex_init(qlex *lx, const char *s, size_t len)
{
    lx->s = s;
    lx->len = len;
    lx->pos = 0;
}

/* Skip blanks and comments from lx->pos. */
static void skip_space(qlex *lx)
{
    const char *s = lx->s;
    while (lx->pos < lx->len) {
        char c = s[lx->pos];
        if (isspace((unsigned char)c)) {
            lx->pos++;
        } else if (c == '-' && lx->pos + 1 < lx->len && s[lx->pos + 1] == '-') {
            while (lx->pos < lx->len && s[lx->pos] != '\n')
                lx->pos++;
        } else if (c == '/' && lx->pos + 1 < lx->len && s[lx->pos + 1] == '*') {
            lx->pos += 2;
            while (lx->pos + 1 < lx->len && !(s[lx->pos] == '*' && s[lx->pos + 1] == '/'))
                lx->pos++;
            lx->pos = lx->pos + 2 < lx->len ? lx->pos + 2 : lx->len;
        } else {
            return;
        }
    }
}

/* Past a quoted run starting at pos (the quote q there); a doubled quote
** stays inside. */
static size_t quoted_end(const char *s, size_t len, size_t pos, char q)
{
    pos++;
    while (pos < len) {
        if (s[pos] == q) {
            if (pos + 1 < len && s[pos + 1] == q) {
                pos += 2;
                continue;
            }
            return pos + 1;
        }
        pos++;
    }
    return len;
}

static bool word_char(char c)
{
    return isalnum((unsigned char)c) || c == '_' || (unsigned char)c >= 0x80;
}

qtok qlex_next(qlex *lx)
{
    skip_space(lx);
    qtok t = {QT_END, lx->pos, 0};
    if (lx->pos >= lx->len)
        return t;
    const char *s = lx->s;
    char c = s[lx->pos];
    size_t end = lx->pos + 1;
    if (c == '\'' || c == '"' || c == '`') {
        end = quoted_end(s, lx->len, lx->pos, c);
        t.kind = c == '\'' ? QT_STRING : QT_QIDENT;
    } else if (isdigit((unsigned char)c)) {
        while (end < lx->len && (isalnum((unsigned char)s[end]) || s[end] == '.'))
            end++;
        t.kind = QT_NUMBER;
    } else if (word_char(c)) {
        while (end < lx->len && word_char(s[end]))
            end++;
        t.kind = QT_WORD;
    } else {
        t.kind = QT_PUNCT;
    }
    t.len = end - lx->pos;
    lx->pos = end;
    return t;
}

qtok qlex_peek(qlex *lx)
{
    size_t pos = lx->pos;
    qtok t = qlex_next(lx);
    lx->pos = pos;
    return t;
}

bool qtok_is(const qlex *lx, qtok t, const char *kw)
{
    return t.kind == QT_WORD && strlen(kw) == t.len && strncasecmp(lx->s + t.off, kw, t.len) == 0;
}

bool qtok_punct(const qlex *lx, qtok t, char c)
{
    return t.kind == QT_PUNCT && lx->s[t.off] == c;
}

bool qlex_accept(qlex *lx, const char *kw)
{
    size_t pos = lx->pos;
    if (qtok_is(lx, qlex_next(lx), kw))
        return true;
    lx->pos = pos;
    return false;
}

bool qtok_ident(qtok t)
{
    return t.kind == QT_WORD || t.kind == QT_QIDENT;
}

/* The text between the quotes of t with doubled quotes undone. */
static char *unquote(const qlex *lx, qtok t)
{
    const char *s = lx->s + t.off;
    char q = s[0];
    size_t n = t.len >= 2 && s[t.len - 1] == q ? t.len - 2 : t.len - 1;
    char *out = tarn_xmalloc(n + 1), *o = out;
    for (size_t i = 1; i <= n; i++) {
        *o++ = s[i];
        if (s[i] == q && i + 1 <= n && s[i + 1] == q)
            i++;
    }
    *o = 0;
    return out;
}

char *qtok_name(const qlex *lx, qtok t)
{
    char *out = t.kind == QT_QIDENT ? unquote(lx, t) : tarn_xstrndup(lx->s + t.off, t.len);
    for (char *p = out; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    return out;
}

char *qtok_string(const qlex *lx, qtok t)
{
    return unquote(lx, t);
}

int tarn_query_split(const char *text, size_t len, tarn_query_stmt_fn fn, void *ud)
{
    qlex lx;
    qlex_init(&lx, text, len);
    size_t start = 0;
    bool any = false;
    for (;;) {
        qtok t = qlex_next(&lx);
        if (t.kind == QT_END || qtok_punct(&lx, t, ';')) {
            if (any) {
                int rc = fn(ud, text + start, t.off - start);
                if (rc)
                    return rc;
            }
            if (t.kind == QT_END)
                return 0;
            start = t.off + 1;
            any = false;
        } else {
            any = true;
        }
    }
}

bool tarn_query_incomplete(const char *text, size_t len)
{
    qlex lx;
    qlex_init(&lx, text, len);
    bool pending = false;
    for (qtok t = qlex_next(&lx); t.kind != QT_END; t = qlex_next(&lx)) {
        if (qtok_punct(&lx, t, ';'))
            pending = false;
        else
            pending = true;
        /* An unterminated quote or comment keeps the statement open. */
        if ((t.kind == QT_STRING || t.kind == QT_QIDENT) &&
            (t.len < 2 || text[t.off + t.len - 1] != text[t.off]))
            return true;
    }
    return pending;
}
