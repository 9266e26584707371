/*
** infer.c: type inference from text and text-to-value conversion (see
** infer.h for the rules). The scalar parsers here are the readers' hot
** path: integers, ISO dates and short decimals are parsed without library
** calls; strtod is used only for doubles that need more than 15 digits or
** a large exponent (where exact rounding is strtod's job).
*/
#include "format/infer.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define IS_DIGIT(c) ((unsigned)((unsigned char)(c) - '0') < 10u)
#define IS_BLANK(c) ((c) == ' ' || (c) == '\t')

/* Longest number text handed to strtod (longer texts are not numbers). */
#define NUMBER_TEXT_MAX 400

static inline void trim_blanks(const char **p, size_t *n)
{
    while (*n && IS_BLANK((*p)[0])) {
        (*p)++;
        (*n)--;
    }
    while (*n && IS_BLANK((*p)[*n - 1]))
        (*n)--;
}

/* ---- integers ---- */

/* Scan an unsigned integer part at p: a lone 0 or a digit 1-9 followed by
** digits, optionally grouped by commas in threes ("12,345"). Stops at the
** first byte that cannot continue it. Returns bytes consumed (0: none or
** bad grouping); *v holds the first 19 digits' value, *ndig the count. */
static size_t scan_uint(const char *p, const char *e, uint64_t *v, int *ndig)
{
    const char *s = p;
    uint64_t x = 0;
    int nd = 0, group = -1; /* digits since the last comma; -1: no comma yet */
    if (s >= e || !IS_DIGIT(*s))
        return 0;
    if (*s == '0' && s + 1 < e && (IS_DIGIT(s[1]) || s[1] == ','))
        return 0;
    while (s < e) {
        if (IS_DIGIT(*s)) {
            if (nd < 19)
                x = x * 10 + (uint64_t)(*s - '0');
            nd++;
            if (group >= 0 && ++group > 3)
                return 0;
        } else if (*s == ',' && s + 1 < e && IS_DIGIT(s[1])) {
            if ((group < 0 && nd > 3) || (group >= 0 && group != 3))
                return 0;
            group = 0;
        } else {
            break;
        }
        s++;
    }
    if (group >= 0 && group != 3)
        return 0;
    *v = x;
    *ndig = nd;
    return (size_t)(s - p);
}

/* The general integer parser: blanks, grouping, 19-digit overflow. */
static bool parse_i64_slow(const char *p, size_t n, int64_t *out)
{
    trim_blanks(&p, &n);
    const char *e = p + n;
    bool neg = n && *p == '-';
    p += neg;
    uint64_t v;
    int nd;
    size_t used = scan_uint(p, e, &v, &nd);
    if (used == 0 || p + used != e || nd > 19)
        return false;
    if (v > (uint64_t)INT64_MAX + neg)
        return false;
    *out = neg ? (int64_t)(0 - v) : (int64_t)v;
    return true;
}

bool tarn_parse_i64(const char *p, size_t n, int64_t *out)
{
    const char *s = p;
    size_t k = n;
    bool neg = k && *s == '-';
    s += neg;
    k -= neg;
    if (k == 0 || k > 18 || (s[0] == '0' && k > 1))
        return parse_i64_slow(p, n, out);
    uint64_t v = 0;
    for (size_t i = 0; i < k; i++) {
        unsigned d = (unsigned)(unsigned char)s[i] - '0';
        if (d > 9)
            return parse_i64_slow(p, n, out);
        v = v * 10 + d;
    }
    *out = neg ? -(int64_t)v : (int64_t)v;
    return true;
}

static inline bool fits_i32(int64_t v) { return v >= INT32_MIN && v <= INT32_MAX; }

/* ---- doubles ---- */

