#define G_LOG_DOMAIN "test-ui-models-share"

/* test-ui-models-share.c: how the app finds and shares models, through the
 * real app, in one run: the Photos indexer and a chat using the same file
 * share one model (and the indexer keeps it when the chat moves on); a
 * SmolVLM-shaped model opened from a folder the catalog does not scan
 * still gets the projector lying beside it (named like no model), and
 * stories260K from that folder does not. Needs the SmolVLM pair of
 * ../shared/models/random. */

#include <glib/gstdio.h>
#include <unistd.h>

#include "hearth-photo-library.h"
#include "hearth-photos-view.h"
#include "shared-test-util.h"
#include "ui-test-util.h"

static char *outside_dir;  /* a folder of models the catalog does not scan */
static char *pictures_dir; /* one photo for the Photos indexer */

static void
copy_into (const char *folder, const char *source, const char *name)
{
  g_autofree char *path = g_build_filename (folder, name, NULL);
  g_autoptr(GFile) from = g_file_new_for_path (source);
  g_autoptr(GFile) to = g_file_new_for_path (path);
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (folder, 0700), ==, 0);
  g_file_copy (from, to, G_FILE_COPY_OVERWRITE, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
}

static void
link_into (const char *folder, const char *target, const char *name)
{
  g_autofree char *link = g_build_filename (folder, name, NULL);
  g_autofree char *absolute = g_canonicalize_filename (target, NULL);

  g_assert_cmpint (g_mkdir_with_parents (folder, 0700), ==, 0);
  if (!g_file_test (link, G_FILE_TEST_EXISTS))
    g_assert_cmpint (symlink (absolute, link), ==, 0);
}

/* The folders the cases use; FALSE when ../shared lacks the files. */
static gboolean
make_folders (void)
{
  g_autofree char *text = hearth_test_shared_path ("models/random/smolvlm-tiny-text-f16.gguf");
  g_autofree char *mmproj = hearth_test_shared_path ("models/random/smolvlm-tiny-mmproj-f16.gguf");
  g_autofree char *stories = hearth_test_shared_path ("models/stories260K.gguf");
  g_autofree char *photo = hearth_test_shared_path ("fixtures/images/photo-96x96.jpg");
  g_autofree char *catalog = g_build_filename (g_get_user_data_dir (), "hearth", "models", NULL);
  g_autofree char *root = NULL;

  if (text == NULL || mmproj == NULL || stories == NULL || photo == NULL)
    return FALSE;
  root = g_build_filename (g_get_user_data_dir (), "models-share", NULL);
  outside_dir = g_build_filename (root, "Downloads", NULL);
  pictures_dir = g_build_filename (root, "Pictures", NULL);
  /* A file of its own (not the indexer's, which the engine would share),
   * and one projector named like neither model: only its width decides. */
  copy_into (outside_dir, text, "SmolVLM2-tiny-Q8_0.gguf");
  link_into (outside_dir, mmproj, "mmproj-model-f16.gguf");
  link_into (outside_dir, stories, "stories260K.gguf");
  /* The pair in the catalog's folder too, for the Photos indexer. */
  link_into (catalog, text, "smolvlm-tiny-f16.gguf");
  link_into (catalog, mmproj, "mmproj-smolvlm-tiny-f16.gguf");
  link_into (pictures_dir, photo, "photo.jpg");
  return TRUE;
}

static gboolean
window_ready (gpointer data)
{
  return hearth_window_get_ready (((UiFixture *) data)->window);
}

static gboolean
vision_ready (gpointer data)
{
  UiFixture *f = data;

  return ui_model_ready (f) && hearth_model_has_vision (hearth_window_get_model (f->window));
}

/* A chat to point at models, as "Open Model…" does with the chosen file. */
static void
open_model (UiFixture *f, const char *path)
{
  ui_wait_for (window_ready, f, "the chat history");
  if (g_list_model_get_n_items (hearth_window_get_chats (f->window)) == 0)
    {
      g_action_group_activate_action (G_ACTION_GROUP (f->app), "new-chat", NULL);
      ui_wait_for (ui_has_no_model_page, f, "a new chat without a model");
    }
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.set-model", "s", path));
}

