#pragma once

/* Helpers shared by the libFuzzer harnesses (tests/fuzz/fuzz-*.c). */

#include <glib.h>

#include "tokenizer.h"

G_BEGIN_DECLS

/* Criticals abort: a g_return_if_fail() reached from input is a bug. */
void  fuzz_init         (void);
/* ...except the one that @function of a library (@domain) logs about its
 * own state, which is dropped (see fuzz-image.c). */
void  fuzz_tolerate_critical (const char *domain, const char *function);
/* A new empty file in the temporary folder, named after @pattern. */
char *fuzz_temp_file    (const char *pattern);
void  fuzz_write_file   (const char *path, const guint8 *data, gsize size);
/* A failure must come with a message a person can read. */
void  fuzz_check_error  (const GError *error);
/* Reads every byte, so that ASan sees a read out of bounds. */
void  fuzz_touch        (const char *data, gsize size);
/* Encodes @text, checks every id, decodes the ids back. */
void  fuzz_round_trip   (HearthTokenizer *tok, const char *text, gssize len,
                         gboolean add_special, gboolean parse_special);

G_END_DECLS
