/* test-ui-photos.c: the Photos page of the real app under Xvfb.
 *
 * A library of real images (../shared/fixtures/images, images made with
 * GdkPixbuf, a broken file) is indexed in a photos.db seeded through the
 * data API with known descriptions: the random-weight SmolVLM2 pair only
 * writes nonsense, so ranking is checked on the seeded text.
 *
 *   /ui-photos/search: no vision model; the folders are chosen on the
 *     empty page, then searched: the grid's thumbnails and matched words,
 *     the exact phrase first, the folder and year filters, a broken photo's
 *     placeholder, the detail page, the thumbnail cache's permissions.
 *   /ui-photos/indexing: the random SmolVLM2 pair from ../shared/models
 *     (skipped without it) describes the pending photos; indexing is paused
 *     and resumed; a photo dropped into a library folder is picked up by
 *     the folder monitor, and forgotten when it is deleted.
 *   /ui-photos/close-while-describing: closing the window in the middle of
 *     a description frees the photo library at once (its description is
 *     cancelled, not waited for); the photo stays pending and is described
 *     after the next start. */

#include <glib/gstdio.h>

#include "hearth-photo-cell.h"
#include "hearth-photo-index.h"
#include "hearth-photo-result.h"
#include "hearth-photos-view.h"
#include "hearth-thumbnail-cache.h"
#include "shared-test-util.h"
#include "ui-test-util.h"

static char *library_root;  /* a temporary folder for everything below */
static char *pictures_dir;  /* XDG_PICTURES_DIR */
static char *more_dir;      /* a second library folder */

/* ---- the library on disk ---- */

static char *
fixture_image (const char *name)
{
  const char *shared = g_getenv ("HEARTH_SHARED_DIR");

  return shared != NULL ? g_build_filename (shared, "fixtures", "images", name, NULL) : NULL;
}

static void
copy_file (const char *from, const char *to)
{
  g_autofree char *contents = NULL;
  gsize length;

  g_assert_true (g_file_get_contents (from, &contents, &length, NULL));
  g_assert_true (g_file_set_contents (to, contents, length, NULL));
}

/* A gradient no other photo shares, so that its content hash is new. */
static void
make_image (const char *path, guint seed)
{
  g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, 320, 240);
  guchar *pixels = gdk_pixbuf_get_pixels (pixbuf);
  int stride = gdk_pixbuf_get_rowstride (pixbuf);

  for (int y = 0; y < 240; y++)
    for (int x = 0; x < 320; x++)
      {
        guchar *p = pixels + y * stride + x * 3;
        p[0] = (guchar) (x + seed * 40);
        p[1] = (guchar) (y + seed * 70);
        p[2] = (guchar) (seed * 90);
      }
  g_assert_true (gdk_pixbuf_save (pixbuf, path, "png", NULL, NULL));
}

static gint64
utc (int year, int month, int day)
{
  g_autoptr(GDateTime) dt = g_date_time_new_utc (year, month, day, 12, 0, 0);

  return g_date_time_to_unix (dt) * G_USEC_PER_SEC;
}

/* Recorded as a folder scan would (so the app's scan finds it current)
 * and described with known words. */
static void
seed_photo (HearthPhotoIndex *index, gint64 folder_id, const char *path, const char *description,
            const char *objects, const char *text, gint64 captured_at, const char *camera)
{
  g_autofree char *contents = NULL;
  g_autofree char *hash = NULL;
  g_autoptr(HearthPhoto) photo = NULL;
  gsize length;
  GStatBuf st;
  HearthPhotoFile file = { .path = path, .captured_at = captured_at, .camera = camera };

  g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  hash = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) contents, length);
  file.content_hash = hash;
  file.size = st.st_size;
  file.mtime = (gint64) st.st_mtim.tv_sec * G_USEC_PER_SEC + st.st_mtim.tv_nsec / 1000;
  gdk_pixbuf_get_file_info (path, &file.width, &file.height);
  g_assert_cmpint (hearth_photo_index_record_file (index, folder_id, &file, NULL), ==, HEARTH_PHOTO_CHANGE_NEW);
  photo = hearth_photo_index_get_photo (index, path, NULL);
  g_assert_nonnull (photo);
  g_assert_true (hearth_photo_index_set_described (index, photo->id, description, objects, text, NULL));
}

