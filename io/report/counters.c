/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * counters.c - the counters of a run, declared once (see counters.h).
 * The order of each table is the order of the JSON document and of the CSV
 * columns; a line's words in the summary come from here too.
 */
#include "counters.h"

#include <stddef.h>
#include <string.h>

#include "mmusim/mmusim.h"

#define U64(type, field) offsetof(type, field)

static json_t *u64(uint64_t v)
{
    return json_integer((json_int_t)v);
}

static const char *const type_names[MMU_ACCESS_TYPES] = {"read", "write", "fetch"};

/* ---- the run ---- */

static uint64_t run_cycles(const void *s, const ctr_ctx *c)
{
    const mmusim_run_info *in = s;
    (void)c;
    return in->last_cycle - in->first_cycle;
}

static json_t *run_by_type(const void *s, const ctr_ctx *c)
{
    const mmu_stats *ms = mmu_get_stats(c->m);
    json_t *by = json_object();
    (void)s;
    for (int k = 0; k < MMU_ACCESS_TYPES; k++)
        json_object_set_new(by, type_names[k], u64(ms->by_type[k]));
    return by;
}

const mmusim_counter mmusim_counters_run[] = {
    {"accesses", U64(mmusim_run_info, accesses), NULL, NULL, CTR_COUNT, NULL, NULL,
     "memory accesses read from the trace (after the warm-up)"},
    {"translations", U64(mmusim_run_info, translations), NULL, NULL, CTR_COUNT, NULL, NULL,
     "translations made (a page-crossing access makes two)"},
    {"page_crossings", U64(mmusim_run_info, crossings), NULL, NULL, CTR_COUNT, NULL, NULL,
     "accesses that spanned two pages"},
    {"instructions", U64(mmusim_run_info, instructions), NULL, NULL, CTR_COUNT, NULL, NULL,
     "instructions of the trace (its fetch accesses)"},
    {"warmup_accesses", U64(mmusim_run_info, warmup), NULL, NULL, CTR_COUNT, NULL, NULL,
     "accesses run before the counters were cleared"},
    {"cycles", 0, run_cycles, NULL, CTR_CYCLES, NULL, NULL,
     "from the issue of the first counted access to the completion of the last translation"},
    {"translations_by_type", 0, NULL, run_by_type, CTR_COUNT, NULL, NULL,
     "translations by access type: read, write, fetch"},
    {NULL, 0, NULL, NULL, 0, NULL, NULL, NULL},
};

/* ---- a TLB array ---- */

static uint64_t sum3(const uint64_t *v)
{
    uint64_t x = 0;
    for (int k = 0; k < MMU_ACCESS_TYPES; k++)
        x += v[k];
    return x;
}

static uint64_t tlb_hits(const void *s, const ctr_ctx *c)
{
    (void)c;
    return sum3(((const mmu_tlb_stats *)s)->hits);
}

static uint64_t tlb_misses(const void *s, const ctr_ctx *c)
{
    (void)c;
    return sum3(((const mmu_tlb_stats *)s)->misses);
}

static uint64_t tlb_elsewhere(const void *s, const ctr_ctx *c)
{
    (void)c;
    return sum3(((const mmu_tlb_stats *)s)->elsewhere);
}

static uint64_t tlb_lookups(const void *s, const ctr_ctx *c)
{
    return tlb_hits(s, c) + tlb_misses(s, c) + tlb_elsewhere(s, c);
}

static json_t *tlb_level(const void *s, const ctr_ctx *c)
{
    (void)s;
    return u64(mmu_tlb_get_config(mmu_get_tlb(c->m, c->index))->level);
}

static json_t *tlb_mpki(const void *s, const ctr_ctx *c)
{
    return c->in->instructions ? json_real(1000.0 * (double)tlb_misses(s, c) / (double)c->in->instructions)
                               : json_null();
}

static json_t *by_type(const uint64_t *v)
{
    json_t *o = json_object();
    for (int k = 0; k < MMU_ACCESS_TYPES; k++)
        json_object_set_new(o, type_names[k], u64(v[k]));
    return o;
}

