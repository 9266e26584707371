// tests/interop/query_duckdb.mjs: `tarn query` against DuckDB over the same
// files.
//
// usage: node tests/interop/query_duckdb.mjs TARN
//
// Builds a temporary home: the reference pipeline (the four stacks of
// examples/etl-poc/cloudformation over a 30,000-row WHO-shaped zip from
// build/gen_who, then `tarn workflow run etl-workflow`), giving
// etl_poc.raw_who_covid (CSV), silver_who_covid (Parquet) and
// gold_who_covid (Parquet, partitioned by country); plus the interop table
// set: Parquet files from ../shared/testdata/parquet-testing/data copied
// with `tarn s3 cp` into a bucket of the home, one folder each, which the
// crawler of query_duckdb/interop-tables.yml registers as etl_poc.pq_*.
//
// Then runs every query of QUERIES with `tarn query --format csv` and the
// same SQL (or its DuckDB spelling, where the dialects differ) in DuckDB over
// the same files: read_parquet for silver and the interop tables,
// read_parquet with hive_partitioning for gold, read_csv for raw. Answers are
// compared row by row: in order when the query ends in ORDER BY, as sorted
// multisets otherwise; numbers to 1e-9 relative; dates and timestamps as ISO
// text (timestamps with six fraction digits); NULL only equals NULL; the
// column count, and every column name tarn gives (not Athena's _colN),
// equal DuckDB's. Where DuckDB's semantics differ from Trino's (integer
// division, date_diff, CAST of a DOUBLE to BIGINT, count_if over no rows,
// regexp_extract without a match...), the DuckDB spelling says so and gets
// Trino's answer. Last, `tarn query` on a terminal (through script(1)) must
// print a boxed table of DuckDB's rows with the row count and the figures
// below it. The expected answers come from DuckDB only. Prints `ok - ...` /
// `not ok - ...` per check and exits non-zero on any failure.
import { DuckDBInstance } from '@duckdb/node-api';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const tarnArg = process.argv[2];
if (!tarnArg) {
  console.error('usage: node tests/interop/query_duckdb.mjs TARN');
  process.exit(2);
}
const tarn = resolve(tarnArg);
const root = resolve(here, '..', '..');
const CFN = join(root, 'examples', 'etl-poc', 'cloudformation');
const PQ = resolve(root, '..', 'shared', 'testdata', 'parquet-testing', 'data');
const ROWS = 30000;
const work = mkdtempSync(join(tmpdir(), 'tarn-query-duckdb-'));
const home = join(work, 'home');
const BUCKETS = join(home, 'buckets');
const INTEROP_BUCKET = 'tarn-interop-parquet';

// The interop table set: table (after the crawler's pq_ prefix) -> file.
const INTEROP = {
  alltypes_tiny_pages: 'alltypes_tiny_pages.parquet',
  alltypes_plain: 'alltypes_plain.parquet',
  customers: 'delta_encoding_optional_column.parquet',
  bloom: 'data_index_bloom_encoding_stats.parquet',
  int32_decimal: 'int32_decimal.parquet',
  lz4_raw: 'lz4_raw_compressed.parquet',
};

function run(args) {
  return execFileSync(tarn, ['--home', home, ...args], {
    maxBuffer: 1 << 30, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'],
  });
}

// ---- the temp home ----

function buildHome() {
  const zip = join(work, 'who.zip');
  execFileSync(join(dirname(tarn), 'gen_who'), [String(ROWS), zip, '3'], { stdio: 'ignore' });
  for (const s of ['basic-infra', 'glue-jobs', 'glue-catalog', 'glue-workflow']) {
    const extra = s === 'glue-jobs' ? ['--parameter', `SourceUrl=file://${zip}`] : [];
    run(['stack', 'deploy', s, '--template', join(CFN, `${s}.yml`),
      '--parameters', join(CFN, `${s}.json`), ...extra]);
  }
  run(['workflow', 'run', 'etl-workflow']);
  run(['stack', 'deploy', 'interop-tables', '--template',
    join(here, 'query_duckdb', 'interop-tables.yml'), '--parameter', `BucketName=${INTEROP_BUCKET}`]);
  for (const [t, f] of Object.entries(INTEROP))
    run(['s3', 'cp', join(PQ, f), `s3://${INTEROP_BUCKET}/${t}/${f}`]);
  run(['crawler', 'run', 'interop-crawler']);
}

