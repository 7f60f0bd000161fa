/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * count_plugin.c - the floor of the benchmark (bench/bench_qemu.sh): a QEMU
 * plugin with exactly the callbacks libmmusim-qemu.so registers (one per
 * instruction executed, one per load or store) that only counts them, per
 * vCPU, and prints the count at exit.  "QEMU with an empty plugin" in
 * docs/qemu.md.  Licence: GPL-2.0-or-later, see LICENSE.md in this folder.
 */
#include <inttypes.h>
#include <stdio.h>

#include "qemu_api.h"

MMUSIM_QEMU_EXPORT int qemu_plugin_version = MMUSIM_QEMU_API_VERSION;

#define MAX_VCPUS 1024

/* one cache line per vCPU: each counter is written by its own thread only */
static struct {
    uint64_t n;
    char pad[56];
} count[MAX_VCPUS];

static void on_fetch(unsigned int index, void *udata)
{
    (void)udata;
    count[index % MAX_VCPUS].n++;
}

static void on_mem(unsigned int index, qemu_plugin_meminfo_t info, uint64_t vaddr, void *udata)
{
    (void)info;
    (void)vaddr;
    (void)udata;
    count[index % MAX_VCPUS].n++;
}

static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
    (void)id;
    size_t n = qemu_plugin_tb_n_insns(tb);
    for (size_t i = 0; i < n; i++) {
        struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
        qemu_plugin_register_vcpu_insn_exec_cb(insn, on_fetch, QEMU_PLUGIN_CB_NO_REGS, NULL);
        qemu_plugin_register_vcpu_mem_cb(insn, on_mem, QEMU_PLUGIN_CB_NO_REGS, QEMU_PLUGIN_MEM_RW, NULL);
    }
}

static void at_exit(qemu_plugin_id_t id, void *udata)
{
    (void)id;
    (void)udata;
    uint64_t total = 0;
    for (int i = 0; i < MAX_VCPUS; i++)
        total += count[i].n;
    fprintf(stderr, "accesses %" PRIu64 "\n", total);
}

MMUSIM_QEMU_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc,
                                           char **argv)
{
    (void)info;
    (void)argv;
    if (argc) {
        fprintf(stderr, "mmusim-count: takes no options\n");
        return -1;
    }
    qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
    qemu_plugin_register_atexit_cb(id, at_exit, NULL);
    return 0;
}
