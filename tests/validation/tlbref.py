#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""tlbref.py - an independent reference model of ONE unified TLB.

It exists to validate mmusim's TLB arrays count for count: it reads a
Valgrind Lackey trace (valgrind --tool=lackey --trace-mem=yes), looks every
access up in a single set-associative TLB that serves instruction fetches,
loads and stores alike, and prints

    {"accesses": A, "translations": T, "lookups": L,
     "hits": H, "misses": M, "evictions": V}

It is written from the rules in docs/validation.md (mmusim's documented
specification), NOT from mmusim's C code, and uses the Python standard
library only.  The rules, in short:

  * Lackey lines "I  addr,size" (fetch), " L addr,size" (read),
    " S addr,size" (write), " M addr,size" (modify = ONE write access).
    Lines starting with "==" (Valgrind commentary) and blank lines are
    ignored; anything else is an error naming the line.  Addresses are hex.
  * 4 KiB pages.  An access of `size` bytes at `a` translates page a>>12 and,
    if different, page (a+size-1)>>12 too.  Each translation is one lookup.
  * E entries, W ways, S = E/W sets (any S), set = vpn % S, tag = vpn.
  * Hit: the policy's hit update.  Miss: fill at once; the lowest-index
    empty way if there is one (no eviction), else the policy's victim
    (one eviction); then the policy's fill update for that way.
  * Policies lru, fifo, random, nru, srrip, plru: see the classes below.

Usage:
    tlbref.py TRACE --entries E --ways W --policy P [--seed N]

TRACE may be a plain file, "-" (standard input), or compressed with zstd
(piped through `zstd -dc`), gzip or xz; the compression is recognised by its
magic number, whatever the file name.

