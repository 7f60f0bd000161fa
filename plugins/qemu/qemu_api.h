/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * qemu_api.h - the part of QEMU's TCG plugin interface (API version 1, as
 * QEMU 7.2 exports it) that mmusim's plugins call, declared here because
 * Debian ships no qemu-plugin.h.  Written from QEMU's documentation
 * (docs/devel/tcg-plugins.rst and the API reference): the names, argument
 * types and enumeration values are the interface QEMU's loader and its
 * exported functions expect; nothing else of QEMU's header is reproduced.
 * Licence: see LICENSE.md in this folder.
 */
#ifndef MMUSIM_QEMU_API_H
#define MMUSIM_QEMU_API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Exported from the plugin (default visibility); everything else stays hidden. */
#define MMUSIM_QEMU_EXPORT __attribute__((visibility("default")))

/* The API level the plugin was written against (the loader refuses others). */
#define MMUSIM_QEMU_API_VERSION 1

typedef uint64_t qemu_plugin_id_t;

/* What QEMU tells the plugin at installation (valid during the call only). */
typedef struct qemu_info_t {
    const char *target_name; /* guest architecture: "x86_64", "aarch64", "riscv64", ... */
    struct {
        int min;
        int cur;
    } version;               /* API levels QEMU accepts */
    bool system_emulation;   /* false for qemu-user */
    union {
        struct {
            int smp_vcpus;
            int max_vcpus;
        } system;
    };
} qemu_info_t;

struct qemu_plugin_tb;   /* a translation block, during its translation callback */
struct qemu_plugin_insn; /* one of its instructions */

/* Whether a callback reads or writes guest registers (ours do not). */
enum qemu_plugin_cb_flags {
    QEMU_PLUGIN_CB_NO_REGS = 0,
    QEMU_PLUGIN_CB_R_REGS = 1,
    QEMU_PLUGIN_CB_RW_REGS = 2
};

/* Which memory accesses a memory callback wants. */
enum qemu_plugin_mem_rw {
    QEMU_PLUGIN_MEM_R = 1,
    QEMU_PLUGIN_MEM_W = 2,
    QEMU_PLUGIN_MEM_RW = 3
};

/* Packed description of one memory access, decoded by the functions below. */
typedef uint32_t qemu_plugin_meminfo_t;

typedef void (*qemu_plugin_udata_cb_t)(qemu_plugin_id_t id, void *userdata);
typedef void (*qemu_plugin_vcpu_simple_cb_t)(qemu_plugin_id_t id, unsigned int vcpu_index);
typedef void (*qemu_plugin_vcpu_udata_cb_t)(unsigned int vcpu_index, void *userdata);
typedef void (*qemu_plugin_vcpu_tb_trans_cb_t)(qemu_plugin_id_t id, struct qemu_plugin_tb *tb);
typedef void (*qemu_plugin_vcpu_mem_cb_t)(unsigned int vcpu_index, qemu_plugin_meminfo_t info,
                                          uint64_t vaddr, void *userdata);

/* Provided by the plugin. */
extern MMUSIM_QEMU_EXPORT int qemu_plugin_version;
MMUSIM_QEMU_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc,
                                           char **argv);

/* Provided by QEMU. */
void qemu_plugin_register_vcpu_init_cb(qemu_plugin_id_t id, qemu_plugin_vcpu_simple_cb_t cb);
void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id, qemu_plugin_vcpu_tb_trans_cb_t cb);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id, qemu_plugin_udata_cb_t cb, void *userdata);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
struct qemu_plugin_insn *qemu_plugin_tb_get_insn(const struct qemu_plugin_tb *tb, size_t idx);
uint64_t qemu_plugin_insn_vaddr(const struct qemu_plugin_insn *insn);
size_t qemu_plugin_insn_size(const struct qemu_plugin_insn *insn);
void qemu_plugin_register_vcpu_insn_exec_cb(struct qemu_plugin_insn *insn, qemu_plugin_vcpu_udata_cb_t cb,
                                            enum qemu_plugin_cb_flags flags, void *userdata);
void qemu_plugin_register_vcpu_mem_cb(struct qemu_plugin_insn *insn, qemu_plugin_vcpu_mem_cb_t cb,
                                      enum qemu_plugin_cb_flags flags, enum qemu_plugin_mem_rw rw,
                                      void *userdata);
unsigned int qemu_plugin_mem_size_shift(qemu_plugin_meminfo_t info);
bool qemu_plugin_mem_is_store(qemu_plugin_meminfo_t info);

#endif /* MMUSIM_QEMU_API_H */
