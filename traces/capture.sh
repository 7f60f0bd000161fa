#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# traces/capture.sh - capture Valgrind Lackey memory-access traces.
#
# mmusim ships a few small traces of real programs (traces/*.lackey.zst).
# This script regenerates every one of them from scratch: it installs what it
# needs (valgrind, zstd, the traced programs) with apt-get if they are
# missing, generates each program's input deterministically, runs the
# program under `valgrind --tool=lackey --trace-mem=yes` and compresses the
# log with `zstd -19`.  It also captures a trace of any command you like.
#
# Usage:
#   traces/capture.sh [all]                 regenerate every shipped trace
#   traces/capture.sh gzip xz ...           regenerate only these
#   traces/capture.sh list                  list the shipped traces
#   traces/capture.sh custom NAME [-l N] [-o DIR] [-f] -- CMD [ARGS...]
#                                           capture CMD into DIR/NAME.lackey.zst
#                                           (DIR defaults to the current
#                                           directory, zstd level N to 9; -f
#                                           keeps the trace even if CMD fails)
# Options for the shipped traces:
#   -o DIR    write the traces into DIR (default: the directory of this script)
#   -l N      zstd level (default 19, as shipped)
#
# The trace file is Lackey's log exactly as Valgrind writes it: "==PID=="
# commentary lines, then one line per access: "I  addr,size" (instruction
# fetch), " L addr,size" (load), " S addr,size" (store), " M addr,size"
# (modify: a load and a store of the same bytes).
#
# A re-capture is not byte-identical to the shipped file: stack and mmap
# addresses depend on the kernel and the Valgrind build, and the commentary
# lines hold process ids.  The programs, inputs and environment are fixed
# (env -i, LC_ALL=C, a scratch directory), so on the same Debian 12 packages
# the access counts come out the same or very nearly so.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SHIPPED="gzip xz sort mawk"
CAPTURE_ENV=()   # a command prefix (env -i ...) for valgrind; empty for custom

die() { echo "capture.sh: $*" >&2; exit 1; }

usage() {
    sed -n '/^# Usage:/,/^# The trace file/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'
}

# ---- tools -----------------------------------------------------------------

# need CMD PACKAGE: make sure CMD exists, installing PACKAGE with apt-get if not.
need() {
    local cmd=$1 pkg=$2
    command -v "$cmd" >/dev/null 2>&1 && return 0
    echo "capture.sh: $cmd not found; installing Debian package $pkg" >&2
    if [ "$(id -u)" -ne 0 ]; then
        die "$cmd is missing and we are not root: run 'apt-get install $pkg' as root"
    fi
    if [ -z "${CAPTURE_APT_UPDATED:-}" ]; then
        DEBIAN_FRONTEND=noninteractive apt-get update -q >&2 || die "apt-get update failed"
        CAPTURE_APT_UPDATED=1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$pkg" >&2 \
        || die "apt-get install $pkg failed"
    command -v "$cmd" >/dev/null 2>&1 || die "$cmd still missing after installing $pkg"
}

pkg_version() { dpkg-query -W -f='${Version}' "$1" 2>/dev/null || echo unknown; }

# ---- deterministic inputs ----------------------------------------------------

# gen_text SEED BYTES: pseudo-English text on stdout, the same on every
# machine.  A 64-bit LCG (Knuth's MMIX constants) drives everything; no
# library random generator is used, so the Python version does not matter.
# A 3000-word vocabulary of 2..10 letters (skewed towards common letters) is
# drawn first, then lines of 4..14 words with Zipf-like word frequencies
# (index = floor(3000 u^3)), until at least BYTES bytes are written.
gen_text() {
    python3 - "$1" "$2" <<'EOF'
import sys
seed, nbytes = int(sys.argv[1]), int(sys.argv[2])
x = seed
def rnd():
    global x
    x = (x * 6364136223846793005 + 1442695040888963407) & 0xFFFFFFFFFFFFFFFF
    return x >> 33
letters = "etaoinshrdlcumwfgypbvkjxqz"
vocab = []
for i in range(3000):
    n = 2 + rnd() % 9
    vocab.append("".join(letters[min(rnd() % 26, rnd() % 26)] for _ in range(n)))
out, size = [], 0
while size < nbytes:
    n = 4 + rnd() % 11
    words = []
    for _ in range(n):
        u = rnd() / 2**31
        words.append(vocab[int(3000 * u * u * u)])
    line = " ".join(words)
    out.append(line)
    size += len(line) + 1
sys.stdout.write("\n".join(out) + "\n")
EOF
}

# ---- capturing ----------------------------------------------------------------

# lackey_capture OUTFILE LEVEL CMD [ARGS...]: run CMD under Lackey in the
# current directory and stream the log through zstd into OUTFILE (no
# uncompressed copy on disk).  Fails if CMD fails.
lackey_capture() {
    local out=$1 level=$2
    shift 2
    local tmpd fifo zpid rc
    tmpd=$(mktemp -d)
    fifo=$tmpd/log.fifo
    mkfifo "$fifo"
    zstd -q -f "-$level" -T1 -o "$out.part" <"$fifo" &
    zpid=$!
    rc=0
    "${CAPTURE_ENV[@]}" valgrind --tool=lackey --trace-mem=yes --log-file="$fifo" "$@" || rc=$?
    wait "$zpid" || { rm -rf "$tmpd" "$out.part"; die "zstd failed writing $out"; }
    rm -rf "$tmpd"
    if [ "$rc" -ne 0 ] && [ -z "${CAPTURE_ALLOW_FAIL:-}" ]; then
        rm -f "$out.part"
        die "'$*' exited with status $rc under valgrind; no trace written"
    fi
    [ "$rc" -eq 0 ] || echo "capture.sh: note: '$*' exited with status $rc (trace kept: -f)" >&2
    mv -f "$out.part" "$out"
}

