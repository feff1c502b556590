#define G_LOG_DOMAIN "hearth-photos-view"

/* hearth-photos-view.c: the Photos page. Every query and look-up goes
 * through the photo library's worker; a newer query cancels the one
 * before, so results of a superseded query are never shown. */

#include <glib/gi18n.h>

#include "hearth-photo-cell.h"
#include "hearth-photo-result.h"
#include "hearth-photos-view.h"
#include "hearth-thumbnail-cache.h"

/* Results shown for one query. */
#define MAX_RESULTS 200
/* The photo opened large is made at this size. */
#define DETAIL_SIZE 1024

struct _HearthPhotosView {
  GtkWidget           parent_instance;
  GtkWidget          *content;

  AdwViewSwitcher    *switcher;
  GtkWidget          *back_button;
  GtkListBox         *folder_list;
  GtkRevealer        *progress_revealer;
  GtkLabel           *progress_label;
  GtkProgressBar     *progress_bar;
  GtkWidget          *pause_button;
  GtkWidget          *resume_button;
  GtkWidget          *search_row;
  GtkEditable        *search_entry;
  GtkDropDown        *folder_filter;
  GtkDropDown        *year_filter;
  GtkStack           *stack;
  AdwStatusPage      *no_folders_page;
  GtkWidget          *use_pictures_button;
  AdwStatusPage      *no_model_page;
  GtkGridView        *grid;
  GtkPicture         *detail_picture;
  GtkLabel           *detail_description;
  AdwActionRow       *detail_objects;
  AdwActionRow       *detail_text;
  AdwActionRow       *detail_taken;
  AdwActionRow       *detail_file;
  GtkWidget          *ask_button;

  AdwViewStack       *view_stack;     /* the window's Chats | Photos, weak */
  HearthPhotoLibrary *library;
  GSettings          *settings;       /* NULL: folders kept in memory_folders */
  char              **memory_folders;
  GListStore         *results;        /* HearthPhotoResult */
  GPtrArray          *years;          /* GINT_TO_POINTER (year), as the year filter lists them */
  GCancellable       *search_cancellable;
  GCancellable       *years_cancellable;
  GCancellable       *detail_cancellable;
  gboolean            searched;       /* results hold the answer to the current text */
  gboolean            detail_open;
  gboolean            filling_filters; /* the filters' lists are being replaced */
};

G_DEFINE_FINAL_TYPE (HearthPhotosView, hearth_photos_view, GTK_TYPE_WIDGET)

enum { PROP_0, PROP_VIEW_STACK, N_PROPS };

static void start_search (HearthPhotosView *self);

/* ---- folders ---- */

static char **
current_folders (HearthPhotosView *self)
{
  if (self->settings != NULL)
    return g_settings_get_strv (self->settings, "photo-folders");
  return g_strdupv (self->memory_folders);
}

/* Through the setting when there is one: its "changed" applies them. */
static void
store_folders (HearthPhotosView *self, char **folders)
{
  if (self->settings != NULL)
    {
      g_settings_set_strv (self->settings, "photo-folders", (const char *const *) folders);
      return;
    }
  g_strfreev (self->memory_folders);
  self->memory_folders = g_strdupv (folders);
}

GtkWidget *
hearth_photos_view_folder_row_new (const char *path, const char *remove_action)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *remove = gtk_button_new_from_icon_name ("user-trash-symbolic");
  g_autofree char *name = g_filename_display_basename (path);
  g_autofree char *display_path = g_filename_display_name (path);

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), name);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), display_path);
  gtk_widget_set_valign (remove, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (remove, "flat");
  gtk_widget_set_tooltip_text (remove, _("Stop Searching This Folder"));
  gtk_actionable_set_action_name (GTK_ACTIONABLE (remove), remove_action);
  gtk_actionable_set_action_target_value (GTK_ACTIONABLE (remove), g_variant_new_string (path));
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), remove);
  return row;
}

