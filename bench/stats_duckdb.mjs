// bench/stats_duckdb.mjs: DuckDB's side of the `tarn file stats` figure.
//
// usage: node bench/stats_duckdb.mjs FILE.csv
//
// Computes for every column of FILE what `tarn file stats` reports: the row
// count and, per column, count (non-null values), min, max and
// approx_count_distinct, in one query over read_csv (DuckDB sniffs the
// dialect and types, as tarn does). Threads: $DUCKDB_THREADS, default 2.
// Prints one line `duckdb rows=N columns=M query_ms=T` (T: the query alone,
// without node's start-up, the module load or DESCRIBE) and, with
// BENCH_VERBOSE=1, the statistics themselves.
import { createRequire } from 'node:module';

const require = createRequire(new URL('../tests/package.json', import.meta.url));
const { DuckDBInstance } = require('@duckdb/node-api');

const file = process.argv[2];
if (!file) {
  console.error('usage: node bench/stats_duckdb.mjs FILE.csv');
  process.exit(2);
}
const threads = process.env.DUCKDB_THREADS || '2';
const db = await DuckDBInstance.create(':memory:', { threads });
const con = await db.connect();
const src = `read_csv('${file.replaceAll("'", "''")}')`;
const ident = (name) => `"${name.replaceAll('"', '""')}"`;

const cols = (await con.runAndReadAll(`DESCRIBE SELECT * FROM ${src}`))
  .getRowObjects().map((r) => r.column_name);
const aggs = cols.flatMap((c, i) => [
  `count(${ident(c)}) AS c${i}_count`,
  `min(${ident(c)}) AS c${i}_min`,
  `max(${ident(c)}) AS c${i}_max`,
  `approx_count_distinct(${ident(c)}) AS c${i}_distinct`,
]);
const sql = `SELECT count(*) AS row_count, ${aggs.join(', ')} FROM ${src}`;

const t0 = performance.now();
const result = await con.runAndReadAll(sql);
const ms = performance.now() - t0;
const row = result.getRowObjectsJson()[0];
console.log(`duckdb rows=${row.row_count} columns=${cols.length} query_ms=${ms.toFixed(1)}`);
if (process.env.BENCH_VERBOSE === '1') {
  cols.forEach((c, i) => console.log(`  ${c}: count=${row[`c${i}_count`]}`
    + ` min=${row[`c${i}_min`]} max=${row[`c${i}_max`]} distinct~${row[`c${i}_distinct`]}`));
}
