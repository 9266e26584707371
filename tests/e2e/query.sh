#!/usr/bin/env bash
# tests/e2e/query.sh: end-to-end checks of `tarn query` as a user runs it,
# against a temp home: statements from the argument and from stdin, the
# output formats, result files in the workgroup's output location (byte-
# exact CSV), history/get/results, failures (exit 1, reason on stderr,
# execution recorded), databases, views, CTAS into Parquet with Hive
# partition folders, DROP TABLE keeping data, MSCK REPAIR TABLE, EXPLAIN and
# the shell read from a pipe. Statements here read no catalog table's files
# (those need the scan) and make catalog state with SQL only.
#
# usage: tests/e2e/query.sh TARN    prints `ok - NAME` / `not ok - NAME`
#                                   per check; exits 1 if any failed
set -uo pipefail
TARN=$(realpath "${1:?usage: query.sh TARN}")
HERE=$(cd "$(dirname "$0")" && pwd)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
export TARN_HOME=$WORK/home
cd "$WORK" || exit 2
failed=0

. "$HERE/lib/checks.sh"

# same FILE TEXT: FILE in $WORK holds exactly TEXT (printf-style escapes).
same() {
    printf "$2" >"$WORK/want"
    cmp -s "$WORK/$1" "$WORK/want" || { echo "$1 differs:"; diff "$WORK/want" "$WORK/$1" | head -20; return 1; }
}
# last_id: the newest execution's id (from the JSON history).
last_id() {
    "$TARN" query history --json --limit 1 | sed 's/.*"QueryExecutionId":"\([^"]*\)".*/\1/'
}
RESULTS=$TARN_HOME/buckets/tarn-athena-results

# ---- usage ----
t "query --help" eval 'run 0 query --help && has "query shell" && has "history"'
t "bad --format is a usage error" eval 'run 2 query --format xml "SELECT 1"'
t "get without ID is a usage error" eval 'run 2 query get && has "missing the query execution ID" err'

# ---- SELECT, output formats, result files ----
t "SELECT prints CSV when piped" eval 'run 0 query "SELECT 1 AS a, '"'"'x\"y'"'"' AS b, NULL AS c" && same out "\"a\",\"b\",\"c\"\n\"1\",\"x\"\"y\",\n"'
ID=$(last_id)
t "execution id has Athena's shape" eval '[[ $ID =~ ^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$ ]]'
t "result file in the primary workgroup's location" eval 'cp "$RESULTS/$ID.csv" "$WORK/file" && same file "\"a\",\"b\",\"c\"\n\"1\",\"x\"\"y\",\n"'
t "metadata beside the result" eval 'grep -q "\"row_count\":1" "$RESULTS/$ID.csv.metadata" && grep -q "\"name\":\"a\",\"type\":\"bigint\"" "$RESULTS/$ID.csv.metadata"'
t "results ID prints the stored file" eval 'run 0 query results "$ID" && same out "\"a\",\"b\",\"c\"\n\"1\",\"x\"\"y\",\n"'
t "get ID shows every field" eval 'run 0 query get "$ID" && has "state:           SUCCEEDED" && has "statement type:  DML" && has "workgroup:       primary" && has "rows returned:   1" && has "output location: s3://tarn-athena-results/$ID.csv" && has "engine time:"'
t "get --json" eval 'run 0 query get "$ID" --json && has "\"State\":\"SUCCEEDED\"" && has "\"RowsReturned\":1" && has "\"QueryExecutionId\":\"$ID\""'
t "--format json gives JSON lines" eval 'run 0 query --format json "SELECT 1 AS n, '"'"'a'"'"' AS s, NULL AS z" && same out "{\"n\":1,\"s\":\"a\",\"z\":null}\n"'
t "--format table with figures on stderr" eval 'run 0 query --format table "SELECT 42 AS answer" && has answer && has 42 && has "1 row in" err && has "0 B scanned" err && has "result: s3://tarn-athena-results/" err'
t "an expression without alias is _col0" eval 'run 0 query "SELECT 1" && same out "\"_col0\"\n\"1\"\n"'
t "empty string and embedded newline quoted" eval 'run 0 query "SELECT '"''"' AS e, '"'"'l1'"'"' || char(10) || '"'"'l2'"'"' AS nl" && same out "\"e\",\"nl\"\n\"\",\"l1\nl2\"\n"'

# ---- statements from stdin ----
printf 'SELECT 1 AS one;\n-- a comment; with a semicolon\nSELECT '"'"';'"'"' AS semi;\n' >script.sql
t "statements from stdin, split on ;" eval 'run 0 query - <script.sql && same out "\"one\"\n\"1\"\n\"semi\"\n\";\"\n"'
t "no SQL reads stdin too" eval 'echo "SELECT 2 AS two" | "$TARN" query >out 2>err && same out "\"two\"\n\"2\"\n"'
printf 'SELECT 1 AS a;\nSELEC 2;\nSELECT 3 AS c;\n' >bad.sql
t "a failing statement stops the script with exit 1" eval 'run 1 query - <bad.sql && same out "\"a\"\n\"1\"\n" && has "FAILED" err'
t "the failure is in history" eval 'run 0 query history && has FAILED && has "SELEC 2"'
BAD=$(last_id)
t "get shows the failure reason and category" eval 'run 0 query get "$BAD" && has "state:           FAILED" && has "error category:  2" && has "SYNTAX_ERROR: line"'
t "results of a failed query is an error" eval 'run 1 query results "$BAD" && has "has no result" err'
t "unknown workgroup" eval 'run 1 query --workgroup nope "SELECT 1" && has "WorkGroup nope is not found" err'
t "unknown execution id" eval 'run 1 query get nope && has "was not found" err'

