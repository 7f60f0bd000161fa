/* SPDX-License-Identifier: BSD-3-Clause */
// Compiles the umbrella header and the io layer's headers as C++ and calls
// the C API through them: the extern "C" guards must give C linkage, or this
// does not link.
#include "mmusim/mmusim.h"
#include "mmusim/io/config_file.h"
#include "mmusim/io/gen.h"
#include "mmusim/io/replay.h"
#include "mmusim/io/report.h"
#include "mmusim/io/stream.h"
#include "mmusim/io/trace.h"
#include "mmusim/io/tracewrite.h"

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
    /* one function of each io header */
    if (std::strcmp(mmusim_format_name(MMUSIM_FMT_TEXT), "text") != 0 ||
        !mmusim_format_writable(MMUSIM_FMT_BINARY) ||
        std::strcmp(mmusim_compression_name(MMUSIM_COMP_ZSTD), "zstd") != 0 ||
        mmusim_gen_kind_parse("uniform") == MMUSIM_GEN_KINDS)
        return 1;
    /* and the address of one function of each other io header (linked, not called) */
    const void *volatile fns[] = {reinterpret_cast<const void *>(&mmusim_preset_dir),
                                  reinterpret_cast<const void *>(&mmusim_report_text),
                                  reinterpret_cast<const void *>(&mmusim_run_info_release)};
    for (const void *f : fns)
        if (!f)
            return 1;
    std::printf("C++ linkage ok\n");
    return 0;
}
