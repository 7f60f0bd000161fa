/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * memport.c - a sparse physical memory behind the mmu_mem_port interface.
 *
 * Pages of 4 KiB are allocated on their first write and found through an
 * open-addressing hash table (linear probing, backward-shift deletion) keyed
 * by page frame number, so memory use grows with the pages touched, not with
 * the physical address space.  Untouched memory reads as zero.  Words are
 * stored little-endian (byte-swapped on a big-endian host), so the byte
 * layout does not depend on the host.
 */
#include <stdlib.h>
#include <string.h>

#include "memport_internal.h"

#define PAGE_MASK ((uint64_t)MMU_SPARSE_PAGE_SIZE - 1)
#define MIN_SLOTS 64u

#define FRAME_CACHE MMUSIM_SPARSE_FRAME_CACHE

static size_t hash_pfn(uint64_t pfn, size_t nslots)
{
    uint64_t h = pfn * 0x9E3779B97F4A7C15ull;
    return (size_t)(h ^ (h >> 29)) & (nslots - 1);
}

static uint8_t *find_page(const mmu_sparse_mem *m, uint64_t pfn)
{
    size_t mask = m->nslots - 1;
    for (size_t i = hash_pfn(pfn, m->nslots);; i = (i + 1) & mask) {
        const struct mmusim_sparse_slot *s = &m->slots[i];
        if (s->pfn == 0)
            return NULL;
        if (s->pfn == pfn + 1)
            return s->data;
    }
}

static void insert_slot(struct mmusim_sparse_slot *slots, size_t nslots, uint64_t key, uint8_t *data)
{
    size_t mask = nslots - 1;
    size_t i = hash_pfn(key - 1, nslots);
    while (slots[i].pfn != 0)
        i = (i + 1) & mask;
    slots[i].pfn = key;
    slots[i].data = data;
}

static int grow(mmu_sparse_mem *m)
{
    size_t n = m->nslots * 2;
    struct mmusim_sparse_slot *s = calloc(n, sizeof *s);
    if (!s)
        return -1;
    for (size_t i = 0; i < m->nslots; i++)
        if (m->slots[i].pfn)
            insert_slot(s, n, m->slots[i].pfn, m->slots[i].data);
    free(m->slots);
    m->slots = s;
    m->nslots = n;
    return 0;
}

/* The page holding pfn, allocated (zeroed) if absent; NULL if out of memory. */
static uint8_t *get_page(mmu_sparse_mem *m, uint64_t pfn)
{
    uint8_t *p = find_page(m, pfn);
    if (p)
        return p;
    if ((m->npages + 1) * 2 > m->nslots && grow(m) != 0)
        return NULL;
    p = calloc(1, MMU_SPARSE_PAGE_SIZE);
    if (!p)
        return NULL;
    insert_slot(m->slots, m->nslots, pfn + 1, p);
    m->npages++;
    return p;
}

/* Remove the page holding pfn (backward-shift deletion).  Returns 1 if it was present. */
static int remove_page(mmu_sparse_mem *m, uint64_t pfn)
{
    size_t mask = m->nslots - 1;
    size_t i = hash_pfn(pfn, m->nslots);
    while (m->slots[i].pfn != pfn + 1) {
        if (m->slots[i].pfn == 0)
            return 0;
        i = (i + 1) & mask;
    }
    free(m->slots[i].data);
    m->npages--;
    struct mmusim_sparse_slot *f = &m->frames[pfn % FRAME_CACHE];
    if (f->pfn == pfn + 1) {
        f->pfn = 0;
        f->data = NULL;
    }
    /* shift later members of the probe run back into the hole */
    size_t hole = i;
    for (size_t j = (i + 1) & mask; m->slots[j].pfn != 0; j = (j + 1) & mask) {
        size_t home = hash_pfn(m->slots[j].pfn - 1, m->nslots);
        /* j may move to hole unless its home lies cyclically in (hole, j] */
        int stays = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
        if (!stays) {
            m->slots[hole] = m->slots[j];
            hole = j;
        }
    }
    m->slots[hole].pfn = 0;
    m->slots[hole].data = NULL;
    return 1;
}

