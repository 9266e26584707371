// parquet_read.mjs: tarn reads Parquet files written by DuckDB and Polars
// with the same values those tools read back.
//
// usage: node tests/interop/parquet_read.mjs TARN
//
// A table with every type DuckDB can put in Parquet (integers signed and
// unsigned, decimals of each physical width, float, double, strings with
// unicode, blob, date, time, timestamps in ms/us/ns and with time zone,
// uuid, enum, lists, nested lists, structs, maps) and NULLs in every column
// is written by DuckDB with each codec, with the dictionary on and off and
// as Parquet format version 2 (DELTA encodings, data page v2), and by
// Polars with each of its codecs. For every file, DuckDB's own read of it
// is compared value by value with `TARN file cat --format json FILE`.
// Prints `ok - name` / `not ok - name`; exits non-zero on any failure.
import { DuckDBInstance } from '@duckdb/node-api';
import pl from 'nodejs-polars';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const tarn = process.argv[2];
if (!tarn) {
  console.error('usage: node parquet_read.mjs TARN');
  process.exit(2);
}
const dir = mkdtempSync(join(tmpdir(), 'tarn-pq-read-'));
const db = await DuckDBInstance.create(':memory:');
const con = await db.connect();
await con.run("SET TimeZone = 'UTC'");

const ROWS = 5000;
await con.run(`CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy')`);
await con.run(`CREATE TABLE t AS SELECT
  CASE WHEN i % 11 = 1 THEN NULL ELSE i::INTEGER - 2500 END AS c_int,
  CASE WHEN i % 11 = 2 THEN NULL ELSE (i::BIGINT - 2500) * 3037000493 END AS c_bigint,
  CASE WHEN i % 11 = 3 THEN NULL ELSE i % 3 = 0 END AS c_bool,
  CASE WHEN i % 13 = 0 THEN NULL ELSE (i % 200 - 100)::TINYINT END AS c_tinyint,
  CASE WHEN i % 13 = 1 THEN NULL ELSE (i * 7 % 60000 - 30000)::SMALLINT END AS c_smallint,
  CASE WHEN i % 13 = 2 THEN NULL ELSE (i % 250)::UTINYINT END AS c_utinyint,
  CASE WHEN i % 13 = 3 THEN NULL ELSE (i * 13 % 65000)::USMALLINT END AS c_usmallint,
  CASE WHEN i % 13 = 4 THEN NULL ELSE (4294967295 - i)::UINTEGER END AS c_uinteger,
  CASE WHEN i % 13 = 5 THEN NULL ELSE (18446744073709551615 - i)::UBIGINT END AS c_ubigint,
  CASE WHEN i % 17 = 0 THEN NULL ELSE (i - 2500) / 7.0 END::DOUBLE AS c_double,
  CASE WHEN i % 17 = 1 THEN NULL ELSE ((i - 2500) / 3.0)::FLOAT END AS c_float,
  CASE WHEN i % 17 = 2 THEN NULL ELSE ((i % 1000 - 500) * 1.5)::DECIMAL(4,1) END AS c_dec4,
  CASE WHEN i % 17 = 3 THEN NULL ELSE ((i - 2500) * 12345.67)::DECIMAL(12,2) END AS c_dec12,
  CASE WHEN i % 17 = 4 THEN NULL
       ELSE ((i - 2500)::DECIMAL(38,0) * 100000000000000000000000000::DECIMAL(38,0) + i)::DECIMAL(38,4) END AS c_dec38,
  CASE WHEN i % 19 = 0 THEN NULL WHEN i % 19 = 1 THEN ''
       ELSE 'row ' || i || ' üñîçødé 漢字 😀 "q" \\ ' || repeat('x', i % 40) END AS c_str,
  CASE WHEN i % 19 = 2 THEN NULL ELSE ('blob' || (i % 50))::BLOB END AS c_blob,
  CASE WHEN i % 19 = 3 THEN NULL ELSE DATE '1969-06-01' + (i * 37)::INTEGER END AS c_date,
  CASE WHEN i % 19 = 4 THEN NULL ELSE TIME '00:00:00' + INTERVAL (i * 17) SECOND + INTERVAL (i * 11) MICROSECOND END AS c_time,
  CASE WHEN i % 19 = 5 THEN NULL ELSE TIMESTAMP '1971-01-01' + INTERVAL (i * 86413) SECOND + INTERVAL (i * 7) MICROSECOND END AS c_ts,
  CASE WHEN i % 19 = 6 THEN NULL ELSE (TIMESTAMP '2000-01-01' + INTERVAL (i * 3601) SECOND + INTERVAL (i) MILLISECOND)::TIMESTAMP_MS END AS c_ts_ms,
  CASE WHEN i % 19 = 7 THEN NULL ELSE (TIMESTAMP '2010-05-05' + INTERVAL (i * 61) SECOND)::TIMESTAMP_NS + INTERVAL (i * 3) MICROSECOND END AS c_ts_ns,
  CASE WHEN i % 19 = 8 THEN NULL ELSE (TIMESTAMP '2020-02-29 12:00:00' + INTERVAL (i) MINUTE)::TIMESTAMPTZ END AS c_tstz,
  CASE WHEN i % 19 = 10 THEN NULL ELSE ('00000000-0000-4000-8000-' || lpad(i::VARCHAR, 12, '0'))::UUID END AS c_uuid,
  CASE WHEN i % 19 = 11 THEN NULL ELSE (['sad', 'ok', 'happy'])[i % 3 + 1]::mood END AS c_enum,
  CASE WHEN i % 23 = 0 THEN NULL WHEN i % 23 = 1 THEN []::INTEGER[]
       ELSE [i, NULL, i * 2][1:(i % 4)] END AS c_list,
  CASE WHEN i % 23 = 2 THEN NULL ELSE ['a' || i, NULL, 'ß'] END AS c_strlist,
  CASE WHEN i % 23 = 3 THEN NULL ELSE [[i, i + 1], [], NULL, [NULL]] END AS c_nested,
  CASE WHEN i % 23 = 4 THEN NULL
       ELSE {'a': i, 'b': CASE WHEN i % 2 = 0 THEN NULL ELSE 'v' || i END, 'c': {'d': i * 0.5}} END AS c_struct,
  CASE WHEN i % 23 = 5 THEN NULL WHEN i % 23 = 6 THEN MAP {}::MAP(VARCHAR, INTEGER)
       ELSE MAP {'k' || i: i, 'z': NULL::INTEGER} END AS c_map
FROM range(${ROWS}) r(i)`);