static char *
in_dir (const char *dir, const char *name)
{
  return g_build_filename (dir, name, NULL);
}

static void
make_library (void)
{
  g_autofree char *beach = in_dir (pictures_dir, "beach.jpg");
  g_autofree char *city = in_dir (pictures_dir, "city");
  g_autofree char *red_car = in_dir (city, "red-car.jpg");
  g_autofree char *door = in_dir (more_dir, "door.png");
  g_autofree char *screenshot = in_dir (more_dir, "screenshot.png");
  g_autofree char *broken = in_dir (more_dir, "broken.jpg");
  g_autofree char *truncated = in_dir (more_dir, "truncated.png");
  g_autofree char *photo = fixture_image ("photo-96x96.jpg");
  g_autofree char *portrait = fixture_image ("portrait-300x800.jpg");
  g_autofree char *banner = fixture_image ("banner-1500x300-rgba.png");
  g_autofree char *shot = fixture_image ("screenshot-640x360.png");
  g_autoptr(HearthPhotoIndex) index = NULL;
  gint64 pictures_id, more_id;

  g_assert_cmpint (g_mkdir_with_parents (city, 0700), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (more_dir, 0700), ==, 0);
  copy_file (photo, beach);
  copy_file (portrait, red_car);
  copy_file (banner, door);
  copy_file (shot, screenshot);
  g_assert_true (g_file_set_contents (broken, "\xff\xd8\xff\xe0 not really a JPEG", -1, NULL));
  for (guint i = 1; i <= 4; i++)
    {
      g_autofree char *name = g_strdup_printf ("made-%u.png", i);
      g_autofree char *path = in_dir (more_dir, name);
      make_image (path, i);
    }
  /* Cut short: the indexer marks it failed and goes on. */
  {
    g_autofree char *contents = NULL;
    gsize length;
    g_assert_true (g_file_get_contents (shot, &contents, &length, NULL));
    g_assert_true (g_file_set_contents (truncated, contents, 200, NULL));
  }

  index = hearth_photo_index_open_default (NULL);
  g_assert_nonnull (index);
  pictures_id = hearth_photo_index_add_folder (index, pictures_dir, NULL);
  more_id = hearth_photo_index_add_folder (index, more_dir, NULL);
  seed_photo (index, pictures_id, beach, "A dog running on a sandy beach at sunset.", "dog, beach, sea, sunset", "",
              utc (2019, 7, 14), "Canon EOS 80D");
  seed_photo (index, pictures_id, red_car, "A red car parked on a narrow street.", "car, street, building", "",
              utc (2021, 3, 2), NULL);
  seed_photo (index, more_id, door, "A car next to a red door.", "car, door, wall", "no parking",
              utc (2021, 5, 20), NULL);
  seed_photo (index, more_id, screenshot, "A screenshot of a chat window.", "window, text", "hello world", 0, NULL);
  seed_photo (index, more_id, broken, "A faded street sign.", "sign, pole", "main street", utc (2020, 1, 5), NULL);
}

/* ---- driving the view ---- */

typedef struct {
  UiFixture        *f;
  HearthPhotosView *view;
} Photos;

static HearthPhotosView *
show_photos (UiFixture *f)
{
  g_autoptr(GPtrArray) stacks = ui_find_all (GTK_WIDGET (f->window), ADW_TYPE_VIEW_STACK);

  g_assert_cmpuint (stacks->len, >=, 1);
  /* What the view switcher in the header does. */
  adw_view_stack_set_visible_child_name (stacks->pdata[0], "photos");
  return hearth_window_get_photos_view (f->window);
}

static gboolean
page_is (HearthPhotosView *view, const char *page)
{
  return g_strcmp0 (hearth_photos_view_get_page (view), page) == 0;
}

static const char *wanted_page;

static gboolean
on_wanted_page (gpointer data)
{
  return page_is (data, wanted_page);
}

static void
wait_for_page (HearthPhotosView *view, const char *page)
{
  wanted_page = page;
  ui_wait_for (on_wanted_page, view, page);
}

static HearthPhotoLibraryState wanted_state;

static gboolean
on_wanted_state (gpointer data)
{
  return hearth_photo_library_get_state (hearth_photos_view_get_library (data)) == wanted_state;
}

static void
wait_for_state (HearthPhotosView *view, HearthPhotoLibraryState state, const char *what)
{
  wanted_state = state;
  ui_wait_for (on_wanted_state, view, what);
}