Speed: the trace is parsed a few megabytes at a time with one regular
expression, and the per-lookup work is one dict probe plus, on a hit, the
policy's O(1) update (O(log W) for plru).  One shortcut is taken: when a
lookup HIT, a lookup of the same page right after it is a hit again that
changes no state under any of these policies (a second hit update of the
entry just hit is idempotent, and LRU's recency order is unchanged), so it is
only counted.  (After a miss the shortcut is not taken: SRRIP's hit update
differs from its fill update.)
--no-shortcut turns this off; tests/validation/test_tlbref.py checks that
both give identical counts.
"""

import argparse
import gzip
import json
import lzma
import re
import subprocess
import sys
import time
from itertools import repeat

PAGE_SHIFT = 12
MASK64 = (1 << 64) - 1

POLICIES = ("lru", "fifo", "random", "nru", "srrip", "plru")


class TraceError(Exception):
    """A malformed trace line or an unreadable trace."""


# --------------------------------------------------------------------------
# Random numbers: splitmix64 for the seed, xorshift64* for the draws.
# --------------------------------------------------------------------------

def splitmix64(x):
    """One step of splitmix64 applied to x (used once, to seed xorshift64*)."""
    z = (x + 0x9E3779B97F4A7C15) & MASK64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
    return z ^ (z >> 31)


class XorShift64Star:
    """xorshift64*: state ^= >>12, ^= <<25, ^= >>27; output state * M."""

    def __init__(self, seed):
        s = splitmix64(seed & MASK64)
        self.state = s if s != 0 else 1

    def next(self):
        x = self.state
        x ^= x >> 12
        x ^= (x << 25) & MASK64
        x ^= x >> 27
        self.state = x
        return (x * 0x2545F4914F6CDD1D) & MASK64


# --------------------------------------------------------------------------
# Replacement policies.  Each one keeps its own per-way state in flat lists
# indexed by slot = set * W + way.  Contract:
#   hit(s, slot)   - the entry in `slot` (of set s) was hit;
#   victim(s, base)- the set starting at slot `base` is full: return the way
#                    (0..W-1) to replace;
#   fill(s, slot)  - a new page was just written into `slot`.
# --------------------------------------------------------------------------

class LRU:
    """True LRU: the victim is the way whose last use (fill or hit) is oldest."""

    has_hit_update = True

    def __init__(self, sets, ways, seed):
        self.w = ways
        self.last = [0] * (sets * ways)
        self.clock = 0

    def hit(self, s, slot):
        self.clock += 1
        self.last[slot] = self.clock

    def fill(self, s, slot):
        self.clock += 1
        self.last[slot] = self.clock

    def victim(self, s, base):
        last = self.last
        oldest = base
        for i in range(base + 1, base + self.w):
            if last[i] < last[oldest]:
                oldest = i
        return oldest - base


class FIFO:
    """FIFO: the victim is the way filled longest ago; hits change nothing."""

    has_hit_update = False

    def __init__(self, sets, ways, seed):
        self.w = ways
        self.filled_at = [0] * (sets * ways)
        self.clock = 0

    def hit(self, s, slot):
        pass

    def fill(self, s, slot):
        self.clock += 1
        self.filled_at[slot] = self.clock

    def victim(self, s, base):
        f = self.filled_at
        oldest = base
        for i in range(base + 1, base + self.w):
            if f[i] < f[oldest]:
                oldest = i
        return oldest - base


class Random:
    """Random: victim = next() % W from one xorshift64* per TLB, drawn only
    when the set is full."""

    has_hit_update = False

    def __init__(self, sets, ways, seed):
        self.w = ways
        self.rng = XorShift64Star(seed)

    def hit(self, s, slot):
        pass

    def fill(self, s, slot):
        pass

    def victim(self, s, base):
        return self.rng.next() % self.w


class NRU:
    """Not recently used: one bit per way, 0 at first.  A hit or fill of way
    w sets bit w, then if every bit of the set is 1, clears all but w.  The
    victim is the lowest-index way whose bit is 0."""

    has_hit_update = True

    def __init__(self, sets, ways, seed):
        self.w = ways
        self.bit = [0] * (sets * ways)
        self.ones = [0] * sets          # number of 1 bits in each set

    def _touch(self, s, slot):
        bit = self.bit
        if bit[slot]:
            # Bit already 1: the set cannot be all ones unless W == 1 (a set
            # that became all ones was cleared down to this one bit), and in
            # both cases nothing changes.
            return
        bit[slot] = 1
        self.ones[s] += 1
        if self.ones[s] == self.w:
            base = s * self.w
            for i in range(base, base + self.w):
                bit[i] = 0
            bit[slot] = 1
            self.ones[s] = 1

    hit = _touch
    fill = _touch

    def victim(self, s, base):
        # After a touch a set is never all ones when W >= 2, so a 0 bit
        # exists.  With W == 1 the one bit stays 1 and the only way, 0, is
        # the victim.
        if self.w == 1:
            return 0
        return self.bit.index(0, base, base + self.w) - base


class SRRIP:
    """Static RRIP with 2-bit RRPVs: fill 2, hit 0; the victim is the
    lowest-index way with RRPV 3, after aging every way by 1 as many times as
    needed to make one."""

    has_hit_update = True

    def __init__(self, sets, ways, seed):
        self.w = ways
        self.rrpv = [3] * (sets * ways)   # the value of an empty way is unused

    def hit(self, s, slot):
        self.rrpv[slot] = 0

    def fill(self, s, slot):
        self.rrpv[slot] = 2

    def victim(self, s, base):
        r = self.rrpv
        end = base + self.w
        while True:
            for i in range(base, end):
                if r[i] == 3:
                    return i - base
            for i in range(base, end):
                r[i] += 1


class PLRU:
    """Tree pseudo-LRU.  P = the smallest power of two >= W; P-1 node bits,
    node i has children 2i+1 (left) and 2i+2 (right), leaves are ways 0..P-1
    left to right.  A touch of way w sets each node on the root-to-w path to
    point away from w (1 if w is on the left, 0 if on the right).  The victim
    walk goes left on 0 and right on 1, unless that child's subtree holds no
    real way (its lowest leaf >= W), in which case it takes the other child.
    """

    has_hit_update = True

    def __init__(self, sets, ways, seed):
        self.w = ways
        p = 1
        while p < ways:
            p *= 2
        self.p = p
        self.nodes = p - 1
        self.tree = [0] * (sets * max(self.nodes, 1))
        # For each way, the (node, value) pairs a touch writes.
        self.path = []
        for w in range(ways):
            steps = []
            node, lo, size = 0, 0, p
            while size > 1:
                half = size // 2
                if w < lo + half:               # w is in the left subtree
                    steps.append((node, 1))
                    node = 2 * node + 1
                else:                           # w is in the right subtree
                    steps.append((node, 0))
                    node = 2 * node + 2
                    lo += half
                size = half
            self.path.append(tuple(steps))

    def _touch(self, s, slot):
        w = self.w
        tbase = s * self.nodes
        tree = self.tree
        for node, val in self.path[slot - s * w]:
            tree[tbase + node] = val

    hit = _touch
    fill = _touch

    def victim(self, s, base):
        tree = self.tree
        tbase = s * self.nodes
        node, lo, size = 0, 0, self.p
        while size > 1:
            half = size // 2
            go_right = tree[tbase + node] == 1
            if go_right and lo + half >= self.w:
                go_right = False          # the right subtree has no real way
            # (the left subtree always holds a real way: lo < W here)
            if go_right:
                node = 2 * node + 2
                lo += half
            else:
                node = 2 * node + 1
            size = half
        return lo


POLICY_CLASSES = {"lru": LRU, "fifo": FIFO, "random": Random,
                  "nru": NRU, "srrip": SRRIP, "plru": PLRU}


# --------------------------------------------------------------------------
# The TLB.
# --------------------------------------------------------------------------

class TLB:
    """One set-associative TLB of `entries` entries and `ways` ways."""

    def __init__(self, entries, ways, policy, seed=1, shortcut=True):
        if entries <= 0 or ways <= 0 or entries % ways != 0:
            raise ValueError("entries (%d) must be a positive multiple of ways (%d)"
                             % (entries, ways))
        if policy not in POLICY_CLASSES:
            raise ValueError("unknown policy %r (one of %s)" % (policy, ", ".join(POLICIES)))
        self.entries = entries
        self.ways = ways
        self.sets = entries // ways
        self.policy = POLICY_CLASSES[policy](self.sets, ways, seed)
        self.tag = [None] * entries       # vpn held by each slot, None = empty
        self.where = {}                   # vpn -> slot, for the valid entries
        self.used = [0] * self.sets       # valid ways per set
        self.shortcut = shortcut
        self.last_hit = None              # the page of the last lookup, if a hit
        self.lookups = 0
        self.hits = 0
        self.misses = 0
        self.evictions = 0

    def lookup(self, vpn):
        """Look one page up; fill it on a miss.  Returns True on a hit."""
        self.lookups += 1
        if self.shortcut and vpn == self.last_hit:
            self.hits += 1
            return True
        slot = self.where.get(vpn)
        if slot is not None:
            self.hits += 1
            self.policy.hit(slot // self.ways, slot)
            self.last_hit = vpn
            return True
        self.last_hit = None
        self._miss(vpn)
        return False

    def _miss(self, vpn):
        self.misses += 1
        w = self.ways
        s = vpn % self.sets
        base = s * w
        if self.used[s] < w:
            slot = self.tag.index(None, base, base + w)   # lowest empty way
            self.used[s] += 1
        else:
            way = self.policy.victim(s, base)
            slot = base + way
            del self.where[self.tag[slot]]
            self.evictions += 1
        self.tag[slot] = vpn
        self.where[vpn] = slot
        self.policy.fill(s, slot)

    def run(self, pages):
        """Look up every page of an iterable of vpns (the fast inner loop;
        same semantics as calling lookup() on each)."""
        where_get = self.where.get
        miss = self._miss
        hit_update = self.policy.hit if self.policy.has_hit_update else None
        w = self.ways
        last = self.last_hit
        shortcut = self.shortcut
        n = hits = 0
        for vpn in pages:
            n += 1
            if vpn == last and shortcut:
                hits += 1
                continue
            slot = where_get(vpn)
            if slot is not None:
                hits += 1
                if hit_update is not None:
                    hit_update(slot // w, slot)
                last = vpn
            else:
                last = None
                miss(vpn)
        self.last_hit = last
        self.lookups += n
        self.hits += hits


# --------------------------------------------------------------------------
# Lackey traces.
# --------------------------------------------------------------------------

# Lackey writes "I  0401ab70,3" (fetch), " L 1fff0006e8,8" (load),
# " S ..." (store) and " M ..." (modify), plus "==PID== ..." commentary.
# The strict form of one line, used to report errors with a line number:
LINE_RE = re.compile(rb"(?:I|[ \t]+([LSM]))[ \t]+([0-9a-fA-F]+),[ \t]*([0-9]+)[ \t]*\r?$")
IGNORED_LINE_RE = re.compile(rb"==|[ \t]*\r?$")
COMMENT_RE = re.compile(rb"^==[^\n]*\n", re.M)
COMMA_TO_SPACE = bytes.maketrans(b",", b" ")
LACKEY_CHARS = b"0123456789abcdefABCDEFILSM, \t\r\n"
KINDS = {b"I", b"L", b"S", b"M"}

CHUNK = 4 << 20


def open_trace(path):
    """Open a trace for binary reading, decompressing by magic number.
    Returns (file object, subprocess or None)."""
    if path == "-":
        raw = sys.stdin.buffer
        head = raw.peek(6)[:6] if hasattr(raw, "peek") else b""
        if head.startswith(b"\x28\xb5\x2f\xfd"):
            proc = subprocess.Popen(["zstd", "-dc"], stdin=raw, stdout=subprocess.PIPE)
            return proc.stdout, proc
        if head.startswith(b"\x1f\x8b"):
            return gzip.GzipFile(fileobj=raw), None
        if head.startswith(b"\xfd7zXZ\x00"):
            return lzma.LZMAFile(raw), None
        return raw, None
    try:
        with open(path, "rb") as f:
            head = f.read(6)
    except OSError as e:
        raise TraceError("%s: cannot open: %s" % (path, e.strerror))
    if head.startswith(b"\x28\xb5\x2f\xfd"):
        try:
            proc = subprocess.Popen(["zstd", "-dcq", "--", path], stdout=subprocess.PIPE)
        except OSError as e:
            raise TraceError("%s: cannot run zstd to decompress it: %s" % (path, e))
        return proc.stdout, proc
    if head.startswith(b"\x1f\x8b"):
        return gzip.open(path, "rb"), None
    if head.startswith(b"\xfd7zXZ\x00"):
        return lzma.open(path, "rb"), None
    return open(path, "rb"), None


def lackey_chunks(path):
    """Yield (first_line_number, chunk) where each chunk is a bytes object
    of whole lines (the last line of the file may lack its newline)."""
    f, proc = open_trace(path)
    lineno = 1
    rest = b""
    complete = False
    try:
        while True:
            try:
                data = f.read(CHUNK)
            except (OSError, EOFError, lzma.LZMAError) as e:
                raise TraceError("%s: read error (corrupt or truncated?): %s" % (path, e))
            if not data:
                break
            data = rest + data
            cut = data.rfind(b"\n")
            if cut < 0:
                rest = data
                continue
            chunk, rest = data[:cut + 1], data[cut + 1:]
            yield lineno, chunk
            lineno += chunk.count(b"\n")
        complete = True
    finally:
        if f is not sys.stdin.buffer:
            f.close()
        if proc is not None:
            if not complete:
                # Stopped early (--head, or an error): zstd may be blocked
                # writing; its exit status means nothing now.
                proc.terminate()
                proc.wait()
            elif proc.wait() != 0:
                raise TraceError("%s: zstd -dc failed (exit status %d): corrupt or truncated?"
                                 % (path, proc.returncode))
    if rest:
        yield lineno, rest + b"\n"


def parse_slow(path, chunk, lineno):
    """Parse a chunk line by line with the strict line pattern; raises
    TraceError naming the first bad line.  Returns (addrs, sizes)."""
    addrs = []
    sizes = []
    for i, line in enumerate(chunk.split(b"\n")[:-1]):
        m = LINE_RE.match(line)
        if m:
            addrs.append(int(m.group(2), 16))
            sizes.append(int(m.group(3)))
        elif not IGNORED_LINE_RE.match(line):
            raise TraceError("%s:%d: not a Lackey access or commentary line: %r"
                             % (path, lineno + i, line[:80].decode("latin-1")))
    return addrs, sizes


def parse_chunk(path, chunk, lineno):
    """Return (addrs, sizes) of the access lines of a chunk of whole lines.

    Fast path: drop the commentary lines, turn commas into blanks and split
    the chunk into words; it is accepted only if it holds nothing but hex
    digits, the letters I/L/S/M, commas and blanks, and splits into exactly
    three words (kind, hex address, decimal size) per line.  Anything else
    (blank lines, a malformed line) goes through parse_slow(), which checks
    line by line and reports the first bad one.
    """
    body = chunk
    if b"==" in body:
        body = COMMENT_RE.sub(b"", body)
    nlines = body.count(b"\n")
    if not body.translate(None, LACKEY_CHARS):
        words = body.translate(COMMA_TO_SPACE).split()
        if len(words) == 3 * nlines and set(words[0::3]) <= KINDS:
            try:
                return (list(map(int, words[1::3], repeat(16))),
                        list(map(int, words[2::3])))
            except ValueError:
                pass
    return parse_slow(path, chunk, lineno)


def simulate(path, tlb, max_lines=None):
    """Run the trace (or its first max_lines lines) through the TLB.
    Returns (accesses, translations)."""
    accesses = 0
    translations = 0
    shift = PAGE_SHIFT
    for lineno, chunk in lackey_chunks(path):
        if max_lines is not None:
            if lineno > max_lines:
                break
            keep = max_lines - lineno + 1
            if chunk.count(b"\n") > keep:
                chunk = b"\n".join(chunk.split(b"\n", keep)[:keep]) + b"\n"
        addrs, sizes = parse_chunk(path, chunk, lineno)
        if 0 in sizes:
            # A zero-byte access (Lackey does not write them) is taken as one
            # byte: it touches the page of its address only.
            sizes = [s if s else 1 for s in sizes]
        # First and last page of every access; a page-crossing access
        # (first != last) is two translations, first page then last page.
        firsts = [a >> shift for a in addrs]
        lasts = [(a + s - 1) >> shift for a, s in zip(addrs, sizes)]
        if firsts == lasts:
            pages = firsts
        else:
            pages = []
            start = 0
            for i, (f, l) in enumerate(zip(firsts, lasts)):
                if f != l:
                    pages += firsts[start:i + 1]
                    pages.append(l)
                    start = i + 1
            pages += firsts[start:]
        accesses += len(addrs)
        translations += len(pages)
        tlb.run(pages)
    return accesses, translations


def main(argv=None):
    ap = argparse.ArgumentParser(
        description="Independent reference model of one unified TLB over a Lackey trace.")
    ap.add_argument("trace", help="Lackey trace (plain, zstd, gzip or xz; '-' for stdin)")
    ap.add_argument("--entries", type=int, required=True, help="TLB entries E")
    ap.add_argument("--ways", type=int, required=True, help="ways W (E for fully associative)")
    ap.add_argument("--policy", choices=POLICIES, required=True, help="replacement policy")
    ap.add_argument("--seed", type=int, default=1, help="mmu seed (default 1)")
    ap.add_argument("--array-index", type=int, default=0,
                    help="the array's index in configuration order (random seed offset; default 0)")
    ap.add_argument("--head", type=int, default=None, metavar="N",
                    help="read only the first N lines of the trace")
    ap.add_argument("--no-shortcut", action="store_true",
                    help="do not take the same-page-as-last-lookup shortcut")
    ap.add_argument("--stats", action="store_true",
                    help="print time and accesses per second on stderr")
    args = ap.parse_args(argv)
    try:
        tlb = TLB(args.entries, args.ways, args.policy,
                  seed=args.seed + args.array_index, shortcut=not args.no_shortcut)
    except ValueError as e:
        print("tlbref: %s" % e, file=sys.stderr)
        return 2
    t0 = time.perf_counter()
    try:
        accesses, translations = simulate(args.trace, tlb, args.head)
    except TraceError as e:
        print("tlbref: %s" % e, file=sys.stderr)
        return 1
    dt = time.perf_counter() - t0
    out = {"accesses": accesses, "translations": translations, "lookups": tlb.lookups,
           "hits": tlb.hits, "misses": tlb.misses, "evictions": tlb.evictions}
    assert tlb.lookups == translations and tlb.hits + tlb.misses == tlb.lookups
    print(json.dumps(out))
    if args.stats:
        print("tlbref: %d accesses in %.2f s: %.0f accesses/s"
              % (accesses, dt, accesses / dt if dt > 0 else 0.0), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
