// Compiles the umbrella header as C++ and calls the C API through it: the
// extern "C" guards must give C linkage, or this does not link.
#include "mmusim/mmusim.h"

#include <cstdio>
#include <cstring>

int main()
{
    mmu_config cfg;
    mmu_config_defaults(&cfg);
    cfg.walker.mode = MMU_WALKER_FIXED; /* identity mapping: no page tables needed */
    char msg[256];
    mmu *m = nullptr;
    if (mmu_create(&cfg, &m, msg, sizeof msg) != MMU_OK) {
        std::fprintf(stderr, "mmu_create: %s\n", msg);
        return 1;
    }
    mmu_request req{};
    req.vaddr = 0x1234;
    req.type = MMU_READ;
    mmu_response resp{};
    mmu_err e = mmu_translate(m, &req, &resp);
    mmu_destroy(m);
    if (e != MMU_OK || resp.paddr != 0x1234) {
        std::fprintf(stderr, "translate failed: %s\n", mmu_strerror(e));
        return 1;
    }
    if (std::strcmp(mmu_err_name(MMU_EINVAL), "MMU_EINVAL") != 0)
        return 1;
    std::printf("C++ linkage ok\n");
    return 0;
}