static GSettings *
app_settings (void)
{
  return g_settings_new ("io.github.hearth.Hearth");
}

/* Searching as the user types; the view shows the answer to this text. */
static void
search_for (HearthPhotosView *view, const char *text)
{
  g_autoptr(GPtrArray) entries = ui_find_all (GTK_WIDGET (view), GTK_TYPE_SEARCH_ENTRY);

  g_assert_cmpuint (entries->len, ==, 1);
  gtk_editable_set_text (GTK_EDITABLE (entries->pdata[0]), text);
  /* A search entry reports a change after a short delay. */
  g_signal_emit_by_name (entries->pdata[0], "search-changed");
}

static guint
n_results (HearthPhotosView *view)
{
  return g_list_model_get_n_items (hearth_photos_view_get_results (view));
}

static const HearthPhotoHit *
result_at (HearthPhotosView *view, guint position)
{
  g_autoptr(HearthPhotoResult) result = g_list_model_get_item (hearth_photos_view_get_results (view), position);

  return hearth_photo_result_get_hit (result);
}

/* The results page with n hits, the first one first_name ("": any; NULL:
 * none expected). Query results arrive from the worker. */
typedef struct {
  HearthPhotosView *view;
  const char       *first_name;
  guint             n;
} Expect;

static gboolean
on_expected_results (gpointer data)
{
  Expect *e = data;
  g_autofree char *name = NULL;

  if (e->first_name == NULL)
    return page_is (e->view, "no-results");
  if (!page_is (e->view, "results") || n_results (e->view) != e->n)
    return FALSE;
  if (*e->first_name == '\0')
    return TRUE;
  name = g_path_get_basename (result_at (e->view, 0)->path);
  return g_str_equal (name, e->first_name);
}

static void
expect_results (HearthPhotosView *view, const char *first_name, guint n)
{
  Expect e = { view, first_name, n };

  ui_wait_for (on_expected_results, &e, first_name != NULL ? first_name : "no results");
}

static GtkDropDown *
filter (HearthPhotosView *view, guint which)
{
  g_autoptr(GPtrArray) drop_downs = ui_find_all (GTK_WIDGET (view), GTK_TYPE_DROP_DOWN);

  g_assert_cmpuint (drop_downs->len, ==, 2);
  return drop_downs->pdata[which];
}

/* The position of label in a filter's list, or GTK_INVALID_LIST_POSITION. */
static guint
filter_position (GtkDropDown *drop_down, const char *label)
{
  GListModel *names = gtk_drop_down_get_model (drop_down);

  for (guint i = 0; names != NULL && i < g_list_model_get_n_items (names); i++)
    if (g_str_equal (gtk_string_list_get_string (GTK_STRING_LIST (names), i), label))
      return i;
  return GTK_INVALID_LIST_POSITION;
}

static gboolean
on_year_listed (gpointer data)
{
  return filter_position (filter (data, 1), "2019") != GTK_INVALID_LIST_POSITION;
}

static gboolean
on_cells_drawn (gpointer data)
{
  g_autoptr(GPtrArray) cells = ui_find_all (GTK_WIDGET (data), HEARTH_TYPE_PHOTO_CELL);

  for (guint i = 0; i < cells->len; i++)
    if (!hearth_photo_cell_has_thumbnail (cells->pdata[i]) && !hearth_photo_cell_is_broken (cells->pdata[i]))
      return FALSE;
  return cells->len > 0;
}

static GtkLabel *
find_label (GtkWidget *root, const char *text)
{
  g_autoptr(GPtrArray) labels = ui_find_all (root, GTK_TYPE_LABEL);

  for (guint i = 0; i < labels->len; i++)
    if (strstr (gtk_label_get_text (labels->pdata[i]), text) != NULL)
      return labels->pdata[i];
  return NULL;
}

static const char *wanted_text;

static gboolean
on_label_shown (gpointer data)
{
  return find_label (data, wanted_text) != NULL;
}

static GtkWidget *
find_button (GtkWidget *root, const char *label)
{
  g_autoptr(GPtrArray) buttons = ui_find_all (root, GTK_TYPE_BUTTON);

  for (guint i = 0; i < buttons->len; i++)
    if (g_strcmp0 (gtk_button_get_label (buttons->pdata[i]), label) == 0)
      return buttons->pdata[i];
  return NULL;
}

