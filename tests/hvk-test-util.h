/* hvk-test-util.h: shared helpers for the kernel tests: one device per test
 * process, buffers filled from host arrays, deterministic random data and
 * error measures against a scalar C reference. */
#pragma once

#include "hvk.h"

G_BEGIN_DECLS

/* The process's device (created on first call, validation on through the
 * test environment). NULL after g_test_fail() if Vulkan cannot be opened. */
HvkDevice *hvk_test_device (void);
/* A device-local buffer holding a copy of data. */
HvkBuffer *hvk_test_buffer_from (const void *data, gsize n_bytes);
HvkBuffer *hvk_test_buffer_zeroed (gsize n_bytes);
void       hvk_test_download (HvkBuffer *b, void *out, gsize n_bytes);
/* n values uniformly in [lo, hi), the same for the same seed. */
void       hvk_test_fill_uniform (float *x, gsize n, float lo, float hi, guint32 seed);
/* Σ(ref - got)² / Σ ref² (the plain squared error when ref is all zero). */
double     hvk_test_nmse (const float *ref, const float *got, gsize n);
double     hvk_test_max_abs (const float *ref, const float *got, gsize n);

G_END_DECLS