static void
fill_folder_filter (HearthPhotosView *self, char **folders)
{
  g_autoptr(GtkStringList) names = gtk_string_list_new (NULL);

  gtk_string_list_append (names, _("All Folders"));
  for (guint i = 0; folders[i] != NULL; i++)
    {
      g_autofree char *name = g_filename_display_basename (folders[i]);
      gtk_string_list_append (names, name);
    }
  self->filling_filters = TRUE;
  gtk_drop_down_set_model (self->folder_filter, G_LIST_MODEL (names));
  gtk_drop_down_set_selected (self->folder_filter, 0);
  self->filling_filters = FALSE;
}

static void
apply_folders (HearthPhotosView *self)
{
  g_auto(GStrv) folders = current_folders (self);
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->folder_list))) != NULL)
    gtk_list_box_remove (self->folder_list, child);
  for (guint i = 0; folders[i] != NULL; i++)
    gtk_list_box_append (self->folder_list, hearth_photos_view_folder_row_new (folders[i], "photos.remove-folder"));
  gtk_widget_set_visible (GTK_WIDGET (self->folder_list), folders[0] != NULL);
  fill_folder_filter (self, folders);
  hearth_photo_library_set_folders (self->library, (const char *const *) folders);
  start_search (self);
}

static void
add_folder (HearthPhotosView *self, const char *path)
{
  g_auto(GStrv) folders = current_folders (self);
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) updated = NULL;

  if (g_strv_contains ((const char *const *) folders, path))
    return;
  g_strv_builder_addv (builder, (const char **) folders);
  g_strv_builder_add (builder, path);
  updated = g_strv_builder_end (builder);
  store_folders (self, updated);
  if (self->settings == NULL)
    apply_folders (self);
}

static void
on_folder_chosen (GtkNativeDialog *chooser, int response, gpointer user_data)
{
  HearthPhotosView *self = user_data;

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) folder = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
      g_autofree char *path = folder != NULL ? g_file_get_path (folder) : NULL;

      if (path != NULL)
        add_folder (self, path);
    }
  g_object_unref (chooser);
}

static void
add_folder_activated (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  GtkRoot *root = gtk_widget_get_root (widget);
  GtkFileChooserNative *chooser =
    gtk_file_chooser_native_new (_("Add Photo Folder"), GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                 GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER, _("_Add"), _("_Cancel"));

  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  g_signal_connect (chooser, "response", G_CALLBACK (on_folder_chosen), widget);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
use_pictures_activated (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  const char *pictures = g_get_user_special_dir (G_USER_DIRECTORY_PICTURES);

  if (pictures != NULL)
    add_folder (HEARTH_PHOTOS_VIEW (widget), pictures);
}

static void
remove_folder_activated (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  HearthPhotosView *self = HEARTH_PHOTOS_VIEW (widget);
  const char *path = g_variant_get_string (parameter, NULL);
  g_auto(GStrv) folders = current_folders (self);
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) updated = NULL;

  for (guint i = 0; folders[i] != NULL; i++)
    if (!g_str_equal (folders[i], path))
      g_strv_builder_add (builder, folders[i]);
  updated = g_strv_builder_end (builder);
  store_folders (self, updated);
  if (self->settings == NULL)
    apply_folders (self);
}

/* ---- progress and pages ---- */

/* "about 3 min left" */
static char *
format_time_left (double seconds)
{
  guint s = (guint) (seconds + 0.5);

  if (s < 60)
    return g_strdup_printf (_("about %u s left"), s);
  if (s < 3600)
    return g_strdup_printf (_("about %u min left"), (s + 30) / 60);
  return g_strdup_printf (_("about %u h %u min left"), s / 3600, (s % 3600) / 60);
}

