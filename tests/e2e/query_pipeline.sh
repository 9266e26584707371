#!/usr/bin/env bash
# tests/e2e/query_pipeline.sh: `tarn query` over the reference pipeline's
# real tables, as a user runs it after `tarn workflow run etl-workflow`:
# partition pruning and row-group skipping asserted through bytes scanned
# and EXPLAIN, result files in the workgroup's output location byte for
# byte, the workgroup's scan cutoff (CANCELLED), and the failures a user
# meets (a disabled workgroup, a missing table, a syntax error, a missing
# column, a table whose files were deleted), each FAILED with its reason in
# history. What the data holds comes from the generated source CSV read by
# Python, and object sizes from the bucket folders, never from tarn.
#
# usage: tests/e2e/query_pipeline.sh TARN    prints `ok - NAME` /
#                                           `not ok - NAME` per check;
#                                           exits 1 if any failed
set -uo pipefail
TARN=$(realpath "${1:?usage: query_pipeline.sh TARN}")
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
CFN=$ROOT/examples/etl-poc/cloudformation
GEN=$(dirname "$TARN")/gen_who
# Enough rows that the raw CSV (about 97 bytes a row) passes the smallest
# cutoff Athena allows (10,000,000 bytes).
ROWS=${QUERY_PIPELINE_ROWS:-150000}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/tarn-e2e-qpipe.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
export TARN_HOME=$WORK/home
cd "$WORK" || exit 2
failed=0
. "$HERE/lib/checks.sh"

BUCKETS=$TARN_HOME/buckets
GOLD=$BUCKETS/etl-poc-data-gold/who_covid
RESULTS=$BUCKETS/etl-poc-athena-queries/results
WG=etl-poc-workgroup
FR=France

# q RC SQL...: tarn query in etl_poc and the pipeline's workgroup (CSV out).
q() {
    local want=$1
    shift
    run "$want" query --database etl_poc --workgroup "$WG" "$@"
}
# last_id: the newest execution's id.
last_id() {
    "$TARN" query history --json --limit 1 | sed 's/.*"QueryExecutionId":"\([^"]*\)".*/\1/'
}
# field ID KEY: KEY of `tarn --json query get ID` (null prints as None).
field() {
    "$TARN" --json query get "$1" | python3 -c "import json,sys; print(json.load(sys.stdin)['$2'])"
}
# expect ID KEY VALUE: the execution's KEY is VALUE.
expect() {
    local got
    got=$(field "$1" "$2")
    [[ $got == "$3" ]] || { echo "$2 of $1 is '$got', expected '$3'"; return 1; }
}
# bytes_of ID: bytes scanned by the execution.
bytes_of() { field "$1" DataScannedInBytes; }
# folder_bytes DIR: the summed sizes of the objects under DIR.
folder_bytes() { find "$1" -type f -printf '%s\n' | awk '{ s += $1 } END { print s + 0 }'; }
# deploy NAME [ARGS...]: an example stack with its parameter file.
deploy() {
    local name=$1
    shift
    run 0 stack deploy "$name" --template "$CFN/$name.yml" --parameters "$CFN/$name.json" "$@"
}
# failed_in_history ID REASON: the execution ended FAILED with REASON in
# its state change reason, and history lists it as FAILED.
failed_in_history() {
    expect "$1" State FAILED || return 1
    field "$1" StateChangeReason | grep -qF -- "$2" ||
        { echo "reason of $1: $(field "$1" StateChangeReason)"; return 1; }
    "$TARN" query history --json | grep -F "\"QueryExecutionId\":\"$1\"" | grep -qF '"State":"FAILED"' ||
        { echo "$1 not FAILED in history"; return 1; }
    [[ ! -e $RESULTS/$1.csv ]] || { echo "a failed query left $RESULTS/$1.csv"; return 1; }
}

# ---- the pipeline, from a generated source ----
"$GEN" "$ROWS" who.zip 3 >/dev/null && "$GEN" "$ROWS" who.csv 3 >/dev/null ||
    { echo "not ok - generate the source"; exit 1; }
