#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Walk-heavy: `mmusim run` on uniform-random read traces (mmusim gen uniform,
# binary format, 8-byte reads) that miss the TLBs on nearly every access:
#   64K pages (256 MiB), 3M accesses;  1M pages (4 GiB), 4M accesses, with
#   os.phys_mem=8G so that no page is ever evicted.
# For each page-table format (walker.format) and PTE memory model (the
# default cache hierarchy, with the trace's data going through it, and
# ptemem.mode=fixed), accesses per second of CPU time (user + system),
# median of $BENCH_RUNS (default 5) runs.  With a second binary (BASELINE),
# the two are run alternately, side by side, and the ratio new / baseline
# of the medians is printed.
#   bench_walk.sh MMUSIM [BASELINE]
# Environment: BENCH_RUNS, BENCH_FORMATS (space-separated; default every
# format), BENCH_SIZES (default "64K 1M").
set -euo pipefail
MMUSIM=$1
BASE=${2:-}
RUNS=${BENCH_RUNS:-5}
FORMATS=${BENCH_FORMATS:-"x86_64 x86_64_la57 sv39 sv48 sv57 aarch64_4k aarch64_4k_39 aarch64_16k aarch64_64k"}
SIZES=${BENCH_SIZES:-"64K 1M"}
work=$(mktemp -d /tmp/bench_walk.XXXXXX)
trap 'rm -rf "$work"' EXIT
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
calc() { awk "BEGIN { print $1 }"; }
# CPU seconds (user + system) of one run.
cpu() {
  /usr/bin/time -f '%U %S' -o "$work/t" "$@" >/dev/null
  awk '{print $1 + $2}' "$work/t"
}
for size in $SIZES; do
  case $size in
    64K) pages=64k accesses=3000000 extra=() ;;
    1M) pages=1M accesses=4000000 extra=(--set os.phys_mem=8G) ;;
    *) echo "bench_walk: size $size is not 64K or 1M" >&2; exit 1 ;;
  esac
  trace="$work/u$size.bin"
  "$MMUSIM" gen uniform "$trace" --pages "$pages" --accesses "$accesses" --seed 1 --quiet
  for fmt in $FORMATS; do
    for mode in cache fixed; do
      args=(run "$trace" --quiet --set "walker.format=$fmt" --set "ptemem.mode=$mode" "${extra[@]}")
      new=(); old=()
      for _ in $(seq "$RUNS"); do
        new+=("$(cpu "$MMUSIM" "${args[@]}")")
        [ -z "$BASE" ] || old+=("$(cpu "$BASE" "${args[@]}")")
      done
      a=$(printf '%s\n' "${new[@]}" | median)
      line=$(printf 'bench_walk %-3s pages %-13s ptemem=%-5s %6.2f M accesses/s (%.2f s)' \
        "$size" "$fmt" "$mode" "$(calc "$accesses / $a / 1000000")" "$a")
      if [ -n "$BASE" ]; then
        b=$(printf '%s\n' "${old[@]}" | median)
        line+=$(printf ' | baseline %6.2f M/s (%.2f s) | %.2fx' \
          "$(calc "$accesses / $b / 1000000")" "$b" "$(calc "$b / $a")")
      fi
      echo "$line"
    done
  done
done
