#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Outputs of walk-heavy runs (traces made by `mmusim gen`, nearly every
# access a TLB miss) into OUTDIR, so that two builds can be compared byte
# for byte, as scripts/golden-outputs.sh does for the shipped traces:
#
#   bash scripts/golden-walk.sh OLD_MMUSIM /tmp/walk-before
#   bash scripts/golden-walk.sh build/mmusim /tmp/walk-after
#   diff -r /tmp/walk-before /tmp/walk-after
#
# Covers every page-table format with both PTE memory models, the walker
# pool (one and four walkers, a tiny in-flight table, merging off), page
# replacement, swap and shootdowns, THP, random frames, every preset,
# inclusive and exclusive fills, odd cache geometries, several processes
# and every TLB replacement policy; one run over 1M pages.  About a minute.
set -euo pipefail
M=$(realpath "$1")
rm -rf "$2"; mkdir -p "$2"
O=$(realpath "$2")
T=$(mktemp -d /tmp/golden-walk.XXXXXX)
trap 'rm -rf "$T"' EXIT
cd "$T" # the outputs name the traces: relative names, the same in every run
export MMUSIM_NO_THREADS=1
"$M" gen uniform w.bin --pages 64k --accesses 400k --seed 5 --write-ratio 0.3 --quiet
"$M" gen mix mix.bin --procs 4 --quantum 5000 --pattern uniform --pages 20000 --accesses 400k --seed 3 --quiet
"$M" gen zipf z.bin --pages 100000 --alpha 0.8 --accesses 400k --write-ratio 0.2 --seed 4 --quiet
"$M" gen uniform u1m.bin --pages 1M --accesses 2M --seed 1 --quiet
for f in x86_64 x86_64_la57 sv39 sv48 sv57 aarch64_4k aarch64_4k_39 aarch64_16k aarch64_64k; do
  for mode in cache fixed; do
    "$M" run w.bin --set walker.format=$f --set ptemem.mode=$mode --json "$O/w-$f-$mode.json" > "$O/w-$f-$mode.txt"
  done
done
i=0
while read -r trace args; do
  i=$((i+1))
  # shellcheck disable=SC2086 # args are words
  "$M" run "$trace" $args --json "$O/c$i.json" > "$O/c$i.txt" 2>&1 || echo "rc $?" >> "$O/c$i.txt"
done <<'LIST'
w.bin --set walker.count=1
w.bin --set walker.count=4 --set walker.max_inflight=4
w.bin --set walker.max_inflight=2
w.bin --set walker.merge=off
w.bin --set os.phys_mem=64M
w.bin --set os.phys_mem=32M --set os.remote_cores=2
w.bin --set os.thp=on
w.bin --set os.frame_alloc=random
w.bin --preset zen2
w.bin --preset apple_m1
w.bin --preset champsim
w.bin --preset cortex_a72 --set os.phys_mem=64M
w.bin --preset golden_cove
w.bin --preset rocket
w.bin --preset sifive_u74 --set os.phys_mem=80M
w.bin --preset skylake
z.bin --preset neoverse_n1
w.bin --preset cortex_a76 --set os.phys_mem=100M
w.bin --set tlb.fill=inclusive
w.bin --set tlb.fill=exclusive
w.bin --set ptemem.llc.size=6M --set ptemem.llc.ways=12 --set ptemem.l2.size=320K --set ptemem.l2.ways=5 --set ptemem.l1d.size=24K --set ptemem.l1d.ways=6
w.bin --set ptemem.line_size=128
mix.bin
mix.bin --set os.phys_mem=48M
z.bin
z.bin --set os.phys_mem=200M --set os.thp=on
z.bin --set tlb.stlb.policy=srrip --set tlb.l1d.policy=plru
z.bin --set tlb.stlb.policy=random --set tlb.l1d.policy=fifo
z.bin --set tlb.stlb.policy=nru
u1m.bin --set os.phys_mem=8G
LIST
"$M" run w.bin --set os.phys_mem=64M --per-access "$O/per-access.csv" > /dev/null
