#!/usr/bin/env bash
# tests/e2e/parquet.sh: end-to-end tests of `tarn file inspect` and `tarn
# file cat` on Parquet, and of `cat`/`convert` text output read in parallel.
# Expected facts come from DuckDB (a file it writes with known types and
# values; its parquet_* metadata functions, in parquet_meta_check.mjs) and
# from Python's csv module (tests/e2e/file_check.py), never from tarn.
#
# usage: tests/e2e/parquet.sh TARN     prints `ok - NAME` / `not ok - NAME`
#                                     per check; exits 1 if any failed
set -uo pipefail
TARN=$(realpath "${1:?usage: parquet.sh TARN}")
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
PQDATA=$ROOT/../shared/testdata/parquet-testing/data
CHECK="python3 $HERE/file_check.py"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
export TARN_HOME=$WORK/home
cd "$WORK"
failed=0

. "$HERE/lib/checks.sh"

# ---- a file DuckDB writes, with types and values known here ----
# 10000 rows in row groups of 2048 (DuckDB's unit): 5 row groups. Column v
# holds 1..10000 with every 100th NULL; price is DECIMAL(10,2), which
# DuckDB stores as INT64; d a DATE (INT32); name a VARCHAR (BYTE_ARRAY UTF8);
# k a BIGINT.
have_duckdb=0
if command -v node >/dev/null && [[ -d $ROOT/tests/node_modules/@duckdb/node-api ]]; then
    cat >"$WORK/duck.mjs" <<EOF
