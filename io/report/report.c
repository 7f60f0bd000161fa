/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * report.c - the terminal summary and the JSON results of a run (jansson).
 * The JSON layout is documented in docs/json-schema.md; it mirrors the
 * configuration tree.
 */
#include "mmusim/io/report.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "counters.h"
#include "mmusim/io/config_file.h"
#include "mmusim/io/stream.h"
#include "mmusim/mmusim.h"
#include "report_virt.h" /* virtualization block (issue 13) */

static double pct(uint64_t a, uint64_t b)
{
    return b ? 100.0 * (double)a / (double)b : 0.0;
}

static const char *const pte_level_names[MMU_PTEMEM_LEVELS] = {
#define PL_NAME_(name, id) id,
    MMU_PTEMEM_LEVEL_MAP(PL_NAME_)
#undef PL_NAME_
};

static void report_walker_text(FILE *out, const mmu *m)
{
    const mmu_stats *s = mmu_get_stats(m);
    const mmu_config *cfg = mmu_get_config(m);
    const ctr_ctx cc = {m, NULL, 0};
    fprintf(out, "\nwalker         %s, %u walkers\n", cfg->walker.format, cfg->walker.count);
    fprintf(out, "walks          %llu: %llu for TLB misses, %llu again after page faults, %llu dirty "
                 "re-walks; %llu requests joined a walk in flight\n",
            (unsigned long long)s->walks,
            (unsigned long long)ctr_value(ctr_find(mmusim_counters_walker, "miss_walks"), s, &cc),
            (unsigned long long)s->fault_rewalks, (unsigned long long)s->dirty_rewalks,
            (unsigned long long)s->walks_merged);
    if (s->walks) {
        fprintf(out, "walk cycles    mean %.2f, queueing mean %.2f per walk\n",
                (double)s->walk_cycles / (double)s->walks,
                (double)s->walk_queue_cycles / (double)s->walks);
        fprintf(out, "PTE refs       reads %llu, A/D writes %llu, %.3f per walk; by walk:",
                (unsigned long long)s->pte_reads, (unsigned long long)s->ad_writes,
                (double)(s->pte_reads + s->ad_writes) / (double)s->walks);
        for (int r = 0; r <= MMU_WALK_REFS_MAX; r++)
            if (s->walk_refs[r])
                fprintf(out, " %d%s:%llu", r, r == MMU_WALK_REFS_MAX ? "+" : "",
                        (unsigned long long)s->walk_refs[r]);
        fprintf(out, "\n");
    }
    const mmu_pwc *pwc = mmu_get_pwc(m);
    const mmu_pt_format *fmt = mmu_get_format(m);
    if (pwc) {
        const mmu_pwc_stats *ps = mmu_pwc_get_stats(pwc);
        for (unsigned l = 1; l < fmt->levels; l++)
            if (mmu_pwc_get_config(pwc)->level[l].entries)
                fprintf(out, "PWC %-10s lookups %llu, hits %llu (%.2f%%)\n", fmt->level_names[l],
                        (unsigned long long)ps->level[l].lookups, (unsigned long long)ps->level[l].hits,
                        pct(ps->level[l].hits, ps->level[l].lookups));
    }
    const mmu_ptemem *pm = mmu_get_ptemem(m);
    if (pm) {
        mmu_ptemem_stats st;
        mmu_ptemem_get_stats(pm, &st);
        fprintf(out, "PTE refs served");
        for (int l = 0; l < MMU_PTEMEM_LEVELS; l++)
            fprintf(out, " %s:%llu", pte_level_names[l],
                    (unsigned long long)st.served[MMU_PTEMEM_SRC_PTE][l]);
        fprintf(out, "  (%s model)\n", mmu_ptemem_mode_name((mmu_ptemem_mode)cfg->ptemem.mode));
    }
    uint64_t nf = 0;
    for (int f = 1; f < MMU_FAULT_CAUSES; f++)
        nf += s->walk_faults[f];
    if (nf) {
        fprintf(out, "walk faults   ");
        for (int f = 1; f < MMU_FAULT_CAUSES; f++)
            if (s->walk_faults[f])
                fprintf(out, " %s:%llu", mmu_fault_id((mmu_fault)f), (unsigned long long)s->walk_faults[f]);
        fprintf(out, "  (page faults resolved %llu, %llu cycles)\n", (unsigned long long)s->page_faults,
                (unsigned long long)s->fault_cycles);
    }
}

