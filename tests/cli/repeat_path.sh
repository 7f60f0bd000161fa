# SPDX-License-Identifier: BSD-3-Clause
# The run loop's repeat path (io/replay.c: bin_run; MMUSIM_NO_REPEAT=1 turns
# it off): on mmusim binary traces, every output of `mmusim run` (the text
# summary, the JSON, stderr, the exit status) is byte-identical with and
# without it, over shipped and synthetic traces (ASIDs, VM ids, dirty
# re-walks, page crossings, 4096-byte accesses, fetches, generators), many
# configurations (policies, presets, OS memory pressure, THP, virtualization,
# warm-ups) and bad records at the start, the middle and the end.
. "$(dirname "$0")/lib.inc"
MMUSIM=$(cd "$(dirname "$MMUSIM")" && pwd)/$(basename "$MMUSIM")
SRC=$(cd "$SRC" && pwd)
unset MMUSIM_NO_REPEAT MMUSIM_NO_THREADS
cd "$TMP" || exit 1
mkdir -p o

# runcmp EXPECT NAME ARGS...: `mmusim run ARGS` with and without the repeat
# path; EXPECT: ok (exit 0), fail (non-zero, a message) or any (identical only).
# Standard input: $RUNCMP_IN (default /dev/null), given to each run.
runcmp() {
  local want=$1 name=$2 v
  shift 2
  for v in a b; do
    rm -f o/r.json
    if [ $v = a ]; then
      "$MMUSIM" run "$@" --json o/r.json < "${RUNCMP_IN:-/dev/null}" > o/$v.out 2> o/$v.err
    else
      MMUSIM_NO_REPEAT=1 "$MMUSIM" run "$@" --json o/r.json < "${RUNCMP_IN:-/dev/null}" > o/$v.out 2> o/$v.err
    fi
    echo $? > o/$v.rc
    if [ -e o/r.json ]; then mv o/r.json o/$v.json; else echo "(no json)" > o/$v.json; fi
  done
  local f diffs=""
  for f in rc out err json; do
    cmp -s o/a.$f o/b.$f || diffs="$diffs $f"
  done
  if [ -n "$diffs" ]; then
    bad "$name: repeat path vs MMUSIM_NO_REPEAT=1 differ in:$diffs (mmusim run $*)"
    for f in $diffs; do diff o/a.$f o/b.$f | head -n 8; done
    return
  fi
  case $want in
    ok) [ "$(cat o/a.rc)" = 0 ] && ok || { bad "$name: exit status $(cat o/a.rc)"; head -n 3 o/a.err; } ;;
    fail) [ "$(cat o/a.rc)" != 0 ] && [ -s o/a.err ] && ok || bad "$name: expected a failure with a message" ;;
    *) ok ;;
  esac
}

# ---- traces ----
# The first 200k accesses of two shipped traces, as binary (zstd and plain).
for t in sort mawk; do
  zstd -dc "$SRC/traces/$t.lackey.zst" | head -n 200000 > $t.lackey
  "$MMUSIM" convert $t.lackey $t.bin.zst --to binary --quiet || bad "convert $t"
  "$MMUSIM" convert $t.lackey $t.bin --to binary --quiet || bad "convert $t plain"
done

# Synthetic text traces: runs of accesses on a page (what repeats), ASIDs,
# VM ids, pages sharing a TLB set (evictions of a repeating page), writes to
# pages first read (dirty re-walks), page crossings, 4096-byte accesses,
# fetches, and a sweep over more pages than a small OS memory holds.
"$PY" - <<'EOF' || bad "synthetic traces"
import random

