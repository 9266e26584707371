#!/usr/bin/env bash
# tests/e2e/pipeline.sh: the reference pipeline end to end, as a user runs
# it: the four example stacks deployed from examples/etl-poc/, a WHO-shaped
# zipped CSV served over HTTP on 127.0.0.1, `tarn workflow run
# etl-workflow`, then raw, silver and gold, the three catalog tables and the
# run history checked. Then the failure paths: a 404 source, a cleaning job
# whose role may only read S3, and tarn killed (-9) in the middle of the
# cleaning job and resumed. What the data must hold comes from DuckDB
# reading the source (pipeline_check.mjs), never from tarn.
#
# usage: tests/e2e/pipeline.sh TARN    prints `ok - NAME` / `not ok - NAME`
#                                     per check; exits 1 if any failed
set -uo pipefail
TARN=$(realpath "${1:?usage: pipeline.sh TARN}")
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
CFN=$ROOT/examples/etl-poc/cloudformation
GEN=$(dirname "$TARN")/gen_who
ROWS=${PIPELINE_ROWS:-300000}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/tarn-e2e-pipeline.XXXXXX")
server=
cleanup() {
    [[ -n $server ]] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
    rm -rf "$WORK"
}
trap cleanup EXIT
export TARN_HOME=$WORK/home
cd "$WORK" || exit 2
failed=0
. "$HERE/lib/checks.sh"

RAW=$TARN_HOME/buckets/etl-poc-data-raw/who_covid
SILVER=$TARN_HOME/buckets/etl-poc-data-silver/who_covid
GOLD=$TARN_HOME/buckets/etl-poc-data-gold/who_covid

# ---- the source, served on a free loopback port ----
mkdir -p src
"$GEN" "$ROWS" src/who.zip 7 >/dev/null || { echo "not ok - generate the source"; false; }
"$GEN" "$ROWS" src/who.csv 7 >/dev/null
python3 "$ROOT/examples/etl-poc/serve.py" src port &
server=$!
for _ in $(seq 100); do [[ -s port ]] && break; sleep 0.05; done
URL=http://127.0.0.1:$(cat port)/who.zip

# deploy NAME [ARGS...]: deploy examples/etl-poc/cloudformation/NAME.yml
# with its parameter file.
deploy() {
    local name=$1
    shift
    run 0 stack deploy "$name" --template "$CFN/$name.yml" --parameters "$CFN/$name.json" "$@"
}

t "deploy basic-infra" deploy basic-infra
t "deploy glue-jobs with the local source" deploy glue-jobs --parameter "SourceUrl=$URL"
t "deploy glue-catalog" deploy glue-catalog
t "deploy glue-workflow" deploy glue-workflow
t "stack list shows the four stacks" eval "run 0 stack list && has basic-infra && has glue-jobs && has glue-catalog && has glue-workflow"

# ---- one whole run ----
t "workflow run etl-workflow succeeds" run 0 workflow run etl-workflow
cp "$WORK/out" run1.out
cp "$WORK/err" run1.err

t "raw holds the unzipped CSV under its own name" \
    cmp "$RAW/WHO-COVID-19-global-daily-data.csv" src/who.csv

node "$HERE/pipeline_check.mjs" facts src/who.csv "$SILVER" "$GOLD" >facts.json 2>facts.err
fact() { python3 -c "import json,sys; print(json.load(open('facts.json'))['$1'])"; }
# expect_fact NAME KEY VALUE: the check NAME passes when facts.json's KEY
# prints as VALUE.
expect_fact() {
    t "$1" python3 - "$2" "$3" <<'PY'
import json, sys
key, want = sys.argv[1], sys.argv[2]
got = str(json.load(open("facts.json"))[key])
if got != want:
    sys.exit(f"{key} is {got}, expected {want}")
PY
}
if [[ -s facts.json ]]; then
    expect_fact "silver has the distinct source rows" silver_rows "$(fact source_distinct)"
    t "duplicates were dropped (the source has some)" \
        test "$(fact source_rows)" -gt "$(fact source_distinct)"
    expect_fact "silver holds exactly the distinct source rows (values)" silver_minus_source 0
    expect_fact "no distinct source row is missing from silver" source_minus_silver 0
    expect_fact "silver columns are snake_case and typed" silver_columns \
        "['date_reported:DATE', 'country_code:VARCHAR', 'country:VARCHAR', 'who_region:VARCHAR', 'new_cases:INTEGER', 'cumulative_cases:INTEGER', 'new_deaths:INTEGER', 'cumulative_deaths:INTEGER', 'source_url:VARCHAR', 'notes:VARCHAR']"
    expect_fact "gold has one folder per country" gold_folders "$(fact source_countries)"
    expect_fact "gold holds the silver rows" gold_rows "$(fact silver_rows)"
    expect_fact "gold and silver hold the same values" gold_minus_silver 0
    expect_fact "no silver row is missing from gold" silver_minus_gold 0
