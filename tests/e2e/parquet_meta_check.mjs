// parquet_meta_check.mjs: `tarn file inspect --json` on Parquet files
// against what DuckDB reads from the same footers (parquet_file_metadata,
// parquet_kv_metadata, parquet_schema, parquet_metadata), never against
// tarn's own output.
//
// usage: node tests/e2e/parquet_meta_check.mjs TARN FILE...
//
// Per file it compares: rows, row-group count, created_by, format version,
// file size and key-value keys; per leaf column its physical type, width,
// repetition, path and annotation (logical type, else converted type); per
// column chunk its codec, set of encodings, value count, compressed and
// uncompressed sizes, page offsets, NULL count and min / max. tarn shows a
// min or max only where it trusts it (see format.h), so one DuckDB has and
// tarn leaves out is accepted only for the cases format.h names (legacy
// statistics of strings, decimals and unsigned integers, NaN); one tarn
// shows must equal DuckDB's. A dictionary page offset is compared where it
// is possible (before the data page): tarn reports none for others.
// Prints `ok - NAME` / `not ok - NAME` per file; exits 1 if any failed.
import { DuckDBInstance } from '@duckdb/node-api';
import { execFileSync } from 'node:child_process';
import { basename } from 'node:path';

const [tarn, ...files] = process.argv.slice(2);
if (!tarn || files.length === 0) {
  console.error('usage: node parquet_meta_check.mjs TARN FILE...');
  process.exit(2);
}
const db = await DuckDBInstance.create(':memory:');
const con = await db.connect();
await con.run("SET TimeZone = 'UTC'");

const q = async (sql) => (await con.runAndReadAll(sql)).getRowObjectsJson();
const lit = (s) => `'${s.replaceAll("'", "''")}'`;
const num = (v) => (v === null || v === undefined ? null : Number(v));

// DuckDB's logical_type text ("DecimalType(scale=2, precision=10)") to the
// name tarn gives the annotation ("DECIMAL(10,2)"); only the kind is
// compared for the parameterized ones, and decimals in full.
const LOGICAL = {
  StringType: 'STRING', DateType: 'DATE', DecimalType: 'DECIMAL', TimestampType: 'TIMESTAMP',
  TimeType: 'TIME', IntType: 'INTEGER', UUIDType: 'UUID', EnumType: 'ENUM', JsonType: 'JSON',
  BsonType: 'BSON', Float16Type: 'FLOAT16', NullType: 'UNKNOWN', MapType: 'MAP', ListType: 'LIST',
};

function expectedAnnotation(s) {
  if (s.logical_type) {
    const kind = LOGICAL[s.logical_type.split('(')[0]];
    if (kind === 'DECIMAL') return { exact: `DECIMAL(${s.precision},${s.scale})` };
    return kind ? { prefix: kind } : null; // unknown to this script: not compared
  }
  if (s.converted_type === 'DECIMAL') return { exact: `DECIMAL(${s.precision},${s.scale})` };
  return { exact: s.converted_type ?? null };
}

// tarn's text of a statistic against DuckDB's, by tarn's type.
function sameStat(type, physical, t, d) {
  if (type === 'int' || type === 'bigint' || type === 'date' && /^-?\d+$/.test(d)) {
    return BigInt(t) === BigInt(d);
  }
  if (type === 'double') {
    if (physical === 'FLOAT') return Math.fround(Number(t)) === Math.fround(Number(d));
    return Number(t) === Number(d);
  }
  if (type.startsWith('decimal')) return Number(t) === Number(d);
  if (type === 'timestamp') {
    const norm = (s) => s.replace(/\+00(:00)?$/, '').replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, '');
    return norm(String(t)) === norm(d);
  }
  return String(t) === d;
}

function checkStat(why, where, leaf, tarnV, duckValue, duckLegacy, nan) {
  const d = duckValue ?? duckLegacy;
  if (tarnV === null) {
    if (duckValue !== null && duckValue !== undefined && !nan) {
      why.push(`${where}: DuckDB has ${duckValue}, tarn shows none`);
    }
    return;
  }
  if (d === null || d === undefined) {
    why.push(`${where}: tarn shows ${tarnV}, the file records none`);
  } else if (d.includes('\\x')) {
    // binary bytes, which DuckDB prints escaped: not compared
  } else if (!sameStat(leaf.type, leaf.physical, tarnV, d)) {
    why.push(`${where}: tarn ${JSON.stringify(tarnV)}, DuckDB ${JSON.stringify(d)}`);
  }
}

function checkFile(why, j, fm, kv) {
  const eq = (name, a, b) => { if (a !== b) why.push(`${name}: tarn ${a}, DuckDB ${b}`); };
  eq('rows', j.rows, num(fm.num_rows));
  eq('row_groups', j.row_groups, num(fm.num_row_groups));
  eq('created_by', j.created_by, fm.created_by ?? '');
  eq('version', j.version, num(fm.format_version));
  eq('file_size', j.file_size, num(fm.file_size_bytes));
  eq('key-value keys', JSON.stringify(j.key_value_metadata), JSON.stringify(kv));
}

