#define G_LOG_DOMAIN "hearth-test"

#include "image-format-test-util.h"

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <string.h>

static gboolean
has_loader_for (const char *mime_type)
{
  GSList *formats = gdk_pixbuf_get_formats ();
  gboolean found = FALSE;

  for (GSList *l = formats; l != NULL && !found; l = l->next)
    {
      g_auto (GStrv) types = gdk_pixbuf_format_get_mime_types (l->data);
      found = types != NULL && g_strv_contains ((const char *const *) types, mime_type);
    }
  g_slist_free (formats);
  return found;
}

gboolean
hearth_test_encode_image (const char *source, const char *dest, char **why_not)
{
  gboolean avif = g_str_has_suffix (dest, ".avif");
  const char *mime_type = avif ? "image/avif" : "image/heic";
  const char *tool = avif ? "avifenc" : "heif-enc";
  g_autofree char *program = g_find_program_in_path (tool);
  g_autoptr (GError) error = NULL;
  g_autofree char *out = NULL, *err = NULL;
  int wait_status = 0;

  g_assert_true (avif || g_str_has_suffix (dest, ".heic"));
  if (!has_loader_for (mime_type))
    {
      *why_not = g_strdup_printf ("no GdkPixbuf loader reads %s (install %s)", mime_type,
                                  avif ? "libavif-gdk-pixbuf" : "heif-gdk-pixbuf");
      return FALSE;
    }
  if (program == NULL)
    {
      *why_not = g_strdup_printf ("%s is not installed (install %s)", tool,
                                  avif ? "libavif-bin" : "libheif-examples");
      return FALSE;
    }
  {
    /* Near lossless, so that the decoded pixels can be compared. */
    const char *heif_args[] = { program, "-q", "95", source, "-o", dest, NULL };
    const char *avif_args[] = { program, "--min", "0", "--max", "8", source, dest, NULL };
    g_spawn_sync (NULL, (char **) (avif ? avif_args : heif_args), NULL, G_SPAWN_DEFAULT, NULL, NULL,
                  &out, &err, &wait_status, &error);
  }
  g_assert_no_error (error);
  g_test_message ("%s: %s%s", tool, out, err);
  g_assert_true (g_spawn_check_wait_status (wait_status, NULL));
  return TRUE;
}
