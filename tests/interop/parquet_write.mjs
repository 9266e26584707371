// tests/interop/parquet_write.mjs: Parquet files written by tarn, read back
// by DuckDB (@duckdb/node-api), Polars (nodejs-polars) and arrow-rs
// (parquet-wasm, its Arrow result decoded by Polars' IPC reader), each of
// which must see the same values and types this script put in.
//
//   node tests/interop/parquet_write.mjs BUILD_DIR/tarn
//
// The tables (every type; nulls, empty and Unicode strings, extreme and
// special values, 100 KB strings, all-null columns, zero rows, many row
// groups, each codec, dictionary on and off, data pages v1 and v2, REQUIRED
// and OPTIONAL) are described here, written by BUILD_DIR/pq_gen_tables
// (bench/pq_gen_tables.c, which calls tarn's Parquet writer) into a
// temporary directory, and checked: values and types with all three
// readers; with DuckDB also the footer (created_by, key-value metadata, row
// groups, codec, encodings, null counts, min/max statistics) and that
// equality filters, which DuckDB prunes by those statistics, find every row.
// Prints "ok - ..." / "not ok - ..." per check, then a count line; exits 1
// on any failure.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import pl from 'nodejs-polars';
import * as parquetWasm from 'parquet-wasm';

const tarnBin = process.argv[2];
if (!tarnBin) {
  console.error('usage: node parquet_write.mjs BUILD_DIR/tarn');
  process.exit(2);
}
const gen = path.join(path.dirname(path.resolve(tarnBin)), 'pq_gen_tables');
let passed = 0, failed = 0;

function report(ok, name, detail) {
  if (ok) {
    passed++;
    console.log(`ok - ${name}`);
  } else {
    failed++;
    console.log(`not ok - ${name}${detail ? `: ${detail}` : ''}`);
  }
}

// ---- values ----

// A seeded generator (mulberry32), so every run checks the same tables.
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const decimalParts = (type) => type.match(/^decimal\((\d+),(\d+)\)$/).slice(1).map(Number);

// The text every reader's value must match, or null for NULL.
function canonical(type, v) {
  if (v === null || v === undefined) return null;
  if (type === 'double') {
    if (Number.isNaN(v)) return 'NaN';
    return Object.is(v, -0) ? '-0' : String(v);
  }
  if (type.startsWith('decimal')) {
    const scale = decimalParts(type)[1];
    const neg = v < 0n;
    const digits = (neg ? -v : v).toString().padStart(scale + 1, '0');
    const int = digits.slice(0, digits.length - scale);
    const frac = digits.slice(digits.length - scale);
    return (neg ? '-' : '') + int + (scale ? '.' + frac : '');
  }
  return String(v);
}

// A value as pq_gen_tables reads it from JSON.
function toJson(type, v) {
  if (v === null || v === undefined) return null;
  if (typeof v === 'bigint') return v.toString();
  if (type === 'double' && (!Number.isFinite(v) || Object.is(v, -0)))
    return Number.isNaN(v) ? 'NaN' : Object.is(v, -0) ? '-0' : v > 0 ? 'Infinity' : '-Infinity';
  return v;
}

const I32_MIN = -2147483648, I32_MAX = 2147483647;
const I64_MIN = -(2n ** 63n), I64_MAX = 2n ** 63n - 1n;
const DAY_0001 = -719162, DAY_9999 = 2932896; // 0001-01-01, 9999-12-31
const US_PER_DAY = 86400000000n;

