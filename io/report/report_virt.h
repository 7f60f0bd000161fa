/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * report_virt.h - the virtualization part of the summary and the JSON
 * results (report_virt.c), called by report.c only when virt.enabled is on.
 */
#ifndef MMUSIM_IO_REPORT_VIRT_H
#define MMUSIM_IO_REPORT_VIRT_H

#include <jansson.h>
#include <stdio.h>

#include "mmusim/mmu.h"

/* The "virtualization" block of the terminal summary. */
void mmusim_report_virt_text(FILE *out, const mmu *m);

/* The "virt" object of the JSON results (docs/json-schema.md). */
json_t *mmusim_report_virt_json(const mmu *m);

#endif /* MMUSIM_IO_REPORT_VIRT_H */
