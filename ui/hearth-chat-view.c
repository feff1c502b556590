#define G_LOG_DOMAIN "hearth-chat-view"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "hearth-chat-view.h"
#include "hearth-composer.h"
#include "hearth-image-preview.h"
#include "hearth-message-row.h"

struct _HearthChatView {
  GtkWidget           parent_instance;
  GtkWidget          *box;
  GtkStack           *stack;
  GtkScrolledWindow  *scroller;
  GtkListView        *list_view;
  HearthComposer     *composer;
  GHashTable         *drafts; /* chat id → HearthComposerDraft of the chats not shown */
  GtkRevealer        *context_revealer;
  GtkLabel           *context_detail;
  GtkRevealer        *vision_hint;
  GtkLabel           *vision_hint_label;
  GtkWidget          *vision_hint_button;
  char               *vision_model_name; /* a model found on disk that sees images, or NULL */
  char               *vision_model_path;
  gboolean            vision_loading;    /* the model's projector is on its way */
  HearthConversation *conversation;
  GSignalGroup       *conversation_signals;
  GSignalGroup       *messages_signals;
  gboolean            at_bottom;
  double              last_value;
  double              last_upper;
  GdkFrameClock      *scroll_clock;    /* its next after-paint scrolls to the bottom, or NULL */
  gulong              scroll_handler;
  gint64              reveal_id;      /* message to scroll to once loaded, or 0 */
  guint               reveal_source;
  HearthMessageObject *highlighted;   /* the revealed message, for a moment */
  guint               highlight_source;
};

/* How long a revealed message stays highlighted. */
#define HIGHLIGHT_MS 2500

static void update_row_highlight (HearthChatView *self, GtkWidget *row);

G_DEFINE_FINAL_TYPE (HearthChatView, hearth_chat_view, GTK_TYPE_WIDGET)

/* ---- rows: one HearthMessageRow per visible item, rebound as it scrolls ---- */

/* An edited user message: the conversation drops what followed it and
 * answers again; the new answer is followed like a sent one.  While an
 * answer is being written the editor stays open, and a note says why. */
static gboolean
on_row_resend (HearthChatView *self, const char *text, HearthMessageRow *row)
{
  HearthMessageObject *message = hearth_message_row_get_message (row);

  if (self->conversation == NULL || message == NULL)
    return FALSE;
  if (hearth_conversation_get_generating (self->conversation))
    {
      gtk_widget_activate_action (GTK_WIDGET (self), "win.toast", "s",
                                  _("An answer is being written: stop it before resending"));
      return FALSE;
    }
  self->at_bottom = TRUE;
  return hearth_conversation_edit (self->conversation, message, text);
}

/* context: each row is [separator line, message]; the line shows above
 * the first message the model sees when older ones were left out. */
static GtkWidget *
context_separator_new (void)
{
  GtkWidget *label = gtk_label_new (_("Earlier messages are not in the model’s context"));

  gtk_widget_add_css_class (label, "context-separator");
  gtk_widget_add_css_class (label, "dim-label");
  gtk_widget_set_visible (label, FALSE);
  return label;
}

static void
setup_row (GtkSignalListItemFactory *factory, GtkListItem *item, gpointer user_data)
{
  HearthChatView *self = user_data;
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *row = hearth_message_row_new ();

  gtk_box_append (GTK_BOX (box), context_separator_new ());
  gtk_box_append (GTK_BOX (box), row);
  gtk_list_item_set_activatable (item, FALSE);
  gtk_list_item_set_selectable (item, FALSE);
  g_signal_connect_object (row, "resend", G_CALLBACK (on_row_resend), self, G_CONNECT_SWAPPED);
  gtk_list_item_set_child (item, box);
}

/* The message row in a list item's box, after the separator line. */
static HearthMessageRow *
message_row_in (GtkWidget *box)
{
  return HEARTH_MESSAGE_ROW (gtk_widget_get_last_child (box));
}

static void
bind_row (GtkSignalListItemFactory *factory, GtkListItem *item, gpointer user_data)
{
  GtkWidget *box = gtk_list_item_get_child (item);
  GtkWidget *separator = gtk_widget_get_first_child (box);
  GBinding *binding = g_object_bind_property (gtk_list_item_get_item (item), "starts-context", separator, "visible",
                                              G_BINDING_SYNC_CREATE);

  g_object_set_data (G_OBJECT (item), "context-binding", binding);
  hearth_message_row_set_message (message_row_in (box), gtk_list_item_get_item (item));
  update_row_highlight (user_data, GTK_WIDGET (message_row_in (box)));
}

