#define G_LOG_DOMAIN "hearth-code-block"

#include <adwaita.h>
#include <glib/gi18n.h>
#include <gtksourceview/gtksource.h>

#include "hearth-code-block.h"

struct _HearthCodeBlock {
  GtkWidget        parent_instance;
  GtkWidget       *box;
  GtkLabel        *language;
  GtkSourceView   *view;
  GtkSourceBuffer *buffer;
  char            *code;   /* as written, for the clipboard */
};

G_DEFINE_FINAL_TYPE (HearthCodeBlock, hearth_code_block, GTK_TYPE_WIDGET)

/* Names people write after a fence that are not GtkSourceView's ids nor
 * file extensions it knows, or that it takes for something older
 * ("python" is its Python 2). */
static const struct {
  const char *name;
  const char *id;
} language_aliases[] = {
  { "bash", "sh" }, { "shell", "sh" }, { "zsh", "sh" }, { "console", "sh" },
  { "c++", "cpp" }, { "javascript", "js" }, { "yml", "yaml" }, { "py", "python3" }, { "python", "python3" },
};

static GtkSourceLanguage *
find_language (const char *name)
{
  GtkSourceLanguageManager *manager = gtk_source_language_manager_get_default ();
  g_autofree char *id = g_ascii_strdown (name, -1);
  g_autofree char *file_name = NULL;
  GtkSourceLanguage *language;

  for (gsize i = 0; i < G_N_ELEMENTS (language_aliases); i++)
    if (strcmp (id, language_aliases[i].name) == 0)
      return gtk_source_language_manager_get_language (manager, language_aliases[i].id);
  language = gtk_source_language_manager_get_language (manager, id);
  if (language != NULL)
    return language;
  /* "rs", "ts", "md": the extension of a file in that language. */
  file_name = g_strconcat ("code.", id, NULL);
  return gtk_source_language_manager_guess_language (manager, file_name, NULL);
}

static void
update_style_scheme (HearthCodeBlock *self)
{
  gboolean dark = adw_style_manager_get_dark (adw_style_manager_get_default ());
  GtkSourceStyleSchemeManager *schemes = gtk_source_style_scheme_manager_get_default ();

  gtk_source_buffer_set_style_scheme (self->buffer,
                                      gtk_source_style_scheme_manager_get_scheme (schemes, dark ? "Adwaita-dark"
                                                                                                : "Adwaita"));
}

/* The line break that ends the last line is not shown: it would look
 * like an empty line. */
static gsize
shown_length_of (const char *code)
{
  gsize length = strlen (code);

  return length > 0 && code[length - 1] == '\n' ? length - 1 : length;
}

void
hearth_code_block_set_code (HearthCodeBlock *self, const char *language, const char *code)
{
  GtkTextBuffer *buffer;
  gsize shown_length;
  GtkTextIter end;

  g_return_if_fail (HEARTH_IS_CODE_BLOCK (self));
  g_return_if_fail (code != NULL);

  if (g_strcmp0 (gtk_label_get_text (self->language), language != NULL ? language : "") != 0)
    {
      gtk_label_set_text (self->language, language != NULL ? language : "");
      gtk_source_buffer_set_language (self->buffer, language != NULL ? find_language (language) : NULL);
    }

  buffer = GTK_TEXT_BUFFER (self->buffer);
  shown_length = shown_length_of (code);
  /* While an answer streams, its code only grows: add the new end rather
   * than re-setting (and re-highlighting) all of it. */
  if (self->code != NULL && g_str_has_prefix (code, self->code))
    {
      gsize old_shown_length = shown_length_of (self->code);

      gtk_text_buffer_get_end_iter (buffer, &end);
      gtk_text_buffer_insert (buffer, &end, code + old_shown_length, (int) (shown_length - old_shown_length));
    }
  else
    gtk_text_buffer_set_text (buffer, code, (int) shown_length);
  g_free (self->code);
  self->code = g_strdup (code);
}

char *
hearth_code_block_dup_code (HearthCodeBlock *self)
{
  g_return_val_if_fail (HEARTH_IS_CODE_BLOCK (self), NULL);
  return g_strdup (self->code != NULL ? self->code : "");
}

/* code.copy: the code as written, for pasting into a terminal or editor. */
static void
copy_activated (GtkWidget *widget, const char *action_name, GVariant *parameter)
{
  HearthCodeBlock *self = HEARTH_CODE_BLOCK (widget);
  g_autofree char *code = hearth_code_block_dup_code (self);

  gdk_clipboard_set_text (gtk_widget_get_clipboard (widget), code);
  gtk_widget_activate_action (widget, "win.toast", "s", _("Copied"));
}

static void
hearth_code_block_dispose (GObject *object)
{
  g_clear_pointer (&HEARTH_CODE_BLOCK (object)->code, g_free);
  gtk_widget_dispose_template (GTK_WIDGET (object), HEARTH_TYPE_CODE_BLOCK);
  G_OBJECT_CLASS (hearth_code_block_parent_class)->dispose (object);
}

static void
hearth_code_block_class_init (HearthCodeBlockClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = hearth_code_block_dispose;

  g_type_ensure (GTK_SOURCE_TYPE_VIEW);
  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/hearth/Hearth/ui/hearth-code-block.ui");
  gtk_widget_class_bind_template_child (widget_class, HearthCodeBlock, box);
  gtk_widget_class_bind_template_child (widget_class, HearthCodeBlock, language);
  gtk_widget_class_bind_template_child (widget_class, HearthCodeBlock, view);
  gtk_widget_class_install_action (widget_class, "code.copy", NULL, copy_activated);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "codeblock");
}

static void
hearth_code_block_init (HearthCodeBlock *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->buffer = GTK_SOURCE_BUFFER (gtk_text_view_get_buffer (GTK_TEXT_VIEW (self->view)));
  gtk_source_buffer_set_highlight_matching_brackets (self->buffer, FALSE);
  g_signal_connect_object (adw_style_manager_get_default (), "notify::dark",
                           G_CALLBACK (update_style_scheme), self, G_CONNECT_SWAPPED);
  update_style_scheme (self);
}

GtkWidget *
hearth_code_block_new (void)
{
  return g_object_new (HEARTH_TYPE_CODE_BLOCK, NULL);
}
