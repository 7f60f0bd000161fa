#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Sweeps in one pass against one run of one point (docs/sweep.md, "Speed"):
# a 16-point and a 64-point LRU geometry grid of one unified array, and of
# an STLB behind Skylake-like level-1 arrays (the default arrays, fixed
# walker), each beside `mmusim run` of one point of it, and the 16-point
# unified grid as separate runs (--no-one-pass -j 2) for scale.  Every
# command runs once per round, side by side; medians of 5 rounds of wall
# time and of CPU time (user + system: the machine is shared).  Aims
# (issue 14): 16 points <= 1.5x one run, 64 points <= 3x.
set -euo pipefail
MMUSIM=$1
SRC=$2
REPS=${REPS:-5}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
calc() { awk "BEGIN { print $1 }"; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# t NAME CMD...: one timing of CMD, appended to $work/NAME.wall and NAME.cpu
t() {
  local name=$1
  shift
  rm -f "$work"/*.csv
  /usr/bin/time -f "%e %U %S" -o "$work/time" "$@" >/dev/null 2>&1
  awk '{print $1}' "$work/time" >> "$work/$name.wall"
  awk '{print $2 + $3}' "$work/time" >> "$work/$name.cpu"
}
U=(--set walker.mode=fixed --set tlb.arrays=u --set tlb.u.page_sizes=4K --set tlb.u.policy=lru)
U16=(--vary tlb.u.entries=16,32,64,128 --vary tlb.u.ways=1,2,4,8)
U64=(--vary tlb.u.entries=256,512,1024,2048,4096,8192,16384,32768 --vary tlb.u.ways=1,2,4,8,16,32,64,128)
S=(--set walker.mode=fixed)
S16=(--vary tlb.stlb.entries=512,1024,1536,2048 --vary tlb.stlb.ways=4,8,16,32)
S64=(--vary tlb.stlb.entries=256,512,768,1024,1536,2048,3072,4096 --vary tlb.stlb.ways=1,2,4,8,16,32,64,128)
for name in xz gzip; do
  trace="$SRC/traces/$name.lackey.zst"
  [ -f "$trace" ] || continue
  rm -f "$work"/*.wall "$work"/*.cpu
  for _ in $(seq "$REPS"); do
    t u1 "$MMUSIM" run "$trace" "${U[@]}" --set tlb.u.entries=64 --set tlb.u.ways=4 --csv "$work/one.csv" --quiet
    t u16 "$MMUSIM" sweep "$trace" "${U[@]}" "${U16[@]}" --out "$work/s.csv" --quiet
    t u64 "$MMUSIM" sweep "$trace" "${U[@]}" "${U64[@]}" --out "$work/s.csv" --quiet
    t u16sep "$MMUSIM" sweep "$trace" "${U[@]}" "${U16[@]}" --out "$work/s.csv" --quiet --no-one-pass -j 2
    t s1 "$MMUSIM" run "$trace" "${S[@]}" --csv "$work/one.csv" --quiet
    t s16 "$MMUSIM" sweep "$trace" "${S[@]}" "${S16[@]}" --out "$work/s.csv" --quiet
    t s64 "$MMUSIM" sweep "$trace" "${S[@]}" "${S64[@]}" --out "$work/s.csv" --quiet
  done
  for k in u1 u16 u64 u16sep s1 s16 s64; do
    eval "w_$k=$(median < "$work/$k.wall")"
    eval "c_$k=$(median < "$work/$k.cpu")"
  done
  printf 'bench_sweep %-5s unified: one run %.2f s (cpu %.2f) | 16 in one pass %.2f s (cpu %.2f) %.2fx | 64 in one pass %.2f s (cpu %.2f) %.2fx | 16 separate -j2 %.2f s (cpu %.2f) %.2fx\n' \
    "$name" "$w_u1" "$c_u1" "$w_u16" "$c_u16" "$(calc "$w_u16 / $w_u1")" "$w_u64" "$c_u64" "$(calc "$w_u64 / $w_u1")" \
    "$w_u16sep" "$c_u16sep" "$(calc "$w_u16sep / $w_u1")"
  printf 'bench_sweep %-5s stlb:    one run %.2f s (cpu %.2f) | 16 in one pass %.2f s (cpu %.2f) %.2fx | 64 in one pass %.2f s (cpu %.2f) %.2fx\n' \
    "$name" "$w_s1" "$c_s1" "$w_s16" "$c_s16" "$(calc "$w_s16 / $w_s1")" "$w_s64" "$c_s64" "$(calc "$w_s64 / $w_s1")"
done