static char *
progress_text (HearthPhotoLibraryState state, const HearthPhotoLibraryProgress *p)
{
  g_autoptr(GString) text = g_string_new (NULL);

  if (p->total == 0)
    return g_strdup (_("Looking for new photos…"));
  g_string_printf (text, state == HEARTH_PHOTO_LIBRARY_PAUSED ? _("Paused: %u of %u photos described")
                                                              : _("Describing photos: %u of %u"),
                   p->done, p->total);
  if (state == HEARTH_PHOTO_LIBRARY_INDEXING && p->per_second > 0)
    {
      g_autofree char *left = format_time_left (p->eta_seconds);
      g_string_append (text, " · ");
      /* Translators: photos described per minute */
      g_string_append_printf (text, _("%.1f per minute"), p->per_second * 60);
      g_string_append_printf (text, " · %s", left);
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

char *
hearth_photos_view_progress_text (HearthPhotoLibrary *library)
{
  HearthPhotoLibraryState state = hearth_photo_library_get_state (library);
  HearthPhotoLibraryProgress p;

  hearth_photo_library_get_progress (library, &p);
  if (state == HEARTH_PHOTO_LIBRARY_INDEXING || state == HEARTH_PHOTO_LIBRARY_PAUSED)
    return progress_text (state, &p);
  if (state == HEARTH_PHOTO_LIBRARY_FINDING_MODEL)
    return g_strdup (_("Loading the vision model…"));
  if (state == HEARTH_PHOTO_LIBRARY_FAILED)
    return g_strdup_printf (_("Photo indexing stopped: %s"), hearth_photo_library_get_error (library));
  return NULL;
}

static void
update_progress (HearthPhotosView *self)
{
  HearthPhotoLibraryState state = hearth_photo_library_get_state (self->library);
  HearthPhotoLibraryProgress p;
  g_autofree char *text = hearth_photos_view_progress_text (self->library);
  gboolean running = state == HEARTH_PHOTO_LIBRARY_INDEXING || state == HEARTH_PHOTO_LIBRARY_PAUSED;

  hearth_photo_library_get_progress (self->library, &p);
  gtk_revealer_set_reveal_child (self->progress_revealer, text != NULL);
  gtk_label_set_text (self->progress_label, text != NULL ? text : "");
  gtk_progress_bar_set_fraction (self->progress_bar, p.total > 0 ? (double) p.done / p.total : 0);
  gtk_widget_set_visible (GTK_WIDGET (self->progress_bar), running);
  gtk_widget_set_visible (self->pause_button, state == HEARTH_PHOTO_LIBRARY_INDEXING);
  gtk_widget_set_visible (self->resume_button, state == HEARTH_PHOTO_LIBRARY_PAUSED);
}

static void
update_no_model_page (HearthPhotosView *self)
{
  g_autofree char *models_dir = g_build_filename (g_get_user_data_dir (), "hearth", "models", NULL);
  const char *error = hearth_photo_library_get_error (self->library);
  g_autofree char *text = g_markup_printf_escaped (
    _("Hearth describes your photos with a SmolVLM2 vision model on this computer. Put the model and its "
      "projector in %s, for example\n\n<tt>%s</tt>\n<tt>%s</tt>\n\nthen start Hearth again."),
    models_dir, "SmolVLM2-2.2B-Instruct-Q4_K_M.gguf", "mmproj-SmolVLM2-2.2B-Instruct-Q8_0.gguf");

  if (error != NULL)
    {
      g_autofree char *escaped = g_markup_escape_text (error, -1);
      g_autofree char *with_error = g_strdup_printf ("%s\n\n%s", text, escaped);
      adw_status_page_set_description (self->no_model_page, with_error);
      return;
    }
  adw_status_page_set_description (self->no_model_page, text);
}

static const char *
choose_page (HearthPhotosView *self)
{
  HearthPhotoLibraryState state = hearth_photo_library_get_state (self->library);
  HearthPhotoLibraryProgress p;

  hearth_photo_library_get_progress (self->library, &p);
  if (self->detail_open)
    return "detail";
  if (state == HEARTH_PHOTO_LIBRARY_NO_FOLDERS)
    return "no-folders";
  if (self->searched)
    return g_list_model_get_n_items (G_LIST_MODEL (self->results)) > 0 ? "results" : "no-results";
  if (p.n_described == 0)
    return state == HEARTH_PHOTO_LIBRARY_NO_MODEL ? "no-model" : "not-indexed";
  return "search";
}

static void
update_page (HearthPhotosView *self)
{
  const char *page = choose_page (self);

  update_no_model_page (self);
  gtk_stack_set_visible_child_name (self->stack, page);
  gtk_widget_set_visible (self->back_button, self->detail_open);
  gtk_widget_set_visible (self->search_row, !self->detail_open && !g_str_equal (page, "no-folders"));
}

static void
on_library_changed (HearthPhotosView *self)
{
  update_progress (self);
  update_page (self);
}

static void
pause_activated (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  hearth_photo_library_pause (HEARTH_PHOTOS_VIEW (widget)->library);
}

static void
resume_activated (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  hearth_photo_library_resume (HEARTH_PHOTOS_VIEW (widget)->library);
}

/* ---- the year filter ---- */

static void
years_listed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  HearthPhotosView *self = user_data;  /* no reference: see the dispose */
  g_autoptr(GPtrArray) years = hearth_photo_library_list_years_finish (NULL, result, NULL);
  g_autoptr(GtkStringList) names = NULL;
  gpointer selected_year = NULL;
  guint selected;
  guint position = 0;

  /* Cancelled, or the index could not be read: the filter stays. */
  if (years == NULL)
    return;
  selected = gtk_drop_down_get_selected (self->year_filter);
  if (selected != GTK_INVALID_LIST_POSITION && selected > 0 && selected <= self->years->len)
    selected_year = self->years->pdata[selected - 1];
  names = gtk_string_list_new (NULL);
  gtk_string_list_append (names, _("Any Year"));
  for (guint i = 0; i < years->len; i++)
    {
      g_autofree char *name = g_strdup_printf ("%d", GPOINTER_TO_INT (years->pdata[i]));
      gtk_string_list_append (names, name);
      if (years->pdata[i] == selected_year)
        position = i + 1;
    }
  g_ptr_array_unref (self->years);
  self->years = g_steal_pointer (&years);
  self->filling_filters = TRUE;
  gtk_drop_down_set_model (self->year_filter, G_LIST_MODEL (names));
  gtk_drop_down_set_selected (self->year_filter, position);
  self->filling_filters = FALSE;
}

static void
list_years (HearthPhotosView *self)
{
  g_cancellable_cancel (self->years_cancellable);
  g_clear_object (&self->years_cancellable);
  self->years_cancellable = g_cancellable_new ();
  hearth_photo_library_list_years_async (self->library, self->years_cancellable, years_listed,
                                         self);
}

/* ---- searching ---- */

static void
searched (GObject *source, GAsyncResult *result, gpointer user_data)
{
  HearthPhotosView *self = user_data;  /* no reference: see the dispose */
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) hits = hearth_photo_library_search_finish (NULL, result, &error);
  g_autoptr(GPtrArray) items = NULL;

  /* A newer query replaced this one. */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (hits == NULL)
    {
      AdwToastOverlay *overlay = ADW_TOAST_OVERLAY (gtk_widget_get_ancestor (GTK_WIDGET (self),
                                                                             ADW_TYPE_TOAST_OVERLAY));
      if (overlay != NULL)
        adw_toast_overlay_add_toast (overlay, adw_toast_new (error->message));
      return;
    }
  /* The results take the hits. */
  g_ptr_array_set_free_func (hits, NULL);
  items = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < hits->len; i++)
    g_ptr_array_add (items, hearth_photo_result_new (hits->pdata[i]));
  g_list_store_splice (self->results, 0, g_list_model_get_n_items (G_LIST_MODEL (self->results)), items->pdata,
                       items->len);
  self->searched = TRUE;
  update_page (self);
}

