#define G_LOG_DOMAIN "test-ui-images"

/* test-ui-images.c: images in chats, through the real app: dropped on the
 * window and on the composer, pasted with Ctrl+V's action, refused when
 * broken, shown as thumbnails, removed, viewed larger; sent to a
 * text-only model (the hint names a model that sees, nothing is lost) and,
 * with the SmolVLM pair from ../shared, to a model that sees (the answer
 * streams, the image is stored with the question).  Each chat keeps its
 * own draft, text and images, while another chat is shown. */

#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "hearth-image-preview.h"
#include "hearth-image-thumbnail.h"
#include "shared-test-util.h"
#include "ui-test-util.h"

#define VISION_TEXT "SmolVLM2-tiny-F16.gguf"
#define VISION_MMPROJ "mmproj-SmolVLM2-tiny-F16.gguf"

/* NULL (and the case skipped) without ../shared. */
static char *
fixture_image (const char *name)
{
  g_autofree char *relative = g_build_filename ("fixtures", "images", name, NULL);

  return hearth_test_shared_path (relative);
}

static char *
linked_vision_model (void)
{
  return g_build_filename (g_getenv ("XDG_DATA_HOME"), "hearth", "models", VISION_TEXT, NULL);
}

/* The SmolVLM-shaped pair (random weights) under the names a real pair
 * has, so that the catalog pairs them; FALSE when ../shared lacks it. */
static gboolean
link_vision_pair (void)
{
  const char *shared = g_getenv ("HEARTH_SHARED_DIR");
  /* Two projectors that fit: the catalog gives the model the one named
   * like it. */
  const char *sources[] = { "smolvlm-tiny-text-f16.gguf", "smolvlm-tiny-mmproj-f16.gguf",
                            "smolvlm-tiny-mmproj-q8_0.gguf" };
  const char *names[] = { VISION_TEXT, VISION_MMPROJ, "mmproj-SmolVLM2-tiny-Q8_0.gguf" };

  for (guint i = 0; i < G_N_ELEMENTS (sources); i++)
    {
      g_autofree char *source = shared != NULL ? g_build_filename (shared, "models", "random", sources[i], NULL)
                                               : NULL;
      g_autofree char *target = NULL;
      g_autofree char *link = g_build_filename (g_getenv ("XDG_DATA_HOME"), "hearth", "models", names[i], NULL);
      g_autofree char *folder = g_path_get_dirname (link);

      if (source == NULL || !g_file_test (source, G_FILE_TEST_EXISTS))
        return FALSE;
      if (g_file_test (link, G_FILE_TEST_EXISTS))
        continue;
      target = g_canonicalize_filename (source, NULL);
      g_assert_cmpint (g_mkdir_with_parents (folder, 0700), ==, 0);
      g_assert_cmpint (symlink (target, link), ==, 0);
    }
  return TRUE;
}

static gboolean
window_ready (gpointer data)
{
  return hearth_window_get_ready (((UiFixture *) data)->window);
}

static HearthComposer *
composer_of (UiFixture *f)
{
  return hearth_chat_view_get_composer (hearth_window_get_chat_view (f->window));
}

static guint
n_attached (UiFixture *f)
{
  return g_list_model_get_n_items (hearth_composer_get_images (composer_of (f)));
}

static guint
attached_width (UiFixture *f, guint position)
{
  g_autoptr(HearthImageAttachment) image = g_list_model_get_item (hearth_composer_get_images (composer_of (f)),
                                                                  position);
  return hearth_image_attachment_get_width (image);
}

typedef struct {
  UiFixture *f;
  guint      n;
} Attached;

static gboolean
attached (gpointer data)
{
  Attached *a = data;
  g_autoptr(GPtrArray) thumbnails = ui_find_all (GTK_WIDGET (a->f->window), HEARTH_TYPE_IMAGE_THUMBNAIL);

  return n_attached (a->f) == a->n && thumbnails->len == a->n;
}

static void
wait_attached (UiFixture *f, guint n)
{
  ui_wait_for (attached, &(Attached) { f, n }, "the composer's thumbnails");
}

static GtkDropTarget *
drop_target_of (GtkWidget *widget)
{
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (widget);

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GObject) controller = g_list_model_get_item (controllers, i);

      if (GTK_IS_DROP_TARGET (controller))
        return GTK_DROP_TARGET (controller);
    }
  g_assert_not_reached ();
}

