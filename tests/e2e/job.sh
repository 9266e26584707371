#!/usr/bin/env bash
# tests/e2e/job.sh: end-to-end tests of `tarn job run|list|runs|logs` on
# jobs deployed from tests/e2e/data/job-stack.yml: a clean job's run and
# summary, run arguments over DefaultArguments, a read-only role that fails
# with AccessDenied and leaves the previous output as it was, pythonshell
# success and failure, retries, refused starts (a role Glue may not
# assume), --no-wait, the runs a killed tarn leaves (reaped as FAILED),
# logs, --json and usage errors. Expected figures come from the fixture
# (4 rows with one duplicate and one value that is not a bigint). The
# jobs come from `tarn stack deploy`; when the deploy fails only the usage
# checks before it have run, and the script stops there.
#
# usage: tests/e2e/job.sh TARN      prints `ok - NAME` / `not ok - NAME`
#                                   per check; exits 1 if any failed
set -uo pipefail
TARN=$(realpath "${1:?usage: job.sh TARN}")
HERE=$(cd "$(dirname "$0")" && pwd)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
export TARN_HOME=$WORK/home
cd "$WORK"
failed=0

. "$HERE/lib/checks.sh"

# json_get EXPR: evaluate the Python expression EXPR over the JSON in out
# (as j) and print the result.
json_get() { python3 -c "import json,sys; j=json.load(open('$WORK/out')); print($1)"; }
# is_eq EXPR WANT: json_get EXPR prints WANT.
is_eq() {
    local got
    got=$(json_get "$1") || return 1
    [[ $got == "$2" ]] || { echo "$1 is '$got', expected '$2'"; return 1; }
}
# wait_state JOB RUN_ID STATE...: poll `job runs JOB` until the run is in
# one of the states (at most 60 s).
wait_state() {
    local job=$1 id=$2 s
    shift 2
    for _ in $(seq 600); do
        s=$("$TARN" --json job runs "$job" 2>/dev/null | python3 -c "import json,sys
print(next((r['JobRunState'] for r in json.load(sys.stdin) if r['Id'] == '$id'), ''))")
        for want in "$@"; do [[ $s == "$want" ]] && return 0; done
        sleep 0.1
    done
    echo "run $id of $job is '$s', expected one of $*"
    return 1
}

printf 'id,Full Name\n1,ann\n1,ann\n2,bob\nx,cy\n' >data.csv

# ---- usage ----
t "job --help lists the verbs" eval 'run 0 job --help && has run && has runs && has logs && has no-wait'
t "job run without NAME is a usage error" eval 'run 2 job run && has "missing NAME" err'
t "unknown verb is a usage error" eval 'run 2 job frob && has "unknown verb" err'
t "--arg needs KEY=VALUE" eval 'run 2 job run e2e-clean --arg novalue && has KEY=VALUE err'
t "missing job fails naming it" eval 'run 1 job run nosuch && has "job .nosuch. does not exist" err'

# ---- the fixture (every check below needs it) ----
t "deploy the job stack" eval 'run 0 stack deploy e2ejob --template "$HERE/data/job-stack.yml"'
[[ $failed == 0 ]] || exit 1
t "upload data and script" eval 'run 0 s3 cp data.csv s3://e2ejob-raw/in/data.csv &&
    run 0 s3 cp "$HERE/data/job-script.py" s3://e2ejob-scripts/job.py'

# ---- list ----
t "list shows jobs never run" eval 'run 0 job list && has "e2e-clean .*tarn.clean" && has "e2e-script .*pythonshell" && has "never run"'

# ---- a clean run ----
t "run waits and prints state and summary" eval 'run 0 job run e2e-clean && has "^run jr_[0-9a-f]* SUCCEEDED in" &&
    has "4 rows, 0 rejected" && has "dropped 1 duplicate rows" &&
    has "column id: 1 values did not cast" && has "wrote 3 rows"'
t "the output is in silver" eval 'run 0 s3 ls s3://e2ejob-silver/out/ && has part-00000.parquet'
t "runs --json records the run" eval 'run 0 --json job runs e2e-clean && is_eq "len(j)" 1 &&
    is_eq "j[0][\"JobRunState\"]" SUCCEEDED && is_eq "j[0][\"Attempt\"]" 0 &&
    is_eq "j[0][\"RowsIn\"]" 4 && is_eq "j[0][\"RowsOut\"]" 3 && is_eq "j[0][\"ValuesNulled\"]" 1 &&
    is_eq "j[0][\"BytesOut\"] > 0 and j[0][\"BytesIn\"] == 36" True &&
    is_eq "j[0][\"Arguments\"][\"--JOB_NAME\"]" e2e-clean &&
    is_eq "j[0][\"CompletedOn\"] is not None and j[0][\"ErrorMessage\"] is None" True'
RUN1=$(json_get 'j[0]["Id"]' 2>/dev/null)
t "logs prints the run log" eval 'run 0 job logs "$RUN1" && has "tarn.clean as role" && has "dropped 1 duplicate rows" && has "SUCCEEDED"'
t "logs --json" eval 'run 0 job logs "$RUN1" --json && is_eq "\"SUCCEEDED\" in j[\"Log\"]" True'
t "runs shows a table" eval 'run 0 job runs e2e-clean && has "$RUN1 *SUCCEEDED *0 "'
t "--arg overrides DefaultArguments" eval 'run 0 job run e2e-clean --arg --cast=id:string &&
    run 0 --json job runs e2e-clean && is_eq "j[0][\"ValuesNulled\"]" 0 &&
    is_eq "j[0][\"Arguments\"][\"--cast\"]" id:string'
t "list shows the last run" eval 'run 0 job list && has "e2e-clean .*SUCCEEDED"'

# ---- AccessDenied keeps the previous output ----
"$TARN" s3 cp --recursive s3://e2ejob-silver/out/ before/ >/dev/null 2>&1
printf 'id,Full Name\n9,zed\n' >more.csv
"$TARN" s3 cp more.csv s3://e2ejob-raw/in/more.csv >/dev/null 2>&1
t "a read-only role fails with AccessDenied" eval 'run 1 job run e2e-clean-readonly &&
    has "FAILED" && has "AccessDenied: role .E2eReaderRole." err && has "s3:PutObject" err &&
    has "arn:aws:s3:::e2ejob-silver/out/" err'
t "silver is as it was" eval '"$TARN" s3 cp --recursive s3://e2ejob-silver/out/ after/ >/dev/null &&
    diff -r before after'

# ---- pythonshell ----
t "pythonshell runs the script" eval 'run 0 job run e2e-script && has SUCCEEDED'
t "the script got its arguments and the store" eval 'run 0 --json job runs e2e-script &&
    ID=$(json_get "j[0][\"Id\"]") && run 0 job logs "$ID" && has "greeting=hello" &&
    has "job=e2e-script run=$ID" && has "listing: .*data.csv"'
t "a failing script fails the run with its stderr" eval 'run 1 job run e2e-script --arg mode=fail &&
    has "FAILED" && has "exited with status 4" err && has "failed on purpose" err'

# ---- retries and refused starts ----
t "a failed run is retried MaxRetries times" eval 'run 1 job run e2e-retry && has "attempt 1" &&
    run 0 --json job runs e2e-retry && is_eq "len(j)" 2 &&
    is_eq "[r[\"Attempt\"] for r in j]" "[1, 0]" && is_eq "j[0][\"PreviousRunId\"] == j[1][\"Id\"]" True &&
    is_eq "{r[\"JobRunState\"] for r in j}" "{'"'"'FAILED'"'"'}"'
t "a role Glue may not assume is refused" eval 'run 1 job run e2e-untrusted &&
    has "role .E2eEc2Role. cannot be given" err && has glue.amazonaws.com err'

# ---- --no-wait and a killed tarn ----
t "--no-wait prints the run id and the run completes" eval 'run 0 job run e2e-script --no-wait &&
    ID=$(cat "$WORK/out") && [[ $ID == jr_* ]] && wait_state e2e-script "$ID" SUCCEEDED'
# new_run JOB COUNT: wait until JOB has more than COUNT runs; print the newest id.
new_run() {
    for _ in $(seq 600); do
        "$TARN" --json job runs "$1" >"$WORK/runs" 2>/dev/null
        python3 -c "import json,sys; j=json.load(open('$WORK/runs'))
sys.exit(0 if len(j) > $2 else 1)" && { python3 -c "import json; print(json.load(open('$WORK/runs'))[0]['Id'])"; return 0; }
        sleep 0.1
    done
    return 1
}
"$TARN" --json job runs e2e-script >"$WORK/out" 2>/dev/null
BEFORE=$(json_get 'len(j)' 2>/dev/null)
"$TARN" job run e2e-script --arg mode=sleep >/dev/null 2>&1 &
CLI=$!
t "a run whose tarn is killed ends FAILED" eval 'ID=$(new_run e2e-script "$BEFORE") &&
    wait_state e2e-script "$ID" RUNNING &&
    kill -9 $CLI && wait $CLI; wait_state e2e-script "$ID" FAILED &&
    run 0 --json job runs e2e-script && has "run interrupted: process [0-9]* ended without recording a result" &&
    [[ ! -e $TARN_HOME/tmp/job-$ID ]]'

"$TARN" --json job runs e2e-script >"$WORK/out" 2>/dev/null
BEFORE=$(json_get 'len(j)' 2>/dev/null)
"$TARN" job run e2e-script --arg mode=sleep >"$WORK/int.out" 2>"$WORK/int.err" &
CLI=$!
t "Ctrl-C stops the run" eval 'ID=$(new_run e2e-script "$BEFORE") &&
    wait_state e2e-script "$ID" RUNNING && kill -INT $CLI; wait $CLI; [[ $? == 1 ]] &&
    grep -q "STOPPED" "$WORK/int.out" && wait_state e2e-script "$ID" STOPPED'

exit $failed
