#define G_LOG_DOMAIN "hearth-model-choice"

#include "hearth-model-choice.h"
#include "model-catalog.h"

static void
add (HearthModelChoice *self, const char *name, const char *path)
{
  gtk_string_list_append (self->names, name);
  g_ptr_array_add (self->paths, g_strdup (path));
}

HearthModelChoice *
hearth_model_choice_new (GPtrArray *found, const char *none_label, const char *current)
{
  HearthModelChoice *self = g_new0 (HearthModelChoice, 1);

  self->names = gtk_string_list_new (NULL);
  self->paths = g_ptr_array_new_with_free_func (g_free);
  if (none_label != NULL)
    add (self, none_label, "");
  for (guint i = 0; found != NULL && i < found->len; i++)
    {
      HearthModelInfo *info = found->pdata[i];

      if (info->runnable)
        add (self, info->name, info->path);
    }
  if (current != NULL && *current != '\0' && hearth_model_choice_find (self, current) == GTK_INVALID_LIST_POSITION)
    {
      g_autofree char *name = g_path_get_basename (current);
      add (self, name, current);
    }
  return self;
}

void
hearth_model_choice_free (HearthModelChoice *self)
{
  if (self == NULL)
    return;
  g_clear_object (&self->names);
  g_clear_pointer (&self->paths, g_ptr_array_unref);
  g_free (self);
}

guint
hearth_model_choice_find (HearthModelChoice *self, const char *path)
{
  for (guint i = 0; i < self->paths->len; i++)
    if (g_strcmp0 (self->paths->pdata[i], path != NULL ? path : "") == 0)
      return i;
  return GTK_INVALID_LIST_POSITION;
}

const char *
hearth_model_choice_get (HearthModelChoice *self, guint position)
{
  return position < self->paths->len ? self->paths->pdata[position] : NULL;
}
