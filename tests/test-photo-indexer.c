#define G_LOG_DOMAIN "hearth-test"

/* test-photo-indexer: hearth-cli index on a generated folder with the
 * random-weight SmolVLM2 pair (nonsense text, but the real vision path):
 * several formats, a corrupt file, a hidden folder and a symlink loop;
 * then a rename and a delete; then a run with nothing to do. Also
 * hearth-cli search finds a photo by a word of its description. The
 * indexer's API pauses and resumes; the app's photo library, closed in the
 * middle of a long description, returns at once and leaves that photo
 * pending for the next start. */

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/wait.h>

#include "hearth-photo-index.h"
#include "hearth-photo-library.h"
#include "image-format-test-util.h"
#include "photo-indexer.h"
#include "shared-test-util.h"

/* A 1x1 GIF: no GdkPixbuf saver writes GIF. */
static const guint8 tiny_gif[] = {
  'G', 'I', 'F', '8', '9', 'a', 1, 0, 1, 0, 0x80, 0, 0, 0xff, 0xff, 0xff, 0, 0, 0,
  0x2c, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0x02, 0x02, 0x44, 0x01, 0, 0x3b,
};

static char *
run_cli (const char *const *args)
{
  int wait_status;
  char *out = hearth_test_run_cli (args, &wait_status);

  g_test_message ("stdout: %s", out);
  g_assert_true (WIFEXITED (wait_status));
  g_assert_cmpint (WEXITSTATUS (wait_status), ==, 0);
  return out;
}

static void
save_image (const char *path, const char *type, guint8 red)
{
  g_autoptr (GdkPixbuf) pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, 16, 12);
  g_autoptr (GError) error = NULL;

  gdk_pixbuf_fill (pixbuf, ((guint32) red << 24) | 0x8040ffu);
  gdk_pixbuf_save (pixbuf, path, type, &error, NULL);
  g_assert_no_error (error);
}

/* A HEIC or AVIF photo (16x12) at dir/name, encoded from a PNG in
 * scratch; FALSE, with the reason logged, when this system lacks the
 * encoder or the loader. */
static gboolean
save_encoded (const char *scratch, const char *dir, const char *name, guint8 red)
{
  g_autofree char *png = g_build_filename (scratch, "source.png", NULL);
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autofree char *why_not = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GdkPixbuf) pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, 16, 12);
  gboolean made;

  gdk_pixbuf_fill (pixbuf, ((guint32) red << 24) | 0x8040ffu);
  gdk_pixbuf_save (pixbuf, png, "png", &error, NULL);
  g_assert_no_error (error);
  made = hearth_test_encode_image (png, path, &why_not);
  g_assert_cmpint (g_unlink (png), ==, 0);
  if (!made)
    g_test_message ("Not indexing a %s photo: %s", name, why_not);
  else
    g_assert_true (photo_indexer_is_photo_name (name));
  return made;
}

static void
write_bytes (const char *path, const void *data, gsize size)
{
  g_autoptr (GError) error = NULL;

  g_file_set_contents (path, data, size, &error);
  g_assert_no_error (error);
}

static HearthPhoto *
get_photo (HearthPhotoIndex *index, const char *dir, const char *name)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr (GError) error = NULL;
  HearthPhoto *photo = hearth_photo_index_get_photo (index, path, &error);

  g_assert_no_error (error);
  return photo;
}

/* A photo made by save_encoded (): indexed with the size read from its
 * header, and described. */
static void
assert_encoded_described (HearthPhotoIndex *index, const char *dir, const char *name)
{
  g_autoptr (HearthPhoto) photo = get_photo (index, dir, name);

  g_assert_nonnull (photo);
  g_assert_cmpint (photo->state, ==, HEARTH_PHOTO_DESCRIBED);
  g_assert_cmpint (photo->width, ==, 16);
  g_assert_cmpint (photo->height, ==, 12);
}

/* The random-weight SmolVLM2 pair in ../shared; FALSE with the test
 * skipped when it is missing. */
