#define G_LOG_DOMAIN "hearth-test"

#include "shared-test-util.h"

#include <unistd.h>

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

char *
hearth_test_run_cli (const char *const *args, int *wait_status)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *err = NULL;
  char *out = NULL;

  g_ptr_array_add (argv, (char *) g_getenv ("HEARTH_CLI"));
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) args[i]);
  g_ptr_array_add (argv, NULL);
  g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err,
                wait_status, &error);
  g_assert_no_error (error);
  if (err != NULL && *err != '\0')
    g_test_message ("stderr: %s", err);
  return out;
}

gboolean
hearth_test_link_vision_pair (const char *models_dir)
{
  const char *shared = g_getenv ("HEARTH_SHARED_DIR");
  const char *pair[][2] = {
    { "smolvlm-tiny-text-f16.gguf", "smolvlm-tiny-f16.gguf" },
    { "smolvlm-tiny-mmproj-f16.gguf", "mmproj-smolvlm-tiny-f16.gguf" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (pair); i++)
    {
      g_autofree char *target = shared != NULL ? g_build_filename (shared, "models", "random", pair[i][0], NULL) : NULL;
      g_autofree char *absolute = NULL;
      g_autofree char *link = g_build_filename (models_dir, pair[i][1], NULL);

      if (target == NULL || !g_file_test (target, G_FILE_TEST_EXISTS))
        return FALSE;
      absolute = g_canonicalize_filename (target, NULL);
      g_assert_cmpint (g_mkdir_with_parents (models_dir, 0700), ==, 0);
      if (!g_file_test (link, G_FILE_TEST_EXISTS))
        g_assert_cmpint (symlink (absolute, link), ==, 0);
    }
  return TRUE;
}

GArray *
hearth_test_json_ids (JsonArray *array)
{
  GArray *ids = g_array_new (FALSE, FALSE, sizeof (gint32));

  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      gint32 id = json_array_get_int_element (array, i);
      g_array_append_val (ids, id);
    }
  return ids;
}