static void
unbind_row (GtkSignalListItemFactory *factory, GtkListItem *item, gpointer user_data)
{
  g_binding_unbind (g_object_steal_data (G_OBJECT (item), "context-binding"));
  hearth_message_row_set_message (message_row_in (gtk_list_item_get_child (item)), NULL);
}

/* ---- following the bottom ---- */

/* Reaching the bottom sticks to it; only scrolling up while the content
 * keeps its size lets go.  (The list view itself moves the value when the
 * estimated height of its rows changes: that is not the user.) */
static void
on_scrolled (HearthChatView *self, GtkAdjustment *adjustment)
{
  double value = gtk_adjustment_get_value (adjustment);
  double upper = gtk_adjustment_get_upper (adjustment);

  if (value >= upper - gtk_adjustment_get_page_size (adjustment) - 4)
    self->at_bottom = TRUE;
  else if (value < self->last_value && upper == self->last_upper)
    self->at_bottom = FALSE;
  self->last_value = value;
  self->last_upper = upper;
}

static void
cancel_scroll_to_bottom (HearthChatView *self)
{
  if (self->scroll_clock == NULL)
    return;
  g_clear_signal_handler (&self->scroll_handler, self->scroll_clock);
  g_clear_object (&self->scroll_clock);
}

static void
scroll_to_bottom (GdkFrameClock *clock, HearthChatView *self)
{
  GtkAdjustment *adjustment = gtk_scrolled_window_get_vadjustment (self->scroller);

  cancel_scroll_to_bottom (self);
  if (self->at_bottom && gtk_widget_get_mapped (GTK_WIDGET (self->list_view)))
    gtk_adjustment_set_value (adjustment,
                              gtk_adjustment_get_upper (adjustment) - gtk_adjustment_get_page_size (adjustment));
}

/* Scrolls once the next frame is laid out and painted: the list view's
 * rows then stand for its items.  Scrolled any earlier (items added or
 * replaced, a chat switched, the list not allocated yet), GTK 4.8's list
 * view finds no row at the new position: it warns that it "failed to
 * scroll to given position" and ignores it; its own allocation would also
 * put back its scroll position.  A list view that is not shown scrolls
 * when it is allocated again (its upper changes then). */
static void
queue_scroll_to_bottom (HearthChatView *self)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (GTK_WIDGET (self->list_view));

  if (self->scroll_clock != NULL || clock == NULL)
    return;
  self->scroll_clock = g_object_ref (clock);
  self->scroll_handler = g_signal_connect (clock, "after-paint", G_CALLBACK (scroll_to_bottom), self);
  gdk_frame_clock_request_phase (clock, GDK_FRAME_CLOCK_PHASE_AFTER_PAINT);
}

/* The content grew (a new row, or text in the streaming one): keep the
 * newest text in view when the user had not scrolled up. */
static void
on_content_resized (HearthChatView *self, GParamSpec *pspec, GtkAdjustment *adjustment)
{
  if (self->at_bottom)
    queue_scroll_to_bottom (self);
}

/* ---- revealing a message (a search hit) ---- */

/* Rows are recycled as the list scrolls: the highlight follows the
 * message, set again whenever a row is bound. */
static void
update_row_highlight (HearthChatView *self, GtkWidget *row)
{
  HearthMessageObject *message = hearth_message_row_get_message (HEARTH_MESSAGE_ROW (row));

  if (message != NULL && message == self->highlighted)
    gtk_widget_add_css_class (row, "search-hit");
  else
    gtk_widget_remove_css_class (row, "search-hit");
}

/* The list view's children are its row widgets, each holding our box. */
static void
update_highlights (HearthChatView *self)
{
  for (GtkWidget *item = gtk_widget_get_first_child (GTK_WIDGET (self->list_view)); item != NULL;
       item = gtk_widget_get_next_sibling (item))
    {
      GtkWidget *box = gtk_widget_get_first_child (item);

      if (GTK_IS_BOX (box))
        update_row_highlight (self, GTK_WIDGET (message_row_in (box)));
    }
}