static json_t *tlb_hits_by_type(const void *s, const ctr_ctx *c)
{
    (void)c;
    return by_type(((const mmu_tlb_stats *)s)->hits);
}

static json_t *tlb_misses_by_type(const void *s, const ctr_ctx *c)
{
    (void)c;
    return by_type(((const mmu_tlb_stats *)s)->misses);
}

const mmusim_counter mmusim_counters_tlb[] = {
    {"level", 0, NULL, tlb_level, CTR_COUNT, NULL, NULL, "the array's TLB level (1 = first looked up)"},
    {"lookups", 0, tlb_lookups, NULL, CTR_COUNT, NULL, NULL, "hits + misses + hit_elsewhere"},
    {"hits", 0, tlb_hits, NULL, CTR_COUNT, NULL, NULL, "lookups that hit in this array"},
    {"misses", 0, tlb_misses, NULL, CTR_COUNT, NULL, NULL, "lookups that missed in every array of the level"},
    {"hit_elsewhere", 0, tlb_elsewhere, NULL, CTR_COUNT, NULL, NULL,
     "lookups that missed here but hit another array of the same level"},
    {"evictions", U64(mmu_tlb_stats, evictions), NULL, NULL, CTR_COUNT, NULL, NULL,
     "valid entries displaced by a fill"},
    {"mpki", 0, NULL, tlb_mpki, CTR_COUNT, NULL, NULL,
     "misses per 1000 instructions (null if the trace has no instructions)"},
    {"fills", U64(mmu_tlb_stats, fills), NULL, NULL, CTR_COUNT, NULL, NULL, "entries written"},
    {"invalidations", U64(mmu_tlb_stats, invalidations), NULL, NULL, CTR_COUNT, NULL, NULL,
     "valid entries removed by invalidation"},
    {"hits_by_type", 0, NULL, tlb_hits_by_type, CTR_COUNT, NULL, NULL, "hits by access type"},
    {"misses_by_type", 0, NULL, tlb_misses_by_type, CTR_COUNT, NULL, NULL, "misses by access type"},
    {NULL, 0, NULL, NULL, 0, NULL, NULL, NULL},
};

/* ---- a TLB level ---- */

static json_t *level_number(const void *s, const ctr_ctx *c)
{
    (void)s;
    return u64(c->index + 1);
}

const mmusim_counter mmusim_counters_level[] = {
    {"level", 0, NULL, level_number, CTR_COUNT, NULL, NULL, "the level, from 1"},
    {"lookups", U64(mmu_level_stats, lookups), NULL, NULL, CTR_COUNT, NULL, NULL,
     "translations that looked this level up"},
    {"hits", U64(mmu_level_stats, hits), NULL, NULL, CTR_COUNT, NULL, NULL, "lookups that hit in one of its arrays"},
    {"misses", U64(mmu_level_stats, misses), NULL, NULL, CTR_COUNT, NULL, NULL, "lookups that missed in all of them"},
    {NULL, 0, NULL, NULL, 0, NULL, NULL, NULL},
};

/* ---- the walker ---- */

static uint64_t walker_miss_walks(const void *s, const ctr_ctx *c)
{
    const mmu_stats *ms = s;
    (void)c;
    return ms->walks - ms->fault_rewalks - ms->dirty_rewalks;
}

static json_t *walker_refs(const void *s, const ctr_ctx *c)
{
    const mmu_stats *ms = s;
    json_t *refs = json_array();
    (void)c;
    for (int r = 0; r <= MMU_WALK_REFS_MAX; r++)
        json_array_append_new(refs, u64(ms->walk_refs[r]));
    return refs;
}

static json_t *walker_faults(const void *s, const ctr_ctx *c)
{
    const mmu_stats *ms = s;
    json_t *wf = json_object();
    (void)c;
    for (int f = 1; f < MMU_FAULT_CAUSES; f++)
        json_object_set_new(wf, mmu_fault_id((mmu_fault)f), u64(ms->walk_faults[f]));
    return wf;
}