// DuckDB views with the catalog's table names over the same files.
async function duckViews(con) {
  const b = (bucket, key) => join(BUCKETS, bucket, key).replace(/'/g, "''");
  const views = {
    silver_who_covid: `read_parquet('${b('etl-poc-data-silver', 'who_covid')}/*.parquet')`,
    gold_who_covid: `read_parquet('${b('etl-poc-data-gold', 'who_covid')}/*/*.parquet', hive_partitioning = true, hive_types = {'country': VARCHAR})`,
    raw_who_covid: `read_csv('${b('etl-poc-data-raw', 'who_covid')}/*.csv', header = true, columns = {
      'date_reported': 'VARCHAR', 'country_code': 'VARCHAR', 'country': 'VARCHAR',
      'who_region': 'VARCHAR', 'new_cases': 'BIGINT', 'cumulative_cases': 'BIGINT',
      'new_deaths': 'BIGINT', 'cumulative_deaths': 'BIGINT', 'source url': 'VARCHAR',
      'notes': 'VARCHAR'})`,
  };
  for (const [t, f] of Object.entries(INTEROP))
    views[`pq_${t}`] = `read_parquet('${join(PQ, f)}', binary_as_string = true)`;
  for (const [name, src] of Object.entries(views))
    await con.run(`CREATE VIEW ${name} AS SELECT * FROM ${src}`);
}

// ---- the queries ----
// Each: name, sql (tarn's, Athena dialect), duck (DuckDB's spelling when it
// differs). Integer division, date arithmetic and a few function names are
// what differ.
const Q = (name, sql, duck) => ({ name, sql, duck: duck ?? sql });
const S = 'silver_who_covid', G = 'gold_who_covid', R = 'raw_who_covid';
const TP = 'pq_alltypes_tiny_pages', CU = 'pq_customers';
const QUERIES = [
  // filters and aggregates
  Q('count silver', `SELECT count(*) FROM ${S}`),
  Q('filter AND, sum', `SELECT count(*), sum(new_cases) FROM ${S} WHERE who_region = 'EURO' AND new_cases > 100`),
  Q('group by region', `SELECT who_region, count(*), sum(new_cases), max(cumulative_deaths), min(date_reported) FROM ${S} GROUP BY who_region`),
  Q('having avg', `SELECT country_code, avg(new_deaths), count(*) FROM ${S} GROUP BY country_code HAVING count(*) > 125 AND avg(new_deaths) > 1`),
  Q('order by desc limit', `SELECT country, date_reported, new_cases FROM ${S} ORDER BY new_cases DESC, country, date_reported LIMIT 10`),
  Q('distinct', `SELECT DISTINCT who_region FROM ${S}`),
  Q('count distinct', `SELECT count(DISTINCT country), count(DISTINCT country_code), count(DISTINCT date_reported) FROM ${S}`),
  Q('IN list and BETWEEN', `SELECT country_code, sum(new_deaths) FROM ${S} WHERE country_code IN ('FR', 'DE', 'IT', 'ES') AND new_cases BETWEEN 10 AND 5000 GROUP BY country_code`),
  Q('OR of two columns', `SELECT count(*), sum(new_cases) FROM ${S} WHERE who_region = 'AFRO' OR new_deaths > 200`),
  // NULL handling
  Q('count(col) with NULLs', `SELECT count(*), count(notes), count(*) - count(notes) FROM ${S}`),
  Q('coalesce', `SELECT coalesce(notes, '(none)') AS n, count(*) FROM ${S} GROUP BY 1`),
  Q('IS NULL / IS NOT NULL', `SELECT sum(CASE WHEN notes IS NULL THEN 1 ELSE 0 END), count_if(notes IS NOT NULL AND new_cases = 0) FROM ${S}`),
  Q('NULL comparisons are unknown', `SELECT count(*) FROM ${S} WHERE notes <> 'x' OR notes = 'x'`),
  // LIKE, CASE, strings
  Q('LIKE prefix', `SELECT count(*), count(DISTINCT country) FROM ${S} WHERE country LIKE 'S%'`),
  Q('LIKE infix, _ and NOT LIKE', `SELECT DISTINCT country FROM ${S} WHERE country LIKE '%land%' AND country NOT LIKE '_reland'`),
  Q('LIKE is case-sensitive', `SELECT count(*) FROM ${S} WHERE country LIKE 'france'`),
  Q('CASE buckets', `SELECT CASE WHEN new_cases = 0 THEN 'none' WHEN new_cases < 100 THEN 'few' ELSE 'many' END AS b, count(*) FROM ${S} GROUP BY 1`),
  Q('string functions', `SELECT lower(country), upper(who_region), length(country), substr(country, 2, 3), concat(country_code, '-', who_region), reverse(country_code) FROM ${S} WHERE date_reported = DATE '2020-06-01'`),
  Q('split_part, strpos, replace, trim', `SELECT split_part(source_url, '/', 5), strpos(country, 'a'), replace(country, ' ', '_'), trim('  ' || country_code || '  '), ltrim('  x'), rpad(country_code, 4, '*') FROM ${S} WHERE date_reported = DATE '2020-06-02'`),
  Q('regexp_like, regexp_extract', `SELECT country, regexp_extract(source_url, 'country/([a-z]+)', 1) FROM ${S} WHERE regexp_like(country, '^[A-C].*a$') AND date_reported = DATE '2020-07-01'`,
    `SELECT country, regexp_extract(source_url, 'country/([a-z]+)', 1) FROM ${S} WHERE regexp_matches(country, '^[A-C].*a$') AND date_reported = DATE '2020-07-01'`),
  // dates
  Q('DATE literal range', `SELECT count(*), sum(new_cases) FROM ${S} WHERE date_reported BETWEEN DATE '2020-03-01' AND DATE '2020-03-31'`),
  Q('year and month', `SELECT year(date_reported) AS y, month(date_reported) AS m, sum(new_cases) FROM ${S} GROUP BY 1, 2`),
  Q('date_trunc month', `SELECT date_trunc('month', date_reported) AS m, count(*) FROM ${S} GROUP BY 1`,
    `SELECT CAST(date_trunc('month', date_reported) AS DATE) AS m, count(*) FROM ${S} GROUP BY 1`),
  Q('date_add', `SELECT count(*) FROM ${S} WHERE date_reported > date_add('day', 30, DATE '2020-01-03')`,
    `SELECT count(*) FROM ${S} WHERE date_reported > DATE '2020-01-03' + INTERVAL 30 DAY`),
  Q('date_add in select', `SELECT DISTINCT date_add('month', 1, date_reported) FROM ${S} WHERE date_reported >= DATE '2020-01-28' AND date_reported < DATE '2020-02-03'`,
    `SELECT DISTINCT CAST(date_reported + INTERVAL 1 MONTH AS DATE) FROM ${S} WHERE date_reported >= DATE '2020-01-28' AND date_reported < DATE '2020-02-03'`),
  Q('date_diff', `SELECT min(date_diff('day', DATE '2020-01-01', date_reported)), max(date_diff('day', DATE '2020-01-01', date_reported)), max(date_diff('month', DATE '2020-01-15', date_reported)) FROM ${S}`,
    // Trino counts whole months; DuckDB's date_diff counts month boundaries, its date_sub whole months.
    `SELECT min(date_diff('day', DATE '2020-01-01', date_reported)), max(date_diff('day', DATE '2020-01-01', date_reported)), max(date_sub('month', DATE '2020-01-15', date_reported)) FROM ${S}`),
  Q('day_of_week', `SELECT day_of_week(date_reported) AS d, count(*) FROM ${S} GROUP BY 1`,
    `SELECT isodow(date_reported) AS d, count(*) FROM ${S} GROUP BY 1`),
  Q('date_format', `SELECT date_format(date_reported, '%Y-%m') AS ym, sum(new_deaths) FROM ${S} GROUP BY 1`,
    `SELECT strftime(date_reported, '%Y-%m') AS ym, sum(new_deaths) FROM ${S} GROUP BY 1`),
  Q('CAST', `SELECT CAST(new_cases AS DOUBLE) / 3, CAST(date_reported AS VARCHAR), CAST('2020-05-01' AS DATE), CAST(new_deaths AS VARCHAR) || 'd', CAST('12' AS BIGINT) + 1 FROM ${S} WHERE country_code = 'FR' ORDER BY date_reported LIMIT 5`),
  Q('integer division and modulo', `SELECT new_cases / 7, new_cases % 7 FROM ${S} WHERE country_code = 'DE' AND new_cases > 0 ORDER BY date_reported LIMIT 8`,
    `SELECT new_cases // 7, new_cases % 7 FROM ${S} WHERE country_code = 'DE' AND new_cases > 0 ORDER BY date_reported LIMIT 8`),
  // math and aggregates
  Q('round, greatest, least, power, ln', `SELECT who_region, round(avg(new_cases), 2), greatest(max(new_cases), max(new_deaths)), least(min(new_cases), 0), power(2, 10), round(ln(sum(new_cases) + 1), 6) FROM ${S} GROUP BY who_region`),
  Q('stddev and variance', `SELECT who_region, stddev(new_cases), variance(new_deaths), stddev_pop(new_cases) FROM ${S} GROUP BY who_region`),
  Q('approx_distinct (exact below 1024)', `SELECT who_region, approx_distinct(country), approx_distinct(date_reported) FROM ${S} GROUP BY who_region`,
    `SELECT who_region, count(DISTINCT country), count(DISTINCT date_reported) FROM ${S} GROUP BY who_region`),
  Q('count_if', `SELECT count_if(new_cases > 1000), count_if(new_deaths = 0) FROM ${S}`),
  // windows
  Q('row_number top 2 per country', `SELECT country, date_reported, new_cases, rn FROM (SELECT country, date_reported, new_cases, row_number() OVER (PARTITION BY country ORDER BY new_cases DESC, date_reported) AS rn FROM ${S} WHERE who_region = 'AFRO') t WHERE rn <= 2`),
  Q('rank over aggregate', `SELECT country, sum(new_cases) AS total, rank() OVER (ORDER BY sum(new_cases) DESC) AS r FROM ${S} GROUP BY country ORDER BY r, country LIMIT 20`),
  Q('dense_rank with ties', `SELECT who_region, new_deaths, dense_rank() OVER (PARTITION BY who_region ORDER BY new_deaths DESC) FROM (SELECT DISTINCT who_region, new_deaths FROM ${S}) t`),
  Q('lag', `SELECT country_code, date_reported, new_cases - lag(new_cases) OVER (PARTITION BY country_code ORDER BY date_reported) FROM ${S} WHERE country_code IN ('FR', 'DE')`),
  Q('lead with default', `SELECT country_code, date_reported, lead(new_cases, 2, -1) OVER (PARTITION BY country_code ORDER BY date_reported) FROM ${S} WHERE country_code = 'BR'`),
  Q('running sum', `SELECT country_code, date_reported, sum(new_cases) OVER (PARTITION BY country_code ORDER BY date_reported ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) FROM ${S} WHERE who_region = 'WPRO'`),
  Q('moving average', `SELECT date_reported, avg(new_cases) OVER (ORDER BY date_reported ROWS BETWEEN 6 PRECEDING AND CURRENT ROW) FROM ${S} WHERE country_code = 'IN'`),
  // CTEs, unions, subqueries
  Q('CTE joined', `WITH m AS (SELECT country, max(cumulative_cases) AS c FROM ${S} GROUP BY country), r AS (SELECT DISTINCT country, who_region FROM ${S}) SELECT r.who_region, sum(m.c), count(*) FROM m JOIN r ON m.country = r.country GROUP BY r.who_region`),
  Q('UNION', `SELECT country_code FROM ${S} WHERE who_region = 'EURO' UNION SELECT country_code FROM ${S} WHERE new_deaths > 100`),
  Q('UNION ALL', `SELECT 'silver' AS t, count(*) FROM ${S} UNION ALL SELECT 'gold', count(*) FROM ${G} UNION ALL SELECT 'raw', count(*) FROM ${R}`),
  Q('IN subquery', `SELECT count(*) FROM ${S} WHERE country IN (SELECT country FROM ${G} WHERE new_deaths > 500)`),
  Q('scalar subquery in HAVING', `SELECT country, max(new_cases) FROM ${S} GROUP BY country HAVING max(new_cases) > (SELECT avg(new_cases) * 50 FROM ${S})`),
  Q('correlated EXISTS', `SELECT count(*) FROM ${S} s WHERE s.date_reported = DATE '2020-06-01' AND EXISTS (SELECT 1 FROM ${G} g WHERE g.country = s.country AND g.new_deaths > 1000)`),
  // gold: partitions and joins
  Q('gold partition filter', `SELECT count(*), sum(new_cases), max(date_reported) FROM ${G} WHERE country = 'France'`),
  Q('gold partition IN', `SELECT country, count(*), sum(new_deaths) FROM ${G} WHERE country IN ('Japan', 'Brazil', 'Côte d’Ivoire', 'Curaçao') GROUP BY country`),
  Q('gold partition with apostrophe', `SELECT country, count(*) FROM ${G} WHERE country LIKE 'Democratic People%' GROUP BY country`),
  Q('gold partition and date range', `SELECT sum(new_deaths), count(*) FROM ${G} WHERE country = 'India' AND date_reported >= DATE '2021-01-01' AND date_reported < DATE '2021-04-01'`),
  Q('gold partition LIKE group by', `SELECT country, max(cumulative_cases) FROM ${G} WHERE country LIKE 'United%' GROUP BY country`),
  Q('gold per-country totals order by', `SELECT country, sum(new_cases) AS c FROM ${G} GROUP BY country ORDER BY c DESC, country LIMIT 15`),
  Q('silver join gold', `SELECT s.country, count(*), sum(s.new_cases - g.new_cases) FROM ${S} s JOIN ${G} g ON s.country = g.country AND s.date_reported = g.date_reported WHERE s.who_region = 'SEARO' GROUP BY s.country`),
  Q('silver left join gold (no match)', `SELECT count(*), count(g.country) FROM ${S} s LEFT JOIN ${G} g ON g.country = s.country AND g.date_reported = s.date_reported AND g.new_cases > 100000 WHERE s.country_code IN ('FR', 'US')`),
  Q('self-join next day', `SELECT a.country_code, count(*), sum(b.new_cases - a.new_cases) FROM ${S} a JOIN ${S} b ON a.country_code = b.country_code AND b.date_reported = date_add('day', 1, a.date_reported) WHERE a.who_region = 'EMRO' GROUP BY a.country_code`,
    `SELECT a.country_code, count(*), sum(b.new_cases - a.new_cases) FROM ${S} a JOIN ${S} b ON a.country_code = b.country_code AND b.date_reported = a.date_reported + 1 WHERE a.who_region = 'EMRO' GROUP BY a.country_code`),
  // raw (CSV)
  Q('raw counts', `SELECT count(*), count(notes), sum(new_cases), count(DISTINCT "source url") FROM ${R}`),
  Q('raw duplicates dropped by silver', `SELECT (SELECT count(*) FROM ${R}) - (SELECT count(*) FROM ${S})`),
  Q('raw string date LIKE', `SELECT who_region, count(*) FROM ${R} WHERE date_reported LIKE '2020-03%' GROUP BY 1`),
  Q('raw to silver by region', `SELECT r.who_region, r.n - s.n FROM (SELECT who_region, count(*) AS n FROM ${R} GROUP BY 1) r JOIN (SELECT who_region, count(*) AS n FROM ${S} GROUP BY 1) s ON r.who_region = s.who_region`),
  // the interop table set
  Q('alltypes aggregates by bool', `SELECT bool_col, count(*), sum(int_col), sum(bigint_col), avg(double_col), min(float_col), max(tinyint_col), sum(smallint_col) FROM ${TP} GROUP BY bool_col`),
  Q('alltypes timestamps', `SELECT min(timestamp_col), max(timestamp_col), count(DISTINCT date_string_col), count(DISTINCT CAST(timestamp_col AS DATE)) FROM ${TP}`),
  Q('text that reads as a number stays text', `SELECT count(*) FROM ${TP} WHERE string_col IN ('1.0', '01') OR id < 0`),
  Q('text compare inside OR', `SELECT count(*), sum(id) FROM ${TP} WHERE string_col = '1' OR (string_col > '10' AND id < 100)`),
  Q('alltypes year/month top', `SELECT year, month, count(*), sum(tinyint_col) FROM ${TP} GROUP BY year, month ORDER BY year, month LIMIT 5`),
  Q('alltypes window', `SELECT id, string_col, sum(smallint_col) OVER (PARTITION BY string_col ORDER BY id ROWS UNBOUNDED PRECEDING) FROM ${TP} WHERE month = 2 AND year = 2010 ORDER BY id LIMIT 20`),
  Q('timestamp date_trunc and hour', `SELECT date_trunc('month', timestamp_col) AS m, count(*), max(hour(timestamp_col)) FROM ${TP} WHERE year = 2009 GROUP BY 1`),
  Q('timestamp range literal', `SELECT count(*) FROM ${TP} WHERE timestamp_col >= TIMESTAMP '2009-06-01 00:00:00' AND timestamp_col < TIMESTAMP '2009-07-01 00:00:00'`),
  Q('CAST on alltypes', `SELECT id, CAST(id AS VARCHAR) || '-' || string_col, CAST(double_col AS BIGINT), CAST(float_col AS VARCHAR) IS NOT NULL, CAST(bool_col AS VARCHAR) FROM ${TP} WHERE id < 12`,
    // Trino rounds a DOUBLE half away from zero (50.5 -> 51); DuckDB's CAST rounds half to even, its round() away from zero.
    `SELECT id, CAST(id AS VARCHAR) || '-' || string_col, CAST(round(double_col) AS BIGINT), CAST(float_col AS VARCHAR) IS NOT NULL, CAST(bool_col AS VARCHAR) FROM ${TP} WHERE id < 12`),
  Q('alltypes_plain', `SELECT id, bool_col, tinyint_col, float_col, double_col, date_string_col, string_col, timestamp_col FROM pq_alltypes_plain`),
  Q('customers NULL counts', `SELECT count(*), count(c_salutation), count(c_birth_year), sum(coalesce(c_birth_year, 0)), count(c_email_address) FROM ${CU}`),
  Q('customers IS NULL OR', `SELECT c_customer_id FROM ${CU} WHERE c_first_name IS NULL OR c_birth_country = 'CHILE'`),
  Q('customers group by with NULL key', `SELECT c_birth_country, count(*) FROM ${CU} GROUP BY 1`),
  Q('customers CASE on NULL', `SELECT CASE WHEN c_preferred_cust_flag = 'Y' THEN 'y' WHEN c_preferred_cust_flag IS NULL THEN 'null' ELSE 'n' END, count(*) FROM ${CU} GROUP BY 1`),
  Q('customers NULLS LAST by default', `SELECT c_customer_sk, c_birth_year FROM ${CU} ORDER BY c_birth_year, c_customer_sk LIMIT 12`),
  Q('customers DESC puts NULLs first', `SELECT c_customer_sk, c_birth_year FROM ${CU} ORDER BY c_birth_year DESC, c_customer_sk LIMIT 12`),
  Q('bloom LIKE and length', `SELECT "string", length("string") FROM pq_bloom WHERE "string" LIKE '%e%'`),
  Q('decimal aggregates', `SELECT sum(value), min(value), max(value), avg(value), count(*) FROM pq_int32_decimal`),
  // more dialect corners
  Q('unicode upper, lower, reverse, length', `SELECT DISTINCT country, upper(country), lower(country), reverse(country), length(country), strpos(country, 'ç') FROM ${G} WHERE country IN ('Curaçao', 'Côte d’Ivoire', 'Türkiye', 'Réunion')`),
  Q('regexp_replace replaces all', `SELECT DISTINCT regexp_replace(country, '[aeiou]', '') FROM ${S} WHERE who_region = 'SEARO'`,
    `SELECT DISTINCT regexp_replace(country, '[aeiou]', '', 'g') FROM ${S} WHERE who_region = 'SEARO'`),
  Q('split_part past the end is NULL', `SELECT DISTINCT split_part(country, ' ', 3) FROM ${S} WHERE country LIKE 'United%'`,
    `SELECT DISTINCT nullif(split_part(country, ' ', 3), '') FROM ${S} WHERE country LIKE 'United%'`),
  Q('concat with NULL is NULL', `SELECT count(*), count(concat(country_code, notes)), count(country_code || notes) FROM ${S}`,
    `SELECT count(*), count(country_code || notes), count(country_code || notes) FROM ${S}`),
  Q('lpad, substr negative', `SELECT DISTINCT lpad(country_code, 5, '0'), substr(country, -3), substr(country, 2) FROM ${S} WHERE who_region = 'EMRO'`),
  Q('date_trunc week and quarter', `SELECT date_trunc('week', date_reported), date_trunc('quarter', date_reported), count(*) FROM ${S} WHERE country_code = 'FR' GROUP BY 1, 2`,
    `SELECT CAST(date_trunc('week', date_reported) AS DATE), CAST(date_trunc('quarter', date_reported) AS DATE), count(*) FROM ${S} WHERE country_code = 'FR' GROUP BY 1, 2`),
  Q('EXTRACT and day_of_year', `SELECT EXTRACT(YEAR FROM date_reported), EXTRACT(MONTH FROM date_reported), day_of_year(date_reported), week(date_reported) FROM ${S} WHERE country_code = 'JP' ORDER BY date_reported LIMIT 40`,
    `SELECT EXTRACT(YEAR FROM date_reported), EXTRACT(MONTH FROM date_reported), dayofyear(date_reported), week(date_reported) FROM ${S} WHERE country_code = 'JP' ORDER BY date_reported LIMIT 40`),
  Q('date minus INTERVAL', `SELECT DISTINCT date_reported - INTERVAL '7' DAY, date_reported + INTERVAL '1' MONTH FROM ${S} WHERE date_reported BETWEEN DATE '2020-02-27' AND DATE '2020-03-02'`,
    `SELECT DISTINCT CAST(date_reported - INTERVAL 7 DAY AS DATE), CAST(date_reported + INTERVAL 1 MONTH AS DATE) FROM ${S} WHERE date_reported BETWEEN DATE '2020-02-27' AND DATE '2020-03-02'`),
  Q('from_iso8601_date and DATE compare', `SELECT count(*) FROM ${S} WHERE date_reported >= from_iso8601_date('2020-04-15')`,
    `SELECT count(*) FROM ${S} WHERE date_reported >= DATE '2020-04-15'`),
  Q('timestamp date_format and CAST AS DATE', `SELECT id, date_format(timestamp_col, '%Y-%m-%d %H:%i:%s'), CAST(timestamp_col AS DATE), minute(timestamp_col), second(timestamp_col) FROM ${TP} WHERE id < 30`,
    `SELECT id, strftime(timestamp_col, '%Y-%m-%d %H:%M:%S'), CAST(timestamp_col AS DATE), minute(timestamp_col), second(timestamp_col) FROM ${TP} WHERE id < 30`),
  Q('boolean column filters', `SELECT count_if(bool_col), count(*) FROM ${TP} WHERE NOT bool_col OR bool_col = true`),
  Q('boolean expression in select', `SELECT id, id > 5, string_col = '3', bool_col AND id > 3 FROM ${TP} WHERE id < 10`),
  Q('CAST boolean to VARCHAR', `SELECT id, CAST(bool_col AS VARCHAR) FROM ${TP} WHERE id < 6`),
  Q('CAST double to BIGINT rounds', `SELECT CAST(3.7 AS BIGINT), CAST(-2.5 AS BIGINT), CAST(2.5 AS BIGINT), CAST('42' AS INTEGER), CAST(7 AS DOUBLE) / 2`),
  Q('TRY_CAST and TRY', `SELECT TRY_CAST('x1' AS BIGINT), TRY(CAST('12' AS BIGINT)), TRY_CAST('2020-02-30' AS DATE)`,
    `SELECT TRY_CAST('x1' AS BIGINT), TRY_CAST('12' AS BIGINT), TRY_CAST('2020-02-30' AS DATE)`),
  Q('CAST to DECIMAL', `SELECT CAST(double_col AS DECIMAL(10,2)), CAST('1.005' AS DECIMAL(10,2)) FROM ${TP} WHERE id < 4`),
  Q('IF, NULLIF, simple CASE', `SELECT IF(new_cases > 0, 'some', 'none'), nullif(new_deaths, 0), CASE who_region WHEN 'EURO' THEN 1 WHEN 'AFRO' THEN 2 ELSE 0 END FROM ${S} WHERE country_code IN ('FR', 'NG', 'US') AND date_reported = DATE '2020-05-05'`),
  Q('FILTER clause', `SELECT who_region, count(*) FILTER (WHERE new_cases > 0), sum(new_deaths) FILTER (WHERE country LIKE 'S%') FROM ${S} GROUP BY 1`),
  Q('IS DISTINCT FROM', `SELECT count(*) FROM ${CU} WHERE c_salutation IS DISTINCT FROM 'Mr.'`),
  Q('NOT IN with a NULL in the list', `SELECT count(*) FROM ${CU} WHERE c_birth_year NOT IN (SELECT c_birth_year FROM ${CU} WHERE c_birth_year < 1930 OR c_birth_year IS NULL)`),
  Q('INTERSECT and EXCEPT', `SELECT country FROM ${S} WHERE new_deaths > 300 INTERSECT SELECT country FROM ${G} WHERE who_region = 'EURO' EXCEPT SELECT country FROM ${S} WHERE country LIKE 'I%'`),
  Q('OFFSET before LIMIT (Trino)', `SELECT country, sum(new_cases) AS c FROM ${S} GROUP BY country ORDER BY c DESC, country OFFSET 5 LIMIT 3`,
    `SELECT country, sum(new_cases) AS c FROM ${S} GROUP BY country ORDER BY c DESC, country LIMIT 3 OFFSET 5`),
  Q('FETCH FIRST', `SELECT country_code FROM ${S} GROUP BY country_code ORDER BY country_code FETCH FIRST 4 ROWS ONLY`,
    `SELECT country_code FROM ${S} GROUP BY country_code ORDER BY country_code LIMIT 4`),
  Q('NULLS FIRST', `SELECT c_customer_sk, c_salutation FROM ${CU} ORDER BY c_salutation NULLS FIRST, c_customer_sk LIMIT 8`),
  Q('RANGE frame with peers (default)', `SELECT date_reported, sum(new_cases) OVER (ORDER BY date_reported) FROM ${S} WHERE who_region = 'EURO' AND date_reported < DATE '2020-02-15'`),
  Q('first_value, last_value, ntile, percent_rank', `SELECT country_code, date_reported, first_value(new_cases) OVER w, last_value(new_cases) OVER w, ntile(4) OVER w, percent_rank() OVER w FROM ${S} WHERE country_code IN ('KE', 'PE') WINDOW w AS (PARTITION BY country_code ORDER BY date_reported)`),
  Q('count over partition', `SELECT country, count(*) OVER (PARTITION BY who_region) FROM ${S} WHERE date_reported = DATE '2020-06-01'`),
  Q('approx_percentile median', `SELECT who_region, approx_percentile(new_cases, 0.5) FROM ${S} GROUP BY 1`,
    `SELECT who_region, quantile_disc(new_cases, 0.5) FROM ${S} GROUP BY 1`),
  Q('max_by and min_by', `SELECT country, max_by(date_reported, cumulative_cases), min_by(date_reported, cumulative_cases + 0 * length(notes)) FROM ${G} WHERE country IN ('Chile', 'Peru') GROUP BY country`,
    `SELECT country, arg_max(date_reported, cumulative_cases), arg_min(date_reported, cumulative_cases + 0 * length(notes)) FROM ${G} WHERE country IN ('Chile', 'Peru') GROUP BY country`),
  Q('date equals midnight TIMESTAMP', `SELECT count(*) FROM ${S} WHERE date_reported = TIMESTAMP '2020-03-01 00:00:00'`),
  Q('date at or after a midnight TIMESTAMP', `SELECT count(*), min(date_reported) FROM ${S} WHERE date_reported >= TIMESTAMP '2020-03-01 00:00:00' AND date_reported <= TIMESTAMP '2020-03-03 00:00:00.000'`),
  Q('timestamp equals a DATE', `SELECT count(*) FROM pq_alltypes_plain WHERE timestamp_col = DATE '2009-03-01' OR timestamp_col IN (DATE '2009-04-01', DATE '2009-02-01') UNION ALL SELECT count(*) FROM ${TP} WHERE timestamp_col >= DATE '2009-01-01' AND timestamp_col < DATE '2009-01-02'`),
  Q('date IN midnight TIMESTAMPs inside OR', `SELECT count(*) FROM ${S} WHERE date_reported IN (TIMESTAMP '2020-03-01 00:00:00', TIMESTAMP '2020-03-02 00:00:00') OR new_cases < 0`),
  Q('date below a noon TIMESTAMP', `SELECT count(*) FROM ${S} WHERE date_reported < TIMESTAMP '2020-01-05 12:00:00'`),
  Q('CAST date AS TIMESTAMP', `SELECT DISTINCT CAST(date_reported AS TIMESTAMP) FROM ${S} WHERE date_reported < DATE '2020-01-06'`),
  Q('timestamp arithmetic', `SELECT id, date_add('hour', 5, timestamp_col), timestamp_col + INTERVAL '90' MINUTE, date_diff('second', TIMESTAMP '2009-01-01 00:00:00', timestamp_col), date_trunc('day', timestamp_col) FROM ${TP} WHERE id < 15`,
    // Trino's date_diff counts whole units (DuckDB's date_sub); DuckDB's date_diff counts boundaries.
    `SELECT id, timestamp_col + INTERVAL 5 HOUR, timestamp_col + INTERVAL 90 MINUTE, date_sub('second', TIMESTAMP '2009-01-01 00:00:00', timestamp_col), date_trunc('day', timestamp_col) FROM ${TP} WHERE id < 15`),
  Q('date_parse and CAST of raw text dates', `SELECT date_parse(date_reported, '%Y-%m-%d'), CAST(date_reported AS DATE), count(*) FROM ${R} WHERE date_reported < '2020-01-08' GROUP BY 1, 2`,
    `SELECT strptime(date_reported, '%Y-%m-%d'), CAST(date_reported AS DATE), count(*) FROM ${R} WHERE date_reported < '2020-01-08' GROUP BY 1, 2`),
  Q('raw joined to silver on a cast date', `SELECT count(*), sum(s.new_cases) FROM ${R} r JOIN ${S} s ON s.country_code = r.country_code AND s.date_reported = CAST(r.date_reported AS DATE) WHERE r.who_region = 'EMRO'`),
  Q('last_day_of_month, quarter, day', `SELECT DISTINCT last_day_of_month(date_reported), quarter(date_reported), day(date_reported), day_of_month(date_reported) FROM ${S} WHERE date_reported IN (DATE '2020-02-10', DATE '2020-04-30', DATE '2020-12-31')`,
    `SELECT DISTINCT last_day(date_reported), quarter(date_reported), day(date_reported), dayofmonth(date_reported) FROM ${S} WHERE date_reported IN (DATE '2020-02-10', DATE '2020-04-30', DATE '2020-12-31')`),
  Q('date_format names', `SELECT DISTINCT date_format(date_reported, '%W %M %e %d/%m/%y %j') FROM ${S} WHERE date_reported BETWEEN DATE '2020-03-01' AND DATE '2020-03-09'`,
    `SELECT DISTINCT strftime(date_reported, '%A %B %-d %d/%m/%y %j') FROM ${S} WHERE date_reported BETWEEN DATE '2020-03-01' AND DATE '2020-03-09'`),
  Q('math functions', `SELECT DISTINCT abs(new_cases - 100), sign(new_cases - 100), mod(new_cases, 7), sqrt(new_cases), floor(new_cases / 3.0), ceil(new_cases / 3.0), truncate(new_cases / 7.0), exp(least(new_deaths, 5)), cbrt(new_cases) FROM ${S} WHERE country_code = 'CL' AND new_cases < 400`,
    `SELECT DISTINCT abs(new_cases - 100), sign(new_cases - 100), mod(new_cases, 7), sqrt(new_cases), floor(new_cases / 3.0), ceil(new_cases / 3.0), trunc(new_cases / 7.0), exp(least(new_deaths, 5)), cbrt(new_cases) FROM ${S} WHERE country_code = 'CL' AND new_cases < 400`),
  Q('empty aggregates', `SELECT count(*), sum(new_cases), avg(new_cases), max(country), count_if(new_cases > 0) FROM ${G} WHERE country = 'Nowhere'`,
    // Trino's count_if over no rows is 0 (a count); DuckDB's is NULL.
    `SELECT count(*), sum(new_cases), avg(new_cases), max(country), count(*) FILTER (WHERE new_cases > 0) FROM ${G} WHERE country = 'Nowhere'`),
  Q('partition OR and NOT', `SELECT count(*), count(DISTINCT country) FROM ${G} WHERE (country = 'France' OR country = 'Spain') AND NOT country = 'Spain' OR country <> country`),
  Q('partition key <>, IS NULL, function', `SELECT count(DISTINCT country), count_if(country IS NULL), count_if(lower(country) = 'france') FROM ${G} WHERE country <> 'France'`),
  Q('JOIN USING', `SELECT country, sum(g.new_cases), count(*) FROM ${S} s JOIN ${G} g USING (country, date_reported) WHERE country LIKE 'B%' GROUP BY country`),
  Q('anti-join LEFT JOIN IS NULL', `SELECT count(*) FROM ${S} s LEFT JOIN (SELECT DISTINCT country FROM ${G} WHERE who_region = 'EURO') e ON e.country = s.country WHERE e.country IS NULL`),
  Q('FULL OUTER JOIN', `SELECT a.c1, b.c1, a.n, b.n FROM (SELECT c1, count(*) AS n FROM pq_lz4_raw GROUP BY c1) a FULL OUTER JOIN (SELECT 'abc' AS c1, 1 AS n UNION ALL SELECT 'xyz', 2) b ON a.c1 = b.c1`),
  Q('CROSS JOIN', `SELECT l.c1, b."string" FROM pq_lz4_raw l CROSS JOIN pq_bloom b WHERE l.c0 = 1593604800 AND b."string" LIKE 'H%'`),
  Q('derived column aliases and VALUES', `SELECT t.k, t.v * 2 FROM (VALUES (1, 'a'), (2, 'b')) AS u(k, n) JOIN (SELECT id, int_col FROM ${TP} WHERE id < 3) AS t(k, v) ON t.k = u.k`),
  Q('LIKE ESCAPE', `SELECT count(*) FROM ${CU} WHERE c_email_address LIKE '%!_%' ESCAPE '!' OR c_email_address LIKE '%.org'`),
  Q('regexp_extract no match, strpos none', `SELECT DISTINCT regexp_extract(country, '([0-9]+)'), strpos(country, 'zzz'), upper(CAST(NULL AS VARCHAR)) FROM ${S} WHERE who_region = 'AFRO'`,
    // Trino's regexp_extract gives NULL without a match; DuckDB's gives ''.
    `SELECT DISTINCT nullif(regexp_extract(country, '([0-9]+)'), ''), strpos(country, 'zzz'), upper(CAST(NULL AS VARCHAR)) FROM ${S} WHERE who_region = 'AFRO'`),
  Q('GROUP BY expression, ORDER BY alias and ordinal', `SELECT substr(country, 1, 1) AS initial, count(*) AS n, sum(new_deaths) FROM ${S} GROUP BY substr(country, 1, 1) ORDER BY n DESC, 1 LIMIT 7`),
  Q('HAVING on count DISTINCT', `SELECT who_region FROM ${S} GROUP BY who_region HAVING count(DISTINCT country) >= 30`),
  Q('nth_value, cume_dist', `SELECT country_code, date_reported, nth_value(new_cases, 3) OVER (PARTITION BY country_code ORDER BY date_reported ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING), cume_dist() OVER (PARTITION BY country_code ORDER BY new_cases) FROM ${S} WHERE country_code IN ('NZ', 'AU') AND date_reported < DATE '2020-03-01'`),
  Q('window over aggregate with share', `SELECT who_region, sum(new_cases), sum(new_cases) * 1.0 / sum(sum(new_cases)) OVER () FROM ${S} GROUP BY who_region`),
  Q('ORDER BY unicode text', `SELECT DISTINCT country FROM ${S} WHERE country >= 'Cu' AND country < 'Cz' ORDER BY country`),
  Q('greatest and least of text and dates', `SELECT DISTINCT greatest(country_code, who_region), least(date_reported, DATE '2020-01-05') FROM ${S} WHERE country_code IN ('FR', 'AF') AND date_reported < DATE '2020-01-08'`),
  Q('SELECT * zero rows', `SELECT * FROM ${G} WHERE new_cases < 0`),
  Q('nested CTEs referenced twice', `WITH a AS (SELECT country, sum(new_cases) AS c FROM ${S} GROUP BY country), b AS (SELECT avg(c) AS m FROM a) SELECT count(*), (SELECT count(*) FROM a) FROM a, b WHERE a.c > b.m`),
  Q('lpad/rpad truncate, SUBSTRING FROM FOR, POSITION', `SELECT DISTINCT lpad(country, 4, '*'), rpad(country_code, 1, '*'), SUBSTRING(country FROM 2 FOR 3), POSITION('a' IN country), strpos(country, '') FROM ${S} WHERE who_region = 'SEARO'`,
    `SELECT DISTINCT lpad(country, 4, '*'), rpad(country_code, 1, '*'), SUBSTRING(country FROM 2 FOR 3), POSITION('a' IN country), strpos(country, '') FROM ${S} WHERE who_region = 'SEARO'`),
  Q('split_part with a longer delimiter', `SELECT DISTINCT split_part(source_url, '://', 2), split_part(source_url, '/country/', 2) FROM ${S} WHERE who_region = 'WPRO'`),
  Q('round half away from zero, negative digits', `SELECT round(-0.5), round(2.5), round(1234.5678, -2), round(-1234.5678, 1), round(new_cases / 7.0, 3) FROM ${S} WHERE country_code = 'TH' ORDER BY date_reported LIMIT 30`),
  Q('sum and avg DISTINCT', `SELECT who_region, sum(DISTINCT new_deaths), avg(DISTINCT new_cases), count(DISTINCT new_cases) FROM ${S} GROUP BY 1`),
  Q('BETWEEN strings, NOT BETWEEN', `SELECT count(*) FROM ${S} WHERE country BETWEEN 'A' AND 'Cz' AND new_cases NOT BETWEEN 1 AND 100`),
  Q('CASE without ELSE, nullif, coalesce of NULLs', `SELECT CASE WHEN new_cases > 10 THEN 'x' END, nullif(country_code, country_code), coalesce(NULL, notes, NULL), count(*) FROM ${S} WHERE date_reported = DATE '2020-04-01' GROUP BY 1, 2, 3`),
  Q('correlated scalar subquery in SELECT', `SELECT s.country, (SELECT count(*) FROM ${G} g WHERE g.country = s.country AND g.new_deaths > 10) FROM ${S} s WHERE s.date_reported = DATE '2020-04-01' AND s.who_region = 'EURO'`),
  Q('NOT EXISTS', `SELECT count(*) FROM ${S} s WHERE s.date_reported = DATE '2020-05-01' AND NOT EXISTS (SELECT 1 FROM ${G} g WHERE g.country = s.country AND g.new_cases > 5000)`),
  Q('> ALL and = ANY subqueries', `SELECT count(*) FROM ${S} WHERE new_cases > ALL (SELECT new_cases FROM ${S} WHERE country_code = 'FR') OR new_deaths = ANY (SELECT max(new_deaths) FROM ${S} GROUP BY who_region)`),
  Q('implicit join with WHERE', `SELECT a.country_code, b.country_code, count(*) FROM ${S} a, ${S} b WHERE a.date_reported = b.date_reported AND a.new_cases = b.new_cases AND a.new_cases > 20000 AND a.country_code < b.country_code GROUP BY 1, 2`),
  Q('CTE with column list', `WITH t(r, n) AS (SELECT who_region, count(*) FROM ${S} GROUP BY who_region) SELECT r, n * 2 FROM t WHERE n > 3000`),
  Q('decimal arithmetic', `SELECT value * 2, value + 0.5, value / 4, CAST(value AS DOUBLE) * 3 FROM pq_int32_decimal WHERE value > 20`),
  Q('customer strings', `SELECT split_part(c_email_address, '@', 2), count(*), max(length(c_first_name)), min(CAST(c_birth_year AS VARCHAR)) FROM ${CU} WHERE c_email_address LIKE '%@%.com' GROUP BY 1`),
  Q('date_add units and month ends', `SELECT DISTINCT date_add('week', 1, date_reported), date_add('quarter', 1, date_reported), date_add('year', -1, date_reported), date_add('month', 1, DATE '2020-01-31'), date_trunc('year', date_reported) FROM ${S} WHERE date_reported IN (DATE '2020-01-31', DATE '2020-02-29')`,
    `SELECT DISTINCT CAST(date_reported + INTERVAL 1 WEEK AS DATE), CAST(date_reported + INTERVAL 3 MONTH AS DATE), CAST(date_reported - INTERVAL 1 YEAR AS DATE), CAST(DATE '2020-01-31' + INTERVAL 1 MONTH AS DATE), CAST(date_trunc('year', date_reported) AS DATE) FROM ${S} WHERE date_reported IN (DATE '2020-01-31', DATE '2020-02-29')`),
  Q('date_diff week, quarter, year', `SELECT DISTINCT date_diff('week', DATE '2019-12-30', date_reported), date_diff('quarter', DATE '2019-11-15', date_reported), date_diff('year', DATE '2019-03-01', date_reported) FROM ${S} WHERE date_reported IN (DATE '2020-01-05', DATE '2020-02-14', DATE '2020-03-01', DATE '2020-05-06')`,
    `SELECT DISTINCT date_sub('week', DATE '2019-12-30', date_reported), date_sub('quarter', DATE '2019-11-15', date_reported), date_sub('year', DATE '2019-03-01', date_reported) FROM ${S} WHERE date_reported IN (DATE '2020-01-05', DATE '2020-02-14', DATE '2020-03-01', DATE '2020-05-06')`),
  Q('week_of_year, year_of_week, timestamp day_of_week', `SELECT DISTINCT week_of_year(CAST(timestamp_col AS DATE)), year_of_week(CAST(timestamp_col AS DATE)), day_of_week(timestamp_col) FROM ${TP} WHERE timestamp_col < TIMESTAMP '2009-01-12 00:00:00' OR timestamp_col >= TIMESTAMP '2010-12-27 00:00:00'`,
    `SELECT DISTINCT weekofyear(CAST(timestamp_col AS DATE)), isoyear(CAST(timestamp_col AS DATE)), isodow(timestamp_col) FROM ${TP} WHERE timestamp_col < TIMESTAMP '2009-01-12 00:00:00' OR timestamp_col >= TIMESTAMP '2010-12-27 00:00:00'`),
  Q('row_number DESC NULLS LAST', `SELECT c_customer_sk, row_number() OVER (ORDER BY c_birth_year DESC NULLS LAST, c_customer_sk) FROM ${CU}`),
  Q('rank with ties per partition', `SELECT who_region, country, rank() OVER (PARTITION BY who_region ORDER BY max(new_deaths) DESC) FROM ${S} GROUP BY who_region, country`),
  Q('window frames', `SELECT date_reported, sum(new_cases) OVER (ORDER BY date_reported ROWS BETWEEN 1 FOLLOWING AND 3 FOLLOWING), avg(new_deaths) OVER (ORDER BY date_reported ROWS BETWEEN 2 PRECEDING AND 2 FOLLOWING), lag(new_cases, 5) OVER (ORDER BY date_reported), ntile(7) OVER (ORDER BY date_reported) FROM ${S} WHERE country_code = 'MX'`),
  Q('bool_and, bool_or, every', `SELECT who_region, bool_and(new_cases >= 0), bool_or(new_deaths > 500), every(country_code <> 'XX') FROM ${S} GROUP BY 1`,
    `SELECT who_region, bool_and(new_cases >= 0), bool_or(new_deaths > 500), bool_and(country_code <> 'XX') FROM ${S} GROUP BY 1`),
  Q('approx_percentile 0.1 and 0.9', `SELECT who_region, approx_percentile(new_cases, 0.1), approx_percentile(new_deaths, 0.9) FROM ${S} GROUP BY 1`,
    `SELECT who_region, quantile_disc(new_cases, 0.1), quantile_disc(new_deaths, 0.9) FROM ${S} GROUP BY 1`),
  Q('corr, covar_samp, regr_slope', `SELECT who_region, corr(new_cases, new_deaths), covar_samp(new_cases, new_deaths), regr_slope(new_deaths, new_cases) FROM ${S} GROUP BY 1`),
  Q('chr, codepoint, starts_with, levenshtein', `SELECT DISTINCT chr(65 + length(country_code)), codepoint(substr(country, 1, 1)), starts_with(country, 'B'), levenshtein_distance(country, 'Brazil') FROM ${S} WHERE country LIKE 'B%'`,
    `SELECT DISTINCT chr(CAST(65 + length(country_code) AS INTEGER)), unicode(substr(country, 1, 1)), starts_with(country, 'B'), levenshtein(country, 'Brazil') FROM ${S} WHERE country LIKE 'B%'`),
  Q('from_unixtime, to_unixtime', `SELECT c0, from_unixtime(c0), to_unixtime(from_unixtime(c0)) FROM pq_lz4_raw`,
    `SELECT c0, CAST(to_timestamp(c0) AS TIMESTAMP), epoch(CAST(to_timestamp(c0) AS TIMESTAMP)) FROM pq_lz4_raw`),
  Q('to_unixtime of a timestamp column', `SELECT id, to_unixtime(timestamp_col) FROM ${TP} WHERE id < 5`,
    `SELECT id, epoch(timestamp_col) FROM ${TP} WHERE id < 5`),
  Q('url_extract_host and url_extract_path', `SELECT DISTINCT url_extract_host(source_url), url_extract_path(source_url) FROM ${S} WHERE who_region = 'AFRO' AND country_code < 'C'`,
    `SELECT DISTINCT regexp_extract(source_url, '://([^/]+)', 1), regexp_extract(source_url, '://[^/]+(/.*)', 1) FROM ${S} WHERE who_region = 'AFRO' AND country_code < 'C'`),
  Q('lz4_raw group', `SELECT c1, sum(v11), count(*), min(c0) FROM pq_lz4_raw GROUP BY c1`),
];

// ---- comparing ----

// Athena's CSV: every non-NULL value quoted, NULL an empty unquoted field.
function parseCsv(text) {
  const rows = [];
  let row = [], i = 0;
  const n = text.length;
  while (i < n) {
    let v;
    if (text[i] === '"') {
      let s = '';
      i++;
      for (;;) {
        if (i >= n) throw new Error('unterminated quote in tarn CSV');
        if (text[i] === '"') {
          if (text[i + 1] === '"') { s += '"'; i += 2; continue; }
          i++;
          break;
        }
        s += text[i++];
      }
      v = s;
    } else {
      let j = i;
      while (j < n && text[j] !== ',' && text[j] !== '\n') j++;
      v = j === i ? null : text.slice(i, j);
      i = j;
    }
    row.push(v);
    if (text[i] === ',') { i++; if (i >= n || text[i] === '\n') row.push(null); else continue; }
    if (text[i] === '\n' || i >= n) { rows.push(row); row = []; i++; }
  }
  return rows;
}

const TS = /^(\d{4}-\d\d-\d\d)[ T](\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?$/;
const NUM = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$|^[-+]?(Infinity|NaN)$/;

// DuckDB's numeric types: their columns compare as numbers.
const NUMERIC = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|U\w*INT|FLOAT|DOUBLE|DECIMAL)/;

// One value as comparable text: in a numeric column a number; else
// timestamps with six fraction digits, booleans as true/false, text as is
// (so '007' never equals '7').
function canon(v, numeric) {
  if (v === null || v === undefined) return null;
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  const s = String(v);
  if (numeric && NUM.test(s)) return Number(s);
  const m = TS.exec(s);
  if (m) return `${m[1]} ${m[2]}.${(m[3] ?? '').padEnd(6, '0').slice(0, 6)}`;
  return s;
}

function sameValue(a, b) {
  if (a === null || b === null) return a === b;
  if (typeof a === 'number' && typeof b === 'number') {
    if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b);
    if (a === b) return true;
    return Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b));
  }
  return String(a) === String(b);
}

