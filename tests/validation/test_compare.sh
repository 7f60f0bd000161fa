#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# test_compare.sh - check compare.sh's plumbing with a fake mmusim
# (fake_mmusim.py, which answers with the reference model's own counts):
# equal counts pass, a count off by one fails with status 1, a failing
# mmusim fails with status 2.
#   bash tests/validation/test_compare.sh [TRACE]
set -u
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TRACE=${1:-$HERE/../../traces/sort.lackey.zst}
# The fake answers with the reference model itself, in Python, so every run
# costs two simulations in Python: the full matrix runs once; the checks of a
# mismatch and of a failure need one run each (they must fail on the first).
args=(--head 5000 --configs "64/4 12/3" --policies "lru random plru")
one=(--head 2000 --configs "64/4" --policies "lru")
fails=0
work=$(mktemp -d) || exit 2
trap 'rm -rf "$work"' EXIT
# run the fake with $PYTHON (Debian's, from ctest), not whatever python3 the
# fake's #! line finds first on PATH (a pyenv shim costs 0.6 s of CPU a start)
printf '#!/bin/sh\nexec "%s" "%s" "$@"\n' "${PYTHON:-python3}" "$HERE/fake_mmusim.py" > "$work/fake_mmusim"
chmod +x "$work/fake_mmusim"
fake=$work/fake_mmusim
check() {
    local want=$1; shift
    local got
    "$@" >"$work/log" 2>&1
    got=$?
    if [ "$got" -ne "$want" ]; then
        echo "FAIL: expected status $want, got $got: $*"; cat "$work/log"
        fails=$((fails + 1))
    else
        echo "ok: status $got: ${*: -1} ${FAKE_MMUSIM_SKEW:-}${FAKE_MMUSIM_FAIL:+fail}"
    fi
}
check 0 bash "$HERE/compare.sh" "${args[@]}" "$fake" "$TRACE"
for f in accesses translations lookups hits misses evictions; do
    FAKE_MMUSIM_SKEW=$f check 1 bash "$HERE/compare.sh" "${one[@]}" "$fake" "$TRACE"
done
FAKE_MMUSIM_FAIL=1 check 2 bash "$HERE/compare.sh" "${one[@]}" "$fake" "$TRACE"
check 2 bash "$HERE/compare.sh" "${one[@]}" "$fake" /nonexistent/trace
check 2 bash "$HERE/compare.sh" --configs 10/4 "$fake" "$TRACE"
[ "$fails" -eq 0 ] && echo "test_compare: all passed" || { echo "test_compare: $fails failed"; exit 1; }