t "deploy basic-infra" deploy basic-infra
t "deploy glue-jobs" deploy glue-jobs --parameter "SourceUrl=file://$WORK/who.zip"
t "deploy glue-catalog" deploy glue-catalog
t "deploy glue-workflow" deploy glue-workflow
t "workflow run etl-workflow" run 0 workflow run etl-workflow

# Facts from the source: the cleaned rows are its distinct rows.
python3 - who.csv >facts.json <<'PY'
import csv, json, sys
with open(sys.argv[1], newline="", encoding="utf-8") as f:
    r = csv.reader(f)
    next(r)
    rows = sorted(set(tuple(x) for x in r))
fr = [x for x in rows if x[2] == "France"]
civ = sorted(x for x in rows if x[2] == "C\u00f4te d\u2019Ivoire")
print(json.dumps({
    "rows": len(rows), "france": len(fr),
    "france_cases": sum(int(x[4]) for x in fr if x[4]),
    "max_date": max(x[0] for x in rows),
    "civ2": civ[:2],
}))
# Per country: rows, summed new cases, region (for the GROUP BY checks).
per = {}
for x in rows:
    n, c, _ = per.get(x[2], (0, 0, x[3]))
    per[x[2]] = (n + 1, c + (int(x[4]) if x[4] else 0), x[3])
with open("per_country.json", "w") as f:
    json.dump(per, f)
PY
# expected MODE: Python's answer for a GROUP BY country query, as Athena's
# CSV; MODE is "set" (rows sorted, header kept first), or "desc3" (the
# three last countries, descending), "region_desc4" (who_region, country
# descending, first four, only countries before 'C'), "nullk_desc" or
# "by_country_c" (see below).
expected() {
    python3 - "$1" <<'PY'
import json, sys
per = json.load(open("per_country.json"))
mode = sys.argv[1]
if mode == "set":
    print('"country","n"')
    for line in sorted(f'"{k}","{v[0]}"' for k, v in per.items()):
        print(line)
elif mode == "desc3":
    print('"country","c"')
    for k in sorted(per, reverse=True)[:3]:
        print(f'"{k}","{per[k][1]}"')
elif mode == "region_desc4":
    print('"who_region","country","n"')
    keys = sorted(((v[2], k) for k, v in per.items() if k < "C"), reverse=True)[:4]
    for r, k in keys:
        print(f'"{r}","{k}","{per[k][0]}"')
elif mode == "nullk_desc":
    # k: NULL before 'B', else the region; countries before 'D'.
    agg = {}
    for k, v in per.items():
        if k < "D":
            key = None if k < "B" else v[2]
            agg[key] = agg.get(key, 0) + v[0]
    print('"k","n"')
    for key in sorted((x for x in agg if x is not None), reverse=True) + [None]:
        print(f'"{key}","{agg[key]}"' if key is not None else f',"{agg[key]}"')
elif mode == "by_country_c":
    print('"country","n"')
    for k in sorted(k for k in per if k < "C"):
        print(f'"{k}","{per[k][0]}"')
PY
}
fact() { python3 -c "import json; print(json.load(open('facts.json'))['$1'])"; }

# ---- partition pruning: one country reads only its partition ----
t "one-country query answers as the source says" eval \
    "q 0 \"SELECT count(*) AS n, sum(new_cases) AS c FROM gold_who_covid WHERE country = '$FR'\" &&
     printf '\"n\",\"c\"\n\"%s\",\"%s\"\n' $(fact france) $(fact france_cases) >want && cmp out want"
ONE=$(last_id)
t "full scan answers every row" eval \
    "q 0 'SELECT count(*) AS n, sum(new_cases) AS c FROM gold_who_covid' && grep -q '^\"$(fact rows)\",' out"
FULL=$(last_id)
one_b=$(bytes_of "$ONE") full_b=$(bytes_of "$FULL") part_b=$(folder_bytes "$GOLD/country=$FR")
t "one country scans at most its partition's objects" \
    eval "[[ $one_b -gt 0 && $one_b -le $part_b ]] || { echo 'scanned $one_b, partition holds $part_b'; false; }"
