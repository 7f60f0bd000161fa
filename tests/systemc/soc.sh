#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The example SoC (mmusim-soc): one LT core sees exactly the TLB behaviour
# and page faults `mmusim run` reports for the same trace (in fixed and in
# standalone mode: hits and misses do not depend on timing); several cores,
# AT, shared OS; JSON written; bad input refused.
#   soc.sh MMUSIM_SOC MMUSIM SRC TMP
set -u
SOC=$1
MMUSIM=$2
SRC=$3
TMP=$4
rm -rf "$TMP"
mkdir -p "$TMP"
FAILS=0
PASSES=0
ok() { PASSES=$((PASSES + 1)); }
bad() { echo "FAIL: $*"; FAILS=$((FAILS + 1)); }
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
TRACE=$SRC/traces/mawk.lackey.zst

section() { sed -n "/^$2/,/^\$/p" "$1"; }

for mode in fixed radix; do
  "$MMUSIM" run --set walker.mode=$mode "$TRACE" > "$TMP/run.$mode.txt" || bad "mmusim run ($mode) failed"
  "$SOC" --set walker.mode=$mode "$TRACE" --json "$TMP/soc.$mode.json" > "$TMP/soc.$mode.txt" 2> "$TMP/soc.$mode.err" \
    || bad "mmusim-soc ($mode) failed: $(cat "$TMP/soc.$mode.err")"
  if diff <(section "$TMP/run.$mode.txt" "TLB array") <(section "$TMP/soc.$mode.txt" "TLB array") > "$TMP/diff.$mode"; then
    ok
  else
    bad "$mode: the SoC's TLB counters differ from mmusim run: $(cat "$TMP/diff.$mode")"
  fi
  for line in "^accesses" "^translations" "^page faults" "^walk faults"; do
    a=$(grep "$line" "$TMP/run.$mode.txt")
    b=$(grep "$line" "$TMP/soc.$mode.txt")
    [ "$a" == "$b" ] && ok || bad "$mode: '$a' != '$b'"
  done
  n=$("$PY" -c "import json,sys; j=json.load(open(sys.argv[1])); print(j['accesses'])" "$TMP/soc.$mode.json" 2>&1)
  [ "$n" == "1655169" ] && ok || bad "$mode: JSON accesses: $n"
done

# two cores, AT, four transactions in flight, one shared OS
"$SOC" --cores 2 --outstanding 4 --max 200000 "$TRACE" --json "$TMP/at.json" > "$TMP/at.txt" 2> "$TMP/at.err" \
  || bad "AT run failed: $(cat "$TMP/at.err")"
[ "$(grep -c '^== core' "$TMP/at.txt")" == 2 ] && ok || bad "AT: not two core reports"
[ "$(grep -c '^accesses *200000' "$TMP/at.txt")" == 2 ] && ok || bad "AT: accesses"
grep -q "SoC *2 cores, AT" "$TMP/at.txt" && ok || bad "AT: summary line"
for c in 0 1; do
  [ -s "$TMP/at.core$c.json" ] && ok || bad "AT: no $TMP/at.core$c.json"
done
# the second core finds the page tables of the first: fewer page faults
f0=$(sed -n '/^== core 0/,/^== core 1/p' "$TMP/at.txt" | grep -o 'page faults resolved [0-9]*' | grep -o '[0-9]*$')
f1=$(sed -n '/^== core 1/,$p' "$TMP/at.txt" | grep -o 'page faults resolved [0-9]*' | grep -o '[0-9]*$')
[ -n "$f0" ] && [ -n "$f1" ] && ok || bad "AT: no fault figures"
# separate processes: each core faults its own pages in
"$SOC" --cores 2 --separate-asids --max 100000 "$TRACE" > "$TMP/sep.txt" 2>&1 || bad "separate ASIDs run failed"
[ "$(grep -c 'minor' "$TMP/sep.txt")" -ge 2 ] && ok || bad "separate ASIDs: no OS report"

# bad input
expect_fail() {
  local name=$1 want=$2 code=$3
  shift 3
  local out rc
  out=$("$@" 2>&1 >/dev/null)
  rc=$?
  if [ $rc -ne "$code" ]; then bad "$name: exit status $rc, expected $code ($out)";
  elif [[ "$out" != *"$want"* ]]; then bad "$name: '$out' does not contain '$want'";
  else ok; fi
}
expect_fail "missing trace" "no-such.trace" 1 "$SOC" "$TMP/no-such.trace"
expect_fail "bad option" "unknown option '--bogus'" 2 "$SOC" --bogus "$TRACE"
expect_fail "bad key" "tlb.nope" 2 "$SOC" --set tlb.nope.entries=3 "$TRACE"
expect_fail "bad cores" "--cores" 2 "$SOC" --cores 0 "$TRACE"
expect_fail "traces vs cores" "3 traces for 2 cores" 2 "$SOC" --cores 2 "$TRACE" "$TRACE" "$TRACE"
expect_fail "co-simulation" "os.enabled" 2 "$SOC" --set os.enabled=off "$TRACE"
printf 'R 0x1000 8\nbogus line\n' > "$TMP/bad.txt"
expect_fail "bad trace" "bad.txt:2" 1 "$SOC" --format text "$TMP/bad.txt"

echo "$PASSES passed, $FAILS failed"
[ $FAILS -eq 0 ]
