#!/usr/bin/env bash
# bench/run.sh: tarn against DuckDB on the same work (`make bench`).
#
# usage: bench/run.sh [BUILD_DIR]          (default build; needs tarn, gen_who)
#   BENCH_RUNS=5         runs of each command per figure (the median is shown)
#   BENCH_FIGURES="..."  figures to run (default: all, in FIGURES order)
#   DUCKDB_THREADS=2     DuckDB's threads (this machine has 2 cores)
#
# For each figure it runs tarn and DuckDB (node + @duckdb/node-api from
# tests/node_modules) BENCH_RUNS times each, after reading the input once so
# both start with it in the page cache, and prints the median wall time of
# each, their ratio, and the peak resident memory of each (GNU time's %M).
# DuckDB's figures are those of the whole node process: start-up and the V8
# heap are included and nothing is subtracted; its query time alone is shown
# beside. The input files are made by gen_who in bench/data/ (gitignored)
# when missing. A summary table ends the output.
#
# To add a figure: write a function figure_NAME that calls compare (see
# figure_stats_1m) and add NAME to FIGURES.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
build=${1:-build}
tarn=$build/tarn
gen=$build/gen_who
runs=${BENCH_RUNS:-5}
data=bench/data
export DUCKDB_THREADS=${DUCKDB_THREADS:-2}
FIGURES=(stats_1m stats_10m cat_1m cat_10m convert_1m convert_10m cat_parquet_10m pipeline_1m pipeline_10m query_10m)
SUMMARY=()
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tarn-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# ensure_data NAME ROWS: bench/data/NAME with ROWS generated rows (seed 1),
# written under a temporary name first so an interrupted run leaves none.
ensure_data() {
    local f=$data/$1
    [[ -s $f ]] && return 0
    mkdir -p "$data"
    printf "\n  generating %s (%s rows)\n" "$f" "$2"
    "$gen" "$2" "$f.tmp" 1 && mv "$f.tmp" "$f"
}

