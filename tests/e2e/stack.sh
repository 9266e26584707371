#!/usr/bin/env bash
# stack.sh: end-to-end checks of `tarn stack` as a user runs it, in a temp
# home: the four example stacks of examples/etl-poc/cloudformation deploy in
# order and delete in reverse; describe and list; an update shows its change
# set and applies it; --dry-run changes nothing; bad templates (malformed,
# cyclic DependsOn, missing parameter, unknown property, unknown type,
# glueetl) are clear errors that change nothing; a resource failing
# mid-deploy rolls back the ones before it (create and update); a non-empty
# bucket refuses deletion unless --force; an imported export blocks the
# exporting stack's deletion.
#
# usage: tests/e2e/stack.sh path/to/tarn
# Prints "ok - <name>" or "not ok - <name>" per check; exits 1 if any failed.
set -u

if [[ $# -lt 1 || ! -x $1 ]]; then
  echo "usage: $0 path/to/tarn" >&2
  exit 2
fi
TARN=$(realpath "$1")
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CF=$ROOT/examples/etl-poc/cloudformation
WORK=$(mktemp -d "${TMPDIR:-/tmp}/tarn-e2e-stack.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
HOME_DIR=$WORK/home
DB=$HOME_DIR/catalog.db
cd "$WORK" || exit 2
failed=0

# run ARGS...: tarn in the temp home; sets $out, $err, $rc.
run() {
  out=$("$TARN" --home "$HOME_DIR" "$@" 2>"$WORK/.stderr")
  rc=$?
  err=$(cat "$WORK/.stderr")
}
is() { [[ $1 == "$2" ]]; }
check() {
  local name=$1
  shift
  if "$@"; then
    echo "ok - $name"
  else
    echo "not ok - $name"
    echo "#   rc=$rc stdout=[${out:0:600}] stderr=[${err:0:600}]"
    failed=1
  fi
}
# sql QUERY: one value from catalog.db (python3's sqlite3, read-only).
sql() {
  python3 -c 'import sqlite3,sys
c=sqlite3.connect("file:"+sys.argv[1]+"?mode=ro",uri=True)
for r in c.execute(sys.argv[2]): print("|".join("" if v is None else str(v) for v in r))' "$DB" "$1"
}
deploy() { run stack deploy "$1" --template "$CF/$1.yml" --parameters "$CF/$1.json" "${@:2}"; }
# state: everything a failed deploy must leave as it was.
state() {
  sql "SELECT name, status FROM stacks ORDER BY name"
  sql "SELECT stack_name, logical_id, physical_id, status, properties FROM stack_resources ORDER BY 1, 2"
  sql "SELECT name, timeout_minutes FROM jobs ORDER BY name"
  sql "SELECT count(*) FROM stack_events"
  ls "$HOME_DIR/buckets"
}

# ---- the four example stacks ----
for s in basic-infra glue-jobs glue-catalog glue-workflow; do
  deploy "$s"
  check "deploy $s" eval '[[ $rc == 0 && $err == *"CREATE_COMPLETE"*"AWS::CloudFormation::Stack"* ]]'
done
run stack list
check "list shows the four stacks complete" eval '[[ $(grep -c CREATE_COMPLETE <<<"$out") == 4 ]]'
check "buckets, roles, jobs, crawlers, workflow and triggers exist" eval \
  '[[ $(ls "$HOME_DIR/buckets" | tr "\n" " ") == "etl-poc-artifacts etl-poc-athena-queries etl-poc-data-gold etl-poc-data-raw etl-poc-data-silver " &&
     $(sql "SELECT count(*) FROM roles") == 3 && $(sql "SELECT count(*) FROM jobs") == 3 &&
     $(sql "SELECT count(*) FROM crawlers") == 3 && $(sql "SELECT name FROM workflows") == etl-workflow &&
     $(sql "SELECT count(*) FROM triggers WHERE workflow_name = '"'etl-workflow'"'") == 4 ]]'
check "the workgroup row has the output location and cutoff" eval \
  '[[ $(sql "SELECT output_location, bytes_scanned_cutoff, enforce_config, state FROM workgroups") == "s3://etl-poc-athena-queries/results/|1073741824|1|ENABLED" ]]'
check "a conditional trigger stores Glue's predicate and actions" eval \
  '[[ $(sql "SELECT type, predicate, actions FROM triggers WHERE name = '"'etl-poc-after-extract'"'") == "CONDITIONAL|{\"Logical\":\"AND\",\"Conditions\":[{\"LogicalOperator\":\"EQUALS\",\"JobName\":\"etl-poc-extract\",\"State\":\"SUCCEEDED\"}]}|[{\"CrawlerName\":\"etl-poc-raw-crawler\"},{\"JobName\":\"etl-poc-clean\"}]" ]]'
check "a job's role is the GetAtt Arn and its arguments are strings" eval \
  '[[ $(sql "SELECT role, default_args FROM jobs WHERE name = '"'etl-poc-repartition'"'") == "arn:aws:iam::123456789012:role/GlueSparkJobRole|{\"--partition_keys\":\"country\",\"--source_path\":\"s3://etl-poc-data-silver/who_covid/\",\"--target_path\":\"s3://etl-poc-data-gold/who_covid/\"}" ]]'

run stack describe basic-infra
check "describe shows status, resources and outputs with exports" eval \
  '[[ $rc == 0 && $out == *"CREATE_COMPLETE"* && $out == *"RawBucket "*"AWS::S3::Bucket"*"etl-poc-data-raw"* &&
     $out == *"RawBucketArn"*"arn:aws:s3:::etl-poc-data-raw"*"basic-infra-RawBucketArn"* ]]'
