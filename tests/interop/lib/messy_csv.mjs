// tests/interop/lib/messy_csv.mjs: a seeded generator of messy CSV files
// (dialects, line ends, quoting, encodings, late type changes, dates in
// several orders, empty and quoted-empty fields, gzip) for the CSV interop
// test. Same seed, same bytes.
//
//   import { writeMessyCsvs } from './lib/messy_csv.mjs';
//   const files = writeMessyCsvs(dir, 42);   // [{ name, path }]
//
// Run directly to write the files: node tests/interop/lib/messy_csv.mjs DIR [SEED]
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';

// mulberry32: small, seedable, good enough for test data.
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

const COUNTRIES = [
  ['AF', 'Afghanistan', 'EMR'], ['CI', "Côte d’Ivoire", 'AFR'], ['KR', 'Korea, Republic of', 'WPR'],
  ['CW', 'Curaçao', 'AMR'], ['BO', 'Bolivia (Plurinational State of)', 'AMR'], ['TR', 'Türkiye', 'EUR'],
  ['RE', 'Réunion', 'AFR'], ['US', 'United States of America', 'AMR'], ['JP', '日本', 'WPR'],
];

const pad = (n, w = 2) => String(n).padStart(w, '0');
const isoDate = (d) => `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;

// Quote a field for delimiter d and quote q when it needs it (or when forced).
function field(v, d = ',', q = '"', force = false) {
  const s = String(v);
  if (force || s.includes(d) || s.includes(q) || s.includes('\n') || s.includes('\r'))
    return q + s.split(q).join(q + q) + q;
  return s;
}

function lines(rows, d = ',', nl = '\n', q = '"') {
  return rows.map((r) => r.map((v) => (v === null ? '' : field(v, d, q))).join(d)).join(nl) + nl;
}

// Each generator returns the file's bytes (a string, or a Buffer).
const GENERATORS = {
  who_crlf(r) {
    const rows = [['Date_reported', 'Country_code', 'Country', 'WHO_region', 'New_cases',
      'Cumulative_cases', 'New_deaths', 'Cumulative_deaths', 'Source URL', ' Notes ']];
    const cum = {};
    for (let day = 0; day < 60; day++) {
      const d = new Date(Date.UTC(2020, 0, 3 + day));
      for (const [cc, name, reg] of COUNTRIES) {
        const nc = Math.floor(r() * 5000), nd = Math.floor(r() * 50);
        const c = cum[cc] || [0, 0];
        c[0] += nc; c[1] += nd; cum[cc] = c;
        const e = (v) => (r() < 0.01 ? null : v);
        const note = r() < 0.03 ? 'Data "revised" by ministry, see report' : null;
        rows.push([isoDate(d), cc, name, reg, e(nc), e(c[0]), e(nd), e(c[1]),
          `https://covid19.who.int/data/${cc}`, note]);
      }
    }
    return lines(rows, ',', '\r\n');
  },
  semicolon_decimals(r) {
    const rows = [['id', 'price', 'ratio', 'day', 'label']];
    for (let i = 0; i < 500; i++)
      rows.push([i, (r() * 1000).toFixed(2), (r() * 2 - 1).toExponential(3),
        isoDate(new Date(Date.UTC(2019, 0, 1 + i))), `item; ${i}`]);
    return lines(rows, ';');
  },
  tab_bools_timestamps(r) {
    const rows = [['flag', 'at', 'n', 'txt']];
    for (let i = 0; i < 400; i++) {
      const t = new Date(Date.UTC(2021, 5, 1, 0, 0, 0) + Math.floor(r() * 1e10));
      const frac = i % 3 === 0 ? '' : `.${pad(Math.floor(r() * 1000), 3)}`;
      rows.push([r() < 0.5 ? 'true' : 'FALSE', `${isoDate(t)} ${pad(t.getUTCHours())}:${pad(t.getUTCMinutes())}:${pad(t.getUTCSeconds())}${frac}`,
        Math.floor(r() * 1e6) - 5e5, `a\tb ${i}`]);
    }
    return lines(rows, '\t');
  },
  pipe_no_header(r) {
    const rows = [];
    for (let i = 0; i < 300; i++) rows.push([i, Math.floor(r() * 100), (r() * 10).toFixed(3)]);
    return lines(rows, '|');
  },
  multiline_quoted(r) {
    const rows = [['id', 'comment', 'score']];
    for (let i = 0; i < 300; i++) {
      const c = r() < 0.2 ? `line one\nline "two", with comma\nthree ${i}` : `simple ${i}`;
      rows.push([i, c, Math.floor(r() * 10)]);
    }
    return lines(rows);
  },
  cr_only(r) {
    const rows = [['a', 'b', 'c']];
    for (let i = 0; i < 200; i++) rows.push([i, `x${i}`, (i * 1.25).toString()]);
    return lines(rows, ',', '\r');
  },
  late_bigint(r) {
    const rows = [['id', 'v']];
    for (let i = 0; i < 30000; i++) rows.push([i, i === 25000 ? '9876543210123' : Math.floor(r() * 1000)]);
    return lines(rows);
  },
  late_double(r) {
    const rows = [['id', 'v']];
    for (let i = 0; i < 30000; i++) rows.push([i, i === 25000 ? '2.5' : Math.floor(r() * 1000)]);
    return lines(rows);
  },
  late_string(r) {
    const rows = [['id', 'v']];
    for (let i = 0; i < 30000; i++) rows.push([i, i === 25000 ? 'n/a' : Math.floor(r() * 1000)]);
    return lines(rows);
  },
  dates_day_first(r) {
    const rows = [['d', 'n']];
    for (let i = 0; i < 100; i++) {
      const d = new Date(Date.UTC(2020, 0, 1 + i * 3));
      rows.push([`${pad(d.getUTCDate())}/${pad(d.getUTCMonth() + 1)}/${d.getUTCFullYear()}`, i]);
    }
    return lines(rows);
  },
  dates_month_first(r) {
    const rows = [['d', 'n']];
    for (let i = 0; i < 100; i++) {
      const d = new Date(Date.UTC(2020, 0, 1 + i * 3));
      rows.push([`${pad(d.getUTCMonth() + 1)}/${pad(d.getUTCDate())}/${d.getUTCFullYear()}`, i]);
    }
    return lines(rows);
  },
  dates_dotted(r) {
    const rows = [['d', 'n']];
    for (let i = 0; i < 100; i++) {
      const d = new Date(Date.UTC(2021, 2, 1 + i));
      rows.push([`${pad(d.getUTCDate())}.${pad(d.getUTCMonth() + 1)}.${d.getUTCFullYear()}`, i]);
    }
    return lines(rows);
  },
  all_strings(r) {
    const rows = [['name', 'city']];
    for (let i = 0; i < 50; i++) rows.push([`person ${i}`, COUNTRIES[i % COUNTRIES.length][1]]);
    return lines(rows);
  },
  utf8_bom(r) {
    return '\ufeff' + lines([['k', 'v'], ...Array.from({ length: 20 }, (_, i) => [i, `é${i}`])]);
  },
  empties(r) {
    let s = 'a,b,c\n';
    for (let i = 0; i < 50; i++)
      s += `${i % 5 === 0 ? '' : i},${i % 7 === 0 ? '' : 'x' + i},${i % 3 === 0 ? '' : i * 2}\n`;
    return s;
  },
  leading_zeros(r) {
    const rows = [['zip', 'n']];
    for (let i = 0; i < 50; i++) rows.push([pad(Math.floor(r() * 99999), 5), i]);
    return lines(rows);
  },
  dates_and_timestamps(r) {
    const rows = [['when', 'n']];
    for (let i = 0; i < 50; i++) rows.push([i % 10 === 9 ? '2020-01-03 12:30:00' : '2020-01-04', i]);
    return lines(rows);
  },
  thousands(r) {
    const rows = [['amount', 'n']];
    for (let i = 0; i < 50; i++)
      rows.push([(Math.floor(r() * 1e8) / 100).toLocaleString('en-US', { minimumFractionDigits: 2 }), i]);
    return lines(rows);
  },
  timestamps_zoned(r) {
    const rows = [['at', 'n']];
    for (let i = 0; i < 50; i++) rows.push([`2020-01-${pad(1 + (i % 28))}T${pad(i % 24)}:15:00${i % 2 ? 'Z' : '+02:00'}`, i]);
    return lines(rows);
  },
  gzip(r) {
    return gzipSync(Buffer.from(lines([['a', 'b'], ...Array.from({ length: 100 }, (_, i) => [i, `v${i}`])])));
  },
  big_numbers(r) {
    const rows = [['id', 'big', 'huge']];
    for (let i = 0; i < 40; i++)
      rows.push([i, String(2 ** 31 + i * 1000), `${9000000000000000000n + BigInt(i)}`]);
    return lines(rows);
  },
  padded_numbers(r) {
    let s = 'a,b,c\n';
    for (let i = 0; i < 40; i++) s += ` ${i} ,${(i * 0.5).toFixed(1)} ,x${i}\n`;
    return s;
  },
  trailing_delimiter(r) {
    let s = 'a,b,\n';
    for (let i = 0; i < 40; i++) s += `${i},${i % 2 ? 'true' : 'false'},\n`;
    return s;
  },
  crlf_in_quotes(r) {
    const rows = [['id', 'text']];
    for (let i = 0; i < 100; i++) rows.push([i, i % 3 ? `plain ${i}` : `two\r\nlines ${i}`]);
    return lines(rows, ',', '\r\n');
  },
  single_column(r) {
    return 'v\n' + Array.from({ length: 30 }, (_, i) => (i % 4 === 0 ? '' : String(i))).join('\n') + '\n';
  },
};

// Write every messy file into dir; returns [{ name, path }].
export function writeMessyCsvs(dir, seed = 42) {
  mkdirSync(dir, { recursive: true });
  const out = [];
  for (const [name, gen] of Object.entries(GENERATORS)) {
    const bytes = gen(rng(seed ^ name.length * 2654435761));
    const file = join(dir, name === 'gzip' ? 'gzip.csv.gz' : `${name}.csv`);
    writeFileSync(file, bytes);
    out.push({ name, path: file });
  }
  return out;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const dir = process.argv[2];
  if (!dir) {
    console.error('usage: node messy_csv.mjs DIR [SEED]');
    process.exit(2);
  }
  for (const f of writeMessyCsvs(dir, Number(process.argv[3] ?? 42))) console.log(f.path);
}