t "one country scans far less than the full scan" \
    eval "[[ $((one_b * 50)) -lt $full_b ]] || { echo 'one country $one_b, full $full_b'; false; }"
ALLCOLS="max(date_reported), max(country_code), max(who_region), max(new_cases), max(cumulative_cases),
    max(new_deaths), max(cumulative_deaths), max(source_url), max(notes)"
t "a full scan of every column" q 0 "SELECT $ALLCOLS FROM gold_who_covid"
all_b=$(bytes_of "$(last_id)")
t "  reads most of gold" \
    eval "[[ $((all_b * 2)) -gt $(folder_bytes "$GOLD") ]] || { echo 'full scan $all_b'; false; }"
t "  and more than a full scan of one column (projection)" \
    eval "[[ $full_b -lt $all_b ]] || { echo 'one column $full_b, every column $all_b'; false; }"
t "EXPLAIN names the partition read and the others skipped" eval \
    "q 0 \"EXPLAIN SELECT sum(new_cases) FROM gold_who_covid WHERE country = '$FR'\" &&
     has 'partition country=$FR read' && has 'partition country=Peru skipped' &&
     [[ \$(grep -c 'partition country=.* read' out) == 1 ]] &&
     [[ \$(grep -c 'partition country=.* skipped' out) == $(($(ls "$GOLD" | wc -l) - 1)) ]] &&
     has 'object s3://etl-poc-data-gold/who_covid/country=$FR/part-00000.parquet read'"
t "IN over partition keys reads two partitions" eval \
    "q 0 \"EXPLAIN SELECT count(new_cases) FROM gold_who_covid WHERE country IN ('$FR', 'Peru')\" &&
     [[ \$(grep -c 'partition country=.* read' out) == 2 ]] && has 'partition country=Peru read'"

# ---- row groups: a date range past the data reads footers only ----
MAXD=$(fact max_date)
t "a date range after the last day finds no rows" eval \
    "q 0 \"SELECT count(new_cases) AS n FROM gold_who_covid WHERE date_reported > DATE '$MAXD'\" &&
     printf '\"n\"\n\"0\"\n' >want && cmp out want"
DATE_ID=$(last_id)
date_b=$(bytes_of "$DATE_ID")
t "the date range reads less than a full scan" \
    eval "[[ $date_b -lt $full_b ]] || { echo 'date range $date_b, full $full_b'; false; }"
t "EXPLAIN shows row groups skipped by their statistics" eval \
    "q 0 \"EXPLAIN SELECT sum(new_cases) FROM gold_who_covid WHERE date_reported > DATE '$MAXD'\" &&
     has 'row group 0 of s3://etl-poc-data-gold/who_covid/country=$FR/part-00000.parquet skipped (max(date_reported)' &&
     ! grep -q 'row group .* read' out"
t "a date range inside the data still counts every day" eval \
    "q 0 \"SELECT count(*) AS n FROM gold_who_covid WHERE date_reported <= DATE '$MAXD' AND country = '$FR'\" &&
     grep -qx '\"$(fact france)\"' out"

# ---- result files, exactly as Athena writes them ----
python3 - >want.csv <<'PY'
import json
f = json.load(open("facts.json"))
q = lambda v: '"' + v.replace('"', '""') + '"' if v != "" else ""
out = '"date_reported","country_code","notes","new_cases","country","q"\n'
for x in f["civ2"]:
    out += ",".join([q(x[0]), q(x[1]), q(x[9]), q(x[4]), q(x[2]), q('say "hi"')]) + "\n"
print(out, end="")
PY
t "a small result is printed as Athena's CSV" eval \
    "q 0 \"SELECT date_reported, country_code, notes, new_cases, country, 'say \\\"hi\\\"' AS q FROM gold_who_covid WHERE country = 'Côte d’Ivoire' ORDER BY date_reported LIMIT 2\" && cmp out want.csv"
RID=$(last_id)
t "the result lands in the workgroup's location byte for byte" cmp "$RESULTS/$RID.csv" want.csv
t "its metadata names the columns and types" eval \
    "grep -q '\"row_count\":2' '$RESULTS/$RID.csv.metadata' &&
     grep -q '\"name\":\"date_reported\",\"type\":\"date\"' '$RESULTS/$RID.csv.metadata' &&
     grep -q '\"name\":\"new_cases\",\"type\":\"integer\"' '$RESULTS/$RID.csv.metadata'"
