/*
** gen_who.c: writes a CSV file shaped like the WHO COVID-19 daily cases file
** (WHO-COVID-19-global-daily-data.csv), of any size, for benchmarks and for
** sample data. Usage:
**
**     gen_who ROWS OUTPUT [SEED]      OUTPUT "-" is stdout; SEED default 1
**
** An OUTPUT ending in ".zip" gets a zip archive holding the CSV as its one
** entry, WHO-COVID-19-global-daily-data.csv, as the WHO serves it: the
** example pipeline's extract job downloads and unpacks that. The archive
** is deterministic too (fixed entry time, streamed with libarchive).
**
** The same ROWS and SEED give the same bytes on every machine: the only
** randomness is a seeded xoshiro256** generator and all arithmetic is
** integer. What the file holds, like the real one:
**
**   - the header below, exactly (the last column is " Notes ", with its
**     spaces), CRLF line endings;
**   - 237 countries and territories with their ISO codes, WHO regions
**     (AFRO AMRO EMRO EURO SEARO WPRO OTHER) and WHO names, among them
**     quoted names with commas and non-ASCII letters;
**   - one row per country per day from 2020-01-03, ordered by date then
**     country; more rows than 2020-01-03..2023-12-31 holds continue into
**     later days (the same countries, so names stay real);
**   - daily counts in waves, some countries reporting weekly, rare negative
**     corrections; about 1% of New_cases / New_deaths fields empty; the
**     cumulative columns always equal the sum of the new counts so far;
**   - a Source URL column, about 3% quoted notes with embedded "" quotes,
**     and about 2% exact duplicate rows, repeated at once or a few rows on.
**
** It is a test-data tool, not part of tarn: it writes through one large
** buffer with hand-formatted numbers so that 10M rows (~1 GB) take seconds.
*/
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <archive.h>
#include <archive_entry.h>

#define HEADER "Date_reported,Country_code,Country,WHO_region,New_cases," \
               "Cumulative_cases,New_deaths,Cumulative_deaths,Source URL, Notes \r\n"
#define OUTBUF_SIZE (1 << 20)
#define ROW_MAX 512
#define ROWS_MAX 500000000u  /* 500M rows end near year 7800: dates keep 4 digits */

typedef struct country_def {
    const char *code, *name, *region;
} country_def;