static gboolean
find_smolvlm_pair (char **text, char **mmproj)
{
  const char *shared = g_getenv ("HEARTH_SHARED_DIR");

  if (shared != NULL)
    {
      *text = g_build_filename (shared, "models", "random", "smolvlm-tiny-text-f16.gguf", NULL);
      *mmproj = g_build_filename (shared, "models", "random", "smolvlm-tiny-mmproj-f16.gguf", NULL);
    }
  if (*text == NULL || !g_file_test (*text, G_FILE_TEST_EXISTS) ||
      !g_file_test (*mmproj, G_FILE_TEST_EXISTS))
    {
      g_test_skip ("the random SmolVLM2 pair is missing; set HEARTH_SHARED_DIR to ../shared");
      return FALSE;
    }
  return TRUE;
}

static void
test_index_folder (void)
{
  g_autofree char *text = NULL, *mmproj = NULL, *tmp = NULL, *lib = NULL, *db = NULL;
  g_autofree char *out = NULL;
  g_autofree char *expect = NULL;
  g_autoptr (GError) error = NULL;
  gboolean heic, avif;   /* whether this system can make and read them */
  guint n_encoded;

  if (!find_smolvlm_pair (&text, &mmproj))
    return;

  tmp = g_dir_make_tmp ("hearth-photos-XXXXXX", &error);
  g_assert_no_error (error);
  lib = g_build_filename (tmp, "library", NULL);
  db = g_build_filename (tmp, "photos.db", NULL);
  {
    g_autofree char *sub = g_build_filename (lib, "2024", NULL);
    g_autofree char *hidden = g_build_filename (lib, ".thumbnails", NULL);
    g_autofree char *a = g_build_filename (lib, "red.png", NULL);
    g_autofree char *b = g_build_filename (sub, "green.jpg", NULL);
    g_autofree char *c = g_build_filename (sub, "tiny.gif", NULL);
    g_autofree char *h = g_build_filename (hidden, "thumb.png", NULL);
    g_autofree char *broken = g_build_filename (lib, "broken.jpg", NULL);
    g_autofree char *loop = g_build_filename (sub, "loop", NULL);
    g_autofree char *notes = g_build_filename (lib, "notes.txt", NULL);

    g_assert_cmpint (g_mkdir_with_parents (sub, 0700), ==, 0);
    g_assert_cmpint (g_mkdir_with_parents (hidden, 0700), ==, 0);
    save_image (a, "png", 0xff);
    save_image (b, "jpeg", 0x10);
    write_bytes (c, tiny_gif, sizeof tiny_gif);
    save_image (h, "png", 0x80);
    write_bytes (broken, "\xff\xd8\xff\xe0 not really a JPEG", 22);
    write_bytes (notes, "not a photo", 11);
    g_assert_cmpint (symlink (lib, loop), ==, 0);
    heic = save_encoded (tmp, sub, "phone.heic", 0x60);
    avif = save_encoded (tmp, lib, "web.avif", 0xa0);
    n_encoded = heic + avif;
  }

  /* First run: the photos described, the corrupt one failed. */
  {
    const char *args[] = { "index", "--db", db, "-m", text, "--mmproj", mmproj, "-n", "4", lib, NULL };
    out = run_cli (args);
    expect = g_strdup_printf ("0 unchanged, %u new,", 4 + n_encoded);
    g_assert_nonnull (strstr (out, expect));
    g_clear_pointer (&expect, g_free);
    expect = g_strdup_printf ("described: %u, failed: 1", 3 + n_encoded);
    g_assert_nonnull (strstr (out, expect));
    g_clear_pointer (&expect, g_free);
    g_clear_pointer (&out, g_free);
  }
  {
    g_autoptr (HearthPhotoIndex) index = hearth_photo_index_open (db, &error);
    g_autoptr (HearthPhoto) red = NULL, broken = NULL, thumb = NULL;
    g_autofree char *word = NULL;
    g_assert_no_error (error);
    red = get_photo (index, lib, "red.png");
    broken = get_photo (index, lib, "broken.jpg");
    thumb = get_photo (index, lib, ".thumbnails/thumb.png");
    g_assert_nonnull (red);
    g_assert_cmpint (red->state, ==, HEARTH_PHOTO_DESCRIBED);
    g_assert_cmpint (red->width, ==, 16);
    g_assert_cmpint (red->height, ==, 12);
    g_assert_cmpuint (strlen (red->content_hash), ==, 64);
    g_assert_cmpint (broken->state, ==, HEARTH_PHOTO_FAILED);
    g_assert_nonnull (broken->failure);
    g_assert_null (thumb);
    if (heic)
      assert_encoded_described (index, lib, "2024/phone.heic");
    if (avif)
      assert_encoded_described (index, lib, "web.avif");

    /* The nonsense description is still searchable. */
    if (red->description[0] != '\0')
      {
        g_auto (GStrv) words = g_strsplit_set (red->description, " ,.", -1);
        const char *args[] = { "search", "--db", db, "--json", words[0], NULL };
        out = run_cli (args);
        g_assert_nonnull (strstr (out, "red.png"));
        g_clear_pointer (&out, g_free);
      }
  }

  /* Rename one, delete one: the rename keeps its row, nothing is described. */
  {
    g_autofree char *from = g_build_filename (lib, "red.png", NULL);
    g_autofree char *to = g_build_filename (lib, "renamed.png", NULL);
    g_autofree char *gone = g_build_filename (lib, "2024", "green.jpg", NULL);
    g_autoptr (HearthPhotoIndex) index = hearth_photo_index_open (db, &error);
    g_autoptr (HearthPhoto) before = get_photo (index, lib, "red.png");
    g_autoptr (HearthPhoto) after = NULL;
    const char *args[] = { "index", "--db", db, "-m", text, "--mmproj", mmproj, "-n", "4", lib, NULL };

    g_assert_cmpint (g_rename (from, to), ==, 0);
    g_assert_cmpint (g_unlink (gone), ==, 0);
    out = run_cli (args);
    expect = g_strdup_printf ("%u unchanged, 0 new, 0 edited, 1 moved, 0 copied, 1 removed", 2 + n_encoded);
    g_assert_nonnull (strstr (out, expect));
    g_clear_pointer (&expect, g_free);
    g_assert_nonnull (strstr (out, "described: 0, failed: 0"));
    g_clear_pointer (&out, g_free);
    after = get_photo (index, lib, "renamed.png");
    g_assert_nonnull (after);
    g_assert_cmpint (after->id, ==, before->id);
    g_assert_cmpstr (after->description, ==, before->description);
    g_assert_cmpint (after->indexed_at, ==, before->indexed_at);
    g_assert_null (get_photo (index, lib, "2024/green.jpg"));
  }

  /* Nothing changed: nothing to do. */
  {
    const char *args[] = { "index", "--db", db, "-m", text, "--mmproj", mmproj, "-n", "4", lib, NULL };
    out = run_cli (args);
    expect = g_strdup_printf ("%u unchanged, 0 new, 0 edited, 0 moved, 0 copied, 0 removed", 3 + n_encoded);
    g_assert_nonnull (strstr (out, expect));
    g_assert_nonnull (strstr (out, "described: 0, failed: 0"));
  }

  {
    g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", tmp);
    g_assert_cmpint (system (cmd), ==, 0);
  }
}