static void
read_filters (HearthPhotosView *self, HearthPhotoQuery *query, char **folder)
{
  guint folder_index = gtk_drop_down_get_selected (self->folder_filter);
  guint year_index = gtk_drop_down_get_selected (self->year_filter);

  if (folder_index != GTK_INVALID_LIST_POSITION && folder_index > 0)
    {
      g_auto(GStrv) folders = current_folders (self);
      if (folder_index - 1 < g_strv_length (folders))
        *folder = g_strdup (folders[folder_index - 1]);
    }
  query->folder = *folder;
  if (year_index != GTK_INVALID_LIST_POSITION && year_index > 0 && year_index <= self->years->len)
    {
      int year = GPOINTER_TO_INT (self->years->pdata[year_index - 1]);
      g_autoptr(GDateTime) from = g_date_time_new_utc (year, 1, 1, 0, 0, 0);
      g_autoptr(GDateTime) until = g_date_time_new_utc (year + 1, 1, 1, 0, 0, 0);

      query->from = g_date_time_to_unix (from) * G_USEC_PER_SEC;
      query->until = g_date_time_to_unix (until) * G_USEC_PER_SEC;
    }
}

static void
start_search (HearthPhotosView *self)
{
  g_autofree char *text = g_strstrip (g_strdup (gtk_editable_get_text (self->search_entry)));
  g_autofree char *folder = NULL;
  HearthPhotoQuery query = { .limit = MAX_RESULTS };

  g_cancellable_cancel (self->search_cancellable);
  g_clear_object (&self->search_cancellable);
  if (*text == '\0')
    {
      self->searched = FALSE;
      g_list_store_remove_all (self->results);
      update_page (self);
      return;
    }
  read_filters (self, &query, &folder);
  self->search_cancellable = g_cancellable_new ();
  hearth_photo_library_search_async (self->library, text, &query, self->search_cancellable, searched,
                                     self);
}

