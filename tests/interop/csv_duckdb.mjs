// tests/interop/csv_duckdb.mjs: tarn's CSV reader against DuckDB's read_csv.
//
// usage: node tests/interop/csv_duckdb.mjs TARN
//
// For every messy CSV file from lib/messy_csv.mjs (seeded, written to a temp
// dir) and every csv-spectrum file, runs `tarn file inspect --json PATH` and
// `tarn file cat --format json PATH`, reads the same file with DuckDB's
// read_csv, and compares column names, types (tarn int/bigint = DuckDB
// INTEGER/BIGINT, double = DOUBLE, date = DATE, timestamp = TIMESTAMP or
// TIMESTAMP WITH TIME ZONE compared in UTC, boolean = BOOLEAN, string =
// VARCHAR), row counts and every value. Each deliberate difference is listed
// in EXCEPTIONS with the file, the column and why; the script checks that the
// difference is exactly the documented one. Prints `ok - ...` / `not ok - ...`
// and exits non-zero on any failure.
import { DuckDBInstance } from '@duckdb/node-api';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeMessyCsvs } from './lib/messy_csv.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const tarn = process.argv[2];
if (!tarn) {
  console.error('usage: node tests/interop/csv_duckdb.mjs TARN');
  process.exit(2);
}
const SPECTRUM = join(here, '..', '..', '..', 'shared', 'testdata', 'csv-spectrum', 'csvs');

// Deliberate differences: file (without extension), column, what each side
// says, why, and how tarn's value relates to DuckDB's.
const EXCEPTIONS = [
  {
    file: 'dates_and_timestamps', column: 'when', tarn: 'timestamp', duckdb: 'VARCHAR',
    why: 'a column mixing dates and timestamps: tarn widens date -> timestamp (a date is midnight), DuckDB falls back to VARCHAR',
    value: (t, d) => t === (d.length === 10 ? `${d} 00:00:00` : d),
  },
  {
    file: 'thousands', column: 'amount', tarn: 'double', duckdb: 'VARCHAR',
    why: 'tarn reads comma groups of three ("43,774.58") as numbers; DuckDB needs thousands=\',\'',
    value: (t, d) => t === Number(d.replace(/,/g, '')),
  },
  {
    file: 'quoted_empty', column: 's', tarn: 'string', duckdb: 'VARCHAR',
    why: 'a quoted empty field "" is an empty string in tarn (only an unquoted empty field is NULL); DuckDB reads both as NULL',
    value: (t, d) => (d === null ? t === '' || t === null : t === d),
  },
  {
    file: 'padded_numbers', column: 'b', tarn: 'double', duckdb: 'VARCHAR',
    why: 'tarn ignores blanks around any non-string value ("2.5 "); DuckDB does so for integers but keeps padded decimals as VARCHAR',
    value: (t, d) => t === Number(d.trim()),
  },
];

// DuckDB infers types from a sample of 20480 rows and then fails ("n/a") or
// rounds ("2.5" read as BIGINT 3) on a later misfit; tarn checks every row
// and widens. For files whose first misfit is past the sample, DuckDB reads
// with sample_size=-1 (every row) so both look at the same evidence.
const DUCKDB_OPTIONS = {
  late_bigint: ', sample_size=-1',
  late_double: ', sample_size=-1',
  late_string: ', sample_size=-1',
};

let failures = 0;
function ok(name) { console.log(`ok - csv_duckdb: ${name}`); }
function notOk(name, why) { failures++; console.log(`not ok - csv_duckdb: ${name}: ${why}`); }

// JSON.parse with integers beyond 2^53 kept exact (as strings).
function parseJsonLine(line) {
  let out = '', inStr = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (inStr) {
      out += c;
      if (c === '\\') out += line[++i];
      else if (c === '"') inStr = false;
    } else if (c === '"') {
      inStr = true;
      out += c;
    } else if (c === '-' || (c >= '0' && c <= '9')) {
      let j = i;
      while (j < line.length && /[-+0-9.eE]/.test(line[j])) j++;
      const tok = line.slice(i, j);
      out += /^-?\d{16,}$/.test(tok) ? `"${tok}"` : tok;
      i = j - 1;
    } else {
      out += c;
    }
  }
  return JSON.parse(out);
}

