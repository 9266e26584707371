#!/usr/bin/env bash
# tests/e2e/file.sh: end-to-end tests of `tarn file inspect|cat|stats` on
# the sample data in examples/data and on files made here. Expected figures
# come from Python's csv and json modules (tests/e2e/file_check.py), never
# from tarn itself.
#
# usage: tests/e2e/file.sh TARN      prints `ok - NAME` / `not ok - NAME`
#                                    per check; exits 1 if any failed
set -uo pipefail
TARN=$(realpath "${1:?usage: file.sh TARN}")
HERE=$(cd "$(dirname "$0")" && pwd)
DATA=$HERE/../../examples/data
CSV=$DATA/who_covid_sample.csv
JSONL=$DATA/who_events_sample.jsonl
CHECK="python3 $HERE/file_check.py"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
export TARN_HOME=$WORK/home
cd "$WORK"
failed=0

. "$HERE/lib/checks.sh"

# ---- usage ----
t "file --help lists the verbs" eval 'run 0 file --help && has inspect && has stats && has '--skip-bad-rows''
t "file VERB --help" eval 'run 0 file cat --help && has '--limit''
t "missing PATH is a usage error" eval 'run 2 file cat && has "missing PATH" err'
t "unknown verb is a usage error" eval 'run 2 file frob x && has "unknown verb" err'
t "unknown option is a usage error" eval 'run 2 file stats "$CSV" --nope && has "unknown option" err'
t "bad --format value is a usage error" eval 'run 2 file cat "$CSV" --format xml'
t "bad --limit value is a usage error" eval 'run 2 file cat "$CSV" --limit -3'
t "--limit is not a stats option" eval 'run 2 file stats "$CSV" --limit 3'
t "missing file fails naming it" eval 'run 1 file inspect "$WORK/nope.csv" && has nope.csv err'

# ---- inspect ----
t "inspect csv: dialect" eval 'run 0 file inspect "$CSV" && has "format: *csv" && has "delimiter: *," && has "header: *yes" && has "quote: *\"" && has "encoding: *utf-8" && has "newline: *lf" && has "gzip: *no"'
t "inspect csv: types" eval 'run 0 file inspect "$CSV" && has "Date_reported *date" && has "New_cases *int" && has "Country *string"'
t "inspect csv --json: rows and columns" eval 'run 0 file inspect "$CSV" --json && $CHECK inspect "$CSV" "$WORK/out"'
t "inspect jsonl --json: rows and columns" eval 'run 0 --json file inspect "$JSONL" && $CHECK inspect "$JSONL" "$WORK/out"'
t "inspect jsonl: inferred types" eval 'run 0 file inspect "$JSONL" && has "reported *date" && has "updated_at *timestamp" && has "population *bigint" && has "positivity *double" && has "verified *boolean" && has "sources *string"'

# ---- cat ----
t "cat csv round-trips the records" eval 'run 0 file cat "$CSV" && $CHECK same-csv "$CSV" "$WORK/out"'
t "cat --format json holds the CSV values" eval 'run 0 file cat "$CSV" --format json && $CHECK json-matches-csv "$CSV" "$WORK/out"'
t "global --json makes cat print JSON lines" eval 'run 0 --json file cat "$CSV" --limit 2 && has "^{\"Date_reported\":\"2020-03-01\","'
t "cat --limit" eval 'run 0 file cat "$CSV" --limit 5 && [[ $(wc -l <"$WORK/out") == 6 ]]'
t "cat --format table is boxed" eval 'run 0 file cat "$CSV" --format table --limit 50 && has "│ Date_reported" && has "│ Côte d’Ivoire *│" && has "(50 of 202 rows)"'
t "cat jsonl as csv keeps nested values as JSON" eval 'run 0 file cat "$JSONL" --format csv && has "\"\[\"\"ministry\"\",\"\"who\"\"\]\""'

# ---- stats, checked against Python ----
t "stats csv matches python" eval 'run 0 file stats "$CSV" --json && $CHECK stats "$CSV" "$WORK/out"'
t "stats jsonl matches python" eval 'run 0 file stats "$JSONL" --json && $CHECK stats "$JSONL" "$WORK/out"'
t "stats text output" eval 'run 0 file stats "$CSV" && has "rows: 202" && has "^New_cases *int *199 *3"'

