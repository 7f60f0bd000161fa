#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""test_tlbref.py - self-test of the reference TLB model (tlbref.py).

Run:  python3 tests/validation/test_tlbref.py     (standard library only)

The expected hit/miss sequences below were worked out by hand from the rules
in docs/validation.md; the comment above each one shows the working (ways
listed 0..W-1, "-" = empty).  Further checks: the cyclic sweep and the
set-associative stride capacity of REFERENCE.md ("Exact checks a model must
pass"), uniform random references (hit ratio E/N), page-crossing accesses,
Lackey parsing, compressed input, and that the fast paths (run() and the
same-page shortcut) give the same counts as the plain per-lookup path.
"""

import gzip
import io
import json
import lzma
import os
import random
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import tlbref  # noqa: E402


def hm(entries, ways, policy, pages, seed=1):
    """Look pages up one by one; return ("HM..." string, tlb)."""
    t = tlbref.TLB(entries, ways, policy, seed=seed)
    s = "".join("H" if t.lookup(p) else "M" for p in pages)
    assert t.hits + t.misses == t.lookups == len(pages)
    return s, t


def ways_of(t, s=0):
    """The pages held by set s, way 0 first (None = empty)."""
    return t.tag[s * t.ways:(s + 1) * t.ways]


class HandWorked(unittest.TestCase):
    def test_lru(self):
        # E=4 W=4.  1 2 3 4 fill ways 0-3; 1 H (recency 2,3,4,1);
        # 5 M evicts 2 -> [1,5,3,4]; 2 M evicts 3 -> [1,5,2,4];
        # 3 M evicts 4 -> [1,5,2,3]; 1 H (5,2,3,1); 4 M evicts 5 -> [1,4,2,3]
        s, t = hm(4, 4, "lru", [1, 2, 3, 4, 1, 5, 2, 3, 1, 4])
        self.assertEqual(s, "MMMMHMMMHM")
        self.assertEqual(t.evictions, 4)
        self.assertEqual(ways_of(t), [1, 4, 2, 3])

    def test_fifo(self):
        # Same sequence.  Fill order 1,2,3,4; 1 H changes nothing;
        # 5 M evicts 1 -> [5,2,3,4]; 2 H; 3 H; 1 M evicts 2 -> [5,1,3,4]; 4 H
        s, t = hm(4, 4, "fifo", [1, 2, 3, 4, 1, 5, 2, 3, 1, 4])
        self.assertEqual(s, "MMMMHMHHMH")
        self.assertEqual(t.evictions, 2)
        self.assertEqual(ways_of(t), [5, 1, 3, 4])

    def test_random(self):
        # E=2 W=2, seed 1: the first draws mod 2 are 1, 0, 0 (see
        # test_generator).  1 2 fill ways 0,1 with no draw; 3 M draw 1 ->
        # evicts way 1 (2) -> [1,3]; 4 M draw 0 -> evicts 1 -> [4,3];
        # 1 M draw 0 -> evicts 4 -> [1,3]; 3 H
        s, t = hm(2, 2, "random", [1, 2, 3, 4, 1, 3])
        self.assertEqual(s, "MMMMMH")
        self.assertEqual(t.evictions, 3)
        self.assertEqual(ways_of(t), [1, 3])

    def test_random_draws_only_when_full(self):
        t = tlbref.TLB(8, 4, "random", seed=5)
        start = t.policy.rng.state
        for p in [0, 2, 4, 6, 1, 3, 5, 7, 0, 1]:   # 2 sets x 4 ways, never full
            t.lookup(p)
        self.assertEqual(t.policy.rng.state, start)
        t.lookup(8)                                 # set 0 is full: one draw
        self.assertNotEqual(t.policy.rng.state, start)
        g = tlbref.XorShift64Star(5)
        g.next()
        self.assertEqual(t.policy.rng.state, g.state)

    def test_random_seed_is_mmu_seed_plus_array_index(self):
        out = []
        for seed, index in [(1, 0), (0, 1), (2, 0)]:
            r = subprocess.run([sys.executable, os.path.join(HERE, "tlbref.py"), "-",
                                "--entries", "4", "--ways", "4", "--policy", "random",
                                "--seed", str(seed), "--array-index", str(index)],
                               input=b"".join(b" L %x,4\n" % (p << 12)
                                              for p in [1, 2, 3, 4, 5, 6, 7, 8] * 20),
                               stdout=subprocess.PIPE, check=True)
            out.append(json.loads(r.stdout))
        self.assertEqual(out[0], out[1])            # 1 + 0 == 0 + 1
        self.assertNotEqual(out[0]["hits"], out[2]["hits"])

    def test_generator(self):
        # splitmix64 from 0: the well-known first output of SplitMix64.
        self.assertEqual(tlbref.splitmix64(0), 0xE220A8397B1DCDAF)
        # xorshift64* from state 1: x = 1 ^ (1 << 25), output x * M.
        g = tlbref.XorShift64Star(0)
        g.state = 1
        self.assertEqual(g.next(), ((1 | 1 << 25) * 0x2545F4914F6CDD1D) % 2**64)
        self.assertEqual(g.state, 1 | 1 << 25)
        # seeds: state = splitmix64(seed), 1 if that is 0
        self.assertEqual(tlbref.XorShift64Star(7).state, tlbref.splitmix64(7))
        g = tlbref.XorShift64Star(1)
        self.assertEqual([g.next() % 2 for _ in range(3)], [1, 0, 0])

    def test_nru(self):
        # E=4 W=4, bits of ways 0-3.  1 2 3: 1110; 4: 1111 -> 0001;
        # 1 H: 1001; 5 M victim way 1 (2) -> [1,5,3,4] 1101;
        # 2 M victim way 2 (3) -> [1,5,2,4] 1111 -> 0010;
        # 6 M victim way 0 (1) -> [6,5,2,4] 1010; 4 H: 1011;
        # 3 M victim way 1 (5) -> [6,3,2,4] 1111 -> 0100
        s, t = hm(4, 4, "nru", [1, 2, 3, 4, 1, 5, 2, 6, 4, 3])
        self.assertEqual(s, "MMMMHMMMHM")
        self.assertEqual(t.evictions, 4)
        self.assertEqual(ways_of(t), [6, 3, 2, 4])
        self.assertEqual(t.policy.bit[0:4], [0, 1, 0, 0])

    def test_nru_one_way(self):
        # W=1: the bit is set and stays set; the victim is way 0 all the same.
        # 3 sets of 1 way: 0 M; 3 M evicts 0; 3 H; 0 M evicts 3; 1 M; 1 H
        s, t = hm(3, 1, "nru", [0, 3, 3, 0, 1, 1])
        self.assertEqual(s, "MMHMMH")
        self.assertEqual(t.evictions, 2)

    def test_srrip(self):
        # E=4 W=4.  1 2 3 4: RRPV 2,2,2,2; 1 H: 0,2,2,2;
        # 5 M: no 3, age -> 1,3,3,3, victim way 1 (2) -> [1,5,3,4] 1,2,3,3;
        # 6 M: victim way 2 (3) -> [1,5,6,4] 1,2,2,3; 1 H: 0,2,2,3;
        # 2 M: victim way 3 (4) -> [1,5,6,2] 0,2,2,2;
        # 4 M: age -> 1,3,3,3, victim way 1 (5) -> [1,4,6,2] 1,2,3,3
        s, t = hm(4, 4, "srrip", [1, 2, 3, 4, 1, 5, 6, 1, 2, 4])
        self.assertEqual(s, "MMMMHMMHMM")
        self.assertEqual(t.evictions, 4)
        self.assertEqual(ways_of(t), [1, 4, 6, 2])
        self.assertEqual(t.policy.rrpv[0:4], [1, 2, 3, 3])

    def test_plru4(self):
        # W=4, nodes n0 (root), n1 (ways 0,1), n2 (ways 2,3).
        # 1 2 3 4 fill 0-3 -> n = 0,0,0; 1 H (way 0) -> 1,1,0;
        # 5 M: n0=1 right, n2=0 left -> way 2 (3) -> [1,2,5,4], n = 0,1,1;
        # 2 H (way 1) -> 1,0,1; 3 M: right, right -> way 3 (4) -> [1,2,5,3]
        s, t = hm(4, 4, "plru", [1, 2, 3, 4, 1, 5, 2, 3])
        self.assertEqual(s, "MMMMHMHM")
        self.assertEqual(t.evictions, 2)
        self.assertEqual(ways_of(t), [1, 2, 5, 3])
        self.assertEqual(t.policy.tree[0:3], [0, 0, 0])

    def test_plru3(self):
        # W=3 (P=4, leaf 3 is not a way).  1 2 3 -> n = 0,0,1;
        # 4 M: left, left -> way 0 (1) -> [4,2,3] n = 1,1,1;
        # 5 M: right, then right is leaf 3 (no way) so left -> way 2 (3)
        #      -> [4,2,5] n = 0,1,1;
        # 2 H (way 1) -> 1,0,1; 1 M: right, (leaf 3) -> way 2 (5) -> [4,2,1]
        #      n = 0,0,1; 3 M: left, left -> way 0 (4) -> [3,2,1]
        s, t = hm(3, 3, "plru", [1, 2, 3, 4, 5, 2, 1, 3])
        self.assertEqual(s, "MMMMMHMM")
        self.assertEqual(t.evictions, 4)
        self.assertEqual(ways_of(t), [3, 2, 1])

    def test_plru5(self):
        # W=5 (P=8): n0 root; n1 (leaves 0-3), n2 (4-7); n3 (0,1), n4 (2,3),
        # n5 (4,5), n6 (6,7: no way).  Fill 1-5 -> n0..n6 = 0,0,1,0,0,1,0.
        # 6 M: L,L,L -> way 0 (1); n0,n1,n3 = 1,1,1.
        # 7 M: R to n2; n2=1 -> n6 has no way -> n5; n5=1 -> leaf 5 is no
        #      way -> leaf 4: way 4 (5); n0,n2,n5 = 0,1,1.
        # 8 M: L to n1; n1=1 -> n4; n4=0 -> way 2 (3); n0,n1,n4 = 1,0,1.
        # 2 H (way 1): n0,n1,n3 = 1,1,0.
        # 9 M: R, n6 no way -> n5, leaf 5 no way -> way 4 (7); n0 = 0.
        # 4 H (way 3).
        s, t = hm(5, 5, "plru", [1, 2, 3, 4, 5, 6, 7, 8, 2, 9, 4])
        self.assertEqual(s, "MMMMMMMMHMH")
        self.assertEqual(t.evictions, 4)
        self.assertEqual(ways_of(t), [6, 2, 8, 4, 9])

    def test_sets_not_power_of_two(self):
        # E=6 W=2: 3 sets, set = vpn % 3, LRU.  Set 0: 0 3 -> [0,3];
        # 6 evicts 0 -> [6,3]; 0 evicts 3 -> [6,0]; 9 evicts 6 -> [9,0].
        # Set 1: 1 4 -> [1,4].  0 H, 1 H, 4 H; 7 evicts 1 (older than 4)
        # -> [7,4]; 1 evicts 4 -> [7,1].
        s, t = hm(6, 2, "lru", [0, 3, 6, 0, 9, 1, 4, 0, 1, 4, 7, 1])
        self.assertEqual(s, "MMMMMMMHHHMM")
        self.assertEqual(t.evictions, 5)
        self.assertEqual(ways_of(t, 0), [9, 0])
        self.assertEqual(ways_of(t, 1), [7, 1])
        self.assertEqual(ways_of(t, 2), [None, None])

    def test_lowest_empty_way_no_eviction(self):
        for policy in tlbref.POLICIES:
            s, t = hm(8, 8, policy, [5, 9, 2, 5, 7])
            self.assertEqual(s, "MMMHM")
            self.assertEqual(t.evictions, 0)
            self.assertEqual(ways_of(t), [5, 9, 2, 7, None, None, None, None])


class ExactChecks(unittest.TestCase):
    """REFERENCE.md, "Exact checks a model must pass"."""

    def test_cyclic_sweep_fully_associative(self):
        e = 64
        for policy in ("lru", "fifo"):
            for n in (e + 1, e + 7, 2 * e):
                s, _ = hm(e, e, policy, list(range(n)) * 6)
                self.assertEqual(s.count("H"), 0, (policy, n))
            for n in (1, e // 2, e - 1, e):
                s, t = hm(e, e, policy, list(range(n)) * 6)
                self.assertEqual(s, "M" * n + "H" * (5 * n), (policy, n))
                self.assertEqual(t.evictions, 0)

    def test_cyclic_sweep_fits_no_misses_any_policy(self):
        for policy in tlbref.POLICIES:
            for e, w in ((64, 64), (64, 4), (48, 48), (80, 5), (1536, 12)):
                n = e   # consecutive pages spread evenly over the sets
                s, t = hm(e, w, policy, list(range(n)) * 3)
                self.assertEqual(s, "M" * n + "H" * (2 * n), (policy, e, w))

    def test_stride_capacity(self):
        # 32 sets x 5 ways (Apple M1 L1 DTLB): stride k holds 160/min(k,32)
        # pages: 80/40/20/10/5 at strides 2/4/8/16/32.
        for k, cap in ((2, 80), (4, 40), (8, 20), (16, 10), (32, 5)):
            pages = [i * k for i in range(cap)]
            s, _ = hm(160, 5, "lru", pages * 4)
            self.assertEqual(s.count("M"), cap, k)
            pages = [i * k for i in range(cap + 32 // min(k, 32))]  # one more per set
            s, _ = hm(160, 5, "lru", pages * 4)
            self.assertEqual(s.count("H"), 0, k)

    def test_uniform_random_hit_ratio(self):
        rng = random.Random(1234)
        e, n, count = 64, 256, 60000
        pages = [rng.randrange(n) for _ in range(count)]
        for policy in tlbref.POLICIES:
            t = tlbref.TLB(e, e, policy)
            t.run(pages)
            ratio = t.hits / t.lookups
            self.assertAlmostEqual(ratio, e / n, delta=0.02, msg=policy)


def naive_lru_fifo(entries, ways, policy, pages):
    """A second, deliberately naive model of LRU and FIFO: per set, a list
    ordered from victim to most recent."""
    sets = [[] for _ in range(entries // ways)]
    out = []
    for p in pages:
        q = sets[p % len(sets)]
        if p in q:
            out.append("H")
            if policy == "lru":
                q.remove(p)
                q.append(p)
        else:
            out.append("M")
            if len(q) == ways:
                q.pop(0)
            q.append(p)
    return "".join(out)


class FastPaths(unittest.TestCase):
    def _pages(self, seed, count=20000):
        # Mostly local with repeats (like instruction fetches), some far.
        rng = random.Random(seed)
        out, cur = [], 0
        for _ in range(count):
            r = rng.random()
            if r < 0.5:
                pass
            elif r < 0.8:
                cur += rng.choice((-1, 1))
            else:
                cur = rng.randrange(400)
            out.append(cur)
        return out

    def test_run_and_shortcut_match_plain_lookup(self):
        configs = ((64, 4), (64, 64), (48, 48), (80, 5), (24, 3), (12, 12), (7, 1), (36, 6))
        for seed in (1, 2):
            pages = self._pages(seed)
            for e, w in configs:
                for policy in tlbref.POLICIES:
                    plain = tlbref.TLB(e, w, policy, shortcut=False)
                    for p in pages:
                        plain.lookup(p)
                    fast = tlbref.TLB(e, w, policy, shortcut=True)
                    fast.run(pages[:7000])
                    fast.run(pages[7000:])
                    key = (seed, e, w, policy)
                    self.assertEqual((plain.hits, plain.misses, plain.evictions),
                                     (fast.hits, fast.misses, fast.evictions), key)
                    self.assertEqual(plain.tag, fast.tag, key)

    def test_naive_lru_fifo(self):
        pages = self._pages(3)
        for e, w in ((64, 4), (64, 64), (80, 5), (24, 3)):
            for policy in ("lru", "fifo"):
                s, _ = hm(e, w, policy, pages)
                self.assertEqual(s, naive_lru_fifo(e, w, policy, pages), (e, w, policy))


class Lackey(unittest.TestCase):
    TRACE = (b"==123== Lackey, an example Valgrind tool\n"
             b"==123== \n"
             b"I  04000ffe,2\n"         # page 0x4000 only (ends at ...fff)
             b"I  04000fff,2\n"         # crosses: 0x4000 and 0x4001
             b" L 1fff000ff8,16\n"      # crosses: 0x1fff000 and 0x1fff001
             b" S 1fff000ff8,8\n"       # 0x1fff000 only
             b" M 00402000,4\n"         # one access, one translation
             b" L 0000abc,1\n"          # page 0
             b"==123== Exit code: 0\n")

    def _run(self, data, *args, suffix=""):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "t" + suffix)
            with open(path, "wb") as f:
                f.write(data)
            r = subprocess.run([sys.executable, os.path.join(HERE, "tlbref.py"), path,
                                "--entries", "64", "--ways", "4", "--policy", "lru"] + list(args),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            return r.returncode, r.stdout, r.stderr.decode()

    def test_page_crossing_and_kinds(self):
        rc, out, err = self._run(self.TRACE)
        self.assertEqual(rc, 0, err)
        d = json.loads(out)
        # pages: 4000 M | 4000 H, 4001 M | 1fff000 M, 1fff001 M | 1fff000 H |
        #        402 M | 0 M
        self.assertEqual(d, {"accesses": 6, "translations": 8, "lookups": 8,
                             "hits": 2, "misses": 6, "evictions": 0})

    def test_compressed(self):
        want = self._run(self.TRACE)[1]
        self.assertEqual(self._run(gzip.compress(self.TRACE), suffix=".gz")[1], want)
        self.assertEqual(self._run(lzma.compress(self.TRACE), suffix=".xz")[1], want)
        # magic numbers, not names, decide
        self.assertEqual(self._run(gzip.compress(self.TRACE), suffix=".txt")[1], want)
        if shutil.which("zstd"):
            z = subprocess.run(["zstd", "-c", "-q"], input=self.TRACE,
                               stdout=subprocess.PIPE, check=True).stdout
            self.assertEqual(self._run(z, suffix=".zst")[1], want)

    def test_truncated_compressed_is_an_error(self):
        big = self.TRACE * 2000
        rc, out, err = self._run(gzip.compress(big)[:-200], suffix=".gz")
        self.assertEqual((rc, out), (1, b""), err)
        if shutil.which("zstd"):
            z = subprocess.run(["zstd", "-c", "-q"], input=big,
                               stdout=subprocess.PIPE, check=True).stdout
            rc, out, err = self._run(z[:-10], suffix=".zst")
            self.assertEqual((rc, out), (1, b""), err)
            self.assertIn("truncated", err)
            # stopping early (--head) is not an error, and says nothing
            rc, out, err = self._run(z, "--head", "100", suffix=".zst")
            self.assertEqual((rc, err), (0, ""))

    def test_no_final_newline_and_blank_lines(self):
        rc, out, _ = self._run(b"I  1000,4\n\n L 2000,4\n \n S 1000,4")
        self.assertEqual(rc, 0)
        self.assertEqual(json.loads(out)["accesses"], 3)
        self.assertEqual(json.loads(out)["hits"], 1)

    def test_head(self):
        rc, out, _ = self._run(self.TRACE, "--head", "4")   # 2 comments + 2 accesses
        self.assertEqual(rc, 0)
        d = json.loads(out)
        self.assertEqual((d["accesses"], d["translations"]), (2, 3))

    def test_bad_lines(self):
        for bad in (b"X  1000,4\n", b" L 10g0,4\n", b" L 1000\n", b" L 1000,4,5\n",
                    b" L -1000,4\n", b" L 0x1000,4\n", b" L 1000,-4\n", b"I  1000,4 junk\n"):
            rc, out, err = self._run(b"==1== hi\nI  1000,4\n" + bad + b" S 2000,8\n")
            self.assertEqual(rc, 1, bad)
            self.assertIn(":3: ", err, bad)
            self.assertEqual(out, b"", bad)

    def test_bad_config(self):
        for args in (("--entries", "10", "--ways", "4"), ("--entries", "0", "--ways", "1")):
            r = subprocess.run([sys.executable, os.path.join(HERE, "tlbref.py"), "-",
                                "--policy", "lru"] + list(args),
                               input=b"", stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            self.assertEqual(r.returncode, 2)
            self.assertIn(b"entries", r.stderr)

    def test_chunk_boundaries(self):
        # Many lines across several read chunks give the same counts as a
        # direct lookup of their pages.
        rng = random.Random(9)
        lines, pages = [], []
        for _ in range(30000):
            a = rng.randrange(1 << 24)
            size = rng.choice((1, 2, 4, 8, 16, 32))
            lines.append(b"%s %x,%d\n" % (rng.choice((b"I ", b" L", b" S", b" M")), a, size))
            pages.append(a >> 12)
            if (a + size - 1) >> 12 != a >> 12:
                pages.append((a + size - 1) >> 12)
        old = tlbref.CHUNK
        tlbref.CHUNK = 4096
        try:
            with tempfile.TemporaryDirectory() as d:
                path = os.path.join(d, "t")
                with open(path, "wb") as f:
                    f.write(b"".join(lines))
                t = tlbref.TLB(64, 4, "lru")
                acc, tr = tlbref.simulate(path, t)
        finally:
            tlbref.CHUNK = old
        s, ref = hm(64, 4, "lru", pages)
        self.assertEqual((acc, tr), (30000, len(pages)))
        self.assertEqual((t.hits, t.misses, t.evictions), (ref.hits, ref.misses, ref.evictions))


if __name__ == "__main__":
    unittest.main(verbosity=1)