def trace(path, n, seed, asids, vmids, sweep=0):
    rnd = random.Random(seed)
    # data pages: 8 colliding in one set of a 16-set l1d (stride 64K), 24 others; code pages apart
    data = [0x10000000 + k * 0x10000 for k in range(8)] + [0x20000000 + rnd.randrange(4096) * 4096 for _ in range(24)]
    code = [0x400000 + k * 4096 for k in range(6)] + [0x400000 + k * 0x10000 for k in range(1, 6)]
    out = []
    asid, vmid, i = asids[0], vmids[0], 0
    while i < n:
        if rnd.random() < 0.05:
            asid = rnd.choice(asids)
        if rnd.random() < 0.02:
            vmid = rnd.choice(vmids)
        tail = (" asid=%d" % asid if asid else "") + (" vmid=%d" % vmid if vmid else "")
        if sweep and rnd.random() < 0.02:  # a cold page of a large region
            out.append("R 0x%x 8%s" % (0x40000000 + rnd.randrange(sweep) * 4096, tail))
            i += 1
            continue
        fetch = rnd.random() < 0.3
        page = rnd.choice(code if fetch else data)
        for _ in range(rnd.choice([1, 2, 5, 20, 60, 200])):
            r = rnd.random()
            if fetch:
                op, size, off = "X", rnd.choice([1, 2, 4, 4, 15]), rnd.randrange(4096 - 16)
            else:
                op = "W" if rnd.random() < 0.15 else "R"
                size, off = rnd.choice([1, 2, 4, 8, 8, 8, 16, 64]), rnd.randrange(0, 4096 - 64, 4)
            if r < 0.01:
                size, off = 8, 0xffc              # crosses into the next page
            elif r < 0.015:
                size, off = 4096, 0               # a whole page
            elif r < 0.02:
                size, off = 4096, 0x800           # 4096 bytes across two pages
            elif r < 0.025:
                size, off = rnd.choice([1, 8, 64]), 4096 - rnd.choice([1, 8, 64])  # the page's last bytes
            out.append("%s 0x%x %d%s" % (op, page + off, size, tail))
            i += 1
    open(path, "w").write("\n".join(out[:n]) + "\n")

trace("noasid.txt", 60000, 1, [0], [0])
trace("asids.txt", 60000, 2, [0, 1, 2, 3, 7], [0])
trace("vms.txt", 60000, 3, [0, 1, 2], [0, 1, 2])
trace("sweep.txt", 60000, 4, [1, 2], [0], sweep=300)
EOF
for t in noasid asids vms sweep; do
  "$MMUSIM" convert $t.txt $t.bin --to binary --quiet || bad "convert $t"
done
zstd -q -f asids.bin -o asids.bin.zst

# Generators (docs/generators.md), converted to binary.
"$MMUSIM" gen uniform g1.txt --pages 96 --accesses 40000 --write-ratio 0.3 --quiet &&
"$MMUSIM" gen zipf g2.txt --pages 3000 --accesses 40000 --quiet &&
"$MMUSIM" gen mix g3.txt --procs 4 --vms 2 --quantum 700 --accesses 40000 --write-ratio 0.2 --quiet &&
"$MMUSIM" gen strided g4.txt --stride 64 --size 16 --accesses 40000 --quiet &&
"$MMUSIM" gen chase g5.txt --pages 200 --accesses 40000 --quiet &&
"$MMUSIM" gen sequential g6.txt --size 4096 --accesses 20000 --quiet || bad "gen"
for g in g1 g2 g3 g4 g5 g6; do
  "$MMUSIM" convert $g.txt $g.bin.zst --to binary --quiet || bad "convert $g"
done

