#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The QEMU plugin (docs/qemu.md), guest accesses per second, medians of
# $BENCH_RUNS (default 3) runs alternated, side by side in one run:
#   QEMU alone; QEMU with an empty plugin (the same callbacks, counting only);
#   QEMU with mmusim (libmmusim-qemu.so, the default preset of the guest),
#   with its repeat path (the default) and without (repeat=off: the same counts);
#   Valgrind Lackey piped into `mmusim run -` (same preset).
# The program: xz -3 of $BENCH_QEMU_KB KiB (default 1024) of this repository's
# sources in blocks of a quarter of it, on 1 thread (-T1) and 2 threads
# (-T2: two compressing threads): the same work, so the rates compare.  Lackey runs on 1/64 of the input (it is
# about 100x slower); every rate is the accesses mmusim counted in that run
# divided by its time, so the rates compare.
#   bench_qemu.sh PLUGIN COUNT_PLUGIN MMUSIM SRC
set -euo pipefail
PLUGIN=$1 COUNT=$2 MMUSIM=$3 SRC=$4
RUNS=${BENCH_RUNS:-3}
KB=${BENCH_QEMU_KB:-1024}
for t in qemu-x86_64 xz valgrind; do
  command -v $t >/dev/null || { echo "bench_qemu: $t is missing (scripts/setup.sh installs it); skipped"; exit 0; }
done
work=$(mktemp -d /tmp/bench_qemu.XXXXXX)
trap 'rm -rf "$work"' EXIT
# deterministic, compressible input: the sources, repeated
while [ "$(stat -c %s "$work/in" 2>/dev/null || echo 0)" -lt $((KB * 1024)) ]; do
  cat "$SRC"/model/*.c "$SRC"/io/*/*.c "$SRC"/cli/*.c >> "$work/in"
done
head -c $((KB * 1024)) "$work/in" > "$work/input"
head -c $((KB * 16)) "$work/in" > "$work/small"
XZ=$(command -v xz)

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
calc() { awk "BEGIN { print $1 }"; }
t() { local s e; s=$(date +%s.%N); "$@" >/dev/null 2>&1; e=$(date +%s.%N); calc "$e - $s"; }

for threads in 1 2; do
  # the same blocks in both: the same work, on 1 or 2 compressing threads
  xzargs=(-3 -c -T$threads --block-size=$((KB / 4))KiB)
  # accesses: counted by mmusim in one run of each kind
  qemu-x86_64 -plugin "$PLUGIN,json=$work/q.json,summary=/dev/null" "$XZ" "${xzargs[@]}" "$work/input" >/dev/null
  nq=$(python3 -c "import json; print(json.load(open('$work/q.json'))['total']['accesses'])")
  vq=$(python3 -c "import json; print(len(json.load(open('$work/q.json'))['vcpus']))")
  valgrind --tool=lackey --trace-mem=yes --log-fd=3 "$XZ" "${xzargs[@]}" "$work/small" 3>&1 >/dev/null 2>/dev/null |
    "$MMUSIM" run - --preset skylake --json "$work/l.json" --quiet
  nl=$(python3 -c "import json; print(json.load(open('$work/l.json'))['accesses'])")
  alone=(); empty=(); mm=(); mo=(); lk=()
  for _ in $(seq "$RUNS"); do
    alone+=("$(t qemu-x86_64 "$XZ" "${xzargs[@]}" "$work/input")")
    empty+=("$(t qemu-x86_64 -plugin "$COUNT" "$XZ" "${xzargs[@]}" "$work/input")")
    mm+=("$(t qemu-x86_64 -plugin "$PLUGIN,summary=/dev/null" "$XZ" "${xzargs[@]}" "$work/input")")
    mo+=("$(t qemu-x86_64 -plugin "$PLUGIN,summary=/dev/null,repeat=off" "$XZ" "${xzargs[@]}" "$work/input")")
    lk+=("$(t bash -c "valgrind --tool=lackey --trace-mem=yes --log-fd=3 '$XZ' ${xzargs[*]} '$work/small' 3>&1 >/dev/null 2>/dev/null | '$MMUSIM' run - --preset skylake --quiet")")
  done
  a=$(printf '%s\n' "${alone[@]}" | median)
  e=$(printf '%s\n' "${empty[@]}" | median)
  m=$(printf '%s\n' "${mm[@]}" | median)
  o=$(printf '%s\n' "${mo[@]}" | median)
  l=$(printf '%s\n' "${lk[@]}" | median)
  printf 'bench_qemu xz -3, %d thread(s) (%d vCPUs), %d KiB, %d M accesses (Lackey: %d KiB, %.1f M); medians of %d\n' \
    $threads "$vq" "$KB" $((nq / 1000000)) $((KB / 64)) "$(calc "$nl / 1000000")" "$RUNS"
  printf '  %-34s %8.2f s %9.1f M accesses/s\n' "QEMU alone" "$a" "$(calc "$nq / $a / 1000000")"
  printf '  %-34s %8.2f s %9.1f M accesses/s\n' "QEMU + empty counting plugin" "$e" "$(calc "$nq / $e / 1000000")"
  printf '  %-34s %8.2f s %9.1f M accesses/s  (%.1fx the empty plugin)\n' "QEMU + mmusim" "$m" \
    "$(calc "$nq / $m / 1000000")" "$(calc "$m / $e")"
  printf '  %-34s %8.2f s %9.1f M accesses/s  (%.1fx the empty plugin)\n' "QEMU + mmusim, repeat=off" "$o" \
    "$(calc "$nq / $o / 1000000")" "$(calc "$o / $e")"
  printf '  %-34s %8.2f s %9.1f M accesses/s  (mmusim plugin is %.0fx faster)\n' "Lackey | mmusim run -" "$l" \
    "$(calc "$nl / $l / 1000000")" "$(calc "($nq / $m) / ($nl / $l)")"
done
