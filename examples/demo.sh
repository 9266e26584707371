#!/usr/bin/env bash
# examples/demo.sh: the reference pipeline end to end (`make demo`).
#
# A WHO COVID-19-shaped source (DEMO_ROWS rows, default 1,000,000, zipped as
# the WHO serves it) is served over HTTP on 127.0.0.1; the four stacks of
# examples/etl-poc/ are deployed; the workflow etl-workflow runs extract ->
# raw crawler + clean -> silver crawler + repartition -> gold crawler; then
# the catalog's tables with their schemas and a few rows of gold are shown,
# and three Athena-style queries run over gold. Each step prints a heading
# and the command it runs, so a reader can retype it.
#
# usage: examples/demo.sh [TARN]      (default build/tarn)
#
# State goes to a temporary home removed at the end (DEMO_KEEP=1 keeps it and
# prints where); nothing is written into the repository.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
tarn=${1:-build/tarn}
[[ $tarn == */* ]] || tarn=./$tarn
if [[ ! -x $tarn ]]; then
    echo "demo: $tarn not found (run 'make build' or 'make demo')" >&2
    exit 1
fi
tarn=$(realpath "$tarn")
gen=$(dirname "$tarn")/gen_who
rows=${DEMO_ROWS:-1000000}
cfn=examples/etl-poc/cloudformation
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tarn-demo.XXXXXX")
server=
finish() {
    [[ -n $server ]] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
    if [[ -n ${DEMO_KEEP:-} ]]; then
        echo "demo: state kept in $TARN_HOME"
    else
        rm -rf "$tmp"
    fi
}
trap finish EXIT
export TARN_HOME=$tmp/home
failed=0
t_start=$(date +%s.%N)

# step HEADING ARGS...: print the heading and `tarn ARGS`, then run it.
step() {
    local heading=$1 rc=0
    shift
    printf '\n# %s\n$ tarn %s\n' "$heading" "$*"
    "$tarn" "$@" || rc=$?
    if ((rc != 0)); then
        echo "demo: that step failed with status $rc" >&2
        failed=1
    fi
    return $rc
}

echo "tarn demo: the etl-poc pipeline on $rows generated rows; state in $TARN_HOME"
mkdir -p "$tmp/www"
"$gen" "$rows" "$tmp/www/WHO-COVID-19-global-daily-data.zip" 1 || exit 1
python3 examples/etl-poc/serve.py "$tmp/www" "$tmp/port" &
server=$!
for _ in $(seq 100); do [[ -s $tmp/port ]] && break; sleep 0.05; done
url=http://127.0.0.1:$(cat "$tmp/port")/WHO-COVID-19-global-daily-data.zip
echo "source: $url ($(du -h "$tmp/www/WHO-COVID-19-global-daily-data.zip" | cut -f1))"

step "Deploy the buckets and the Athena workgroup" stack deploy basic-infra \
    --template $cfn/basic-infra.yml --parameters $cfn/basic-infra.json || exit 1
step "Deploy the jobs and their roles, pointing extract at the local source" stack deploy glue-jobs \
    --template $cfn/glue-jobs.yml --parameters $cfn/glue-jobs.json --parameter "SourceUrl=$url" || exit 1
step "Deploy the database and the crawlers" stack deploy glue-catalog \
    --template $cfn/glue-catalog.yml --parameters $cfn/glue-catalog.json || exit 1
step "Deploy the workflow and its triggers" stack deploy glue-workflow \
    --template $cfn/glue-workflow.yml --parameters $cfn/glue-workflow.json || exit 1
step "The workflow's graph" workflow graph etl-workflow
step "Run the workflow" workflow run etl-workflow || exit 1
step "The catalog's tables" catalog tables etl_poc
for t in raw_who_covid silver_who_covid gold_who_covid; do
    step "Schema of $t" catalog describe "etl_poc.$t"
done
step "Partitions of gold (the first 8 of them)" catalog partitions etl_poc.gold_who_covid \
    >"$tmp/partitions" && head -n 9 "$tmp/partitions"
step "A few rows of gold" query --database etl_poc --workgroup etl-poc-workgroup --format table \
    "SELECT country, date_reported, new_cases, cumulative_cases FROM gold_who_covid WHERE country = 'France' ORDER BY date_reported DESC LIMIT 5"
step "Query: the ten countries with the most cases" query --database etl_poc --workgroup etl-poc-workgroup --format table \
    "SELECT country, max(cumulative_cases) AS cases, max(cumulative_deaths) AS deaths FROM gold_who_covid GROUP BY country ORDER BY cases DESC LIMIT 10"
step "Query: cases per WHO region and year" query --database etl_poc --workgroup etl-poc-workgroup --format table \
    "SELECT who_region, year(date_reported) AS year, sum(new_cases) AS cases FROM gold_who_covid GROUP BY 1, 2 ORDER BY 1, 2 LIMIT 12"
step "Query: one country, one week, read from its partition alone" query --database etl_poc --workgroup etl-poc-workgroup --format table \
    "SELECT date_reported, new_cases, new_deaths FROM gold_who_covid WHERE country = 'Japan' AND date_reported BETWEEN DATE '2021-01-01' AND DATE '2021-01-07' ORDER BY 1"

echo
awk -v a="$t_start" -v b="$(date +%s.%N)" 'BEGIN { printf "demo: finished in %.1f s\n", b - a }'
if ((failed)); then
    echo "demo: some steps failed (see above)"
    exit 1
fi
echo "demo: done"
