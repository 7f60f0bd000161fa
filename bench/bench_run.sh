#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# End-to-end: `mmusim run` on the zstd Lackey traces of traces/, beside the
# decompress-and-count floor (`zstd -dc FILE | wc -l`) measured in the same
# run, alternating them.  Two configurations: the default (radix walker, OS
# model, PTE caches with the data passing through them) and the TLB
# hierarchy alone (walker.mode=fixed).  Prints medians of 5 and the ratios.
set -euo pipefail
MMUSIM=$1
SRC=$2
REPS=5
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
calc() { awk "BEGIN { print $1 }"; }
t() { local s e; s=$(date +%s.%N); "$@" >/dev/null; e=$(date +%s.%N); calc "$e - $s"; }
for trace in "$SRC"/traces/*.lackey.zst; do
  [ -f "$trace" ] || continue
  lines=$(zstd -dc "$trace" | wc -l)
  floor=(); full=(); fixed=()
  for _ in $(seq $REPS); do
    floor+=("$(t bash -c "zstd -dc '$trace' | wc -l")")
    full+=("$(t "$MMUSIM" run "$trace" --quiet)")
    fixed+=("$(t "$MMUSIM" run "$trace" --quiet --set walker.mode=fixed)")
  done
  f=$(printf '%s\n' "${floor[@]}" | median)
  a=$(printf '%s\n' "${full[@]}" | median)
  b=$(printf '%s\n' "${fixed[@]}" | median)
  printf 'bench_run %-16s %8d lines  floor %.3f s (%.0f M/s) | default %.3f s (%.1f M/s) %.2fx | TLBs only %.3f s (%.1f M/s) %.2fx\n' \
    "$(basename "$trace" .lackey.zst)" "$lines" "$f" "$(calc "$lines / $f / 1000000")" \
    "$a" "$(calc "$lines / $a / 1000000")" "$(calc "$a / $f")" \
    "$b" "$(calc "$lines / $b / 1000000")" "$(calc "$b / $f")"
done

# The same accesses in the binary and din formats (converted once, zstd),
# beside their own decompress-and-count floor (`zstd -dc | wc -c`: binary
# records have no lines).
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
trace="$SRC/traces/xz.lackey.zst"
"$MMUSIM" convert "$trace" "$work/xz.bin.zst" --to binary --quiet 2>/dev/null
"$MMUSIM" convert "$trace" "$work/xz.din.zst" --to din --quiet 2>/dev/null
n=$(zstd -dc "$trace" | grep -c -v '^==' || true)
for f in "$work/xz.bin.zst" "$work/xz.din.zst"; do
  floor=(); full=(); fixed=()
  for _ in $(seq $REPS); do
    floor+=("$(t bash -c "zstd -dc '$f' | wc -c")")
    full+=("$(t "$MMUSIM" run "$f" --quiet)")
    fixed+=("$(t "$MMUSIM" run "$f" --quiet --set walker.mode=fixed)")
  done
  fl=$(printf '%s\n' "${floor[@]}" | median)
  a=$(printf '%s\n' "${full[@]}" | median)
  b=$(printf '%s\n' "${fixed[@]}" | median)
  printf 'bench_run %-16s %8d accesses  floor %.3f s | default %.3f s (%.1f M/s) %.2fx | TLBs only %.3f s (%.1f M/s) %.2fx\n' \
    "$(basename "$f" .zst)" "$n" "$fl" "$a" "$(calc "$n / $a / 1000000")" "$(calc "$a / $fl")" \
    "$b" "$(calc "$n / $b / 1000000")" "$(calc "$b / $fl")"
done
