/* shared-test-util.h: finding the test data in ../shared (HEARTH_SHARED_DIR). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* $HEARTH_SHARED_DIR/relative, or NULL with the test skipped (saying what
 * is missing) when the variable is unset or the file does not exist. */
char *hearth_test_shared_path (const char *relative);

/* Runs $HEARTH_CLI with args (NULL-terminated), its stderr in the test log;
 * returns its stdout and its wait status in *wait_status. */
char *hearth_test_run_cli (const char *const *args, int *wait_status);

G_END_DECLS