t "get names the output location" expect "$RID" OutputLocation "s3://etl-poc-athena-queries/results/$RID.csv"
t "SHOW TABLES" eval "q 0 'SHOW TABLES' && printf '\"tab_name\"\n\"gold_who_covid\"\n\"raw_who_covid\"\n\"silver_who_covid\"\n' >want && cmp out want"
SID=$(last_id)
t "SHOW TABLES writes <id>.txt, tab-separated without header" eval \
    "printf 'gold_who_covid\nraw_who_covid\nsilver_who_covid\n' >want && cmp '$RESULTS/$SID.txt' want &&
     [[ -s '$RESULTS/$SID.txt.metadata' && ! -e '$RESULTS/$SID.csv' ]]"
t "get says UTILITY or DDL and the .txt location" eval \
    "[[ \$(field $SID StatementType) =~ ^(UTILITY|DDL)$ ]] && expect $SID OutputLocation s3://etl-poc-athena-queries/results/$SID.txt"

# ---- GROUP BY / ORDER BY on partition keys: read in key order, no sort ----
t "GROUP BY country gives each country once" eval \
    "q 0 'SELECT country, count(*) AS n FROM gold_who_covid GROUP BY country' &&
     { head -n 1 out; tail -n +2 out | LC_ALL=C sort; } >got && expected set >want && cmp got want"
ORD="SELECT country, sum(new_cases) AS c FROM gold_who_covid GROUP BY country ORDER BY country DESC LIMIT 3"
t "GROUP BY country ORDER BY country DESC LIMIT 3" eval "q 0 '$ORD' && expected desc3 >want && cmp out want"
t "  is read in partition order, without a sort" eval \
    "q 0 'EXPLAIN $ORD' && has 'VIRTUAL TABLE' && ! grep -q 'TEMP B-TREE' out"
t "CTAS partitioned by region and country" \
    q 0 "CREATE TABLE by_region WITH (format = 'PARQUET', external_location = 's3://etl-poc-data-gold/by_region/', partitioned_by = ARRAY['who_region', 'country']) AS SELECT date_reported, new_cases, who_region, country FROM gold_who_covid WHERE country < 'C'"
t "ORDER BY both keys descending over two-key partitions" eval \
    "q 0 'SELECT who_region, country, count(*) AS n FROM by_region GROUP BY who_region, country ORDER BY who_region DESC, country DESC LIMIT 4' &&
     expected region_desc4 >want && cmp out want"
t "GROUP BY the second key alone is still grouped" eval \
    "q 0 'SELECT country, count(*) AS n FROM by_region GROUP BY country ORDER BY country' &&
     expected by_country_c >want && cmp out want"

t "CTAS partitioned by a key with NULLs (__HIVE_DEFAULT_PARTITION__)" \
    q 0 "CREATE TABLE nullk WITH (format = 'PARQUET', external_location = 's3://etl-poc-data-gold/nullk/', partitioned_by = ARRAY['k']) AS SELECT new_cases, CASE WHEN country < 'B' THEN NULL ELSE who_region END AS k FROM gold_who_covid WHERE country < 'D'"
t "ORDER BY a key DESC puts the NULL partition last" eval \
    "q 0 'SELECT k, count(*) AS n FROM nullk GROUP BY k ORDER BY k DESC' && expected nullk_desc >want && cmp out want"

# ---- failures, each an execution FAILED with its reason ----
t "a missing table fails with TABLE_NOT_FOUND" eval \
    "q 1 'SELECT * FROM x' && has \"TABLE_NOT_FOUND: line 1:15: Table 'awsdatacatalog.etl_poc.x' does not exist\" err"
t "  recorded FAILED in history" failed_in_history "$(last_id)" "TABLE_NOT_FOUND: line 1:15:"
t "a syntax error names its line and column" eval \
    "q 1 \"\$(printf 'SELECT count(*)\nFROM gold_who_covid\nWHER country = 1')\" && has 'SYNTAX_ERROR: line 3:' err"