import { createRequire } from 'node:module';
const { DuckDBInstance } = createRequire('$ROOT/tests/package.json')('@duckdb/node-api');
const db = await DuckDBInstance.create(':memory:');
const con = await db.connect();
await con.run(\`CREATE TABLE t (k BIGINT NOT NULL, v INTEGER, price DECIMAL(10,2), d DATE, name VARCHAR)\`);
await con.run(\`INSERT INTO t SELECT i, CASE WHEN i % 100 = 0 THEN NULL ELSE i::INTEGER END,
  (i % 1000)::DECIMAL(10,2) / 4, DATE '2020-01-01' + i::INTEGER, 'name ' || (i % 37)
  FROM range(1, 10001) r(i)\`);
await con.run("COPY (FROM t ORDER BY k) TO '$WORK/duck.parquet' (FORMAT parquet, ROW_GROUP_SIZE 2048)");
await con.run("COPY (FROM t ORDER BY k) TO '$WORK/duck.csv' (FORMAT csv, HEADER)");
EOF
    node "$WORK/duck.mjs" && have_duckdb=1
fi

if ((have_duckdb)); then
    D=$WORK/duck.parquet
    t "inspect: rows, row groups, columns" eval 'run 0 file inspect "$D" && has "^format: *parquet" && has "^rows: *10000$" && has "^row groups: *5$" && has "^columns: *5$" && has "^created by: *DuckDB"'
    # DuckDB writes every column OPTIONAL, integers with their INT_64 /
    # INT_32 converted types, strings as UTF8, decimals up to 18 digits INT64
    t "inspect: tarn, physical and logical types, repetition" eval 'run 0 file inspect "$D" &&
        has "^ *1  k  *bigint  *INT64  *INT_64  *OPTIONAL" &&
        has "^ *2  v  *int  *INT32  *INT_32  *OPTIONAL" &&
        has "^ *3  price  *decimal(10,2)  *INT64  *DECIMAL(10,2)  *OPTIONAL" &&
        has "^ *4  d  *date  *INT32  *DATE  *OPTIONAL" &&
        has "^ *5  name  *string  *BYTE_ARRAY  *UTF8  *OPTIONAL"'
    t "inspect: first row group's chunk of v: 2048 values, 20 NULLs, 1..2048" eval 'run 0 file inspect "$D" && has "^row group 0: 2048 rows" && has "^v  *SNAPPY  *[A-Z_,]*  *2048  *[0-9]*  *[0-9]*  *20  *1  *2048$"'
    lo=$(python3 -c 'import datetime as d; print(d.date(2020, 1, 1) + d.timedelta(8193))')
    hi=$(python3 -c 'import datetime as d; print(d.date(2020, 1, 1) + d.timedelta(10000))')
    t "inspect: last row group's chunk of d: rows 8193..10000, no NULLs" eval 'run 0 file inspect "$D" && grep -A7 "^row group 4: 1808 rows" "$WORK/out" | grep -q "^d  .*  0  *$lo  *$hi$"'
    t "inspect: a REQUIRED column (parquet-testing)" eval 'run 0 file inspect "$PQDATA/delta_encoding_required_column.parquet" && has "^ *1  c_customer_sk:  *int  *INT32  *-  *REQUIRED"'
    t "inspect --row-groups 2 shows two and says how many more" eval 'run 0 file inspect "$D" --row-groups 2 && has "^row group 1:" && ! has "^row group 2:" && has "3 more row groups"'
    t "inspect --row-groups 0" eval 'run 0 file inspect "$D" --row-groups 0 && ! has "^row group 0:" && has "5 more row groups"'
    t "inspect --row-groups is checked" eval 'run 2 file inspect "$D" --row-groups x && has "needs a count" err'
    t "--row-groups is an inspect option only" eval 'run 2 file cat "$D" --row-groups 3'
    t "inspect --json: every row group and chunk" eval 'run 0 file inspect --json "$D" && python3 -c "
import json, sys
j = json.load(open(sys.argv[1]))
g = j[\"row_group_details\"]
assert len(g) == 5 and [x[\"rows\"] for x in g] == [2048] * 4 + [1808], g
v = [c for c in g[0][\"chunks\"] if c[\"path\"] == \"v\"][0]
assert (v[\"null_count\"], v[\"min\"], v[\"max\"], v[\"num_values\"]) == (20, 1, 2048, 2048), v
p = [l for l in j[\"leaves\"] if l[\"path\"] == \"price\"][0]
assert (p[\"physical\"], p[\"logical\"], p[\"type\"]) == (\"INT64\", \"DECIMAL(10,2)\", \"decimal(10,2)\"), p
" "$WORK/out"'
    t "inspect --json agrees with DuckDB's parquet metadata (DuckDB file)" node "$HERE/parquet_meta_check.mjs" "$TARN" "$D"
    t "cat --format csv of DuckDB's Parquet holds DuckDB's CSV records" eval 'run 0 file cat --format csv "$D" && $CHECK same-csv "$WORK/duck.csv" "$WORK/out"'
    t "inspect --json agrees with DuckDB on the parquet-testing files" node "$HERE/parquet_meta_check.mjs" "$TARN" "$PQDATA"/*.parquet
else
    echo "ok - # SKIP DuckDB tests: node or tests/node_modules missing"
fi

# ---- parallel text output keeps file order ----
# A CSV made by Python: many splits (over 1 MiB), quoting, NULLs, unicode.
python3 - "$WORK/big.csv" <<'EOF'
import csv, random, sys
random.seed(5)
names = ["Côte d’Ivoire", "a,b", 'q"x', " lead", "trail ", "plain", "multi\nline"]
with open(sys.argv[1], "w", newline="", encoding="utf-8") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["id", "name", "score", "day", "ok"])
    for i in range(200000):
        score = "" if i % 17 == 0 else repr(round(random.uniform(-1e6, 1e6), random.randint(0, 6)))
        score = score[:-2] if score.endswith(".0") else score  # shortest text, as tarn prints it
        w.writerow([i, random.choice(names) + str(i % 911), score,
                    f"20{random.randint(10, 29)}-0{random.randint(1, 9)}-1{random.randint(0, 9)}",
                    "true" if i % 3 else "false"])
EOF
B=$WORK/big.csv
t "cat csv of a multi-split csv holds the same records in order" eval 'run 0 file cat --format csv "$B" && $CHECK same-csv "$B" "$WORK/out"'
# json_matches CSV JSONL: each JSON line holds its CSV record's values
# (booleans as true/false, numbers compared as numbers, "" as null).
json_matches() {
    python3 - "$1" "$2" <<'EOF'
import csv, json, sys
recs = list(csv.reader(open(sys.argv[1], newline="", encoding="utf-8")))
names, rows = recs[0], recs[1:]
lines = open(sys.argv[2], encoding="utf-8").read().splitlines()
assert len(lines) == len(rows), f"{len(lines)} JSON lines for {len(rows)} records"
for n, (line, row) in enumerate(zip(lines, rows)):
    obj = json.loads(line)
    assert list(obj) == names, f"line {n + 1}: keys {list(obj)}"
    for k, v in zip(names, row):
        got = obj[k]
        if isinstance(got, bool):
            got = "true" if got else "false"
        elif isinstance(got, (int, float)):
            ok = v != "" and float(v) == got
            assert ok, f"line {n + 1}: {k} = {got!r}, CSV has {v!r}"
            continue
        assert (got is None and v == "") or got == v, f"line {n + 1}: {k} = {got!r}, CSV has {v!r}"
EOF
}
t "cat json of a multi-split csv holds the csv values in order" eval 'run 0 file cat --format json "$B" && json_matches "$B" "$WORK/out"'
t "convert csv -> parquet with 97 row groups" eval 'run 0 file convert "$B" "$WORK/big.parquet" --row-group-size 2063 && run 0 file inspect "$WORK/big.parquet" --row-groups 0 && has "^row groups: *97$"'
t "cat csv of a many-row-group parquet holds the same records in order" eval 'run 0 file cat --format csv "$WORK/big.parquet" && $CHECK same-csv "$B" "$WORK/out"'
t "convert parquet -> csv holds the same records in order" eval 'run 0 file convert "$WORK/big.parquet" "$WORK/back.csv" && $CHECK same-csv "$B" "$WORK/back.csv"'
t "convert parquet -> jsonl holds the csv values in order" eval 'run 0 file convert "$WORK/big.parquet" "$WORK/back.jsonl" && json_matches "$B" "$WORK/back.jsonl"'
t "cat --limit on parquet stops after the limit" eval 'run 0 file cat --format csv --limit 3000 "$WORK/big.parquet" && [[ $(python3 -c "import csv,sys; print(sum(1 for _ in csv.reader(open(sys.argv[1], newline=\"\"))))" "$WORK/out") == 3001 ]]'

# ---- a damaged file: rows before the damage, then the error ----
if [[ -f $PQDATA/datapage_v1-corrupt-checksum.parquet ]]; then
    t "cat of a corrupt page fails naming column, row group and page" eval 'run 1 file cat --format csv "$PQDATA/datapage_v1-corrupt-checksum.parquet" && has "row group 0, page 0: page checksum mismatch" err'
fi

exit $failed