static void mib(char *buf, size_t len, uint64_t bytes)
{
    if (bytes >= (UINT64_C(1) << 30))
        snprintf(buf, len, "%.2f GiB", (double)bytes / (double)(UINT64_C(1) << 30));
    else
        snprintf(buf, len, "%.2f MiB", (double)bytes / (double)(UINT64_C(1) << 20));
}

/* The summary line of table t labelled line: "LINE           a N, b N, ...". */
static void ctr_text_line(FILE *out, const mmusim_counter *t, const char *line, const void *stats,
                          const ctr_ctx *c)
{
    const char *sep = "";
    fprintf(out, "%-14s ", line);
    for (; t->key; t++) {
        if (!t->line || strcmp(t->line, line) != 0)
            continue;
        unsigned long long v = (unsigned long long)ctr_value(t, stats, c);
        const char *at = strstr(t->label, "%s");
        fputs(sep, out);
        if (at)
            fprintf(out, "%.*s%llu%s", (int)(at - t->label), t->label, v, at + 2);
        else
            fprintf(out, "%s %llu", t->label, v);
        sep = ", ";
    }
    fputc('\n', out);
}

static void report_os_text(FILE *out, const mmu *m)
{
    const mmu_os *os = mmu_get_os(m);
    const mmu_os_config *oc = mmu_os_get_config(os);
    mmu_os_stats st;
    mmu_os_get_stats(os, &st);
    char a[32], b[32], c[32];
    const uint64_t phys = st.frames_total * st.frame_bytes; /* phys_mem, or what of it the ranges hold */
    mib(a, sizeof a, phys);
    mib(b, sizeof b, st.frames_used * st.frame_bytes);
    mib(c, sizeof c, st.frames_pt * st.frame_bytes);
    fprintf(out, "\nOS model       physical memory %s%s: %s in use (%s page tables), THP %s\n", a,
            oc->pt_ranges.n ? " in os.frame_ranges and os.pt_ranges" : oc->frame_ranges.n ? " in os.frame_ranges" : "",
            b, c, oc->thp ? "on" : "off");
    fprintf(out, "page faults    minor %llu, major %llu, A/D %llu, protection %llu\n",
            (unsigned long long)st.faults[MMU_OS_FAULT_MINOR], (unsigned long long)st.faults[MMU_OS_FAULT_MAJOR],
            (unsigned long long)st.faults[MMU_OS_FAULT_AD_UPDATE],
            (unsigned long long)st.faults[MMU_OS_FAULT_PROTECTION]);
    const ctr_ctx cc = {m, NULL, 0};
    ctr_text_line(out, mmusim_counters_os, "replacement", &st, &cc);
    if (oc->thp)
        ctr_text_line(out, mmusim_counters_os, "huge pages", &st, &cc);
    if (st.lat.total) {
        fprintf(out, "fault cycles   %llu:", (unsigned long long)st.lat.total);
        for (int p = 0; p < MMU_OS_LAT_PARTS; p++)
            if (st.lat.part[p])
                fprintf(out, " %s %llu", mmu_os_lat_part_name((mmu_os_lat_part)p),
                        (unsigned long long)st.lat.part[p]);
        fprintf(out, "\n");
    }
    uint64_t vms_total = 0;
    /* the table of processes: the counters with a column heading; the first
     * column left-aligned, bytes in MiB/GiB */
    const mmusim_counter *col;
    for (col = mmusim_counters_proc; col->key; col++)
        if (col->label && !col->line)
            fprintf(out, col == mmusim_counters_proc ? "%-6s" : col->unit == CTR_BYTES ? " %12s" : " %9s",
                    col->label);
    fputc('\n', out);
    for (uint32_t i = 0; i < mmu_os_proc_count(os); i++) {
        mmu_os_proc_stats ps;
        if (mmu_os_proc_get(os, i, &ps) != MMU_OK)
            continue;
        vms_total += ps.vms;
        for (col = mmusim_counters_proc; col->key; col++) {
            if (!col->label || col->line)
                continue;
            char v[32];
            uint64_t x = ctr_value(col, &ps, &cc);
            if (col->unit == CTR_BYTES)
                mib(v, sizeof v, x);
            else
                snprintf(v, sizeof v, "%llu", (unsigned long long)x);
            fprintf(out, col == mmusim_counters_proc ? "%-6s" : col->unit == CTR_BYTES ? " %12s" : " %9s", v);
        }
        fputc('\n', out);
    }
    if (vms_total > phys)
        fprintf(out, "footprint %s is larger than physical memory %s: the program ran, with %llu "
                     "evictions and %llu major faults\n",
                (mib(a, sizeof a, vms_total), a), (mib(b, sizeof b, phys), b),
                (unsigned long long)st.evictions, (unsigned long long)st.faults[MMU_OS_FAULT_MAJOR]);
}

