#define G_LOG_DOMAIN "hearth-fuzz"

/* fuzz-exif: any bytes as the start of a photo, through the photo
 * indexer's own EXIF reader (capture time, camera). The camera name goes
 * into SQLite, the search index and GTK labels: valid UTF-8 or nothing. */

#include "fuzz-util.h"
#include "photo-indexer.h"

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  fuzz_init ();
  return 0;
}

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  g_autofree char *camera = NULL;
  gint64 captured_at;

  photo_exif_parse (data, size, &captured_at, &camera);
  if (camera != NULL)
    {
      g_assert (camera[0] != '\0' && g_utf8_validate (camera, -1, NULL));
      for (const char *p = camera; *p != '\0'; p = g_utf8_next_char (p))
        g_assert (!g_unichar_iscntrl (g_utf8_get_char (p)));
    }
  return 0;
}
