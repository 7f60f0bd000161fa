# SPDX-License-Identifier: BSD-3-Clause
# Counts that must agree with each other on a real trace, for every format
# family: with walk merging off, every walk is a miss of the last TLB level,
# a walk again after a page fault, or a dirty re-walk; every page touched is
# one minor fault; a dirty re-walk is one hardware D write (x86) or one
# software A/D fault (RISC-V Svade, AArch64).
. "$(dirname "$0")/lib.inc"

for fmt in x86_64 x86_64_la57 sv39 sv48 aarch64_4k aarch64_64k; do
  "$MMUSIM" run "$SRC/traces/mawk.lackey.zst" --set walker.format=$fmt --set walker.merge=off \
    --quiet --json "$TMP/$fmt.json" || { bad "$fmt run"; continue; }
  expect_eq "$fmt walks" "$(json_get "$TMP/$fmt.json" 'j["walker"]["walks"]')" \
    "$(json_get "$TMP/$fmt.json" 'j["tlb_levels"][-1]["misses"] + j["walker"]["page_faults"] + j["walker"]["dirty_rewalks"]')"
  expect_eq "$fmt walks for misses" "$(json_get "$TMP/$fmt.json" 'j["walker"]["miss_walks"]')" \
    "$(json_get "$TMP/$fmt.json" 'j["tlb_levels"][-1]["misses"]')"
  expect_eq "$fmt walks again after faults" "$(json_get "$TMP/$fmt.json" 'j["walker"]["fault_rewalks"]')" \
    "$(json_get "$TMP/$fmt.json" 'j["walker"]["page_faults"]')"
  expect_eq "$fmt minor faults = pages touched" "$(json_get "$TMP/$fmt.json" 'j["os"]["faults"]["minor"]')" \
    "$(json_get "$TMP/$fmt.json" 'j["os"]["processes"][0]["vms"] // j["os"]["frame_bytes"]')"
  expect_eq "$fmt page faults" "$(json_get "$TMP/$fmt.json" 'j["walker"]["page_faults"]')" \
    "$(json_get "$TMP/$fmt.json" 'j["os"]["faults"]["minor"] + j["os"]["faults"]["major"] + j["os"]["faults"]["ad_update"]')"
  case $fmt in
    x86*) expect_eq "$fmt D writes" "$(json_get "$TMP/$fmt.json" 'j["walker"]["ad_writes"]')" \
            "$(json_get "$TMP/$fmt.json" 'j["walker"]["dirty_rewalks"]')" ;;
    *)    expect_eq "$fmt A/D faults" "$(json_get "$TMP/$fmt.json" 'j["os"]["faults"]["ad_update"]')" \
            "$(json_get "$TMP/$fmt.json" 'j["walker"]["dirty_rewalks"]')" ;;
  esac
  expect_eq "$fmt latency count" "$(json_get "$TMP/$fmt.json" 'j["latency"]["all"]["count"]')" \
    "$(json_get "$TMP/$fmt.json" 'j["translations"]')"
done
finish
