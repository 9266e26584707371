// bench/convert_duckdb.mjs: DuckDB's side of the `tarn file convert` figure:
// read a whole CSV and write it as snappy Parquet (DuckDB's defaults).
//
// usage: node bench/convert_duckdb.mjs FILE.csv OUT.parquet
//
// Runs `COPY (FROM read_csv('FILE')) TO 'OUT' (FORMAT parquet)` with
// $DUCKDB_THREADS threads (default 2) and prints one line
// `duckdb rows=N query_ms=T bytes=B` (T: the COPY alone; B: OUT's size).
import { createRequire } from 'node:module';
import { statSync } from 'node:fs';

const require = createRequire(new URL('../tests/package.json', import.meta.url));
const { DuckDBInstance } = require('@duckdb/node-api');

const [file, out] = process.argv.slice(2);
if (!file || !out) {
  console.error('usage: node bench/convert_duckdb.mjs FILE.csv OUT.parquet');
  process.exit(2);
}
const q = (s) => `'${s.replaceAll("'", "''")}'`;
const threads = process.env.DUCKDB_THREADS || '2';
const db = await DuckDBInstance.create(':memory:', { threads });
const con = await db.connect();
const t0 = performance.now();
const result = await con.run(`COPY (FROM read_csv(${q(file)})) TO ${q(out)} (FORMAT parquet)`);
const ms = performance.now() - t0;
console.log(`duckdb rows=${result.rowsChanged} query_ms=${ms.toFixed(1)} bytes=${statSync(out).size}`);
