#!/usr/bin/env bash
# End-to-end: `mmusim run` on the zstd Lackey traces of traces/, beside the
# decompress-and-count floor (`zstd -dc FILE | wc -l`) measured in the same
# run, alternating the two.  Prints medians of 5 and the ratio.
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
  floor=(); sim=()
  for _ in $(seq $REPS); do
    floor+=("$(t bash -c "zstd -dc '$trace' | wc -l")")
    sim+=("$(t "$MMUSIM" run "$trace" --quiet)")
  done
  f=$(printf '%s\n' "${floor[@]}" | median)
  s=$(printf '%s\n' "${sim[@]}" | median)
  printf 'bench_run %-28s %9d lines  floor %.3f s (%.1f M lines/s)  mmusim run %.3f s (%.1f M lines/s)  ratio %.2fx\n' \
    "$(basename "$trace")" "$lines" "$f" "$(calc "$lines / $f / 1000000")" \
    "$s" "$(calc "$lines / $s / 1000000")" "$(calc "$s / $f")"
done