# measure NAME OUT CMD...: run CMD $runs times with stdout to OUT; sets
# M_MEDIAN (s), M_RSS (peak MB over the runs) and M_ALL (each time).
# Returns 1, after showing its stderr, if a run fails.
measure() {
    local name=$1 out=$2 i t0 t1 rss times=() peak=0
    shift 2
    for ((i = 0; i < runs; i++)); do
        t0=$(date +%s%N)
        if ! /usr/bin/time -f %M -o "$tmp/rss" "$@" >"$out" 2>"$tmp/err"; then
            echo "  $name: failed:"
            sed 's/^/    /' "$tmp/err" | head -n 20
            return 1
        fi
        t1=$(date +%s%N)
        times+=("$(awk -v n=$((t1 - t0)) 'BEGIN { printf "%.3f", n / 1e9 }')")
        rss=$(tail -n 1 "$tmp/rss")
        ((rss > peak)) && peak=$rss
    done
    M_MEDIAN=$(printf '%s\n' "${times[@]}" | sort -n | awk '{ v[NR] = $1 }
        END { printf "%.3f", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }')
    M_RSS=$((peak / 1024))
    M_ALL="${times[*]}"
}

# with_input INPUT ARGS...: sets CMD to ARGS with each "{}" replaced by
# INPUT, or INPUT appended when there is no "{}".
with_input() {
    local input=$1 a found=0
    shift
    CMD=()
    for a in "$@"; do
        if [[ $a == "{}" ]]; then CMD+=("$input"); found=1; else CMD+=("$a"); fi
    done
    ((found)) || CMD+=("$input")
}

# tarn_can VERB...: true if `tarn VERB... tiny.csv` works, so a figure can
# say "tarn: not available" while a verb is still being written.
tarn_can() {
    [[ -s $tmp/tiny.csv ]] || "$gen" 20 "$tmp/tiny.csv" 1 || return 1
    with_input "$tmp/tiny.csv" "$@"
    [[ -x $tarn ]] && "$tarn" "${CMD[@]}" >/dev/null 2>"$tmp/tarn_can.err"
}

# compare LABEL INPUT TARN_ARGS -- DUCKDB_SCRIPT [DUCKDB_ARGS]: one
# figure. Runs `tarn TARN_ARGS INPUT` (its stdout to /dev/null; a "{}" in
# TARN_ARGS stands for INPUT instead) and `node DUCKDB_SCRIPT INPUT
# DUCKDB_ARGS` (which prints `query_ms=T`), prints both and adds a line to
# the summary.
compare() {
    local label=$1 input=$2 tm=- tr=- dm=- dr=- dq=- ratio=-
    shift 2
    local -a targs=()
    while (($#)) && [[ $1 != -- ]]; do targs+=("$1"); shift; done
    local script=${2:?compare: missing DuckDB script}
    local -a dargs=("${@:3}")
    printf '\n== %s: %s (%s) ==\n' "$label" "$input" "$(du -h "$input" | cut -f1)"
    cat "$input" >/dev/null   # into the page cache, for both
    if ! tarn_can "${targs[@]}"; then
        echo "  tarn: not available ($(head -n 1 "$tmp/tarn_can.err" 2>/dev/null))"
    elif with_input "$input" "${targs[@]}" && measure tarn /dev/null "$tarn" "${CMD[@]}"; then
        tm=$M_MEDIAN tr=$M_RSS
        printf '  tarn    median %7.3f s   peak RSS %6d MB   runs: %s\n' "$tm" "$tr" "$M_ALL"
    fi
    if measure duckdb "$tmp/out" node "$script" "$input" "${dargs[@]}"; then
        dm=$M_MEDIAN dr=$M_RSS
        dq=$(grep -o 'query_ms=[0-9.]*' "$tmp/out" | cut -d= -f2)
        printf '  duckdb  median %7.3f s   peak RSS %6d MB   runs: %s\n' "$dm" "$dr" "$M_ALL"
        printf '          (node process; query alone %s ms in the last run)\n' "${dq:-?}"
    fi
    if [[ $tm != - && $dm != - ]]; then
        ratio=$(awk -v a="$tm" -v b="$dm" 'BEGIN { printf "%.2f", a / b }')
        printf '  tarn/duckdb time %s (%s)\n' "$ratio" "$(awk -v r="$ratio" 'BEGIN {
            if (r < 1) printf "tarn %.1fx faster", 1 / r; else printf "tarn %.1fx slower", r }')"
    fi
    SUMMARY+=("$(printf '%-38s %9s %9s %8s %9s %9s' "$label ($(basename "$input"))" \
        "$tm" "$dm" "$ratio" "$tr" "$dr")")
}

# stats_figure FILE ROWS: `tarn file stats` against DuckDB's count, min,
# max and approx_count_distinct of every column.
stats_figure() {
    ensure_data "$1" "$2" || { echo "  cannot generate $data/$1"; return 1; }
    compare "file stats" "$data/$1" file stats -- bench/stats_duckdb.mjs
}

# cat_figure FILE ROWS: `tarn file cat --format csv` (every row, as CSV)
# against DuckDB's COPY of the file to CSV; both write to /dev/null.
cat_figure() {
    ensure_data "$1" "$2" || { echo "  cannot generate $data/$1"; return 1; }
    compare "file cat --format csv" "$data/$1" file cat --format csv -- bench/cat_duckdb.mjs
}

# convert_figure FILE ROWS: `tarn file convert` of the CSV to snappy
# Parquet against DuckDB's COPY ... (FORMAT parquet); also compares the
# sizes of the two files.
convert_figure() {
    ensure_data "$1" "$2" || { echo "  cannot generate $data/$1"; return 1; }
    compare "file convert csv->parquet" "$data/$1" file convert {} "$tmp/tarn.parquet" \
        -- bench/convert_duckdb.mjs "$tmp/duckdb.parquet"
    if [[ -s $tmp/tarn.parquet && -s $tmp/duckdb.parquet ]]; then
        local a b
        a=$(stat -c %s "$tmp/tarn.parquet") b=$(stat -c %s "$tmp/duckdb.parquet")
        printf '  output size: tarn %d bytes, duckdb %d bytes, tarn/duckdb %s\n' "$a" "$b" \
            "$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.3f", a / b }')"
        SUMMARY+=("$(printf '%-38s %9s %9s %8s' "  parquet size MB ($1)" \
            "$(awk -v a="$a" 'BEGIN { printf "%.1f", a / 1048576 }')" \
            "$(awk -v b="$b" 'BEGIN { printf "%.1f", b / 1048576 }')" \
            "$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.2f", a / b }')")")
    fi
}

# cat_parquet_figure FILE ROWS: the CSV converted once to Parquet by tarn,
# then read back whole as CSV by both (`file cat --format csv` against
# DuckDB's COPY ... TO '/dev/null' (FORMAT csv)).
cat_parquet_figure() {
    ensure_data "$1" "$2" || { echo "  cannot generate $data/$1"; return 1; }
    local pq=$data/${1%.csv}.parquet
    if [[ ! -s $pq || $pq -ot $data/$1 ]]; then
        "$tarn" file convert "$data/$1" "$pq" >/dev/null || { echo "  cannot convert $data/$1"; return 1; }
    fi
    compare "file cat --format csv" "$pq" file cat --format csv -- bench/cat_duckdb.mjs
}

# pipeline_figure ZIP ROWS: the reference pipeline's workflow (extract from
# a file:// URL, clean, repartition and the three crawls) in a home where
# the four example stacks are deployed (not timed), against DuckDB doing
# the same work its way (bench/pipeline_duckdb.mjs: unzip, read_csv with
# snake_case names, SELECT DISTINCT, COPY to Parquet, COPY ... PARTITION_BY
# (country)). Peak RSS counts the job processes too (GNU time reports the
# largest of the process and its children).
# deploy_pipeline HOME ZIP: a fresh HOME with the four example stacks
# deployed, the source being ZIP (a file:// URL). Returns 1, after saying
# which stack failed, if one cannot be deployed.
deploy_pipeline() {
    local home=$1 zip=$2 cfn=examples/etl-poc/cloudformation s
    local -a extra
    rm -rf "$home"
    for s in basic-infra glue-jobs glue-catalog glue-workflow; do
        extra=()
        [[ $s == glue-jobs ]] && extra=(--parameter "SourceUrl=file://$(realpath "$zip")")
        "$tarn" --home "$home" stack deploy $s --template $cfn/$s.yml --parameters $cfn/$s.json \
            "${extra[@]}" >/dev/null 2>"$tmp/deploy.err" ||
            { echo "  tarn: cannot deploy $s: $(head -n 3 "$tmp/deploy.err")"; return 1; }
    done
}

pipeline_figure() {
    local zip=$data/$1 home=$tmp/pipeline-home
    local tm=- tr=- dm=- dr=- ratio=-
    ensure_data "$1" "$2" || { echo "  cannot generate $zip"; return 1; }
    printf '\n== workflow run etl-workflow: %s (%s) ==\n' "$zip" "$(du -h "$zip" | cut -f1)"
    deploy_pipeline "$home" "$zip"
    cat "$zip" >/dev/null
    if measure tarn /dev/null "$tarn" --home "$home" workflow run etl-workflow; then
        tm=$M_MEDIAN tr=$M_RSS
        printf '  tarn    median %7.3f s   peak RSS %6d MB   runs: %s\n' "$tm" "$tr" "$M_ALL"
    fi
    if measure duckdb "$tmp/out" node bench/pipeline_duckdb.mjs "$zip" "$tmp/duckdb-pipeline"; then
        dm=$M_MEDIAN dr=$M_RSS
        printf '  duckdb  median %7.3f s   peak RSS %6d MB   runs: %s\n' "$dm" "$dr" "$M_ALL"
    fi
    if [[ $tm != - && $dm != - ]]; then
        ratio=$(awk -v a="$tm" -v b="$dm" 'BEGIN { printf "%.2f", a / b }')
        printf '  tarn/duckdb time %s\n' "$ratio"
    fi
    rm -rf "$home" "$tmp/duckdb-pipeline"
    SUMMARY+=("$(printf '%-38s %9s %9s %8s %9s %9s' "workflow run ($1)" "$tm" "$dm" "$ratio" "$tr" "$dr")")
}

# The query_10m suite: NAME|SQL, each run by tarn over the catalog table
# etl_poc.gold_who_covid and by DuckDB over the same files.
QUERY_SUITE=(
    "full count|SELECT count(*) FROM gold_who_covid"
    "group by region|SELECT who_region, count(*) AS n, sum(new_cases) AS cases, avg(new_deaths) AS avg_deaths FROM gold_who_covid GROUP BY who_region ORDER BY who_region"
    "one partition, dates|SELECT date_reported, new_cases, new_deaths FROM gold_who_covid WHERE country = 'France' AND date_reported BETWEEN DATE '2021-01-01' AND DATE '2021-03-31' ORDER BY date_reported"
    "top-N|SELECT country, date_reported, new_cases FROM gold_who_covid ORDER BY new_cases DESC, country, date_reported LIMIT 10"
    "window rank|SELECT country, date_reported, new_cases FROM (SELECT country, date_reported, new_cases, rank() OVER (PARTITION BY who_region ORDER BY new_cases DESC) AS r FROM gold_who_covid) WHERE r <= 3 ORDER BY country, date_reported"
    "join with aggregate|SELECT g.who_region, count(*) AS days_above FROM gold_who_covid g JOIN (SELECT country, avg(new_cases) AS a FROM gold_who_covid GROUP BY country) c ON g.country = c.country WHERE g.new_cases > c.a GROUP BY g.who_region ORDER BY g.who_region"
    "count distinct|SELECT count(DISTINCT country_code) AS codes, count(DISTINCT date_reported) AS days FROM gold_who_covid"
    "non-partition filter|SELECT country, sum(new_deaths) AS deaths FROM gold_who_covid WHERE new_cases > 1000 GROUP BY country ORDER BY deaths DESC LIMIT 5"
)

# median FILE: the median of the numbers in FILE, one a line.
median() {
    sort -n "$1" | awk '{ v[NR] = $1 } END { if (NR == 0) print "-";
        else printf "%.1f", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# query_figure ZIP ROWS: the gold table built once from ZIP (the four
# stacks deployed and the workflow run, not timed), then each query of
# QUERY_SUITE by `tarn query` (the whole process) and by DuckDB
# (bench/query_duckdb.mjs over the gold files with hive_partitioning; the
# whole node process, its query time alone beside). Also shows tarn's
# engine time (the execution's EngineExecutionTimeInMillis, last run) and
# warns when the two answer with different row counts.
query_figure() {
    local zip=$data/$1 home=$tmp/query-home entry name sql tm tr dm dr ratio dq te
    ensure_data "$1" "$2" || { echo "  cannot generate $zip"; return 1; }
    local gold=$home/buckets/etl-poc-data-gold/who_covid
    printf '\n== tarn query over gold of %s (%s), built once (untimed) ==\n' "$zip" "$(du -h "$zip" | cut -f1)"
    deploy_pipeline "$home" "$zip" &&
        "$tarn" --home "$home" workflow run etl-workflow >/dev/null 2>"$tmp/wf.err" ||
        { echo "  tarn: cannot build gold: $(tail -n 3 "$tmp/wf.err")"; return 1; }
    printf '  gold: %s in %d partitions\n' "$(du -sh "$gold" | cut -f1)" "$(ls "$gold" | wc -l)"
    cat "$gold"/*/* >/dev/null
    for entry in "${QUERY_SUITE[@]}"; do
        name=${entry%%|*} sql=${entry#*|} tm=- tr=- dm=- dr=- ratio=- te=-
        printf '\n  -- %s: %s\n' "$name" "$sql"
        if measure tarn "$tmp/tarn.out" "$tarn" --home "$home" query --database etl_poc "$sql"; then
            tm=$M_MEDIAN tr=$M_RSS
            te=$("$tarn" --home "$home" --json query history --limit 1 |
                grep -o '"EngineExecutionTimeInMillis":[0-9]*' | cut -d: -f2)
            printf '  tarn    median %7.3f s   peak RSS %6d MB   runs: %s   (engine %s ms)\n' \
                "$tm" "$tr" "$M_ALL" "$te"
        fi
        : >"$tmp/qms"
        if QUERY_MS_LOG=$tmp/qms measure duckdb "$tmp/out" node bench/query_duckdb.mjs "$gold" "$sql"; then
            dm=$M_MEDIAN dr=$M_RSS dq=$(median "$tmp/qms")
            printf '  duckdb  median %7.3f s   peak RSS %6d MB   runs: %s   (query alone %s ms)\n' \
                "$dm" "$dr" "$M_ALL" "$dq"
        fi
        if [[ $tm != - && $dm != - ]]; then
            ratio=$(awk -v a="$tm" -v b="$dm" 'BEGIN { printf "%.2f", a / b }')
            printf '  tarn/duckdb time %s (process); engine %s ms against query alone %s ms\n' \
                "$ratio" "$te" "$dq"
            local trows drows
            trows=$(($(wc -l <"$tmp/tarn.out") - 1))
            drows=$(grep -o 'rows=[0-9]*' "$tmp/out" | cut -d= -f2)
            [[ $trows == "$drows" ]] || echo "  WARNING: tarn returned $trows rows, DuckDB $drows"
        fi
        SUMMARY+=("$(printf '%-38s %9s %9s %8s %9s %9s' "query: $name" "$tm" "$dm" "$ratio" "$tr" "$dr")")
    done
    rm -rf "$home"
}

figure_stats_1m() { stats_figure who_1m.csv 1000000; }
figure_pipeline_1m() { pipeline_figure who_1m.zip 1000000; }
figure_pipeline_10m() { pipeline_figure who_10m.zip 10000000; }
figure_convert_1m() { convert_figure who_1m.csv 1000000; }
figure_convert_10m() { convert_figure who_10m.csv 10000000; }
figure_cat_parquet_10m() { cat_parquet_figure who_10m.csv 10000000; }
figure_stats_10m() { stats_figure who_10m.csv 10000000; }
figure_cat_1m() { cat_figure who_1m.csv 1000000; }
figure_cat_10m() { cat_figure who_10m.csv 10000000; }
figure_query_10m() { query_figure who_10m.zip 10000000; }

if [[ ! -x $gen ]]; then
    echo "bench: $gen not built (run 'make build')" >&2
    exit 1
fi
if [[ ! -d tests/node_modules/@duckdb/node-api ]]; then
    echo "bench: DuckDB missing from tests/node_modules (run scripts/install-deps.sh)" >&2
    exit 1
fi
read -r -a selected <<<"${BENCH_FIGURES:-${FIGURES[*]}}"
for f in "${selected[@]}"; do
    declare -F "figure_$f" >/dev/null && continue
    echo "bench: no figure '$f' (have: ${FIGURES[*]})" >&2
    exit 2
done
echo "tarn vs DuckDB: $runs runs each, median wall time; DuckDB threads=$DUCKDB_THREADS; $(nproc) cores"
for f in "${selected[@]}"; do "figure_$f"; done

echo
echo "Summary (time: median seconds; RSS: peak MB; DuckDB: whole node process)"
printf '%-38s %9s %9s %8s %9s %9s\n' figure "tarn s" "duckdb s" "ratio" "tarn MB" "duckdb MB"
printf '%s\n' "${SUMMARY[@]}"
echo "ratio = tarn time / DuckDB time (below 1: tarn is faster); '-': not measured"