static gboolean
end_highlight (gpointer user_data)
{
  HearthChatView *self = user_data;

  self->highlight_source = 0;
  g_clear_object (&self->highlighted);
  update_highlights (self);
  return G_SOURCE_REMOVE;
}

static gboolean
find_message (GListModel *messages, gint64 message_id, guint *position)
{
  guint n = g_list_model_get_n_items (messages);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(HearthMessageObject) message = g_list_model_get_item (messages, i);

      if (hearth_message_object_get_id (message) == message_id)
        {
          *position = i;
          return TRUE;
        }
    }
  return FALSE;
}

/* Deferred like scroll_to_bottom(), until the list view has taken in its
 * new items.  GTK 4.8 has no gtk_list_view_scroll_to(); the list's own
 * "list.scroll-to-item" action (what keyboard focus moves use) brings the
 * item into view, realized or not. */
static gboolean
scroll_to_revealed (gpointer user_data)
{
  HearthChatView *self = user_data;
  GListModel *messages = self->conversation != NULL ? hearth_conversation_get_messages (self->conversation) : NULL;
  guint position;

  self->reveal_source = 0;
  if (messages == NULL || !find_message (messages, self->reveal_id, &position))
    return G_SOURCE_REMOVE;
  self->reveal_id = 0;
  self->at_bottom = FALSE;
  cancel_scroll_to_bottom (self);
  gtk_widget_activate_action (GTK_WIDGET (self->list_view), "list.scroll-to-item", "u", position);
  g_clear_object (&self->highlighted);
  self->highlighted = g_list_model_get_item (messages, position);
  update_highlights (self);
  g_clear_handle_id (&self->highlight_source, g_source_remove);
  self->highlight_source = g_timeout_add (HIGHLIGHT_MS, end_highlight, self);
  return G_SOURCE_REMOVE;
}

/* Called on a reveal and whenever messages arrive (a chat just selected
 * loads its messages after this call). */
static void
try_reveal (HearthChatView *self)
{
  if (self->reveal_id != 0 && self->reveal_source == 0)
    self->reveal_source = g_idle_add (scroll_to_revealed, self);
}

void
hearth_chat_view_reveal_message (HearthChatView *self, gint64 message_id)
{
  g_return_if_fail (HEARTH_IS_CHAT_VIEW (self));

  self->reveal_id = message_id;
  try_reveal (self);
}

HearthMessageObject *
hearth_chat_view_get_highlighted (HearthChatView *self)
{
  g_return_val_if_fail (HEARTH_IS_CHAT_VIEW (self), NULL);
  return self->highlighted;
}

/* ---- the conversation ---- */

static void
update_page (HearthChatView *self)
{
  gboolean empty = self->conversation == NULL ||
                   g_list_model_get_n_items (hearth_conversation_get_messages (self->conversation)) == 0;

  gtk_stack_set_visible_child_name (self->stack, empty ? "empty" : "messages");
}

static void
update_generating (HearthChatView *self)
{
  hearth_composer_set_generating (self->composer,
                                  self->conversation != NULL &&
                                  hearth_conversation_get_generating (self->conversation));
}

/* ---- context: the offer when the context is full ---- */

static void
update_context_full (HearthChatView *self)
{
  const char *why = self->conversation != NULL ? hearth_conversation_get_context_full (self->conversation) : NULL;

  if (why != NULL)
    gtk_label_set_text (self->context_detail, why);
  gtk_revealer_set_reveal_child (self->context_revealer, why != NULL);
  /* The offer answers the user's send: show the message it is about. */
  if (why != NULL)
    {
      self->at_bottom = TRUE;
      queue_scroll_to_bottom (self);
    }
}

static void
drop_oldest_turns_activated (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  HearthChatView *self = HEARTH_CHAT_VIEW (widget);

  if (self->conversation != NULL)
    hearth_conversation_drop_oldest_turns (self->conversation);
}

char *
hearth_chat_view_take_draft (HearthChatView *self)
{
  g_autofree char *text = NULL;

  g_return_val_if_fail (HEARTH_IS_CHAT_VIEW (self), NULL);

  text = hearth_composer_dup_text (self->composer);
  hearth_composer_set_text (self->composer, "");
  return g_steal_pointer (&text);
}

void
hearth_chat_view_set_draft (HearthChatView *self, const char *text)
{
  g_return_if_fail (HEARTH_IS_CHAT_VIEW (self));
  hearth_composer_set_text (self->composer, text);
}

