/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_config.c - libFuzzer target: any bytes as an INI configuration file.
 * A configuration the loader and validator accept must build an MMU (and
 * its OS model) that translates without crashing.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mmusim/io/config_file.h"
#include "mmusim/mmusim.h"
#include "fuzz_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[] = "/dev/shm/mmusim_fuzzcfg_XXXXXX";
    if (fuzz_to_file(path, data, size) != 0)
        return 0;
    mmu_config cfg;
    mmu_config_defaults(&cfg);
    char err[1024] = "";
    int rc = mmusim_config_load(&cfg, path, err, sizeof err);
    unlink(path);
    if (rc != 0) {
        if (!err[0])
            abort();
        return 0;
    }
    /* keep a run of the fuzzer within host memory: skip huge machines */
    if (cfg.os.phys_mem > (UINT64_C(1) << 30))
        return 0;
    for (uint32_t i = 0; i < cfg.n_tlbs; i++)
        if (cfg.tlb[i].entries > (1u << 16))
            return 0;
    mmu *m;
    if (mmu_create(&cfg, &m, err, sizeof err) != MMU_OK) {
        if (!err[0])
            abort();
        return 0;
    }
    mmu_os *os = NULL;
    if (cfg.walker.mode == MMU_WALKER_RADIX && cfg.os_enabled) {
        if (mmu_os_create_from_config(&cfg, &os, err, sizeof err) != MMU_OK) {
            mmu_destroy(m);
            return 0;
        }
        if (mmu_attach_os(m, os) != MMU_OK)
            abort();
    }
    uint64_t x = 1;
    for (int i = 0; i < 2000; i++) {
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        mmu_request req = {(x >> 20) & 0xFFFFFFF8ULL, (uint64_t)i, 8, (uint16_t)((x >> 60) & 3),
                           (uint8_t)((x >> 33) % 3), MMU_PRIV_USER, 0};
        mmu_response resp[2];
        (void)mmu_access(m, &req, resp);
        if (i % 500 == 499)
            mmu_invalidate(m, (mmu_inval_kind)((x >> 40) & 3), req.vaddr, req.asid);
    }
    mmu_destroy(m);
    mmu_os_destroy(os);
    return 0;
}