# A bigger file, several splits read by parallel threads.
python3 - "$WORK/big.jsonl" "$WORK/big.csv" <<'EOF'
import json, random, sys
random.seed(11)
names = ["Côte d’Ivoire", "Curaçao", "Réunion", "Türkiye", "Viet Nam", "a,b", 'q"x']
with open(sys.argv[1], "w", encoding="utf-8") as jf, open(sys.argv[2], "w", encoding="utf-8") as cf:
    cf.write("id,name,score,day,flag\n")
    for i in range(300000):
        name = random.choice(names) + str(random.randint(0, 5000))
        score = round(random.uniform(-1e4, 1e4), 3) if i % 97 else None
        day = f"20{random.randint(10, 29)}-0{random.randint(1, 9)}-1{random.randint(0, 9)}"
        flag = bool(i % 3)
        jf.write(json.dumps({"id": i * 7919 % 1000003, "name": name, "score": score, "day": day, "flag": flag}, ensure_ascii=False) + "\n")
        q = '"' + name.replace('"', '""') + '"' if ("," in name or '"' in name) else name
        cf.write(f"{i * 7919 % 1000003},{q},{'' if score is None else score},{day},{str(flag).lower()}\n")
EOF
t "stats on a multi-split jsonl matches python" eval 'run 0 file stats "$WORK/big.jsonl" --json && $CHECK stats "$WORK/big.jsonl" "$WORK/out"'
t "stats on a larger csv matches python" eval 'run 0 file stats "$WORK/big.csv" --json && $CHECK stats "$WORK/big.csv" "$WORK/out"'

# ---- bad rows ----
printf 'a,b\n1,2\n3,4,5\n6,7\n' >"$WORK/ragged.csv"
t "csv bad row fails naming file and line" eval 'run 1 file cat "$WORK/ragged.csv" && has "ragged.csv:3" err && has skip-bad-rows err'
t "csv --skip-bad-rows warns and skips" eval 'run 0 file cat "$WORK/ragged.csv" --skip-bad-rows && has "tarn: warning: .*ragged.csv:3:" err && [[ $(cat "$WORK/out") == $'"'"'a,b\n1,2\n6,7'"'"' ]]'
printf '{"a":1}\nnot json\n\n{"a":2}\n' >"$WORK/bad.jsonl"
t "jsonl bad line fails naming file and line" eval 'run 1 file stats "$WORK/bad.jsonl" && has "bad.jsonl:2" err'
t "jsonl --skip-bad-rows" eval 'run 0 file inspect "$WORK/bad.jsonl" --skip-bad-rows && has "bad.jsonl:2" err && has "rows: *2" && has "bad rows: *1"'

python3 -c 'print("a,b"); [print("1,2,3" if i % 2 else "1,2") for i in range(300)]' >"$WORK/manybad.csv"
t "many bad rows: 100 warnings, then a count" eval 'run 0 file stats "$WORK/manybad.csv" --skip-bad-rows && [[ $(grep -c "tarn: warning: .*manybad.csv:[0-9]*: expected 2 fields" "$WORK/err") == 100 ]] && has "50 more bad rows skipped" err && has "rows: 150"'

# ---- reader options, gzip, s3 ----
printf 'x;y\n1;a\n2;b\n' >"$WORK/semi.txt"
t "--delimiter" eval 'run 0 file inspect "$WORK/semi.txt" --delimiter ";" && has "delimiter: *;" && has "x *int"'
t "--header no" eval 'run 0 file cat "$WORK/semi.txt" --delimiter ";" --header no --format json && has "\"x\""'
t "--all-strings" eval 'run 0 file inspect "$CSV" --all-strings && has "New_cases *string" && ! has "date$"'
gzip -c "$CSV" >"$WORK/who.csv.gz"
t "gzip input" eval 'run 0 file inspect "$WORK/who.csv.gz" && has "gzip: *yes" && run 0 file cat "$WORK/who.csv.gz" && $CHECK same-csv "$CSV" "$WORK/out"'
t "s3 object" eval 'run 0 s3 mb s3://file-e2e && run 0 s3 cp "$CSV" s3://file-e2e/raw/who.csv && run 0 file stats s3://file-e2e/raw/who.csv --json && $CHECK stats "$CSV" "$WORK/out"'
t "s3 missing object fails" eval 'run 1 file inspect s3://file-e2e/raw/none.csv && has none.csv err'

exit $failed