/* ---- images ---- */

static HearthModel *
current_model (HearthChatView *self)
{
  HearthSession *session = self->conversation != NULL ? hearth_conversation_get_session (self->conversation) : NULL;

  return session != NULL ? hearth_session_get_model (session) : NULL;
}

/* The model cannot see images: say which one can, keeping the message. */
static void
show_vision_hint (HearthChatView *self, HearthModel *model)
{
  g_autofree char *text = NULL;

  if (self->vision_loading)
    text = g_strdup_printf (_("Image support for %s is still loading; send again when it is ready. Your "
                              "message and images stay here."), hearth_model_get_name (model));
  else if (self->vision_model_path != NULL)
    {
      g_autofree char *button = g_strdup_printf (_("Use %s"), self->vision_model_name);

      text = g_strdup_printf (_("%s cannot see images. Switch this chat to %s, which can; your message and "
                                "images stay here."), hearth_model_get_name (model), self->vision_model_name);
      gtk_button_set_label (GTK_BUTTON (self->vision_hint_button), button);
      gtk_actionable_set_action_target_value (GTK_ACTIONABLE (self->vision_hint_button),
                                              g_variant_new_string (self->vision_model_path));
      gtk_actionable_set_action_name (GTK_ACTIONABLE (self->vision_hint_button), "win.set-model");
    }
  else
    {
      g_autofree char *folder = g_build_filename (g_get_user_data_dir (), "hearth", "models", NULL);

      text = g_strdup_printf (_("%s cannot see images. Put a model that can, with its mmproj file (for example "
                                "SmolVLM2), in %s; your message and images stay here."),
                              hearth_model_get_name (model), folder);
    }
  gtk_widget_set_visible (self->vision_hint_button, !self->vision_loading && self->vision_model_path != NULL);
  gtk_label_set_text (self->vision_hint_label, text);
  gtk_revealer_set_reveal_child (self->vision_hint, TRUE);
}

/* Of HearthImageAttachment: what the composer holds, NULL for none. */
static GPtrArray *
composer_images (HearthChatView *self)
{
  GListModel *images = hearth_composer_get_images (self->composer);
  guint n = g_list_model_get_n_items (images);
  GPtrArray *array;

  if (n == 0)
    return NULL;
  array = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < n; i++)
    g_ptr_array_add (array, g_list_model_get_item (images, i));
  return array;
}

static gboolean
on_composer_send (HearthChatView *self, const char *text)
{
  g_autoptr(GPtrArray) images = composer_images (self);
  HearthModel *model = current_model (self);

  if (self->conversation == NULL)
    return FALSE;
  if (images != NULL && model != NULL && !hearth_model_has_vision (model))
    {
      show_vision_hint (self, model);
      return FALSE;
    }
  gtk_revealer_set_reveal_child (self->vision_hint, FALSE);
  self->at_bottom = TRUE;
  return hearth_conversation_send_with_images (self->conversation, text, images);
}

/* Prompt positions all the composer's images take for model, 0 when it
 * cannot tell. */
static guint
composer_image_tokens (HearthChatView *self, HearthModel *model)
{
  GListModel *images = hearth_composer_get_images (self->composer);
  guint n_tokens = 0;

  for (guint i = 0; i < g_list_model_get_n_items (images); i++)
    {
      g_autoptr(HearthImageAttachment) image = g_list_model_get_item (images, i);
      HearthImagePlan plan;

      if (!hearth_model_plan_image (model, hearth_image_attachment_get_width (image),
                                    hearth_image_attachment_get_height (image), &plan, NULL))
        return 0;
      n_tokens += plan.n_tokens;
    }
  return n_tokens;
}

/* What the model will see of image: its tiles over the picture, and what
 * they cost of the context. */
