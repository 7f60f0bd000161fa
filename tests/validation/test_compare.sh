#!/usr/bin/env bash
# test_compare.sh - check compare.sh's plumbing with a fake mmusim
# (fake_mmusim.py, which answers with the reference model's own counts):
# equal counts pass, a count off by one fails with status 1, a failing
# mmusim fails with status 2.
#   bash tests/validation/test_compare.sh [TRACE]
set -u
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TRACE=${1:-$HERE/../../traces/sort.lackey.zst}
fake=$HERE/fake_mmusim.py
args=(--head 5000 --configs "64/4 12/3" --policies "lru random plru")
fails=0
check() {
    local want=$1; shift
    local got
    local log
    log=$(mktemp)
    "$@" >"$log" 2>&1
    got=$?
    if [ "$got" -ne "$want" ]; then
        echo "FAIL: expected status $want, got $got: $*"; cat /tmp/test_compare.$$
        fails=$((fails + 1))
    else
        echo "ok: status $got: ${*: -1} ${FAKE_MMUSIM_SKEW:-}${FAKE_MMUSIM_FAIL:+fail}"
    fi
    rm -f /tmp/test_compare.$$
}
check 0 bash "$HERE/compare.sh" "${args[@]}" "$fake" "$TRACE"
for f in accesses translations lookups hits misses evictions; do
    FAKE_MMUSIM_SKEW=$f check 1 bash "$HERE/compare.sh" "${args[@]}" "$fake" "$TRACE"
done
FAKE_MMUSIM_FAIL=1 check 2 bash "$HERE/compare.sh" "${args[@]}" "$fake" "$TRACE"
check 2 bash "$HERE/compare.sh" "${args[@]}" "$fake" /nonexistent/trace
check 2 bash "$HERE/compare.sh" --configs 10/4 "$fake" "$TRACE"
[ "$fails" -eq 0 ] && echo "test_compare: all passed" || { echo "test_compare: $fails failed"; exit 1; }