// A sort key that keeps nearly equal floats together.
function key(row) {
  return JSON.stringify(row.map((v) => (typeof v === 'number' ? Number(v.toPrecision(10)) : v)));
}

// The query's last ORDER BY outside parentheses (not one inside OVER (...)).
function ordered(sql) {
  let s = sql, prev;
  do { prev = s; s = s.replace(/\([^()]*\)/g, ''); } while (s !== prev);
  return /\border\s+by\b/i.test(s);
}

// Column names: a name tarn gives (not Athena's _colN for an unnamed
// expression) is DuckDB's too, ignoring case.
function names(tarnNames, duckNames) {
  if (!tarnNames || tarnNames.length !== duckNames.length)
    return `columns ${JSON.stringify(tarnNames)} from tarn, ${JSON.stringify(duckNames)} from DuckDB`;
  for (let i = 0; i < duckNames.length; i++)
    if (!/^_col\d+$/.test(tarnNames[i]) && tarnNames[i].toLowerCase() !== duckNames[i].toLowerCase())
      return `column ${i + 1} is ${JSON.stringify(tarnNames[i])} in tarn, ${JSON.stringify(duckNames[i])} in DuckDB`;
  return null;
}

function compare(tarnRows, duckRows, numeric, isOrdered) {
  if (tarnRows.length !== duckRows.length)
    return `${tarnRows.length} rows from tarn, ${duckRows.length} from DuckDB`;
  const c = (r) => r.map((v, i) => canon(v, numeric[i]));
  const t = tarnRows.map(c), d = duckRows.map(c);
  if (!isOrdered) {
    const cmp = (a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0);
    t.sort(cmp);
    d.sort(cmp);
  }
  for (let i = 0; i < t.length; i++) {
    if (t[i].length !== d[i].length)
      return `row ${i}: ${t[i].length} columns from tarn, ${d[i].length} from DuckDB`;
    for (let c = 0; c < t[i].length; c++)
      if (!sameValue(t[i][c], d[i][c]))
        return `row ${i} column ${c + 1}: tarn ${JSON.stringify(t[i])}, DuckDB ${JSON.stringify(d[i])}`;
  }
  return null;
}

