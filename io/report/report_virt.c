/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * report_virt.c - virtualization figures of a run: walk references by
 * dimension and level, the nested TLB's and both PWCs' hit rates, the 2D
 * walk latency distribution, VM exits by cause, per-VM memory figures.
 * Kept apart from report.c so that a run without virtualization prints and
 * writes exactly what it did before (report.c calls in only when on).
 */
#include "report_virt.h"

#include "mmusim/mmusim.h"

static double pct(uint64_t a, uint64_t b)
{
    return b ? 100.0 * (double)a / (double)b : 0.0;
}

/* The guest OS of a VM that has run: resident bytes and page faults of all its processes. */
static void guest_figures(const mmu *m, uint16_t vmid, uint64_t *rss, uint64_t *faults)
{
    *rss = *faults = 0;
    mmu_os *os = mmu_get_guest_os(m, vmid);
    if (!os)
        return;
    for (uint32_t i = 0; i < mmu_os_proc_count(os); i++) {
        mmu_os_proc_stats ps;
        if (mmu_os_proc_get(os, i, &ps) != MMU_OK)
            continue;
        *rss += ps.rss;
        *faults += ps.faults[MMU_OS_FAULT_MINOR] + ps.faults[MMU_OS_FAULT_MAJOR];
    }
}

static void pwc_totals(const mmu_pwc *p, uint64_t *lookups, uint64_t *hits)
{
    *lookups = *hits = 0;
    if (!p)
        return;
    const mmu_pwc_stats *s = mmu_pwc_get_stats(p);
    for (unsigned l = 0; l < MMU_PT_MAX_LEVELS; l++) {
        *lookups += s->level[l].lookups;
        *hits += s->level[l].hits;
    }
}

void mmusim_report_virt_text(FILE *out, const mmu *m)
{
    const mmu_virt_stats *v = mmu_get_virt_stats(m);
    const mmu_config *cfg = mmu_get_config(m);
    const mmu_pt_format *g = mmu_get_format(m), *h = mmu_pt_format_find(cfg->virt.host_format);
    if (!v || !g || !h)
        return;
    uint64_t gr = 0, hr = 0;
    for (unsigned l = 0; l < MMU_PT_MAX_LEVELS; l++) {
        gr += v->guest_reads[l];
        hr += v->host_reads[l];
    }
    fprintf(out, "\nvirtualization %s over %s: %llu 2D walks, %.3f references per walk (guest %.3f, host %.3f)\n",
            g->name, h->name, (unsigned long long)v->walks,
            v->walks ? (double)(gr + hr + v->guest_writes + v->host_writes) / (double)v->walks : 0.0,
            v->walks ? (double)(gr + v->guest_writes) / (double)v->walks : 0.0,
            v->walks ? (double)(hr + v->host_writes) / (double)v->walks : 0.0);
    fprintf(out, "guest reads   ");
    for (int l = g->levels - 1; l >= 0; l--)
        fprintf(out, " %s:%llu", g->level_names[l], (unsigned long long)v->guest_reads[l]);
    fprintf(out, "  writes %llu\n", (unsigned long long)v->guest_writes);
    fprintf(out, "host reads    ");
    for (int l = h->levels - 1; l >= 0; l--)
        fprintf(out, " %s:%llu", h->level_names[l], (unsigned long long)v->host_reads[l]);
    fprintf(out, "  writes %llu\n", (unsigned long long)v->host_writes);
    fprintf(out, "gPA lookups    %llu (%llu final), host walks %llu\n", (unsigned long long)v->gpa_xlates,
            (unsigned long long)v->gpa_final, (unsigned long long)v->host_walks);
    uint64_t gl, gh, hl, hh;
    pwc_totals(mmu_get_pwc(m), &gl, &gh);
    pwc_totals(mmu_get_host_pwc(m), &hl, &hh);
    fprintf(out, "nested TLB     lookups %llu, hits %llu (%.2f%%)\n", (unsigned long long)v->ntlb_lookups,
            (unsigned long long)v->ntlb_hits, pct(v->ntlb_hits, v->ntlb_lookups));
    fprintf(out, "guest PWC      lookups %llu, hits %llu (%.2f%%); host PWC lookups %llu, hits %llu (%.2f%%)\n",
            (unsigned long long)gl, (unsigned long long)gh, pct(gh, gl), (unsigned long long)hl,
            (unsigned long long)hh, pct(hh, hl));
    const mmu_hist *lh = &v->latency;
    fprintf(out, "2D walk cycles mean %.2f p50 %llu p90 %llu p99 %llu max %llu\n", mmu_hist_mean(lh),
            (unsigned long long)mmu_hist_percentile(lh, 50), (unsigned long long)mmu_hist_percentile(lh, 90),
            (unsigned long long)mmu_hist_percentile(lh, 99), (unsigned long long)lh->max);
    uint64_t exits = 0;
    for (int k = 1; k < MMU_OS_FAULT_KINDS; k++)
        exits += v->exits[k];
    fprintf(out, "VM exits       %llu (", (unsigned long long)exits);
    for (int k = 1; k < MMU_OS_FAULT_KINDS; k++)
        fprintf(out, "%s%s %llu", k > 1 ? ", " : "", mmu_os_fault_kind_name((mmu_os_fault_kind)k),
                (unsigned long long)v->exits[k]);
    fprintf(out, "), %llu cycles; failed host translations %llu\n", (unsigned long long)v->exit_cycles,
            (unsigned long long)v->failed);
    mmu_os *host = mmu_get_host_os(m);
    mmu_os_stats hs;
    mmu_os_get_stats(host, &hs);
    fprintf(out, "host memory    %.2f MiB: %.2f MiB in use (%.2f MiB host tables), THP %s; evictions %llu, "
            "swap-ins %llu, write-backs %llu\n",
            (double)mmu_os_get_config(host)->phys_mem / 1048576.0,
            (double)(hs.frames_used * hs.frame_bytes) / 1048576.0,
            (double)(hs.frames_pt * hs.frame_bytes) / 1048576.0, cfg->virt.host_thp ? "on" : "off",
            (unsigned long long)hs.evictions, (unsigned long long)hs.swap_ins,
            (unsigned long long)hs.writebacks);
    fprintf(out, "%-6s %14s %12s %12s %10s %10s %12s %12s\n", "vmid", "guest-phys", "host rss",
            "host swap", "exits", "host maj", "guest rss", "guest faults");
    for (uint32_t i = 0; i < mmu_os_proc_count(host); i++) {
        mmu_os_proc_stats ps;
        if (mmu_os_proc_get(host, i, &ps) != MMU_OK)
            continue;
        uint64_t ex = 0;
        for (int k = 1; k < MMU_OS_FAULT_KINDS; k++)
            ex += ps.faults[k];
        uint64_t grss, gf;
        guest_figures(m, ps.asid, &grss, &gf);
        fprintf(out, "%-6u %11.2f MiB %8.2f MiB %8.2f MiB %10llu %10llu %8.2f MiB %12llu\n", ps.asid,
                (double)ps.vms / 1048576.0, (double)ps.rss / 1048576.0, (double)ps.swap / 1048576.0,
                (unsigned long long)ex, (unsigned long long)ps.faults[MMU_OS_FAULT_MAJOR],
                (double)grss / 1048576.0, (unsigned long long)gf);
    }
}

