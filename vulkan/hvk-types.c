#define G_LOG_DOMAIN "hearth-vulkan"

/* hvk-types.c: the weight types of hvk-types.def: sizes, names, ggml ids. */

#include "hvk-types.h"

typedef struct {
  const char *name;
  const char *suffix;
  guint32     ggml_id;
  guint32     block;    /* elements per block */
  guint32     bytes;    /* bytes per block */
} TypeInfo;

static const TypeInfo type_info[HVK_TYPE_COUNT] = {
#define HVK_TYPE(NAME, suffix, ggml_id, block, bytes) \
  [HVK_TYPE_##NAME] = { #NAME, #suffix, ggml_id, block, bytes },
#include "hvk-types.def"
#undef HVK_TYPE
};

static const TypeInfo *
type_get (HvkType type)
{
  g_return_val_if_fail ((guint) type < HVK_TYPE_COUNT, &type_info[HVK_TYPE_F32]);
  return &type_info[type];
}

guint32
hvk_type_block_size (HvkType type)
{
  return type_get (type)->block;
}

guint32
hvk_type_block_bytes (HvkType type)
{
  return type_get (type)->bytes;
}

guint64
hvk_type_row_size (HvkType type, guint64 n)
{
  const TypeInfo *t = type_get (type);

  g_return_val_if_fail (n % t->block == 0, 0);
  return n / t->block * t->bytes;
}

const char *
hvk_type_name (HvkType type)
{
  return type_get (type)->name;
}

const char *
hvk_type_suffix (HvkType type)
{
  return type_get (type)->suffix;
}

guint32
hvk_type_ggml_id (HvkType type)
{
  return type_get (type)->ggml_id;
}

gboolean
hvk_type_from_ggml (guint32 ggml_id, HvkType *out)
{
  for (guint t = 0; t < HVK_TYPE_COUNT; t++)
    if (type_info[t].ggml_id == ggml_id)
      {
        *out = t;
        return TRUE;
      }
  return FALSE;
}

const char *
hvk_types_describe (void)
{
  static char *sentence;

  if (g_once_init_enter (&sentence))
    {
      GString *s = g_string_new (NULL);

      for (guint t = 0; t < HVK_TYPE_COUNT; t++)
        g_string_append_printf (s, "%s%s", t == 0 ? "" : t + 1 == HVK_TYPE_COUNT ? " or " : ", ",
                                type_info[t].name);
      g_once_init_leave (&sentence, g_string_free (s, FALSE));
    }
  return sentence;
}