# ---- configurations ----
UTLB="--set tlb.arrays=u --set tlb.u.entries=64 --set tlb.u.ways=4 --set tlb.u.policy=lru"
CONFIGS=(
  ""
  "--set walker.mode=fixed $UTLB"
  "--set os.phys_mem=384K"
  "--set os.phys_mem=384K --set os.frame_alloc=random --set os.remote_cores=2"
  "--set os.thp=on"
  "--set virt.enabled=on"
  "--set tlb.fill=inclusive"
  "--set tlb.fill=exclusive --set core.max_outstanding=1 --set core.issue_interval=3"
  "--set ptemem.data=off --set walker.ad=hardware"
  "--set ptemem.mode=fixed --set walker.count=1 --set walker.merge=off"
  "--set walker.format=sv39 --set walker.ad=fault"
  "--set walker.format=aarch64_64k"
  "--set walker.format=aarch64_16k --set os.phys_mem=512K"
  "--set os.thp=on --set virt.enabled=on --set virt.host_thp=on"
  "--set tlb.l1d.entries=4 --set tlb.l1d.ways=4 --set tlb.l1i.entries=2 --set tlb.l1i.ways=1"
  "--set tlb.l1d.latency=3 --set tlb.l1i.latency=2 --set pwc.l1.entries=0 --set pwc.l2.entries=0"
  "--set ptemem.l1d.size=1K --set ptemem.l2.size=0 --set ptemem.llc.size=64K"
  "--set core.issue_interval=0 --set core.max_outstanding=256"
  "--set core.issue_interval=4 --set core.max_outstanding=2 --set tlb.l1d.latency=4 --set tlb.l1i.latency=2"
  "--set core.issue_interval=2 --set core.max_outstanding=3 --set walker.mode=fixed $UTLB --set tlb.u.latency=3"
  "--prefault 1:10000000:1048576 --prefault 2:20000000:16777216"
  "--map 1:10000000:1048576:ru --map 0:10000000:1048576:r"
  "--set os.enabled=off --set map.regions=0x10000000:0x100000:1M:rw,0x20000000:0x40000000:16M:rw:2M,0x400000:0x1000000:1M:rx --set map.table_base=0x8000000 --set map.table_size=1M"
)
for pol in lru fifo random plru nru srrip; do
  CONFIGS+=("--set tlb.l1i.policy=$pol --set tlb.l1d.policy=$pol --set tlb.l1d_2m.policy=$pol --set tlb.stlb.policy=$pol --set mmu.seed=7")
  CONFIGS+=("--set walker.mode=fixed ${UTLB%lru}$pol")