void mmusim_report_text(FILE *out, const mmu *m, const mmusim_run_info *in)
{
    const mmu_stats *s = mmu_get_stats(m);
    const mmu_config *cfg = mmu_get_config(m);
    fprintf(out, "mmusim %s\n", MMUSIM_VERSION_STRING);
    fprintf(out, "trace          %s (%s, %s)\n", in->trace_path, in->trace_format, in->compression);
    fprintf(out, "accesses       %llu", (unsigned long long)in->accesses);
    if (in->instructions)
        fprintf(out, "  (instructions %llu)", (unsigned long long)in->instructions);
    if (in->warmup)
        fprintf(out, "  after a warm-up of %llu", (unsigned long long)in->warmup);
    fprintf(out, "\n");
    fprintf(out, "translations   %llu  (%llu accesses spanned two pages)\n",
            (unsigned long long)in->translations, (unsigned long long)in->crossings);
    fprintf(out, "issue          %s\n",
            in->has_cycles ? "cycles from the trace"
                           : "one access every core.issue_interval cycles, at most core.max_outstanding "
                             "in flight, page faults stall (trace has no cycles)");
    fprintf(out, "\n%-10s %5s %14s %14s %14s %8s %12s %9s\n", "TLB array", "level", "lookups", "hits",
            "misses", "miss%", "evictions", "MPKI");
    for (uint32_t i = 0; i < mmu_tlb_count(m); i++) {
        const mmu_tlb *t = mmu_get_tlb(m, i);
        const mmu_tlb_stats *ts = mmu_tlb_get_stats(t);
        const ctr_ctx cc = {m, in, i};
        uint64_t h = ctr_value(ctr_find(mmusim_counters_tlb, "hits"), ts, &cc);
        uint64_t mi = ctr_value(ctr_find(mmusim_counters_tlb, "misses"), ts, &cc);
        uint64_t el = ctr_value(ctr_find(mmusim_counters_tlb, "hit_elsewhere"), ts, &cc);
        fprintf(out, "%-10s %5u %14llu %14llu %14llu %7.3f%% %12llu", mmu_tlb_get_config(t)->name,
                mmu_tlb_get_config(t)->level, (unsigned long long)(h + mi + el), (unsigned long long)h,
                (unsigned long long)mi, pct(mi, h + mi + el), (unsigned long long)ts->evictions);
        if (in->instructions)
            fprintf(out, " %9.3f\n", 1000.0 * (double)mi / (double)in->instructions);
        else
            fprintf(out, " %9s\n", "-");
    }
    fprintf(out, "\n%-10s %5s %14s %14s %14s %8s\n", "TLB level", "", "lookups", "hits", "misses",
            "miss%");
    for (uint32_t l = 0; l < s->n_levels; l++)
        fprintf(out, "L%-9u %5s %14llu %14llu %14llu %7.3f%%\n", l + 1, "",
                (unsigned long long)s->level[l].lookups, (unsigned long long)s->level[l].hits,
                (unsigned long long)s->level[l].misses, pct(s->level[l].misses, s->level[l].lookups));
    if (cfg->walker.mode == MMU_WALKER_FIXED)
        fprintf(out, "\nwalks          %llu  (%.3f%% of translations; fixed miss latency %u cycles)\n",
                (unsigned long long)s->walks, pct(s->walks, s->requests), cfg->walker.latency);
    else
        report_walker_text(out, m);
    if (in->instructions)
        fprintf(out, "walks / 1000 instructions  %.3f\n",
                1000.0 * (double)s->walks / (double)in->instructions);
    if (mmu_get_os(m))
        report_os_text(out, m);
    /* ---- virtualization (issue 13): report_virt.c; nothing when virt.enabled is off ---- */
    if (mmu_get_virt_stats(m))
        mmusim_report_virt_text(out, m);
    /* ---- end virtualization ---- */
    fprintf(out, "\n%-14s %12s %10s %8s %8s %8s %8s %8s\n", "latency (cyc)", "count", "mean", "p50",
            "p90", "p99", "p99.9", "max");
    for (int c = 0; c < MMU_LAT_CLASSES; c++) {
        const mmu_hist *h = mmu_get_latency(m, (mmu_lat_class)c);
        if (h->count == 0 && c != MMU_LAT_ALL)
            continue;
        fprintf(out, "%-14s %12llu %10.3f %8llu %8llu %8llu %8llu %8llu\n",
                mmu_lat_class_name((mmu_lat_class)c), (unsigned long long)h->count, mmu_hist_mean(h),
                (unsigned long long)mmu_hist_percentile(h, 50),
                (unsigned long long)mmu_hist_percentile(h, 90),
                (unsigned long long)mmu_hist_percentile(h, 99),
                (unsigned long long)mmu_hist_percentile(h, 99.9), (unsigned long long)h->max);
    }
}

