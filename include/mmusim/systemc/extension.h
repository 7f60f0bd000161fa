/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mmusim/systemc/extension.h - the translation attributes of a TLM
 * transaction (address space, virtual machine, privilege, instruction
 * fetch, core id) and
 * what the MMU module answers (the C model's response and a fault record).
 *
 * The extension is ignorable: a transaction without it is a data access
 * (read or write by its command) with the module's defaults (options:
 * default_priv, user unless set; default_asid; default_vmid;
 * default_fetch), so the
 * module binds to any base-protocol initiator.  An initiator
 * that wants other attributes sets the extension on its payload; the module
 * only reads the attributes and writes the results, and never adds,
 * removes or frees the extension.  Nothing here is memory-managed: use
 * set_extension (and clear_extension before the payload dies) or
 * set_auto_extension with a memory manager, as for any TLM extension.
 */
#ifndef MMUSIM_SYSTEMC_EXTENSION_H
#define MMUSIM_SYSTEMC_EXTENSION_H

#include <cstdint>

#include <systemc>
#include <tlm>

#include "mmusim/types.h"

namespace mmusim {
namespace sc {

/*
 * What is known about a translation fault.  The module keeps the last one
 * (mmu_module::last_fault()) and copies it into the transaction's
 * extension, if it has one.
 */
struct fault_record {
    bool valid = false;               /* false: no fault (the fields below are meaningless) */
    mmu_fault cause = MMU_FAULT_NONE; /* why (mmu_fault_name(cause) for people) */
    uint64_t vaddr = 0;   /* virtual address whose translation faulted (the second page's
                             first byte when the access crossed a page and the second faulted) */
    int level = -1;       /* page-table level where the walk found it (0 = leaf-most); -1 when
                             found on a TLB entry or before any PTE was read */
    uint16_t asid = 0;
    uint16_t vmid = 0;    /* virtual machine (0 without virtualization) */
    mmu_access_type type = MMU_READ;
    mmu_priv priv = MMU_PRIV_SUPER;
    uint32_t core_id = 0;
    uint64_t cycle = 0;   /* core cycle at which the fault was known (the translation's end) */
    sc_core::sc_time time; /* the same as simulated time */

    /* Text of the cause ("write to read-only page"); never NULL. */
    const char *cause_name() const { return mmu_fault_name(cause); }
};

class translation_extension : public tlm::tlm_extension<translation_extension> {
public:
    /* ---- attributes, read by the module ---- */
    uint16_t asid = 0;              /* address space (PCID/ASID); a process */
    mmu_priv priv = MMU_PRIV_SUPER; /* privilege of the access */
    bool fetch = false;             /* instruction fetch (a read command) */
    uint32_t core_id = 0;           /* requesting core; copied into fault records */
    uint16_t vmid = 0;              /* virtual machine (mmu_request.vmid); ignored without virtualization */

    /* ---- results, written by the module for every transaction it translates ---- */
    bool translated = false;   /* the module translated this transaction (debug transport excluded) */
    mmu_response response{};   /* the C model's answer (the last page's, for a page-crossing access) */
    fault_record fault;        /* valid when the translation faulted */

    translation_extension() = default;
    explicit translation_extension(uint16_t asid_, mmu_priv priv_ = MMU_PRIV_SUPER, bool fetch_ = false,
                                   uint32_t core = 0)
        : asid(asid_), priv(priv_), fetch(fetch_), core_id(core)
    {
    }

    tlm::tlm_extension_base *clone() const override { return new translation_extension(*this); }
    void copy_from(const tlm::tlm_extension_base &ext) override
    {
        *this = static_cast<const translation_extension &>(ext);
    }
};

} // namespace sc
} // namespace mmusim

#endif /* MMUSIM_SYSTEMC_EXTENSION_H */