/* ---- the indexer's API: pause and resume ---- */

typedef struct {
  GMainLoop    *loop;
  GAsyncResult *result;
  PhotoIndexer *indexer;
  guint         n_progress;
  gboolean      paused_once;
  guint         done_when_paused;
  guint         done_at_resume;
} RunState;

static void
store_result (GObject *source, GAsyncResult *result, gpointer data)
{
  RunState *st = data;

  st->result = g_object_ref (result);
  g_main_loop_quit (st->loop);
}

static gboolean
resume_cb (gpointer data)
{
  RunState *st = data;

  st->done_at_resume = st->done_when_paused;
  g_assert_true (photo_indexer_is_paused (st->indexer));
  photo_indexer_resume (st->indexer);
  return G_SOURCE_REMOVE;
}

/* Pauses after the first photo; resumes from an idle a moment later. */
static void
on_progress (const PhotoIndexerProgress *p, gpointer data)
{
  RunState *st = data;

  st->n_progress++;
  g_assert_cmpuint (p->done, <=, p->total);
  if (p->done == 1 && !st->paused_once)
    {
      st->paused_once = TRUE;
      st->done_when_paused = p->done;
      photo_indexer_pause (st->indexer);
      g_timeout_add (50, resume_cb, st);
    }
}

static void
test_pause_resume (void)
{
  g_autofree char *text = NULL, *mmproj = NULL, *tmp = NULL, *db = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (HearthEngine) engine = NULL;
  g_autoptr (HearthModel) model = NULL;
  g_autoptr (PhotoIndexer) indexer = NULL;
  RunState st = { 0 };
  PhotoScanStats scan;
  guint n_described = 0, n_failed = 0;

  if (!find_smolvlm_pair (&text, &mmproj))
    return;
  tmp = g_dir_make_tmp ("hearth-photos-XXXXXX", &error);
  g_assert_no_error (error);
  db = g_build_filename (tmp, "photos.db", NULL);
  {
    g_autofree char *a = g_build_filename (tmp, "a.png", NULL);
    g_autofree char *b = g_build_filename (tmp, "b.png", NULL);
    save_image (a, "png", 0x20);
    save_image (b, "png", 0xe0);
  }

  st.loop = g_main_loop_new (NULL, FALSE);
  engine = hearth_engine_new ();
  hearth_engine_load_model_async (engine, text, NULL, NULL, store_result, &st);
  g_main_loop_run (st.loop);
  model = hearth_engine_load_model_finish (engine, st.result, &error);
  g_assert_no_error (error);
  g_clear_object (&st.result);
  g_assert_false (hearth_model_has_vision (model));
  /* Without its projector the model cannot describe. */
  {
    g_autofree char *a = g_build_filename (tmp, "a.png", NULL);
    g_autofree char *answer = NULL;
    hearth_engine_describe_image_async (engine, model, a, PHOTO_DESCRIBE_PROMPT, NULL,
                                        HEARTH_ENGINE_PRIORITY_BACKGROUND, NULL, store_result, &st);
    g_main_loop_run (st.loop);
    answer = hearth_engine_describe_image_finish (engine, st.result, &error);
    g_assert_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_INVALID_ARGUMENT);
    g_assert_null (answer);
    g_clear_error (&error);
    g_clear_object (&st.result);
  }
  hearth_engine_load_vision_async (engine, model, mmproj, NULL, store_result, &st);
  g_main_loop_run (st.loop);
  g_assert_true (hearth_engine_load_vision_finish (engine, st.result, &error));
  g_assert_no_error (error);
  g_clear_object (&st.result);
  g_assert_true (hearth_model_has_vision (model));

  indexer = photo_indexer_new (engine, model, db, 2, &error);
  g_assert_no_error (error);
  st.indexer = indexer;
  {
    const char *folders[] = { tmp, NULL };
    photo_indexer_run_async (indexer, folders, on_progress, NULL, store_result, &st);
  }
  g_main_loop_run (st.loop);
  g_assert_true (photo_indexer_run_finish (indexer, st.result, &scan, &n_described, &n_failed, &error));
  g_assert_no_error (error);
  g_clear_object (&st.result);
  g_assert_true (st.paused_once);
  g_assert_cmpuint (st.done_at_resume, ==, 1);
  g_assert_cmpuint (scan.n_new, ==, 2);
  g_assert_cmpuint (n_described, ==, 2);
  g_assert_cmpuint (n_failed, ==, 0);
  g_main_loop_unref (st.loop);

  {
    g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", tmp);
    g_assert_cmpint (system (cmd), ==, 0);
  }
}

