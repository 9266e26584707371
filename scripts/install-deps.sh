#!/usr/bin/env bash
# Install everything tarn needs to build, test and benchmark on a fresh
# Debian machine: the C toolchain and libraries from Debian, and the test
# peers (DuckDB, Polars, arrow-rs via parquet-wasm) from npm, pinned in
# tests/package-lock.json. Safe to run again: it skips what is present.
set -euo pipefail
cd "$(dirname "$0")/.."

PKGS=(build-essential cmake pkg-config clang libclang-rt-14-dev
      libsqlite3-dev libcurl4-openssl-dev libarchive-dev zlib1g-dev
      libzstd-dev libsnappy-dev libyaml-dev libjansson-dev libcmocka-dev
      libssl-dev liblz4-dev libbrotli-dev libedit-dev
      python3 hyperfine time ca-certificates nodejs npm)

missing=()
for p in "${PKGS[@]}"; do
  # nodejs/npm may come from outside Debian's packages; a working node is enough.
  if [[ $p == nodejs || $p == npm ]] && command -v node >/dev/null && command -v npm >/dev/null; then
    continue
  fi
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  SUDO=""
  [[ $(id -u) -ne 0 ]] && SUDO=sudo
  echo "install-deps: installing ${missing[*]}"
  $SUDO apt-get update
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}"
fi

# Debian 12's own nodejs is 18; nodejs-polars asks for 20 or later.
node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if ((node_major < 20)); then
  echo "install-deps: warning: node $(node --version 2>/dev/null) is older than 20;" \
       "the Polars interop tests may fail (install Node.js 20 or later)" >&2
fi

if [[ ! -d tests/node_modules/@duckdb/node-api || tests/package-lock.json -nt tests/node_modules/.package-lock.json ]]; then
  echo "install-deps: installing npm test peers"
  (cd tests && npm ci --no-audit --no-fund)
fi
