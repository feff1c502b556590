#define G_LOG_DOMAIN "hearth-test"

#include "shared-test-util.h"

char *
hearth_test_shared_path (const char *relative)
{
  const char *shared = g_getenv ("HEARTH_SHARED_DIR");
  char *path;

  if (shared == NULL)
    {
      g_autofree char *msg = g_strdup_printf ("HEARTH_SHARED_DIR is not set; the test needs "
                                              "../shared/%s", relative);
      g_test_skip (msg);
      return NULL;
    }
  path = g_build_filename (shared, relative, NULL);
  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_autofree char *msg = g_strdup_printf ("%s is missing", path);
      g_test_skip (msg);
      g_clear_pointer (&path, g_free);
    }
  return path;
}
