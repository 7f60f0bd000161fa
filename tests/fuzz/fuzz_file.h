/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_file.h - the fuzz targets' input as a file: the readers under test
 * take paths.
 */
#ifndef MMUSIM_FUZZ_FILE_H
#define MMUSIM_FUZZ_FILE_H

#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

/* Write data to a new file made from path (a mkstemp template, rewritten in place); 0, or -1
   (nothing left behind). */
static inline int fuzz_to_file(char *path, const uint8_t *data, size_t size)
{
    int fd = mkstemp(path);
    if (fd < 0)
        return -1;
    if (write(fd, data, size) != (ssize_t)size) {
        close(fd);
        unlink(path);
        return -1;
    }
    close(fd);
    return 0;
}

#endif /* MMUSIM_FUZZ_FILE_H */
