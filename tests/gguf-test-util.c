#define G_LOG_DOMAIN "hearth-test"

#include <string.h>

#include "gguf-test-util.h"

void
gguf_put_u32 (GByteArray *b, guint32 v)
{
  guint32 le = GUINT32_TO_LE (v);
  g_byte_array_append (b, (const guint8 *) &le, sizeof le);
}

void
gguf_put_u64 (GByteArray *b, guint64 v)
{
  guint64 le = GUINT64_TO_LE (v);
  g_byte_array_append (b, (const guint8 *) &le, sizeof le);
}

void
gguf_put_string (GByteArray *b, const char *s)
{
  gguf_put_u64 (b, strlen (s));
  g_byte_array_append (b, (const guint8 *) s, strlen (s));
}

void
gguf_put_key (GByteArray *b, const char *key, GgufType type)
{
  gguf_put_string (b, key);
  gguf_put_u32 (b, type);
}