static json_t *u64(uint64_t v)
{
    return json_integer((json_int_t)v);
}

static json_t *levels_json(const mmu_pt_format *f, const uint64_t *v)
{
    json_t *o = json_object();
    for (int l = f->levels - 1; l >= 0; l--)
        json_object_set_new(o, f->level_names[l], u64(v[l]));
    return o;
}

json_t *mmusim_report_virt_json(const mmu *m)
{
    const mmu_virt_stats *v = mmu_get_virt_stats(m);
    const mmu_config *cfg = mmu_get_config(m);
    const mmu_pt_format *g = mmu_get_format(m), *h = mmu_pt_format_find(cfg->virt.host_format);
    if (!v || !g || !h)
        return json_null();
    json_t *o = json_object();
    json_object_set_new(o, "guest_format", json_string(g->name));
    json_object_set_new(o, "host_format", json_string(h->name));
    json_object_set_new(o, "walks", u64(v->walks));
    json_object_set_new(o, "guest_reads", levels_json(g, v->guest_reads));
    json_object_set_new(o, "guest_writes", u64(v->guest_writes));
    json_object_set_new(o, "host_reads", levels_json(h, v->host_reads));
    json_object_set_new(o, "host_writes", u64(v->host_writes));
    json_object_set_new(o, "gpa_lookups", u64(v->gpa_xlates));
    json_object_set_new(o, "gpa_final", u64(v->gpa_final));
    json_object_set_new(o, "host_walks", u64(v->host_walks));
    json_t *nt = json_object();
    json_object_set_new(nt, "lookups", u64(v->ntlb_lookups));
    json_object_set_new(nt, "hits", u64(v->ntlb_hits));
    json_object_set_new(o, "nested_tlb", nt);
    uint64_t gl, gh, hl, hh;
    pwc_totals(mmu_get_pwc(m), &gl, &gh);
    pwc_totals(mmu_get_host_pwc(m), &hl, &hh);
    json_t *gp = json_object(), *hp = json_object();
    json_object_set_new(gp, "lookups", u64(gl));
    json_object_set_new(gp, "hits", u64(gh));
    json_object_set_new(hp, "lookups", u64(hl));
    json_object_set_new(hp, "hits", u64(hh));
    json_object_set_new(o, "guest_pwc", gp);
    json_object_set_new(o, "host_pwc", hp);
    const mmu_hist *lh = &v->latency;
    json_t *lat = json_object();
    json_object_set_new(lat, "count", u64(lh->count));
    json_object_set_new(lat, "mean", json_real(mmu_hist_mean(lh)));
    json_object_set_new(lat, "p50", u64(mmu_hist_percentile(lh, 50)));
    json_object_set_new(lat, "p90", u64(mmu_hist_percentile(lh, 90)));
    json_object_set_new(lat, "p99", u64(mmu_hist_percentile(lh, 99)));
    json_object_set_new(lat, "p99_9", u64(mmu_hist_percentile(lh, 99.9)));
    json_object_set_new(lat, "max", u64(lh->max));
    json_t *blo = json_array(), *bhi = json_array(), *bn = json_array();
    for (unsigned b = 0; b < MMU_HIST_BUCKETS; b++) { /* the non-empty buckets, as latency.CLASS */
        if (!lh->bucket[b])
            continue;
        json_array_append_new(blo, u64(mmu_hist_bucket_low(b)));
        json_array_append_new(bhi, u64(mmu_hist_bucket_high(b)));
        json_array_append_new(bn, u64(lh->bucket[b]));
    }
    json_t *hist = json_object();
    json_object_set_new(hist, "low", blo);
    json_object_set_new(hist, "high", bhi);
    json_object_set_new(hist, "count", bn);
    json_object_set_new(lat, "histogram", hist);
    json_object_set_new(o, "walk_latency", lat);
    json_t *ex = json_object();
    for (int k = 1; k < MMU_OS_FAULT_KINDS; k++)
        json_object_set_new(ex, mmu_os_fault_kind_name((mmu_os_fault_kind)k), u64(v->exits[k]));
    json_object_set_new(o, "exits", ex);
    json_object_set_new(o, "exit_cycles", u64(v->exit_cycles));
    json_object_set_new(o, "failed", u64(v->failed));
    mmu_os *host = mmu_get_host_os(m);
    mmu_os_stats hs;
    mmu_os_get_stats(host, &hs);
    json_t *ho = json_object();
    json_object_set_new(ho, "phys_mem", u64(mmu_os_get_config(host)->phys_mem));
    json_object_set_new(ho, "frames_used", u64(hs.frames_used));
    json_object_set_new(ho, "frames_page_tables", u64(hs.frames_pt));
    json_object_set_new(ho, "evictions", u64(hs.evictions));
    json_object_set_new(ho, "writebacks", u64(hs.writebacks));
    json_object_set_new(ho, "swap_ins", u64(hs.swap_ins));
    json_object_set_new(ho, "thp_mapped", u64(hs.thp_mapped));
    json_object_set_new(o, "host", ho);
    json_t *vms = json_array();
    for (uint32_t i = 0; i < mmu_os_proc_count(host); i++) {
        mmu_os_proc_stats ps;
        if (mmu_os_proc_get(host, i, &ps) != MMU_OK)
            continue;
        json_t *p = json_object();
        json_object_set_new(p, "vmid", u64(ps.asid));
        json_object_set_new(p, "guest_physical_touched", u64(ps.vms));
        json_object_set_new(p, "host_rss", u64(ps.rss));
        json_object_set_new(p, "host_swap", u64(ps.swap));
        json_object_set_new(p, "host_table_bytes", u64(ps.pt_bytes));
        json_t *pe = json_object();
        for (int k = 1; k < MMU_OS_FAULT_KINDS; k++)
            json_object_set_new(pe, mmu_os_fault_kind_name((mmu_os_fault_kind)k), u64(ps.faults[k]));
        json_object_set_new(p, "exits", pe);
        uint64_t grss, gf;
        guest_figures(m, ps.asid, &grss, &gf);
        json_object_set_new(p, "guest_rss", u64(grss));
        json_object_set_new(p, "guest_faults", u64(gf));
        json_array_append_new(vms, p);
    }
    json_object_set_new(o, "vms", vms);
    return o;
}
