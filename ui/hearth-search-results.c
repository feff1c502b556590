#define G_LOG_DOMAIN "hearth-search-results"

/* hearth-search-results.c: chats whose title matches and messages that
 * match what the user typed.  Titles are matched here, from the window's
 * list; messages through FTS5 on the store worker, never on this thread. */

#include <adwaita.h>
#include <glib/gi18n.h>

#include "hearth-chat-object.h"
#include "hearth-search-results.h"

/* A search runs once typing pauses this long: each key would otherwise
 * queue a query on the store worker, ahead of the chats' own writes. */
#define SEARCH_DELAY_MS 200
#define MAX_HITS 50

struct _HearthSearchResults {
  GtkWidget          parent_instance;
  GtkStack          *stack;
  GtkWidget         *chats_heading;
  GtkListBox        *chat_matches;
  GtkWidget         *hits_heading;
  GtkListBox        *message_hits;
  AdwStatusPage     *empty_page;

  HearthStoreWorker *worker;
  GListModel        *chats;
  char              *query;          /* NULL: no search */
  guint              delay_source;
  guint              generation;     /* of the newest query: older results are dropped */
  GCancellable      *cancellable;    /* of the search queued or running, or NULL */
  GPtrArray         *matched_chats;  /* HearthChatObject, one per row of chat_matches */
  GPtrArray         *hits;           /* HearthSearchHit, one per row of message_hits */
};

G_DEFINE_FINAL_TYPE (HearthSearchResults, hearth_search_results, GTK_TYPE_WIDGET)

enum { SIGNAL_CHAT_ACTIVATED, N_SIGNALS };
static guint signals[N_SIGNALS];

/* ---- rows ---- */

char *
hearth_search_results_snippet_markup (const char *snippet)
{
  g_autoptr(GString) markup = g_string_new (NULL);
  gboolean bold = FALSE;
  const char *piece = snippet;

  /* A snippet cut mid-text starts at a word, after the space before it. */
  while (g_ascii_isspace (*piece))
    piece++;
  while (TRUE)
    {
      gsize length = strcspn (piece, HEARTH_STORE_MATCH_START HEARTH_STORE_MATCH_END);
      g_autofree char *escaped = g_markup_escape_text (piece, length);

      /* One flowing line: the snippet is a glimpse, not the message. */
      g_string_append (markup, g_strdelimit (escaped, "\n\r\t", ' '));
      if (piece[length] == '\0')
        break;
      if ((piece[length] == HEARTH_STORE_MATCH_START[0]) != bold)
        g_string_append (markup, bold ? "</b>" : "<b>");
      bold = piece[length] == HEARTH_STORE_MATCH_START[0];
      piece += length + 1;
    }
  if (bold)
    g_string_append (markup, "</b>");
  return g_string_free (g_steal_pointer (&markup), FALSE);
}

static char *
format_date (gint64 time_us)
{
  g_autoptr(GDateTime) date = g_date_time_new_from_unix_local (time_us / G_USEC_PER_SEC);

  return date != NULL ? g_date_time_format (date, "%x") : g_strdup ("");
}

static GtkWidget *
new_label (const char *css_class)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_widget_add_css_class (label, css_class);
  return label;
}

static GtkWidget *
chat_row_new (HearthChatObject *chat)
{
  GtkWidget *label = new_label ("search-title");

  gtk_label_set_text (GTK_LABEL (label), hearth_chat_object_get_title (chat));
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_widget_set_margin_top (label, 6);
  gtk_widget_set_margin_bottom (label, 6);
  return label;
}