const types = {};
for (const row of (await con.runAndReadAll('DESCRIBE t')).getRowObjectsJson())
  types[row.column_name] = row.column_type;

// ---- comparing values ----

// JSON text with every bare number turned into a string holding its exact text.
function parseExact(text) {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '"') {
      let j = i + 1;
      while (text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j;
    } else if (/[-0-9]/.test(ch)) {
      let j = i;
      while (j < text.length && /[-+0-9.eE]/.test(text[j])) j++;
      out += '"' + text.slice(i, j) + '"';
      i = j - 1;
    } else {
      out += ch;
    }
  }
  return JSON.parse(out);
}

const decimalText = (s) => {
  let [int, frac = ''] = s.replace(/^\+/, '').split('.');
  frac = frac.replace(/0+$/, '');
  if (/^-?0*$/.test(int) && !frac) return '0';
  return int + (frac ? '.' + frac : '');
};

// A value in a form both sides agree on, given DuckDB's column type.
function canon(v, type) {
  if (v === null || v === undefined) return null;
  if (Array.isArray(v) && v.length && v.every((e) => e && typeof e === 'object' && 'key' in e && 'value' in e))
    return Object.fromEntries(v.map((e) => [String(canon(e.key, '')), canon(e.value, '')]));
  if (Array.isArray(v)) return v.length ? v.map((e) => canon(e, '')) : 'EMPTY';
  if (typeof v === 'object') {
    const keys = Object.keys(v);
    return keys.length ? Object.fromEntries(keys.map((k) => [k, canon(v[k], '')])) : 'EMPTY';
  }
  let s = String(v);
  if (/^(FLOAT|DOUBLE)$/.test(type)) return String(Number(s));
  if (/^-?\d+$/.test(s)) return BigInt(s).toString();
  if (/^DECIMAL/.test(type)) return decimalText(s);
  if (/^-?\d*\.\d+(e[-+]?\d+)?$/i.test(s) || /^-?\d+e[-+]?\d+$/i.test(s)) return String(Number(s));
  const t = /^(\d{4,}-\d\d-\d\d )?(\d\d:\d\d:\d\d)(\.\d+)?(\+00(:00)?)?$/.exec(s);
  if (t) {
    const frac = (t[3] || '').slice(0, 7).replace(/0+$/, ''); // nanoseconds floor to micros
    return (t[1] || '') + t[2] + (frac === '.' ? '' : frac);
  }
  if (/^BLOB/.test(type)) return s.replace(/\\x([0-9A-F]{2})/gi, (_, h) => String.fromCharCode(parseInt(h, 16)));
  return s;
}