// Values for a column of type: special values first, then random ones,
// with about one in nullEvery NULL (0: none).
function makeValues(type, n, seed, nullEvery = 10) {
  const r = rng(seed);
  const big = (bits) => BigInt(Math.floor(r() * 2 ** 30)) * BigInt(Math.floor(r() * 2 ** 30)) % (2n ** BigInt(bits));
  const pick = (a) => a[Math.floor(r() * a.length)];
  let special = [], random;
  if (type === 'boolean') {
    random = () => r() < 0.5;
  } else if (type === 'int') {
    special = [I32_MIN, I32_MAX, 0, -1, 1];
    random = () => Math.floor(r() * 2000) - 1000;
  } else if (type === 'bigint') {
    special = [I64_MIN, I64_MAX, 0n, -1n, 2n ** 53n + 1n];
    random = () => (r() < 0.5 ? -1n : 1n) * big(62);
  } else if (type === 'double') {
    special = [NaN, Infinity, -Infinity, -0, 0, 5e-324, -1.7976931348623157e308, 0.1, 1 / 3];
    random = () => pick([Math.round(r() * 100) / 4, (r() - 0.5) * 1e12, r() * 1e-300]);
  } else if (type === 'string') {
    special = ['', 'ascii', 'héllo wörld', '日本語テキスト', '😀 emoji 🚀', 'a\tb\nc "q" \'s\'', 'Z', '\u00ff\u0100'];
    random = () => pick(['alpha', 'beta', 'gamma', '', 'δέλτα', 'x'.repeat(1 + Math.floor(r() * 40)), `id-${Math.floor(r() * 1e9)}`]);
  } else if (type === 'date') {
    special = [DAY_0001, DAY_9999, -25567, 0, -1, 47482, 200000];
    random = () => Math.floor(r() * 60000) - 20000;
  } else if (type === 'timestamp') {
    special = [BigInt(DAY_0001) * US_PER_DAY, BigInt(DAY_9999 + 1) * US_PER_DAY - 1n, 0n, -1n, 4102444800000001n];
    random = () => BigInt(Math.floor((r() - 0.3) * 4e9)) * 1000000n + BigInt(Math.floor(r() * 1e6));
  } else if (type.startsWith('decimal')) {
    const [p] = decimalParts(type);
    const max = 10n ** BigInt(p) - 1n;
    special = [max, -max, 0n, 1n, -1n];
    random = () => {
      let v = 0n;
      for (let d = 0; d < p; d++) v = v * 10n + BigInt(Math.floor(r() * 10));
      return r() < 0.5 ? -v : v;
    };
  } else {
    throw new Error(`no values for ${type}`);
  }
  const out = [];
  for (let i = 0; i < n; i++) {
    if (nullEvery && i > special.length && Math.floor(r() * nullEvery) === 0) out.push(null);
    else out.push(i < special.length ? special[i] : random());
  }
  return out;
}

const ALL_TYPES = ['boolean', 'int', 'bigint', 'double', 'decimal(1,0)', 'decimal(9,2)',
  'decimal(18,4)', 'decimal(20,0)', 'decimal(38,10)', 'decimal(38,0)', 'string', 'date', 'timestamp'];

const colName = (type) => `c_${type.replace(/[(),]/g, '_')}`;

function allTypeColumns(n, seed, opts = {}) {
  return ALL_TYPES.map((type, i) => ({
    name: colName(type), type, required: !!opts.required,
    values: makeValues(type, n, seed + i, opts.required ? 0 : (opts.nullEvery ?? 10)),
  }));
}

// ---- the tables ----