done
for p in "$SRC"/presets/*.ini; do
  CONFIGS+=("--preset $(basename "$p" .ini)")
done
# a few configurations for the smaller traces
SOME=("" "--set walker.mode=fixed $UTLB" "--set os.phys_mem=768K" "--set virt.enabled=on"
      "--set tlb.l1d.policy=srrip --set tlb.l1i.policy=plru" "--preset skylake_vm" "--preset rocket")

# every configuration on the shipped traces and the synthetic ones
for t in sort.bin.zst mawk.bin noasid.bin asids.bin.zst vms.bin sweep.bin; do
  for c in "${CONFIGS[@]}"; do
    # shellcheck disable=SC2086
    runcmp ok "$t [$c]" $t $c
  done
done
for t in g1 g2 g3 g4 g5 g6; do
  for c in "${SOME[@]}"; do
    # shellcheck disable=SC2086
    runcmp ok "$t [$c]" $t.bin.zst $c
  done
done
# the decoded accesses of the other formats (plain_run_rep): Lackey, din, text
"$MMUSIM" convert sort.lackey sort.din --to din --quiet 2>/dev/null || bad "convert sort din"
for t in sort.lackey sort.din asids.txt vms.txt; do
  for c in "${SOME[@]}" "--set walker.mode=fixed ${UTLB%lru}plru" "--set walker.mode=fixed ${UTLB%lru}nru"; do
    # shellcheck disable=SC2086
    runcmp ok "$t [$c]" $t $c
  done
done

# warm-ups: 0, 1, around a batch, inside the trace, its last access; the whole trace and beyond (refused)
for w in 0 1 4095 4096 4097 65537 150000 199993; do
  runcmp ok "sort warmup $w" sort.bin.zst --warmup $w
  runcmp ok "sort warmup $w fixed" sort.bin --warmup $w --set walker.mode=fixed $UTLB
done
for w in 199994 5000000; do
  runcmp fail "sort warmup $w" sort.bin --warmup $w
done
for w in 0 1 30000 59999; do
  runcmp ok "asids warmup $w" asids.bin --warmup $w --set os.phys_mem=384K
  runcmp ok "vms warmup $w" vms.bin --warmup $w --preset neoverse_n1_vm
done

# several traces in one run (the warm-up ending in the second), a text trace before a binary one, stdin
runcmp ok "two traces" sort.bin.zst asids.bin
runcmp ok "two traces, warm-up in the second" sort.bin asids.bin.zst --warmup 230000
runcmp ok "two traces, warm-up ends at the second's first access" sort.bin asids.bin --warmup 199994
runcmp ok "two traces, warm-up ends at the second's second access" sort.bin.zst asids.bin --warmup 199995
runcmp ok "two traces, fixed" mawk.bin sort.bin --set walker.mode=fixed $UTLB
runcmp ok "text then binary" asids.txt asids.bin --set os.phys_mem=384K
runcmp ok "binary then text then binary" vms.bin vms.txt g3.bin.zst --set virt.enabled=on
RUNCMP_IN=sort.bin runcmp ok "stdin" - --format binary
RUNCMP_IN=vms.bin runcmp ok "stdin, virtualized" - --format binary --set virt.enabled=on

# --csv: the same row either way
for v in a b; do
  rm -f o/$v.csv
  if [ $v = a ]; then
    "$MMUSIM" run sort.bin asids.bin --quiet --csv o/$v.csv --set os.phys_mem=384K || bad "csv run"
  else
    MMUSIM_NO_REPEAT=1 "$MMUSIM" run sort.bin asids.bin --quiet --csv o/$v.csv --set os.phys_mem=384K || bad "csv run"
  fi
done
cmp -s o/a.csv o/b.csv && ok || bad "csv rows differ"

# a binary trace with cycles (the repeat path stays off: the same either way)
awk '{ print $0 " cycle=" NR * 3 }' asids.txt > cyc.txt
"$MMUSIM" convert cyc.txt cyc.bin --to binary --quiet || bad "convert cyc"
runcmp ok "cycles" cyc.bin
runcmp ok "cycles after no cycles" asids.bin cyc.bin

# the OS model failing in the middle (no frame left): the same message, naming the same access;
# osfail: 500 reads of one page, then reads 2 MiB apart (each needs a new page table)
"$PY" -c "print('\n'.join(['R 0x10000000 8'] * 500 + ['R 0x%x 8' % (0x20000000 + k * 0x200000) for k in range(64)]))" > osfail.txt
"$MMUSIM" convert osfail.txt osfail.bin --to binary --quiet || bad "convert osfail"
runcmp fail "OS model fails after repeats" osfail.bin --set os.phys_mem=64K --set os.swap_size=16K
# ... and the message names the access it failed on (0-based: 500 + 11), on both paths, from
# the binary and the text trace, on one thread and two (it named the batch's first access before)
for tr in osfail.bin osfail.txt; do
  for nt in "" 1; do
    msg=$(env ${nt:+MMUSIM_NO_THREADS=1} "$MMUSIM" run $tr --set os.phys_mem=64K --set os.swap_size=16K --quiet 2>&1 >/dev/null)
    case "$msg" in
      *"$tr: access 511 (0x21600000, asid 0): the OS model could not handle a page fault"*) ;;
      *) bad "OS model failure on $tr (threads off: ${nt:-no}) names another access: $msg" ;;
    esac
    ok
  done
done
runcmp fail "OS model fails, ASIDs" asids.bin --set os.phys_mem=192K
runcmp fail "OS model fails, generator mix" g3.bin.zst --set os.phys_mem=192K
runcmp fail "swap full" sweep.bin --set os.phys_mem=64K --set os.swap_size=256K
runcmp any "swap full, two traces" asids.bin sweep.bin --set os.phys_mem=96K --set os.swap_size=512K

# ---- bad records ----
"$PY" - <<'EOF' || bad "bad binaries"
import struct
MAGIC = b"\x89MMUTR\r\n"
UNKNOWN = 0xffffffffffffffff

def rec(va, info, delta=0, asid=0):
    return struct.pack("<QIHH", va, delta, asid, info)

def good(n):  # runs on a few pages (repeats), a read then writes, fetches
    out = []
    for i in range(n):
        page = 0x10000000 + ((i // 700) % 5) * 4096
        if i % 11 == 5:
            out.append(rec(0x400000 + (i // 300 % 3) * 4096 + (i * 4) % 4000, 4 | 2 << 13))
        else:
            out.append(rec(page + (i * 8) % 4088, 8 | (1 if i % 9 == 0 else 0) << 13))
    return out

def write(name, recs, flags=0, count=None, tail=b""):
    c = len(recs) if count is None else count
    hdr = MAGIC + struct.pack("<HHHHQQ", 1, 32, 16, flags, c, 0)
    open(name, "wb").write(hdr + b"".join(recs) + tail)

N = 30000
bad = {
    "size0": (rec(0x10000010, 0), 0),
    "size5000": (rec(0x10000010, 5000), 0),
    "size8191": (rec(0x10000010, 8191 | 1 << 13), 0),
    "ctl7": (rec(0x10000010, 7 | 3 << 13), 0),
    "ctl0": (rec(0, 0 | 3 << 13), 0),
    "asid": (rec(0x10000010, 8, asid=3), 0),
    "cyclebit": (rec(0x10000010, 8 | 1 << 15, delta=5), 0),
    "cyclebit0": (rec(0x10000010, 8 | 1 << 15), 0),
    "delta": (rec(0x10000010, 8, delta=7), 0),
    "setvm_noflag": (rec(1, 2 | 3 << 13), 0),
    "vm_range": (rec(70000, 2 | 3 << 13), 4),
    "type3_size": (rec(0x10000010, 8 | 3 << 13), 0),
}
names = []
for kind, (r, flags) in bad.items():
    for where, pos in (("first", 0), ("middle", N // 2), ("last", N)):
        recs = good(N)
        recs.insert(pos, r)
        for cname, count in (("known", None), ("unknown", UNKNOWN)):
            name = "bad-%s-%s-%s.bin" % (kind, where, cname)
            write(name, recs, flags, count)
            names.append(name)
# a truncated last record; a count that says fewer or more records; an empty trace
write("trunc-unknown.bin", good(N), 0, UNKNOWN, tail=rec(0x10000010, 8)[:7])
write("trunc-known.bin", good(N), 0, N + 1, tail=rec(0x10000010, 8)[:9])
write("count-more.bin", good(N), 0, N + 1)
write("count-less.bin", good(N), 0, N - 1)
write("empty.bin", [], 0)
write("only-setvm.bin", [rec(1, 2 | 3 << 13)], 4)
# set-VM records between repeats, valid (flag bit 2)
recs = good(N)
for k in range(N, 0, -3001):
    recs.insert(k, rec((k // 3001) % 3, 2 | 3 << 13))
write("setvm-ok.bin", recs, 4)
open("bad-list", "w").write("\n".join(names) + "\n")
EOF
while read -r f; do
  runcmp fail "$f" "$f"
done < bad-list
for f in trunc-unknown trunc-known count-more count-less empty only-setvm; do
  runcmp fail "$f" $f.bin
done
runcmp ok "set-VM records" setvm-ok.bin
runcmp ok "set-VM records, virtualized" setvm-ok.bin --set virt.enabled=on
for f in bad-size0-middle-unknown bad-asid-middle-unknown bad-ctl7-last-unknown bad-cyclebit-first-unknown \
         bad-delta-middle-unknown trunc-unknown empty; do
  zstd -q -f $f.bin -o $f.bin.zst
  runcmp fail "$f.zst" $f.bin.zst
  runcmp fail "$f, fixed, warm-up" $f.bin --set walker.mode=fixed $UTLB --warmup 100
  runcmp fail "$f after a good trace" sort.bin $f.bin
done

finish