static gboolean
library_ready (gpointer data)
{
  return hearth_photo_library_get_model (data) != NULL;
}

static gboolean
library_idle (gpointer data)
{
  return hearth_photo_library_get_state (data) == HEARTH_PHOTO_LIBRARY_UP_TO_DATE;
}

static gboolean
model_is (UiFixture *f, const char *name)
{
  HearthModel *model = hearth_window_get_model (f->window);

  return ui_model_ready (f) && g_str_has_suffix (hearth_model_get_path (model), name);
}

static gboolean
outside_vision_ready (gpointer data)
{
  return model_is (data, "SmolVLM2-tiny-Q8_0.gguf") && vision_ready (data);
}

/* And its projector looked for: none beside it fits. */
static gboolean
stories_ready (gpointer data)
{
  UiFixture *f = data;

  return model_is (f, "stories260K.gguf") && !hearth_window_get_loading_vision (f->window);
}

static void
drive (UiFixture *f)
{
  HearthPhotoLibrary *library = hearth_photos_view_get_library (hearth_window_get_photos_view (f->window));
  g_autofree char *catalog_copy = g_build_filename (g_get_user_data_dir (), "hearth", "models",
                                                    "smolvlm-tiny-f16.gguf", NULL);
  g_autofree char *smolvlm = g_build_filename (outside_dir, "SmolVLM2-tiny-Q8_0.gguf", NULL);
  g_autofree char *stories = g_build_filename (outside_dir, "stories260K.gguf", NULL);
  HearthModel *indexer_model;

  /* The chat on the indexer's file: one model for both, loaded once. */
  ui_wait_for (library_ready, library, "the Photos indexer's vision model");
  open_model (f, catalog_copy);
  ui_wait_for (vision_ready, f, "the chat on the indexer's model");
  indexer_model = hearth_photo_library_get_model (library);
  g_assert_true (hearth_window_get_model (f->window) == indexer_model);

  /* Opened from Downloads: the projector beside it is found and loaded;
   * the indexer keeps the model the chat let go of. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.set-model", "s", smolvlm));
  ui_wait_for (outside_vision_ready, f, "the model opened from Downloads, with the projector beside it");
  g_assert_true (hearth_window_get_model (f->window) != indexer_model);
  g_assert_true (hearth_photo_library_get_model (library) == indexer_model);
  ui_save_screenshot (GTK_WIDGET (f->window), "models-share-opened-with-projector");

  /* The 64-wide stories260K cannot use that projector: none is loaded,
   * and no error about one is shown. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.set-model", "s", stories));
  ui_wait_for (stories_ready, f, "stories260K from Downloads, its projector looked for");
  g_assert_false (hearth_model_has_vision (hearth_window_get_model (f->window)));
  g_assert_null (ui_find_message_dialog ());

  /* The indexer still describes with its model. Quitting while the engine
   * works would leave its thread running past the test (the jobs' results
   * need the main loop). */
  ui_wait_for (library_idle, library, "the photo described");
  g_assert_null (hearth_photo_library_get_error (library));
}

static void
test_find_and_share (void)
{
  g_autoptr(GSettings) settings = NULL;
  const char *folders[] = { NULL, NULL };

  if (outside_dir == NULL)
    {
      g_test_skip ("needs HEARTH_SHARED_DIR with the SmolVLM pair, stories260K and the photo fixtures");
      return;
    }
  settings = g_settings_new ("io.github.hearth.Hearth");
  folders[0] = pictures_dir;
  g_settings_set_strv (settings, "photo-folders", folders);
  ui_test_run_app (drive);
}

int
main (int argc, char **argv)
{
  int status;

  ui_test_init (&argc, &argv);
  if (!make_folders ())
    g_clear_pointer (&outside_dir, g_free);
  g_test_add_func ("/ui-models-share/find-and-share", test_find_and_share);
  status = ui_test_run ();
  g_free (outside_dir);
  g_free (pictures_dir);
  return status;
}
