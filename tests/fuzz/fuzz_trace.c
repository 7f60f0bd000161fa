/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_trace.c - libFuzzer target: any bytes, as a trace file of every
 * format (and auto-detection), read to the end or to the first error.
 * Nothing may crash, hang or leak; errors must come with a message.
 * About 2,000 inputs/s of CPU time with ASan and UBSan: a trace's buffers are
 * sized to a small file (io/trace/trace.c, io/stream.c).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mmusim/io/trace.h"
#include "fuzz_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[] = "/dev/shm/mmusim_fuzz_XXXXXX";
    if (fuzz_to_file(path, data, size) != 0)
        return 0;
    static mmusim_access buf[256];
    for (int f = 0; f < MMUSIM_FMT_COUNT; f++) {
        mmusim_trace *t;
        char err[512] = "";
        /* A compressed stream is decoded on a thread of its own; starting one
           costs more than reading a small input, so only auto-detection
           takes that path, the fixed formats decode on this thread. */
        if (f == MMUSIM_FMT_AUTO)
            unsetenv("MMUSIM_NO_THREADS");
        else
            setenv("MMUSIM_NO_THREADS", "1", 1);
        if (mmusim_trace_open(path, (mmusim_format)f, &t, err, sizeof err) < 0) {
            if (!err[0])
                abort(); /* an error without a message */
            continue;
        }
        long n;
        while ((n = mmusim_trace_read(t, buf, 256, err, sizeof err)) > 0)
            for (long i = 0; i < n; i++)
                if (buf[i].type > 2 || buf[i].size == 0)
                    abort(); /* an access no reader may produce */
        if (n < 0 && !err[0])
            abort();
        mmusim_trace_close(t);
    }
    unlink(path);
    return 0;
}
