/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * trace_binfmt.h - the on-disk layout of the binary trace formats: mmusim's
 * own binary format (read by trace_bin.c, written by tracewrite.c) and
 * ChampSim instruction records.  docs/trace-formats.md describes the same
 * layout in prose; the two must agree.
 *
 * Everything is little-endian.  The helpers below load and store by bytes;
 * compilers turn them into single moves on little-endian machines, and they
 * stay correct on big-endian ones.
 */
#ifndef MMUSIM_IO_TRACE_BINFMT_H
#define MMUSIM_IO_TRACE_BINFMT_H

#include <stdint.h>
#include <string.h>

/* ---- mmusim binary, version 1 ----
 *
 * Header (32 bytes):
 *   0  8  magic  89 4d 4d 55 54 52 0d 0a  ("\x89MMUTR\r\n")
 *   8  2  version (1)
 *  10  2  header size in bytes (32)
 *  12  2  record size in bytes (16)
 *  14  2  flags: bit 0 ASID fields meaningful, bit 1 cycle fields meaningful,
 *         bit 2 set-VM control records may appear
 *  16  8  record count, or all ones if unknown (a streamed, compressed file)
 *  24  8  reserved, zero
 *
 * Record (16 bytes):
 *   0  8  vaddr
 *   8  4  cycle delta: cycle = previous cycle + delta (0 unless bit 15 of info)
 *  12  2  asid (0 unless flag bit 0)
 *  14  2  info: bits 0-12 size (1..4096), bits 13-14 type (0 read, 1 write,
 *         2 fetch, 3 control record), bit 15 the record carries a cycle
 *
 * A control record (type 3) is no access.  Its size bits give its kind:
 *   1  set cycle: vaddr holds the new "previous cycle" (used when a cycle
 *      goes backwards or jumps by 2^32 or more); delta and asid are zero
 *      and bit 15 is clear.
 *   2  set VM: vaddr holds the VM id (0..65535) of the records that follow,
 *      until the next set-VM record (0 before the first); delta and asid are
 *      zero and bit 15 is clear.  Only in a file with flag bit 2: a reader
 *      that predates VM ids rejects such a file by its flag, and a file
 *      without VM ids is the same as before they existed.
 */
#define MMUSIM_BIN_MAGIC "\x89MMUTR\r\n"
#define MMUSIM_BIN_MAGIC_LEN 8
#define MMUSIM_BIN_VERSION 1
#define MMUSIM_BIN_HEADER_SIZE 32
#define MMUSIM_BIN_RECORD_SIZE 16
#define MMUSIM_BIN_FLAG_ASID 0x1u
#define MMUSIM_BIN_FLAG_CYCLE 0x2u
#define MMUSIM_BIN_FLAG_VMID 0x4u
#define MMUSIM_BIN_FLAGS_KNOWN (MMUSIM_BIN_FLAG_ASID | MMUSIM_BIN_FLAG_CYCLE | MMUSIM_BIN_FLAG_VMID)
#define MMUSIM_BIN_COUNT_UNKNOWN UINT64_MAX

#define MMUSIM_BIN_SIZE_MASK 0x1fffu
#define MMUSIM_BIN_TYPE_SHIFT 13
#define MMUSIM_BIN_TYPE_CONTROL 3u
#define MMUSIM_BIN_HAS_CYCLE 0x8000u
#define MMUSIM_BIN_CTL_SET_CYCLE 1u
#define MMUSIM_BIN_CTL_SET_VMID 2u

/* ---- ChampSim (inc/trace_instruction.h, struct input_instr), 64 bytes ----
 *   0  8  ip
 *   8  1  is_branch
 *   9  1  branch_taken
 *  10  2  destination_registers[2]
 *  12  4  source_registers[4]
 *  16 16  destination_memory[2] (u64 each; 0 = unused)
 *  32 32  source_memory[4]      (u64 each; 0 = unused)
 */
#define MMUSIM_CHAMPSIM_RECORD_SIZE 64
#define MMUSIM_CHAMPSIM_OFF_IS_BRANCH 8
#define MMUSIM_CHAMPSIM_OFF_TAKEN 9
#define MMUSIM_CHAMPSIM_OFF_DST_MEM 16
#define MMUSIM_CHAMPSIM_OFF_SRC_MEM 32
#define MMUSIM_CHAMPSIM_DST 2
#define MMUSIM_CHAMPSIM_SRC 4
#define MMUSIM_CHAMPSIM_FETCH_SIZE 4 /* the format has no sizes: see docs */
#define MMUSIM_CHAMPSIM_DATA_SIZE 8

static inline uint16_t mmusim_le16(const unsigned char *p)
{
    return (uint16_t)(p[0] | (unsigned)p[1] << 8);
}

static inline uint32_t mmusim_le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t mmusim_le64(const unsigned char *p)
{
    return (uint64_t)mmusim_le32(p) | (uint64_t)mmusim_le32(p + 4) << 32;
}

static inline void mmusim_put16(unsigned char *p, uint16_t v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
}

static inline void mmusim_put32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static inline void mmusim_put64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

#endif /* MMUSIM_IO_TRACE_BINFMT_H */