else
    not_ok "DuckDB reads silver and gold: $(head -c 300 facts.err)"
fi

t "catalog has the three tables" eval \
    "run 0 catalog tables etl_poc && has raw_who_covid && has silver_who_covid && has gold_who_covid"
t "raw table is csv with a header" eval \
    "run 0 catalog describe etl_poc.raw_who_covid && has csv && has skip.header.line.count"
t "silver table is parquet with typed columns" eval \
    "run 0 catalog describe etl_poc.silver_who_covid && has parquet && has date_reported && has 'date'"
ncountries=$(fact source_countries 2>/dev/null)
t "gold table has one partition per country" eval \
    "run 0 catalog partitions etl_poc.gold_who_covid && n=\$(grep -c . \"\$WORK/out\") && \
     (( n == $ncountries || n == $ncountries + 1 )) || { echo \"\$n lines for $ncountries countries\"; cat \"\$WORK/out\"; false; }"
t "gold ddl is Athena's CREATE EXTERNAL TABLE partitioned by country" eval \
    "run 0 catalog ddl etl_poc.gold_who_covid && has 'CREATE EXTERNAL TABLE' && has 'PARTITIONED BY'"
t "workflow history shows the run" eval "run 0 workflow runs etl-workflow && has COMPLETED"
runid=$(grep -o 'wr_[0-9a-f]*' run1.out run1.err | head -n 1 | cut -d: -f2)
t "workflow show lists every node as succeeded" eval \
    "run 0 workflow show $runid && [[ \$(grep -c SUCCEEDED \"\$WORK/out\") -ge 6 ]]"

node "$HERE/pipeline_check.mjs" digest "$GOLD" >gold1.digest 2>&1

