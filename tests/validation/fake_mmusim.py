#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""fake_mmusim.py - a stand-in for `mmusim run`, used only to test compare.sh.

It accepts the command line compare.sh gives mmusim
    fake_mmusim.py run TRACE --set tlb.arrays=utlb --set tlb.utlb.entries=E
                   --set tlb.utlb.ways=W --set tlb.utlb.policy=P --json OUT
computes the counts with tlbref.py and writes them in the shape of mmusim's
JSON ({"accesses", "translations", "tlb": {"utlb": {...}}}).
FAKE_MMUSIM_SKEW=FIELD adds one to FIELD (to check that a mismatch is caught);
FAKE_MMUSIM_FAIL=1 makes it fail.
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tlbref  # noqa: E402


def main(argv):
    if len(argv) < 2 or argv[0] != "run":
        print("fake_mmusim: usage: run TRACE --set K=V... --json OUT", file=sys.stderr)
        return 2
    if os.environ.get("FAKE_MMUSIM_FAIL"):
        print("fake_mmusim: failing as asked", file=sys.stderr)
        return 1
    trace, rest = argv[1], argv[2:]
    sets, out = {}, None
    i = 0
    while i < len(rest):
        if rest[i] == "--set":
            k, v = rest[i + 1].split("=", 1)
            sets[k] = v
            i += 2
        elif rest[i] == "--json":
            out = rest[i + 1]
            i += 2
        else:
            i += 1
    assert sets.get("tlb.arrays") == "utlb", sets
    tlb = tlbref.TLB(int(sets["tlb.utlb.entries"]), int(sets["tlb.utlb.ways"]),
                     sets["tlb.utlb.policy"], seed=1)
    acc, tr = tlbref.simulate(trace, tlb)
    res = {"accesses": acc, "translations": tr,
           "tlb": {"utlb": {"lookups": tlb.lookups, "hits": tlb.hits,
                            "misses": tlb.misses, "evictions": tlb.evictions}}}
    skew = os.environ.get("FAKE_MMUSIM_SKEW")
    if skew in ("accesses", "translations"):
        res[skew] += 1
    elif skew:
        res["tlb"]["utlb"][skew] += 1
    with open(out, "w") as f:
        json.dump(res, f)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