/* What a file manager's drag delivers: a file list. */
static void
drop_files (GtkWidget *widget, const char *path)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  GSList files = { file, NULL };
  g_auto(GValue) value = G_VALUE_INIT;
  gboolean accepted = FALSE;

  g_value_init (&value, GDK_TYPE_FILE_LIST);
  g_value_take_boxed (&value, gdk_file_list_new_from_list (&files));
  g_signal_emit_by_name (drop_target_of (widget), "drop", &value, 10.0, 10.0, &accepted);
  g_assert_true (accepted);
}

static void
drop_file (GtkWidget *widget, const char *path)
{
  g_auto(GValue) value = G_VALUE_INIT;
  gboolean accepted = FALSE;

  g_value_init (&value, G_TYPE_FILE);
  g_value_take_object (&value, g_file_new_for_path (path));
  g_signal_emit_by_name (drop_target_of (widget), "drop", &value, 10.0, 10.0, &accepted);
  g_assert_true (accepted);
}

static GtkWidget *
composer_text_view (UiFixture *f)
{
  g_autoptr(GPtrArray) views = ui_find_all (GTK_WIDGET (composer_of (f)), GTK_TYPE_TEXT_VIEW);

  g_assert_cmpuint (views->len, ==, 1);
  return views->pdata[0];
}

/* A screenshot tool puts a texture on the clipboard; Ctrl+V runs the text
 * view's clipboard.paste action. */
static void
paste_texture (UiFixture *f, const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkTexture) texture = gdk_texture_new_from_filename (path, &error);
  GtkWidget *text_view = composer_text_view (f);

  g_assert_no_error (error);
  gdk_clipboard_set_texture (gtk_widget_get_clipboard (text_view), texture);
  gtk_widget_grab_focus (text_view);
  g_assert_true (gtk_widget_activate_action (text_view, "clipboard.paste", NULL));
}

static gboolean
has_label_containing (GtkWidget *root, const char *text)
{
  g_autoptr(GPtrArray) labels = ui_find_all (root, GTK_TYPE_LABEL);

  for (guint i = 0; i < labels->len; i++)
    if (strstr (gtk_label_get_text (labels->pdata[i]), text) != NULL)
      return TRUE;
  return FALSE;
}

typedef struct {
  UiFixture  *f;
  const char *text;
} Shown;

/* A mapped label (a toast, a banner) whose text contains the given one. */
static gboolean
label_shown (gpointer data)
{
  Shown *shown = data;

  return has_label_containing (GTK_WIDGET (shown->f->window), shown->text);
}

static HearthImagePreview *
find_preview (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GObject) window = g_list_model_get_item (toplevels, i);

      if (HEARTH_IS_IMAGE_PREVIEW (window) && gtk_widget_get_mapped (GTK_WIDGET (window)))
        return HEARTH_IMAGE_PREVIEW (window);
    }
  return NULL;
}

static gboolean
preview_shown (gpointer data)
{
  return find_preview () != NULL;
}

static gboolean
preview_gone (gpointer data)
{
  return find_preview () == NULL;
}

/* Clicks the picture of the index-th thumbnail below root. */
static void
click_thumbnail (GtkWidget *root, guint index)
{
  g_autoptr(GPtrArray) thumbnails = ui_find_all (root, HEARTH_TYPE_IMAGE_THUMBNAIL);
  g_autoptr(GPtrArray) buttons = NULL;

  g_assert_cmpuint (thumbnails->len, >, index);
  buttons = ui_find_all (thumbnails->pdata[index], GTK_TYPE_BUTTON);
  g_signal_emit_by_name (buttons->pdata[0], "clicked");
}

/* Opens the preview of the first attached image, checks that it says
 * summary, saves it, closes it. */
