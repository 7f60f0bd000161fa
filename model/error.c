/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * error.c - string tables for mmu_err, generated from MMU_ERRNO_MAP.
 */
#include "mmusim/error.h"

const char *mmu_strerror(int err)
{
    switch (err) {
#define MMU_ERR_STR_(name, value, desc) \
    case (value):                       \
        return desc;
        MMU_ERRNO_MAP(MMU_ERR_STR_)
#undef MMU_ERR_STR_
    default:
        return "unknown error";
    }
}

const char *mmu_err_name(int err)
{
    switch (err) {
#define MMU_ERR_NAME_(name, value, desc) \
    case (value):                        \
        return "MMU_" #name;
        MMU_ERRNO_MAP(MMU_ERR_NAME_)
#undef MMU_ERR_NAME_
    default:
        return "MMU_E?";
    }
}