static void
show_plan (HearthChatView *self, HearthImagePreview *preview, HearthImageAttachment *image)
{
  HearthModel *model = current_model (self);
  HearthSession *session = self->conversation != NULL ? hearth_conversation_get_session (self->conversation) : NULL;
  g_autofree char *summary = NULL;
  HearthImagePlan plan;
  guint n_ctx, used;

  if (model == NULL || !hearth_model_has_vision (model) ||
      !hearth_model_plan_image (model, hearth_image_attachment_get_width (image),
                                hearth_image_attachment_get_height (image), &plan, NULL))
    {
      hearth_image_preview_set_summary (preview, _("Load a model that can see images to see how it cuts this "
                                                   "one into tiles and what it costs."));
      return;
    }
  hearth_image_preview_set_grid (preview, plan.grid_cols, plan.grid_rows, plan.refined_width, plan.refined_height);
  n_ctx = hearth_session_get_n_ctx (session);
  /* What is left once every attached image is in the context. */
  used = hearth_conversation_get_context_used (self->conversation) + composer_image_tokens (self, model);
  /* Translators: image tokens · tile grid and tile size · context positions
   * left after the attached images, of the context's size */
  summary = g_strdup_printf (_("%u image tokens · %u × %u tiles of %u px and an overview · %u of %u context left"),
                             plan.n_tokens, plan.grid_cols, plan.grid_rows, plan.tile_size,
                             used < n_ctx ? n_ctx - used : 0, n_ctx);
  hearth_image_preview_set_summary (preview, summary);
}

static void
on_image_activated (HearthChatView *self, HearthImageAttachment *image)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  HearthImagePreview *preview = hearth_image_preview_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, image);

  show_plan (self, preview, image);
  gtk_window_present (GTK_WINDOW (preview));
}

void
hearth_chat_view_set_vision_model (HearthChatView *self, const char *name, const char *path)
{
  g_return_if_fail (HEARTH_IS_CHAT_VIEW (self));
  g_return_if_fail ((name == NULL) == (path == NULL));

  g_free (self->vision_model_name);
  g_free (self->vision_model_path);
  self->vision_model_name = g_strdup (name);
  self->vision_model_path = g_strdup (path);
}

void
hearth_chat_view_set_vision_loading (HearthChatView *self, gboolean loading)
{
  g_return_if_fail (HEARTH_IS_CHAT_VIEW (self));

  self->vision_loading = loading;
  if (!loading)
    gtk_revealer_set_reveal_child (self->vision_hint, FALSE);
}

HearthComposer *
hearth_chat_view_get_composer (HearthChatView *self)
{
  g_return_val_if_fail (HEARTH_IS_CHAT_VIEW (self), NULL);
  return self->composer;
}

/* ---- drafts: each chat keeps what was typed and attached in it ---- */

static gint64
shown_chat_id (HearthChatView *self)
{
  return hearth_chat_object_get_id (hearth_conversation_get_chat (self->conversation));
}

static void
stash_draft (HearthChatView *self)
{
  HearthComposerDraft *draft;
  gint64 id;

  if (self->conversation == NULL || (draft = hearth_composer_take_draft (self->composer)) == NULL)
    return;
  id = shown_chat_id (self);
  g_hash_table_replace (self->drafts, g_memdup2 (&id, sizeof id), draft);
}

static void
unstash_draft (HearthChatView *self)
{
  gint64 id;
  gpointer key, draft;

  if (self->conversation == NULL)
    return;
  id = shown_chat_id (self);
  if (g_hash_table_steal_extended (self->drafts, &id, &key, &draft))
    {
      g_free (key);
      hearth_composer_restore_draft (self->composer, draft);
    }
}

void
hearth_chat_view_set_conversation (HearthChatView *self, HearthConversation *conversation)
{
  g_autoptr(GtkNoSelection) selection = NULL;
  GListModel *messages = NULL;

  g_return_if_fail (HEARTH_IS_CHAT_VIEW (self));

  if (self->conversation == conversation)
    return;
  stash_draft (self);
  g_set_object (&self->conversation, conversation);
  unstash_draft (self);

  if (conversation != NULL)
    {
      messages = hearth_conversation_get_messages (conversation);
      selection = gtk_no_selection_new (g_object_ref (messages));
    }
  gtk_list_view_set_model (self->list_view, GTK_SELECTION_MODEL (selection));
  g_signal_group_set_target (self->conversation_signals, conversation);
  g_signal_group_set_target (self->messages_signals, messages);
  self->at_bottom = TRUE;
  self->reveal_id = 0;
  gtk_revealer_set_reveal_child (self->vision_hint, FALSE);
  update_page (self);
  update_generating (self);
  update_context_full (self);
}

HearthConversation *
hearth_chat_view_get_conversation (HearthChatView *self)
{
  g_return_val_if_fail (HEARTH_IS_CHAT_VIEW (self), NULL);
  return self->conversation;
}