static void
on_query_changed (HearthPhotosView *self)
{
  if (!self->filling_filters && self->library != NULL)
    start_search (self);
}

/* New descriptions or photos gone: what is shown is asked again. */
static void
on_index_changed (HearthPhotosView *self)
{
  list_years (self);
  if (self->searched)
    start_search (self);
}

/* ---- one photo large ---- */

static void
detail_thumbnail_loaded (GObject *source, GAsyncResult *result, gpointer user_data)
{
  HearthPhotosView *self = user_data;  /* no reference: see the dispose */
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkPixbuf) pixbuf = hearth_thumbnail_load_finish (result, &error);
  g_autoptr(GdkTexture) texture = NULL;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (pixbuf == NULL)
    {
      gtk_picture_set_paintable (self->detail_picture, NULL);
      gtk_picture_set_alternative_text (self->detail_picture, error->message);
      return;
    }
  texture = gdk_texture_new_for_pixbuf (pixbuf);
  gtk_picture_set_paintable (self->detail_picture, GDK_PAINTABLE (texture));
}

static char *
format_taken (const HearthPhoto *photo)
{
  g_autoptr(GDateTime) when = NULL;
  g_autofree char *date = NULL;

  if (photo->captured_at == 0)
    return g_strdup (photo->camera != NULL ? photo->camera : _("Not known"));
  /* The camera's clock, stored as if it were UTC. */
  when = g_date_time_new_from_unix_utc (photo->captured_at / G_USEC_PER_SEC);
  date = g_date_time_format (when, "%x %X");
  return photo->camera != NULL ? g_strdup_printf ("%s · %s", date, photo->camera) : g_steal_pointer (&date);
}

static void
detail_photo_found (GObject *source, GAsyncResult *result, gpointer user_data)
{
  HearthPhotosView *self = user_data;  /* no reference: see the dispose */
  g_autoptr(GError) error = NULL;
  g_autoptr(HearthPhoto) photo = hearth_photo_library_get_photo_finish (NULL, result, &error);
  g_autofree char *taken = NULL;
  g_autofree char *size = NULL;
  g_autofree char *file = NULL;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (photo == NULL)
    {
      adw_action_row_set_subtitle (self->detail_taken, error->message);
      return;
    }
  taken = format_taken (photo);
  size = g_format_size (photo->size);
  file = g_strdup_printf ("%s\n%d × %d · %s", photo->path, photo->width, photo->height, size);
  adw_action_row_set_subtitle (self->detail_taken, taken);
  adw_action_row_set_subtitle (self->detail_file, file);
}

static void
set_row (AdwActionRow *row, const char *text)
{
  gtk_widget_set_visible (GTK_WIDGET (row), text != NULL && *text != '\0');
  adw_action_row_set_subtitle (row, text != NULL ? text : "");
}