static const country_def countries[] = {
    /* AFRO */
    {"DZ", "Algeria", "AFRO"}, {"AO", "Angola", "AFRO"}, {"BJ", "Benin", "AFRO"},
    {"BW", "Botswana", "AFRO"}, {"BF", "Burkina Faso", "AFRO"}, {"BI", "Burundi", "AFRO"},
    {"CV", "Cabo Verde", "AFRO"}, {"CM", "Cameroon", "AFRO"},
    {"CF", "Central African Republic", "AFRO"}, {"TD", "Chad", "AFRO"},
    {"KM", "Comoros", "AFRO"}, {"CG", "Congo", "AFRO"}, {"CI", "Côte d’Ivoire", "AFRO"},
    {"CD", "Democratic Republic of the Congo", "AFRO"}, {"GQ", "Equatorial Guinea", "AFRO"},
    {"ER", "Eritrea", "AFRO"}, {"SZ", "Eswatini", "AFRO"}, {"ET", "Ethiopia", "AFRO"},
    {"GA", "Gabon", "AFRO"}, {"GM", "Gambia", "AFRO"}, {"GH", "Ghana", "AFRO"},
    {"GN", "Guinea", "AFRO"}, {"GW", "Guinea-Bissau", "AFRO"}, {"KE", "Kenya", "AFRO"},
    {"LS", "Lesotho", "AFRO"}, {"LR", "Liberia", "AFRO"}, {"MG", "Madagascar", "AFRO"},
    {"MW", "Malawi", "AFRO"}, {"ML", "Mali", "AFRO"}, {"MR", "Mauritania", "AFRO"},
    {"MU", "Mauritius", "AFRO"}, {"YT", "Mayotte", "AFRO"}, {"MZ", "Mozambique", "AFRO"},
    {"NA", "Namibia", "AFRO"}, {"NE", "Niger", "AFRO"}, {"NG", "Nigeria", "AFRO"},
    {"RE", "Réunion", "AFRO"}, {"RW", "Rwanda", "AFRO"},
    {"SH", "Saint Helena, Ascension and Tristan da Cunha", "AFRO"},
    {"ST", "Sao Tome and Principe", "AFRO"}, {"SN", "Senegal", "AFRO"},
    {"SC", "Seychelles", "AFRO"}, {"SL", "Sierra Leone", "AFRO"},
    {"ZA", "South Africa", "AFRO"}, {"SS", "South Sudan", "AFRO"}, {"TG", "Togo", "AFRO"},
    {"UG", "Uganda", "AFRO"}, {"TZ", "United Republic of Tanzania", "AFRO"},
    {"ZM", "Zambia", "AFRO"}, {"ZW", "Zimbabwe", "AFRO"},
    /* AMRO */
    {"AI", "Anguilla", "AMRO"}, {"AG", "Antigua and Barbuda", "AMRO"},
    {"AR", "Argentina", "AMRO"}, {"AW", "Aruba", "AMRO"}, {"BS", "Bahamas", "AMRO"},
    {"BB", "Barbados", "AMRO"}, {"BZ", "Belize", "AMRO"}, {"BM", "Bermuda", "AMRO"},
    {"BO", "Bolivia (Plurinational State of)", "AMRO"},
    {"BQ", "Bonaire, Sint Eustatius and Saba", "AMRO"}, {"BR", "Brazil", "AMRO"},
    {"VG", "British Virgin Islands", "AMRO"}, {"CA", "Canada", "AMRO"},
    {"KY", "Cayman Islands", "AMRO"}, {"CL", "Chile", "AMRO"}, {"CO", "Colombia", "AMRO"},
    {"CR", "Costa Rica", "AMRO"}, {"CU", "Cuba", "AMRO"}, {"CW", "Curaçao", "AMRO"},
    {"DM", "Dominica", "AMRO"}, {"DO", "Dominican Republic", "AMRO"},
    {"EC", "Ecuador", "AMRO"}, {"SV", "El Salvador", "AMRO"},
    {"FK", "Falkland Islands (Malvinas)", "AMRO"}, {"GF", "French Guiana", "AMRO"},
    {"GD", "Grenada", "AMRO"}, {"GP", "Guadeloupe", "AMRO"}, {"GT", "Guatemala", "AMRO"},
    {"GY", "Guyana", "AMRO"}, {"HT", "Haiti", "AMRO"}, {"HN", "Honduras", "AMRO"},
    {"JM", "Jamaica", "AMRO"}, {"MQ", "Martinique", "AMRO"}, {"MX", "Mexico", "AMRO"},
    {"MS", "Montserrat", "AMRO"}, {"NI", "Nicaragua", "AMRO"}, {"PA", "Panama", "AMRO"},
    {"PY", "Paraguay", "AMRO"}, {"PE", "Peru", "AMRO"}, {"PR", "Puerto Rico", "AMRO"},
    {"BL", "Saint Barthélemy", "AMRO"}, {"KN", "Saint Kitts and Nevis", "AMRO"},
    {"LC", "Saint Lucia", "AMRO"}, {"MF", "Saint Martin (French part)", "AMRO"},
    {"PM", "Saint Pierre and Miquelon", "AMRO"},
    {"VC", "Saint Vincent and the Grenadines", "AMRO"},
    {"SX", "Sint Maarten (Dutch part)", "AMRO"}, {"SR", "Suriname", "AMRO"},
    {"TT", "Trinidad and Tobago", "AMRO"}, {"TC", "Turks and Caicos Islands", "AMRO"},
    {"US", "United States of America", "AMRO"},
    {"VI", "United States Virgin Islands", "AMRO"}, {"UY", "Uruguay", "AMRO"},
    {"VE", "Venezuela (Bolivarian Republic of)", "AMRO"},
    /* EMRO */
    {"AF", "Afghanistan", "EMRO"}, {"BH", "Bahrain", "EMRO"}, {"DJ", "Djibouti", "EMRO"},
    {"EG", "Egypt", "EMRO"}, {"IR", "Iran (Islamic Republic of)", "EMRO"},
    {"IQ", "Iraq", "EMRO"}, {"JO", "Jordan", "EMRO"}, {"KW", "Kuwait", "EMRO"},
    {"LB", "Lebanon", "EMRO"}, {"LY", "Libya", "EMRO"}, {"MA", "Morocco", "EMRO"},
    {"PS", "occupied Palestinian territory, including east Jerusalem", "EMRO"},
    {"OM", "Oman", "EMRO"}, {"PK", "Pakistan", "EMRO"}, {"QA", "Qatar", "EMRO"},
    {"SA", "Saudi Arabia", "EMRO"}, {"SO", "Somalia", "EMRO"}, {"SD", "Sudan", "EMRO"},
    {"SY", "Syrian Arab Republic", "EMRO"}, {"TN", "Tunisia", "EMRO"},
    {"AE", "United Arab Emirates", "EMRO"}, {"YE", "Yemen", "EMRO"},
    /* EURO */
    {"AL", "Albania", "EURO"}, {"AD", "Andorra", "EURO"}, {"AM", "Armenia", "EURO"},
    {"AT", "Austria", "EURO"}, {"AZ", "Azerbaijan", "EURO"}, {"BY", "Belarus", "EURO"},
    {"BE", "Belgium", "EURO"}, {"BA", "Bosnia and Herzegovina", "EURO"},
    {"BG", "Bulgaria", "EURO"}, {"HR", "Croatia", "EURO"}, {"CY", "Cyprus", "EURO"},
    {"CZ", "Czechia", "EURO"}, {"DK", "Denmark", "EURO"}, {"EE", "Estonia", "EURO"},
    {"FO", "Faroe Islands", "EURO"}, {"FI", "Finland", "EURO"}, {"FR", "France", "EURO"},
    {"GE", "Georgia", "EURO"}, {"DE", "Germany", "EURO"}, {"GI", "Gibraltar", "EURO"},
    {"GR", "Greece", "EURO"}, {"GL", "Greenland", "EURO"}, {"GG", "Guernsey", "EURO"},
    {"VA", "Holy See", "EURO"}, {"HU", "Hungary", "EURO"}, {"IS", "Iceland", "EURO"},
    {"IE", "Ireland", "EURO"}, {"IM", "Isle of Man", "EURO"}, {"IL", "Israel", "EURO"},
    {"IT", "Italy", "EURO"}, {"JE", "Jersey", "EURO"}, {"KZ", "Kazakhstan", "EURO"},
    {"XK", "Kosovo (in accordance with UN Security Council resolution 1244 (1999))", "EURO"},
    {"KG", "Kyrgyzstan", "EURO"}, {"LV", "Latvia", "EURO"},
    {"LI", "Liechtenstein", "EURO"}, {"LT", "Lithuania", "EURO"},
    {"LU", "Luxembourg", "EURO"}, {"MT", "Malta", "EURO"}, {"MC", "Monaco", "EURO"},
    {"ME", "Montenegro", "EURO"}, {"NL", "Netherlands (Kingdom of the)", "EURO"},
    {"MK", "North Macedonia", "EURO"}, {"NO", "Norway", "EURO"}, {"PL", "Poland", "EURO"},
    {"PT", "Portugal", "EURO"}, {"MD", "Republic of Moldova", "EURO"},
    {"RO", "Romania", "EURO"}, {"RU", "Russian Federation", "EURO"},
    {"SM", "San Marino", "EURO"}, {"RS", "Serbia", "EURO"}, {"SK", "Slovakia", "EURO"},
    {"SI", "Slovenia", "EURO"}, {"ES", "Spain", "EURO"}, {"SE", "Sweden", "EURO"},
    {"CH", "Switzerland", "EURO"}, {"TJ", "Tajikistan", "EURO"}, {"TR", "Türkiye", "EURO"},
    {"TM", "Turkmenistan", "EURO"}, {"UA", "Ukraine", "EURO"},
    {"GB", "United Kingdom of Great Britain and Northern Ireland", "EURO"},
    {"UZ", "Uzbekistan", "EURO"},
    /* SEARO */
    {"BD", "Bangladesh", "SEARO"}, {"BT", "Bhutan", "SEARO"},
    {"KP", "Democratic People's Republic of Korea", "SEARO"}, {"IN", "India", "SEARO"},
    {"ID", "Indonesia", "SEARO"}, {"MV", "Maldives", "SEARO"}, {"MM", "Myanmar", "SEARO"},
    {"NP", "Nepal", "SEARO"}, {"LK", "Sri Lanka", "SEARO"}, {"TH", "Thailand", "SEARO"},
    {"TL", "Timor-Leste", "SEARO"},
    /* WPRO */
    {"AS", "American Samoa", "WPRO"}, {"AU", "Australia", "WPRO"},
    {"BN", "Brunei Darussalam", "WPRO"}, {"KH", "Cambodia", "WPRO"}, {"CN", "China", "WPRO"},
    {"CK", "Cook Islands", "WPRO"}, {"FJ", "Fiji", "WPRO"},
    {"PF", "French Polynesia", "WPRO"}, {"GU", "Guam", "WPRO"}, {"JP", "Japan", "WPRO"},
    {"KI", "Kiribati", "WPRO"}, {"LA", "Lao People's Democratic Republic", "WPRO"},
    {"MY", "Malaysia", "WPRO"}, {"MH", "Marshall Islands", "WPRO"},
    {"FM", "Micronesia (Federated States of)", "WPRO"}, {"MN", "Mongolia", "WPRO"},
    {"NR", "Nauru", "WPRO"}, {"NC", "New Caledonia", "WPRO"}, {"NZ", "New Zealand", "WPRO"},
    {"NU", "Niue", "WPRO"}, {"MP", "Northern Mariana Islands (Commonwealth of the)", "WPRO"},
    {"PW", "Palau", "WPRO"}, {"PG", "Papua New Guinea", "WPRO"},
    {"PH", "Philippines", "WPRO"}, {"PN", "Pitcairn", "WPRO"},
    {"KR", "Republic of Korea", "WPRO"}, {"WS", "Samoa", "WPRO"},
    {"SG", "Singapore", "WPRO"}, {"SB", "Solomon Islands", "WPRO"},
    {"TK", "Tokelau", "WPRO"}, {"TO", "Tonga", "WPRO"}, {"TV", "Tuvalu", "WPRO"},
    {"VU", "Vanuatu", "WPRO"}, {"VN", "Viet Nam", "WPRO"},
    {"WF", "Wallis and Futuna", "WPRO"},
    /* OTHER */
    {"XA", "International conveyance (Diamond Princess)", "OTHER"},
    {"XB", "International conveyance (MS Zaandam)", "OTHER"},
    {"XC", "International conveyance (Grand Princess)", "OTHER"},
};
#define NCOUNTRIES (sizeof countries / sizeof countries[0])