mmu_err mmu_sparse_mem_create(uint32_t latency, mmu_sparse_mem **out)
{
    if (!out)
        return MMU_EINVAL;
    *out = NULL;
    mmu_sparse_mem *m = calloc(1, sizeof *m);
    if (!m)
        return MMU_ENOMEM;
    m->slots = calloc(MIN_SLOTS, sizeof *m->slots);
    if (!m->slots) {
        free(m);
        return MMU_ENOMEM;
    }
    m->nslots = MIN_SLOTS;
    m->latency = latency;
    m->status = MMU_OK;
    *out = m;
    return MMU_OK;
}

void mmu_sparse_mem_clear(mmu_sparse_mem *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->nslots; i++) {
        free(m->slots[i].data);
        m->slots[i].data = NULL;
        m->slots[i].pfn = 0;
    }
    memset(m->frames, 0, sizeof m->frames);
    m->npages = 0;
    m->status = MMU_OK;
}

void mmu_sparse_mem_destroy(mmu_sparse_mem *m)
{
    if (!m)
        return;
    mmu_sparse_mem_clear(m);
    free(m->slots);
    free(m);
}

void mmu_sparse_mem_set_latency(mmu_sparse_mem *m, uint32_t latency)
{
    m->latency = latency;
}

uint32_t mmu_sparse_mem_latency(const mmu_sparse_mem *m)
{
    return m->latency;
}

size_t mmu_sparse_mem_pages(const mmu_sparse_mem *m)
{
    return m->npages;
}

mmu_err mmu_sparse_mem_status(const mmu_sparse_mem *m)
{
    return m->status;
}

mmu_err mmu_sparse_mem_read(const mmu_sparse_mem *m, uint64_t paddr, void *buf, size_t len)
{
    if (!m || (!buf && len))
        return MMU_EINVAL;
    uint8_t *dst = buf;
    while (len) {
        uint64_t off = paddr & PAGE_MASK;
        size_t n = MMU_SPARSE_PAGE_SIZE - (size_t)off;
        if (n > len)
            n = len;
        const uint8_t *p = find_page(m, paddr >> MMU_SPARSE_PAGE_SHIFT);
        if (p)
            memcpy(dst, p + off, n);
        else
            memset(dst, 0, n);
        dst += n;
        paddr += n;
        len -= n;
    }
    return MMU_OK;
}

mmu_err mmu_sparse_mem_write(mmu_sparse_mem *m, uint64_t paddr, const void *buf, size_t len)
{
    if (!m || (!buf && len))
        return MMU_EINVAL;
    const uint8_t *src = buf;
    while (len) {
        uint64_t off = paddr & PAGE_MASK;
        size_t n = MMU_SPARSE_PAGE_SIZE - (size_t)off;
        if (n > len)
            n = len;
        uint8_t *p = get_page(m, paddr >> MMU_SPARSE_PAGE_SHIFT);
        if (!p)
            return MMU_ENOMEM;
        memcpy(p + off, src, n);
        src += n;
        paddr += n;
        len -= n;
    }
    return MMU_OK;
}

/* Host word <-> little-endian bytes: a plain copy on little-endian hosts. */
static uint64_t to_le64(uint64_t v)
{
#if defined(__BYTE_ORDER__) && defined(__ORDER_BIG_ENDIAN__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    v = __builtin_bswap64(v);
#endif
    return v;
}

static uint64_t load_le64(const uint8_t *b)
{
    uint64_t v;
    memcpy(&v, b, 8);
    return to_le64(v);
}

static void store_le64(uint8_t *b, uint64_t v)
{
    v = to_le64(v);
    memcpy(b, &v, 8);
}