/* win.new-chat-with-image comes from the images-ui work: a class action
 * or an action of the window's GActionMap. */
static gboolean
window_has_action (HearthWindow *window, const char *name)
{
  GtkWidgetClass *klass = GTK_WIDGET_GET_CLASS (window);
  const char *action_name;
  gboolean enabled = FALSE;
  GType owner;
  const GVariantType *parameter_type;
  const char *property_name;

  for (guint i = 0; gtk_widget_class_query_action (klass, i, &owner, &action_name, &parameter_type, &property_name); i++)
    if (g_strcmp0 (action_name, name) == 0)
      enabled = TRUE;
  if (!enabled)
    {
      GAction *action = g_action_map_lookup_action (G_ACTION_MAP (window), name + strlen ("win."));
      enabled = action != NULL && g_action_get_enabled (action);
    }
  return enabled;
}

static void
check_cache_permissions (void)
{
  g_autofree char *dir = hearth_thumbnail_cache_dir ();
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;
  guint n_files = 0;
  GStatBuf st;

  g_assert_nonnull (d);
  g_assert_cmpint (g_stat (dir, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0700);
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_assert_cmpint (g_stat (path, &st), ==, 0);
      g_assert_cmpint (st.st_mode & 0777, ==, 0600);
      g_assert_true (g_str_has_suffix (name, ".png"));
      n_files++;
    }
  g_assert_cmpuint (n_files, >, 0);
}

static gboolean
on_folders_set (gpointer data)
{
  g_auto(GStrv) folders = g_settings_get_strv (data, "photo-folders");

  return folders[0] != NULL;
}

static gboolean
on_picture_shown (gpointer data)
{
  g_autoptr(GPtrArray) pictures = ui_find_all (GTK_WIDGET (data), GTK_TYPE_PICTURE);

  return pictures->len == 1 && gtk_picture_get_paintable (pictures->pdata[0]) != NULL;
}

typedef struct {
  UiFixture *f;
  guint      n_chats_before;
} Asked;

static gboolean
on_asked (gpointer data)
{
  Asked *asked = data;
  HearthWindow *window = asked->f->window;
  HearthComposer *composer = hearth_chat_view_get_composer (hearth_window_get_chat_view (window));
  g_autoptr(GPtrArray) stacks = ui_find_all (GTK_WIDGET (window), ADW_TYPE_VIEW_STACK);

  return g_list_model_get_n_items (hearth_window_get_chats (window)) == asked->n_chats_before + 1 &&
         g_list_model_get_n_items (hearth_composer_get_images (composer)) == 1 && stacks->len > 0 &&
         g_strcmp0 (adw_view_stack_get_visible_child_name (stacks->pdata[0]), "chats") == 0;
}