t "  recorded FAILED in history" failed_in_history "$(last_id)" "SYNTAX_ERROR: line 3:"
t "  as a user error" eval "expect $(last_id) ErrorCategory 2"
t "a missing column fails with COLUMN_NOT_FOUND" eval \
    "q 1 'SELECT cases_total FROM gold_who_covid' && has \"COLUMN_NOT_FOUND: line 1:8: Column 'cases_total' cannot be resolved\" err"
t "  recorded FAILED in history" failed_in_history "$(last_id)" "COLUMN_NOT_FOUND"

cat >closed.yml <<'EOF'
AWSTemplateFormatVersion: "2010-09-09"
Description: a workgroup switched off
Resources:
  Closed:
    Type: AWS::Athena::WorkGroup
    Properties:
      Name: closed-wg
      State: DISABLED
      WorkGroupConfiguration:
        ResultConfiguration:
          OutputLocation: s3://etl-poc-athena-queries/closed/
EOF
t "deploy a DISABLED workgroup" run 0 stack deploy closed --template closed.yml
t "a disabled workgroup refuses the query" eval \
    "run 1 query --workgroup closed-wg --database etl_poc 'SELECT count(*) FROM gold_who_covid' && has 'closed-wg is disabled' err"
t "  recorded FAILED in its history" eval \
    "failed_in_history $(last_id) 'closed-wg is disabled' && run 0 query history --workgroup closed-wg && has FAILED &&
     { [[ ! -d $BUCKETS/etl-poc-athena-queries/closed ]] || [[ -z \$(ls $BUCKETS/etl-poc-athena-queries/closed) ]]; }"

# ---- the workgroup's cutoff ----
raw_b=$(folder_bytes "$BUCKETS/etl-poc-data-raw")
t "the raw CSV is bigger than the cutoff" eval "[[ $raw_b -gt 10000000 ]] || { echo 'raw holds $raw_b'; false; }"
t "redeploy basic-infra with QueryBytesCutoff=10000000" deploy basic-infra --parameter QueryBytesCutoff=10000000
t "a full scan of raw is CANCELLED at the limit" eval \
    "q 1 'SELECT count(*), sum(new_cases) FROM raw_who_covid' && has 'Bytes scanned limit was exceeded' err"
CUT=$(last_id)
t "  state CANCELLED with the limit and what it had read" eval \
    "expect $CUT State CANCELLED && field $CUT StateChangeReason >reason &&
     has 'Bytes scanned limit was exceeded' reason && has 10000000 reason &&
     b=\$(bytes_of $CUT) && [[ \$b -gt 10000000 && \$b -le $raw_b ]] && has \"\$b\" reason"
t "  no result file" eval "[[ ! -e $RESULTS/$CUT.csv && ! -e $RESULTS/$CUT.csv.metadata ]]"
t "  CANCELLED in history" eval \
    "run 0 query history --json && grep -F '\"QueryExecutionId\":\"$CUT\"' out | grep -qF '\"State\":\"CANCELLED\"'"
t "  results ID says there is none" run 1 query results "$CUT"
t "a one-partition query still runs under the cutoff" eval \
    "q 0 \"SELECT count(*) AS n FROM gold_who_covid WHERE country = '$FR'\" && grep -qx '\"$(fact france)\"' out"

# ---- a table whose files were deleted ----
t "delete silver's files" run 0 s3 rm --recursive s3://etl-poc-data-silver/who_covid/
t "a query over silver fails naming the location" eval \
    "q 1 'SELECT count(*), sum(new_cases) FROM silver_who_covid' && has 's3://etl-poc-data-silver/who_covid/' err && has HIVE_FILE_NOT_FOUND err"
t "  recorded FAILED in history" failed_in_history "$(last_id)" "s3://etl-poc-data-silver/who_covid/"
t "gold is still queryable" eval "q 0 'SELECT count(*) AS n FROM gold_who_covid' && grep -qx '\"$(fact rows)\"' out"

exit $failed
