# SPDX-License-Identifier: BSD-3-Clause
# The plugin on x86-64, aarch64 and riscv64 guests: a program touching N
# pages takes exactly N page faults more than with N = 0 (its own baseline,
# measured), and a pointer chase over more pages than the TLBs map misses
# the last-level TLB at every step while one over 16 pages does not.  Also
# the message for guest addresses outside the page-table format (riscv64's
# heap at 2^38 under Sv39) and for a preset of another architecture.
. "$(dirname "$0")/lib.inc"
need_tools qemu-x86_64 qemu-aarch64 qemu-riscv64 cc aarch64-linux-gnu-gcc riscv64-linux-gnu-gcc

faults() { json_get "$1" "j['total']['page_faults']"; }
llmiss() { json_get "$1" "j['total']['last_level_misses']"; }
STEPS=20000
for arch in x86_64 aarch64 riscv64; do
  build_guest $arch
  guest $arch "$TMP/b.json" set=os.thp=off -- 0 0 || bad "$arch: N=0"
  base=$(faults "$TMP/b.json")
  for n in 300 2000; do
    guest $arch "$TMP/n.json" set=os.thp=off -- $n 0 || bad "$arch: N=$n"
    expect_eq "$arch: page faults with $n pages (baseline $base)" "$(faults "$TMP/n.json")" $((base + n))
  done
  # TLB misses of the chase itself: the run with STEPS steps minus the same without
  for n in 16 4000; do
    guest $arch "$TMP/c0.json" set=os.thp=off -- $n 0 || bad "$arch: chase $n 0"
    guest $arch "$TMP/c1.json" set=os.thp=off -- $n $STEPS || bad "$arch: chase $n $STEPS"
    d=$(( $(llmiss "$TMP/c1.json") - $(llmiss "$TMP/c0.json") ))
    if [ $n -eq 16 ]; then
      [ $d -le $((STEPS / 100)) ] && ok || bad "$arch: chase over 16 pages: $d last-level misses in $STEPS steps (expected almost none)"
    else
      [ $d -ge $((STEPS * 95 / 100)) ] && [ $d -le $((STEPS * 105 / 100)) ] && ok ||
        bad "$arch: chase over $n pages: $d last-level misses in $STEPS steps (expected about one a step)"
    fi
  done
done

# riscv64 under Sv39: QEMU-user's heap at 2^38 does not fit; say so, suggest sv48
expect_fail "riscv64 under sv39" "set=walker.format=sv48" guest riscv64 "$TMP/x.json" preset=sifive_u74 -- 10 0
[ ! -e "$TMP/x.json" ] && ok || bad "a JSON file was written by a run that stopped"
# a preset of another architecture
expect_fail "x86 preset on aarch64" "not a page-table format of the aarch64 guest" guest aarch64 "$TMP/x.json" preset=skylake -- 0 0
finish
