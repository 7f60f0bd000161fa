#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# scripts/spdx.sh [--add] [DIR]: every source file of the repository (C, C++,
# shell, Python, CMake) carries an SPDX-License-Identifier line in its first
# three lines: BSD-3-Clause, or GPL-2.0-or-later under plugins/qemu/ (its
# LICENSE.md).  Without --add, lists the files that lack one and fails if
# any does; with --add, writes the line into them (after a #! line).
set -euo pipefail
add=0
[ "${1-}" = --add ] && { add=1; shift; }
cd "${1:-$(dirname "$0")/..}"
git rev-parse --is-inside-work-tree >/dev/null 2>&1 || { echo "spdx: not a git checkout; skipped"; exit 77; }
missing=0
while IFS= read -r f; do
  [ -f "$f" ] || continue
  head -n 3 "$f" | grep -q 'SPDX-License-Identifier:' && continue
  case $f in plugins/qemu/*) lic=GPL-2.0-or-later ;; *) lic=BSD-3-Clause ;; esac
  case $f in
    *.c|*.h|*.cpp|*.hpp) line="/* SPDX-License-Identifier: $lic */" ;;
    *) line="# SPDX-License-Identifier: $lic" ;;
  esac
  if [ $add -eq 0 ]; then
    echo "$f: no SPDX-License-Identifier line (scripts/spdx.sh --add writes one)"
    missing=$((missing + 1))
    continue
  fi
  tmp=$(mktemp "$f.spdx.XXXXXX")
  if head -n 1 "$f" | grep -q '^#!'; then
    { head -n 1 "$f"; echo "$line"; tail -n +2 "$f"; } > "$tmp"
  else
    { echo "$line"; cat "$f"; } > "$tmp"
  fi
  chmod --reference="$f" "$tmp"
  mv "$tmp" "$f"
done < <(git ls-files -- '*.c' '*.h' '*.cpp' '*.hpp' '*.sh' '*.py' '*.cmake' '*.inc' '*.cmake.in' '*.pc.in' \
           'CMakeLists.txt' '*/CMakeLists.txt' '.ci/run' | sort -u)
[ $missing -eq 0 ] || { echo "spdx: $missing file(s) without a licence line"; exit 1; }