/* ---- JSON ---- */

static json_t *u64(uint64_t v)
{
    return json_integer((json_int_t)v);
}

typedef struct cfg_json_ctx {
    json_t *root;
    json_t *cur;
} cfg_json_ctx;

static void cfg_visit(void *vctx, const char *section, const char *key, const char *value,
                      const char *desc)
{
    (void)desc;
    cfg_json_ctx *c = vctx;
    if (!key) {
        c->cur = json_object();
        json_object_set_new(c->root, section, c->cur);
        return;
    }
    json_object_set_new(c->cur, key, json_string(value));
}

static json_t *walker_json(const mmu *m)
{
    const mmu_stats *s = mmu_get_stats(m);
    const mmu_config *cfg = mmu_get_config(m);
    json_t *w = json_object();
    json_object_set_new(w, "mode", json_string(cfg->walker.mode == MMU_WALKER_FIXED ? "fixed" : "radix"));
    const ctr_ctx cc = {m, NULL, 0};
    ctr_json(w, mmusim_counters_walker, s, &cc);
    const mmu_pt_format *fmt = mmu_get_format(m);
    if (fmt) {
        json_object_set_new(w, "format", json_string(fmt->name));
        json_object_set_new(w, "walkers", u64(cfg->walker.count));
        json_t *pwc = json_object();
        const mmu_pwc_stats *ps = mmu_pwc_get_stats(mmu_get_pwc(m));
        for (unsigned l = 1; l < fmt->levels; l++) {
            if (!mmu_pwc_get_config(mmu_get_pwc(m))->level[l].entries)
                continue;
            json_t *o = json_object();
            const ctr_ctx cl = {m, NULL, l};
            ctr_json(o, mmusim_counters_pwc, &ps->level[l], &cl);
            char key[8];
            snprintf(key, sizeof key, "l%u", l);
            json_object_set_new(pwc, key, o);
        }
        json_object_set_new(w, "pwc", pwc);
        mmu_ptemem_stats st;
        mmu_ptemem_get_stats(mmu_get_ptemem(m), &st);
        json_t *pm = json_object();
        json_object_set_new(pm, "mode",
                            json_string(mmu_ptemem_mode_name((mmu_ptemem_mode)cfg->ptemem.mode)));
        const char *src_names[MMU_PTEMEM_SOURCES] = {"pte", "data"};
        for (int src = 0; src < MMU_PTEMEM_SOURCES; src++) {
            json_t *o = json_object();
            json_object_set_new(o, "accesses", u64(st.accesses[src]));
            for (int l = 0; l < MMU_PTEMEM_LEVELS; l++)
                json_object_set_new(o, pte_level_names[l], u64(st.served[src][l]));
            json_object_set_new(pm, src_names[src], o);
        }
        json_object_set_new(w, "ptemem", pm);
    }
    return w;
}