void
hearth_photos_view_open_result (HearthPhotosView *self, guint position)
{
  g_autoptr(HearthPhotoResult) result = g_list_model_get_item (G_LIST_MODEL (self->results), position);
  const HearthPhotoHit *hit;

  g_return_if_fail (result != NULL);

  hit = hearth_photo_result_get_hit (result);
  g_cancellable_cancel (self->detail_cancellable);
  g_clear_object (&self->detail_cancellable);
  self->detail_cancellable = g_cancellable_new ();
  gtk_picture_set_paintable (self->detail_picture, NULL);
  gtk_label_set_text (self->detail_description, hit->description);
  set_row (self->detail_objects, hit->objects);
  set_row (self->detail_text, hit->visible_text);
  adw_action_row_set_subtitle (self->detail_taken, "");
  adw_action_row_set_subtitle (self->detail_file, hit->path);
  /* Insensitive while the window has no such action. */
  gtk_actionable_set_action_target_value (GTK_ACTIONABLE (self->ask_button), g_variant_new_string (hit->path));
  gtk_actionable_set_action_name (GTK_ACTIONABLE (self->ask_button), "win.new-chat-with-image");
  hearth_thumbnail_load_async (hit->path, DETAIL_SIZE, self->detail_cancellable, detail_thumbnail_loaded,
                               self);
  hearth_photo_library_get_photo_async (self->library, hit->path, self->detail_cancellable, detail_photo_found,
                                        self);
  self->detail_open = TRUE;
  update_page (self);
}

static void
on_grid_activate (HearthPhotosView *self, guint position)
{
  hearth_photos_view_open_result (self, position);
}

/* The button's action (win.new-chat-with-image) made the chat; it is on
 * the Chats page. */
static void
on_ask_clicked (HearthPhotosView *self)
{
  if (self->view_stack != NULL)
    adw_view_stack_set_visible_child_name (self->view_stack, "chats");
}

static void
back_activated (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  HearthPhotosView *self = HEARTH_PHOTOS_VIEW (widget);

  g_cancellable_cancel (self->detail_cancellable);
  self->detail_open = FALSE;
  update_page (self);
}

/* ---- the grid's cells ---- */

static void
setup_cell (GtkSignalListItemFactory *factory, GtkListItem *item, gpointer user_data)
{
  gtk_list_item_set_child (item, hearth_photo_cell_new ());
}

static void
bind_cell (GtkSignalListItemFactory *factory, GtkListItem *item, gpointer user_data)
{
  hearth_photo_cell_set_result (HEARTH_PHOTO_CELL (gtk_list_item_get_child (item)),
                                gtk_list_item_get_item (item));
}

static void
unbind_cell (GtkSignalListItemFactory *factory, GtkListItem *item, gpointer user_data)
{
  hearth_photo_cell_set_result (HEARTH_PHOTO_CELL (gtk_list_item_get_child (item)), NULL);
}

/* ---- API ---- */

void
hearth_photos_view_setup (HearthPhotosView *self, HearthEngine *engine, GSettings *settings)
{
  g_return_if_fail (HEARTH_IS_PHOTOS_VIEW (self));
  g_return_if_fail (self->library == NULL);

  self->library = hearth_photo_library_new (engine, NULL);
  g_signal_connect_object (self->library, "changed", G_CALLBACK (on_library_changed), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->library, "index-changed", G_CALLBACK (on_index_changed), self,
                           G_CONNECT_SWAPPED);
  if (settings != NULL)
    {
      self->settings = g_object_ref (settings);
      g_signal_connect_object (settings, "changed::photo-folders", G_CALLBACK (apply_folders), self,
                               G_CONNECT_SWAPPED);
    }
  apply_folders (self);
  list_years (self);
  on_library_changed (self);
}

HearthPhotoLibrary *
hearth_photos_view_get_library (HearthPhotosView *self)
{
  g_return_val_if_fail (HEARTH_IS_PHOTOS_VIEW (self), NULL);
  return self->library;
}

GListModel *
hearth_photos_view_get_results (HearthPhotosView *self)
{
  g_return_val_if_fail (HEARTH_IS_PHOTOS_VIEW (self), NULL);
  return G_LIST_MODEL (self->results);
}

