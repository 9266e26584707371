#!/usr/bin/env bash
# tests/interop/run.sh: run every tests/interop/*.mjs against a tarn binary.
#
# usage: tests/interop/run.sh TARN
#
# Each script is run as `node SCRIPT TARN` from the repository root and
# prints `ok - ...` / `not ok - ...` lines, exiting non-zero on failure; its
# output passes through. A script that fails without printing `not ok` gets
# one here, and one that succeeds silently an `ok`. The peers (DuckDB,
# Polars, parquet-wasm) come from tests/node_modules, which
# scripts/install-deps.sh installs. Exits non-zero if any script failed.
set -uo pipefail
tarn=${1:?usage: tests/interop/run.sh TARN}
cd "$(dirname "$0")/../.." || exit 1
timeout_s=${INTEROP_TIMEOUT:-600}

shopt -s nullglob
scripts=(tests/interop/*.mjs)
if ((${#scripts[@]} == 0)); then
    echo "# no interop scripts"
    exit 0
fi
if ! command -v node >/dev/null || [[ ! -d tests/node_modules/@duckdb/node-api ]]; then
    echo "not ok - interop: node or tests/node_modules missing (run scripts/install-deps.sh)"
    exit 1
fi

status=0
for f in "${scripts[@]}"; do
    echo "# $f"
    out=$(mktemp)
    rc=0
    timeout -k 10 "$timeout_s" node "$f" "$tarn" </dev/null 2>&1 | tee "$out" || rc=$?
    if ((rc == 0)); then
        grep -qE '^ok( [0-9]+)? - ' "$out" || echo "ok - $(basename "$f")"
    else
        status=1
        grep -qE '^not ok( [0-9]+)? - ' "$out" ||
            echo "not ok - $(basename "$f"): exited with status $rc$( ((rc == 124)) && echo " (timed out after ${timeout_s}s)")"
    fi
    rm -f "$out"
done
exit $status
