#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# tests/validation/compare.sh - check mmusim's TLB counts against the
# independent reference model (tlbref.py), count for count.
#
# For every trace, every configuration ENTRIES/WAYS and every replacement
# policy it runs
#   tlbref.py TRACE --entries E --ways W --policy P
#   MMUSIM run TRACE --set tlb.arrays=utlb --set tlb.utlb.entries=E \
#                    --set tlb.utlb.ways=W --set tlb.utlb.policy=P --json OUT.json
# and checks that accesses, translations and the array's lookups, hits,
# misses and evictions are all equal.  It prints a table, one row per run,
# and exits 0 if everything matched, 1 on any mismatch, 2 if a program
# failed or the usage was wrong.
#
# Usage:
#   compare.sh [options] MMUSIM_BINARY TRACE...
#   compare.sh --ref-only [options] TRACE...      (reference model only)
# Options:
#   --head N          use only the first N lines of each trace (both models
#                     read the same truncated plain-text copy): a fast check
#   --configs "E/W ..."   default: "64/4 64/64 1536/12 48/48 80/5"
#   --policies "P ..."    default: "lru fifo random nru srrip plru"
#   --markdown        print the table as Markdown (for docs/validation.md)
#   -m ARG            pass ARG on to mmusim (repeatable), e.g. -m --format -m lackey
#   -r ARG            pass ARG on to tlbref.py (repeatable), e.g. -r --seed -r 7
#   --keep DIR        keep every JSON output (and truncated trace) in DIR
# Environment: PYTHON (default python3).
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REF=$HERE/tlbref.py
PY=${PYTHON:-python3}

configs="64/4 64/64 1536/12 48/48 80/5"
policies="lru fifo random nru srrip plru"
head_n=""
markdown=0
ref_only=0
keep=""
mm_args=()
ref_args=()

usage() { sed -n '/^# Usage:/,/^# Environment/p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }
fail() { echo "compare.sh: $*" >&2; exit 2; }

while [ $# -gt 0 ]; do
    case $1 in
    -h|--help) usage; exit 0 ;;
    --head)     head_n=${2:-}; shift 2 || fail "--head needs N" ;;
    --configs)  configs=${2:-}; shift 2 || fail "--configs needs a list" ;;
    --policies) policies=${2:-}; shift 2 || fail "--policies needs a list" ;;
    --markdown) markdown=1; shift ;;
    --ref-only) ref_only=1; shift ;;
    --keep)     keep=${2:-}; shift 2 || fail "--keep needs a directory" ;;
    -m)         [ $# -ge 2 ] || fail "-m needs an argument"; mm_args+=("$2"); shift 2 ;;
    -r)         [ $# -ge 2 ] || fail "-r needs an argument"; ref_args+=("$2"); shift 2 ;;
    --)         shift; break ;;
    -*)         fail "unknown option '$1' (try --help)" ;;
    *)          break ;;
    esac
done

if [ -n "$head_n" ]; then
    case $head_n in *[!0-9]*|"") fail "--head needs a positive number, not '$head_n'" ;; esac
    [ "$head_n" -gt 0 ] || fail "--head needs a positive number"
fi
for c in $configs; do
    case $c in
    [0-9]*/[0-9]*) e=${c%/*} w=${c#*/}
                   case "$e$w" in *[!0-9]*) fail "bad configuration '$c' (want ENTRIES/WAYS)" ;; esac
                   { [ "$w" -gt 0 ] && [ $((e % w)) -eq 0 ] && [ "$e" -gt 0 ]; } \
                       || fail "bad configuration '$c': ways must divide entries" ;;
    *) fail "bad configuration '$c' (want ENTRIES/WAYS)" ;;
    esac
done
for p in $policies; do
    case $p in lru|fifo|random|nru|srrip|plru) ;; *) fail "unknown policy '$p'" ;; esac
done

