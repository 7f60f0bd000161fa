# SPDX-License-Identifier: BSD-3-Clause
# Isolation through `mmusim run` (issue 10, items 1, 2 and 5): both halves of
# a page-crossing access stay valid when the second half's fault needs a
# frame, global mappings are refused, a wrapped access is refused with
# FILE:LINE, and a multi-process trace with page-crossing accesses under
# memory pressure never gives an access a frame of another process.
. "$(dirname "$0")/lib.inc"

# 1. Two data frames (x86_64: root, 3 tables, 2 frames = 24K), both in use,
# both with A set: the clock clears both and would take page 1's frame for
# page 2, while the access R 1ffc 8 still uses page 1 (it hit in the TLB).
printf 'R 1000 1\nR 3000 1\nR 1ffc 8\n' > "$TMP/cross.txt"
"$MMUSIM" run "$TMP/cross.txt" --set os.phys_mem=24K --check --per-access "$TMP/cross.csv" > /dev/null \
  && ok || bad "crossing at 24K: --check"
"$PY" - "$TMP/cross.csv" <<'P' && ok || bad "crossing at 24K: both halves in their own frames"
import csv, sys
rows = [r for r in csv.DictReader(open(sys.argv[1])) if r["access"] == "2"]
assert len(rows) == 2, rows
a, b = (int(r["paddr"], 16) >> 12 for r in rows)
assert a != b, rows
P
# One data frame only (20K): the access cannot hold both pages; the run
# says so instead of giving both halves one frame.
printf 'R 1ffc 8\n' > "$TMP/t.txt"
expect_fail "crossing at 20K" "could not handle a page fault" \
  "$MMUSIM" run "$TMP/t.txt" --set os.phys_mem=20K
# Every format: two data frames and the tables of both pages suffice.
for fmt in x86_64 x86_64_la57 sv39 sv48 sv57 aarch64_4k aarch64_16k aarch64_64k; do
  case $fmt in aarch64_16k) ps=16384;; aarch64_64k) ps=65536;; *) ps=4096;; esac
  "$PY" - "$TMP/c-$fmt.txt" "$ps" <<'P'
import sys
ps = int(sys.argv[2])
with open(sys.argv[1], "w") as f:
    f.write("R %x 1\nR %x 1\nR %x 8\n" % (ps, 3 * ps, 2 * ps - 4))
P
  "$MMUSIM" run "$TMP/c-$fmt.txt" --set walker.format=$fmt --set os.phys_mem=$((ps * 64)) --check \
    > /dev/null && ok || bad "crossing ($fmt): --check"
done

# 2. Global mappings: refused, with a message.
printf 'R 600000 8 asid=1\nR 600000 8 asid=2\n' > "$TMP/g.txt"
expect_fail "global --map" "g (global) is refused" "$MMUSIM" run "$TMP/g.txt" --map 1:600000:4096:rwug
"$MMUSIM" run "$TMP/g.txt" --map 1:600000:4096:rwu --check --per-access "$TMP/g.csv" > /dev/null \
  && ok || bad "non-global --map: --check"
"$PY" - "$TMP/g.csv" <<'P' && ok || bad "two processes, one address: two frames"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert len(rows) == 2 and rows[0]["paddr"] != rows[1]["paddr"], rows
P

# 5. A wrapped access (its bytes run past 2^64) is refused with FILE:LINE.
printf 'R 1000 8\nR ffffffffffffffff 8\n' > "$TMP/wrap.txt"
expect_fail "wrapped access (text)" "wrap.txt:2" "$MMUSIM" run "$TMP/wrap.txt"
printf '==1== x\n L 1000,8\n L fffffffffffffffc,8\n' > "$TMP/wrap.lackey"
expect_fail "wrapped access (lackey)" "wrap.lackey:3" "$MMUSIM" run "$TMP/wrap.lackey" --format lackey
printf 'R fffffffffffffff8 8\n' > "$TMP/edge.txt" # the last 8 bytes: no wrap
"$MMUSIM" run "$TMP/edge.txt" > /dev/null && ok || bad "the last 8 bytes of the address space"
"$PY" - "$TMP/wrap2.txt" <<'P'
import sys
open(sys.argv[1], "w").write("R 1000 8\nW fffffffffffffff9 8\n")
P
expect_fail "wrapped access (text, 1 byte over)" "wrap2.txt:2" "$MMUSIM" run "$TMP/wrap2.txt"
printf '0 ffffffffffffffff\n' > "$TMP/wrap.din"
expect_fail "wrapped access (din)" "wrap.din:1" "$MMUSIM" run "$TMP/wrap.din" --format din
# binary: the last 8 bytes, converted, then the record's address moved up by one
"$MMUSIM" convert "$TMP/edge.txt" "$TMP/edge.bin" --to binary > /dev/null || bad "convert edge"
"$PY" - "$TMP/edge.bin" "$TMP/wrap.bin" "$TMP/wrap.champsim" <<'P'
import struct, sys
b = bytearray(open(sys.argv[1], "rb").read())
va = struct.unpack_from("<Q", b, len(b) - 16)[0]
struct.pack_into("<Q", b, len(b) - 16, va + 1)
open(sys.argv[2], "wb").write(b)
r1, r2 = bytearray(64), bytearray(64)
struct.pack_into("<Q", r1, 0, 0x400000)
struct.pack_into("<Q", r2, 0, 0x400000)
struct.pack_into("<Q", r2, 32, 0xFFFFFFFFFFFFFFFA)  # a source operand of 8 bytes
open(sys.argv[3], "wb").write(r1 + r2)
P
"$MMUSIM" run "$TMP/edge.bin" > /dev/null && ok || bad "binary: the last 8 bytes"
expect_fail "wrapped access (binary)" "record 1: the access's bytes run past" "$MMUSIM" run "$TMP/wrap.bin"
expect_fail "wrapped access (champsim)" "record 2: an access runs past" \
  "$MMUSIM" run "$TMP/wrap.champsim" --format champsim

# Multi-process, memory pressure, page-crossing accesses: every translation
# matches its own process's page tables and a frame of that process
# (--check), and the two halves of a crossing never share a frame.
"$PY" - "$TMP/mix.txt" <<'P'
import random, sys
r = random.Random(7)
with open(sys.argv[1], "w") as f:
    for q in range(40):
        asid = 1 + q % 4
        for i in range(1000):
            page = r.randrange(96)
            if r.random() < 0.1:
                va, size = 0x10000000 + page * 4096 + 4092, 8  # crosses into page + 1
            else:
                va, size = 0x10000000 + page * 4096 + r.randrange(0, 4088), 8
            f.write("%s %x %d asid=%d\n" % ("W" if r.random() < 0.3 else "R", va, size, asid))
P
"$MMUSIM" run "$TMP/mix.txt" --set os.phys_mem=256K --check --json "$TMP/mix.json" \
  --per-access "$TMP/mix.csv" > /dev/null && ok || bad "multi-process mix: --check"
[ "$(json_get "$TMP/mix.json" 'j["page_crossings"]')" -gt 1000 ] && ok || bad "mix: page crossings"
[ "$(json_get "$TMP/mix.json" 'j["os"]["faults"]["major"]')" -gt 1000 ] && ok || bad "mix: memory pressure"
"$PY" - "$TMP/mix.csv" <<'P' && ok || bad "mix: the halves of a crossing in distinct frames"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
by = {}
for r in rows:
    by.setdefault(r["access"], []).append(int(r["paddr"], 16) >> 12)
n = sum(1 for v in by.values() if len(v) == 2)
assert n > 1000, n
assert all(v[0] != v[1] for v in by.values() if len(v) == 2)
P

finish