async function duckRows(path) {
  const sql = `SELECT * REPLACE (${Object.keys(types).filter((c) => types[c] === 'FLOAT')
    .map((c) => `${c}::DOUBLE AS ${c}`).join(', ') || 'c_int AS c_int'}) FROM read_parquet('${path}')`;
  return (await con.runAndReadAll(sql)).getRowObjectsJson();
}

function tarnRows(path) {
  const out = execFileSync(tarn, ['file', 'cat', '--format', 'json', path], { maxBuffer: 1 << 30 });
  return out.toString().split('\n').filter((l) => l.length).map(parseExact);
}

let failures = 0;

async function check(name, path, cols) {
  let want, got;
  try {
    want = await duckRows(path);
    got = tarnRows(path);
  } catch (e) {
    console.log(`not ok - ${name}: ${String(e.stderr || e.message).trim().slice(0, 300)}`);
    failures++;
    return;
  }
  const problems = [];
  if (got.length !== want.length) problems.push(`${got.length} rows, DuckDB reads ${want.length}`);
  for (let i = 0; i < Math.min(got.length, want.length) && problems.length < 5; i++) {
    for (const c of cols) {
      let a = got[i][c];
      const nested = /\[\]$|^STRUCT|^MAP/.test(types[c]);
      if (nested && typeof a === 'string') a = parseExact(a);
      const ca = JSON.stringify(canon(a, types[c])), cb = JSON.stringify(canon(want[i][c], types[c]));
      if (ca !== cb) problems.push(`row ${i} ${c}: tarn ${ca.slice(0, 120)} DuckDB ${cb.slice(0, 120)}`);
    }
  }
  if (problems.length) {
    console.log(`not ok - ${name}`);
    for (const p of problems) console.log(`#   ${p}`);
    failures++;
  } else {
    console.log(`ok - ${name} (${got.length} rows)`);
  }
}

// ---- DuckDB ----
const allCols = Object.keys(types);
const variants = [];
for (const codec of ['uncompressed', 'snappy', 'gzip', 'zstd', 'lz4', 'brotli']) {
  variants.push([`duckdb ${codec}`, `COMPRESSION ${codec}`]);
  variants.push([`duckdb ${codec} no dictionary`, `COMPRESSION ${codec}, DICTIONARY_SIZE_LIMIT 1`]);
}
variants.push(['duckdb parquet v2 snappy', 'COMPRESSION snappy, PARQUET_VERSION V2']);
variants.push(['duckdb parquet v2 zstd no dictionary', 'COMPRESSION zstd, PARQUET_VERSION V2, DICTIONARY_SIZE_LIMIT 1']);
for (const [name, opts] of variants) {
  const path = join(dir, name.replace(/ /g, '_') + '.parquet');
  await con.run(`COPY t TO '${path}' (FORMAT parquet, ROW_GROUP_SIZE 2048, ${opts})`);
  await check(name, path, allCols);
}

// ---- Polars: the columns it can carry, rewritten with each of its codecs ----
const plCols = ['c_int', 'c_bigint', 'c_bool', 'c_tinyint', 'c_smallint', 'c_utinyint', 'c_usmallint',
  'c_uinteger', 'c_ubigint', 'c_double', 'c_float', 'c_dec12', 'c_str', 'c_date', 'c_ts', 'c_ts_ms',
  'c_list', 'c_strlist', 'c_nested', 'c_struct'];
const base = join(dir, 'polars_source.parquet');
await con.run(`COPY (SELECT ${plCols.join(', ')} FROM t) TO '${base}' (FORMAT parquet)`);
const df = pl.readParquet(base);
for (const codec of ['uncompressed', 'snappy', 'gzip', 'zstd', 'lz4', 'brotli']) {
  const path = join(dir, `polars_${codec}.parquet`);
  try {
    df.writeParquet(path, { compression: codec });
  } catch (e) {
    console.log(`not ok - polars ${codec}: Polars could not write: ${e.message}`);
    failures++;
    continue;
  }
  await check(`polars ${codec}`, path, plCols);
}

rmSync(dir, { recursive: true, force: true });
process.exit(failures ? 1 : 0);