// ---- the terminal form ----

// `tarn query` on a terminal (script(1) gives it one): a boxed table of the
// rows DuckDB finds, then the row count and the figures below it.
async function checkTerminal(con) {
  const sql = `SELECT who_region, count(*) AS n FROM ${S} GROUP BY who_region ORDER BY who_region`;
  const sh = (a) => `'${a.replace(/'/g, "'\\''")}'`;
  const cmd = [tarn, '--home', home, 'query', '--database', 'etl_poc', sql].map(sh).join(' ');
  const out = execFileSync('script', ['-qec', cmd, '/dev/null'], { encoding: 'utf8' }).replace(/\r/g, '');
  const lines = out.split('\n');
  const want = (await con.runAndReadAll(sql)).getRowsJson();
  const problems = [];
  if (!lines[0].startsWith('┌') || !lines.some((l) => l.startsWith('└'))) problems.push('no box');
  if (!/^│ who_region +│ n +│$/.test(lines[1] ?? '')) problems.push(`header ${JSON.stringify(lines[1])}`);
  const body = lines.filter((l) => l.startsWith('│')).slice(1)
    .map((l) => l.split('│').slice(1, -1).map((c) => c.trim()));
  if (JSON.stringify(body) !== JSON.stringify(want.map((r) => r.map(String))))
    problems.push(`rows ${JSON.stringify(body)} != ${JSON.stringify(want)}`);
  if (!lines.some((l) => new RegExp(`^${want.length} rows in [0-9.]+ s, [0-9.]+ [KMG]?B scanned$`).test(l)))
    problems.push('no "N rows in T s, B scanned" line');
  if (!lines.some((l) => /^result: s3:\/\/\S+\.csv$/.test(l))) problems.push('no result location');
  return problems.length ? `${problems.join('; ')}\n${out}` : null;
}