const char *
hearth_photos_view_get_page (HearthPhotosView *self)
{
  g_return_val_if_fail (HEARTH_IS_PHOTOS_VIEW (self), NULL);
  return gtk_stack_get_visible_child_name (self->stack);
}

/* ---- GObject ---- */

static void
hearth_photos_view_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  HearthPhotosView *self = HEARTH_PHOTOS_VIEW (object);

  switch (prop_id)
    {
    case PROP_VIEW_STACK:
      g_set_weak_pointer (&self->view_stack, g_value_get_object (value));
      if (gtk_widget_get_root (GTK_WIDGET (self)) != NULL)
        adw_view_switcher_set_stack (self->switcher, self->view_stack);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

/* The switcher holds the window's stack, which holds this view: a cycle
 * that is cut while the view is out of a window, or neither would ever be
 * freed, nor the photo library, whose description would run on after the
 * window closed. */
static void
hearth_photos_view_root (GtkWidget *widget)
{
  HearthPhotosView *self = HEARTH_PHOTOS_VIEW (widget);

  GTK_WIDGET_CLASS (hearth_photos_view_parent_class)->root (widget);
  adw_view_switcher_set_stack (self->switcher, self->view_stack);
}

static void
hearth_photos_view_unroot (GtkWidget *widget)
{
  HearthPhotosView *self = HEARTH_PHOTOS_VIEW (widget);

  if (self->switcher != NULL)
    adw_view_switcher_set_stack (self->switcher, NULL);
  GTK_WIDGET_CLASS (hearth_photos_view_parent_class)->unroot (widget);
}

/* The queries and thumbnail loads hold no reference to the view, so that
 * one in flight does not keep it, and with it the photo library and its
 * running description, alive past its window. Each is cancelled here, and
 * a cancelled GTask reports G_IO_ERROR_CANCELLED, upon which the callbacks
 * return before they touch the view. */
static void
hearth_photos_view_dispose (GObject *object)
{
  HearthPhotosView *self = HEARTH_PHOTOS_VIEW (object);

  g_cancellable_cancel (self->search_cancellable);
  g_cancellable_cancel (self->years_cancellable);
  g_cancellable_cancel (self->detail_cancellable);
  g_clear_object (&self->search_cancellable);
  g_clear_object (&self->years_cancellable);
  g_clear_object (&self->detail_cancellable);
  g_clear_weak_pointer (&self->view_stack);
  g_clear_object (&self->library);
  g_clear_object (&self->settings);
  g_clear_pointer (&self->memory_folders, g_strfreev);
  g_clear_pointer (&self->years, g_ptr_array_unref);
  g_clear_object (&self->results);
  gtk_widget_dispose_template (GTK_WIDGET (self), HEARTH_TYPE_PHOTOS_VIEW);
  G_OBJECT_CLASS (hearth_photos_view_parent_class)->dispose (object);
}

static void
hearth_photos_view_class_init (HearthPhotosViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->set_property = hearth_photos_view_set_property;
  object_class->dispose = hearth_photos_view_dispose;
  widget_class->root = hearth_photos_view_root;
  widget_class->unroot = hearth_photos_view_unroot;
  g_object_class_install_property (object_class, PROP_VIEW_STACK,
    g_param_spec_object ("view-stack", NULL, NULL, ADW_TYPE_VIEW_STACK,
                         G_PARAM_WRITABLE | G_PARAM_STATIC_STRINGS));

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/hearth/Hearth/ui/hearth-photos-view.ui");
  gtk_widget_class_bind_template_child (widget_class, HearthPhotosView, content);
  gtk_widget_class_bind_template_child (widget_class, HearthPhotosView, switcher);
  gtk_widget_class_bind_template_child (widget_class, HearthPhotosView, back_button);
  gtk_widget_class_bind_template_child (widget_class, HearthPhotosView, folder_list);
  gtk_widget_class_bind_template_child (widget_class, HearthPhotosView, progress_revealer);
  gtk_widget_class_bind_template_child (widget_class, HearthPhotosView, progress_label);
  gtk_widget_class_bind_template_child (widget_class, HearthPhotosView, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, HearthPhotosView, pause_button);
  gtk_widget_class_bind_template_child (widget_class, HearthPhotosView, resume_button);
  gtk_widget_class_bind_template_child (widget_class, HearthPhotosView, search_row);
  gtk_widget_class_bind_template_child (widget_class, HearthPhotosView, search_entry);
  gtk_widget_class_bind_template_child (widget_class, HearthPhotosView, folder_filter);
  gtk_widget_class_bind_template_child (widget_class, HearthPhotosView, year_filter);
  gtk_widget_class_bind_template_child (widget_class, HearthPhotosView, stack);
  gtk_widget_class_bind_template_child (widget_class, HearthPhotosView, no_folders_page);
  gtk_widget_class_bind_template_child (widget_class, HearthPhotosView, use_pictures_button);
  gtk_widget_class_bind_template_child (widget_class, HearthPhotosView, no_model_page);
  gtk_widget_class_bind_template_child (widget_class, HearthPhotosView, grid);
  gtk_widget_class_bind_template_child (widget_class, HearthPhotosView, detail_picture);
  gtk_widget_class_bind_template_child (widget_class, HearthPhotosView, detail_description);
  gtk_widget_class_bind_template_child (widget_class, HearthPhotosView, detail_objects);
  gtk_widget_class_bind_template_child (widget_class, HearthPhotosView, detail_text);
  gtk_widget_class_bind_template_child (widget_class, HearthPhotosView, detail_taken);
  gtk_widget_class_bind_template_child (widget_class, HearthPhotosView, detail_file);
  gtk_widget_class_bind_template_child (widget_class, HearthPhotosView, ask_button);
  gtk_widget_class_bind_template_callback (widget_class, on_query_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_grid_activate);
  gtk_widget_class_bind_template_callback (widget_class, on_ask_clicked);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);

  gtk_widget_class_install_action (widget_class, "photos.add-folder", NULL, add_folder_activated);
  gtk_widget_class_install_action (widget_class, "photos.use-pictures", NULL, use_pictures_activated);
  gtk_widget_class_install_action (widget_class, "photos.remove-folder", "s", remove_folder_activated);
  gtk_widget_class_install_action (widget_class, "photos.pause", NULL, pause_activated);
  gtk_widget_class_install_action (widget_class, "photos.resume", NULL, resume_activated);
  gtk_widget_class_install_action (widget_class, "photos.back", NULL, back_activated);
}