/* ---- the library closing mid-description ---- */

typedef gboolean (*LibraryCondition) (HearthPhotoLibrary *library);

static gboolean
wake_up (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

/* Runs the main context (where the library reports) until condition holds
 * or seconds pass; FALSE on the timeout. NULL: just the wait. */
static gboolean
iterate_until (LibraryCondition condition, HearthPhotoLibrary *library, double seconds)
{
  gint64 end = g_get_monotonic_time () + (gint64) (seconds * G_USEC_PER_SEC);
  guint tick = g_timeout_add (100, wake_up, NULL);
  gboolean met = FALSE;

  while (!(met = condition != NULL && condition (library)) && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (tick);
  return met;
}

/* The scan is done and the first description was handed to the engine. */
static gboolean
is_describing (HearthPhotoLibrary *library)
{
  HearthPhotoLibraryProgress p;

  hearth_photo_library_get_progress (library, &p);
  return hearth_photo_library_get_state (library) == HEARTH_PHOTO_LIBRARY_INDEXING && p.total > 0 &&
         p.done == 0;
}

static gboolean
is_all_described (HearthPhotoLibrary *library)
{
  HearthPhotoLibraryProgress p;

  hearth_photo_library_get_progress (library, &p);
  return hearth_photo_library_get_state (library) == HEARTH_PHOTO_LIBRARY_UP_TO_DATE && p.n_pending == 0 &&
         p.n_described == 1;
}

static HearthPhotoLibrary *
open_library (HearthEngine *engine, const char *db, const char *folder, guint max_tokens)
{
  HearthPhotoLibrary *library = hearth_photo_library_new (engine, db);
  const char *folders[] = { folder, NULL };

  hearth_photo_library_set_max_tokens (library, max_tokens);
  hearth_photo_library_set_folders (library, folders);
  return library;
}

static HearthPhotoState
photo_state (const char *db, const char *path)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (HearthPhotoIndex) index = hearth_photo_index_open (db, &error);
  g_autoptr (HearthPhoto) photo = NULL;

  g_assert_no_error (error);
  photo = hearth_photo_index_get_photo (index, path, &error);
  g_assert_no_error (error);
  g_assert_nonnull (photo);
  return photo->state;
}

/* 2000 tokens take minutes with the random pair on lavapipe (about 0.25 s
 * each on 2 CPU cores): closing must not wait for them. The bound is
 * loose on purpose; the pending photo is what shows the description was
 * cut short. */
static void
test_library_closes_mid_description (void)
{
  g_autofree char *models = g_build_filename (g_get_user_data_dir (), "hearth", "models", NULL);
  g_autofree char *tmp = NULL, *lib = NULL, *db = NULL, *photo = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (HearthEngine) engine = NULL;
  HearthPhotoLibrary *library;
  gint64 start;
  double seconds;

  if (!hearth_test_link_vision_pair (models))
    {
      g_test_skip ("the random SmolVLM2 pair is missing; set HEARTH_SHARED_DIR to ../shared");
      return;
    }
  tmp = g_dir_make_tmp ("hearth-photos-XXXXXX", &error);
  g_assert_no_error (error);
  lib = g_build_filename (tmp, "library", NULL);
  db = g_build_filename (tmp, "photos.db", NULL);
  photo = g_build_filename (lib, "a.png", NULL);
  g_assert_cmpint (g_mkdir (lib, 0700), ==, 0);
  save_image (photo, "png", 0x40);
  engine = hearth_engine_new ();

  library = open_library (engine, db, lib, 2000);
  g_assert_true (iterate_until (is_describing, library, 300));
  /* Into the image's tiles or the first tokens. */
  iterate_until (NULL, library, 5);
  g_assert_true (is_describing (library));
  start = g_get_monotonic_time ();
  g_object_unref (library);
  seconds = (g_get_monotonic_time () - start) / 1e6;
  g_test_message ("the library closed %.2f s into a 2000-token description", seconds);
  g_assert_cmpfloat (seconds, <, 10);
  g_assert_cmpint (photo_state (db, photo), ==, HEARTH_PHOTO_PENDING);

  /* The next start describes it. */
  library = open_library (engine, db, lib, 4);
  g_assert_true (iterate_until (is_all_described, library, 300));
  g_object_unref (library);
  g_assert_cmpint (photo_state (db, photo), ==, HEARTH_PHOTO_DESCRIBED);

  {
    g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", tmp);
    g_assert_cmpint (system (cmd), ==, 0);
  }
}

int
main (int argc, char **argv)
{
  g_autofree char *data_home = g_dir_make_tmp ("hearth-data-XXXXXX", NULL);
  int status;

  /* The library finds its model in XDG_DATA_HOME/hearth/models: a folder
   * of this run's own, set before GLib reads the variable. */
  g_setenv ("XDG_DATA_HOME", data_home, TRUE);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/photo-indexer/index-folder", test_index_folder);
  g_test_add_func ("/photo-indexer/pause-resume", test_pause_resume);
  g_test_add_func ("/photo-indexer/library-closes-mid-description", test_library_closes_mid_description);
  status = g_test_run ();
  {
    g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", data_home);
    g_assert_cmpint (system (cmd), ==, 0);
  }
  return status;
}