# ---- databases, tables, views ----
t "CREATE DATABASE" eval 'run 0 query "CREATE DATABASE lab" && run 0 query "CREATE DATABASE gold"'
t "SHOW DATABASES" eval 'run 0 query "SHOW DATABASES" && same out "\"database_name\"\n\"gold\"\n\"lab\"\n"'
t "DDL result is a .txt file" eval 'id=$(last_id) && [[ -f $RESULTS/$id.txt ]] && printf "gold\nlab\n" | cmp -s - "$RESULTS/$id.txt"'
t "SHOW TABLES IN a missing database" eval 'run 1 query "SHOW TABLES IN nope" && has "SCHEMA_NOT_FOUND: line 1:16: Schema '"'"'nope'"'"' does not exist" err'
t "DESCRIBE a missing table" eval 'run 1 query --database lab "DESCRIBE t" && has "TABLE_NOT_FOUND: line 1:10: Table '"'"'awsdatacatalog.lab.t'"'"' does not exist" err'
t "CREATE VIEW and SELECT from it" eval 'run 0 query --database lab "CREATE VIEW v AS SELECT 1 AS x, '"'"'b'"'"' AS y" && run 0 query --database lab "SELECT y, x * 3 AS z FROM v" && same out "\"y\",\"z\"\n\"b\",\"3\"\n"'
t "SHOW TABLES lists the view" eval 'run 0 query --database lab "SHOW TABLES" && same out "\"tab_name\"\n\"v\"\n"'
t "DROP VIEW" eval 'run 0 query --database lab "DROP VIEW v" && run 0 query --database lab "SHOW TABLES" && same out "\"tab_name\"\n"'

# ---- CTAS, partitions, DROP TABLE, MSCK REPAIR ----
"$TARN" s3 mb s3://lake >/dev/null 2>&1
t "CTAS partitioned by country" eval 'run 0 query --database lab "CREATE TABLE sales WITH (format='"'"'PARQUET'"'"', external_location='"'"'s3://lake/sales/'"'"', partitioned_by=ARRAY['"'"'country'"'"']) AS SELECT 1 AS id, 9.5 AS amount, '"'"'FR'"'"' AS country UNION ALL SELECT 2, 3.25, '"'"'DE'"'"' UNION ALL SELECT 3, 1.0, '"'"'FR'"'"'" && same out "\"rows\"\n\"3\"\n"'
CTAS=$(last_id)
t "CTAS wrote one Parquet file per Hive folder" eval 'run 0 s3 ls --recursive s3://lake/ && has "sales/country=DE/${CTAS}_00000.parquet" && has "sales/country=FR/${CTAS}_00000.parquet"'
t "CTAS files hold the rows" eval 'run 0 file cat "s3://lake/sales/country=FR/${CTAS}_00000.parquet" && same out "id,amount\n1,9.5\n3,1\n"'
t "SHOW PARTITIONS" eval 'run 0 query --database lab "SHOW PARTITIONS sales" && same out "\"partition\"\n\"country=DE\"\n\"country=FR\"\n"'
t "DESCRIBE shows columns and partition keys" eval 'run 0 query --database lab --format csv "DESCRIBE sales" && has "\"id\",\"bigint\"" && has "\"amount\",\"double\"" && has "# Partition Information" && has "\"country\",\"string\""'
"$TARN" s3 cp "s3://lake/sales/country=DE/${CTAS}_00000.parquet" "s3://lake/sales/country=ES/part.parquet" >/dev/null 2>&1
t "MSCK REPAIR TABLE registers the new folder" eval 'run 0 query --database lab "MSCK REPAIR TABLE sales" && same out "\"result\"\n\"Repair: Added partition to metastore sales:country=ES\"\n" && run 0 query "SHOW PARTITIONS lab.sales" && has "country=ES"'
t "CTAS onto a location holding objects fails" eval 'run 1 query --database lab "CREATE TABLE again WITH (external_location='"'"'s3://lake/sales/'"'"') AS SELECT 1 AS x" && has "HIVE_PATH_ALREADY_EXISTS" err'
t "DROP TABLE keeps the data" eval 'run 0 query "DROP TABLE lab.sales" && run 0 s3 ls --recursive s3://lake/ && has "country=FR/${CTAS}_00000.parquet" && run 1 query "DESCRIBE lab.sales"'
t "DROP DATABASE" eval 'run 0 query "DROP DATABASE lab" && run 0 query "SHOW DATABASES" && same out "\"database_name\"\n\"gold\"\n"'

# ---- EXPLAIN ----
t "EXPLAIN shows SQLite's plan and the scan decisions" eval 'run 0 query "EXPLAIN SELECT x FROM (SELECT 1 AS x UNION ALL SELECT 2) ORDER BY x" && has "SQLite query plan:" && has "Scan decisions:"'

# ---- shell ----
printf '.database gold\nSELECT 1\n  AS multi;\n.timer off\n.nope\n.help\n.quit\nSELECT 99;\n' >shell.in
t "shell: multi-line statements, dot commands" eval '"$TARN" query shell <shell.in >out 2>err; has "\"multi\"" && has "\"1\"" && has ".schema TABLE" && has "unknown command" err && ! has 99'
t "shell: the statement ran in the chosen database" eval 'run 0 query history --json && has "\"Database\":\"gold\""'
t "shell: history file in the home" eval '[[ -f $TARN_HOME/query_history ]]'

exit $failed
