#!/usr/bin/env bash
# tests/run.sh: everything `make test` runs, in this order:
#
#   unit     build/ (RelWithDebInfo), then its cmocka tests through ctest
#   e2e      every tests/e2e/*.sh against build/tarn
#   interop  every tests/interop/*.mjs against build/tarn (tests/interop/run.sh)
#   san      build-san/ (ASan+UBSan), then unit + e2e again in it
#   fuzz     build-fuzz/ (clang, libFuzzer), each target for $FUZZ_SECONDS s
#            (tests/fuzz/run.sh)
#
# usage: tests/run.sh [SUITE...]         default: all five suites above
#        tests/run.sh --build-only DIR   DIR: build | build-san | build-fuzz
#
# Tests are found by convention, never by name. Each counts as one unit: a
# ctest test, an `ok - ...` / `not ok - ...` line printed by an e2e script,
# an interop script or the fuzz runner (which prints one per target). A
# script that exits non-zero without a `not ok` line counts one failure; one
# that prints no lines and exits 0 counts one pass. A failed build counts one
# failure (and skips what needs it). Output of a suite goes to
# <build dir>/test-logs/; a failing one is shown (all of it under CI=true,
# else its last lines with the path). The run ends with a FAILED list and
# the line `N passed, N failed`, and exits non-zero if anything failed.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

BUILD=${BUILD:-build}
BUILD_SAN=${BUILD_SAN:-build-san}
BUILD_FUZZ=${BUILD_FUZZ:-build-fuzz}
JOBS=${JOBS:-$(nproc)}
export FUZZ_SECONDS=${FUZZ_SECONDS:-20}
SCRIPT_TIMEOUT=${SCRIPT_TIMEOUT:-900}   # seconds for one e2e or interop script
SHOW_LINES=${SHOW_LINES:-120}           # lines of a failing log shown (CI: all)
SAN_ENV=(ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
         UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1)

npass=0
nfail=0
FAILED=()

if [[ -t 1 ]]; then
    C_RED=$'\e[31m' C_GREEN=$'\e[32m' C_BOLD=$'\e[1m' C_OFF=$'\e[0m'
else
    C_RED='' C_GREEN='' C_BOLD='' C_OFF=''
fi

abs() { (cd "$1" && pwd); }
header() { printf '\n%s== %s ==%s\n' "$C_BOLD" "$*" "$C_OFF"; }

# record_fail NAME: count one failed unit and remember its name.
record_fail() { nfail=$((nfail + 1)); FAILED+=("$1"); }

# show_log FILE [PATH]: print a failing log indented, whole under CI, else
# its tail; then the path of the full log (PATH, default FILE).
show_log() {
    local f=$1 n
    n=$(wc -l <"$f")
    if [[ -n ${CI:-} ]] || ((n <= SHOW_LINES)); then
        sed 's/^/    | /' "$f"
    else
        printf '    | ... (%d earlier lines in the log)\n' $((n - SHOW_LINES))
        tail -n "$SHOW_LINES" "$f" | sed 's/^/    | /'
    fi
    printf '    log: %s\n' "${2:-$f}"
}

# build_dir NAME: configure and build one of the three build directories.
# Returns 0 on success; on failure counts a failed unit and shows the log.
build_dir() {
    local dir=$1 log t0=$SECONDS
    local -a cfg=(-DCMAKE_BUILD_TYPE=RelWithDebInfo) env=()
    case $dir in
    "$BUILD_SAN") cfg=(-DCMAKE_BUILD_TYPE=Debug -DTARN_SANITIZE=ON) ;;
    "$BUILD_FUZZ") cfg=(-DTARN_FUZZ=ON) env=(CC=clang CXX=clang++) ;;
    esac
    mkdir -p "$dir"
    log=$dir/build.log
    printf '  %-40s' "build $dir"
    if ! env "${env[@]}" cmake -S . -B "$dir" "${cfg[@]}" >"$dir/configure.log" 2>&1; then
        log=$dir/configure.log
    elif cmake --build "$dir" -j "$JOBS" >"$log" 2>&1; then
        printf '%sdone%s (%ds)\n' "$C_GREEN" "$C_OFF" $((SECONDS - t0))
        return 0
    fi
    printf '%sFAILED%s (%ds)\n' "$C_RED" "$C_OFF" $((SECONDS - t0))
    # The compiler's messages, without make's progress lines.
    grep -vE '^\[ *[0-9]+%\] |^gmake\[[0-9]+\]: (Entering|Leaving)' "$log" >"$log.short"
    show_log "$log.short" "$log"
    record_fail "build $dir"
    return 1
}