static const double pow10_exact[23] = {
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* What the lexical scan of a decimal number found. */
typedef struct numscan {
    bool neg;
    uint64_t mant;   /* first 19 significant digits */
    int ndig;        /* significant digits seen (int part + fraction) */
    int exp10;       /* value = mant * 10^exp10 when ndig <= 19 */
} numscan;

/* Scan the fraction and exponent after the integer part. Returns the end
** of the number or NULL if the syntax is wrong. */
static const char *scan_tail(const char *s, const char *e, numscan *ns, bool have_int)
{
    bool have_frac = false;
    if (s < e && *s == '.') {
        s++;
        while (s < e && IS_DIGIT(*s)) {
            if (ns->ndig < 19) {
                ns->mant = ns->mant * 10 + (uint64_t)(*s - '0');
                ns->exp10--;
            }
            ns->ndig += ns->mant != 0 || ns->ndig;
            have_frac = true;
            s++;
        }
    }
    if (!have_int && !have_frac)
        return NULL;
    if (s < e && (*s == 'e' || *s == 'E')) {
        s++;
        bool eneg = s < e && *s == '-';
        s += s < e && (*s == '-' || *s == '+');
        if (s >= e || !IS_DIGIT(*s))
            return NULL;
        int x = 0;
        while (s < e && IS_DIGIT(*s)) {
            if (x < 100000)
                x = x * 10 + (*s - '0');
            s++;
        }
        ns->exp10 += eneg ? -x : x;
    }
    return s;
}

/* Scan [blanks] -? int [. frac] [e exp] [blanks]. False on bad syntax. */
static bool scan_number(const char *p, size_t n, numscan *ns)
{
    trim_blanks(&p, &n);
    const char *e = p + n, *s = p;
    memset(ns, 0, sizeof *ns);
    ns->neg = s < e && *s == '-';
    s += ns->neg;
    uint64_t v = 0;
    int nd = 0;
    size_t used = 0;
    if (s < e && *s != '.') {
        used = scan_uint(s, e, &v, &nd);
        if (used == 0)
            return false;
    }
    if (nd > 19) {
        ns->exp10 = nd - 19;
        nd = 19;
    }
    ns->mant = v;
    ns->ndig = v ? nd : 0;
    s = scan_tail(s + used, e, ns, used > 0);
    return s == e;
}

/* strtod over the number's text without blanks and grouping commas. */
static bool parse_double_strtod(const char *p, size_t n, double *out)
{
    char buf[NUMBER_TEXT_MAX + 1];
    size_t k = 0;
    trim_blanks(&p, &n);
    if (n > NUMBER_TEXT_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if (p[i] != ',')
            buf[k++] = p[i];
    buf[k] = '\0';
    errno = 0;
    char *end;
    double d = strtod(buf, &end);
    if (end != buf + k || !isfinite(d) || (errno == ERANGE && fabs(d) > 1.0))
        return false;
    *out = d;
    return true;
}

bool tarn_parse_double(const char *p, size_t n, double *out)
{
    numscan ns;
    if (!scan_number(p, n, &ns))
        return false;
    if (ns.mant == 0) {
        *out = ns.neg ? -0.0 : 0.0;
        return true;
    }
    if (ns.ndig <= 19 && ns.mant <= (1ull << 53) && ns.exp10 >= -22 && ns.exp10 <= 22) {
        double d = (double)ns.mant;
        d = ns.exp10 < 0 ? d / pow10_exact[-ns.exp10] : d * pow10_exact[ns.exp10];
        *out = ns.neg ? -d : d;
        return true;
    }
    return parse_double_strtod(p, n, out);
}

/* ---- decimals (only for explicitly typed columns) ---- */

/* 10^k as a 128-bit integer (k <= 38). */
static __int128 pow10_i128(unsigned k)
{
    __int128 v = 1;
    while (k--)
        v *= 10;
    return v;
}

bool tarn_parse_decimal(const char *p, size_t n, unsigned precision, unsigned scale,
                        __int128 *out)
{
    trim_blanks(&p, &n);
    const char *e = p + n, *s = p;
    bool neg = s < e && *s == '-';
    s += neg;
    uint64_t ignored;
    int nd;
    if (s < e && *s != '.' && scan_uint(s, e, &ignored, &nd) == 0)
        return false;
    if (precision < 1 || precision > TARN_DECIMAL_MAX_PRECISION || scale > precision)
        return false;
    __int128 v = 0, limit = pow10_i128(precision);
    unsigned frac = 0;
    bool dot = false, any = false, round_up = false;
    for (; s < e; s++) {
        if (*s == '.' && !dot) {
            dot = true;
            continue;
        }
        if (*s == ',' && !dot)
            continue;
        if (!IS_DIGIT(*s))
            return false;
        any = true;
        if (dot && frac >= scale) {
            if (frac++ == scale)
                round_up = *s >= '5';
            continue;
        }
        if (v >= limit / 10)
            return false;
        v = v * 10 + (*s - '0');
        frac += dot;
    }
    for (; frac < scale; frac++) {
        if (v >= limit / 10)
            return false;
        v *= 10;
    }
    v += round_up;
    if (!any || v >= limit)
        return false;
    *out = neg ? -v : v;
    return true;
}

/* ---- booleans ---- */

bool tarn_parse_bool(const char *p, size_t n, bool *out)
{
    trim_blanks(&p, &n);
    if (n == 4 && (p[0] | 0x20) == 't' && (p[1] | 0x20) == 'r' && (p[2] | 0x20) == 'u' &&
        (p[3] | 0x20) == 'e') {
        *out = true;
        return true;
    }
    if (n == 5 && (p[0] | 0x20) == 'f' && (p[1] | 0x20) == 'a' && (p[2] | 0x20) == 'l' &&
        (p[3] | 0x20) == 's' && (p[4] | 0x20) == 'e') {
        *out = false;
        return true;
    }
    return false;
}

/* ---- dates and timestamps ---- */

/* Read 1 or 2 digits (exactly `want` if want > 0). Returns bytes used. */
static inline size_t read_num(const char *s, const char *e, unsigned *v, int want)
{
    size_t k = 0;
    unsigned x = 0;
    int max = want ? want : 2;
    while (s + k < e && (int)k < max && IS_DIGIT(s[k]))
        x = x * 10 + (unsigned)(s[k++] - '0');
    if (k == 0 || (want && (int)k != want))
        return 0;
    *v = x;
    return k;
}

/* Read four year digits into *y; returns false unless exactly four. */
static inline bool read_year(const char *s, const char *e, unsigned *y)
{
    if (e - s < 4 || !IS_DIGIT(s[0]) || !IS_DIGIT(s[1]) || !IS_DIGIT(s[2]) || !IS_DIGIT(s[3]))
        return false;
    *y = (unsigned)(s[0] - '0') * 1000 + (unsigned)(s[1] - '0') * 100 +
         (unsigned)(s[2] - '0') * 10 + (unsigned)(s[3] - '0');
    return true;
}

/* ISO YYYY-M[M]-D[D] at s; on success *end is just past it. */
static bool scan_iso_date(const char *s, const char *e, int32_t *days, const char **end)
{
    unsigned y, m, d;
    size_t k;
    if (!read_year(s, e, &y) || s + 4 >= e || s[4] != '-')
        return false;
    s += 5;
    if ((k = read_num(s, e, &m, 0)) == 0 || s + k >= e || s[k] != '-')
        return false;
    s += k + 1;
    if ((k = read_num(s, e, &d, 0)) == 0 || !tarn_date_valid(y, m, d))
        return false;
    *days = tarn_days_from_civil(y, m, d);
    *end = s + k;
    return true;
}

/* A/B/YYYY with one separator among / . - used twice: *a, *b, *y. */
static bool scan_dmy(const char *s, const char *e, unsigned *a, unsigned *b, unsigned *y)
{
    size_t k = read_num(s, e, a, 0);
    if (k == 0 || s + k >= e)
        return false;
    char sep = s[k];
    if (sep != '/' && sep != '.' && sep != '-')
        return false;
    s += k + 1;
    k = read_num(s, e, b, 0);
    if (k == 0 || s + k >= e || s[k] != sep)
        return false;
    s += k + 1;
    return e - s == 4 && read_year(s, e, y);
}

bool tarn_parse_date(const char *p, size_t n, tarn_date_order order, int32_t *days)
{
    if (order == TARN_DATE_ISO && n == 10 && p[4] == '-' && p[7] == '-') {
        unsigned y, m, d;
        if (read_year(p, p + 4, &y) && IS_DIGIT(p[5]) && IS_DIGIT(p[6]) && IS_DIGIT(p[8]) &&
            IS_DIGIT(p[9])) {
            m = (unsigned)(p[5] - '0') * 10 + (unsigned)(p[6] - '0');
            d = (unsigned)(p[8] - '0') * 10 + (unsigned)(p[9] - '0');
            if (!tarn_date_valid(y, m, d))
                return false;
            *days = tarn_days_from_civil(y, m, d);
            return true;
        }
    }
    trim_blanks(&p, &n);
    const char *e = p + n, *end;
    if (order == TARN_DATE_ISO)
        return scan_iso_date(p, e, days, &end) && end == e;
    unsigned a, b, y;
    if (!scan_dmy(p, e, &a, &b, &y))
        return false;
    unsigned d = order == TARN_DATE_DMY ? a : b, m = order == TARN_DATE_DMY ? b : a;
    if (!tarn_date_valid(y, m, d))
        return false;
    *days = tarn_days_from_civil(y, m, d);
    return true;
}

/* HH:MM[:SS[.frac]] at s into microseconds of the day; *end past it. */
static bool scan_time(const char *s, const char *e, int64_t *us, const char **end)
{
    unsigned h, mi, sec = 0;
    size_t k = read_num(s, e, &h, 0);
    if (k == 0 || s + k >= e || s[k] != ':' || h > 23)
        return false;
    s += k + 1;
    if (read_num(s, e, &mi, 2) == 0 || mi > 59)
        return false;
    s += 2;
    int64_t frac = 0;
    if (s < e && *s == ':') {
        if (read_num(s + 1, e, &sec, 2) == 0 || sec > 59)
            return false;
        s += 3;
        if (s < e && *s == '.') {
            s++;
            int nd = 0;
            while (s < e && IS_DIGIT(*s)) {
                if (nd++ < 6)
                    frac = frac * 10 + (*s - '0');
                s++;
            }
            if (nd == 0)
                return false;
            for (; nd < 6; nd++)
                frac *= 10;
        }
    }
    *us = ((int64_t)h * 3600 + mi * 60 + sec) * 1000000 + frac;
    *end = s;
    return true;
}

/* Optional zone at s: Z, +HH, +HHMM, +HH:MM (or -). *off_us is what to
** subtract to reach UTC. Must consume the text up to e. */
static bool scan_zone(const char *s, const char *e, int64_t *off_us)
{
    *off_us = 0;
    if (s == e)
        return true;
    if (*s == 'Z' || *s == 'z')
        return s + 1 == e;
    if (*s != '+' && *s != '-')
        return false;
    int sign = *s == '-' ? -1 : 1;
    unsigned h, m = 0;
    s++;
    if (read_num(s, e, &h, 2) == 0 || h > 23)
        return false;
    s += 2;
    if (s < e && *s == ':')
        s++;
    if (s < e) {
        if (read_num(s, e, &m, 2) == 0 || m > 59)
            return false;
        s += 2;
    }
    *off_us = sign * ((int64_t)h * 3600 + m * 60) * 1000000;
    return s == e;
}

bool tarn_parse_timestamp(const char *p, size_t n, int64_t *micros)
{
    trim_blanks(&p, &n);
    const char *e = p + n, *s;
    int32_t days;
    if (!scan_iso_date(p, e, &days, &s))
        return false;
    int64_t tod = 0, off = 0;
    if (s < e) {
        if (*s != 'T' && *s != ' ')
            return false;
        if (!scan_time(s + 1, e, &tod, &s) || !scan_zone(s, e, &off))
            return false;
    }
    *micros = (int64_t)days * 86400000000LL + tod - off;
    return true;
}

/* ---- classification ---- */

/* Candidates of a text that starts with a digit, '-' or '.'. */
static uint32_t classify_number_or_date(const char *p, size_t n)
{
    int64_t i;
    double d;
    int32_t days;
    int64_t us;
    if (tarn_parse_i64(p, n, &i))
        return (fits_i32(i) ? TARN_CAND_INT : 0) | TARN_CAND_BIGINT | TARN_CAND_DOUBLE;
    if (tarn_parse_double(p, n, &d))
        return TARN_CAND_DOUBLE;
    uint32_t c = 0;
    if (tarn_parse_date(p, n, TARN_DATE_ISO, &days))
        return TARN_CAND_DATE | TARN_CAND_TIMESTAMP;
    if (tarn_parse_timestamp(p, n, &us))
        return TARN_CAND_TIMESTAMP;
    if (tarn_parse_date(p, n, TARN_DATE_DMY, &days))
        c |= TARN_CAND_DATE_DMY;
    if (tarn_parse_date(p, n, TARN_DATE_MDY, &days))
        c |= TARN_CAND_DATE_MDY;
    return c;
}

uint32_t tarn_infer_classify(const char *p, size_t n)
{
    if (n == 0)
        return TARN_CAND_ALL;
    trim_blanks(&p, &n);
    if (n == 0)
        return 0;
    unsigned char c = (unsigned char)p[0];
    if (IS_DIGIT(c) || c == '-' || c == '.')
        return classify_number_or_date(p, n);
    bool b;
    if ((c | 0x20) == 't' || (c | 0x20) == 'f')
        return tarn_parse_bool(p, n, &b) ? TARN_CAND_BOOL : 0;
    return 0;
}

void tarn_infer_init(tarn_infer *s)
{
    s->cands = TARN_CAND_ALL;
    s->seen = false;
}

void tarn_infer_add(tarn_infer *s, const char *p, size_t n)
{
    s->cands &= tarn_infer_classify(p, n);
    s->seen = true;
}

void tarn_infer_add_mask(tarn_infer *s, uint32_t cands)
{
    s->cands &= cands;
    s->seen = true;
}

void tarn_infer_merge(tarn_infer *dst, const tarn_infer *src)
{
    dst->cands &= src->cands;
    dst->seen |= src->seen;
}

/* Candidates a value fitting `best` fits as well, so that checking `best`
** alone keeps the candidate set exact. */
static uint32_t implied_by(uint32_t best)
{
    switch (best) {
    case TARN_CAND_INT: return TARN_CAND_NUMERIC;
    case TARN_CAND_BIGINT: return TARN_CAND_BIGINT | TARN_CAND_DOUBLE;
    case TARN_CAND_DATE: return TARN_CAND_DATE | TARN_CAND_TIMESTAMP;
    default: return best;
    }
}

/* Does text fit candidate `cand` (one bit)? */
static inline bool fits_cand(uint32_t cand, const char *p, size_t n)
{
    int64_t i;
    double d;
    bool b;
    int32_t days;
    switch (cand) {
    case TARN_CAND_BOOL: return tarn_parse_bool(p, n, &b);
    case TARN_CAND_INT: return tarn_parse_i64(p, n, &i) && fits_i32(i);
    case TARN_CAND_BIGINT: return tarn_parse_i64(p, n, &i);
    case TARN_CAND_DOUBLE: return tarn_parse_double(p, n, &d);
    case TARN_CAND_DATE: return tarn_parse_date(p, n, TARN_DATE_ISO, &days);
    case TARN_CAND_DATE_DMY: return tarn_parse_date(p, n, TARN_DATE_DMY, &days);
    case TARN_CAND_DATE_MDY: return tarn_parse_date(p, n, TARN_DATE_MDY, &days);
    case TARN_CAND_TIMESTAMP: return tarn_parse_timestamp(p, n, &i);
    default: return false;
    }
}

/* Advance over values that fit `cand`; returns the index of the first that
** does not (or n). One loop per type so each is a tight, predictable loop. */
#define FIT_LOOP(test)                                   \
    for (; i < n; i++) {                                 \
        const tarn_text *t = v + i * stride;             \
        if (t->len && !(test))                           \
            return i;                                    \
    }                                                    \
    return n;

static size_t skip_fitting(uint32_t cand, const tarn_text *v, size_t stride, size_t i,
                           size_t n)
{
    int64_t x;
    double d;
    int32_t days;
    switch (cand) {
    case TARN_CAND_INT: FIT_LOOP(tarn_parse_i64(t->p, t->len, &x) && fits_i32(x))
    case TARN_CAND_BIGINT: FIT_LOOP(tarn_parse_i64(t->p, t->len, &x))
    case TARN_CAND_DOUBLE: FIT_LOOP(tarn_parse_double(t->p, t->len, &d))
    case TARN_CAND_DATE: FIT_LOOP(tarn_parse_date(t->p, t->len, TARN_DATE_ISO, &days))
    default: FIT_LOOP(fits_cand(cand, t->p, t->len))
    }
}

void tarn_infer_feed(tarn_infer *s, const tarn_text *v, size_t stride, size_t n)
{
    size_t i = 0;
    while (i < n && s->cands) {
        uint32_t best = s->cands & (0u - s->cands);
        if (s->seen && (s->cands & ~implied_by(best)) == 0) {
            i = skip_fitting(best, v, stride, i, n);
            if (i == n)
                break;
        }
        const tarn_text *t = v + i * stride;
        if (t->len)
            tarn_infer_add(s, t->p, t->len);
        i++;
    }
}

tarn_textfmt tarn_infer_result(const tarn_infer *s)
{
    tarn_textfmt f;
    memset(&f, 0, sizeof f);
    f.type.id = TARN_TYPE_STRING;
    if (!s->seen || s->cands == 0)
        return f;
    uint32_t best = s->cands & (0u - s->cands);
    switch (best) {
    case TARN_CAND_BOOL: f.type.id = TARN_TYPE_BOOLEAN; break;
    case TARN_CAND_INT: f.type.id = TARN_TYPE_INT; break;
    case TARN_CAND_BIGINT: f.type.id = TARN_TYPE_BIGINT; break;
    case TARN_CAND_DOUBLE: f.type.id = TARN_TYPE_DOUBLE; break;
    case TARN_CAND_DATE: f.type.id = TARN_TYPE_DATE; break;
    case TARN_CAND_DATE_DMY: f.type.id = TARN_TYPE_DATE; f.dates = TARN_DATE_DMY; break;
    case TARN_CAND_DATE_MDY: f.type.id = TARN_TYPE_DATE; f.dates = TARN_DATE_MDY; break;
    default: f.type.id = TARN_TYPE_TIMESTAMP; break;
    }
    return f;
}

tarn_textfmt tarn_textfmt_of(tarn_type t)
{
    tarn_textfmt f;
    memset(&f, 0, sizeof f);
    f.type = t;
    return f;
}

/* ---- conversion ---- */

/* Parse text as f's type into the 16-byte slot out (the column's width). */
static bool parse_value(const tarn_textfmt *f, const char *p, size_t n, void *out)
{
    int64_t x;
    bool b;
    switch (f->type.id) {
    case TARN_TYPE_BOOLEAN:
        if (!tarn_parse_bool(p, n, &b))
            return false;
        *(uint8_t *)out = b;
        return true;
    case TARN_TYPE_INT:
        if (!tarn_parse_i64(p, n, &x) || !fits_i32(x))
            return false;
        *(int32_t *)out = (int32_t)x;
        return true;
    case TARN_TYPE_BIGINT: return tarn_parse_i64(p, n, (int64_t *)out);
    case TARN_TYPE_DOUBLE: return tarn_parse_double(p, n, (double *)out);
    case TARN_TYPE_DECIMAL:
        return tarn_parse_decimal(p, n, f->type.precision, f->type.scale, (__int128 *)out);
    case TARN_TYPE_DATE: return tarn_parse_date(p, n, f->dates, (int32_t *)out);
    case TARN_TYPE_TIMESTAMP: return tarn_parse_timestamp(p, n, (int64_t *)out);
    default: return false;
    }
}

bool tarn_text_fits(const tarn_textfmt *f, const char *p, size_t n)
{
    __int128 slot;
    if (f->type.id == TARN_TYPE_STRING)
        return true;
    return parse_value(f, p, n, &slot);
}

bool tarn_text_append(tarn_column *c, const tarn_textfmt *f, const char *p, size_t n,
                      bool quoted)
{
    if (f->type.id == TARN_TYPE_STRING) {
        if (n == 0 && !quoted)
            tarn_column_append_null(c);
        else
            tarn_column_append_str(c, p, n);
        return true;
    }
    if (n == 0) {
        tarn_column_append_null(c);
        return true;
    }
    __int128 slot;
    if (!parse_value(f, p, n, &slot))
        return false;
    tarn_column_reserve(c, c->length + 1);
    int64_t i = c->length;
    size_t w = tarn_type_width(c->type.id);
    memcpy((char *)c->values + (size_t)i * w, &slot, w);
    c->validity[i >> 3] |= (uint8_t)(1u << (i & 7));
    c->length++;
    return true;
}

static inline void set_valid(tarn_column *c, int64_t i, bool valid)
{
    uint8_t bit = (uint8_t)(1u << (i & 7));
    if (valid)
        c->validity[i >> 3] |= bit;
    else
        c->validity[i >> 3] &= (uint8_t)~bit;
}

/* Append n strings as they are; quoted empties are "", others NULL. */
static void append_strings(tarn_column *c, const tarn_text *v, size_t stride, size_t n)
{
    size_t bytes = 0;
    for (size_t i = 0; i < n; i++)
        bytes += v[i * stride].len;
    if (c->data_len + bytes > c->data_cap || !c->data) {
        size_t cap = c->data_cap ? c->data_cap : 4096;
        while (cap < c->data_len + bytes)
            cap *= 2;
        c->data = tarn_xrealloc(c->data, cap);
        c->data_cap = cap;
    }
    int64_t row = c->length;
    for (size_t i = 0; i < n; i++, row++) {
        const tarn_text *t = v + i * stride;
        bool valid = t->len || (t->flags & TARN_TEXT_QUOTED);
        set_valid(c, row, valid);
        c->null_count += !valid;
        if (t->len)
            memcpy(c->data + c->data_len, t->p, t->len);
        c->data_len += t->len;
        c->offsets[row + 1] = (int64_t)c->data_len;
    }
    c->length = row;
}

#define CONVERT_LOOP(ctype, parse)                                        \
    do {                                                                  \
        ctype *out = (ctype *)c->values;                                  \
        for (size_t i = 0; i < n; i++, row++) {                           \
            const tarn_text *t = v + i * stride;                          \
            bool ok = t->len && (parse);                                  \
            if (!ok) {                                                    \
                memset(&out[row], 0, sizeof out[row]);                    \
                bad += t->len != 0;                                       \
            }                                                             \
            set_valid(c, row, ok);                                        \
            c->null_count += !ok;                                         \
        }                                                                 \
    } while (0)

int64_t tarn_text_append_batch(tarn_column *c, const tarn_textfmt *f, const tarn_text *v,
                               size_t stride, size_t n)
{
    tarn_column_reserve(c, c->length + (int64_t)n);
    if (f->type.id == TARN_TYPE_STRING) {
        append_strings(c, v, stride, n);
        return 0;
    }
    int64_t row = c->length, bad = 0, x;
    bool b;
    switch (f->type.id) {
    case TARN_TYPE_BOOLEAN:
        CONVERT_LOOP(uint8_t, tarn_parse_bool(t->p, t->len, &b) && ((out[row] = b), 1));
        break;
    case TARN_TYPE_INT:
        CONVERT_LOOP(int32_t, tarn_parse_i64(t->p, t->len, &x) && fits_i32(x) &&
                                  ((out[row] = (int32_t)x), 1));
        break;
    case TARN_TYPE_BIGINT: CONVERT_LOOP(int64_t, tarn_parse_i64(t->p, t->len, &out[row])); break;
    case TARN_TYPE_DOUBLE: CONVERT_LOOP(double, tarn_parse_double(t->p, t->len, &out[row])); break;
    case TARN_TYPE_DATE:
        CONVERT_LOOP(int32_t, tarn_parse_date(t->p, t->len, f->dates, &out[row]));
        break;
    case TARN_TYPE_TIMESTAMP:
        CONVERT_LOOP(int64_t, tarn_parse_timestamp(t->p, t->len, &out[row]));
        break;
    default:
        CONVERT_LOOP(__int128, parse_value(f, t->p, t->len, &out[row]));
        break;
    }
    c->length = row;
    return bad;
}
