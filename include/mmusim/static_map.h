/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mmusim/static_map.h - a static virtual-to-physical map for bring-up
 * without an OS: a list of regions (virtual base, physical base, size,
 * permissions, page size, ASID or global) from which real page tables of a
 * format are built in a physical range the integrator names.  The walker
 * then walks them like any other page tables: PTE reads are real and
 * priced, and the walk counts are the format's.
 *
 * The configuration ([map] of mmu_config: map.regions, map.table_base,
 * map.table_size) says what to map; mmu_map_build() writes the tables
 * through a memory port (a sparse memory, or a SystemC platform's memory);
 * mmu_static_map_create() and mmu_static_map_attach() do both for an MMU
 * with the tables in a sparse memory of their own.  Nothing here prints,
 * exits or opens files.
 */
#ifndef MMUSIM_STATIC_MAP_H
#define MMUSIM_STATIC_MAP_H

#include <stddef.h>
#include <stdint.h>

#include "mmusim/error.h"
#include "mmusim/memport.h"
#include "mmusim/pagetable.h"
#include "mmusim/types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Regions one map may hold. */
#define MMU_MAP_MAX_REGIONS 32

/* Permissions of a region (mmu_map_region.perms). */
enum {
    MMU_MAP_READ = 1u << 0,
    MMU_MAP_WRITE = 1u << 1,
    MMU_MAP_EXEC = 1u << 2,
    MMU_MAP_SUPER = 1u << 3 /* supervisor only; without it user (and, without SMAP/SMEP, supervisor) */
};

/* One region: [vbase, vbase + size) -> [pbase, pbase + size), in pages of page_size. */
typedef struct mmu_map_region {
    uint64_t vbase;
    uint64_t pbase;
    uint64_t size;      /* bytes, a multiple of the page size */
    uint32_t perms;     /* MMU_MAP_* */
    uint32_t page_size; /* mmu_page_size; a leaf size of the format */
    uint32_t global;    /* 1: in every address space (global entries); 0: in asid only */
    uint16_t asid;
} mmu_map_region;

/* The [map] section of a configuration. */
typedef struct mmu_map_config {
    uint64_t table_base; /* physical range the page tables are built in */
    uint64_t table_size;
    uint32_t n_regions;  /* 0: no static map */
    mmu_map_region region[MMU_MAP_MAX_REGIONS];
} mmu_map_config;

/*
 * Parse a region list: items separated by commas (or ';'), each
 *     VBASE:PBASE:SIZE:PERMS[:PAGE][:asid=N | :global]
 * VBASE, PBASE: integers (0x... hexadecimal); SIZE: bytes with an optional
 * K, M, G suffix (or hexadecimal); PERMS: letters of r w x s (s: supervisor
 * only); PAGE: 4K (the default), 2M, 1G, ...; global (the default) or
 * asid=N.  An empty text is an empty list.  Replaces map's regions on
 * success; on error msg names the item and what is wrong (MMU_EPARSE,
 * MMU_ERANGE).
 */
MMU_MUST_CHECK mmu_err mmu_map_parse_regions(mmu_map_config *map, const char *text, char *msg,
                                             size_t msglen);

/* Append one region (checked with the rest by mmu_map_check).  Returns MMU_EFULL when full. */
MMU_MUST_CHECK mmu_err mmu_map_add_region(mmu_map_config *map, const mmu_map_region *region);

/* The region list as text that mmu_map_parse_regions reads back ("" for none). */
void mmu_map_format_regions(const mmu_map_config *map, char *buf, size_t len);

/*
 * Check a map for a format: page sizes the format maps as leaves, aligned
 * and canonical ranges, physical addresses within the format's, a table
 * range.  Returns MMU_OK or MMU_ECONFIG with msg naming the region.
 * Overlaps are found by mmu_map_build.
 */
MMU_MUST_CHECK mmu_err mmu_map_check(const mmu_map_config *map, const mmu_pt_format *fmt, char *msg,
                                     size_t msglen);

/* What mmu_map_build built. */
typedef struct mmu_map_tables {
    uint64_t shared_root; /* root of every ASID no region names: the global regions only */
    uint32_t n_roots;     /* ASIDs that non-global regions name */
    uint16_t asid[MMU_MAP_MAX_REGIONS];
    uint64_t root[MMU_MAP_MAX_REGIONS];
    uint32_t tables;      /* tables built (every level, every root) */
    uint64_t bytes;       /* bytes of the table range used, from table_base */
    uint64_t leaves;      /* leaf entries written */
} mmu_map_tables;

/*
 * Build the page tables of map for fmt through port: tables are allocated
 * upwards from map->table_base, each aligned to its size and zeroed with
 * write64 before use; entries are read back with debug_read64 (read64 when
 * NULL).  Leaves are written accessed, and dirty when writable, so walks
 * never update them.  Returns MMU_OK with *out filled; MMU_ECONFIG (the
 * map does not check, regions overlap) or MMU_EFULL (the table range is too
 * small) with msg saying why.
 */
MMU_MUST_CHECK mmu_err mmu_map_build(const mmu_map_config *map, const mmu_pt_format *fmt,
                                     const mmu_mem_port *port, mmu_map_tables *out, char *msg,
                                     size_t msglen);

/* The root of an ASID in built tables (shared_root for an ASID no region names). */
uint64_t mmu_map_root(const mmu_map_tables *t, uint16_t asid);

/* ---- an MMU over a static map in a sparse memory of its own ---- */

typedef struct mmu mmu;
typedef struct mmu_config mmu_config;
typedef struct mmu_static_map mmu_static_map;

/*
 * Build cfg->map for cfg->walker.format in a new sparse memory (whose port
 * adds no latency: PTE references cost what the PTE memory model, [ptemem],
 * prices).  The caller owns *out.  Returns as mmu_map_build, or MMU_ENOMEM.
 */
MMU_MUST_CHECK mmu_err mmu_static_map_create(const mmu_config *cfg, mmu_static_map **out, char *msg,
                                             size_t msglen);
void mmu_static_map_destroy(mmu_static_map *sm);

/*
 * Walk the map's tables from m (radix mode, the same format): the memory,
 * the roots of the ASIDs, and every other ASID to the shared root.  Faults
 * go to the requester.  The map must outlive m, or m be given other tables.
 * Returns MMU_EINVAL (fixed mode, another format) or MMU_ENOMEM.
 */
MMU_MUST_CHECK mmu_err mmu_static_map_attach(mmu_static_map *sm, mmu *m);

const mmu_map_tables *mmu_static_map_tables(const mmu_static_map *sm);
const mmu_sparse_mem *mmu_static_map_memory(const mmu_static_map *sm);

#ifdef __cplusplus
}
#endif

#endif /* MMUSIM_STATIC_MAP_H */
