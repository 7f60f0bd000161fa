# SPDX-License-Identifier: BSD-3-Clause
# The core's issue rule under `mmusim run` (docs/timing.md): core.issue_interval
# cycles between accesses without cycles, at most core.max_outstanding in
# flight (the next waits for the oldest), a page fault stalls the stream,
# accesses with their own cycles issue at them; the old [mmu] names refused.
# The issue cycles are read from the per-access CSV (column 2).
. "$(dirname "$0")/lib.inc"

# Five misses to five pages: one unified TLB (1 cycle), fixed misses of 100 cycles.
FIXED=(--set walker.mode=fixed --set walker.latency=100 --set tlb.arrays=u --set tlb.u.entries=16
       --set tlb.u.ways=16 --set tlb.u.latency=1)
printf 'R 1000\nR 2000\nR 3000\nR 4000\nR 5000\n' > "$TMP/five.txt"
cycles() { tail -n +2 "$1" | cut -d, -f2 | tr '\n' ' ' | sed 's/ $//'; }

# interval 10, room for all: 0 10 20 30 40
"$MMUSIM" run "$TMP/five.txt" "${FIXED[@]}" --set core.issue_interval=10 --set core.max_outstanding=64 \
  --per-access "$TMP/wide.csv" --quiet || bad "run max_outstanding=64"
expect_eq "interval 10, 64 in flight" "$(cycles "$TMP/wide.csv")" "0 10 20 30 40"

# two in flight: the third waits for the first (done at 101), the fourth for the
# second (111), the fifth for the third (202)
"$MMUSIM" run "$TMP/five.txt" "${FIXED[@]}" --set core.issue_interval=10 --set core.max_outstanding=2 \
  --per-access "$TMP/two.csv" --json "$TMP/two.json" --quiet || bad "run max_outstanding=2"
expect_eq "interval 10, 2 in flight" "$(cycles "$TMP/two.csv")" "0 10 101 111 202"
expect_eq "cycles of the run, 2 in flight" "$(json_get "$TMP/two.json" 'j["cycles"]')" 303

# one in flight: each waits for the one before (101 cycles apart)
"$MMUSIM" run "$TMP/five.txt" "${FIXED[@]}" --set core.max_outstanding=1 --per-access "$TMP/one.csv" --quiet \
  || bad "run max_outstanding=1"
expect_eq "1 in flight" "$(cycles "$TMP/one.csv")" "0 101 202 303 404"

# interval 0: all at cycle 0 when there is room
"$MMUSIM" run "$TMP/five.txt" "${FIXED[@]}" --set core.issue_interval=0 --per-access "$TMP/zero.csv" --quiet \
  || bad "run issue_interval=0"
expect_eq "interval 0" "$(cycles "$TMP/zero.csv")" "0 0 0 0 0"

# accesses with their own cycles issue at them, whatever the limit
printf 'R 1000 cycle=0\nR 2000 cycle=1\nR 3000 cycle=2\nR 4000\n' > "$TMP/own.txt"
"$MMUSIM" run "$TMP/own.txt" "${FIXED[@]}" --set core.max_outstanding=1 --per-access "$TMP/own.csv" --quiet \
  || bad "run with cycles"
expect_eq "own cycles, then one without (waits for the last, done at 103)" "$(cycles "$TMP/own.csv")" "0 1 2 103"

# a page fault (first touch, the OS model) stalls the next access until it completes
printf 'R 400000\nR 400008\n' > "$TMP/fault.txt"
"$MMUSIM" run "$TMP/fault.txt" --set core.issue_interval=1 --per-access "$TMP/fault.csv" --json "$TMP/fault.json" --quiet || bad "fault run"
first_latency=$(sed -n 2p "$TMP/fault.csv" | cut -d, -f10)
expect_eq "the first access faulted and was resolved" "$(json_get "$TMP/fault.json" 'j["walker"]["page_faults"]')" 1
[ "${first_latency:-0}" -gt 100 ] && ok || bad "the first access's page fault took $first_latency cycles"
expect_eq "fault stall" "$(sed -n 3p "$TMP/fault.csv" | cut -d, -f2)" "$first_latency"

# the old names are refused, naming the new ones
expect_fail "old --set name" "mmu.issue_interval is now core.issue_interval" \
  "$MMUSIM" run "$TMP/five.txt" --set mmu.issue_interval=2
printf '[mmu]\nmax_outstanding = 4\n' > "$TMP/old.ini"
expect_fail "old file key" "old.ini:2: mmu.max_outstanding is now core.max_outstanding" \
  "$MMUSIM" run "$TMP/five.txt" --config "$TMP/old.ini"
printf '[core]\nmax_outstanding = 0\n' > "$TMP/zero.ini"
expect_fail "out of range" "core.max_outstanding: 0 is out of range 1..4096" \
  "$MMUSIM" run "$TMP/five.txt" --config "$TMP/zero.ini"
finish