static void
view_first_image (UiFixture *f, const char *summary, const char *screenshot)
{
  HearthImagePreview *preview;

  click_thumbnail (GTK_WIDGET (composer_of (f)), 0);
  ui_wait_for (preview_shown, NULL, "the image preview");
  preview = find_preview ();
  g_assert_true (has_label_containing (GTK_WIDGET (preview), summary));
  ui_save_screenshot (GTK_WIDGET (preview), screenshot);
  /* Escape is bound to window.close. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (preview), "window.close", NULL));
  ui_wait_for (preview_gone, NULL, "the preview to close");
}

/* Selects the chat at position in the sidebar, as a click would. */
static void
select_chat (UiFixture *f, guint position)
{
  g_autoptr(GPtrArray) lists = ui_find_all (GTK_WIDGET (f->window), GTK_TYPE_LIST_VIEW);

  for (guint i = 0; i < lists->len; i++)
    {
      GtkSelectionModel *model = gtk_list_view_get_model (lists->pdata[i]);
      g_autoptr(GObject) first = g_list_model_get_item (G_LIST_MODEL (model), 0);

      if (HEARTH_IS_CHAT_OBJECT (first))
        {
          g_assert_true (gtk_selection_model_select_item (model, position, TRUE));
          return;
        }
    }
  g_assert_not_reached ();
}

typedef struct {
  UiFixture          *f;
  HearthConversation *before;
} Switched;

/* Another chat than before is shown, its messages read. */
static gboolean
conversation_switched (gpointer data)
{
  Switched *switched = data;
  HearthConversation *now = ui_conversation (switched->f);

  return now != NULL && now != switched->before && hearth_conversation_get_loaded (now);
}

static void
drive_text_only (UiFixture *f)
{
  g_autofree char *photo = fixture_image ("photo-96x96.jpg");
  g_autofree char *portrait = fixture_image ("portrait-300x800.jpg");
  g_autofree char *screenshot = fixture_image ("screenshot-640x360.png");
  g_autofree char *broken = g_build_filename (g_get_user_data_dir (), "broken.png", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  ui_wait_for (window_ready, f, "the chat history");
  if (!ui_start_chat_with_stories (f))
    return;

  /* Dropped on the window, dropped on the composer, pasted. */
  drop_files (GTK_WIDGET (f->window), photo);
  wait_attached (f, 1);
  drop_file (GTK_WIDGET (composer_of (f)), portrait);
  wait_attached (f, 2);
  paste_texture (f, screenshot);
  wait_attached (f, 3);
  g_assert_cmpuint (attached_width (f, 2), ==, 640);

  hearth_composer_set_text (composer_of (f), "What do you see?");
  ui_save_screenshot (GTK_WIDGET (f->window), "images-composer");

  /* ✕ removes the portrait. */
  {
    g_autoptr(GPtrArray) thumbnails = ui_find_all (GTK_WIDGET (composer_of (f)), HEARTH_TYPE_IMAGE_THUMBNAIL);
    ui_click_button (thumbnails->pdata[1], "✕");
  }
  wait_attached (f, 2);
  g_assert_cmpuint (attached_width (f, 1), ==, 640);

  view_first_image (f, "Load a model that can see images", "images-preview-text-only");

  /* stories260K cannot see: the hint names the model that can, and the
   * message stays where it was. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (composer_of (f)), "composer.send", NULL));
  ui_wait_for (label_shown, &(Shown) { f, "cannot see images" }, "the hint naming a model that sees");
  g_assert_cmpuint (ui_n_messages (f), ==, 0);
  g_assert_cmpuint (n_attached (f), ==, 2);
  text = hearth_composer_dup_text (composer_of (f));
  g_assert_cmpstr (text, ==, "What do you see?");
  g_assert_false (hearth_conversation_get_generating (ui_conversation (f)));
  ui_save_screenshot (GTK_WIDGET (f->window), "images-text-only-hint");

  /* A broken file: a toast, and the others stay. */
  g_file_set_contents (broken, "\x89PNG\r\n\x1a\n not really", -1, &error);
  g_assert_no_error (error);
  drop_files (GTK_WIDGET (f->window), broken);
  ui_wait_for (label_shown, &(Shown) { f, "Cannot attach this image" }, "a toast for the broken file");
  g_assert_cmpuint (n_attached (f), ==, 2);
  g_unlink (broken);

  /* Each chat keeps its own draft: a new chat starts empty, and going back
   * brings the text and the images again. */
  g_action_group_activate_action (G_ACTION_GROUP (f->app), "new-chat", NULL);
  ui_wait_for (conversation_switched, &(Switched) { f, ui_conversation (f) }, "the new chat");
  g_assert_cmpuint (n_attached (f), ==, 0);
  g_clear_pointer (&text, g_free);
  text = hearth_composer_dup_text (composer_of (f));
  g_assert_cmpstr (text, ==, "");
  select_chat (f, 1);
  wait_attached (f, 2);
  g_clear_pointer (&text, g_free);
  text = hearth_composer_dup_text (composer_of (f));
  g_assert_cmpstr (text, ==, "What do you see?");
}

static gboolean
vision_ready (gpointer data)
{
  UiFixture *f = data;
  HearthModel *model = hearth_window_get_model (f->window);

  return ui_model_ready (f) && hearth_model_has_vision (model);
}

static gboolean
answer_done (gpointer data)
{
  UiFixture *f = data;

  return ui_n_messages (f) == 2 && ui_idle (f);
}

static void
drive_vision (UiFixture *f)
{
  g_autofree char *photo = fixture_image ("photo-96x96.jpg");
  g_autofree char *model = linked_vision_model ();
  g_autoptr(HearthStore) store = NULL;
  g_autoptr(GPtrArray) messages = NULL;
  g_autoptr(GPtrArray) attachments = NULL;
  g_autoptr(GError) error = NULL;
  HearthMessage *question;
  HearthAttachment *image;
  gint64 chat_id;

  /* A short answer (random weights never stop), so that the screenshot
   * shows the question with its image. */
  g_autoptr(GSettings) settings = g_settings_new ("io.github.hearth.Hearth");

  g_settings_set_uint (settings, "max-tokens", 24);
  /* "Ask about this photo", as the Photos view does it. */
  ui_wait_for (window_ready, f, "the chat history");
  if (g_list_model_get_n_items (hearth_window_get_chats (f->window)) == 0)
    {
      g_action_group_activate_action (G_ACTION_GROUP (f->app), "new-chat", NULL);
      ui_wait_for (ui_has_no_model_page, f, "a new chat without a model");
    }
  ui_wait_for (ui_conversation_loaded, f, "a chat to switch to SmolVLM");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.set-model", "s", model));
  ui_wait_for (vision_ready, f, "the SmolVLM pair with its projector");
  ui_wait_for (ui_conversation_loaded, f, "the chat's messages");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.new-chat-with-image", "s", photo));
  wait_attached (f, 1);
  ui_wait_for (vision_ready, f, "the new chat's session");

  view_first_image (f, "image tokens", "images-tile-preview");

  hearth_composer_set_text (composer_of (f), "What is in this picture?");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (composer_of (f)), "composer.send", NULL));
  g_assert_true (hearth_conversation_get_generating (ui_conversation (f)));
  g_assert_cmpuint (n_attached (f), ==, 0);
  ui_wait_for (answer_done, f, "the answer about the picture");
  g_assert_cmpuint (hearth_message_object_get_state (ui_message_at (f, 1)), ==, HEARTH_MESSAGE_COMPLETE);
  g_assert_cmpuint (hearth_message_object_get_images (ui_message_at (f, 0))->len, ==, 1);
  ui_save_screenshot (GTK_WIDGET (f->window), "images-sent");

  /* Another chat and back: the image comes back from the store. */
  chat_id = hearth_chat_object_get_id (hearth_conversation_get_chat (ui_conversation (f)));
  select_chat (f, 1);
  select_chat (f, 0);
  ui_wait_for (ui_conversation_loaded, f, "the chat read again");
  g_assert_cmpint (hearth_chat_object_get_id (hearth_conversation_get_chat (ui_conversation (f))), ==, chat_id);
  g_assert_cmpuint (hearth_message_object_get_images (ui_message_at (f, 0))->len, ==, 1);
  g_assert_cmpuint (ui_n_messages (f), ==, 2);

  /* The question and its image are in the store, the image as a PNG of
   * the photo's size. */
  store = ui_open_store (f);
  messages = hearth_store_list_messages (store, chat_id, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (messages->len, ==, 2);
  question = messages->pdata[0];
  g_assert_cmpstr (question->content, ==, "What is in this picture?");
  attachments = hearth_store_list_attachments (store, question->id, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (attachments->len, ==, 1);
  image = attachments->pdata[0];
  g_assert_cmpstr (image->mime, ==, "image/png");
  g_assert_cmpint (image->width, ==, 96);
  g_assert_cmpint (image->height, ==, 96);
}

static void
test_text_only (void)
{
  g_autofree char *photo = fixture_image ("photo-96x96.jpg");

  if (photo != NULL)
    ui_test_run_app (drive_text_only);
}

static void
test_vision (void)
{
  if (!link_vision_pair ())
    {
      g_test_skip ("HEARTH_SHARED_DIR/models/random has no SmolVLM pair: cannot ask about an image");
      return;
    }
  ui_test_run_app (drive_vision);
}

int
main (int argc, char **argv)
{
  ui_test_init (&argc, &argv);
  /* The pair is linked first, so that the text-only hint can name it. */
  link_vision_pair ();
  g_test_add_func ("/ui-images/text-only", test_text_only);
  g_test_add_func ("/ui-images/vision", test_vision);
  return ui_test_run ();
}
