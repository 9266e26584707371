#!/usr/bin/env bash
# tests/e2e/run_cases.sh: end-to-end tests as data, in the manner of curl's
# tests/data. Each file in tests/e2e/cases/ is one test: a tarn command, its
# input, and what it must print and exit with. Prints `ok - cases/NAME: ...`
# or `not ok - ...` (with `# ` lines saying what differed) per case; exits
# non-zero if any case failed.
#
# usage: tests/e2e/run_cases.sh TARN [CASE...]    (default: every case)
#
# A case file (README*, *.md and dot files in cases/ are skipped):
#
#   # a comment
#   name: what the case checks          optional; default: the file name
#   setup: ARGS                         any number, run in order first; each
#                                       `tarn ARGS` must exit 0
#   run: ARGS                           required: `tarn ARGS` is the test
#   exit: N                             expected exit status (default 0)
#   --- file PATH                       following lines: a file written into
#                                       the work directory before setup
#   --- stdin                           following lines: the run's stdin
#   --- stdout                          stdout must be exactly these lines
#   --- stdout-re                       stdout must have as many lines, each
#                                       matching its extended regex (whole line)
#   --- stdout-has                      each regex must match a line of stdout
#   --- stderr | stderr-re | stderr-has the same for stderr
#
# ARGS are evaluated by bash as the words of a command (quotes work; case
# files are code). $WORK names the case's own empty work directory, which is
# also the working directory, and TARN_HOME is $WORK/home. A block runs to
# the next `--- ` section line; each of its lines ends with a newline. A
# sanitizer report on stderr fails the case whatever else it expects.
set -uo pipefail
tarn=${1:?usage: tests/e2e/run_cases.sh TARN [CASE...]}
shift
[[ $tarn == /* ]] || tarn=$PWD/$tarn
cases_dir=$(cd "$(dirname "$0")/cases" && pwd)
cmd_timeout=${CASE_TIMEOUT:-60}

# Set by parse_case.
C_NAME='' C_RUN='' C_HAVE_RUN=0 C_EXIT=0 C_SETUP=() C_ERR=''

# parse_case FILE SPOOL: read a case into the C_* variables and its blocks
# into files under SPOOL (file blocks into SPOOL/files/PATH). Returns 1 with
# C_ERR set if the file is malformed.
parse_case() {
    local file=$1 spool=$2 line n=0 target='' key val
    C_NAME=$(basename "$file") C_RUN='' C_HAVE_RUN=0 C_EXIT=0 C_SETUP=() C_ERR=''
    mkdir -p "$spool/files"
    while IFS= read -r line || [[ -n $line ]]; do
        n=$((n + 1))
        if [[ $line =~ ^---\ (.*)$ ]]; then
            target=$(block_target "${BASH_REMATCH[1]}" "$spool") ||
                { C_ERR="line $n: unknown section or bad file path in '$line'"; return 1; }
            mkdir -p "$(dirname "$target")" && : >"$target"
        elif [[ -n $target ]]; then
            printf '%s\n' "$line" >>"$target"
        elif [[ ! $line =~ ^[[:space:]]*(#|$) ]]; then
            [[ $line =~ ^([a-z]+):[[:space:]]*(.*)$ ]] ||
                { C_ERR="line $n: expected 'key: value', found '$line'"; return 1; }
            key=${BASH_REMATCH[1]} val=${BASH_REMATCH[2]}
            case $key in
            name) C_NAME=$val ;;
            setup) C_SETUP+=("$val") ;;
            run) C_RUN=$val C_HAVE_RUN=1 ;;
            exit) [[ $val =~ ^[0-9]+$ ]] || { C_ERR="line $n: exit needs a number"; return 1; }
                  C_EXIT=$val ;;
            *) C_ERR="line $n: unknown key '$key' (name, setup, run, exit)"; return 1 ;;
            esac
        fi
    done <"$file"
    ((C_HAVE_RUN)) || { C_ERR="no 'run:' line"; return 1; }
}

# block_target SECTION SPOOL: the spool file a `--- SECTION` block goes to;
# fails for an unknown section or a file path leaving the work directory.
block_target() {
    local s=$1 spool=$2
    case $s in
    stdin | stdout | stdout-re | stdout-has | stderr | stderr-re | stderr-has)
        echo "$spool/$s" ;;
    file\ *)
        local p=${s#file }
        [[ -n $p && $p != /* && ! $p =~ (^|/)\.\.(/|$) ]] || return 1
        echo "$spool/files/$p" ;;
    *) return 1 ;;
    esac
}

# run_tarn WORK ARGS OUT ERR STDIN: run `tarn ARGS` in WORK; prints the exit
# status (or 255 if ARGS do not parse, with the reason in ERR).
run_tarn() {
    local WORK=$1 line=$2 out=$3 err=$4 in=$5 rc=0
    local -a args
    # A syntax error in eval ends the shell, so try it in a subshell first.
    if ! (eval "args=($line)") 2>"$err"; then
        echo 255
        return
    fi
    eval "args=($line)"
    (cd "$WORK" && TARN_HOME="$WORK/home" timeout -k 5 "$cmd_timeout" \
        "$tarn" "${args[@]}" <"$in" >"$out" 2>"$err") || rc=$?
    echo "$rc"
}

# check_stream KIND SPOOL ACTUAL: compare a stream with its expected block
# (KIND stdout or stderr); prints `# ` lines on a mismatch, returns 1.
check_stream() {
    local kind=$1 spool=$2 actual=$3 re
    local -a want got
    if [[ -f $spool/$kind ]] && ! cmp -s "$spool/$kind" "$actual"; then
        echo "# $kind differs (- expected, + actual):"
        diff -u "$spool/$kind" "$actual" | tail -n +3 | head -n 40 | sed 's/^/#   /'
        return 1
    fi
    if [[ -f $spool/$kind-re ]]; then
        mapfile -t want <"$spool/$kind-re"
        mapfile -t got <"$actual"
        if ((${#want[@]} != ${#got[@]})); then
            echo "# $kind has ${#got[@]} lines, expected ${#want[@]}:"
            sed 's/^/#   /' "$actual" | head -n 40
            return 1
        fi
        for i in "${!want[@]}"; do
            [[ ${got[i]} =~ ^(${want[i]})$ ]] && continue
            echo "# $kind line $((i + 1)) '${got[i]}' does not match /${want[i]}/"
            return 1
        done
    fi
    if [[ -f $spool/$kind-has ]]; then
        while IFS= read -r re; do
            grep -qE -- "$re" "$actual" && continue
            echo "# no line of $kind matches /$re/; $kind was:"
            sed 's/^/#   /' "$actual" | head -n 40
            return 1
        done <"$spool/$kind-has"
    fi
}

# run_case FILE: run one case; prints its ok / not ok line.
run_case() {
    local file=$1 work spool rc s label
    work=$(mktemp -d "${TMPDIR:-/tmp}/tarn-case.XXXXXX")
    spool=$(mktemp -d "${TMPDIR:-/tmp}/tarn-spool.XXXXXX")
    label="cases/$(basename "$file")"
    if ! parse_case "$file" "$spool"; then
        echo "not ok - $label: bad case file: $C_ERR"
        rm -rf "$work" "$spool"
        return 1
    fi
    cp -R "$spool/files/." "$work/"
    local in=/dev/null status=0
    [[ -f $spool/stdin ]] && in=$spool/stdin
    for s in "${C_SETUP[@]}"; do
        rc=$(run_tarn "$work" "$s" "$spool/out" "$spool/err" /dev/null)
        ((rc == 0)) && continue
        echo "not ok - $label: $C_NAME"
        echo "# setup 'tarn $s' exited with status $rc:"
        sed 's/^/#   /' "$spool/err" | head -n 20
        rm -rf "$work" "$spool"
        return 1
    done
    rc=$(run_tarn "$work" "$C_RUN" "$spool/out" "$spool/err" "$in")
    local diag=$spool/diag
    : >"$diag"
    if ((rc != C_EXIT)); then
        status=1
        echo "# 'tarn $C_RUN' exited with status $rc, expected $C_EXIT; stderr:" >>"$diag"
        sed 's/^/#   /' "$spool/err" | head -n 20 >>"$diag"
    fi
    if grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$spool/err"; then
        status=1
        echo "# sanitizer report on stderr:" >>"$diag"
        sed 's/^/#   /' "$spool/err" | head -n 40 >>"$diag"
    fi
    check_stream stdout "$spool" "$spool/out" >>"$diag" || status=1
    check_stream stderr "$spool" "$spool/err" >>"$diag" || status=1
    if ((status)); then
        echo "not ok - $label: $C_NAME"
        cat "$diag"
    else
        echo "ok - $label: $C_NAME"
    fi
    rm -rf "$work" "$spool"
    return $status
}

shopt -s nullglob
if (($#)); then
    files=()
    for c in "$@"; do files+=("$cases_dir/$c"); done
else
    files=("$cases_dir"/*)
fi
failed=0
for f in "${files[@]}"; do
    case $(basename "$f") in README* | *.md | .*) continue ;; esac
    [[ -f $f ]] || { echo "not ok - cases/$(basename "$f"): no such case"; failed=1; continue; }
    run_case "$f" || failed=1
done
exit $failed