static json_t *os_json(const mmu *m)
{
    const mmu_os *os = mmu_get_os(m);
    mmu_os_stats st;
    mmu_os_get_stats(os, &st);
    json_t *o = json_object();
    const ctr_ctx cc = {m, NULL, 0};
    ctr_json(o, mmusim_counters_os, &st, &cc);
    json_t *procs = json_array();
    for (uint32_t i = 0; i < mmu_os_proc_count(os); i++) {
        mmu_os_proc_stats ps;
        if (mmu_os_proc_get(os, i, &ps) != MMU_OK)
            continue;
        json_t *p = json_object();
        ctr_json(p, mmusim_counters_proc, &ps, &cc);
        json_array_append_new(procs, p);
    }
    json_object_set_new(o, "processes", procs);
    return o;
}

json_t *mmusim_report_build(const mmu *m, const mmusim_run_info *in)
{
    const mmu_stats *s = mmu_get_stats(m);
    json_t *root = json_object();
    json_object_set_new(root, "schema", json_string(MMUSIM_JSON_SCHEMA));
    json_object_set_new(root, "mmusim_version", json_string(MMUSIM_VERSION_STRING));

    json_t *tr = json_object();
    json_object_set_new(tr, "path", json_string(in->trace_path));
    json_object_set_new(tr, "format", json_string(in->trace_format));
    json_object_set_new(tr, "compression", json_string(in->compression));
    json_object_set_new(tr, "has_cycles", json_boolean(in->has_cycles));
    json_object_set_new(root, "trace", tr);
    json_object_set_new(root, "preset", in->preset ? json_string(in->preset) : json_null());

    const ctr_ctx cc = {m, in, 0};
    ctr_json(root, mmusim_counters_run, in, &cc);

    json_t *tlb = json_object();
    for (uint32_t i = 0; i < mmu_tlb_count(m); i++) {
        const mmu_tlb *t = mmu_get_tlb(m, i);
        const mmu_tlb_stats *ts = mmu_tlb_get_stats(t);
        json_t *a = json_object();
        const ctr_ctx ct = {m, in, i};
        ctr_json(a, mmusim_counters_tlb, ts, &ct);
        json_object_set_new(tlb, mmu_tlb_get_config(t)->name, a);
    }
    json_object_set_new(root, "tlb", tlb);

    json_t *levels = json_array();
    for (uint32_t l = 0; l < s->n_levels; l++) {
        json_t *o = json_object();
        const ctr_ctx cl = {m, in, l};
        ctr_json(o, mmusim_counters_level, &s->level[l], &cl);
        json_array_append_new(levels, o);
    }
    json_object_set_new(root, "tlb_levels", levels);

    json_object_set_new(root, "walker", walker_json(m));
    json_t *faults = json_object();
    for (int f = 1; f < MMU_FAULT_CAUSES; f++)
        json_object_set_new(faults, mmu_fault_id((mmu_fault)f), u64(s->faults[f]));
    json_object_set_new(root, "faults", faults);
    json_object_set_new(root, "os", mmu_get_os(m) ? os_json(m) : json_null());
    /* ---- virtualization (issue 13): report_virt.c; no "virt" key when virt.enabled is off ---- */
    if (mmu_get_virt_stats(m))
        json_object_set_new(root, "virt", mmusim_report_virt_json(m));
    /* ---- end virtualization ---- */

    json_t *lat = json_object();
    for (int c = 0; c < MMU_LAT_CLASSES; c++) {
        const mmu_hist *h = mmu_get_latency(m, (mmu_lat_class)c);
        json_t *o = json_object();
        json_object_set_new(o, "count", u64(h->count));
        json_object_set_new(o, "sum", u64(h->sum));
        json_object_set_new(o, "mean", json_real(mmu_hist_mean(h)));
        json_object_set_new(o, "min", u64(h->min));
        json_object_set_new(o, "p50", u64(mmu_hist_percentile(h, 50)));
        json_object_set_new(o, "p90", u64(mmu_hist_percentile(h, 90)));
        json_object_set_new(o, "p99", u64(mmu_hist_percentile(h, 99)));
        json_object_set_new(o, "p99_9", u64(mmu_hist_percentile(h, 99.9)));
        json_object_set_new(o, "max", u64(h->max));
        /* the non-empty buckets, for a CDF (mmusim report) */
        json_t *hl = json_array(), *hh = json_array(), *hc = json_array();
        for (unsigned b = 0; b < MMU_HIST_BUCKETS; b++) {
            if (!h->bucket[b])
                continue;
            json_array_append_new(hl, u64(mmu_hist_bucket_low(b)));
            json_array_append_new(hh, u64(mmu_hist_bucket_high(b)));
            json_array_append_new(hc, u64(h->bucket[b]));
        }
        json_t *hist = json_object();
        json_object_set_new(hist, "low", hl);
        json_object_set_new(hist, "high", hh);
        json_object_set_new(hist, "count", hc);
        json_object_set_new(o, "histogram", hist);
        json_object_set_new(lat, mmu_lat_class_name((mmu_lat_class)c), o);
    }
    json_object_set_new(root, "latency", lat);

    if (in->timeline_window) {
        json_t *tl = json_object();
        json_object_set_new(tl, "window", u64(in->timeline_window));
        for (const mmusim_counter *k = mmusim_counters_window; k->key; k++) {
            json_t *a = json_array();
            for (size_t w = 0; w < in->n_windows; w++)
                json_array_append_new(a, u64(ctr_value(k, &in->windows[w], &cc)));
            json_object_set_new(tl, k->key, a);
        }
        json_object_set_new(root, "timeline", tl);
    }

    cfg_json_ctx c = {json_object(), NULL};
    mmu_config_foreach(mmu_get_config(m), cfg_visit, &c);
    json_object_set_new(root, "config", c.root);
    return root;
}

