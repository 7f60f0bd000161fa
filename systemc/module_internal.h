/*
 * module_internal.h - what the files of the SystemC MMU module share
 * (systemc/): mmu_module.cpp construction, LT transport and control,
 * mmu_at.cpp the approximately-timed protocol, mmu_dmi.cpp debug transport
 * and DMI, mmu_cosim.cpp PTE references on the memory socket,
 * mmu_registers.cpp the register socket, mmu_reports.cpp statistics and
 * reports.
 */
#ifndef MMUSIM_SYSTEMC_MODULE_INTERNAL_H
#define MMUSIM_SYSTEMC_MODULE_INTERNAL_H

#include <cstdint>

namespace mmusim {
namespace sc {

/* The message type of every SC_REPORT of the module. */
static const char *const MSG_TYPE = "/mmusim/mmu_module";

inline uint64_t page_mask(unsigned page_size)
{
    return (UINT64_C(1) << mmu_page_shift(static_cast<mmu_page_size>(page_size))) - 1;
}

} // namespace sc
} // namespace mmusim

#endif /* MMUSIM_SYSTEMC_MODULE_INTERNAL_H */
