#!/usr/bin/env bash
# s3.sh: end-to-end checks of `tarn s3` as a user runs it, against a temp
# home: buckets, cp in every direction, recursive copies, sync, mv, rm, rb,
# the ls formats of aws s3, usage errors and error messages.
#
# usage: tests/e2e/s3.sh path/to/tarn
# Prints "ok - <name>" or "not ok - <name>" per check; exits 1 if any failed.
set -u

if [[ $# -lt 1 || ! -x $1 ]]; then
  echo "usage: $0 path/to/tarn" >&2
  exit 2
fi
TARN=$(realpath "$1")
WORK=$(mktemp -d "${TMPDIR:-/tmp}/tarn-e2e-s3.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
export TARN_HOME="$WORK/home"
cd "$WORK" || exit 2

failed=0
DATE='[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}'

# run ARGS...: run tarn; sets $out (stdout), $err (stderr), $rc.
run() {
  out=$("$TARN" "$@" 2>"$WORK/.stderr")
  rc=$?
  err=$(cat "$WORK/.stderr")
}

# check NAME CONDITION...: report the result of a test command.
check() {
  local name=$1
  shift
  if "$@"; then
    echo "ok - $name"
  else
    echo "not ok - $name"
    echo "#   rc=$rc stdout=[${out:0:400}] stderr=[${err:0:400}]"
    failed=$((failed + 1))
  fi
}

is() { [[ $1 == "$2" ]]; }
matches() { [[ $1 =~ $2 ]]; }
contains() { [[ $1 == *"$2"* ]]; }

# ---- buckets ----
run s3 mb s3://alpha
check "mb prints make_bucket" is "$rc:$out" "0:make_bucket: alpha"
run s3 mb s3://alpha
check "mb of an existing bucket fails" is "$rc" 1
run s3 mb s3://Bad_Name
check "mb with a bad name names the rule" eval '[[ $rc == 1 && $err == *"InvalidBucketName: '"'"'Bad_Name'"'"'"* ]]'
run s3 mb s3://beta
run s3 ls
check "ls lists buckets like aws" matches "$out" "^$DATE alpha"$'\n'"$DATE beta$"
run --home "$WORK/other" s3 mb s3://gamma
check "--home selects another home" eval '[[ $rc == 0 && -d $WORK/other/buckets/gamma && ! -e $TARN_HOME/buckets/gamma ]]'

# ---- cp ----
printf 'hello' >a.txt
run s3 cp ./a.txt s3://alpha/a.txt
check "cp upload prints upload:" is "$rc:$out" "0:upload: ./a.txt to s3://alpha/a.txt"
run s3 cp a.txt s3://alpha/dir/
check "cp to a prefix keeps the file name" is "$out" "upload: a.txt to s3://alpha/dir/a.txt"
run s3 cp s3://alpha/a.txt ./down.txt
check "cp download prints download:" is "$rc:$out" "0:download: s3://alpha/a.txt to ./down.txt"
check "downloaded bytes equal the upload" cmp -s a.txt down.txt
mkdir -p into
run s3 cp s3://alpha/dir/a.txt into
check "cp download into a directory keeps the name" eval '[[ $out == "download: s3://alpha/dir/a.txt to into/a.txt" && -f into/a.txt ]]'
run s3 cp s3://alpha/a.txt s3://beta/c.txt
check "cp s3 to s3 prints copy:" is "$rc:$out" "0:copy: s3://alpha/a.txt to s3://beta/c.txt"
run s3 cp s3://beta/c.txt -
check "cp to - writes the object to stdout" is "$out" "hello"
out=$(printf 'piped' | "$TARN" s3 cp - s3://beta/piped.txt 2>&1); rc=$?
run s3 cp s3://beta/piped.txt -
check "cp from - stores stdin" is "$out" "piped"
run s3 cp s3://alpha/nothing.txt ./x
check "cp of a missing key fails with NoSuchKey" eval '[[ $rc == 1 && $err == *NoSuchKey* && $err == *s3://alpha/nothing.txt* ]]'
run s3 cp a.txt 's3://alpha/a/../../escape'
check "a key that would leave its bucket is an error naming it" eval '[[ $rc == 1 && $err == *"a/../../escape"* ]]'
check "nothing was written outside the bucket" eval '[[ ! -e home/escape && ! -e home/buckets/escape ]]'
run s3 cp a.txt s3://nobucket/a.txt
check "NoSuchBucket says how to create it" eval '[[ $rc == 1 && $err == *"NoSuchBucket"*"tarn s3 mb s3://nobucket"* ]]'

# ---- recursive cp of a local tree ----
mkdir -p tree/sub/deep
printf '1' >tree/one.txt
printf '22' >tree/sub/two.txt
printf '333' >tree/sub/deep/three.txt
printf 'x' >tree/skip.log
run s3 cp tree s3://alpha/tree --recursive --exclude '*.log'
check "recursive cp uploads every file" eval '[[ $rc == 0 && $(grep -c "^upload: tree/" <<<"$out") == 3 ]]'
run s3 ls s3://alpha/tree/ --recursive
check "recursive cp keeps the tree as keys" eval '[[ $out == *" tree/one.txt"* && $out == *" tree/sub/deep/three.txt"* && $out != *skip.log* ]]'
run s3 cp s3://alpha/tree out --recursive
check "recursive download rebuilds the tree" eval '[[ $rc == 0 && -f out/sub/deep/three.txt ]] && cmp -s out/sub/two.txt tree/sub/two.txt'
run s3 cp s3://alpha/tree/ s3://beta/copy/ --recursive --dryrun
check "--dryrun only reports" eval '[[ $out == *"(dryrun) copy: s3://alpha/tree/one.txt to s3://beta/copy/one.txt"* ]]'
run s3 ls s3://beta/copy/
check "--dryrun changed nothing" is "$rc:$out" "1:"
run s3 cp tree s3://alpha/q --recursive --quiet
check "--quiet prints nothing" is "$rc:$out" "0:"
run s3 ls s3://alpha/q/ --recursive
check "--quiet still copies" eval '[[ $(grep -c " q/" <<<"$out") == 4 ]]'

# ---- ls formats ----
head -c 1536 /dev/zero >kb.bin
run s3 cp kb.bin s3://alpha/kb.bin
run s3 ls s3://alpha
check "ls shows folders as PRE" contains "$out" $'\n'"                           PRE tree/"
check "ls object line: date, size in 10 columns, name" matches "$out" "$DATE       1536 kb.bin"
run s3 ls s3://alpha/tree/sub/
check "ls under a prefix shows names relative to it" matches "$out" "PRE deep/"$'\n'"$DATE          2 two.txt"
run s3 ls s3://alpha --recursive --human-readable --summarize
check "ls --human-readable" matches "$out" "$DATE    1.5 KiB kb.bin"
check "ls --summarize" matches "$out" $'\n\nTotal Objects: [0-9]+\n   Total Size: [0-9.]+ KiB$'
run --json s3 ls s3://alpha/tree/ --recursive
check "--json ls is a JSON array of objects" eval 'python3 -c "
import json,sys
a=json.loads(sys.argv[1])
assert [o[\"key\"] for o in a]==[\"tree/one.txt\",\"tree/sub/deep/three.txt\",\"tree/sub/two.txt\"], a
assert a[0][\"size\"]==1 and a[0][\"last_modified\"].endswith(\"Z\") and a[0][\"etag\"]==\"\\\"c4ca4238a0b923820dcc509a6f75849b\\\"\"
" "$out" 2>/dev/null'
run s3 ls s3://alpha/no-such-prefix
check "ls of a prefix with nothing exits 1" is "$rc:$out" "1:"

# ---- byte order across folders ----
run s3 cp a.txt s3://beta/order/a/b
run s3 cp a.txt s3://beta/order/a-c
run s3 ls s3://beta/order/ --recursive
check "ls is in byte order ('a-c' before 'a/b')" matches "$out" "order/a-c"$'\n'".*order/a/b$"

# ---- sync ----
mkdir -p src/inner
printf 'v1' >src/f1
printf 'v1' >src/inner/f2
run s3 sync src s3://alpha/mirror
check "sync copies everything new" eval '[[ $rc == 0 && $(grep -c "^upload: " <<<"$out") == 2 ]]'
run s3 sync src s3://alpha/mirror
check "second sync copies nothing" is "$rc:$out" "0:"
printf 'version 2' >src/f1
run s3 sync src s3://alpha/mirror
check "sync copies only the changed file" is "$out" "upload: src/f1 to s3://alpha/mirror/f1"
rm src/inner/f2
run s3 sync src s3://alpha/mirror --delete
check "sync --delete removes what the source lost" is "$out" "delete: s3://alpha/mirror/inner/f2"
run s3 sync s3://alpha/mirror back
check "sync down copies to a local directory" eval '[[ $rc == 0 && -f back/f1 ]] && cmp -s back/f1 src/f1'
run s3 sync s3://alpha/mirror back
check "second sync down copies nothing" is "$rc:$out" "0:"

# ---- mv ----
printf 'moving' >m.txt
run s3 mv m.txt s3://alpha/m.txt
check "mv upload prints move: and removes the file" eval '[[ $out == "move: m.txt to s3://alpha/m.txt" && ! -e m.txt ]]'
run s3 mv s3://alpha/m.txt s3://beta/m2.txt
check "mv s3 to s3 moves the object" eval '[[ $out == "move: s3://alpha/m.txt to s3://beta/m2.txt" ]]'
run s3 ls s3://alpha/m.txt
check "the moved object is gone from its source" is "$rc" 1

# ---- rm ----
run s3 rm s3://alpha/a.txt
check "rm prints delete:" is "$rc:$out" "0:delete: s3://alpha/a.txt"
run s3 rm s3://alpha/tree --recursive
check "rm --recursive deletes the prefix" eval '[[ $rc == 0 && $(grep -c "^delete: s3://alpha/tree/" <<<"$out") == 3 ]]'
run s3 ls s3://alpha/tree/
check "nothing is left under the prefix" is "$rc:$out" "1:"

# ---- rb ----
run s3 rb s3://alpha
check "rb refuses a bucket with objects" eval '[[ $rc == 1 && $err == *BucketNotEmpty* ]]'
run s3 rb s3://alpha --force
check "rb --force deletes objects, then the bucket" eval '[[ $rc == 0 && $out == *"delete: s3://alpha/kb.bin"* && $out == *"remove_bucket: alpha" ]]'
run s3 ls
check "the removed bucket is no longer listed" eval '[[ $out != *alpha* && $out == *beta* ]]'

# ---- usage ----
run s3 frobnicate
check "an unknown verb exits 2" is "$rc" 2
run s3 cp a.txt s3://beta/x --bogus
check "an unknown option exits 2" eval '[[ $rc == 2 && $err == *--bogus* ]]'
run s3 cp a.txt
check "a missing argument exits 2" is "$rc" 2
run s3 rb s3://beta --recursive
check "an option of another verb exits 2" is "$rc" 2
run s3 cp a.txt b.txt
check "cp between two local paths exits 2" is "$rc" 2
run s3 cp --exclude
check "an option without its value exits 2" is "$rc" 2
run s3 --help
check "s3 --help lists the verbs" eval '[[ $rc == 0 && $out == *"usage: tarn s3"* && $out == *sync* ]]'
run s3 cp --help
check "s3 cp --help lists its options" eval '[[ $rc == 0 && $out == *--recursive* && $out == *--exclude* ]]'

if ((failed)); then
  echo "# $failed check(s) failed"
  exit 1
fi