function tables(dir) {
  const t = [];
  const add = (name, columns, options = {}, extra = {}) =>
    t.push({ name, path: path.join(dir, `${name}.parquet`), columns, options, ...extra });

  add('all_types', allTypeColumns(3000, 1), { kv: [['origin', 'tarn interop'], ['flag', null]] });
  for (const codec of ['none', 'snappy', 'gzip', 'zstd'])
    for (const v of [1, 2])
      for (const dict of [true, false])
        add(`codec_${codec}_v${v}_${dict ? 'dict' : 'plain'}`, allTypeColumns(2500, 100 + v, { nullEvery: 4 }),
          { codec, page_version: v, dictionary: dict, page_rows: 400, row_group_rows: 1000 });
  add('required', allTypeColumns(2000, 7, { required: true }), { page_rows: 300 });
  add('required_v2', allTypeColumns(2000, 8, { required: true }), { page_version: 2, codec: 'zstd' });
  add('all_null', ALL_TYPES.map((type) => ({ name: colName(type), type, values: Array(500).fill(null) })));
  add('zero_rows', ALL_TYPES.map((type) => ({ name: colName(type), type, values: [] })));
  add('many_row_groups', allTypeColumns(1000, 11), { row_group_rows: 10, threads: 2 }, { batch_rows: 37 });
  add('small_row_groups_by_bytes', allTypeColumns(3000, 12), { row_group_bytes: 20000, page_bytes: 2000 }, { batch_rows: 100 });

  // 100 KB strings: some repeated (dictionary), some unique (fallback).
  const longs = [];
  const r = rng(5);
  for (let i = 0; i < 60; i++) {
    const base = String.fromCharCode(97 + (i % 7)) + 'é'.repeat(10);
    longs.push(i % 11 === 5 ? null : (base + i % (i < 30 ? 3 : 60)).repeat(Math.ceil(102400 / 22)).slice(0, 100000 + Math.floor(r() * 5000)));
  }
  add('long_strings', [{ name: 's', type: 'string', values: longs },
    { name: 'n', type: 'int', values: longs.map((_, i) => i) }], { row_group_rows: 25 });

  // A column whose dictionary fills up part-way: low cardinality, then unique.
  const grow = [];
  for (let i = 0; i < 20000; i++) grow.push(i < 6000 ? `k${i % 50}` : `unique-${i}-${'p'.repeat(i % 13)}`);
  add('dictionary_fallback', [{ name: 'g', type: 'string', values: grow },
    { name: 'x', type: 'bigint', values: grow.map((_, i) => BigInt(i % 3 ? i : i * 1000003)) }],
  { dictionary_bytes: 30000, page_rows: 2000 });

  add('dictionary_fallback_v2', t[t.length - 1].columns, { dictionary_bytes: 30000, page_rows: 2000,
    page_version: 2, codec: 'zstd' });

  // Pages of nulls before the first value (the dictionary starts later).
  const lead = (type, v) => Array.from({ length: 3000 }, (_, i) => (i < 1000 ? null : v(i)));
  add('leading_nulls', [{ name: 's', type: 'string', values: lead('string', (i) => `v${i % 5}`) },
    { name: 'i', type: 'int', values: lead('int', (i) => i % 3) },
    { name: 'b', type: 'boolean', values: lead('boolean', (i) => i % 2 === 0) }],
  { page_rows: 300, row_group_rows: 2000 });

  add('unicode_names', [{ name: 'naïve col', type: 'string', values: ['a', null, 'ü'] },
    { name: '列', type: 'int', values: [1, 2, null] }]);

  add('required_with_null', [{ name: 'r', type: 'int', required: true, values: [1, null, 3] }], {},
    { expect_error: true });
  return t;
}

function writeSpec(dir, list) {
  const spec = {
    tables: list.map((t) => ({
      path: t.path, batch_rows: t.batch_rows ?? 1000, expect_error: !!t.expect_error,
      options: t.options,
      columns: t.columns.map((c) => ({
        name: c.name, type: c.type, required: !!c.required,
        values: c.values.map((v) => toJson(c.type, v)),
      })),
    })),
  };
  const file = path.join(dir, 'spec.json');
  fs.writeFileSync(file, JSON.stringify(spec));
  return file;
}

// ---- reading back ----

const quoteId = (s) => `"${s.replaceAll('"', '""')}"`;
const sqlStr = (s) => `'${s.replaceAll("'", "''")}'`;

// A reader's value as canonical text.
function fromReader(type, v) {
  if (v === null || v === undefined) return null;
  return type === 'double' && typeof v === 'number' ? canonical('double', v) : String(v);
}

function duckType(type) {
  const m = { boolean: 'BOOLEAN', int: 'INTEGER', bigint: 'BIGINT', double: 'DOUBLE', string: 'VARCHAR',
    date: 'DATE', timestamp: 'TIMESTAMP WITH TIME ZONE' };
  return m[type] ?? type.toUpperCase().replace('DECIMAL', 'DECIMAL');
}

function polarsTypes(type) {
  const m = { boolean: ['Bool'], int: ['Int32'], bigint: ['Int64'], double: ['Float64'], string: ['String'],
    date: ['Date'], timestamp: ['Datetime(us,UTC)', 'Datetime(us,+00:00)'] };
  const names = m[type] ?? [`Decimal(${decimalParts(type).join(',')})`];
  return names.map((n) => `DataType(${n})`);
}