run --json stack describe glue-catalog
check "describe --json gives DescribeStacks fields, events newest first" eval \
  '[[ $rc == 0 && $(python3 -c "import json,sys; d=json.load(sys.stdin); print(d[\"StackStatus\"], d[\"Outputs\"][0][\"OutputKey\"], d[\"Outputs\"][0][\"OutputValue\"], d[\"Events\"][0][\"ResourceStatus\"], d[\"Events\"][0][\"LogicalResourceId\"], d[\"Events\"][-1][\"ResourceStatus\"])" <<<"$out") == "CREATE_COMPLETE GlueDatabaseName etl_poc CREATE_COMPLETE glue-catalog CREATE_IN_PROGRESS" ]]'
check "imports are recorded" eval \
  '[[ $(sql "SELECT count(*) FROM stack_imports WHERE stack_name = '"'glue-workflow'"'") == 6 ]]'

# ---- updates ----
before=$(state)
deploy glue-jobs --parameter JobTimeoutMinutes=30 --dry-run
check "--dry-run prints the change set" eval \
  '[[ $rc == 0 && $out == *"Modify"*"ExtractJob"*"etl-poc-extract"* && $out == *"Modify"*"RepartitionJob"* && $out != *GluePythonJobRole* ]]'
check "--dry-run changes nothing" eval '[[ "$(state)" == "$before" ]]'
deploy glue-jobs --parameter JobTimeoutMinutes=30
check "an update prints Modify with the physical id" eval \
  '[[ $rc == 0 && $out == *"Modify"*"CleanJob"*"AWS::Glue::Job"*"etl-poc-clean"* && $err == *UPDATE_COMPLETE* ]]'
check "the update is applied" eval '[[ $(sql "SELECT DISTINCT timeout_minutes FROM jobs") == 30 ]]'
check "the stack is UPDATE_COMPLETE" eval \
  '[[ $(sql "SELECT status FROM stacks WHERE name = '"'glue-jobs'"'") == UPDATE_COMPLETE ]]'

# ---- bad templates change nothing ----
before=$(state)
bad() { # bad NAME FILE ARGS...: deploy FILE as stack NAME; must fail, change nothing
  run stack deploy "$1" --template "$2" "${@:3}"
  [[ $rc == 1 && "$(state)" == "$before" ]]
}
printf 'Resources:\n  A:\n    Type: AWS::S3::Bucket\n    Properties: [unclosed\n' >malformed.yml
check "a malformed template is an error naming the file and line" eval \
  'bad bad1 malformed.yml && [[ $err == *malformed.yml*line* ]]'
cat >cycle.yml <<'EOF'
Resources:
  A:
    Type: AWS::S3::Bucket
    DependsOn: B
  B:
    Type: AWS::S3::Bucket
    DependsOn: A
EOF
check "a cyclic DependsOn is an error naming the cycle" eval \
  'bad bad2 cycle.yml && [[ $err == *"circular dependency"*"A -> B -> A"* || $err == *"circular dependency"*"B -> A -> B"* ]]'
check "a missing parameter is an error naming it" eval \
  'bad bad3 "$CF/glue-jobs.yml" && [[ $err == *SourceUrl* ]]'