const mmusim_counter mmusim_counters_walker[] = {
    {"walks", U64(mmu_stats, walks), NULL, NULL, CTR_COUNT, NULL, NULL, "page-table walks made"},
    {"merged", U64(mmu_stats, walks_merged), NULL, NULL, CTR_COUNT, NULL, NULL,
     "requests that joined a walk in flight for the same page"},
    {"queue_cycles", U64(mmu_stats, walk_queue_cycles), NULL, NULL, CTR_CYCLES, NULL, NULL,
     "cycles walks waited for a free walker"},
    {"walk_cycles", U64(mmu_stats, walk_cycles), NULL, NULL, CTR_CYCLES, NULL, NULL, "cycles spent walking"},
    {"pte_reads", U64(mmu_stats, pte_reads), NULL, NULL, CTR_COUNT, NULL, NULL, "page-table entries read"},
    {"ad_writes", U64(mmu_stats, ad_writes), NULL, NULL, CTR_COUNT, NULL, NULL,
     "accessed/dirty bit updates written by the walker"},
    {"dirty_rewalks", U64(mmu_stats, dirty_rewalks), NULL, NULL, CTR_COUNT, NULL, NULL,
     "walks made again for a write whose cached entry's dirty bit was clear"},
    {"fault_rewalks", U64(mmu_stats, fault_rewalks), NULL, NULL, CTR_COUNT, NULL, NULL,
     "walks made again after a page fault was handled"},
    {"miss_walks", 0, walker_miss_walks, NULL, CTR_COUNT, NULL, NULL,
     "walks for TLB misses: walks - dirty_rewalks - fault_rewalks"},
    {"refs_per_walk", 0, NULL, walker_refs, CTR_COUNT, NULL, NULL,
     "walks by memory references made: 0..15, the last 15 or more"},
    {"page_faults", U64(mmu_stats, page_faults), NULL, NULL, CTR_COUNT, NULL, NULL, "page faults resolved"},
    {"fault_cycles", U64(mmu_stats, fault_cycles), NULL, NULL, CTR_CYCLES, NULL, NULL,
     "cycles spent in page faults"},
    {"walk_faults", 0, NULL, walker_faults, CTR_COUNT, NULL, NULL, "walks that ended in a fault, by cause"},
    {NULL, 0, NULL, NULL, 0, NULL, NULL, NULL},
};

/* ---- a paging-structure cache level ---- */

static json_t *pwc_entry(const void *s, const ctr_ctx *c)
{
    (void)s;
    return json_string(mmu_get_format(c->m)->level_names[c->index]);
}

const mmusim_counter mmusim_counters_pwc[] = {
    {"entry", 0, NULL, pwc_entry, CTR_COUNT, NULL, NULL, "the page-table level the cache holds entries of"},
    {"lookups", U64(mmu_pwc_level_stats, lookups), NULL, NULL, CTR_COUNT, NULL, NULL, "walks that looked it up"},
    {"hits", U64(mmu_pwc_level_stats, hits), NULL, NULL, CTR_COUNT, NULL, NULL, "lookups that hit"},
    {"misses", U64(mmu_pwc_level_stats, misses), NULL, NULL, CTR_COUNT, NULL, NULL, "lookups that missed"},
    {NULL, 0, NULL, NULL, 0, NULL, NULL, NULL},
};

/* ---- the OS model ---- */

static json_t *os_phys_mem(const void *s, const ctr_ctx *c)
{
    (void)s;
    return u64(mmu_os_get_config(mmu_get_os(c->m))->phys_mem);
}

static json_t *os_faults(const void *s, const ctr_ctx *c)
{
    const mmu_os_stats *st = s;
    json_t *f = json_object();
    (void)c;
    for (int k = 1; k < MMU_OS_FAULT_KINDS; k++)
        json_object_set_new(f, mmu_os_fault_kind_name((mmu_os_fault_kind)k), u64(st->faults[k]));
    return f;
}

