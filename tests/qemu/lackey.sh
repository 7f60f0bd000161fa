# SPDX-License-Identifier: BSD-3-Clause
# The same x86-64 program under Valgrind Lackey piped into `mmusim run -`
# and under the QEMU plugin, with the same configuration: last-level (STLB)
# misses agree within 2% + 8 and page faults within 1% + 8 pages.  (Measured:
# within 0.01% and 3 pages; the baseline differs in glibc's start-up code.)
. "$(dirname "$0")/lib.inc"
need_tools qemu-x86_64 cc valgrind

build_guest x86_64
check() { # NAME EXPR-A EXPR-B TOLERANCE-EXPR
  local a b
  a=$(json_get "$TMP/l.json" "$2")
  b=$(json_get "$TMP/q.json" "$3")
  "$PY" -c "import sys; a,b=$a,$b; sys.exit(0 if abs(a-b) <= $4 else 1)" && ok ||
    bad "$1: Lackey $a, QEMU $b (allowed: $4)"
}
for args in "0 0" "3000 40000" "8000 20000"; do
  valgrind --tool=lackey --trace-mem=yes --log-fd=3 "$TMP/fp-x86_64" $args 3>&1 >/dev/null |
    "$MMUSIM" run - --preset skylake --set os.thp=off --json "$TMP/l.json" --quiet || bad "lackey $args"
  guest x86_64 "$TMP/q.json" preset=skylake set=os.thp=off -- $args || bad "qemu $args"
  check "STLB misses ($args)" "j['tlb_levels'][-1]['misses']" "j['total']['last_level_misses']" "0.02 * max(a, b) + 8"
  check "page faults ($args)" "j['walker']['page_faults']" "j['total']['page_faults']" "0.01 * max(a, b) + 8"
done
finish
