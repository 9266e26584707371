#!/usr/bin/env bash
# bench/cat_figure.sh: `tarn file cat --format csv FILE > /dev/null` against
# DuckDB's `COPY (FROM 'FILE') TO '/dev/null' (FORMAT csv)` (bench/
# cat_duckdb.mjs, $DUCKDB_THREADS threads, default 2).
#
# usage: bench/cat_figure.sh TARN FILE [RUNS]      (RUNS default 3)
#
# Prints per run and as medians: wall seconds, CPU seconds (user + system,
# which a shared machine's load disturbs less than wall time) and peak RSS
# (GNU time's %M). DuckDB's figures are the whole node process.
set -uo pipefail
cd "$(dirname "$0")/.."
tarn=${1:?usage: bench/cat_figure.sh TARN FILE [RUNS]}
file=${2:?usage: bench/cat_figure.sh TARN FILE [RUNS]}
runs=${3:-3}
export DUCKDB_THREADS=${DUCKDB_THREADS:-2}
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# one NAME CMD...: RUNS runs; prints each and the medians.
one() {
    local name=$1 i walls=() cpus=() rsss=()
    shift
    for ((i = 0; i < runs; i++)); do
        /usr/bin/time -f "%e %U %S %M" -o "$tmp" "$@" >/dev/null || { echo "$name failed"; return 1; }
        read -r w u s m <"$tmp"
        walls+=("$w") cpus+=("$(awk -v u="$u" -v s="$s" 'BEGIN { print u + s }')") rsss+=("$m")
        printf '  %-7s run %d: %6.2f s wall  %6.2f s CPU  %6d MB\n' "$name" $((i + 1)) "$w" "${cpus[-1]}" $((m / 1024))
    done
    printf '  %-7s median: %6.2f s wall  %6.2f s CPU  %6d MB peak RSS\n' "$name" \
        "$(printf '%s\n' "${walls[@]}" | median)" "$(printf '%s\n' "${cpus[@]}" | median)" \
        $(($(printf '%s\n' "${rsss[@]}" | median | cut -d. -f1) / 1024))
}

cat "$file" >/dev/null # into the page cache for both
echo "cat --format csv $file ($(du -h "$file" | cut -f1)), $runs runs, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
one tarn "$tarn" file cat --format csv "$file"
one duckdb node bench/cat_duckdb.mjs "$file"
