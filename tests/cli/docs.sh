# SPDX-License-Identifier: BSD-3-Clause
# The documentation stays true: the configuration reference holds exactly
# what `mmusim config --dump` prints, and every command in the usage text
# is documented in the README.
. "$(dirname "$0")/lib.inc"

"$MMUSIM" config --dump > "$TMP/dump.ini" || bad "config --dump"
sed -n '/^```ini$/,/^```$/p' "$SRC/docs/configuration.md" | sed '1d;$d' > "$TMP/doc.ini"
if cmp -s "$TMP/dump.ini" "$TMP/doc.ini"; then ok; else
  bad "docs/configuration.md differs from mmusim config --dump:"; diff "$TMP/doc.ini" "$TMP/dump.ini" | head -20
fi
for cmd in run config report presets sweep merge; do
  "$MMUSIM" help | grep -q "^  $cmd" && ok || bad "help lists $cmd"
  grep -q "mmusim $cmd" "$SRC/README.md" "$SRC"/docs/*.md && ok || bad "docs mention mmusim $cmd"
done
finish