uint64_t mmu_sparse_mem_read64(const mmu_sparse_mem *m, uint64_t paddr)
{
    uint64_t off = paddr & PAGE_MASK;
    if (off <= MMU_SPARSE_PAGE_SIZE - 8) {
        const uint8_t *p = find_page(m, paddr >> MMU_SPARSE_PAGE_SHIFT);
        return p ? load_le64(p + off) : 0;
    }
    uint8_t b[8];
    (void)mmu_sparse_mem_read(m, paddr, b, 8);
    return load_le64(b);
}

mmu_err mmu_sparse_mem_write64(mmu_sparse_mem *m, uint64_t paddr, uint64_t value)
{
    uint8_t b[8];
    store_le64(b, value);
    uint64_t off = paddr & PAGE_MASK;
    if (off <= MMU_SPARSE_PAGE_SIZE - 8) {
        uint8_t *p = get_page(m, paddr >> MMU_SPARSE_PAGE_SHIFT);
        if (!p)
            return MMU_ENOMEM;
        memcpy(p + off, b, 8);
        return MMU_OK;
    }
    return mmu_sparse_mem_write(m, paddr, b, 8);
}

size_t mmu_sparse_mem_discard(mmu_sparse_mem *m, uint64_t paddr, uint64_t len)
{
    size_t freed = 0;
    while (len) {
        uint64_t off = paddr & PAGE_MASK;
        uint64_t n = MMU_SPARSE_PAGE_SIZE - off;
        if (n > len)
            n = len;
        uint64_t pfn = paddr >> MMU_SPARSE_PAGE_SHIFT;
        if (n == MMU_SPARSE_PAGE_SIZE) {
            freed += (size_t)remove_page(m, pfn);
        } else {
            uint8_t *p = find_page(m, pfn);
            if (p)
                memset(p + off, 0, (size_t)n);
        }
        paddr += n;
        len -= n;
        if (paddr == 0) /* wrapped past the top of the address space */
            break;
    }
    return freed;
}

uint32_t mmusim_sparse_read64_slow(mmu_sparse_mem *m, uint64_t paddr, uint64_t *value)
{
    uint64_t off = paddr & PAGE_MASK;
    if (off > MMU_SPARSE_PAGE_SIZE - 8) { /* across two pages */
        *value = mmu_sparse_mem_read64(m, paddr);
        return m->latency;
    }
    /* as mmu_sparse_mem_read64, with find_page inline; a present frame is remembered */
    const uint64_t pfn = paddr >> MMU_SPARSE_PAGE_SHIFT;
    struct mmusim_sparse_slot *f = &m->frames[pfn % FRAME_CACHE];
    const size_t mask = m->nslots - 1;
    const struct mmusim_sparse_slot *slots = m->slots;
    for (size_t i = hash_pfn(pfn, m->nslots);; i = (i + 1) & mask) {
        if (slots[i].pfn == pfn + 1) {
            *f = slots[i];
            *value = load_le64(slots[i].data + off);
            break;
        }
        if (slots[i].pfn == 0) {
            *value = 0;
            break;
        }
    }
    return m->latency;
}

static uint32_t port_read64(void *ctx, uint64_t paddr, uint64_t *value)
{
    return mmusim_sparse_read64(ctx, paddr, value);
}

static uint32_t port_write64(void *ctx, uint64_t paddr, uint64_t value)
{
    mmu_sparse_mem *m = ctx;
    if (mmu_sparse_mem_write64(m, paddr, value) != MMU_OK)
        m->status = MMU_ENOMEM;
    return m->latency;
}

mmu_mem_port mmu_sparse_mem_port(mmu_sparse_mem *m)
{
    mmu_mem_port p = {m, port_read64, port_write64, NULL};
    return p;
}

mmu_sparse_mem *mmusim_sparse_of_port(const mmu_mem_port *p)
{
    return p && p->read64 == port_read64 ? p->ctx : NULL;
}
