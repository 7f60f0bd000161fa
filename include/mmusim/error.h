/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mmusim/error.h - error codes of the mmusim C API.
 *
 * Every public function that can fail returns an mmu_err.  MMU_OK is zero and
 * every error is negative.  The codes come from one X-macro list so the enum,
 * mmu_strerror() and mmu_err_name() can never drift apart.
 */
#ifndef MMUSIM_ERROR_H
#define MMUSIM_ERROR_H

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define MMU_MUST_CHECK __attribute__((warn_unused_result))
#else
#define MMU_MUST_CHECK
#endif

/* X(name, value, description) */
#define MMU_ERRNO_MAP(X)                                                    \
    X(OK, 0, "success")                                                     \
    X(EINVAL, -1, "invalid argument")                                       \
    X(ENOMEM, -2, "out of memory")                                          \
    X(ECONFIG, -3, "invalid configuration")                                 \
    X(EUNKNOWN, -4, "unknown configuration section or key")                 \
    X(ERANGE, -5, "value out of range")                                     \
    X(EPARSE, -6, "malformed value")                                        \
    X(ENOTFOUND, -7, "no such object")                                      \
    X(EFULL, -8, "no room left")                                            \
    X(EUNSUPPORTED, -9, "not supported by this configuration")              \
    X(EFAULT, -10, "translation fault")                                     \
    X(EIO, -11, "input/output error")

typedef enum mmu_err {
#define MMU_ERR_ENUM_(name, value, desc) MMU_##name = (value),
    MMU_ERRNO_MAP(MMU_ERR_ENUM_)
#undef MMU_ERR_ENUM_
} mmu_err;

/* Human-readable description of an error code; never NULL. */
const char *mmu_strerror(int err);

/* Symbolic name of an error code ("MMU_EINVAL"); never NULL. */
const char *mmu_err_name(int err);

#ifdef __cplusplus
}
#endif

#endif /* MMUSIM_ERROR_H */