// ---- main ----

let failed = 0;
try {
  buildHome();
  const db = await DuckDBInstance.create(':memory:');
  const con = await db.connect();
  await con.run("SET TimeZone = 'UTC'");
  await duckViews(con);
  for (const q of QUERIES) {
    let why;
    try {
      const out = run(['query', '--database', 'etl_poc', '--format', 'csv', q.sql]);
      const [header, ...tarnRows] = parseCsv(out);
      const res = await con.runAndReadAll(q.duck);
      const numeric = res.columnTypes().map((t) => NUMERIC.test(String(t)));
      why = names(header, res.columnNames()) ?? compare(tarnRows, res.getRowsJson(), numeric, ordered(q.sql));
    } catch (e) {
      why = String(e.stderr || e.message || e).trim().split('\n')[0];
    }
    if (why) {
      failed++;
      console.log(`not ok - ${q.name}: ${why}`);
      console.log(`#   ${q.sql}`);
    } else {
      console.log(`ok - ${q.name}`);
    }
  }
  console.log(`# ${QUERIES.length} queries, ${failed} failed`);
  const why = await checkTerminal(con).catch((e) => String(e.message || e));
  if (why) failed++;
  console.log(why ? `not ok - query on a terminal: ${why.split('\n').join('\n# ')}` : 'ok - query on a terminal prints a boxed table, the row count and the figures');
} catch (e) {
  failed++;
  console.log(`not ok - build the home: ${String(e.stderr || e.message || e).trim().split('\n')[0]}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