static json_t *os_fault_cycles(const void *s, const ctr_ctx *c)
{
    const mmu_os_stats *st = s;
    json_t *lat = json_object();
    (void)c;
    for (int p = 0; p < MMU_OS_LAT_PARTS; p++)
        json_object_set_new(lat, mmu_os_lat_part_name((mmu_os_lat_part)p), u64(st->lat.part[p]));
    json_object_set_new(lat, "total", u64(st->lat.total));
    return lat;
}

const mmusim_counter mmusim_counters_os[] = {
    {"phys_mem", 0, NULL, os_phys_mem, CTR_BYTES, NULL, NULL, "physical memory of the model (os.phys_mem)"},
    {"frame_bytes", U64(mmu_os_stats, frame_bytes), NULL, NULL, CTR_BYTES, NULL, NULL, "base page size"},
    {"frames_total", U64(mmu_os_stats, frames_total), NULL, NULL, CTR_COUNT, NULL, NULL, "frames of physical memory"},
    {"frames_used", U64(mmu_os_stats, frames_used), NULL, NULL, CTR_COUNT, NULL, NULL,
     "frames in use at the end (page tables and data)"},
    {"frames_page_tables", U64(mmu_os_stats, frames_pt), NULL, NULL, CTR_COUNT, NULL, NULL,
     "frames holding page tables at the end"},
    {"faults", 0, NULL, os_faults, CTR_COUNT, NULL, NULL, "faults handled, by kind"},
    {"evictions", U64(mmu_os_stats, evictions), NULL, NULL, CTR_COUNT, "replacement", "evictions",
     "victims evicted (a huge page counts once)"},
    {"writebacks", U64(mmu_os_stats, writebacks), NULL, NULL, CTR_PAGES, "replacement", "write-backs",
     "base pages written to swap"},
    {"swap_ins", U64(mmu_os_stats, swap_ins), NULL, NULL, CTR_PAGES, "replacement", "swap-ins",
     "base pages read back from swap"},
    {"swap_slots_used", U64(mmu_os_stats, swap_slots_used), NULL, NULL, CTR_PAGES, NULL, NULL,
     "swap slots holding a page at the end"},
    {"swap_slots_peak", U64(mmu_os_stats, swap_slots_peak), NULL, NULL, CTR_PAGES, "replacement",
     "swap peak %s pages", "most swap slots in use at once"},
    {"clock_visits", U64(mmu_os_stats, clock_visits), NULL, NULL, CTR_COUNT, NULL, NULL,
     "data frames the clock hand examined"},
    {"thp_mapped", U64(mmu_os_stats, thp_mapped), NULL, NULL, CTR_COUNT, "huge pages", "mapped",
     "huge pages mapped"},
    {"thp_fallbacks", U64(mmu_os_stats, thp_fallbacks), NULL, NULL, CTR_COUNT, "huge pages",
     "fallbacks to 4K", "huge pages wanted, base page mapped for lack of an aligned free run"},
    {"thp_splits", U64(mmu_os_stats, thp_splits), NULL, NULL, CTR_COUNT, "huge pages", "splits",
     "huge pages split (evicted or partly changed)"},
    {"shootdowns", U64(mmu_os_stats, shootdowns), NULL, NULL, CTR_PAGES, "replacement", "shootdowns",
     "pages shot down"},
    {"shootdown_ipis", U64(mmu_os_stats, shootdown_ipis), NULL, NULL, CTR_COUNT, NULL, NULL,
     "shootdowns times the remote cores"},
    {"fault_cycles", 0, NULL, os_fault_cycles, CTR_CYCLES, NULL, NULL,
     "cycles of every fault by part (trap, handler, ...), and their total"},
    {NULL, 0, NULL, NULL, 0, NULL, NULL, NULL},
};

/* ---- a process of the OS model ---- */

static uint64_t proc_asid(const void *s, const ctr_ctx *c)
{
    (void)c;
    return ((const mmu_os_proc_stats *)s)->asid;
}