# ---- kill -9 during the cleaning job, then resume ----
# Each job run writes <home>/logs/job-<run id>.log from its first moment:
# the run's second job log is the cleaning job's (the first is extract's).
# Polled from bash alone, so the kill lands within milliseconds of the
# cleaning job's start, well before it can finish.
shopt -s nullglob
logs=("$TARN_HOME"/logs/job-*.log)
before=${#logs[@]}
"$TARN" workflow run etl-workflow >run2.out 2>run2.err &
wf=$!
cleanrun=
for _ in $(seq 6000); do
    logs=("$TARN_HOME"/logs/job-*.log)
    if ((${#logs[@]} >= before + 2)); then
        cleanrun=1
        break
    fi
    sleep 0.005
done
{ kill -9 "$wf"; wait "$wf"; } 2>/dev/null
t "the cleaning job was caught running" test -n "$cleanrun"
run2=$("$TARN" --json workflow runs etl-workflow 2>/dev/null | grep -o 'wr_[0-9a-f]*' | grep -v "$runid" | head -n 1)
t "the killed run is recorded" test -n "$run2"
"$TARN" --json job runs etl-poc-clean >runs.json 2>/dev/null
t "the kill interrupted the cleaning job (it did not finish)" python3 - "$run2" <<'PY'
import json, sys
runs = [r for r in json.load(open("runs.json")) if r.get("WorkflowRunId") == sys.argv[1]]
if not runs or any(r["JobRunState"] == "SUCCEEDED" for r in runs):
    sys.exit(f"clean runs of the killed workflow run: {runs}")
PY
t "workflow resume finishes the killed run" run 0 workflow resume "$run2"
t "the resumed run repartitioned again (the killed one never got there)" eval \
    "run 0 --json job runs etl-poc-repartition && [[ \$(grep -c '\"JobRunState\": \"SUCCEEDED\"' \"\$WORK/out\") == 2 ]]"
node "$HERE/pipeline_check.mjs" digest "$GOLD" >gold2.digest 2>&1
t "gold after resume equals gold of an uninterrupted run" diff gold1.digest gold2.digest

# ---- a 404 source: extract fails, nothing downstream starts ----
t "redeploy glue-jobs with a missing source" \
    deploy glue-jobs --parameter "SourceUrl=http://127.0.0.1:$(cat port)/missing.zip"
run 1 workflow run etl-workflow
cp "$WORK/err" run404.err
cp "$WORK/out" run404.out
t "a 404 source fails the workflow run with the HTTP status" \
    eval "cat run404.out run404.err | grep -q 404"
run404=$(grep -o 'wr_[0-9a-f]*' run404.out run404.err | head -n 1 | cut -d: -f2)
t "after a failed extract the cleaning job never starts" eval \
    "run 0 workflow show $run404 && has FAILED && ! grep -E 'etl-poc-clean.*(SUCCEEDED|RUNNING|FAILED)' \"\$WORK/out\""
node "$HERE/pipeline_check.mjs" digest "$GOLD" >gold3.digest 2>&1
t "gold is untouched by the failed run" diff gold1.digest gold3.digest

# ---- a cleaning job whose role may only read S3 ----
cat >readonly.yml <<'EOF'
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  ReadOnlyRole:
    Type: AWS::IAM::Role
    Properties:
      RoleName: ReadOnlyCleanRole
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: {Service: [glue.amazonaws.com]}
            Action: [sts:AssumeRole]
      ManagedPolicyArns:
        - arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess
  ReadOnlyClean:
    Type: AWS::Glue::Job
    Properties:
      Name: readonly-clean
      Role: !GetAtt ReadOnlyRole.Arn
      Command: {Name: tarn.clean}
      DefaultArguments:
        --source_path: s3://etl-poc-data-raw/who_covid/
        --target_path: s3://etl-poc-data-silver/who_covid/
EOF
t "deploy a cleaning job with a read-only role" run 0 stack deploy readonly --template readonly.yml
(cd "$SILVER" && find . -type f | sort | xargs md5sum) >silver.before
run 1 job run readonly-clean
t "the read-only cleaning job fails with AccessDenied naming role, action and bucket" eval \
    "has AccessDenied err && has ReadOnlyCleanRole err && has s3:PutObject err && has etl-poc-data-silver err"
(cd "$SILVER" && find . -type f | sort | xargs md5sum) >silver.after
t "silver keeps its previous contents" diff silver.before silver.after

# ---- errors that change nothing ----
run 0 stack list
cp "$WORK/out" stacks.before
printf 'Resources:\n  A: [unclosed\n' >bad.yml
t "a malformed template is refused with its line" eval \
    "run 1 stack deploy bad --template bad.yml && has 'bad.yml' err"
printf 'Resources:\n  A:\n    Type: AWS::S3::Bucket\n    DependsOn: B\n  B:\n    Type: AWS::S3::Bucket\n    DependsOn: A\n' >cycle.yml
t "a cyclic DependsOn is refused naming the cycle" eval \
    "run 1 stack deploy cycle --template cycle.yml && has 'circular' err"
t "a missing parameter is refused naming it" eval \
    "run 1 stack deploy nosrc --template $CFN/glue-jobs.yml && has SourceUrl err"
t "deleting a stack whose exports are imported is refused naming the importer" eval \
    "run 1 stack delete basic-infra && has glue-jobs err"
run 0 stack list
t "the refused commands changed no stack" diff stacks.before "$WORK/out"
for s in readonly glue-workflow glue-catalog glue-jobs; do
    t "stack delete $s" run 0 stack delete "$s"
done
t "deleting a stack whose buckets hold objects is refused (BucketNotEmpty)" eval \
    "run 1 stack delete basic-infra && has BucketNotEmpty err"
t "the refused delete kept the data" test -s "$RAW/WHO-COVID-19-global-daily-data.csv"
t "stack delete --force empties the buckets and deletes the stack" eval \
    "run 0 stack delete basic-infra --force && run 0 stack list && ! has basic-infra"

exit $failed
