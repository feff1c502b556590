#pragma once

/* Little-endian GGUF fields into a buffer: the GGUF test writes its test
 * files with these, the fuzzer's corpus generator its seeds. */

#include <glib.h>

#include "gguf.h"

G_BEGIN_DECLS

void gguf_put_u32    (GByteArray *b, guint32 v);
void gguf_put_u64    (GByteArray *b, guint64 v);
/* u64 length, then the bytes (no NUL). */
void gguf_put_string (GByteArray *b, const char *s);
/* A key/value's key and the value's type; the value follows. */
void gguf_put_key    (GByteArray *b, const char *key, GgufType type);

G_END_DECLS