function runTarn(args) {
  return execFileSync(tarn, args, { maxBuffer: 1 << 30, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function family(t) {
  t = t.toUpperCase();
  if (['INT', 'BIGINT', 'INTEGER', 'SMALLINT', 'TINYINT', 'HUGEINT', 'UBIGINT', 'UINTEGER'].includes(t)) return 'integer';
  if (['DOUBLE', 'FLOAT', 'REAL'].includes(t)) return 'double';
  if (t.startsWith('TIMESTAMP')) return 'timestamp';
  if (t === 'DATE') return 'date';
  if (t === 'BOOLEAN') return 'boolean';
  if (t === 'VARCHAR' || t === 'STRING') return 'string';
  if (t.startsWith('DECIMAL')) return 'decimal';
  return t;
}

// "2020-01-03 08:00:00.5+00" and "2020-01-03 08:00:00.500000" -> one form.
function normTimestamp(s) {
  const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(?:\.(\d+))?(?:\+00(?::00)?|Z)?$/.exec(s);
  if (!m) return s;
  return `${m[1]} ${m[2]}.${(m[3] ?? '').padEnd(6, '0').slice(0, 6)}`;
}

function norm(fam, v) {
  if (v === null || v === undefined) return null;
  switch (fam) {
    case 'integer': return String(BigInt(v));
    case 'double': return Number(v);
    case 'boolean': return v === true || v === 'true';
    case 'timestamp': return normTimestamp(String(v));
    default: return String(v);
  }
}

function sameValue(a, b) {
  if (typeof a === 'number' && typeof b === 'number') return a === b || (Number.isNaN(a) && Number.isNaN(b));
  return a === b;
}

async function duckRead(con, name, path) {
  const opts = DUCKDB_OPTIONS[name] ?? '';
  const r = await con.runAndReadAll(`SELECT * FROM read_csv('${path.replace(/'/g, "''")}'${opts})`);
  return { names: r.columnNames(), types: r.columnTypes().map((t) => t.toString()), rows: r.getRowsJson() };
}

function tarnRead(path) {
  const meta = JSON.parse(runTarn(['file', 'inspect', '--json', path]));
  const text = runTarn(['file', 'cat', '--format', 'json', path]);
  const rows = text.split('\n').filter((l) => l.length).map(parseJsonLine);
  return { names: meta.columns.map((c) => c.name), types: meta.columns.map((c) => c.type), rows, meta };
}

// Compare one file; returns a list of problems (empty = same).
function compare(name, t, d) {
  const problems = [];
  if (JSON.stringify(t.names) !== JSON.stringify(d.names))
    return [`column names differ: tarn ${JSON.stringify(t.names)}, duckdb ${JSON.stringify(d.names)}`];
  if (t.rows.length !== d.rows.length)
    return [`row counts differ: tarn ${t.rows.length}, duckdb ${d.rows.length}`];
  t.names.forEach((col, c) => {
    const ex = EXCEPTIONS.find((e) => e.file === name && e.column === col);
    if (ex) {
      if (t.types[c] !== ex.tarn || d.types[c] !== ex.duckdb)
        problems.push(`${col}: documented as tarn ${ex.tarn} / duckdb ${ex.duckdb}, got ${t.types[c]} / ${d.types[c]}`);
      const bad = t.rows.findIndex((row, i) => !ex.value(row[col] ?? null, d.rows[i][c]));
      if (bad >= 0)
        problems.push(`${col} row ${bad}: tarn ${JSON.stringify(t.rows[bad][col])} vs duckdb ${JSON.stringify(d.rows[bad][c])} is not the documented difference (${ex.why})`);
      return;
    }
    const ft = family(t.types[c]), fd = family(d.types[c]);
    if (ft !== fd) {
      problems.push(`${col}: type tarn ${t.types[c]} vs duckdb ${d.types[c]}`);
      return;
    }
    for (let i = 0; i < t.rows.length; i++) {
      const a = norm(ft, t.rows[i][col]), b = norm(fd, d.rows[i][c]);
      if (!sameValue(a, b)) {
        problems.push(`${col} row ${i}: tarn ${JSON.stringify(a)} vs duckdb ${JSON.stringify(b)}`);
        break;
      }
    }
  });
  return problems;
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'tarn-csv-interop-'));
  try {
    const files = writeMessyCsvs(dir, 42);
    const qe = join(dir, 'quoted_empty.csv');
    writeFileSync(qe, 's,n\n"",1\nx,2\n,3\n');
    files.push({ name: 'quoted_empty', path: qe });
    for (const f of readdirSync(SPECTRUM).filter((x) => x.endsWith('.csv')).sort())
      files.push({ name: basename(f, '.csv'), path: join(SPECTRUM, f) });

    const db = await DuckDBInstance.create(':memory:', { threads: '2' });
    const con = await db.connect();
    try { await con.run("SET TimeZone = 'UTC'"); } catch { /* no ICU: timestamps print in UTC anyway */ }
    for (const f of files) {
      let t, d;
      try {
        t = tarnRead(f.path);
      } catch (e) {
        notOk(f.name, `tarn failed: ${(e.stderr || e.message).toString().trim()}`);
        continue;
      }
      try {
        d = await duckRead(con, f.name, f.path);
      } catch (e) {
        notOk(f.name, `duckdb failed: ${e.message}`);
        continue;
      }
      const problems = compare(f.name, t, d);
      if (problems.length) notOk(f.name, problems.join('; '));
      else ok(`${f.name} (${t.rows.length} rows, ${t.names.length} columns)`);
    }
    for (const e of EXCEPTIONS) console.log(`# exception ${e.file}.${e.column}: ${e.why}`);
    for (const [k, v] of Object.entries(DUCKDB_OPTIONS)) console.log(`# duckdb read ${k} with${v.slice(1)}: its type changes after DuckDB's 20480-row sample`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  process.exit(failures ? 1 : 0);
}

await main();
