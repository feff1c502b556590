/* shared-test-util.h: finding the test data in ../shared (HEARTH_SHARED_DIR). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* $HEARTH_SHARED_DIR/relative, or NULL with the test skipped (saying what
 * is missing) when the variable is unset or the file does not exist. */
char *hearth_test_shared_path (const char *relative);

G_END_DECLS