function checkLeaves(why, j, leaves) {
  if (j.leaves.length !== leaves.length) {
    why.push(`leaves: tarn ${j.leaves.length}, DuckDB ${leaves.length}`);
    return;
  }
  leaves.forEach((s, i) => {
    const l = j.leaves[i];
    const at = `leaf ${l.path}`;
    if (l.path.split('.').at(-1) !== s.name) why.push(`${at}: DuckDB names it ${s.name}`);
    if (l.physical !== s.type) why.push(`${at}: physical ${l.physical}, DuckDB ${s.type}`);
    if (l.repetition !== s.repetition_type) why.push(`${at}: ${l.repetition}, DuckDB ${s.repetition_type}`);
    if (s.type === 'FIXED_LEN_BYTE_ARRAY' && l.type_length !== num(s.type_length)) {
      why.push(`${at}: width ${l.type_length}, DuckDB ${s.type_length}`);
    }
    // an annotation DuckDB does not know it shows as none; tarn as unknown(N)
    const want = /^unknown\(\d+\)$/.test(l.logical) && !s.logical_type && !s.converted_type
      ? null : expectedAnnotation(s);
    if (want && 'exact' in want && l.logical !== want.exact) {
      why.push(`${at}: annotation ${l.logical}, DuckDB ${want.exact}`);
    }
    if (want && 'prefix' in want && !(l.logical ?? '').startsWith(want.prefix)) {
      why.push(`${at}: annotation ${l.logical}, DuckDB ${s.logical_type}`);
    }
  });
}

function checkChunks(why, j, chunks) {
  for (const c of chunks) {
    const g = num(c.row_group_id), k = num(c.column_id);
    const rg = j.row_group_details[g];
    const t = rg?.chunks[k];
    const leaf = j.leaves[k];
    const at = `row group ${g} column ${c.path_in_schema}`;
    if (!t) { why.push(`${at}: missing in tarn`); continue; }
    const eq = (name, a, b) => { if (a !== b) why.push(`${at}: ${name} tarn ${a}, DuckDB ${b}`); };
    eq('rows', rg.rows, num(c.row_group_num_rows));
    eq('path', t.path, c.path_in_schema.split(', ').join('.'));
    eq('codec', t.codec, c.compression);
    eq('encodings', [...t.encodings].sort().join(','), c.encodings.split(', ').sort().join(','));
    eq('values', t.num_values, num(c.num_values));
    eq('compressed', t.compressed_size, num(c.total_compressed_size));
    eq('uncompressed', t.uncompressed_size, num(c.total_uncompressed_size));
    eq('data page offset', t.data_page_offset, num(c.data_page_offset));
    const dict = num(c.dictionary_page_offset);
    if (dict > 0 && dict < num(c.data_page_offset)) { // tarn drops impossible offsets
      eq('dictionary page offset', t.dictionary_page_offset, num(c.dictionary_page_offset));
    }
    eq('null count', t.null_count, num(c.stats_null_count));
    // a NaN bound, which tarn never trusts: DuckDB shows it, or (as for
    // nan_in_stats.parquet, whose max is NaN) leaves it out
    const nan = /nan/i.test(`${c.stats_min_value} ${c.stats_max_value}`) ||
      (/FLOAT|DOUBLE/.test(c.type) && (c.stats_min_value === null) !== (c.stats_max_value === null));
    checkStat(why, `${at} min`, leaf, t.min, c.stats_min_value, c.stats_min, nan);
    checkStat(why, `${at} max`, leaf, t.max, c.stats_max_value, c.stats_max, nan);
  }
}

let failed = 0;
for (const file of files) {
  const name = `inspect --json ${basename(file)} matches DuckDB's reading of the footer`;
  const why = [];
  try {
    const out = execFileSync(tarn, ['file', 'inspect', '--json', file],
      { encoding: 'utf8', maxBuffer: 1 << 28 });
    // integers past 2^53 as strings, so JSON.parse keeps every digit
    const j = JSON.parse(out.replace(/([:[,])(-?\d{16,})(?=[,\]}])/g, '$1"$2"'));
    const f = lit(file);
    const [fm] = await q(`SELECT * FROM parquet_file_metadata(${f})`);
    const kv = (await q(`SELECT decode(key) AS k FROM parquet_kv_metadata(${f})`)).map((r) => r.k);
    const leaves = (await q(`SELECT * FROM parquet_schema(${f})`))
      .filter((s) => s.num_children === null || num(s.num_children) === 0)
      .filter((s) => s.type !== null);
    const chunks = await q(`SELECT * FROM parquet_metadata(${f}) ORDER BY row_group_id, column_id`);
    checkFile(why, j, fm, kv);
    checkLeaves(why, j, leaves);
    checkChunks(why, j, chunks);
  } catch (e) {
    why.push(String(e.message ?? e).split('\n')[0]);
  }
  if (why.length === 0) {
    console.log(`ok - ${name}`);
  } else {
    failed++;
    console.log(`not ok - ${name}`);
    for (const w of why.slice(0, 10)) console.log(`# ${w}`);
    if (why.length > 10) console.log(`# ... ${why.length - 10} more`);
  }
}
process.exit(failed ? 1 : 0);
