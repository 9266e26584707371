#!/usr/bin/env bash
# catalog.sh: end-to-end checks of `tarn crawler`, `tarn catalog` and
# `tarn iam simulate` as a user runs them: a stack (data/catalog/catalog.yml)
# deploys two buckets, two roles, a database and three crawlers; the script
# puts a WHO-shaped CSV in raw and Hive folders country=X/ of Parquet in
# gold, runs the crawlers, and reads the catalog back: tables, types,
# partitions, table parameters, the Athena DDL, crawl runs, and the access
# checks of the crawlers' roles.
#
# usage: tests/e2e/catalog.sh path/to/tarn
# Prints "ok - <name>" or "not ok - <name>" per check; exits 1 if any failed.
set -u

if [[ $# -lt 1 || ! -x $1 ]]; then
  echo "usage: $0 path/to/tarn" >&2
  exit 2
fi
TARN=$(realpath "$1")
HERE=$(dirname "$(realpath "$0")")
DATA=$HERE/data/catalog
WORK=$(mktemp -d "${TMPDIR:-/tmp}/tarn-e2e-catalog.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
export TARN_HOME="$WORK/home"
cd "$WORK" || exit 2

failed=0
out="" err="" rc=0
RAW=catalog-e2e-raw
GOLD=catalog-e2e-gold
DB=e2e_db
# shellcheck source=lib/checks.sh
. "$HERE/lib/checks.sh"   # ok, not_ok

# call ARGS...: run tarn; sets $out (stdout), $err (stderr), $rc.
call() {
  out=$("$TARN" "$@" 2>"$WORK/.stderr")
  rc=$?
  err=$(cat "$WORK/.stderr")
}

# check NAME CONDITION...: ok when the condition holds, else not ok with
# the last call's exit status and output.
check() {
  local name=$1
  shift
  printf 'rc=%s\nstdout: %.600s\nstderr: %.600s\n' "$rc" "$out" "$err" >"$WORK/why"
  if "$@"; then ok "$name"; else not_ok "$name"; fi
}

is() { [[ $1 == "$2" ]]; }
contains() { [[ $1 == *"$2"* ]]; }
# jq_is FILTER EXPECTED: the jq filter over $out prints EXPECTED.
jq_is() { [[ $(jq -r "$1" <<<"$out" 2>/dev/null) == "$2" ]]; }

# ---- the stack ----
call stack deploy catalog-e2e --template "$DATA/catalog.yml"
check "stack deploy creates buckets, roles, database and crawlers" is "$rc" 0

call crawler list --json
check "crawler list shows the three crawlers, READY, never run" \
  jq_is '[.[] | "\(.name):\(.state):\(.last_crawl)"] | join(",")' \
  "e2e-denied-crawler:READY:null,e2e-gold-crawler:READY:null,e2e-raw-crawler:READY:null"
check "crawler list shows database and targets" \
  jq_is '.[] | select(.name == "e2e-raw-crawler") | "\(.database) \(.targets[0])"' \
  "$DB s3://$RAW/who_covid/"

# ---- data ----
cat >who.csv <<'CSV'
Date_reported,Country_code,Country,WHO_region,New_cases,Cumulative_cases,Ratio
2020-01-03,AF,Afghanistan,EMRO,0,0,0.0
2020-01-04,AF,Afghanistan,EMRO,12,12,1.5
2020-01-03,FR,France,EURO,3,3,2.25
2020-01-04,FR,France,EURO,5,8,0.75
CSV
"$TARN" s3 cp who.csv "s3://$RAW/who_covid/WHO-COVID-19-global-data.csv" >/dev/null
printf 'date_reported,new_cases\n2020-01-03,3\n2020-01-04,5\n' >fr.csv
printf 'date_reported,new_cases\n2020-01-03,7\n2020-01-04,9\n2020-01-05,1\n' >de.csv
"$TARN" file convert fr.csv fr.parquet >/dev/null 2>&1
"$TARN" file convert de.csv de.parquet >/dev/null 2>&1
"$TARN" s3 cp fr.parquet "s3://$GOLD/who_covid/country=FR/part-00000.snappy.parquet" >/dev/null
"$TARN" s3 cp de.parquet "s3://$GOLD/who_covid/country=DE/part-00000.snappy.parquet" >/dev/null
"$TARN" s3 cp fr.csv "s3://$GOLD/who_covid/_SUCCESS" >/dev/null

# ---- crawler run ----
call crawler run e2e-raw-crawler
check "crawler run prints the summary line" is "$rc:$out" \
  "0:tables: 1 created, 0 updated, 0 deleted, 0 deprecated; partitions: 0 added, 0 updated, 0 removed, 0 deprecated; objects: 1 crawled, 0 skipped; 0 changes logged"
call crawler run e2e-gold-crawler --json
check "crawler run --json counts tables, partitions and skipped objects" \
  jq_is '"\(.state) \(.tables_created) \(.partitions_added) \(.objects_crawled) \(.objects_skipped)"' \
  "SUCCEEDED 1 2 2 1"
call crawler run e2e-raw-crawler
check "a second crawl of the same data changes nothing" \
  contains "$rc:$out" "0:tables: 0 created, 0 updated"
call crawler runs e2e-raw-crawler --json
check "crawler runs lists both runs, newest first" \
  jq_is '[.[] | "\(.state):\(.tables_created)"] | join(",")' "SUCCEEDED:0,SUCCEEDED:1"
call crawler runs e2e-raw-crawler
check "crawler runs prints a table with the run ids" contains "$out" "SUCCEEDED"
call crawler list
check "crawler list shows the last crawl" eval '[[ $rc == 0 && $out == *e2e-raw-crawler*SUCCEEDED* ]]'

# ---- catalog ----
call catalog databases
check "catalog databases lists the database" eval '[[ $rc == 0 && $out == *"$DB"* ]]'
call catalog tables "$DB" --json
check "catalog tables: the raw and gold tables" \
  jq_is '[.[] | "\(.name) \(.classification) \(.location) \(.columns) \(.partitions) \(.row_count)"] | join(",")' \
  "gold_who_covid parquet s3://$GOLD/who_covid/ 2 2 5,raw_who_covid csv s3://$RAW/who_covid/ 7 0 4"
call catalog tables
check "catalog tables without a database lists every table" \
  eval '[[ $rc == 0 && $out == *raw_who_covid* && $out == *gold_who_covid* ]]'
call catalog describe "$DB.raw_who_covid" --json
check "describe: CSV columns typed as Glue's classifier types them" \
  jq_is '[.columns[] | "\(.name):\(.type)"] | join(",")' \
  "date_reported:string,country_code:string,country:string,who_region:string,new_cases:bigint,cumulative_cases:bigint,ratio:double"
check "describe: CSV table parameters" \
  jq_is '.parameters | "\(.classification) \(.delimiter) \(.["skip.header.line.count"]) \(.areColumnsQuoted) \(.recordCount) \(.UPDATED_BY_CRAWLER)"' \
  "csv , 1 false 4 e2e-raw-crawler"
check "describe: LazySimpleSerDe with field.delim" \
  jq_is '"\(.serde) \(.serde_parameters["field.delim"])"' \
  "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe ,"
call catalog describe "$DB.gold_who_covid" --json
check "describe: gold columns from the Parquet files, partition key country" \
  jq_is '"\([.columns[] | "\(.name):\(.type)"] | join(",")) \(.partition_keys[0].name):\(.partition_keys[0].type)"' \
  "date_reported:date,new_cases:int country:string"
call catalog describe "$DB.gold_who_covid"
check "describe prints storage and columns" \
  eval '[[ $rc == 0 && $out == *ParquetHiveSerDe* && $out == *country* ]]'
call catalog partitions "$DB.gold_who_covid" --json
check "partitions: one per country folder, with locations" \
  jq_is '[.[] | "\(.values[0])=\(.location)"] | join(",")' \
  "DE=s3://$GOLD/who_covid/country=DE/,FR=s3://$GOLD/who_covid/country=FR/"
call catalog partitions "$DB.gold_who_covid"
check "partitions prints key=value" eval '[[ $rc == 0 && $out == *country=DE* ]]'
NL=$'\n'
call catalog ddl "$DB.gold_who_covid"
check "ddl: the statement names the table" contains "$rc:$out" "0:CREATE EXTERNAL TABLE \`$DB\`.\`gold_who_covid\`("
check "ddl: partition key" contains "$out" "PARTITIONED BY (${NL}  \`country\` string)"
check "ddl: Parquet SerDe" contains "$out" "ROW FORMAT SERDE${NL}  'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe'"
check "ddl: location" contains "$out" "LOCATION${NL}  's3://$GOLD/who_covid/'"
call catalog ddl "$DB.raw_who_covid"
check "ddl: CSV in the delimited form" contains "$rc:$out" "ROW FORMAT DELIMITED${NL}  FIELDS TERMINATED BY ','"
check "ddl: CSV header skipped" contains "$out" "'skip.header.line.count'='1'"
call catalog describe "$DB.nothing"
check "a missing table is named in the error" is "$rc:$err" \
  "1:tarn: EntityNotFoundException: table '$DB.nothing' does not exist"
call catalog describe nodot
check "describe without DB.TABLE is a usage error" is "$rc" 2
call catalog tables no_such_db
check "tables of a missing database fails naming it" \
  eval '[[ $rc == 1 && $err == *"database '"'no_such_db'"'"* ]]'

# ---- roles ----
call iam simulate E2eCrawlerRole s3:GetObject "s3://$RAW/who_covid/x.csv"
check "simulate: allowed, with the deciding statement" is "$rc:$out" \
  "0:allowed: role 'E2eCrawlerRole' may perform 's3:GetObject' on 'arn:aws:s3:::$RAW/who_covid/x.csv'
  allowed by statement 2 (Sid 'ReadData') of policy 'read-data'"
call iam simulate E2eCrawlerRole s3:PutObject "arn:aws:s3:::$RAW/who_covid/x.csv"
check "simulate: implicit deny exits 1" eval '[[ $rc == 1 && $out == *"denied:"* && $out == *"implicit deny"* ]]'
call iam simulate E2eListOnlyRole s3:GetObject "s3://$RAW/who_covid/x.csv" --json
check "simulate --json" jq_is '"\(.decision) \(.allowed)"' "implicitDeny false"
call crawler run e2e-denied-crawler
check "a crawler whose role may not read fails with AccessDenied" eval '[[ $rc == 1 &&
  $err == *AccessDenied* && $err == *E2eListOnlyRole* && $err == *s3:GetObject* &&
  $err == *"arn:aws:s3:::$RAW/who_covid/WHO-COVID-19-global-data.csv"* ]]'
call crawler runs e2e-denied-crawler --json
check "the denied crawl is recorded FAILED with its error" \
  eval '[[ $(jq -r ".[0].state" <<<"$out") == FAILED && $(jq -r ".[0].error" <<<"$out") == *AccessDenied* ]]'
call crawler list --json
check "the crawler is READY again after the failure" \
  jq_is '.[] | select(.name == "e2e-denied-crawler") | "\(.state) \(.last_crawl.state)"' "READY FAILED"
call catalog tables "$DB" --json
check "the denied crawl wrote no table" jq_is 'length' 2
call crawler run no-such-crawler
check "running a missing crawler names it" is "$rc:$err" \
  "1:tarn: EntityNotFoundException: crawler 'no-such-crawler' does not exist"
call crawler run
check "crawler run without a name is a usage error" is "$rc" 2

exit "$failed"