/* The Pictures folder is offered when the system names one. */
static void
describe_no_folders (HearthPhotosView *self)
{
  const char *pictures = g_get_user_special_dir (G_USER_DIRECTORY_PICTURES);
  g_autofree char *text = NULL;

  gtk_widget_set_visible (self->use_pictures_button, pictures != NULL);
  if (pictures == NULL)
    text = g_strdup (_("Hearth finds your photos by what they show. It describes them on this computer; nothing "
                       "leaves it. Choose the folders to search."));
  else
    {
      g_autofree char *display = g_filename_display_name (pictures);
      text = g_strdup_printf (_("Hearth finds your photos by what they show. It describes them on this computer; "
                                "nothing leaves it. Search your Pictures folder (%s) or choose other folders."),
                              display);
    }
  adw_status_page_set_description (self->no_folders_page, text);
}

static void
hearth_photos_view_init (HearthPhotosView *self)
{
  g_autoptr(GtkListItemFactory) factory = gtk_signal_list_item_factory_new ();
  g_autoptr(GtkNoSelection) selection = NULL;

  gtk_widget_init_template (GTK_WIDGET (self));
  self->results = g_list_store_new (HEARTH_TYPE_PHOTO_RESULT);
  self->years = g_ptr_array_new ();
  self->memory_folders = g_new0 (char *, 1);
  g_signal_connect (factory, "setup", G_CALLBACK (setup_cell), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_cell), NULL);
  g_signal_connect (factory, "unbind", G_CALLBACK (unbind_cell), NULL);
  gtk_grid_view_set_factory (self->grid, factory);
  selection = gtk_no_selection_new (g_object_ref (G_LIST_MODEL (self->results)));
  gtk_grid_view_set_model (self->grid, GTK_SELECTION_MODEL (selection));
  describe_no_folders (self);
}