/* ---- CSV: the JSON document flattened into one row ---- */

/* A CSV field: quoted when it holds a comma, a quote or a newline. */
static void csv_field(mmusim_buf *b, const char *s)
{
    if (!strpbrk(s, ",\"\n")) {
        mmusim_buf_str(b, s);
        return;
    }
    mmusim_buf_add(b, "\"", 1);
    for (; *s; s++) {
        if (*s == '"')
            mmusim_buf_add(b, "\"", 1);
        mmusim_buf_add(b, s, 1);
    }
    mmusim_buf_add(b, "\"", 1);
}

int mmusim_csv_config_value(const char *column, const char *text, char *buf, size_t len)
{
    size_t n = strspn(text, "0123456789"), cl = strlen(column);
    unsigned shift = 0;
    /* a list of page sizes stays a list, even of one item */
    int list = cl >= 11 && strcmp(column + cl - 11, ".page_sizes") == 0;
    if (!list && n > 0 && n <= 19 && text[n] && !text[n + 1]) {
        switch (text[n]) {
        case 'K': shift = 10; break;
        case 'M': shift = 20; break;
        case 'G': shift = 30; break;
        case 'T': shift = 40; break;
        default: break;
        }
    }
    if (shift) {
        unsigned long long x = strtoull(text, NULL, 10);
        if (x <= (~0ULL >> shift)) {
            snprintf(buf, len, "%llu", x << shift);
            return 1;
        }
    }
    snprintf(buf, len, "%s", text);
    return 0;
}

/* A real number in the fewest significant digits that read back as the
 * same double (at most 17), so that a CSV value round-trips. */
static void real_text(char *buf, size_t len, double x)
{
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, len, "%.*g", prec, x);
        if (strtod(buf, NULL) == x)
            return;
    }
}

/* The timeline is left out of the row: it is one value per window; so are the
 * latency histograms, whose length depends on the results.  Configuration
 * values written with a K, M, G suffix are written as bytes. */