/* Notes, already CSV-quoted, each with an embedded "" quote. */
static const char *const notes[] = {
    "\"Includes \"\"probable\"\" cases\"",
    "\"Back-filled by the ministry; \"\"new cases\"\" may cover several days\"",
    "\"Reporting changed from daily to weekly, see \"\"Source URL\"\"\"",
    "\"Figures \"\"provisional\"\", to be revised\"",
    "\"Deaths reclassified after review, \"\"excess\"\" cases removed\"",
};
#define NNOTES (sizeof notes / sizeof notes[0])

/* Per-country model and running totals. */
typedef struct country {
    char prefix[160];     /* ",CC,Name,REGION," with Name quoted if needed */
    size_t prefix_len;
    char url[96];         /* ",https://...," : Source URL and its commas */
    size_t url_len;
    int64_t peak;         /* daily cases at a wave's peak */
    int64_t death_pm;     /* deaths per thousand cases */
    int64_t shift, period;/* wave phase and length in days */
    bool weekly;          /* reports every 7 days */
    int64_t held_cases, held_deaths; /* not yet reported (weekly) */
    int64_t cum_cases, cum_deaths;
} country;

typedef struct gen {
    uint64_t s[4];        /* xoshiro256** state */
    FILE *out;
    struct archive *zip;  /* non-NULL: write into this zip entry instead */
    char *buf;
    size_t len;
    country c[NCOUNTRIES];
    char date[11];        /* "YYYY-MM-DD" of the current day */
    int year, month, day; /* the same as numbers */
    char dup[ROW_MAX];   /* a row waiting to be repeated */
    size_t dup_len;
    int dup_wait;         /* rows until it is; < 0: none waiting */
} gen;

