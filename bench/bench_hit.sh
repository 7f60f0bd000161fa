#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The hit path (docs/performance.md, "Hit path"): hit-dominated runs of the
# shipped traces (traces/*.lackey.zst), read as Lackey, din and mmusim's
# binary format (converted once with `mmusim convert`, zstd), beside the
# decompress floor (`zstd -dc FILE > /dev/null`), measured in one run,
# alternating the commands, medians of BENCH_REPS (default 5).
#
# Configurations (all hit-dominated; no page walk is modelled):
#   one   one unified 64-entry 4-way LRU TLB, fixed miss handler: what Dinero IV
#         simulates with -l1-usize 256k -l1-ubsize 4k -l1-uassoc 4 -l1-urepl l
#   split two 64-entry 4-way LRU TLBs, one for fetches, one for data
#   def   the default configuration with walker.mode=fixed (l1i, l1d, l1d_2m, stlb)
#
# Times are CPU seconds (user + system, both threads of `mmusim run`), from
# bash's `time`; "on one thread" is the same run with MMUSIM_NO_THREADS=1
# (less CPU, more wall time: the decompression no longer overlaps).  Optional, side by side in the same run:
#   BENCH_BASE=/path/to/mmusim     another build (e.g. an older commit): its times and new/base
#   BENCH_DINERO=/path/to/dineroIV Dinero IV on the same din (uncompressed, from
#                                  standard input) with the one-TLB geometry; it
#                                  checks that the miss counts agree first
# usage: bench_hit.sh MMUSIM SOURCE_DIR
set -euo pipefail
MMUSIM=$1
SRC=$2
REPS=${BENCH_REPS:-5}
BASE=${BENCH_BASE:-}
DINERO=${BENCH_DINERO:-}
ONE="--set walker.mode=fixed --set tlb.arrays=u --set tlb.u.entries=64 --set tlb.u.ways=4 --set tlb.u.policy=lru"
SPLIT="--set walker.mode=fixed --set tlb.arrays=i,d --set tlb.i.side=i --set tlb.d.side=d"
DEF="--set walker.mode=fixed"
D4ARGS="-l1-usize 256k -l1-ubsize 4k -l1-uassoc 4 -l1-urepl l -informat d"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
calc() { awk "BEGIN { printf \"%.3f\", $1 }"; }
# cpu CMD...: CPU seconds (user + system) of CMD, its output thrown away
cpu() {
  local TIMEFORMAT='%3U %3S' t
  t=$( { time "$@" >/dev/null 2>&1; } 2>&1 )
  calc "${t% *} + ${t#* }"
}

printf 'bench_hit: CPU seconds, medians of %d; ratios of medians\n' "$REPS"
for trace in "$SRC"/traces/*.lackey.zst; do
  [ -f "$trace" ] || continue
  name=$(basename "$trace" .lackey.zst)
  "$MMUSIM" convert "$trace" "$work/$name.bin.zst" --to binary --quiet 2>/dev/null
  "$MMUSIM" convert "$trace" "$work/$name.din.zst" --to din --quiet 2>/dev/null
  zstd -dcq "$work/$name.din.zst" > "$work/$name.din"
  n=$(zstd -dc "$trace" | grep -c -v '^==' || true)
  # label|command (run through cpu, alternating, REPS rounds)
  specs=(
    "floor_lackey|zstd -dcq $trace"
    "floor_bin|zstd -dcq $work/$name.bin.zst"
    "one_lackey|$MMUSIM run $trace --quiet $ONE"
    "one_din|$MMUSIM run $work/$name.din.zst --quiet $ONE"
    "one_bin|$MMUSIM run $work/$name.bin.zst --quiet $ONE"
    "one_bin1|env MMUSIM_NO_THREADS=1 $MMUSIM run $work/$name.bin.zst --quiet $ONE"
    "one_dinplain|$MMUSIM run $work/$name.din --quiet $ONE"
    "split_bin|$MMUSIM run $work/$name.bin.zst --quiet $SPLIT"
    "def_bin|$MMUSIM run $work/$name.bin.zst --quiet $DEF"
  )
  if [ -n "$BASE" ]; then
    specs+=("base_one_bin|$BASE run $work/$name.bin.zst --quiet $ONE"
            "base_split_bin|$BASE run $work/$name.bin.zst --quiet $SPLIT"
            "base_def_bin|$BASE run $work/$name.bin.zst --quiet $DEF"
            "base_one_dinplain|$BASE run $work/$name.din --quiet $ONE")
  fi
  if [ -n "$DINERO" ]; then
    d4_misses=$("$DINERO" $D4ARGS < "$work/$name.din" | awk '/Demand Misses/ {print $3; exit}')
    mm_misses=$("$MMUSIM" run "$work/$name.din" --json - $ONE | awk -F'[:,]' '/"misses"/ {gsub(/ /, "", $2); print $2; exit}')
    printf 'bench_hit %-5s misses: Dinero IV %s, mmusim %s (%s)\n' "$name" "$d4_misses" "$mm_misses" \
      "$([ "$d4_misses" = "$mm_misses" ] && echo equal || echo DIFFERENT)"
    specs+=("dinero_dinplain|$DINERO $D4ARGS < $work/$name.din")
  fi
  declare -A T=()
  for _ in $(seq "$REPS"); do
    for spec in "${specs[@]}"; do
      label=${spec%%|*}
      T[$label]+="$(cpu bash -c "exec ${spec#*|}") "
    done
  done
  declare -A M=()
  for spec in "${specs[@]}"; do
    label=${spec%%|*}
    M[$label]=$(echo ${T[$label]} | tr ' ' '\n' | median)
  done
  r() { calc "${M[$1]} / ${M[$2]}"; }
  printf 'bench_hit %-5s %8d accesses | floor lackey %.3f bin %.3f | one TLB: lackey %.3f din %.3f bin %.3f (%sx floor, %.1f M/s; on one thread %.3f, %sx) | split bin %.3f | default bin %.3f | one/split %s\n' \
    "$name" "$n" "${M[floor_lackey]}" "${M[floor_bin]}" "${M[one_lackey]}" "${M[one_din]}" "${M[one_bin]}" \
    "$(r one_bin floor_bin)" "$(calc "$n / ${M[one_bin]} / 1000000")" "${M[one_bin1]}" "$(r one_bin1 floor_bin)" \
    "${M[split_bin]}" "${M[def_bin]}" "$(r one_bin split_bin)"
  if [ -n "$BASE" ]; then
    printf 'bench_hit %-5s base: one bin %.3f (new/base %s) split bin %.3f (%s) default bin %.3f (%s) one din %.3f (%s) | base one/split %s\n' \
      "$name" "${M[base_one_bin]}" "$(r one_bin base_one_bin)" "${M[base_split_bin]}" "$(r split_bin base_split_bin)" \
      "${M[base_def_bin]}" "$(r def_bin base_def_bin)" "${M[base_one_dinplain]}" "$(r one_dinplain base_one_dinplain)" \
      "$(r base_one_bin base_split_bin)"
  fi
  if [ -n "$DINERO" ]; then
    printf 'bench_hit %-5s same din, one TLB: Dinero IV %.3f, mmusim %.3f: Dinero/mmusim %s%s\n' \
      "$name" "${M[dinero_dinplain]}" "${M[one_dinplain]}" "$(r dinero_dinplain one_dinplain)" \
      "$([ -n "$BASE" ] && echo " (base: $(r dinero_dinplain base_one_dinplain))")"
  fi
  unset T M
done
