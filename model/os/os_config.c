/*
 * os_config.c - the OS model's names (frame allocation policies, fault
 * kinds, latency parts) and its configuration: defaults and the check.
 */
#include <ctype.h>
#include <inttypes.h>
#include <stddef.h>
#include <string.h>

#include "os_internal.h"
#include "msg.h"

/* ---------------------------------------------------------------- names */

static const char *const alloc_names[] = {
#define MMU_OS_FA_NAME_(name, id) id,
    MMU_OS_FRAME_ALLOC_MAP(MMU_OS_FA_NAME_)
#undef MMU_OS_FA_NAME_
};

static const char *const kind_names[] = {
#define MMU_OS_FK_NAME_(name, id, text) id,
    MMU_OS_FAULT_KIND_MAP(MMU_OS_FK_NAME_)
#undef MMU_OS_FK_NAME_
};

static const char *const part_names[] = {
#define MMU_OS_LP_NAME_(name, id, text) id,
    MMU_OS_LAT_MAP(MMU_OS_LP_NAME_)
#undef MMU_OS_LP_NAME_
};

const char *mmu_os_frame_alloc_name(mmu_os_frame_alloc a)
{
    return (unsigned)a < MMU_OS_ALLOC_POLICIES ? alloc_names[a] : "?";
}

mmu_os_frame_alloc mmu_os_frame_alloc_parse(const char *name)
{
    if (!name)
        return MMU_OS_ALLOC_POLICIES;
    for (unsigned i = 0; i < MMU_OS_ALLOC_POLICIES; i++) {
        const char *a = alloc_names[i], *b = name;
        while (*a && tolower((unsigned char)*a) == tolower((unsigned char)*b))
            a++, b++;
        if (!*a && !*b)
            return (mmu_os_frame_alloc)i;
    }
    return MMU_OS_ALLOC_POLICIES;
}

const char *mmu_os_fault_kind_name(mmu_os_fault_kind k)
{
    return (unsigned)k < MMU_OS_FAULT_KINDS ? kind_names[k] : "?";
}

const char *mmu_os_lat_part_name(mmu_os_lat_part p)
{
    return (unsigned)p < MMU_OS_LAT_PARTS ? part_names[p] : "?";
}

/* ---------------------------------------------------------------- config */

void mmu_os_config_defaults(mmu_os_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->phys_mem = 4ull << 30;
    cfg->swap_size = 0;
    cfg->seed = 1;
    cfg->frame_alloc = MMU_OS_ALLOC_SEQUENTIAL;
    cfg->thp = 0;
    cfg->clock_mhz = 3000;
    cfg->remote_cores = 0;
    cfg->trap_entry = 400;
    cfg->trap_return = 400;
    cfg->minor_handler = 2400;
    cfg->zero_frame = 400;
    cfg->major_handler = 20000;
    cfg->ad_handler = 500;
    cfg->evict = 1000;
    cfg->shootdown = 4000;
    cfg->swap_read_us = 100.0;
    cfg->swap_write_us = 100.0;
}

#define bad(msg, msglen, ...) model_msg(MMU_ECONFIG, msg, msglen, __VA_ARGS__)

mmu_err mmu_os_config_check(const mmu_os_config *cfg, const mmu_pt_format *fmt, char *msg,
                            size_t msglen)
{
    if (msg && msglen)
        msg[0] = 0;
    if (!cfg)
        return bad(msg, msglen, "os: no configuration");
    uint64_t fs = fmt ? 1ull << fmt->shift[0] : 4096;
    unsigned levels = fmt ? fmt->levels : MMU_PT_MAX_LEVELS;
    const char *fname = fmt ? fmt->name : "any format";
    uint64_t min_mem = fs * (levels + 1);
    if (cfg->phys_mem % fs)
        return bad(msg, msglen, "os.phys_mem (%" PRIu64 ") must be a multiple of the base page size (%" PRIu64 ")",
                   cfg->phys_mem, fs);
    if (cfg->phys_mem < min_mem)
        return bad(msg, msglen,
                   "os.phys_mem (%" PRIu64 ") must be at least %" PRIu64
                   " (%u frames of %" PRIu64 " bytes: a root, %u tables and one data frame for %s)",
                   cfg->phys_mem, min_mem, levels + 1, fs, levels - 1, fname);
    if (cfg->phys_mem > MAX_PHYS_MEM)
        return bad(msg, msglen, "os.phys_mem (%" PRIu64 ") must be at most %" PRIu64 " (1 TiB)",
                   cfg->phys_mem, (uint64_t)MAX_PHYS_MEM);
    if (cfg->swap_size % fs)
        return bad(msg, msglen, "os.swap_size (%" PRIu64 ") must be 0 (unlimited) or a multiple of the base page size (%" PRIu64 ")",
                   cfg->swap_size, fs);
    if (cfg->swap_size / fs > UINT32_MAX - 1)
        return bad(msg, msglen, "os.swap_size (%" PRIu64 ") must be at most %" PRIu64 " (2^32 - 2 pages)",
                   cfg->swap_size, (uint64_t)(UINT32_MAX - 1) * fs);
    if (cfg->frame_alloc >= MMU_OS_ALLOC_POLICIES)
        return bad(msg, msglen, "os.frame_alloc (%" PRIu32 ") must be sequential (0) or random (1)",
                   cfg->frame_alloc);
    if (cfg->thp > 1)
        return bad(msg, msglen, "os.thp (%" PRIu32 ") must be 0 or 1", cfg->thp);
    if (cfg->thp && fmt && !(fmt->leaf_levels & 2u))
        return bad(msg, msglen, "os.thp needs level-1 leaves, which %s does not have", fmt->name);
    if (cfg->clock_mhz < 1 || cfg->clock_mhz > 100000)
        return bad(msg, msglen, "os.clock_mhz (%" PRIu32 ") must be 1..100000", cfg->clock_mhz);
    if (cfg->remote_cores > MAX_REMOTE_CORES)
        return bad(msg, msglen, "os.remote_cores (%" PRIu32 ") must be at most %u", cfg->remote_cores,
                   MAX_REMOTE_CORES);
    static const struct {
        const char *name;
        size_t off;
    } cyc[] = {
        {"trap_entry", offsetof(mmu_os_config, trap_entry)},
        {"trap_return", offsetof(mmu_os_config, trap_return)},
        {"minor_handler", offsetof(mmu_os_config, minor_handler)},
        {"zero_frame", offsetof(mmu_os_config, zero_frame)},
        {"major_handler", offsetof(mmu_os_config, major_handler)},
        {"ad_handler", offsetof(mmu_os_config, ad_handler)},
        {"evict", offsetof(mmu_os_config, evict)},
        {"shootdown", offsetof(mmu_os_config, shootdown)},
    };
    for (size_t i = 0; i < sizeof cyc / sizeof cyc[0]; i++) {
        uint32_t v;
        memcpy(&v, (const char *)cfg + cyc[i].off, sizeof v);
        if (v > MAX_CYCLES)
            return bad(msg, msglen, "os.%s (%" PRIu32 ") must be at most %u cycles", cyc[i].name, v,
                       MAX_CYCLES);
    }
    if (!(cfg->swap_read_us >= 0 && cfg->swap_read_us <= MAX_US))
        return bad(msg, msglen, "os.swap_read_us (%g) must be 0..%g", cfg->swap_read_us, MAX_US);
    if (!(cfg->swap_write_us >= 0 && cfg->swap_write_us <= MAX_US))
        return bad(msg, msglen, "os.swap_write_us (%g) must be 0..%g", cfg->swap_write_us, MAX_US);
    return MMU_OK;
}
