# tests/e2e/lib/checks.sh: the check helpers the e2e scripts share.
# Source it after setting TARN (the binary) and WORK (a scratch folder) and
# `failed=0`; each check prints `ok - NAME` or `not ok - NAME` (with the
# reason as `# ` lines) and sets failed=1 on failure.

ok() { echo "ok - $1"; }
not_ok() {
    echo "not ok - $1"
    [[ -s $WORK/why ]] && sed 's/^/# /' "$WORK/why" | head -20
    failed=1
}
# t NAME CMD...: the check passes when CMD exits 0.
t() {
    local name=$1
    shift
    : >"$WORK/why"
    if "$@" >>"$WORK/why" 2>&1; then ok "$name"; else not_ok "$name"; fi
}
# run EXPECTED_RC ARGS...: tarn ARGS into out/err; fails if the exit differs.
run() {
    local want=$1
    shift
    "$TARN" "$@" >"$WORK/out" 2>"$WORK/err"
    local rc=$?
    if [[ $rc != "$want" ]]; then
        echo "tarn $* exited $rc, expected $want"
        cat "$WORK/err"
        return 1
    fi
}
has() {
    local f=$WORK/${2:-out}
    grep -q -- "$1" "$f" || { echo "no '$1' in ${2:-out}:"; head -c 2000 "$f"; return 1; }
}
