#define G_LOG_DOMAIN "hearth-fuzz"

/* fuzz-fts-query: anything typed into a search box, through the two FTS5
 * query builders (the chats' and the photos'). Both promise that no input
 * is an FTS5 syntax error, so every search must succeed, on a small store
 * and photo index that have something to find. */

#include <glib/gstdio.h>
#include <stdlib.h>

#include "fuzz-util.h"
#include "hearth-photo-index.h"
#include "hearth-store.h"

static char *dir;
static HearthStore *store;
static HearthPhotoIndex *photos;

static void
remove_files (void)
{
  g_clear_pointer (&store, hearth_store_close);
  g_clear_pointer (&photos, hearth_photo_index_close);
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  for (const char *name; d != NULL && (name = g_dir_read_name (d)) != NULL;)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_unlink (path);
    }
  g_rmdir (dir);
}

static void
fill_store (void)
{
  static const char *const texts[] = {
    "Running a photograph of the café in Zürich", "hello \"world\" AND NOT near(x)",
    "日本語のテキスト 123 *star*", "column:value ^start -minus",
  };
  g_autoptr (GError) error = NULL;
  gint64 chat = hearth_store_create_chat (store, "fuzz", NULL, &error);

  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    {
      hearth_store_add_message (store, chat, i % 2 ? HEARTH_ROLE_ASSISTANT : HEARTH_ROLE_USER, texts[i], &error);
      g_assert_no_error (error);
    }
}

static void
fill_photos (void)
{
  g_autoptr (GError) error = NULL;
  gint64 folder = hearth_photo_index_add_folder (photos, "/photos", &error);
  const HearthPhotoFile file = {
    .path = "/photos/bike.jpg", .content_hash = "00", .size = 1, .mtime = 1, .camera = "Cañon EOS",
  };
  g_autoptr (HearthPhoto) photo = NULL;

  g_assert_no_error (error);
  hearth_photo_index_record_file (photos, folder, &file, &error);
  g_assert_no_error (error);
  photo = hearth_photo_index_get_photo (photos, file.path, &error);
  g_assert_no_error (error);
  hearth_photo_index_set_described (photos, photo->id, "A red bicycle leaning on a wall",
                                    "bicycle, wall, the", "NO PARKING", &error);
  g_assert_no_error (error);
}

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *store_path = NULL, *photos_path = NULL;

  fuzz_init ();
  dir = g_dir_make_tmp ("hearth-fuzz-XXXXXX", &error);
  g_assert_no_error (error);
  store_path = g_build_filename (dir, "history.db", NULL);
  photos_path = g_build_filename (dir, "photos.db", NULL);
  store = hearth_store_open (store_path, 1000, &error);
  g_assert_no_error (error);
  photos = hearth_photo_index_open (photos_path, &error);
  g_assert_no_error (error);
  atexit (remove_files);
  fill_store ();
  fill_photos ();
  return 0;
}

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  /* What a text field gives: UTF-8, no NUL. */
  g_autofree char *text = g_utf8_make_valid ((const char *) data, size);
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) chat_hits = hearth_store_search (store, text, 5, &error);
  g_autoptr (GPtrArray) photo_hits = NULL;

  g_assert_no_error (error);
  g_assert (chat_hits != NULL);
  photo_hits = hearth_photo_index_search (photos, text, NULL, &error);
  g_assert_no_error (error);
  g_assert (photo_hits != NULL);
  return 0;
}
