/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * types.c - name tables for page sizes and fault causes.
 */
#include "mmusim/types.h"

#include <ctype.h>
#include <string.h>

static const unsigned page_shift_table[MMU_PAGE_SIZES] = {
#define MMU_PS_SHIFT_(name, shift, text) shift,
    MMU_PAGE_SIZE_MAP(MMU_PS_SHIFT_)
#undef MMU_PS_SHIFT_
};

static const char *const page_name_table[MMU_PAGE_SIZES] = {
#define MMU_PS_TEXT_(name, shift, text) text,
    MMU_PAGE_SIZE_MAP(MMU_PS_TEXT_)
#undef MMU_PS_TEXT_
};

unsigned mmu_page_shift(mmu_page_size ps)
{
    return (unsigned)ps < MMU_PAGE_SIZES ? page_shift_table[ps] : 0;
}

const char *mmu_page_size_name(mmu_page_size ps)
{
    return (unsigned)ps < MMU_PAGE_SIZES ? page_name_table[ps] : "?";
}

mmu_page_size mmu_page_size_parse(const char *text)
{
    for (unsigned i = 0; i < MMU_PAGE_SIZES; i++) {
        const char *a = page_name_table[i];
        const char *b = text;
        while (*a && *b && toupper((unsigned char)*a) == toupper((unsigned char)*b)) {
            a++;
            b++;
        }
        if (*a == 0 && *b == 0)
            return (mmu_page_size)i;
    }
    return MMU_PAGE_SIZES;
}

static const char *const fault_text[MMU_FAULT_CAUSES] = {
#define MMU_FAULT_TEXT_(name, id, text) text,
    MMU_FAULT_MAP(MMU_FAULT_TEXT_)
#undef MMU_FAULT_TEXT_
};

static const char *const fault_ids[MMU_FAULT_CAUSES] = {
#define MMU_FAULT_ID_(name, id, text) id,
    MMU_FAULT_MAP(MMU_FAULT_ID_)
#undef MMU_FAULT_ID_
};

const char *mmu_fault_name(mmu_fault f)
{
    return (unsigned)f < MMU_FAULT_CAUSES ? fault_text[f] : "unknown fault";
}

const char *mmu_fault_id(mmu_fault f)
{
    return (unsigned)f < MMU_FAULT_CAUSES ? fault_ids[f] : "unknown";
}
