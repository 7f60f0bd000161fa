#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Write every output of `mmusim run`, `sweep`, `merge`, `report`, `convert`
# and `gen` on the shipped traces into OUTDIR, so that two builds can be
# compared byte for byte (a re-house of the code must not move any of them):
#
#   bash scripts/golden-outputs.sh OLD_MMUSIM /tmp/before
#   bash scripts/golden-outputs.sh build/mmusim /tmp/after
#   diff -r /tmp/before /tmp/after
#
# Runs with MMUSIM_NO_THREADS=1 and fixed seeds; nothing here depends on
# the machine or the time (the HTML report's plots come from gnuplot, which
# must be installed on both sides).
set -euo pipefail
MMUSIM=$(realpath "$1")
OUT=$2
SRC=$(cd "$(dirname "$0")/.." && pwd)
rm -rf "$OUT"; mkdir -p "$OUT"
cd "$OUT"
export MMUSIM_NO_THREADS=1
ln -s "$SRC/traces" traces; T=traces
for t in xz gzip sort mawk; do
  "$MMUSIM" run "$T/$t.lackey.zst" --json "$t.json" --csv runs.csv --timeline 100000 > "$t.summary"
done
"$MMUSIM" run "$T/xz.lackey.zst" --preset zen2 --set os.phys_mem=1M --check --json xz-zen2.json > xz-zen2.summary
"$MMUSIM" run "$T/mawk.lackey.zst" --set walker.mode=fixed --set tlb.arrays=u --set tlb.u.entries=64 \
    --set tlb.u.ways=4 --set tlb.u.policy=lru --per-access mawk-per-access.csv --json mawk-u.json > mawk-u.summary
"$MMUSIM" run "$T/sort.lackey.zst" --preset cortex_a76 --set os.phys_mem=512K --warmup 100000 --json sort-a76.json > sort-a76.summary
for p in $("$MMUSIM" presets | awk 'NF {print $1}'); do
  "$MMUSIM" config --dump --preset "$p" > "config-$p.ini" 2>/dev/null || true
done
"$MMUSIM" config --dump > config-default.ini
"$MMUSIM" sweep "$T/mawk.lackey.zst" --vary tlb.stlb.entries=768,1536 --vary walker.count=1,2 -j 2 --out sweep.csv > sweep.log 2>&1
"$MMUSIM" sweep "$T/mawk.lackey.zst" --vary tlb.stlb.entries=768,1536 --vary walker.count=1,2 --shard 1/2 --out shard1.csv > /dev/null 2>&1
"$MMUSIM" sweep "$T/mawk.lackey.zst" --vary tlb.stlb.entries=768,1536 --vary walker.count=1,2 --shard 2/2 --out shard2.csv > /dev/null 2>&1
"$MMUSIM" merge merged.csv shard1.csv shard2.csv > merge.log 2>&1
sort sweep.csv > sweep.sorted.csv && rm sweep.csv
"$MMUSIM" report report.html xz.json gzip.json xz-zen2.json > report.log 2>&1
for f in text lackey din binary; do
  "$MMUSIM" convert "$T/sort.lackey.zst" "sort.$f.zst" --to "$f" > /dev/null
done
"$MMUSIM" convert "$T/xz.lackey.zst" xz.bin > /dev/null
"$MMUSIM" run xz.bin --json xz-bin.json > xz-bin.summary
"$MMUSIM" gen zipf zipf.bin --accesses 100000 --alpha 1.1 > /dev/null
"$MMUSIM" gen mix mix.txt --accesses 50000 > /dev/null 2>&1 || true
"$MMUSIM" run zipf.bin --json zipf.json > zipf.summary
rm traces; ls | wc -l