// Compare columns of canonical text; returns the first difference or null.
function diff(t, got) {
  for (const c of t.columns) {
    const g = got[c.name];
    if (!g) return `column ${c.name} missing`;
    if (g.length !== c.values.length) return `column ${c.name}: ${g.length} rows, expected ${c.values.length}`;
    for (let i = 0; i < g.length; i++) {
      const want = canonical(c.type, c.values[i]);
      if (g[i] !== want) {
        const show = (x) => (x === null ? 'NULL' : JSON.stringify(x.length > 60 ? x.slice(0, 60) + '...' : x));
        return `column ${c.name} row ${i}: got ${show(g[i])}, expected ${show(want)}`;
      }
    }
  }
  return null;
}

async function duckValues(con, t) {
  const exprs = t.columns.map((c) => {
    const q = quoteId(c.name);
    if (c.type === 'bigint' || c.type.startsWith('decimal')) return `CAST(${q} AS VARCHAR)`;
    if (c.type === 'date') return `CAST(${q} - DATE '1970-01-01' AS VARCHAR)`;
    if (c.type === 'timestamp') return `CAST(epoch_us(${q}) AS VARCHAR)`;
    return q;
  });
  const r = await con.runAndReadAll(
    `SELECT ${exprs.join(', ')} FROM read_parquet(${sqlStr(t.path)}, file_row_number = true) ORDER BY file_row_number`);
  const rows = r.getRowsJS();
  const got = {};
  t.columns.forEach((c, j) => { got[c.name] = rows.map((row) => fromReader(c.type, row[j])); });
  const d = await con.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet(${sqlStr(t.path)})`);
  const types = d.getRowObjectsJS().map((o) => o.column_type);
  const want = t.columns.map((c) => duckType(c.type));
  if (JSON.stringify(types) !== JSON.stringify(want)) return `types ${types.join(', ')}; expected ${want.join(', ')}`;
  return diff(t, got);
}

// Values of a Polars DataFrame as canonical text (64-bit and decimal
// values cast to text in Polars, so no JS number rounds them).
function polarsValues(df, t) {
  const types = t.columns.map((c) => String(df.getColumn(c.name).dtype));
  for (let j = 0; j < t.columns.length; j++)
    if (!polarsTypes(t.columns[j].type).includes(types[j]))
      return `column ${t.columns[j].name} is ${types[j]}, expected ${polarsTypes(t.columns[j].type)[0]}`;
  const got = {};
  for (const c of t.columns) {
    let s = df.getColumn(c.name);
    const dt = String(s.dtype);
    if (dt.includes('Decimal') || dt.includes('Int64')) s = s.cast(pl.Utf8);
    else if (dt.includes('Datetime')) s = s.cast(pl.Int64).cast(pl.Utf8);
    else if (dt.includes('Date')) s = s.cast(pl.Int32);
    got[c.name] = Array.from(s.toArray(), (v) => fromReader(c.type, v));
  }
  return diff(t, got);
}

function polarsRead(t) {
  const df = pl.readParquet(t.path);
  if (df.height !== t.columns[0].values.length) return `${df.height} rows, expected ${t.columns[0].values.length}`;
  return polarsValues(df, t);
}

function arrowRead(t) {
  const table = parquetWasm.readParquet(new Uint8Array(fs.readFileSync(t.path)));
  const df = pl.readIPCStream(Buffer.from(table.intoIPCStream()));
  if (df.height !== t.columns[0].values.length) return `${df.height} rows, expected ${t.columns[0].values.length}`;
  return polarsValues(df, t);
}

// ---- the footer, seen by DuckDB ----

const utf8 = (s) => Buffer.from(s, 'utf8');
const cmpBytes = (a, b) => Buffer.compare(utf8(a), utf8(b));

// min and max of the non-null (non-NaN) values of a slice, or null.
function sliceBounds(type, vals) {
  const xs = vals.filter((v) => v !== null && !(type === 'double' && Number.isNaN(v)));
  if (!xs.length) return null;
  let cmp = (a, b) => (a < b ? -1 : a > b ? 1 : 0);
  if (type === 'string') cmp = cmpBytes;
  if (type === 'boolean') cmp = (a, b) => Number(a) - Number(b);
  let lo = xs[0], hi = xs[0];
  for (const x of xs) {
    if (cmp(x, lo) < 0) lo = x;
    if (cmp(x, hi) > 0) hi = x;
  }
  return [lo, hi];
}

const dayText = (d) => new Date(d * 86400000).toISOString().slice(0, 10);
function duckDouble(s) {
  if (/^-?inf/i.test(s)) return s.startsWith('-') ? -Infinity : Infinity;
  return Number(s);
}

// One statistic (DuckDB's text) against the expected bound; null if right.
function checkStat(type, got, want, isMax) {
  if (type === 'timestamp') return null; /* covered by the filter checks */
  if (type === 'double') {
    /* DuckDB shows no double bounds for a chunk holding an infinity (its
    ** own files have none either); the unit tests check those bytes. */
    if (got === null && !Number.isFinite(want)) return null;
    const g = duckDouble(got);
    const w = want === 0 ? (isMax ? 0 : -0) : want;
    return Object.is(g, w) ? null : `${got} != ${canonical('double', w)}`;
  }
  if (type === 'string' && utf8(want).length > 256) {
    const c = cmpBytes(got, want);
    return (isMax ? c > 0 : c <= 0) ? null : `bound ${got.slice(0, 20)}... is on the wrong side`;
  }
  const w = type === 'date' ? dayText(want) : canonical(type, want);
  return got === w ? null : `${JSON.stringify(got)} != ${JSON.stringify(w)}`;
}

async function duckMetadata(con, t) {
  const f = sqlStr(t.path);
  const n = t.columns[0].values.length;
  const fm = (await con.runAndReadAll(`SELECT created_by, num_rows, num_row_groups FROM parquet_file_metadata(${f})`)).getRowObjectsJS()[0];
  if (fm.created_by !== 'tarn version 0.1.0 (build tarn)') return `created_by ${fm.created_by}`;
  if (Number(fm.num_rows) !== n) return `num_rows ${fm.num_rows}`;
  const rgRows = t.options.row_group_rows;
  if (rgRows && Number(fm.num_row_groups) !== Math.ceil(n / rgRows)) return `${fm.num_row_groups} row groups`;
  for (const [k, v] of t.options.kv ?? []) {
    const kv = (await con.runAndReadAll(
      `SELECT decode(value) v FROM parquet_kv_metadata(${f}) WHERE decode(key) = ${sqlStr(k)}`)).getRowObjectsJS();
    if (kv.length !== 1 || (v !== null && kv[0].v !== v)) return `key-value ${k}: ${JSON.stringify(kv)}`;
  }
  const meta = (await con.runAndReadAll(
    `SELECT row_group_id, row_group_num_rows, column_id, compression, encodings, stats_null_count,
            stats_min_value, stats_max_value FROM parquet_metadata(${f}) ORDER BY row_group_id, column_id`)).getRowObjectsJS();
  const codec = { none: 'UNCOMPRESSED', snappy: 'SNAPPY', gzip: 'GZIP', zstd: 'ZSTD' }[t.options.codec ?? 'snappy'];
  let start = 0, group = -1;
  for (const m of meta) {
    if (Number(m.row_group_id) !== group) {
      if (group >= 0) start += Number(meta.find((x) => Number(x.row_group_id) === group).row_group_num_rows);
      group = Number(m.row_group_id);
    }
    const c = t.columns[Number(m.column_id)];
    const vals = c.values.slice(start, start + Number(m.row_group_num_rows));
    const where = `row group ${group} column ${c.name}`;
    if (m.compression !== codec) return `${where}: codec ${m.compression}`;
    const encs = m.encodings.split(', ');
    if (t.options.dictionary === false && encs.includes('RLE_DICTIONARY')) return `${where}: dictionary used`;
    if (c.required && encs.includes('RLE')) return `${where}: definition levels in a REQUIRED column`;
    const nulls = vals.filter((v) => v === null).length;
    if (Number(m.stats_null_count) !== nulls) return `${where}: null_count ${m.stats_null_count}, expected ${nulls}`;
    const b = sliceBounds(c.type, vals);
    if (!b) {
      if (m.stats_min_value !== null || m.stats_max_value !== null) return `${where}: min/max for no values`;
      continue;
    }
    const inf = c.type === 'double' && b.some((x) => !Number.isFinite(x));
    const e = checkStat(c.type, m.stats_min_value, inf ? -Infinity : b[0], false) ??
      checkStat(c.type, m.stats_max_value, inf ? Infinity : b[1], true);
    if (e) return `${where}: ${e}`;
  }
  return null;
}

// Equality filters (which DuckDB prunes with the statistics) must find
// every matching row.
async function duckFilters(con, t) {
  const f = sqlStr(t.path);
  for (const c of t.columns) {
    const literal = (v) => {
      if (c.type === 'int') return String(v);
      if (c.type === 'bigint') return `CAST('${v}' AS BIGINT)`;
      if (c.type === 'string') return sqlStr(v);
      if (c.type === 'date') return `(DATE '1970-01-01' + ${v})`;
      if (c.type.startsWith('decimal')) return `CAST('${canonical(c.type, v)}' AS ${c.type.toUpperCase()})`;
      return null;
    };
    const present = c.values.filter((v) => v !== null);
    const probes = [...new Set([present[0], present[present.length - 1], present[present.length >> 1]])];
    for (const v of probes) {
      const lit = v === undefined ? null : literal(v);
      if (lit === null) continue;
      const want = c.values.filter((x) => x !== null && canonical(c.type, x) === canonical(c.type, v)).length;
      const r = await con.runAndReadAll(`SELECT count(*) n FROM read_parquet(${f}) WHERE ${quoteId(c.name)} = ${lit}`);
      const got = Number(r.getRowObjectsJS()[0].n);
      if (got !== want) return `${c.name} = ${lit.slice(0, 40)}: ${got} rows, expected ${want}`;
    }
  }
  return null;
}

// ---- main ----

async function check(name, fn) {
  try {
    const e = await fn();
    report(e === null, name, e);
  } catch (err) {
    report(false, name, String(err?.message ?? err).split('\n')[0]);
  }
}

async function main() {
  if (!fs.existsSync(gen)) {
    report(false, `pq_gen_tables built beside ${tarnBin}`, `${gen} not found`);
    return;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tarn-pqw-'));
  try {
    const list = tables(dir);
    const spec = writeSpec(dir, list);
    try {
      execFileSync(gen, [spec], { stdio: ['ignore', 'inherit', 'pipe'] });
      report(true, 'pq_gen_tables wrote every table');
    } catch (err) {
      report(false, 'pq_gen_tables wrote every table', String(err.stderr ?? err).trim());
    }
    const db = await DuckDBInstance.create(':memory:');
    const con = await db.connect();
    for (const t of list) {
      if (t.expect_error) {
        report(!fs.existsSync(t.path), `${t.name}: refused, no file left`);
        continue;
      }
      if (!fs.existsSync(t.path)) {
        report(false, `${t.name}: written`);
        continue;
      }
      await check(`${t.name}: duckdb values and types`, () => duckValues(con, t));
      await check(`${t.name}: polars values and types`, () => polarsRead(t));
      await check(`${t.name}: arrow-rs values and types`, () => arrowRead(t));
      await check(`${t.name}: duckdb footer and statistics`, () => duckMetadata(con, t));
      if (t.columns[0].values.length)
        await check(`${t.name}: duckdb filters`, () => duckFilters(con, t));
    }
    const left = fs.readdirSync(dir).filter((f) => f.includes('.tarn-'));
    report(left.length === 0, 'no temporary files left', left.join(' '));
  } finally {
    if (!process.env.TARN_KEEP) fs.rmSync(dir, { recursive: true, force: true });
  }
}

await main();
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
