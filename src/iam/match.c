/*
** match.c: the matchers of IAM policies: glob with '*' and '?' (actions
** case-insensitively, everything else case-sensitively) and ARN patterns
** matched segment by segment. Policy structure is in policy.c.
**
** The glob runs in O(pattern x text) time at worst with no recursion, so a
** hostile pattern cannot make evaluation slow or deep.
*/
#include "iam/iam_int.h"

#include <string.h>

/* One byte equal, folding ASCII case when icase. */
static bool byte_eq(char a, char b, bool icase)
{
    if (a == b)
        return true;
    if (!icase)
        return false;
    if (a >= 'A' && a <= 'Z')
        a = (char)(a - 'A' + 'a');
    if (b >= 'A' && b <= 'Z')
        b = (char)(b - 'A' + 'a');
    return a == b;
}

/* Length of the UTF-8 character starting at t (at least 1, at most left). */
static size_t char_len(const char *t, size_t left)
{
    size_t k = 1;
    while (k < left && ((unsigned char)t[k] & 0xC0) == 0x80 && k < 4)
        k++;
    return k;
}

/* Glob over counted strings: '*' any run (even empty), '?' one character.
** On a mismatch after a '*', the star absorbs one more character and the
** rest is retried: the classic linear-space backtracking. */
static bool glob_n(const char *p, size_t pn, const char *t, size_t tn, bool icase)
{
    size_t pi = 0, ti = 0, star = (size_t)-1, mark = 0;
    while (ti < tn) {
        if (pi < pn && p[pi] == '*') {
            star = pi++;
            mark = ti;
        } else if (pi < pn && p[pi] == '?') {
            pi++;
            ti += char_len(t + ti, tn - ti);
        } else if (pi < pn && byte_eq(p[pi], t[ti], icase)) {
            pi++;
            ti++;
        } else if (star != (size_t)-1) {
            pi = star + 1;
            mark += char_len(t + mark, tn - mark);
            ti = mark;
        } else {
            return false;
        }
    }
    while (pi < pn && p[pi] == '*')
        pi++;
    return pi == pn;
}

bool iam_glob(const char *pat, const char *text, bool icase)
{
    return glob_n(pat, strlen(pat), text, strlen(text), icase);
}

bool iam_action_match(const char *pat, const char *action)
{
    return glob_n(pat, strlen(pat), action, strlen(action), true);
}

bool iam_is_arn(const char *s)
{
    if (strncmp(s, "arn:", 4) != 0)
        return false;
    int colons = 0;
    for (const char *c = s; *c && colons < 5; c++)
        colons += *c == ':';
    return colons >= 5;
}

/* Length of the segment at s (up to the next ':' or the end). */
static size_t seg_len(const char *s)
{
    const char *c = strchr(s, ':');
    return c ? (size_t)(c - s) : strlen(s);
}

bool iam_arn_match(const char *pat, const char *arn)
{
    if (strcmp(pat, "*") == 0)
        return true;
    if (!iam_is_arn(pat) || !iam_is_arn(arn))
        return false;
    for (int seg = 0; seg < 5; seg++) {
        size_t pl = seg_len(pat), al = seg_len(arn);
        if (!glob_n(pat, pl, arn, al, false))
            return false;
        pat += pl + 1;
        arn += al + 1;
    }
    return glob_n(pat, strlen(pat), arn, strlen(arn), false);
}
