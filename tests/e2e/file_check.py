#!/usr/bin/env python3
"""file_check.py: the independent side of tests/e2e/file.sh. Reads CSV and
JSON-lines files with Python's own csv and json modules and checks what
`tarn file` printed against them. Each command exits 0 when the check
holds, else prints what differed and exits 1.

usage:
  file_check.py stats FILE TARN_STATS_JSON   count, nulls, min, max, distinct
  file_check.py same-csv A B                 the same records
  file_check.py json-matches-csv CSV JSONL   tarn's JSON lines hold the CSV's values
  file_check.py inspect FILE TARN_INSPECT_JSON   rows and column names
"""
import csv
import json
import sys

# How tarn treats an empty unquoted CSV field: NULL.
NULL = None


def read_table(path):
    """(names, rows) with every value a str, or None for NULL."""
    if path.endswith(".jsonl"):
        names, rows = [], []
        with open(path, encoding="utf-8") as f:
            for line in f:
                if not line.strip():
                    continue
                obj = json.loads(line)
                for k in obj:
                    if k not in names:
                        names.append(k)
                rows.append(obj)
        return names, [[r.get(n) for n in names] for r in rows]
    with open(path, newline="", encoding="utf-8") as f:
        recs = list(csv.reader(f))
    names = recs[0]
    return names, [[v if v != "" else NULL for v in r] for r in recs[1:]]


def key_for(tarn_type, v):
    """The ordering tarn uses for a value of that type."""
    if tarn_type in ("int", "bigint"):
        return int(v)
    if tarn_type == "double":
        return float(v)
    if tarn_type == "boolean":
        return bool(v) if isinstance(v, bool) else v.lower() == "true"
    if isinstance(v, (dict, list)):
        v = json.dumps(v, separators=(",", ":"), ensure_ascii=False)
    return str(v).encode("utf-8")  # strings, dates and timestamps: byte order


def same_value(tarn_type, got, want):
    if want is None:
        return got is None
    if tarn_type == "double":
        return abs(float(got) - want) <= 1e-9 * max(1.0, abs(want))
    if tarn_type in ("int", "bigint", "boolean"):
        return key_for(tarn_type, got) == want
    return str(got).encode("utf-8") == want


def check_stats(path, stats_path):
    names, rows = read_table(path)
    st = json.load(open(stats_path))
    errs = []
    if st["rows"] != len(rows):
        errs.append(f"rows: tarn {st['rows']}, python {len(rows)}")
    if [c["name"] for c in st["columns"]] != names:
        errs.append(f"columns: tarn {[c['name'] for c in st['columns']]}, python {names}")
    for i, col in enumerate(st["columns"]):
        t = col["type"]
        vals = [r[i] for r in rows if i < len(r) and r[i] is not None]
        keys = [key_for(t, v) for v in vals]
        want = {"count": len(vals), "nulls": len(rows) - len(vals)}
        for k, v in want.items():
            if col[k] != v:
                errs.append(f"{col['name']}.{k}: tarn {col[k]}, python {v}")
        if keys:
            for k, v in (("min", min(keys)), ("max", max(keys))):
                if not same_value(t, col[k], v):
                    errs.append(f"{col['name']}.{k}: tarn {col[k]!r}, python {v!r}")
        exact = len(set(keys))
        if abs(col["distinct"] - exact) > max(1, 0.02 * exact):
            errs.append(f"{col['name']}.distinct: tarn {col['distinct']}, python {exact}")
    return errs


def check_same_csv(a, b):
    ra = list(csv.reader(open(a, newline="", encoding="utf-8")))
    rb = list(csv.reader(open(b, newline="", encoding="utf-8")))
    if ra == rb:
        return []
    for i, (x, y) in enumerate(zip(ra, rb)):
        if x != y:
            return [f"record {i}: {x} != {y}"]
    return [f"{len(ra)} records != {len(rb)} records"]


def check_json_matches_csv(csv_path, jsonl_path):
    names, rows = read_table(csv_path)
    out = [json.loads(l) for l in open(jsonl_path, encoding="utf-8")]
    if len(out) != len(rows):
        return [f"{len(out)} JSON lines for {len(rows)} CSV rows"]
    for n, (obj, row) in enumerate(zip(out, rows)):
        if list(obj) != names:
            return [f"line {n + 1}: keys {list(obj)} != {names}"]
        for k, v in zip(names, row):
            got = obj[k]
            if v is None and got is None:
                continue
            if v is None or got is None or str(got) != v:
                return [f"line {n + 1}: {k} = {got!r}, CSV has {v!r}"]
    return []


def check_inspect(path, inspect_path):
    names, rows = read_table(path)
    got = json.load(open(inspect_path))
    errs = []
    if got["rows"] != len(rows):
        errs.append(f"rows: tarn {got['rows']}, python {len(rows)}")
    if [c["name"] for c in got["columns"]] != names:
        errs.append(f"columns: tarn {[c['name'] for c in got['columns']]}, python {names}")
    return errs


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    fn = {"stats": check_stats, "same-csv": check_same_csv,
          "json-matches-csv": check_json_matches_csv, "inspect": check_inspect}[cmd]
    errs = fn(*args)
    for e in errs[:10]:
        print("# " + e)
    sys.exit(1 if errs else 0)


if __name__ == "__main__":
    main()
