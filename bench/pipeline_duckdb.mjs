// bench/pipeline_duckdb.mjs: DuckDB's side of the pipeline figure: the
// reference pipeline's own work done the DuckDB way, on the same zipped
// CSV: unzip it (Python's zipfile, as DuckDB cannot read a zip), read_csv
// with snake_case names, SELECT DISTINCT, COPY to Parquet (silver), then
// COPY that Parquet to Hive folders PARTITION_BY (country) (gold).
//
// usage: node bench/pipeline_duckdb.mjs FILE.zip OUT_DIR
//
// Uses $DUCKDB_THREADS threads (default 2) and prints one line
// `duckdb rows=N query_ms=T` (T: everything after node started: unzip and
// the three statements).
import { createRequire } from 'node:module';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const require = createRequire(new URL('../tests/package.json', import.meta.url));
const { DuckDBInstance } = require('@duckdb/node-api');

const [zip, out] = process.argv.slice(2);
if (!zip || !out) {
  console.error('usage: node bench/pipeline_duckdb.mjs FILE.zip OUT_DIR');
  process.exit(2);
}
const q = (s) => `'${s.replaceAll("'", "''")}'`;
const t0 = performance.now();
rmSync(out, { recursive: true, force: true });
const raw = join(out, 'raw');
mkdirSync(raw, { recursive: true });
execFileSync('python3', ['-m', 'zipfile', '-e', zip, raw]);
const csv = join(raw, readdirSync(raw)[0]);
const silver = join(out, 'silver.parquet');
const gold = join(out, 'gold');

const threads = process.env.DUCKDB_THREADS || '2';
const db = await DuckDBInstance.create(':memory:', { threads });
const con = await db.connect();
const r = await con.run(`COPY (SELECT DISTINCT * FROM read_csv(${q(csv)}, normalize_names = true))
  TO ${q(silver)} (FORMAT parquet)`);
await con.run(`COPY (FROM read_parquet(${q(silver)})) TO ${q(gold)}
  (FORMAT parquet, PARTITION_BY (country))`);
const ms = performance.now() - t0;
console.log(`duckdb rows=${r.rowsChanged} query_ms=${ms.toFixed(1)}`);
