# SPDX-License-Identifier: BSD-3-Clause
# A 2-thread guest (two vCPUs, one MMU each, one shared OS model) on each
# guest architecture runs to completion; the per-vCPU figures add up to the
# totals, the OS model's page faults are the sum of every vCPU's, and the
# two threads' pages are faulted exactly once each (baseline + 2N); under
# memory pressure, shootdowns reach the other vCPU.  The OS model's faults
# are counted by kind, spurious ones included: two threads faulting on one
# page at once give one minor fault and one spurious fault (the second
# thread's walk saw the page missing; by the time it reaches the OS model the
# page is mapped), and each vCPU counts the fault it took.  csv= writes one
# row per vCPU with the same columns.
. "$(dirname "$0")/lib.inc"
need_tools qemu-x86_64 qemu-aarch64 qemu-riscv64 cc aarch64-linux-gnu-gcc riscv64-linux-gnu-gcc

N=3000
for arch in x86_64 aarch64 riscv64; do
  build_guest $arch
  guest $arch "$TMP/b.json" set=os.thp=off -- 0 0 2 || bad "$arch: 2 threads, N=0"
  rm -f "$TMP/t.csv"
  guest $arch "$TMP/t.json" set=os.thp=off csv=$TMP/t.csv -- $N 50000 2 || bad "$arch: 2 threads, N=$N"
  # one CSV row per vCPU, the same columns; the shared OS model's in the first row only
  expect_eq "$arch: CSV rows of 2 vCPUs" "$(python3 -c "
import csv, sys
rows = list(csv.reader(open(sys.argv[1])))
head, body = rows[0], rows[1:]
v, m = head.index('vcpu'), head.index('os.faults.minor')
print(len(body), all(len(r) == len(head) for r in body), [r[v] for r in body], body[0][m] != '', body[1][m])
" "$TMP/t.csv")" "2 True ['0', '1'] True "
  expect_eq "$arch: vCPUs" "$(json_get "$TMP/t.json" "len(j['vcpus'])")" 2
  for k in accesses translations instructions; do
    expect_eq "$arch: $k add up" "$(json_get "$TMP/t.json" "sum(v['$k'] for v in j['vcpus']) == j['total']['$k']")" True
  done
  expect_eq "$arch: last-level misses add up" \
    "$(json_get "$TMP/t.json" "sum(v['tlb_levels'][-1]['misses'] for v in j['vcpus']) == j['total']['last_level_misses']")" True
  expect_eq "$arch: each vCPU's page faults sum to the OS model's" \
    "$(json_get "$TMP/t.json" "sum(v['walker']['page_faults'] for v in j['vcpus']) == sum(j['vcpus'][0]['os']['faults'].values())")" True
  expect_eq "$arch: the second thread ran its chase" \
    "$(json_get "$TMP/t.json" "j['vcpus'][1]['tlb_levels'][-1]['misses'] >= 50000")" True
  base=$(json_get "$TMP/b.json" "j['vcpus'][0]['os']['faults']['minor']")
  expect_eq "$arch: minor faults = baseline $base + 2 x $N" \
    "$(json_get "$TMP/t.json" "j['vcpus'][0]['os']['faults']['minor']")" $((base + 2 * N))
  grep -q "== all 2 vCPUs ==" "$TMP/summary.txt" && ok || bad "$arch: the summary has no totals"
  # memory pressure: the OS evicts pages of both threads; each eviction is shot
  # down in the faulting vCPU at once and queued for the other
  guest $arch "$TMP/p.json" set=os.thp=off set=os.phys_mem=16777216 -- $N 50000 2 || bad "$arch: under pressure"
  expect_eq "$arch: evictions and major faults under pressure" \
    "$(json_get "$TMP/p.json" "j['vcpus'][0]['os']['evictions'] > 1000 and j['vcpus'][0]['os']['faults']['major'] > 1000")" True
  expect_eq "$arch: both vCPUs received shootdowns from the other" \
    "$(json_get "$TMP/p.json" "all(v['shootdowns_received'] > 0 for v in j['vcpus'])")" True
  expect_eq "$arch: under pressure, page faults still add up" \
    "$(json_get "$TMP/p.json" "sum(v['walker']['page_faults'] for v in j['vcpus']) == sum(j['vcpus'][0]['os']['faults'].values())")" True
done
finish