static void flatten(json_t *v, const char *prefix, mmusim_buf *head, mmusim_buf *row)
{
    char key[512], num[64];
    if (json_is_object(v)) {
        const char *k;
        json_t *x;
        json_object_foreach(v, k, x) {
            if ((!*prefix && strcmp(k, "timeline") == 0) || strcmp(k, "histogram") == 0)
                continue;
            snprintf(key, sizeof key, "%s%s%s", prefix, *prefix ? "." : "", k);
            flatten(x, key, head, row);
        }
        return;
    }
    if (json_is_array(v)) {
        size_t i;
        json_t *x;
        json_array_foreach(v, i, x) {
            snprintf(key, sizeof key, "%s.%zu", prefix, i);
            flatten(x, key, head, row);
        }
        return;
    }
    if (head->n)
        mmusim_buf_add(head, ",", 1);
    if (row->n)
        mmusim_buf_add(row, ",", 1);
    csv_field(head, prefix);
    if (json_is_string(v) && strncmp(prefix, "config.", 7) == 0) {
        char val[64];
        if (strlen(json_string_value(v)) < sizeof val) {
            mmusim_csv_config_value(prefix, json_string_value(v), val, sizeof val);
            csv_field(row, val);
        } else {
            csv_field(row, json_string_value(v));
        }
    } else if (json_is_string(v))
        csv_field(row, json_string_value(v));
    else if (json_is_integer(v)) {
        snprintf(num, sizeof num, "%lld", (long long)json_integer_value(v));
        mmusim_buf_str(row, num);
    } else if (json_is_real(v)) {
        real_text(num, sizeof num, json_real_value(v));
        mmusim_buf_str(row, num);
    } else if (json_is_true(v))
        mmusim_buf_str(row, "true");
    else if (json_is_false(v))
        mmusim_buf_str(row, "false");
    /* null: an empty field */
}

/* Write all of buf to fd; 0, or an errno value (a short write is retried,
 * so the real reason, e.g. ENOSPC, is what comes back). */
static int write_whole(int fd, const char *buf, size_t n)
{
    while (n) {
        ssize_t w = write(fd, buf, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return errno;
        }
        if (w == 0)
            return EIO;
        buf += w;
        n -= (size_t)w;
    }
    return 0;
}

/*
 * Append row to the regular file open on fd, after its header check, as a
 * whole or not at all: under an exclusive lock (other mmusim runs appending
 * to the file wait), with the termination signals held off, and cut back to
 * its old size if the write or the sync fails.  Returns 0, or -1 with a
 * message.
 */
static int csv_append(int fd, const char *path, const mmusim_buf *head, const mmusim_buf *row, char *err,
                      size_t errlen)
{
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGHUP);
    sigaddset(&block, SIGQUIT);
    pthread_sigmask(SIG_BLOCK, &block, &old);
    int rc = -1, e = 0;
    struct stat st;
    char *first = NULL;
    while (flock(fd, LOCK_EX) != 0)
        if (errno != EINTR) {
            e = errno;
            goto out;
        }
    if (fstat(fd, &st) != 0) {
        e = errno;
        goto out;
    }
    if (st.st_size > 0) {
        /* an existing file must have the same columns, and end with a whole row */
        first = malloc(head->n);
        char last = 0;
        if (!first) {
            e = ENOMEM;
            goto out;
        }
        ssize_t got = pread(fd, first, head->n, 0);
        if (got < 0 || pread(fd, &last, 1, st.st_size - 1) != 1) {
            e = errno ? errno : EIO;
            goto out;
        }
        if ((size_t)got != head->n || memcmp(first, head->p, head->n) != 0) {
            snprintf(err, errlen,
                     "%s: its columns differ from this run's (another configuration shape); use another file",
                     path);
            goto out;
        }
        if (last != '\n') {
            snprintf(err, errlen,
                     "%s: its last row is incomplete (no end of line: a full disk?); remove that row "
                     "and try again",
                     path);
            goto out;
        }
    }
    /* header and row in one write when the file is new */
    mmusim_buf both = {0};
    const mmusim_buf *out = row;
    if (st.st_size == 0) {
        mmusim_buf_add(&both, head->p, head->n);
        mmusim_buf_add(&both, row->p, row->n);
        if (both.oom) {
            mmusim_buf_free(&both);
            e = ENOMEM;
            goto out;
        }
        out = &both;
    }
    e = write_whole(fd, out->p, out->n);
    if (!e && fsync(fd) != 0)
        e = errno;
    mmusim_buf_free(&both);
    if (e) {
        if (ftruncate(fd, st.st_size) != 0) {
            snprintf(err, errlen, "%s: %s; and it could not be cut back to its last whole row: %s", path,
                     strerror(e), strerror(errno));
            e = 0;
            goto out;
        }
        goto out;
    }
    rc = 0;
