/* ops-test-util.h: what every ops kernel test does around its op: one
 * HvkOps per process, record one op, submit, and compare results. */
#pragma once

#include "hvk-ops.h"
#include "hvk-test-util.h"

/* The process's HvkOps on hvk_test_device(). */
HvkOps      *ops_test_ops    (void);
/* A recorder already begun; ops_test_submit() submits, waits and frees it. */
HvkRecorder *ops_test_begin  (void);
void         ops_test_submit (HvkRecorder *rec);

/* A whole-buffer view. */
static inline HvkView
ops_test_view (HvkBuffer *buffer)
{
  return (HvkView) { buffer, 0 };
}

/* Fails the test unless |ref[i] - got[i]| <= abs_tol + rel_tol · |ref[i]|
 * for every i; reports the worst element. */
void ops_test_check_close (const char *what, const float *ref, const float *got, gsize n,
                           double abs_tol, double rel_tol);
