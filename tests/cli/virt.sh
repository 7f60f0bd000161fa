# SPDX-License-Identifier: BSD-3-Clause
# Virtualization from the command line (docs/virtualization.md): the three
# virtualized presets run a shipped trace with --check (a functional 2D walk
# of both tables for every translation), the summary and JSON carry the
# virtualization figures, runs without it carry none, double paging under
# host memory pressure, and bad [virt] settings are refused with the field.
. "$(dirname "$0")/lib.inc"
cd "$TMP" || exit 1
TRACE="$SRC/traces/mawk.lackey.zst"

for p in skylake_vm neoverse_n1_vm rocket_vm; do
  "$MMUSIM" run "$TRACE" --preset "$p" --check --json "$p.json" > "$p.txt" || bad "$p: run --check"
  grep -q "^virtualization .* over " "$p.txt" && ok || bad "$p: no virtualization block in the summary"
  expect_eq "$p: 2D walks = walks" "$(json_get "$p.json" 'j["virt"]["walks"] == j["walker"]["walks"]')" True
  expect_eq "$p: every PTE read counted in one dimension" \
    "$(json_get "$p.json" 'sum(j["virt"]["guest_reads"].values()) + sum(j["virt"]["host_reads"].values()) == j["walker"]["pte_reads"]')" True
  expect_eq "$p: VM exits for guest memory" "$(json_get "$p.json" 'j["virt"]["exits"]["minor"] > 0')" True
  expect_eq "$p: one VM" "$(json_get "$p.json" 'len(j["virt"]["vms"])')" 1
  expect_eq "$p: faults resolved" "$(json_get "$p.json" 'sum(j["faults"].values())')" 0
done
# without per-access options (the replay's fast loop): the same counts as with --check
"$MMUSIM" run "$TRACE" --preset skylake_vm --json fast.json --quiet || bad "fast loop run"
expect_eq "fast loop = checked loop" "$(json_get fast.json 'j["virt"]["walks"], j["walker"]["pte_reads"], j["virt"]["exits"]')" \
  "$(json_get skylake_vm.json 'j["virt"]["walks"], j["walker"]["pte_reads"], j["virt"]["exits"]')"
# the same trace natively: no virt key, no virt config section
"$MMUSIM" run "$TRACE" --preset skylake --json native.json --quiet || bad "native run"
expect_eq "native: no virt figures" "$(json_get native.json '"virt" in j or "virt" in j["config"]')" False
expect_eq "native vs virtualized: same TLB misses at L1" \
  "$(json_get native.json 'j["tlb_levels"][0]["misses"]')" "$(json_get skylake_vm.json 'j["tlb_levels"][0]["misses"]')"
# double paging: 256 KiB of host memory under 2 MiB of guest memory
"$MMUSIM" run "$SRC/traces/sort.lackey.zst" --preset skylake_vm --check --set os.phys_mem=2M \
  --set virt.host_mem=256K --json dp.json --quiet || bad "double paging run"
expect_eq "double paging: host swap-ins" "$(json_get dp.json 'j["virt"]["host"]["swap_ins"] > 0')" True
expect_eq "double paging: no guest major fault" "$(json_get dp.json 'j["os"]["faults"]["major"]')" 0
expect_eq "double paging: exits for host swap-ins" "$(json_get dp.json 'j["virt"]["exits"]["major"] > 0')" True
# a multi-VM mix (VM ids in the trace): one guest OS and one host process per VM
"$MMUSIM" gen mix vms.txt --vms 3 --procs 2 --quantum 2000 --accesses 200000 --quiet || bad "gen --vms"
"$MMUSIM" run vms.txt --preset skylake_vm --check --json vms.json --quiet || bad "multi-VM run --check"
expect_eq "three VMs" "$(json_get vms.json 'sorted(v["vmid"] for v in j["virt"]["vms"])')" "[0, 1, 2]"
expect_eq "each VM faulted its own memory in" "$(json_get vms.json 'all(v["guest_faults"] > 0 and v["exits"]["minor"] > 0 for v in j["virt"]["vms"])')" True
"$MMUSIM" run vms.txt --preset skylake --json vms-native.json --quiet || bad "multi-VM trace natively"
expect_eq "natively the VM ids are ignored" "$(json_get vms-native.json '"virt" in j')" False
# errors name the field
# the HTML report: the virtualization tables and the 2D walks' latency plot, none of it natively
"$MMUSIM" report virt.html skylake_vm.json 2>/dev/null || bad "report of a virtualized run"
grep -q '<h3>Virtualization</h3>' virt.html && ok || bad "report: no virtualization tables"
grep -q 'Latency of the two-dimensional walks' virt.html && ok || bad "report: no 2D walk latency plot"
"$MMUSIM" report native.html native.json 2>/dev/null || bad "report of a native run"
grep -q 'two-dimensional\|<h3>Virtualization' native.html && bad "report: virtualization in a native run" || ok
expect_fail "host format as guest" "virt.host_format" "$MMUSIM" run "$TRACE" --set walker.format=ept
expect_fail "guest format as host" "virt.host_format" "$MMUSIM" run "$TRACE" --set virt.enabled=on --set virt.host_format=sv39
expect_fail "bad nested TLB" "virt.ntlb.ways" "$MMUSIM" run "$TRACE" --set virt.enabled=on --set virt.ntlb.entries=30 --set virt.ntlb.ways=4
expect_fail "unknown virt key" "virt" "$MMUSIM" run "$TRACE" --set virt.nosuch=1
finish
