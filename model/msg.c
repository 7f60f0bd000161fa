/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * msg.c - the message writer of the model's configuration checkers.
 */
#include "msg.h"

#include <stdarg.h>
#include <stdio.h>

mmu_err model_msg(mmu_err e, char *msg, size_t msglen, const char *fmt, ...)
{
    if (msg && msglen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, msglen, fmt, ap);
        va_end(ap);
    }
    return e;
}