mmusim=""
if [ "$ref_only" -eq 0 ]; then
    [ $# -ge 1 ] || { usage >&2; exit 2; }
    mmusim=$1; shift
    case $mmusim in */*) ;; *) mmusim=$(command -v "$mmusim" || echo "$mmusim") ;; esac
    [ -x "$mmusim" ] || fail "mmusim binary '$mmusim' is not an executable file"
fi
[ $# -ge 1 ] || fail "no trace given"
for t in "$@"; do [ -r "$t" ] || fail "cannot read trace '$t'"; done
command -v "$PY" >/dev/null 2>&1 || fail "$PY not found"

if [ -n "$keep" ]; then
    mkdir -p "$keep" || fail "cannot create $keep"
    work=$(cd "$keep" && pwd)
else
    work=$(mktemp -d) || fail "mktemp failed"
    trap 'rm -rf "$work"' EXIT
fi

# row TRACE CFG POLICY REF_JSON MM_JSON|"" -> prints one table row; exit 0 if
# equal (or reference only), 1 if different.
row() {
    "$PY" - "$@" "$markdown" <<'EOF'
import json, sys
trace, cfg, policy, refp, mmp, md = sys.argv[1:7]
ref = json.load(open(refp))
fields = ("accesses", "translations", "lookups", "hits", "misses", "evictions")
status = "ref only"
bad = []
if mmp:
    try:
        mm = json.load(open(mmp))
    except Exception as e:
        mm, bad = None, ["unreadable JSON: %s" % e]
    if mm is not None:
        def get(path):
            d = mm
            for k in path:
                if not isinstance(d, dict) or k not in d:
                    return None
                d = d[k]
            return d
        got = {"accesses": get(("accesses",)), "translations": get(("translations",))}
        for f in ("lookups", "hits", "misses", "evictions"):
            got[f] = get(("tlb", "utlb", f))
        for f in fields:
            if got[f] is None:
                bad.append("%s missing" % f)
            elif got[f] != ref[f]:
                bad.append("%s %s!=%s" % (f, got[f], ref[f]))
    status = "MISMATCH (mmusim!=ref): " + ", ".join(bad) if bad else "ok"
vals = [trace, cfg, policy] + [str(ref[f]) for f in ("accesses", "lookups", "hits", "misses", "evictions")] + [status]
if md == "1":
    print("| " + " | ".join(vals) + " |")
else:
    print("%-22s %-8s %-6s %9s %9s %9s %8s %8s  %s" % tuple(vals))
sys.exit(1 if bad else 0)
EOF
}

if [ "$markdown" -eq 1 ]; then
    echo "| trace | E/W | policy | accesses | lookups | hits | misses | evictions | result |"
    echo "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | --- |"
else
    printf "%-22s %-8s %-6s %9s %9s %9s %8s %8s  %s\n" trace E/W policy accesses lookups hits misses evictions result
fi

n_ok=0 n_bad=0 n_err=0 n_ref=0
for trace in "$@"; do
    name=$(basename "$trace")
    input=$trace
    if [ -n "$head_n" ]; then
        name="$name:$head_n"
        input=$work/$(basename "$trace" | sed 's/\.\(zst\|gz\|xz\)$//').head$head_n
        if ! "$PY" -c '
import sys
sys.path.insert(0, sys.argv[1])
import tlbref
src, n, dst = sys.argv[2], int(sys.argv[3]), sys.argv[4]
f, proc = tlbref.open_trace(src)
with open(dst, "wb") as out:
    for i, line in enumerate(f):
        if i >= n:
            break
        out.write(line)
f.close()
if proc is not None:
    proc.terminate()
    proc.wait()
' "$HERE" "$trace" "$head_n" "$input"; then
            echo "compare.sh: cannot read the first $head_n lines of $trace" >&2
            n_err=$((n_err + 1)); continue
        fi
    fi
    for cfg in $configs; do
        e=${cfg%/*} w=${cfg#*/}
        for p in $policies; do
            tag=$(basename "$input")-$e-$w-$p
            refj=$work/$tag.ref.json
            if ! "$PY" "$REF" "$input" --entries "$e" --ways "$w" --policy "$p" "${ref_args[@]}" \
                    >"$refj" 2>"$work/$tag.ref.err"; then
                echo "compare.sh: tlbref.py failed on $trace $cfg $p:" >&2
                sed 's/^/  /' "$work/$tag.ref.err" >&2
                n_err=$((n_err + 1)); continue
            fi
            mmj=""
            if [ "$ref_only" -eq 0 ]; then
                mmj=$work/$tag.mmusim.json
                rm -f "$mmj"
                if ! "$mmusim" run "$input" --set tlb.arrays=utlb --set "tlb.utlb.entries=$e" \
                        --set "tlb.utlb.ways=$w" --set "tlb.utlb.policy=$p" --json "$mmj" \
                        "${mm_args[@]}" >"$work/$tag.mmusim.out" 2>&1 || [ ! -s "$mmj" ]; then
                    echo "compare.sh: mmusim failed on $trace $cfg $p:" >&2
                    tail -n 20 "$work/$tag.mmusim.out" | sed 's/^/  /' >&2
                    n_err=$((n_err + 1)); continue
                fi
            fi
            if row "$name" "$cfg" "$p" "$refj" "$mmj"; then
                if [ "$ref_only" -eq 1 ]; then n_ref=$((n_ref + 1)); else n_ok=$((n_ok + 1)); fi
            else
                n_bad=$((n_bad + 1))
            fi
        done
    done
done

echo
if [ "$ref_only" -eq 1 ]; then
    echo "reference model only: $n_ref runs, $n_err errors"
else
    echo "compared: $((n_ok + n_bad)) runs, $n_ok equal, $n_bad MISMATCHED, $n_err errors"
fi
[ "$n_bad" -eq 0 ] || exit 1
[ "$n_err" -eq 0 ] || exit 2
exit 0
