// bench/cat_duckdb.mjs: DuckDB's side of the `tarn file cat --format csv`
// figure: read a whole file and write it as CSV to /dev/null.
//
// usage: node bench/cat_duckdb.mjs FILE.parquet|FILE.csv
//
// Runs `COPY (FROM 'FILE') TO '/dev/null' (FORMAT csv)` with
// $DUCKDB_THREADS threads (default 2) and prints one line
// `duckdb rows=N query_ms=T` (T: the COPY alone, without node's start-up).
import { createRequire } from 'node:module';

const require = createRequire(new URL('../tests/package.json', import.meta.url));
const { DuckDBInstance } = require('@duckdb/node-api');

const file = process.argv[2];
if (!file) {
  console.error('usage: node bench/cat_duckdb.mjs FILE');
  process.exit(2);
}
const threads = process.env.DUCKDB_THREADS || '2';
const db = await DuckDBInstance.create(':memory:', { threads });
const con = await db.connect();
const src = `'${file.replaceAll("'", "''")}'`;
const t0 = performance.now();
const result = await con.run(`COPY (FROM ${src}) TO '/dev/null' (FORMAT csv)`);
const ms = performance.now() - t0;
console.log(`duckdb rows=${result.rowsChanged} query_ms=${ms.toFixed(1)}`);
