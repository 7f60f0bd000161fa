# SPDX-License-Identifier: BSD-3-Clause
# The OS model through `mmusim run`: exact minor-fault counts, memory
# pressure (a footprint larger than physical memory still runs, with major
# faults), write-back only of dirty pages, two processes isolated, THP,
# faults that are not demand faults, and the shadow check on a shipped trace.
. "$(dirname "$0")/lib.inc"

# N distinct pages, each touched twice: N minor faults, nothing else.
"$PY" - "$TMP" <<'P'
import sys
d = sys.argv[1]
with open(d + "/touch.txt", "w") as f:
    for r in range(2):
        for p in range(300):
            f.write("R %x 8\n" % (0x10000000 + p * 4096))
with open(d + "/wsweep.txt", "w") as f, open(d + "/rsweep.txt", "w") as g:
    for r in range(3):
        for p in range(64):
            f.write("W %x 8\n" % (0x20000000 + p * 4096))
            g.write("R %x 8\n" % (0x20000000 + p * 4096))
with open(d + "/two.txt", "w") as f:
    for r in range(4):
        for p in range(50):
            for asid in (1, 2):
                f.write("W %x 8 asid=%d\n" % (0x30000000 + p * 4096, asid))
with open(d + "/big.txt", "w") as f:
    for p in range(4 * 512):  # 8 MiB, 2M-aligned
        f.write("R %x 8\n" % (0x40000000 + p * 4096))
with open(d + "/bad.txt", "w") as f:
    f.write("R 1000 8\nR 8000000000000000 8\nR 2000 8\n")
P
"$MMUSIM" run "$TMP/touch.txt" --quiet --json "$TMP/touch.json" --check || bad "touch run"
expect_eq "N pages N minor faults" "$(json_get "$TMP/touch.json" 'j["os"]["faults"]["minor"]')" 300
expect_eq "no major fault" "$(json_get "$TMP/touch.json" 'j["os"]["faults"]["major"]')" 0
expect_eq "process vms" "$(json_get "$TMP/touch.json" 'j["os"]["processes"][0]["vms"]')" $((300 * 4096))

# Physical memory of 48 frames: 4 page-table frames + 44 data frames, for a
# cyclic sweep of 64 pages: every page faults on every round (the clock
# hand behaves as FIFO when each page is touched once per round).
"$MMUSIM" run "$TMP/wsweep.txt" --set os.phys_mem=192K --json "$TMP/w.json" --check > "$TMP/w.out" || bad "write sweep under pressure"
expect_eq "sweep minor" "$(json_get "$TMP/w.json" 'j["os"]["faults"]["minor"]')" 64
expect_eq "sweep major" "$(json_get "$TMP/w.json" 'j["os"]["faults"]["major"]')" 128
expect_eq "dirty victims written back" "$(json_get "$TMP/w.json" 'j["os"]["writebacks"]')" \
  "$(json_get "$TMP/w.json" 'j["os"]["evictions"]')"
grep -q "is larger than physical memory" "$TMP/w.out" && ok || bad "summary says the footprint exceeds memory"
"$MMUSIM" run "$TMP/rsweep.txt" --set os.phys_mem=192K --quiet --json "$TMP/r.json" --check || bad "read sweep"
expect_eq "read sweep: no write-back" "$(json_get "$TMP/r.json" 'j["os"]["writebacks"]')" 0
expect_eq "read sweep: zero pages come back as minor faults" "$(json_get "$TMP/r.json" 'j["os"]["faults"]["major"]')" 0

# Two processes at the same virtual addresses: their own frames (--check looks at every frame's owner).
"$MMUSIM" run "$TMP/two.txt" --quiet --json "$TMP/two.json" --check || bad "two processes"
expect_eq "two processes" "$(json_get "$TMP/two.json" 'len(j["os"]["processes"])')" 2
expect_eq "their minor faults" "$(json_get "$TMP/two.json" '[p["minor_faults"] for p in j["os"]["processes"]]')" "[50, 50]"

# THP: 512x fewer minor faults on an aligned 8 MiB sweep.
"$MMUSIM" run "$TMP/big.txt" --quiet --json "$TMP/b4k.json" || bad "thp off"
"$MMUSIM" run "$TMP/big.txt" --set os.thp=on --quiet --json "$TMP/b2m.json" --check || bad "thp on"
expect_eq "4K faults" "$(json_get "$TMP/b4k.json" 'j["os"]["faults"]["minor"]')" 2048
expect_eq "2M faults" "$(json_get "$TMP/b2m.json" 'j["os"]["faults"]["minor"]')" 4

# A fault that is not a demand fault (non-canonical address): counted, and --on-fault stop stops.
"$MMUSIM" run "$TMP/bad.txt" --quiet --json "$TMP/bad.json" || bad "continue on fault"
expect_eq "non-canonical counted" "$(json_get "$TMP/bad.json" 'j["faults"]["noncanonical"]')" 1
expect_eq "run went on" "$(json_get "$TMP/bad.json" 'j["accesses"]')" 3
expect_fail "stop on fault" "access 1 (R 0x8000000000000000, asid 0): non-canonical" \
  "$MMUSIM" run "$TMP/bad.txt" --on-fault stop
expect_fail "memory too small" "os.phys_mem" "$MMUSIM" run "$TMP/touch.txt" --set os.phys_mem=8K

# A region mapped for the kernel only: user accesses fault (user_super), reported, not resolved;
# a read-only region refuses writes.
printf 'R 50000000 8\nR 50001000 8\nW 60000000 8\nR 60000008 8\nR 70000000 8\n' > "$TMP/prot.txt"
"$MMUSIM" run "$TMP/prot.txt" --map 0:50000000:8192:rw --map 0:60000000:4096:ru --quiet --json "$TMP/prot.json" --check || bad "protected regions"
expect_eq "user access to kernel pages" "$(json_get "$TMP/prot.json" 'j["faults"]["user_super"]')" 2
expect_eq "write to read-only" "$(json_get "$TMP/prot.json" 'j["faults"]["write_ro"]')" 1
expect_eq "protection faults counted by the OS" "$(json_get "$TMP/prot.json" 'j["os"]["faults"]["protection"]')" 3
expect_fail "bad --map" "expected ASID:HEXADDR:BYTES:PROT" "$MMUSIM" run "$TMP/prot.txt" --map 0:50000000:8192:rq

# The shadow check on a real trace under memory pressure, every supported format family.
for fmt in x86_64 sv39 aarch64_4k; do
  "$MMUSIM" run "$SRC/traces/mawk.lackey.zst" --set walker.format=$fmt --set os.phys_mem=512K \
    --check --quiet --json "$TMP/m.json" || bad "check on mawk ($fmt)"
  [ "$(json_get "$TMP/m.json" 'j["os"]["faults"]["major"]')" -gt 0 ] && ok || bad "mawk $fmt: memory pressure gives major faults"
done

finish
