// bench/query_duckdb.mjs: DuckDB's side of the `query_10m` figure.
//
// usage: node bench/query_duckdb.mjs GOLD_DIR "SQL"
//
// Runs SQL (the same text tarn runs) with gold_who_covid a view over the
// gold table's files: read_parquet(GOLD_DIR/*/*.parquet,
// hive_partitioning = true), so country comes from the folder names as in
// tarn. Threads: $DUCKDB_THREADS, default 2. Prints one line
// `duckdb rows=N query_ms=T` (T: the query alone, without node's start-up,
// the module load or the view) and, with BENCH_VERBOSE=1, the rows.
// With QUERY_MS_LOG=FILE it also appends T to FILE, one line per run.
import { createRequire } from 'node:module';
import { appendFileSync } from 'node:fs';

const require = createRequire(new URL('../tests/package.json', import.meta.url));
const { DuckDBInstance } = require('@duckdb/node-api');

const [gold, sql] = process.argv.slice(2);
if (!gold || !sql) {
  console.error('usage: node bench/query_duckdb.mjs GOLD_DIR "SQL"');
  process.exit(2);
}
const threads = process.env.DUCKDB_THREADS || '2';
const db = await DuckDBInstance.create(':memory:', { threads });
const con = await db.connect();
const files = `${gold}/*/*.parquet`.replaceAll("'", "''");
await con.run(`CREATE VIEW gold_who_covid AS SELECT * FROM read_parquet('${files}',
  hive_partitioning = true)`);

const t0 = performance.now();
const result = await con.runAndReadAll(sql);
const ms = performance.now() - t0;
const rows = result.getRowsJson();
console.log(`duckdb rows=${rows.length} query_ms=${ms.toFixed(1)}`);
if (process.env.QUERY_MS_LOG) appendFileSync(process.env.QUERY_MS_LOG, `${ms.toFixed(1)}\n`);
if (process.env.BENCH_VERBOSE === '1') rows.forEach((r) => console.log(JSON.stringify(r)));