/* splitmix64: expands the seed into the xoshiro state. */
static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

/* xoshiro256**: the next 64 random bits. */
static uint64_t next(gen *g)
{
    uint64_t *s = g->s, r = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return r;
}

/* A random integer in [0, n); n > 0. The tiny modulo bias is harmless. */
static int64_t below(gen *g, int64_t n) { return (int64_t)(next(g) % (uint64_t)n); }

/* True with probability per_100k / 100000. */
static bool chance(gen *g, int per_100k) { return below(g, 100000) < per_100k; }

/* Write everything buffered; exits on a write error (a tool, not a library). */
static void flush_out(gen *g)
{
    if (g->len && g->zip) {
        if (archive_write_data(g->zip, g->buf, g->len) != (la_ssize_t)g->len) {
            fprintf(stderr, "gen_who: zip write failed: %s\n", archive_error_string(g->zip));
            exit(1);
        }
    } else if (g->len && fwrite(g->buf, 1, g->len, g->out) != g->len) {
        fprintf(stderr, "gen_who: write failed: %s\n", strerror(errno));
        exit(1);
    }
    g->len = 0;
}

/* Append n bytes (n <= OUTBUF_SIZE) to the output. */
static void put(gen *g, const char *s, size_t n)
{
    if (g->len + n > OUTBUF_SIZE)
        flush_out(g);
    memcpy(g->buf + g->len, s, n);
    g->len += n;
}

