#!/usr/bin/env bash
# examples/demo.sh: a short tour of tarn on the bundled sample data
# (`make demo`): make a bucket, upload the samples, list them, then inspect,
# print and summarize a file in the bucket. Each step prints a heading and
# the command it runs, so a reader can follow and retype it.
#
# usage: examples/demo.sh [TARN]      (default build/tarn)
#
# State goes to a temporary home that is removed at the end; nothing is
# written into the repository. A command that is not built yet is noted and
# skipped; any other failure makes the demo exit 1 after the last step.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
tarn=${1:-build/tarn}
[[ $tarn == */* ]] || tarn=./$tarn
if [[ ! -x $tarn ]]; then
    echo "demo: $tarn not found (run 'make build' or 'make demo')" >&2
    exit 1
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tarn-demo.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
export TARN_HOME=$tmp/home
failed=0

# step HEADING ARGS...: print the heading and `tarn ARGS`, then run it.
# Returns tarn's status; a verb not built yet returns 2 with a note.
step() {
    local heading=$1 rc=0
    shift
    printf '\n# %s\n$ tarn %s\n' "$heading" "$*"
    "$tarn" "$@" 2>"$tmp/err" || rc=$?
    if ((rc == 2)) && grep -q 'not built yet' "$tmp/err"; then
        echo "(not built yet; skipped)"
        return 2
    fi
    cat "$tmp/err" >&2
    if ((rc != 0)); then
        echo "demo: that step failed with status $rc" >&2
        failed=1
    fi
    return $rc
}

csv=$(ls examples/data/*.csv 2>/dev/null | head -n 1)
jsonl=$(ls examples/data/*.jsonl 2>/dev/null | head -n 1)
if [[ -z $csv ]]; then
    csv=$tmp/who_sample.csv
    "$(dirname "$tarn")/gen_who" 500 "$csv" 1 || exit 1
fi
bucket=s3://demo-raw
echo "tarn demo: state in a temporary home ($TARN_HOME), removed at the end"

step "Create a bucket for raw data" s3 mb "$bucket"
target=$csv
if step "Upload the sample CSV file" s3 cp "$csv" "$bucket/who/$(basename "$csv")"; then
    target=$bucket/who/$(basename "$csv")
fi
jtarget=$jsonl
if [[ -n $jsonl ]] &&
    step "Upload the sample JSON-lines file" s3 cp "$jsonl" "$bucket/events/$(basename "$jsonl")"; then
    jtarget=$bucket/events/$(basename "$jsonl")
fi
step "List what the bucket holds" s3 ls --recursive "$bucket"
step "Inspect the CSV file: format, dialect, schema" file inspect "$target"
step "Print its first 5 rows" file cat --limit 5 "$target"
step "Column statistics: count, nulls, min, max, distinct values" file stats "$target"
if [[ -n $jtarget ]]; then
    step "Inspect the JSON-lines file" file inspect "$jtarget"
fi
pq=$bucket/silver/who.parquet
step "Convert the CSV file to snappy Parquet in the bucket" file convert "$target" "$pq"
step "Inspect the Parquet file: types, row groups, chunk statistics" file inspect "$pq"
step "Read it back: the first 3 rows as JSON lines" file cat --format json --limit 3 "$pq"

echo
if ((failed)); then
    echo "demo: some steps failed (see above)"
    exit 1
fi
echo "demo: done"