/* The chat and date above the snippet. */
static GtkWidget *
hit_row_new (const HearthSearchHit *hit)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *header = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *title = new_label ("caption-heading");
  GtkWidget *date = new_label ("caption");
  GtkWidget *snippet = new_label ("search-snippet");
  g_autofree char *date_text = format_date (hit->created_at);
  g_autofree char *markup = hearth_search_results_snippet_markup (hit->snippet);

  gtk_label_set_text (GTK_LABEL (title), hit->chat_title);
  gtk_label_set_ellipsize (GTK_LABEL (title), PANGO_ELLIPSIZE_END);
  gtk_widget_set_hexpand (title, TRUE);
  gtk_label_set_text (GTK_LABEL (date), date_text);
  gtk_widget_add_css_class (date, "dim-label");
  gtk_label_set_markup (GTK_LABEL (snippet), markup);
  gtk_label_set_wrap (GTK_LABEL (snippet), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (snippet), PANGO_WRAP_WORD_CHAR);
  gtk_label_set_lines (GTK_LABEL (snippet), 3);
  gtk_label_set_ellipsize (GTK_LABEL (snippet), PANGO_ELLIPSIZE_END);
  gtk_label_set_max_width_chars (GTK_LABEL (snippet), 30);
  gtk_box_append (GTK_BOX (header), title);
  gtk_box_append (GTK_BOX (header), date);
  gtk_box_append (GTK_BOX (box), header);
  gtk_box_append (GTK_BOX (box), snippet);
  gtk_widget_set_margin_top (box, 6);
  gtk_widget_set_margin_bottom (box, 6);
  return box;
}

static void
on_chat_row_activated (HearthSearchResults *self, GtkListBoxRow *row)
{
  HearthChatObject *chat = self->matched_chats->pdata[gtk_list_box_row_get_index (row)];

  g_signal_emit (self, signals[SIGNAL_CHAT_ACTIVATED], 0, hearth_chat_object_get_id (chat), (gint64) 0);
}

static void
on_hit_row_activated (HearthSearchResults *self, GtkListBoxRow *row)
{
  HearthSearchHit *hit = self->hits->pdata[gtk_list_box_row_get_index (row)];

  g_signal_emit (self, signals[SIGNAL_CHAT_ACTIVATED], 0, hit->chat_id, hit->message_id);
}

/* ---- showing results ---- */

static void
clear_results (HearthSearchResults *self)
{
  GtkWidget *row;

  while ((row = gtk_widget_get_first_child (GTK_WIDGET (self->chat_matches))) != NULL)
    gtk_list_box_remove (self->chat_matches, row);
  while ((row = gtk_widget_get_first_child (GTK_WIDGET (self->message_hits))) != NULL)
    gtk_list_box_remove (self->message_hits, row);
  g_ptr_array_set_size (self->matched_chats, 0);
  g_clear_pointer (&self->hits, g_ptr_array_unref);
}

/* Titles match as the store matches messages: every word typed starts a
 * word of the title, whatever the case and accents. */
static void
match_titles (HearthSearchResults *self)
{
  guint n = self->chats != NULL ? g_list_model_get_n_items (self->chats) : 0;

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(HearthChatObject) chat = g_list_model_get_item (self->chats, i);

      if (g_str_match_string (self->query, hearth_chat_object_get_title (chat), TRUE))
        {
          gtk_list_box_append (self->chat_matches, chat_row_new (chat));
          g_ptr_array_add (self->matched_chats, g_object_ref (chat));
        }
    }
}

static void
show_results (HearthSearchResults *self, GPtrArray *hits)
{
  clear_results (self);
  match_titles (self);
  self->hits = g_ptr_array_ref (hits);
  for (guint i = 0; i < hits->len; i++)
    gtk_list_box_append (self->message_hits, hit_row_new (hits->pdata[i]));

  gtk_widget_set_visible (self->chats_heading, self->matched_chats->len > 0);
  gtk_widget_set_visible (self->hits_heading, hits->len > 0);
  adw_status_page_set_title (self->empty_page, _("No Results"));
  adw_status_page_set_description (self->empty_page, NULL);
  gtk_stack_set_visible_child_name (self->stack, self->matched_chats->len + hits->len > 0 ? "results" : "empty");
}

static void
show_error (HearthSearchResults *self, const GError *error)
{
  clear_results (self);
  adw_status_page_set_title (self->empty_page, _("Search Failed"));
  adw_status_page_set_description (self->empty_page, error->message);
  gtk_stack_set_visible_child_name (self->stack, "empty");
}

/* ---- searching ---- */

typedef struct {
  HearthSearchResults *self;
  guint                generation;
} SearchRequest;

static gpointer
search_run (HearthStore *store, gpointer data, GError **error)
{
  return hearth_store_search (store, data, MAX_HITS, error);
}

