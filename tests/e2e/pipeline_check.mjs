// tests/e2e/pipeline_check.mjs: DuckDB's view of what the reference
// pipeline wrote, for tests/e2e/pipeline.sh. The expected facts come from
// DuckDB reading the source CSV, never from tarn.
//
// usage: node pipeline_check.mjs facts SOURCE.csv SILVER_DIR GOLD_DIR
//   prints one JSON object: source rows and distinct rows, distinct
//   countries; silver rows, column names and DuckDB types; gold rows,
//   partition folders; and whether silver and gold hold the same rows as
//   the distinct source rows (as multisets, compared by value).
// usage: node pipeline_check.mjs digest GOLD_DIR
//   prints one line: a digest of every gold row, in a fixed order, so two
//   runs can be compared value for value.
import { createRequire } from 'node:module';
import { readdirSync } from 'node:fs';

const require = createRequire(new URL('../package.json', import.meta.url));
const { DuckDBInstance } = require('@duckdb/node-api');

const q = (s) => `'${s.replaceAll("'", "''")}'`;
const db = await DuckDBInstance.create(':memory:', { threads: '2' });
const con = await db.connect();

async function scalar(sql) {
  const reader = await con.runAndReadAll(sql);
  const v = reader.getRows()[0][0];
  return typeof v === 'bigint' ? Number(v) : v;
}

// The source as the cleaning job should see it: every column typed, the
// names DuckDB's normalize_names gives (snake_case, the same rule).
const SILVER_COLS = `date_reported, country_code, country, who_region, new_cases,
  cumulative_cases, new_deaths, cumulative_deaths, source_url, notes`;

async function facts(source, silver, gold) {
  await con.run(`CREATE TABLE src AS SELECT * FROM read_csv(${q(source)},
    header = true, normalize_names = true, all_varchar = false)`);
  await con.run(`CREATE TABLE silver AS SELECT * FROM read_parquet(${q(silver + '/**/*.parquet')})`);
  await con.run(`CREATE TABLE gold AS SELECT * FROM read_parquet(${q(gold + '/**/*.parquet')},
    hive_partitioning = true)`);
  const out = {};
  out.source_rows = await scalar('SELECT count(*) FROM src');
  out.source_distinct = await scalar('SELECT count(*) FROM (SELECT DISTINCT * FROM src)');
  out.source_countries = await scalar('SELECT count(DISTINCT country) FROM src');
  out.silver_rows = await scalar('SELECT count(*) FROM silver');
  const cols = (await con.runAndReadAll('DESCRIBE silver')).getRows();
  out.silver_columns = cols.map((r) => `${r[0]}:${r[1]}`);
  out.gold_rows = await scalar('SELECT count(*) FROM gold');
  out.gold_folders = readdirSync(gold).filter((d) => d.startsWith('country=')).length;
  // Values compared as text, column by column, so type differences between
  // DuckDB's CSV sniffing and the job's inference do not hide a mismatch
  // in the values themselves.
  const txt = (t) => `SELECT ${SILVER_COLS.split(',').map((c) =>
    `CAST(${c.trim()} AS VARCHAR)`).join(', ')} FROM ${t}`;
  out.silver_minus_source = await scalar(`SELECT count(*) FROM (${txt('silver')} EXCEPT ALL
    ${txt('(SELECT DISTINCT * FROM src)')})`);
  out.source_minus_silver = await scalar(`SELECT count(*) FROM (${txt('(SELECT DISTINCT * FROM src)')}
    EXCEPT ALL ${txt('silver')})`);
  out.gold_minus_silver = await scalar(`SELECT count(*) FROM (${txt('gold')} EXCEPT ALL ${txt('silver')})`);
  out.silver_minus_gold = await scalar(`SELECT count(*) FROM (${txt('silver')} EXCEPT ALL ${txt('gold')})`);
  console.log(JSON.stringify(out));
}

async function digest(gold) {
  const rows = `SELECT * FROM read_parquet(${q(gold + '/**/*.parquet')}, hive_partitioning = true)`;
  const d = await scalar(`SELECT md5(string_agg(r, '\n' ORDER BY r)) FROM
    (SELECT CAST(t AS VARCHAR) AS r FROM (${rows}) t)`);
  const n = await scalar(`SELECT count(*) FROM (${rows})`);
  console.log(`rows=${n} digest=${d}`);
}

const [mode, ...args] = process.argv.slice(2);
if (mode === 'facts' && args.length === 3) await facts(...args);
else if (mode === 'digest' && args.length === 1) await digest(args[0]);
else {
  console.error('usage: pipeline_check.mjs facts SOURCE SILVER GOLD | digest GOLD');
  process.exit(2);
}