/* Append the decimal form of v to p; returns the new end. */
static char *put_int(char *p, int64_t v)
{
    char tmp[24];
    int n = 0;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    if (v < 0)
        *p++ = '-';
    do {
        tmp[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    while (n)
        *p++ = tmp[--n];
    return p;
}

/* Write v as n decimal digits (zero-padded) at p. */
static void put_digits(char *p, int v, int n)
{
    while (n--) {
        p[n] = (char)('0' + v % 10);
        v /= 10;
    }
}

/* Advance g->date ("YYYY-MM-DD") by one day. */
static void next_date(gen *g)
{
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int y = g->year, leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (++g->day > mdays[g->month - 1] + (g->month == 2 && leap)) {
        g->day = 1;
        if (++g->month > 12)
            g->month = 1, g->year++;
    }
    put_digits(g->date, g->year, 4);
    g->date[4] = '-';
    put_digits(g->date + 5, g->month, 2);
    g->date[7] = '-';
    put_digits(g->date + 8, g->day, 2);
}

/* Copy src, lower-cased, into dst of size n (truncating). */
static void lower_copy(char *dst, size_t n, const char *src)
{
    size_t i = 0;
    for (; src[i] && i + 1 < n; i++)
        dst[i] = (char)tolower((unsigned char)src[i]);
    dst[i] = 0;
}

/* Fill a country's fixed text (quoted where CSV needs it) and its model. */
static void init_country(gen *g, country *c, const country_def *def)
{
    const char *q = strchr(def->name, ',') ? "\"" : "";
    char lower[8], region[8];
    lower_copy(lower, sizeof lower, def->code);
    lower_copy(region, sizeof region, def->region);
    c->prefix_len = (size_t)snprintf(c->prefix, sizeof c->prefix, ",%s,%s%s%s,%s,",
                                     def->code, q, def->name, q, def->region);
    c->url_len = (size_t)snprintf(c->url, sizeof c->url,
                                  ",https://covid19.who.int/region/%s/country/%s,",
                                  region, lower);
    static const int64_t peaks[] = {3, 30, 300, 3000, 30000, 120000};
    c->peak = 1 + below(g, peaks[below(g, 6)]);
    c->death_pm = 3 + below(g, 18);
    c->period = 120 + below(g, 180);
    c->shift = below(g, c->period);
    c->weekly = chance(g, 25000);
}

/* New cases for a country on day d before reporting rules: a wave whose
** height is peak * x^2 (x the distance into the half-wave), with noise. */
static int64_t wave_cases(gen *g, const country *c, int64_t d)
{
    if (d < 20 + c->shift / 4)       /* the first weeks are quiet */
        return 0;
    int64_t half = c->period / 2, ph = (d + c->shift) % c->period;
    int64_t x = ph < half ? ph : c->period - ph;
    int64_t v = c->peak * x * x / (half * half);
    return v * (700 + below(g, 600)) / 1000 + (below(g, 4) == 0);
}

/* Write the counts of one row into p: New_cases, Cumulative_cases,
** New_deaths, Cumulative_deaths. Updates the running totals. */
static char *put_counts(gen *g, country *c, int64_t d, char *p)
{
    int64_t cases = wave_cases(g, c, d);
    int64_t deaths = (cases * c->death_pm + below(g, 1000)) / 1000;
    c->held_cases += cases;
    c->held_deaths += deaths;
    if (c->weekly && d % 7 != 0)
        cases = deaths = 0;
    else {
        cases = c->held_cases, deaths = c->held_deaths;
        c->held_cases = c->held_deaths = 0;
    }
    if (c->cum_cases > 100 && chance(g, 50))   /* a correction */
        cases = -below(g, c->cum_cases / 100 + 1);
    bool blank_cases = chance(g, 1000), blank_deaths = chance(g, 1000);
    if (blank_cases)
        cases = 0;
    if (blank_deaths)
        deaths = 0;
    c->cum_cases += cases;
    c->cum_deaths += deaths;
    if (!blank_cases)
        p = put_int(p, cases);
    *p++ = ',';
    p = put_int(p, c->cum_cases);
    *p++ = ',';
    if (!blank_deaths)
        p = put_int(p, deaths);
    *p++ = ',';
    return put_int(p, c->cum_deaths);
}

/* Format one row for country c on day d into line; returns its length. */
static size_t format_row(gen *g, country *c, int64_t d, char *line)
{
    char *p = line;
    memcpy(p, g->date, 10);
    p += 10;
    memcpy(p, c->prefix, c->prefix_len);
    p += c->prefix_len;
    p = put_counts(g, c, d, p);
    memcpy(p, c->url, c->url_len);
    p += c->url_len;
    if (chance(g, 3000)) {
        const char *n = notes[below(g, NNOTES)];
        size_t nl = strlen(n);
        memcpy(p, n, nl);
        p += nl;
    }
    *p++ = '\r';
    *p++ = '\n';
    return (size_t)(p - line);
}

/* Write rows data rows (duplicates included) after the header. */
static void generate(gen *g, int64_t rows)
{
    char line[ROW_MAX];
    int64_t written = 0, i = 0;
    put(g, HEADER, sizeof HEADER - 1);
    while (written < rows) {
        if (g->dup_wait == 0) {
            put(g, g->dup, g->dup_len);
            g->dup_wait = -1;
            written++;
            continue;
        }
        int64_t d = i / (int64_t)NCOUNTRIES, k = i % (int64_t)NCOUNTRIES;
        if (k == 0)
            next_date(g);
        size_t n = format_row(g, &g->c[k], d, line);
        put(g, line, n);
        written++, i++;
        if (g->dup_wait > 0)
            g->dup_wait--;
        else if (chance(g, 2050)) {
            memcpy(g->dup, line, n);
            g->dup_len = n;
            g->dup_wait = (int)below(g, 4);
        }
    }
    flush_out(g);
}

/* Parse a non-negative decimal count; false if s is not one. */
static bool parse_count(const char *s, uint64_t max, uint64_t *out)
{
    char *end;
    if (*s < '0' || *s > '9')
        return false;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end || v > max)
        return false;
    *out = v;
    return true;
}

/* Open path as a zip archive with one entry, the CSV, ready for data. */
static struct archive *zip_open(const char *path)
{
    struct archive *a = archive_write_new();
    struct archive_entry *e = archive_entry_new();
    if (!a || !e || archive_write_set_format_zip(a) != ARCHIVE_OK ||
        archive_write_open_filename(a, path) != ARCHIVE_OK) {
        fprintf(stderr, "gen_who: cannot create '%s': %s\n", path,
                a ? archive_error_string(a) : "out of memory");
        exit(1);
    }
    archive_entry_set_pathname(e, "WHO-COVID-19-global-daily-data.csv");
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    archive_entry_set_mtime(e, 1577836800, 0); /* 2020-01-01: same bytes every run */
    if (archive_write_header(a, e) != ARCHIVE_OK) {
        fprintf(stderr, "gen_who: zip header: %s\n", archive_error_string(a));
        exit(1);
    }
    archive_entry_free(e);
    return a;
}

/* True if name ends in ".zip". */
static bool is_zip_name(const char *name)
{
    size_t n = strlen(name);
    return n > 4 && strcmp(name + n - 4, ".zip") == 0;
}

/* Open the output named on the command line into g. */
static void open_output(gen *g, const char *name)
{
    if (is_zip_name(name)) {
        g->zip = zip_open(name);
        return;
    }
    g->out = strcmp(name, "-") == 0 ? stdout : fopen(name, "wb");
    if (!g->out) {
        fprintf(stderr, "gen_who: cannot create '%s': %s\n", name, strerror(errno));
        exit(1);
    }
}

/* Finish the output; exits 1 on a write error. */
static void close_output(gen *g)
{
    if (g->zip) {
        if (archive_write_close(g->zip) != ARCHIVE_OK) {
            fprintf(stderr, "gen_who: zip write failed: %s\n", archive_error_string(g->zip));
            exit(1);
        }
        archive_write_free(g->zip);
        return;
    }
    if (g->out != stdout ? fclose(g->out) != 0 : fflush(stdout) != 0) {
        fprintf(stderr, "gen_who: write failed: %s\n", strerror(errno));
        exit(1);
    }
}

int main(int argc, char **argv)
{
    uint64_t rows, seed = 1;
    if (argc < 3 || argc > 4 || !parse_count(argv[1], ROWS_MAX, &rows) ||
        (argc == 4 && !parse_count(argv[3], UINT64_MAX, &seed))) {
        fprintf(stderr, "usage: gen_who ROWS OUTPUT [SEED]\n"
                        "  writes ROWS WHO-shaped CSV rows (ROWS <= 500000000) to OUTPUT"
                        " ('-' for stdout; a name ending in .zip gets a zip archive);"
                        " SEED default 1\n");
        return 2;
    }
    static gen g;
    open_output(&g, argv[2]);
    g.buf = malloc(OUTBUF_SIZE);
    if (!g.buf) {
        fprintf(stderr, "gen_who: out of memory\n");
        return 1;
    }
    uint64_t x = seed;
    for (int i = 0; i < 4; i++)
        g.s[i] = splitmix64(&x);
    for (size_t k = 0; k < NCOUNTRIES; k++)
        init_country(&g, &g.c[k], &countries[k]);
    g.dup_wait = -1;
    g.year = 2020, g.month = 1, g.day = 2;   /* the day before the first */
    generate(&g, (int64_t)rows);
    close_output(&g);
    free(g.buf);
    return 0;
}