# summarize FILE: print the line counts by kind and the compressed size.
summarize() {
    local f=$1
    zstd -dcq "$f" | awk -v f="$(basename "$f")" -v bytes="$(stat -c %s "$f")" '
        /^==/ { c++; next }
        /^I /  { i++; next }
        /^ L / { l++; next }
        /^ S / { s++; next }
        /^ M / { m++; next }
        { bad++ }
        END {
            printf "%-22s accesses %9d  (I %d, L %d, S %d, M %d)  commentary %d  %.2f MB\n",
                   f, i + l + s + m, i, l, s, m, c, bytes / 1e6
            if (bad) printf "  WARNING: %d unrecognised lines\n", bad
        }'
}

describe_input() {
    echo "  input.txt: $(wc -c <input.txt) bytes, sha256 $(sha256sum input.txt | cut -d' ' -f1)"
}

# run_shipped NAME OUTDIR LEVEL: regenerate one shipped trace.
run_shipped() {
    local name=$1 outdir=$2 level=$3 work out
    out=$outdir/$name.lackey.zst
    work=$(mktemp -d)
    (
        cd "$work"
        # A fixed, minimal environment: the environment's size moves the
        # stack, and a real HOME would let a ~/.valgrindrc change the options.
        CAPTURE_ENV=(env -i PATH=/usr/bin:/bin LC_ALL=C HOME=/nonexistent)
        case $name in
        gzip)   # DEFLATE (LZ77 + Huffman), best compression; -n: no name or time in the header
                gen_text 1 16000 >input.txt; describe_input
                lackey_capture "$out" "$level" gzip -9 -n -c input.txt >/dev/null ;;
        xz)     # LZMA2, preset 3 (4 MiB dictionary, hash-chain match finder)
                gen_text 1 3000 >input.txt; describe_input
                lackey_capture "$out" "$level" xz -3 -c input.txt >/dev/null ;;
        sort)   # GNU sort of text lines, byte order (LC_ALL=C)
                gen_text 1 60000 >input.txt; describe_input
                lackey_capture "$out" "$level" sort input.txt >/dev/null ;;
        mawk)   # word frequencies in an awk associative array
                gen_text 1 8000 >input.txt; describe_input
                lackey_capture "$out" "$level" mawk \
                    '{ for (i = 1; i <= NF; i++) c[$i]++ } END { for (w in c) n++; print n, NR }' \
                    input.txt >/dev/null ;;
        *)      die "unknown trace '$name' (shipped: $SHIPPED)" ;;
        esac
    ) || { rm -rf "$work"; exit 1; }
    rm -rf "$work"
    summarize "$out"
}

print_versions() {
    echo "valgrind $(pkg_version valgrind), zstd $(pkg_version zstd), gzip $(pkg_version gzip)," \
         "xz-utils $(pkg_version xz-utils), coreutils $(pkg_version coreutils)," \
         "mawk $(pkg_version mawk); kernel $(uname -r) $(uname -m)"
}

# ---- main ----------------------------------------------------------------------

cmd=${1:-all}
case $cmd in
-h|--help|help)
    usage; exit 0 ;;
list)
    for n in $SHIPPED; do echo "$n"; done; exit 0 ;;
custom)
    shift
    [ $# -ge 1 ] || die "custom: NAME missing (capture.sh custom NAME -- CMD ARGS...)"
    name=$1; shift
    outdir=. level=9
    while [ $# -gt 0 ] && [ "$1" != "--" ]; do
        case $1 in
        -o) outdir=${2:?-o needs a directory}; shift 2 ;;
        -l) level=${2:?-l needs a level}; shift 2 ;;
        -f) CAPTURE_ALLOW_FAIL=1; shift ;;
        *)  die "custom: unexpected '$1' before '--'" ;;
        esac
    done
    [ "${1:-}" = "--" ] || die "custom: '--' and a command are required"
    shift
    [ $# -ge 1 ] || die "custom: no command after '--'"
    case $name in */*|"") die "custom: NAME must be a plain file name" ;; esac
    need valgrind valgrind; need zstd zstd
    mkdir -p "$outdir"
    out=$(cd "$outdir" && pwd)/$name.lackey.zst
    echo "capturing: $* -> $out (zstd -$level)" >&2
    lackey_capture "$out" "$level" "$@"
    summarize "$out"
    exit 0 ;;
esac

# The shipped traces.
outdir=$HERE level=19
names=()
while [ $# -gt 0 ]; do
    case $1 in
    all) names+=($SHIPPED); shift ;;
    -o)  outdir=${2:?-o needs a directory}; shift 2 ;;
    -l)  level=${2:?-l needs a level}; shift 2 ;;
    -*)  die "unknown option '$1' (try --help)" ;;
    *)   case " $SHIPPED " in *" $1 "*) names+=("$1") ;; *) die "unknown trace '$1' (shipped: $SHIPPED)" ;; esac
         shift ;;
    esac
done
[ ${#names[@]} -gt 0 ] || names=($SHIPPED)

need valgrind valgrind; need zstd zstd; need python3 python3
need gzip gzip; need xz xz-utils; need sort coreutils; need mawk mawk
mkdir -p "$outdir"
outdir=$(cd "$outdir" && pwd)
print_versions
for n in "${names[@]}"; do
    run_shipped "$n" "$outdir" "$level"
done