static void
drive_search (UiFixture *f)
{
  HearthPhotosView *view = show_photos (f);
  g_autoptr(GSettings) settings = app_settings ();
  g_auto(GStrv) folders = NULL;
  g_autoptr(GPtrArray) grids = NULL;
  GtkWidget *ask;

  /* No folders yet: the Pictures folder is offered. */
  wait_for_page (view, "no-folders");
  ui_save_screenshot (GTK_WIDGET (f->window), "photos-no-folders");
  ui_click_button (GTK_WIDGET (view), "_Use the Pictures Folder");
  ui_wait_for (on_folders_set, settings, "the Pictures folder chosen");
  folders = g_settings_get_strv (settings, "photo-folders");
  g_assert_cmpuint (g_strv_length (folders), ==, 1);
  g_assert_cmpstr (folders[0], ==, pictures_dir);
  /* What the folder chooser adds. */
  {
    const char *both[] = { pictures_dir, more_dir, NULL };
    g_settings_set_strv (settings, "photo-folders", both);
  }

  /* No SmolVLM2 pair is in the model folder yet; what is indexed can be
   * searched all the same. */
  wait_for_state (view, HEARTH_PHOTO_LIBRARY_NO_MODEL, "no vision model");
  wait_for_page (view, "search");

  /* The exact phrase ranks first; the matched words are shown. */
  search_for (view, "red car");
  expect_results (view, "red-car.jpg", 2);
  g_assert_true (g_strv_contains ((const char *const *) result_at (view, 0)->matched, "red"));
  g_assert_true (g_strv_contains ((const char *const *) result_at (view, 0)->matched, "car"));
  ui_wait_for (on_cells_drawn, view, "thumbnails");
  g_assert_nonnull (find_label (GTK_WIDGET (view), "red · car"));

  /* Folder filter: only the second folder. */
  gtk_drop_down_set_selected (filter (view, 0), 2);
  expect_results (view, "door.png", 1);
  gtk_drop_down_set_selected (filter (view, 0), 0);
  expect_results (view, "red-car.jpg", 2);

  /* Year filter: 2019 has a dog, no car. */
  ui_wait_for (on_year_listed, view, "the years");
  gtk_drop_down_set_selected (filter (view, 1), filter_position (filter (view, 1), "2019"));
  expect_results (view, NULL, 0);
  search_for (view, "dog");
  expect_results (view, "beach.jpg", 1);

  /* A photo that cannot be decoded gets a placeholder. */
  gtk_drop_down_set_selected (filter (view, 1), 0);
  search_for (view, "sign");
  expect_results (view, "broken.jpg", 1);
  ui_wait_for (on_cells_drawn, view, "the placeholder");
  {
    g_autoptr(GPtrArray) cells = ui_find_all (GTK_WIDGET (view), HEARTH_TYPE_PHOTO_CELL);
    g_assert_cmpuint (cells->len, ==, 1);
    g_assert_true (hearth_photo_cell_is_broken (cells->pdata[0]));
  }

  /* Any of several words: every seeded photo. */
  search_for (view, "dog car window sign");
  expect_results (view, "", 5);
  ui_wait_for (on_cells_drawn, view, "thumbnails");
  ui_save_screenshot (GTK_WIDGET (f->window), "photos-grid");

  /* The detail: description, objects, date and camera. */
  search_for (view, "dog beach");
  expect_results (view, "beach.jpg", 1);
  grids = ui_find_all (GTK_WIDGET (view), GTK_TYPE_GRID_VIEW);
  g_assert_cmpuint (grids->len, ==, 1);
  g_signal_emit_by_name (grids->pdata[0], "activate", 0);
  wait_for_page (view, "detail");
  wanted_text = "Canon EOS 80D";
  ui_wait_for (on_label_shown, view, "the camera");
  g_assert_nonnull (find_label (GTK_WIDGET (view), "A dog running on a sandy beach at sunset."));
  g_assert_nonnull (find_label (GTK_WIDGET (view), "dog, beach, sea, sunset"));
  ask = find_button (GTK_WIDGET (view), "_Ask About This Photo");
  g_assert_nonnull (ask);
  /* Insensitive unless the window has the action to start such a chat. */
  g_assert_cmpint (gtk_widget_is_sensitive (ask), ==, window_has_action (f->window, "win.new-chat-with-image"));
  /* The large picture arrives from a thumbnail thread. */
  ui_wait_for (on_picture_shown, view, "the photo large");
  ui_save_screenshot (GTK_WIDGET (f->window), "photos-detail");
  gtk_widget_activate_action (GTK_WIDGET (view), "photos.back", NULL);
  wait_for_page (view, "results");

  check_cache_permissions ();

  /* Asking about the photo: a new chat with it in the composer, on the
   * Chats page. */
  if (gtk_widget_is_sensitive (ask))
    {
      guint n_chats = g_list_model_get_n_items (hearth_window_get_chats (f->window));
      Asked asked = { f, n_chats };

      g_signal_emit_by_name (grids->pdata[0], "activate", 0);
      wait_for_page (view, "detail");
      ui_click_button (GTK_WIDGET (view), "_Ask About This Photo");
      ui_wait_for (on_asked, &asked, "a new chat with the photo");
    }
  else
    g_test_message ("win.new-chat-with-image is not in this build: Ask About This Photo stays insensitive");
}

static void
test_search (void)
{
  if (library_root == NULL)
    {
      g_test_skip ("../shared/fixtures/images is missing (HEARTH_SHARED_DIR)");
      return;
    }
  ui_test_run_app (drive_search);
}

/* ---- indexing with the random SmolVLM2 pair ---- */

static char *watched_path;

static HearthPhoto *
indexed_photo (const char *path)
{
  g_autoptr(HearthPhotoIndex) index = hearth_photo_index_open_default (NULL);

  g_assert_nonnull (index);
  return hearth_photo_index_get_photo (index, path, NULL);
}

