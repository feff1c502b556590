/* shared-test-util.h: finding the test data in ../shared (HEARTH_SHARED_DIR). */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* $HEARTH_SHARED_DIR/relative, or NULL with the test skipped (saying what
 * is missing) when the variable is unset or the file does not exist. */
char *hearth_test_shared_path (const char *relative);

/* Runs $HEARTH_CLI with args (NULL-terminated), its stderr in the test log;
 * returns its stdout and its wait status in *wait_status. */
char *hearth_test_run_cli (const char *const *args, int *wait_status);

/* Links the random-weight SmolVLM2 pair from ../shared/models/random into
 * models_dir under the names the model catalog pairs ("<name>-f16.gguf"
 * and "mmproj-<name>-f16.gguf"); FALSE when the pair is missing. */
gboolean hearth_test_link_vision_pair (const char *models_dir);

/* A JSON array of token ids as gint32s. */
GArray *hearth_test_json_ids (JsonArray *array);

G_END_DECLS