out:
    if (e)
        snprintf(err, errlen, "%s: %s", path, strerror(e));
    free(first);
    flock(fd, LOCK_UN);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return rc;
}

int mmusim_report_csv_text(json_t *doc, char **head_out, char **row_out)
{
    mmusim_buf head = {0}, row = {0};
    flatten(doc, "", &head, &row);
    mmusim_buf_add(&head, "\n", 1);
    mmusim_buf_add(&row, "\n", 1);
    if (head.oom || row.oom) {
        mmusim_buf_free(&head);
        mmusim_buf_free(&row);
        return -1;
    }
    *head_out = head.p;
    *row_out = row.p;
    return 0;
}

int mmusim_report_csv(const char *path, json_t *doc, char *err, size_t errlen)
{
    mmusim_buf head = {0}, row = {0};
    flatten(doc, "", &head, &row);
    mmusim_buf_add(&head, "\n", 1);
    mmusim_buf_add(&row, "\n", 1);
    int rc = -1;
    if (head.oom || row.oom) {
        snprintf(err, errlen, "%s: out of memory", path);
        goto out;
    }
    rc = mmusim_report_csv_append(path, head.p, head.n, row.p, row.n, err, errlen);
out:
    mmusim_buf_free(&head);
    mmusim_buf_free(&row);
    return rc;
}

int mmusim_report_csv_append(const char *path, const char *head_text, size_t head_len, const char *rows_text,
                             size_t rows_len, char *err, size_t errlen)
{
    /* views of the caller's text (never freed here) */
    const mmusim_buf head = {(char *)head_text, head_len, head_len, 0};
    const mmusim_buf row = {(char *)rows_text, rows_len, rows_len, 0};
    int rc = -1;
    struct stat st;
    int is_stdout = strcmp(path, "-") == 0;
    if (is_stdout || (stat(path, &st) == 0 && !S_ISREG(st.st_mode))) {
        /* standard output, a device or a FIFO: nothing to read back, so the
         * header and the row, every time */
        mmusim_ofile *of;
        if (mmusim_ofile_open(path, &of, err, errlen) < 0)
            goto out;
        int e = write_whole(mmusim_ofile_fd(of), head.p, head.n);
        if (!e)
            e = write_whole(mmusim_ofile_fd(of), row.p, row.n);
        if (e) {
            snprintf(err, errlen, "%s: %s", is_stdout ? "<stdout>" : path, strerror(e));
            mmusim_ofile_abort(of);
            goto out;
        }
        rc = mmusim_ofile_commit(of, err, errlen) < 0 ? -1 : 0;
        goto out;
    }
    int fd;
    do
        fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0666);
    while (fd < 0 && errno == EINTR);
    if (fd < 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        goto out;
    }
    rc = csv_append(fd, path, &head, &row, err, errlen);
    if (close(fd) != 0 && rc == 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        rc = -1;
    }
out:
    return rc;
}

int mmusim_report_json(const char *path, const mmu *m, const mmusim_run_info *in, char *err, size_t errlen)
{
    json_t *root = mmusim_report_build(m, in);
    if (!root) {
        snprintf(err, errlen, "%s: out of memory building the JSON document", path);
        return -1;
    }
    int rc = -1;
    mmusim_ofile *of;
    if (mmusim_ofile_open(path, &of, err, errlen) == 0) {
        FILE *f = mmusim_ofile_stdio(of);
        if (!f) {
            snprintf(err, errlen, "%s: out of memory", path);
            mmusim_ofile_abort(of);
        } else {
            /* a failed write sticks to the stream: the commit reports it */
            (void)json_dumpf(root, f, JSON_INDENT(2));
            (void)fputc('\n', f);
            rc = mmusim_ofile_commit(of, err, errlen) < 0 ? -1 : 0;
        }
    }
    json_decref(root);
    return rc;
}