cat >unknown-prop.yml <<'EOF'
Resources:
  Good:
    Type: AWS::S3::Bucket
    Properties: {BucketName: good-bucket-1}
  Job:
    Type: AWS::Glue::Job
    Properties:
      Role: r
      Command: {Name: tarn.clean}
      Colour: blue
EOF
check "an unknown property names the resource and property and lists the supported ones" eval \
  'bad bad4 unknown-prop.yml && [[ $err == *"Job (AWS::Glue::Job)"*"Colour"*"supported"*"DefaultArguments"* ]]'
sed 's/Colour: blue/Command2: {}/; s/Name: tarn.clean}/Name: tarn.clean, Bogus: 1}/' unknown-prop.yml >unknown-nested.yml
check "an unknown nested property names its path" eval \
  'bad bad4 unknown-nested.yml && [[ $err == *"Command.Bogus"*"ScriptLocation"* ]]'
printf 'Resources:\n  Q:\n    Type: AWS::SQS::Queue\n' >unknown-type.yml
check "an unknown type is an error listing the supported types" eval \
  'bad bad5 unknown-type.yml && [[ $err == *"AWS::SQS::Queue"*"AWS::S3::Bucket"*"AWS::Athena::WorkGroup"* ]]'
sed 's/Name: tarn.clean}/Name: glueetl}/; /Colour/d' unknown-prop.yml >glueetl.yml
check "a glueetl job is refused, saying what to use" eval \
  'bad bad6 glueetl.yml && [[ $err == *glueetl*"Spark jobs do not run in tarn"*tarn.clean* ]]'
printf 'Resources:\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument: {Version: "2012-10-17", Statement: []}\n      ManagedPolicyArns: [arn:aws:iam::aws:policy/NoSuchPolicy]\n' >role.yml
check "an unknown managed policy ARN is an error naming it" eval \
  'bad bad7 role.yml && [[ $err == *NoSuchPolicy* ]]'
printf 'Resources:\n  W:\n    Type: AWS::Athena::WorkGroup\n    Properties:\n      Name: w\n      WorkGroupConfiguration: {BytesScannedCutoffPerQuery: 100}\n' >cutoff.yml
check "a workgroup cutoff under 10000000 is refused" eval \
  'bad bad8 cutoff.yml && [[ $err == *BytesScannedCutoffPerQuery*10000000* ]]'
sed 's/-CleanJobName"/-NoSuchExport"/' "$CF/glue-workflow.yml" >noexport.yml
check "an import nobody exports is an error naming it" eval \
  'bad bad9 noexport.yml && [[ $err == *glue-jobs-NoSuchExport* ]]'
printf 'Resources:\n  B: {Type: AWS::S3::Bucket, Properties: {BucketName: dup-export}}\nOutputs:\n  O: {Value: !Ref B, Export: {Name: basic-infra-RawBucketName}}\n' >dup.yml
check "an export name another stack exports is an error naming both" eval \
  'bad bad10 dup.yml && [[ $err == *basic-infra-RawBucketName*"already exported by stack '"'basic-infra'"'"* ]]'

# ---- rollback ----
cat >rollback.yml <<'EOF'
Resources:
  First:
    Type: AWS::S3::Bucket
    Properties: {BucketName: rb-first}
  Second:
    Type: AWS::S3::Bucket
    Properties: {BucketName: rb-second}
    DependsOn: First
  Crawl:
    Type: AWS::Glue::Crawler
    DependsOn: Second
    Properties:
      Name: rb-crawler
      Role: CrawlerRole
      DatabaseName: no_such_db
      Targets: {S3Targets: [{Path: !Sub "s3://${First}/data/"}]}
EOF
run stack deploy rb --template rollback.yml
check "a failing resource names itself and why" eval \
  '[[ $rc == 1 && $err == *"resource Crawl (AWS::Glue::Crawler) failed"*no_such_db*"rolled back"* ]]'
check "the resources created before it are removed" eval \
  '[[ ! -e $HOME_DIR/buckets/rb-first && ! -e $HOME_DIR/buckets/rb-second &&
     $(sql "SELECT count(*) FROM buckets WHERE name LIKE '"'rb-%'"'") == 0 ]]'
check "the stack records ROLLBACK_COMPLETE with no resources" eval \
  '[[ $(sql "SELECT status FROM stacks WHERE name = '"'rb'"'") == ROLLBACK_COMPLETE &&
     $(sql "SELECT count(*) FROM stack_resources WHERE stack_name = '"'rb'"'") == 0 &&
     $err == *"DELETE_COMPLETE"*"First"* ]]'
