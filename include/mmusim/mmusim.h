/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mmusim/mmusim.h - umbrella header: the whole public C API of libmmusim.
 */
#ifndef MMUSIM_MMUSIM_H
#define MMUSIM_MMUSIM_H

#include "mmusim/config.h"
#include "mmusim/driver.h"
#include "mmusim/error.h"
#include "mmusim/hist.h"
#include "mmusim/mmu.h"
#include "mmusim/static_map.h"
#include "mmusim/tlb.h"
#include "mmusim/types.h"

#define MMUSIM_VERSION_MAJOR 0
#define MMUSIM_VERSION_MINOR 1
#define MMUSIM_VERSION_PATCH 0
#define MMUSIM_VERSION_STRING "0.1.0"

#endif /* MMUSIM_MMUSIM_H */
