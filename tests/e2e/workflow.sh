#!/usr/bin/env bash
# workflow.sh: end-to-end checks of `tarn workflow` and `tarn scheduler`
# against stacks deployed from tests/e2e/data/workflow/: a run of the
# pipeline's shape (extract -> clean -> silver crawler) with its data, catalog
# table, run history, node states, properties and the job runs' workflow
# ids; the graph; a failing source (the node named, downstream never run, the
# run COMPLETED with FailedActions) and its resume; MaxConcurrentRuns; kill -9
# of tarn in the middle of a job, then resume; the scheduler (--once-at and
# SIGTERM); usage errors.
#
# usage: tests/e2e/workflow.sh path/to/tarn
# Prints "ok - <name>" or "not ok - <name>" per check; exits 1 if any failed.
set -u

if [[ $# -lt 1 || ! -x $1 ]]; then
    echo "usage: $0 path/to/tarn" >&2
    exit 2
fi
TARN=$(realpath "$1")
LIB=$(cd "$(dirname "$0")/lib" && pwd)
DATA=$(cd "$(dirname "$0")/data/workflow" && pwd)
SAMPLE=$(cd "$(dirname "$0")/../.." && pwd)/examples/data/who_covid_sample.csv
WORK=$(mktemp -d "${TMPDIR:-/tmp}/tarn-e2e-workflow.XXXXXX")
bg=
trap '[[ -n $bg ]] && kill -9 $bg 2>/dev/null; rm -rf "$WORK"' EXIT
export TARN_HOME="$WORK/home"
cd "$WORK" || exit 2
failed=0
. "$LIB/checks.sh"

# sql QUERY: one value from catalog.db.
sql() { sqlite3 -cmd ".timeout 10000" "$TARN_HOME/catalog.db" "$1" 2>/dev/null; }
# jq_py EXPR FILE: evaluate a Python expression over the JSON in FILE (as j).
jq_py() { python3 -c "import json,sys; j=json.load(open(sys.argv[2])); print($1)" "$1" "$2"; }

cp "$SAMPLE" "$WORK/src.csv"
FLAG=$WORK/slow.flag
cat >"$WORK/params.json" <<EOF
[{"ParameterKey": "SourceUrl", "ParameterValue": "file://$WORK/src.csv"},
 {"ParameterKey": "FlagFile", "ParameterValue": "$FLAG"}]
EOF
sed "s|file://$WORK/src.csv|file://$WORK/missing.csv|" "$WORK/params.json" >"$WORK/params-bad.json"

# ---- deploy ----
t "deploy infra stack" run 0 stack deploy wf-infra --template "$DATA/infra.yml"
t "upload the slow job's script" run 0 s3 cp "$DATA/slow.py" s3://wf-data/scripts/slow.py
t "deploy flows stack" run 0 stack deploy wf-flows --template "$DATA/flows.yml" \
    --parameters "$WORK/params.json"

t "list shows the workflows" eval 'run 0 workflow list && has wf-flow && has wf-slow && has wf-sched'
list_json() {
    run 0 workflow list --json &&
        [[ $(jq_py "' '.join(sorted(w['Name'] for w in j['Workflows']))" "$WORK/out") == \
            "wf-flow wf-sched wf-slow" ]]
}
t "list --json" list_json

# ---- graph ----
t "graph is a tree from the start trigger" eval 'run 0 workflow graph wf-flow &&
    has "workflow wf-flow" && has "trigger wf-flow-start (ON_DEMAND)" && has "job wf-extract" &&
    has "when job wf-extract SUCCEEDED" && has "crawler wf-silver-crawler"'
t "graph --dot" eval 'run 0 workflow graph wf-flow --dot && has "digraph \"wf-flow\"" &&
    has "\"trigger:wf-flow-after-clean\" -> \"crawler:wf-silver-crawler\";"'
graph_json() {
    run 0 workflow graph wf-flow --json &&
        [[ $(jq_py "' '.join(t['Name'] + ':' + t['Type'] for t in j['Triggers'])" "$WORK/out") == \
            "wf-flow-after-clean:CONDITIONAL wf-flow-after-extract:CONDITIONAL wf-flow-start:ON_DEMAND" ]]
}
t "graph --json lists the triggers" graph_json
t "graph of an unknown workflow" eval 'run 1 workflow graph nope && has "EntityNotFoundException: workflow .nope." err'

# ---- a successful run ----
t "run wf-flow" eval 'run 0 workflow run wf-flow --property day=2026-01-02 && has COMPLETED'
RUN=$(sql "SELECT id FROM workflow_runs WHERE workflow_name = 'wf-flow'")
t "progress lines on a non-terminal" eval 'has "JOB wf-extract STARTING" err &&
    has "JOB wf-clean SUCCEEDED" err && has "CRAWLER wf-silver-crawler SUCCEEDED" err'
show_json() {
    run 0 workflow show "$1" --json &&
        [[ $(jq_py "$2" "$WORK/out") == "$3" ]]
}
t "every node SUCCEEDED" show_json "$RUN" \
    "' '.join(n['State'] for n in j['Nodes'] if n['Type'] != 'TRIGGER')" "SUCCEEDED SUCCEEDED SUCCEEDED"
t "run properties: defaults and --property" show_json "$RUN" \
    "' '.join(k + '=' + v for k, v in sorted(j['WorkflowRunProperties'].items()))" "day=2026-01-02 stage=test"
t "statistics" show_json "$RUN" \
    "j['Statistics']['TotalActions'], j['Statistics']['SucceededActions'], j['Statistics']['FailedActions']" "3 3 0"
t "show as text" eval 'run 0 workflow show "$RUN" && has "status: COMPLETED" && has "wf-clean" && has "previous run: -"'
t "runs lists it" eval 'run 0 workflow runs wf-flow && has "$RUN" && has COMPLETED'
t "job runs carry the trigger and workflow run id" test \
    "$(sql "SELECT trigger_name || ' ' || workflow_run_id FROM job_runs WHERE job_name = 'wf-clean'")" \
    = "wf-flow-after-extract $RUN"
t "the crawl run carries the workflow run id" test \
    "$(sql "SELECT count(*) FROM crawl_runs WHERE workflow_run_id = '$RUN'")" = 1
t "silver data written" eval 'run 0 s3 ls s3://wf-data/silver/ && has part-00000.parquet'
t "silver table in the catalog" eval 'run 0 catalog tables wf_db && has silver'

# ---- MaxConcurrentRuns and kill -9 in the middle of a job, then resume ----
: >"$FLAG"
"$TARN" workflow run wf-slow >"$WORK/slow.out" 2>"$WORK/slow.err" &
bg=$!
SLOW=
for _ in $(seq 1 100); do
    SLOW=$(sql "SELECT w.id FROM workflow_runs w JOIN workflow_run_nodes n ON n.run_id = w.id
                WHERE w.workflow_name = 'wf-slow' AND n.node_name = 'wf-slow-job'
                AND n.state = 'RUNNING'")
    [[ -n $SLOW ]] && break
    kill -0 "$bg" 2>/dev/null || break
    sleep 0.1
done
t "slow job RUNNING" test -n "$SLOW"
t "a second run beyond MaxConcurrentRuns is refused" \
    eval 'run 1 workflow run wf-slow && has ConcurrentRunsExceededException err'
kill -9 "$bg" 2>/dev/null
wait "$bg" 2>/dev/null
bg=
rm -f "$FLAG"
t "resume the killed run" eval 'run 0 workflow resume "$SLOW" && has COMPLETED'
NEW=$(sql "SELECT id FROM workflow_runs WHERE previous_run_id = '$SLOW'")
t "the killed run is marked interrupted" eval 'show_json "$SLOW" "j[\"Status\"]" ERROR && has interrupted'
t "the new run records its previous run" eval 'run 0 workflow show "$NEW" &&
    has "previous run: $SLOW" && has "status: COMPLETED"'
t "the interrupted job run is reaped" test \
    "$(sql "SELECT state FROM job_runs WHERE workflow_run_id = '$SLOW'")" = FAILED
t "the action Arguments reach the job" eval 'run 0 s3 ls s3://wf-data/after-slow/ && has src.csv'

# ---- a failing source, then resume ----
t "deploy a missing source" run 0 stack deploy wf-flows --template "$DATA/flows.yml" \
    --parameters "$WORK/params-bad.json"
t "run with a failing extract exits 1 naming the node" \
    eval 'run 1 workflow run wf-flow && has "job .wf-extract. FAILED" err'
BAD=$(sql "SELECT id FROM workflow_runs WHERE workflow_name = 'wf-flow' ORDER BY started_on DESC LIMIT 1")
t "downstream never started; the run is COMPLETED" show_json "$BAD" \
    "j['Status'], j['Statistics']['FailedActions'], [n['State'] for n in j['Nodes'] if n['Name'] == 'wf-clean']" \
    "COMPLETED 1 [None]"
t "fix the source" run 0 stack deploy wf-flows --template "$DATA/flows.yml" \
    --parameters "$WORK/params.json"
t "resume reruns the failed node and its downstream" eval 'run 0 workflow resume "$BAD" &&
    has COMPLETED && has "3 of 3 actions succeeded"'
RESUMED=$(sql "SELECT id FROM workflow_runs WHERE previous_run_id = '$BAD'")
t "nothing left to resume" eval 'run 1 workflow resume "$RESUMED" && has "no failed or interrupted node" err'

# ---- scheduler ----
t "scheduler fires what is due" run 0 scheduler --once-at 2026-12-07T06:00Z
t "the scheduled workflow ran" \
    eval '[[ $(sql "SELECT status FROM workflow_runs WHERE workflow_name = \"wf-sched\"") == COMPLETED ]]'
t "scheduler fires nothing off schedule" run 0 scheduler --once-at 2026-12-07T06:01Z
t "still one scheduled run" \
    eval '[[ $(sql "SELECT count(*) FROM workflow_runs WHERE workflow_name = \"wf-sched\"") == 1 ]]'
"$TARN" scheduler >"$WORK/sched.out" 2>"$WORK/sched.err" &
bg=$!
sleep 1
kill -TERM "$bg"
wait "$bg"
rc=$?
bg=
t "scheduler stops on SIGTERM" test "$rc" = 0

# ---- usage ----
t "run without a name is a usage error" run 2 workflow run
t "an unknown verb is a usage error" run 2 workflow frobnicate
t "a bad --once-at is a usage error" run 2 scheduler --once-at tomorrow
t "--property needs KEY=VALUE" run 2 workflow run wf-flow --property novalue

exit $failed