const mmusim_counter mmusim_counters_proc[] = {
    {"asid", 0, proc_asid, NULL, CTR_COUNT, NULL, "asid", "the process's address-space id"},
    {"vms", U64(mmu_os_proc_stats, vms), NULL, NULL, CTR_BYTES, NULL, "vms",
     "bytes of virtual pages touched and still mapped"},
    {"rss", U64(mmu_os_proc_stats, rss), NULL, NULL, CTR_BYTES, NULL, "rss", "bytes resident at the end"},
    {"peak_rss", U64(mmu_os_proc_stats, peak_rss), NULL, NULL, CTR_BYTES, NULL, "peak rss", "largest rss"},
    {"swap", U64(mmu_os_proc_stats, swap), NULL, NULL, CTR_BYTES, NULL, "swap",
     "bytes whose only copy is in swap at the end"},
    {"page_table_bytes", U64(mmu_os_proc_stats, pt_bytes), NULL, NULL, CTR_BYTES, NULL, NULL,
     "bytes of its page-table frames"},
    {"minor_faults", U64(mmu_os_proc_stats, faults[MMU_OS_FAULT_MINOR]), NULL, NULL, CTR_COUNT, NULL, "minor",
     "minor faults (a frame allocated)"},
    {"major_faults", U64(mmu_os_proc_stats, faults[MMU_OS_FAULT_MAJOR]), NULL, NULL, CTR_COUNT, NULL, "major",
     "major faults (a page read back from swap)"},
    {"ad_faults", U64(mmu_os_proc_stats, faults[MMU_OS_FAULT_AD_UPDATE]), NULL, NULL, CTR_COUNT, NULL, NULL,
     "faults to set accessed/dirty bits in software"},
    {"protection_faults", U64(mmu_os_proc_stats, faults[MMU_OS_FAULT_PROTECTION]), NULL, NULL, CTR_COUNT,
     NULL, NULL, "protection faults"},
    {"swap_ins", U64(mmu_os_proc_stats, swap_ins), NULL, NULL, CTR_PAGES, NULL, "swap-in",
     "base pages read from swap"},
    {"swap_outs", U64(mmu_os_proc_stats, swap_outs), NULL, NULL, CTR_PAGES, NULL, "swap-out",
     "base pages written to swap"},
    {"huge_pages", U64(mmu_os_proc_stats, thp), NULL, NULL, CTR_COUNT, NULL, NULL, "huge pages mapped"},
    {NULL, 0, NULL, NULL, 0, NULL, NULL, NULL},
};

/* ---- a timeline window ---- */

const mmusim_counter mmusim_counters_window[] = {
    {"accesses", U64(mmusim_window, accesses), NULL, NULL, CTR_COUNT, NULL, NULL, "accesses of the window"},
    {"translations", U64(mmusim_window, translations), NULL, NULL, CTR_COUNT, NULL, NULL, "translations made"},
    {"l1_misses", U64(mmusim_window, l1_misses), NULL, NULL, CTR_COUNT, NULL, NULL,
     "level-1 TLB lookups that missed"},
    {"walks", U64(mmusim_window, walks), NULL, NULL, CTR_COUNT, NULL, NULL, "page-table walks"},
    {"page_faults", U64(mmusim_window, page_faults), NULL, NULL, CTR_COUNT, NULL, NULL, "page faults"},
    {"latency_sum", U64(mmusim_window, latency_sum), NULL, NULL, CTR_CYCLES, NULL, NULL,
     "translation latency summed"},
    {"first_cycle", U64(mmusim_window, first_cycle), NULL, NULL, CTR_CYCLES, NULL, NULL,
     "issue cycle of the window's first access"},
    {"last_cycle", U64(mmusim_window, last_cycle), NULL, NULL, CTR_CYCLES, NULL, NULL,
     "completion of its last translation"},
    {NULL, 0, NULL, NULL, 0, NULL, NULL, NULL},
};

const mmusim_counter *ctr_find(const mmusim_counter *t, const char *key)
{
    for (; t->key; t++)
        if (strcmp(t->key, key) == 0)
            return t;
    return NULL;
}

void ctr_json(json_t *o, const mmusim_counter *t, const void *stats, const ctr_ctx *c)
{
    for (; t->key; t++)
        json_object_set_new(o, t->key, t->json ? t->json(stats, c) : u64(ctr_value(t, stats, c)));
}