static void
search_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  SearchRequest *request = user_data;
  g_autoptr(HearthSearchResults) self = request->self;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) hits = hearth_store_worker_run_finish (NULL, result, &error);
  gboolean current = request->generation == self->generation;

  g_free (request);
  if (!current)
    return;
  g_clear_object (&self->cancellable);
  if (hits != NULL)
    show_results (self, hits);
  else
    show_error (self, error);
}

static gboolean
start_search (gpointer user_data)
{
  HearthSearchResults *self = user_data;
  SearchRequest *request = g_new0 (SearchRequest, 1);

  self->delay_source = 0;
  self->cancellable = g_cancellable_new ();
  request->self = g_object_ref (self);
  request->generation = self->generation;
  hearth_store_worker_run_async (self->worker, search_run, g_strdup (self->query), g_free,
                                 (GDestroyNotify) g_ptr_array_unref, self->cancellable, search_done, request);
  return G_SOURCE_REMOVE;
}

/* A newer query replaces the one waiting or running: its results, when
 * they come, belong to an older generation. */
static void
drop_pending_search (HearthSearchResults *self)
{
  self->generation++;
  g_clear_handle_id (&self->delay_source, g_source_remove);
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
}

void
hearth_search_results_set_query (HearthSearchResults *self, const char *text)
{
  g_return_if_fail (HEARTH_IS_SEARCH_RESULTS (self));
  g_return_if_fail (self->worker != NULL);

  if (text != NULL && *text == '\0')
    text = NULL;
  if (g_strcmp0 (text, self->query) == 0)
    return;
  drop_pending_search (self);
  g_free (self->query);
  self->query = g_strdup (text);
  if (self->query == NULL)
    clear_results (self);
  else
    self->delay_source = g_timeout_add (SEARCH_DELAY_MS, start_search, self);
}

const char *
hearth_search_results_get_query (HearthSearchResults *self)
{
  g_return_val_if_fail (HEARTH_IS_SEARCH_RESULTS (self), NULL);
  return self->query;
}

gboolean
hearth_search_results_get_busy (HearthSearchResults *self)
{
  g_return_val_if_fail (HEARTH_IS_SEARCH_RESULTS (self), FALSE);
  return self->delay_source != 0 || self->cancellable != NULL;
}

void
hearth_search_results_set_sources (HearthSearchResults *self, HearthStoreWorker *worker, GListModel *chats)
{
  g_return_if_fail (HEARTH_IS_SEARCH_RESULTS (self));

  g_set_object (&self->worker, worker);
  g_set_object (&self->chats, chats);
}

/* ---- GObject ---- */

static void
hearth_search_results_dispose (GObject *object)
{
  HearthSearchResults *self = HEARTH_SEARCH_RESULTS (object);

  drop_pending_search (self);
  g_clear_pointer (&self->hits, g_ptr_array_unref);
  g_clear_pointer (&self->matched_chats, g_ptr_array_unref);
  g_clear_pointer (&self->query, g_free);
  g_clear_object (&self->chats);
  g_clear_object (&self->worker);
  gtk_widget_dispose_template (GTK_WIDGET (self), HEARTH_TYPE_SEARCH_RESULTS);
  G_OBJECT_CLASS (hearth_search_results_parent_class)->dispose (object);
}

static void
hearth_search_results_class_init (HearthSearchResultsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = hearth_search_results_dispose;

  signals[SIGNAL_CHAT_ACTIVATED] = g_signal_new ("chat-activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                                 0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_INT64, G_TYPE_INT64);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/hearth/Hearth/ui/hearth-search-results.ui");
  gtk_widget_class_bind_template_child (widget_class, HearthSearchResults, stack);
  gtk_widget_class_bind_template_child (widget_class, HearthSearchResults, chats_heading);
  gtk_widget_class_bind_template_child (widget_class, HearthSearchResults, chat_matches);
  gtk_widget_class_bind_template_child (widget_class, HearthSearchResults, hits_heading);
  gtk_widget_class_bind_template_child (widget_class, HearthSearchResults, message_hits);
  gtk_widget_class_bind_template_child (widget_class, HearthSearchResults, empty_page);
  gtk_widget_class_bind_template_callback (widget_class, on_chat_row_activated);
  gtk_widget_class_bind_template_callback (widget_class, on_hit_row_activated);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "searchresults");
}

static void
hearth_search_results_init (HearthSearchResults *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->matched_chats = g_ptr_array_new_with_free_func (g_object_unref);
}