void
hearth_chat_view_focus_composer (HearthChatView *self)
{
  g_return_if_fail (HEARTH_IS_CHAT_VIEW (self));
  hearth_composer_grab_focus (self->composer);
}

/* ---- GObject ---- */

static void
hearth_chat_view_dispose (GObject *object)
{
  HearthChatView *self = HEARTH_CHAT_VIEW (object);

  cancel_scroll_to_bottom (self);
  g_clear_handle_id (&self->reveal_source, g_source_remove);
  g_clear_handle_id (&self->highlight_source, g_source_remove);
  g_clear_object (&self->highlighted);
  g_clear_object (&self->conversation_signals);
  g_clear_object (&self->messages_signals);
  g_clear_object (&self->conversation);
  g_clear_pointer (&self->drafts, g_hash_table_unref);
  g_clear_pointer (&self->vision_model_name, g_free);
  g_clear_pointer (&self->vision_model_path, g_free);
  gtk_widget_dispose_template (GTK_WIDGET (self), HEARTH_TYPE_CHAT_VIEW);
  G_OBJECT_CLASS (hearth_chat_view_parent_class)->dispose (object);
}

static void
hearth_chat_view_class_init (HearthChatViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = hearth_chat_view_dispose;

  g_type_ensure (HEARTH_TYPE_COMPOSER);
  gtk_widget_class_set_template_from_resource (widget_class, "/org/hearth/Hearth/ui/hearth-chat-view.ui");
  gtk_widget_class_bind_template_child (widget_class, HearthChatView, box);
  gtk_widget_class_bind_template_child (widget_class, HearthChatView, stack);
  gtk_widget_class_bind_template_child (widget_class, HearthChatView, scroller);
  gtk_widget_class_bind_template_child (widget_class, HearthChatView, list_view);
  gtk_widget_class_bind_template_child (widget_class, HearthChatView, composer);
  gtk_widget_class_bind_template_child (widget_class, HearthChatView, context_revealer);
  gtk_widget_class_bind_template_child (widget_class, HearthChatView, context_detail);
  gtk_widget_class_install_action (widget_class, "chat.drop-oldest-turns", NULL, drop_oldest_turns_activated);
  gtk_widget_class_bind_template_callback (widget_class, on_composer_send);
  gtk_widget_class_bind_template_child (widget_class, HearthChatView, vision_hint);
  gtk_widget_class_bind_template_child (widget_class, HearthChatView, vision_hint_label);
  gtk_widget_class_bind_template_child (widget_class, HearthChatView, vision_hint_button);
  gtk_widget_class_bind_template_callback (widget_class, on_image_activated);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "chatview");
}

static void
hearth_chat_view_init (HearthChatView *self)
{
  g_autoptr(GtkListItemFactory) factory = gtk_signal_list_item_factory_new ();
  GtkAdjustment *adjustment;

  gtk_widget_init_template (GTK_WIDGET (self));
  self->drafts = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free,
                                        (GDestroyNotify) hearth_composer_draft_free);

  g_signal_connect (factory, "setup", G_CALLBACK (setup_row), self);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_row), self);
  g_signal_connect (factory, "unbind", G_CALLBACK (unbind_row), NULL);
  gtk_list_view_set_factory (self->list_view, factory);

  adjustment = gtk_scrolled_window_get_vadjustment (self->scroller);
  g_signal_connect_swapped (adjustment, "value-changed", G_CALLBACK (on_scrolled), self);
  g_signal_connect_swapped (adjustment, "notify::upper", G_CALLBACK (on_content_resized), self);
  self->at_bottom = TRUE;

  self->conversation_signals = g_signal_group_new (HEARTH_TYPE_CONVERSATION);
  g_signal_group_connect_swapped (self->conversation_signals, "notify::generating",
                                  G_CALLBACK (update_generating), self);
  g_signal_group_connect_swapped (self->conversation_signals, "notify::context-full",
                                  G_CALLBACK (update_context_full), self);
  self->messages_signals = g_signal_group_new (G_TYPE_LIST_MODEL);
  g_signal_group_connect_swapped (self->messages_signals, "items-changed", G_CALLBACK (update_page), self);
  g_signal_group_connect_swapped (self->messages_signals, "items-changed", G_CALLBACK (try_reveal), self);
}
