#!/usr/bin/env bash
# End-to-end checks of `tarn file convert`: formats in and out, s3:// on
# either side, atomic output, and usage errors. Usage: convert.sh TARN
set -u
TARN=$(realpath "$1")
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
SAMPLE=$ROOT/examples/data/who_covid_sample.csv
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
cd "$W"
fails=0
check() { # name, then a command whose success is the check
  local name=$1; shift
  if "$@" >/dev/null 2>&1; then echo "ok - $name"; else echo "not ok - $name"; fails=$((fails + 1)); fi
}
t() { "$TARN" --home "$W/home" "$@"; }

t file convert "$SAMPLE" direct.jsonl >/dev/null
t file convert "$SAMPLE" s.parquet >/dev/null
t file convert s.parquet via.jsonl >/dev/null
check "csv -> parquet -> jsonl equals csv -> jsonl" cmp direct.jsonl via.jsonl
check "parquet output starts and ends with PAR1" bash -c '[ "$(head -c4 s.parquet)" = PAR1 ] && [ "$(tail -c4 s.parquet)" = PAR1 ]'
rows=$(python3 -c 'import csv,sys; print(sum(1 for _ in csv.reader(open(sys.argv[1], newline="", encoding="utf-8"))) - 1)' "$SAMPLE")
check "row count matches the source ($rows)" bash -c "[ \$(wc -l < via.jsonl) -eq $rows ]"
check "--to csv overrides the name" bash -c "'$TARN' --home '$W/home' file convert s.parquet out.dat --to csv && head -1 out.dat | grep -q '^Date_reported,'"
for c in snappy zstd gzip none; do
  t file convert "$SAMPLE" "c_$c.parquet" --compression $c >/dev/null
  t file convert "c_$c.parquet" "c_$c.jsonl" >/dev/null
  check "codec $c round-trips" cmp direct.jsonl "c_$c.jsonl"
done
t file convert "$SAMPLE" rg.parquet --row-group-size 10 >/dev/null
check "--row-group-size 10 gives many row groups" bash -c "'$TARN' file inspect --json rg.parquet | grep -q '\"row_groups\": *2[01]'"
t file convert rg.parquet rg.jsonl >/dev/null
check "many row groups round-trip" cmp direct.jsonl rg.jsonl

t s3 mb s3://conv-test >/dev/null
check "convert into s3://" t file convert "$SAMPLE" s3://conv-test/silver/who.parquet
check "the object is listed" bash -c "'$TARN' --home '$W/home' s3 ls s3://conv-test/silver/ | grep -q 'who.parquet'"
t file convert s3://conv-test/silver/who.parquet from_s3.jsonl >/dev/null
check "convert out of s3://" cmp direct.jsonl from_s3.jsonl
check "no staging files are left" bash -c "[ -z \"\$(ls -A '$W/home/buckets/.tarn-tmp' 2>/dev/null)\" ]"

t file convert "$SAMPLE" s3://no-such-bucket/x.parquet >/dev/null 2>err.txt; rc=$?
check "missing bucket fails with exit 1" test $rc -eq 1
check "missing bucket error names it" grep -q "NoSuchBucket: bucket 'no-such-bucket'" err.txt

printf 'a,b\n1,2\n3,4,5\n6,7\n' > ragged.csv
echo keep > kept.parquet
t file convert ragged.csv kept.parquet 2>err.txt; rc=$?
check "a bad row fails the conversion" test $rc -eq 1
check "the error names file and line" grep -q "ragged.csv:3" err.txt
check "a failed conversion leaves the old output" bash -c '[ "$(cat kept.parquet)" = keep ]'
t file convert ragged.csv skipped.jsonl --skip-bad-rows >out.txt 2>/dev/null
check "--skip-bad-rows reports the skipped row" grep -q "1 bad rows skipped" out.txt
check "--skip-bad-rows keeps the good rows" bash -c '[ $(wc -l < skipped.jsonl) -eq 2 ]'

t file convert "$SAMPLE" >/dev/null 2>&1; rc=$?
check "missing DST is a usage error (2)" test $rc -eq 2
t file convert "$SAMPLE" x.parquet --to xml >/dev/null 2>&1; rc=$?
check "unknown --to is a usage error (2)" test $rc -eq 2
t file convert "$SAMPLE" x.parquet --compression lzo >/dev/null 2>&1; rc=$?
check "unknown codec fails naming the choices" bash -c "'$TARN' file convert '$SAMPLE' x.parquet --compression lzo 2>&1 | grep -q snappy"

exit $((fails > 0))
