/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * msg.h - the message writer every configuration checker of the model uses
 * (private to the model).
 */
#ifndef MMUSIM_MODEL_MSG_H
#define MMUSIM_MODEL_MSG_H

#include <stddef.h>

#include "mmusim/error.h"

/* Format a message into msg (if msg is non-NULL and msglen > 0); returns e. */
mmu_err model_msg(mmu_err e, char *msg, size_t msglen, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

#endif /* MMUSIM_MODEL_MSG_H */