run stack delete rb
check "a rolled-back stack can be deleted" is "$rc" 0

cat >upd.yml <<'EOF'
Parameters:
  Timeout: {Type: Number, Default: 10}
  Broken: {Type: String, Default: "no"}
Conditions:
  IsBroken: !Equals [!Ref Broken, "yes"]
Resources:
  Job:
    Type: AWS::Glue::Job
    Properties:
      Name: upd-job
      Role: SomeRole
      Command: {Name: tarn.extract}
      Timeout: !Ref Timeout
  Extra:
    Type: AWS::S3::Bucket
    Condition: IsBroken
    DependsOn: Job
    Properties: {BucketName: upd-extra}
  Bad:
    Type: AWS::Glue::Trigger
    Condition: IsBroken
    DependsOn: Extra
    Properties:
      Type: ON_DEMAND
      Actions: [{JobName: no-such-job}]
EOF
run stack deploy upd --template upd.yml
run stack deploy upd --template upd.yml --parameter Timeout=20 --parameter Broken=yes
check "a failed update names the resource" eval \
  '[[ $rc == 1 && $err == *"resource Bad (AWS::Glue::Trigger) failed"*no-such-job* ]]'
check "a failed update restores the modified resource and removes the added one" eval \
  '[[ $(sql "SELECT timeout_minutes FROM jobs WHERE name = '"'upd-job'"'") == 10 && ! -e $HOME_DIR/buckets/upd-extra &&
     $(sql "SELECT status FROM stacks WHERE name = '"'upd'"'") == UPDATE_ROLLBACK_COMPLETE ]]'
run stack deploy upd --template upd.yml --parameter Timeout=20
check "a later update works" eval \
  '[[ $rc == 0 && $(sql "SELECT timeout_minutes FROM jobs WHERE name = '"'upd-job'"'") == 20 ]]'
sed '/^  Extra:/,$d' upd.yml | sed 's/^  Job:/  Job2:/; s/upd-job/upd-job2/' >upd2.yml
run stack deploy upd --template upd2.yml
check "an update that renames a resource shows Add and Remove" eval \
  '[[ $rc == 0 && $out == *"Add"*"Job2"* && $out == *"Remove"*"Job "*"upd-job"* &&
     $(sql "SELECT name FROM jobs WHERE name LIKE '"'upd-%'"'") == upd-job2 ]]'
run stack delete upd

# ---- delete ----
run stack delete basic-infra
check "deleting an exporting stack names the importer" eval \
  '[[ $rc == 1 && $err == *"glue-jobs"*"basic-infra-"* && -d $HOME_DIR/buckets/etl-poc-data-raw ]]'
for s in glue-workflow glue-catalog glue-jobs; do
  run stack delete "$s"
  check "delete $s" eval '[[ $rc == 0 && $err == *DELETE_COMPLETE* ]]'
done
echo hello >obj.txt
"$TARN" --home "$HOME_DIR" s3 cp obj.txt s3://etl-poc-data-raw/who_covid/obj.txt >/dev/null
before=$(state)
run stack delete basic-infra
check "a bucket holding objects refuses: BucketNotEmpty, naming it" eval \
  '[[ $rc == 1 && $err == *BucketNotEmpty*etl-poc-data-raw*--force* && "$(state)" == "$before" ]]'
run stack delete basic-infra --force
check "--force empties and deletes it" eval \
  '[[ $rc == 0 && -z $(ls "$HOME_DIR/buckets") && $(sql "SELECT count(*) FROM workgroups") == 0 ]]'
check "no stack, export or resource is left" eval \
  '[[ $(sql "SELECT (SELECT count(*) FROM stacks) + (SELECT count(*) FROM stack_exports) + (SELECT count(*) FROM stack_resources) + (SELECT count(*) FROM roles) + (SELECT count(*) FROM jobs) + (SELECT count(*) FROM crawlers) + (SELECT count(*) FROM triggers) + (SELECT count(*) FROM databases)") == 0 ]]'
run stack describe basic-infra
check "describe of a missing stack fails naming it" eval '[[ $rc == 1 && $err == *"basic-infra"*"does not exist"* ]]'
run stack deploy
check "deploy without a name is a usage error" is "$rc" 2

exit $failed