static gboolean
on_photo_described (gpointer data)
{
  g_autoptr(HearthPhoto) photo = indexed_photo (watched_path);

  return photo != NULL && photo->state == HEARTH_PHOTO_DESCRIBED;
}

static gboolean
on_photo_gone (gpointer data)
{
  g_autoptr(HearthPhoto) photo = indexed_photo (watched_path);

  return photo == NULL;
}

static gboolean
on_poll (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

/* For conditions on the database, which wakes no main loop. */
static void
wait_polling (UiCondition condition, const char *what)
{
  guint poll = g_timeout_add (250, on_poll, NULL);

  ui_wait_for (condition, NULL, what);
  g_source_remove (poll);
}

static gboolean
on_indexing_started (gpointer data)
{
  HearthPhotoLibraryProgress p;
  HearthPhotoLibrary *library = hearth_photos_view_get_library (data);

  hearth_photo_library_get_progress (library, &p);
  return hearth_photo_library_get_state (library) == HEARTH_PHOTO_LIBRARY_INDEXING && p.total > 0;
}

static void
drive_indexing (UiFixture *f)
{
  HearthPhotosView *view = show_photos (f);
  g_autofree char *truncated = in_dir (more_dir, "truncated.png");
  g_autofree char *trip = in_dir (pictures_dir, "trip");
  g_autoptr(HearthPhoto) failed = NULL;
  HearthPhotoLibraryProgress at_pause, before, after;

  /* The folders from the first run; the vision model is found now. */
  ui_wait_for (on_indexing_started, view, "indexing");

  /* Paused: the photo being described finishes, then nothing moves. */
  ui_click_button (GTK_WIDGET (view), "_Pause");
  wait_for_state (view, HEARTH_PHOTO_LIBRARY_PAUSED, "paused");
  hearth_photo_library_get_progress (hearth_photos_view_get_library (view), &at_pause);
  /* The photo being described when the pause came still finishes, in
   * seconds or in half a minute depending on the machine's load: the count
   * is read until it stood still for 3 s. */
  after = at_pause;
  do
    {
      before = after;
      ui_run_for_seconds (3);
      hearth_photo_library_get_progress (hearth_photos_view_get_library (view), &after);
    }
  while (after.done != before.done);
  ui_save_screenshot (GTK_WIDGET (f->window), "photos-paused");
  g_assert_cmpuint (after.done, <=, at_pause.done + 1);
  g_assert_cmpuint (after.n_pending, >, 0);
  ui_click_button (GTK_WIDGET (view), "_Resume");
  wait_for_state (view, HEARTH_PHOTO_LIBRARY_UP_TO_DATE, "indexing done");
  hearth_photo_library_get_progress (hearth_photos_view_get_library (view), &after);
  g_assert_cmpuint (after.n_pending, ==, 0);
  g_assert_cmpuint (after.n_described, ==, 5 + 4);
  failed = indexed_photo (truncated);
  g_assert_nonnull (failed);
  g_assert_cmpint (failed->state, ==, HEARTH_PHOTO_FAILED);

  /* A photo dropped into a new subfolder is described while the app runs. */
  g_assert_cmpint (g_mkdir (trip, 0700), ==, 0);
  watched_path = in_dir (trip, "dropped.png");
  make_image (watched_path, 7);
  wait_polling (on_photo_described, "the dropped photo described");
  /* And forgotten when it is deleted. */
  g_assert_cmpint (g_unlink (watched_path), ==, 0);
  wait_polling (on_photo_gone, "the deleted photo forgotten");
  g_clear_pointer (&watched_path, g_free);
}

/* The cases that index: the SmolVLM pair linked into Hearth's model folder
 * and both library folders chosen (as the first case leaves them, when it
 * ran); FALSE, and the case skipped, without ../shared. */
static gboolean
prepare_indexing (void)
{
  g_autofree char *models = g_build_filename (g_get_user_data_dir (), "hearth", "models", NULL);
  g_autoptr(GSettings) settings = NULL;
  const char *both[] = { pictures_dir, more_dir, NULL };

  if (library_root == NULL)
    {
      g_test_skip ("../shared/fixtures/images is missing (HEARTH_SHARED_DIR)");
      return FALSE;
    }
  if (!hearth_test_link_vision_pair (models))
    {
      g_test_skip ("../shared/models/random/smolvlm-tiny-{text,mmproj}-f16.gguf are missing (HEARTH_SHARED_DIR)");
      return FALSE;
    }
  settings = app_settings ();
  g_settings_set_strv (settings, "photo-folders", both);
  return TRUE;
}

static void
test_indexing (void)
{
  if (prepare_indexing ())
    ui_test_run_app (drive_indexing);
}

/* ---- closing the window while a photo is described ---- */

static gboolean
on_library_gone (gpointer data)
{
  return *(HearthPhotoLibrary **) data == NULL;
}

static void
drive_close_while_describing (UiFixture *f)
{
  HearthPhotosView *view = show_photos (f);
  HearthPhotoLibrary *library = hearth_photos_view_get_library (view);
  g_autoptr(HearthPhoto) photo = NULL;
  gint64 start;
  double seconds;

  ui_wait_for (on_indexing_started, view, "indexing");
  /* Into the photo's tiles or its first tokens, far from its last. */
  ui_run_for_seconds (3);
  g_object_add_weak_pointer (G_OBJECT (library), (gpointer *) &library);
  start = g_get_monotonic_time ();
  gtk_window_destroy (GTK_WINDOW (f->window));
  ui_wait_for (on_library_gone, &library, "the photo library freed with its window");
  seconds = (g_get_monotonic_time () - start) / 1e6;
  g_test_message ("the photo library was freed %.2f s after the window closed", seconds);
  g_assert_cmpfloat (seconds, <, 10);
  photo = indexed_photo (watched_path);
  g_assert_nonnull (photo);
  g_assert_cmpint (photo->state, ==, HEARTH_PHOTO_PENDING);
}

static void
drive_describe_after_restart (UiFixture *f)
{
  show_photos (f);
  wait_polling (on_photo_described, "the interrupted photo described after the restart");
}

static void
test_close_while_describing (void)
{
  if (!prepare_indexing ())
    return;
  /* New since the last run: the one photo left to describe. */
  watched_path = in_dir (more_dir, "interrupted.png");
  make_image (watched_path, 11);
  ui_test_run_app (drive_close_while_describing);
  ui_test_run_app (drive_describe_after_restart);
  g_clear_pointer (&watched_path, g_free);
}

/* ---- main ---- */

/* XDG_PICTURES_DIR, the cache and the library live in a folder of their
 * own; GLib reads these variables once, so they are set first. */
static void
make_library_root (void)
{
  g_autofree char *photo = fixture_image ("photo-96x96.jpg");
  g_autofree char *config = NULL;
  g_autofree char *cache = NULL;
  g_autofree char *user_dirs = NULL;
  g_autofree char *user_dirs_text = NULL;

  if (photo == NULL || !g_file_test (photo, G_FILE_TEST_EXISTS))
    return;
  library_root = g_dir_make_tmp ("hearth-ui-photos-XXXXXX", NULL);
  g_assert_nonnull (library_root);
  pictures_dir = g_build_filename (library_root, "Pictures", NULL);
  more_dir = g_build_filename (library_root, "More", NULL);
  config = g_build_filename (library_root, "config", NULL);
  cache = g_build_filename (library_root, "cache", NULL);
  g_assert_cmpint (g_mkdir_with_parents (config, 0700), ==, 0);
  user_dirs = g_build_filename (config, "user-dirs.dirs", NULL);
  user_dirs_text = g_strdup_printf ("XDG_PICTURES_DIR=\"%s\"\n", pictures_dir);
  g_assert_true (g_file_set_contents (user_dirs, user_dirs_text, -1, NULL));
  g_setenv ("XDG_CONFIG_HOME", config, TRUE);
  g_setenv ("XDG_CACHE_HOME", cache, TRUE);
}

int
main (int argc, char **argv)
{
  int status;

  make_library_root ();
  ui_test_init (&argc, &argv);
  if (library_root != NULL)
    make_library ();
  g_test_add_func ("/ui-photos/search", test_search);
  g_test_add_func ("/ui-photos/indexing", test_indexing);
  g_test_add_func ("/ui-photos/close-while-describing", test_close_while_describing);
  status = ui_test_run ();
  if (library_root != NULL)
    ui_remove_folder (library_root);
  return status;
}
