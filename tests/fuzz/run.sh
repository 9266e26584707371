#!/usr/bin/env bash
# tests/fuzz/run.sh: run each libFuzzer target of tests/fuzz/fuzz_*.c for
# FUZZ_SECONDS seconds (default 20) and print one `ok - fuzz_x` or
# `not ok - fuzz_x: <why>` line per target.
#
# usage: tests/fuzz/run.sh [BUILD_FUZZ_DIR]   (default build-fuzz, built by
#        `tests/run.sh --build-only build-fuzz` or `make build-fuzz`)
#
# A crash, a hang (one input running over 10 s), an out-of-memory or any
# sanitizer report is a failure; its input is saved under
# <dir>/fuzz-artifacts/<target>/ and the command to reproduce it is printed.
# Each target grows its own corpus in <dir>/fuzz-corpus/<target>/, seeded
# read-only from tests/fuzz/corpus/<target>/ if present and from sample files
# (seed_files below: ../shared/testdata, examples/data);
# tests/fuzz/<target>.dict is used as a dictionary if present.
# libFuzzer's own output goes to <dir>/test-logs/fuzz/<target>.log.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
dir=${1:-build-fuzz}
secs=${FUZZ_SECONDS:-20}
shared=../shared/testdata   # beside the repository, as in CI; never absolute

# seed_files TARGET: sample files that seed a target, one per line: the
# shared test data and the examples, in place (small Parquet files only, so
# that libFuzzer's input size stays small).
seed_files() {
    case $1 in
    fuzz_csv) ls "$shared"/csv-spectrum/csvs/*.csv examples/data/*.csv ;;
    fuzz_jsonl) ls examples/data/*.jsonl ;;
    fuzz_parquet) find "$shared"/parquet-testing/data "$shared"/parquet-testing/bad_data \
                       -name '*.parquet' -size -64k ;;
    esac 2>/dev/null
}

# seed_dirs TARGET: read-only seed corpora for a target, one per line:
# tests/fuzz/corpus/TARGET if present, and a folder of links to its
# seed_files (libFuzzer takes folders).
seed_dirs() {
    local links=$dir/fuzz-seeds/$1 f
    [[ -d tests/fuzz/corpus/$1 ]] && echo "tests/fuzz/corpus/$1"
    rm -rf "$links"
    while IFS= read -r f; do
        mkdir -p "$links" && ln -s "$(realpath "$f")" "$links/$(basename "$f")"
    done < <(seed_files "$1")
    [[ -d $links ]] && echo "$links"
}

# why_failed LOG RC: a few words on what libFuzzer or a sanitizer reported.
why_failed() {
    local log=$1 rc=$2
    if grep -q 'ERROR: libFuzzer: timeout' "$log"; then echo "hang (an input ran over 10 s)"
    elif grep -q 'ERROR: libFuzzer: out-of-memory' "$log"; then echo "out of memory"
    elif grep -q 'ERROR: LeakSanitizer' "$log"; then echo "memory leak"
    elif grep -q 'ERROR: AddressSanitizer' "$log"; then
        grep -m1 -o 'AddressSanitizer: [a-z-]*' "$log"
    elif grep -q 'runtime error:' "$log"; then echo "undefined behaviour"
    elif grep -q 'deadly signal' "$log"; then echo "crash"
    elif ((rc == 124)); then echo "libFuzzer did not stop on time"
    else echo "exit status $rc"
    fi
}

# report_failure LOG ARTIFACTS BIN: the sanitizer report and how to replay.
report_failure() {
    local log=$1 art=$2 bin=$3 at input
    at=$(grep -m1 -nE '==[0-9]+==ERROR|runtime error:|ERROR: libFuzzer' "$log" | cut -d: -f1)
    [[ -n $at ]] && sed -n "${at},$((at + 30))p" "$log" | sed 's/^/# /'
    input=$(ls -t "$art" 2>/dev/null | head -n 1)
    [[ -n $input ]] && echo "# reproduce: $bin $art/$input"
    echo "# log: $log"
}

# fuzz_one NAME: run one target; prints its ok / not ok line.
fuzz_one() {
    local name=$1 bin=$dir/$1 rc=0 runs
    local corpus=$dir/fuzz-corpus/$name art=$dir/fuzz-artifacts/$name
    local log=$dir/test-logs/fuzz/$name.log
    if [[ ! -x $bin ]]; then
        echo "not ok - $name: $bin not built"
        return 1
    fi
    mkdir -p "$corpus" "$art" "$(dirname "$log")"
    local -a opts=(-max_total_time="$secs" -timeout=10 -print_final_stats=1
                   -artifact_prefix="$art/")
    [[ -f tests/fuzz/$name.dict ]] && opts+=(-dict="tests/fuzz/$name.dict")
    local -a seeds
    mapfile -t seeds < <(seed_dirs "$name")
    env ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
        timeout -k 10 $((secs + 120)) "$bin" "${opts[@]}" "$corpus" "${seeds[@]}" \
        </dev/null >"$log" 2>&1 || rc=$?
    if ((rc == 0)) && ! grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$log"; then
        runs=$(grep -m1 -o 'number_of_executed_units: [0-9]*' "$log" | grep -o '[0-9]*$')
        echo "ok - $name (${secs}s, ${runs:-?} runs, corpus $(ls "$corpus" | wc -l))"
        return 0
    fi
    echo "not ok - $name: $(why_failed "$log" "$rc")"
    report_failure "$log" "$art" "$bin"
    return 1
}

shopt -s nullglob
status=0
for src in tests/fuzz/fuzz_*.c; do
    fuzz_one "$(basename "$src" .c)" || status=1
done
exit $status