# run_ctest DIR [ENV...]: the cmocka tests of a build dir, one unit each.
run_ctest() {
    local dir=$1 log=$1/test-logs/ctest.log line name status t0=$SECONDS
    shift
    mkdir -p "$dir/test-logs"
    env "$@" ctest --test-dir "$dir" -j "$JOBS" --timeout 600 \
        --output-on-failure >"$log" 2>&1
    local n=0 bad=0
    while IFS= read -r line; do
        [[ $line =~ Test\ +#[0-9]+:\ +([^ ]+)\ [.*]*\ *([^0-9]*[A-Za-z]) ]] || continue
        name=${BASH_REMATCH[1]} status=${BASH_REMATCH[2]}
        n=$((n + 1))
        if [[ $status == Passed ]]; then
            npass=$((npass + 1))
        else
            bad=1
            record_fail "unit $dir: $name ($status)"
            printf '  %snot ok%s - %s (%s)\n' "$C_RED" "$C_OFF" "$name" "$status"
        fi
    done <"$log"
    if ((n == 0)); then
        if grep -q 'No tests were found' "$log"; then
            echo "  (no unit tests)"
            return
        fi
        record_fail "unit $dir: ctest did not run"
        bad=1
    fi
    if ((bad)); then
        show_log "$log"
    else
        printf '  %-40s %d ok (%ds)\n' "unit $dir" "$n" $((SECONDS - t0))
    fi
}

# run_tap LABEL LOG CMD...: run a producer of ok/not ok lines and count them.
run_tap() {
    local label=$1 log=$2 rc=0 t0=$SECONDS nok nbad line
    shift 2
    mkdir -p "$(dirname "$log")"
    timeout -k 10 "$SCRIPT_TIMEOUT" "$@" </dev/null >"$log" 2>&1 || rc=$?
    nok=$(grep -cE '^ok( [0-9]+)? - ' "$log")
    nbad=$(grep -cE '^not ok( [0-9]+)? - ' "$log")
    npass=$((npass + nok))
    while IFS= read -r line; do
        line=${line#not ok }
        record_fail "$label: ${line#*- }"
    done < <(grep -E '^not ok( [0-9]+)? - ' "$log")
    if ((rc != 0 && nbad == 0)); then
        nbad=1
        if ((rc == 124)); then
            record_fail "$label: timed out after ${SCRIPT_TIMEOUT}s"
        else
            record_fail "$label: exited with status $rc"
        fi
    elif ((rc == 0 && nok == 0 && nbad == 0)); then
        nok=1 npass=$((npass + 1))
    fi
    if ((nbad == 0)); then
        printf '  %-40s %d ok (%ds)\n' "$label" "$nok" $((SECONDS - t0))
        return
    fi
    printf '  %-40s %d ok, %s%d not ok%s (exit %d, %ds)\n' "$label" "$nok" \
        "$C_RED" "$nbad" "$C_OFF" "$rc" $((SECONDS - t0))
    show_log "$log"
}

# run_e2e DIR [ENV...]: every tests/e2e/*.sh against DIR/tarn, each with
# its own empty TARN_HOME and the repository root as working directory.
run_e2e() {
    local dir=$1 f name home
    shift
    local -a scripts=(tests/e2e/*.sh)
    if [[ ! -e ${scripts[0]} ]]; then
        echo "  (no e2e scripts)"
        return
    fi
    for f in "${scripts[@]}"; do
        name=$(basename "$f" .sh)
        home=$(mktemp -d "${TMPDIR:-/tmp}/tarn-e2e.XXXXXX")
        run_tap "e2e $dir: $name" "$dir/test-logs/e2e/$name.log" \
            env TARN_HOME="$home" "$@" bash "$f" "$(abs "$dir")/tarn"
        rm -rf "$home"
    done
}

# ensure_built DIR: build DIR once per run; later calls return the result
# of that first build, so a failed build is reported (and counted) once.
declare -A BUILT=()
ensure_built() {
    if [[ -z ${BUILT[$1]:-} ]]; then
        build_dir "$1" && BUILT[$1]=0 || BUILT[$1]=1
    elif ((BUILT[$1])); then
        echo "  skipped: the build of $1 failed (above)"
    fi
    return "${BUILT[$1]}"
}

suite_unit() {
    header "unit tests ($BUILD)"
    ensure_built "$BUILD" && run_ctest "$BUILD"
}

suite_e2e() {
    header "end-to-end tests ($BUILD/tarn)"
    ensure_built "$BUILD" && run_e2e "$BUILD"
}

suite_interop() {
    header "interop tests ($BUILD/tarn)"
    local -a scripts=(tests/interop/*.mjs)
    if [[ ! -e ${scripts[0]} ]]; then
        echo "  (no interop scripts)"
        return
    fi
    ensure_built "$BUILD" || return
    run_tap "interop" "$BUILD/test-logs/interop.log" \
        bash tests/interop/run.sh "$(abs "$BUILD")/tarn"
}

suite_san() {
    header "unit + end-to-end tests, ASan+UBSan ($BUILD_SAN)"
    ensure_built "$BUILD_SAN" || return
    run_ctest "$BUILD_SAN" "${SAN_ENV[@]}"
    run_e2e "$BUILD_SAN" "${SAN_ENV[@]}"
}

suite_fuzz() {
    header "fuzz targets, ${FUZZ_SECONDS}s each ($BUILD_FUZZ)"
    local -a targets=(tests/fuzz/fuzz_*.c)
    if [[ ! -e ${targets[0]} ]]; then
        echo "  (no fuzz targets)"
        return
    fi
    ensure_built "$BUILD_FUZZ" || return
    SCRIPT_TIMEOUT=$(((FUZZ_SECONDS + 120) * ${#targets[@]})) \
        run_tap "fuzz" "$BUILD_FUZZ/test-logs/fuzz.log" \
        bash tests/fuzz/run.sh "$BUILD_FUZZ"
}

if [[ ${1:-} == --build-only ]]; then
    build_dir "${2:?usage: tests/run.sh --build-only DIR}"
    exit
fi

suites=("$@")
((${#suites[@]})) || suites=(unit e2e interop san fuzz)
for s in "${suites[@]}"; do
    case $s in
    unit | e2e | interop | san | fuzz) ;;
    *) echo "tests/run.sh: unknown suite '$s' (unit e2e interop san fuzz)" >&2; exit 2 ;;
    esac
done
for d in "$BUILD" "$BUILD_SAN" "$BUILD_FUZZ"; do rm -rf "$d/test-logs"; done

start=$SECONDS
for s in "${suites[@]}"; do "suite_$s"; done

echo
if ((nfail)); then
    echo "${C_RED}FAILED:${C_OFF}"
    printf '  %s\n' "${FAILED[@]}"
fi
printf '(%s in %dm%02ds)\n' "${suites[*]}" $(((SECONDS - start) / 60)) $(((SECONDS - start) % 60))
echo "$npass passed, $nfail failed"
((nfail == 0))
