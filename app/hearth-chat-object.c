#define G_LOG_DOMAIN "hearth-chat-object"

#include "hearth-chat-object.h"

struct _HearthChatObject {
  GObject parent_instance;
  gint64  id;
  char   *title;
  char   *model_path;
  gint64  updated_at;
  gint64  context_start;
  char   *system_prompt;  /* NULL: the model's default */
  double  temperature;    /* < 0: the app's setting */
  guint   context_length; /* 0: the app's setting */
};

G_DEFINE_FINAL_TYPE (HearthChatObject, hearth_chat_object, G_TYPE_OBJECT)

enum {
  PROP_0, PROP_TITLE, PROP_MODEL_PATH, PROP_UPDATED_AT,
  PROP_SYSTEM_PROMPT, PROP_TEMPERATURE, PROP_CONTEXT_LENGTH,
  N_PROPS
};
static GParamSpec *properties[N_PROPS];

/* g_set_str() is GLib 2.76; Debian 12 has 2.74. */
static gboolean
replace_string (char **field, const char *value)
{
  if (g_strcmp0 (*field, value) == 0)
    return FALSE;
  g_free (*field);
  *field = g_strdup (value);
  return TRUE;
}

static void
hearth_chat_object_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  HearthChatObject *self = HEARTH_CHAT_OBJECT (object);

  switch (prop_id)
    {
    case PROP_TITLE:      g_value_set_string (value, self->title);      break;
    case PROP_MODEL_PATH: g_value_set_string (value, self->model_path); break;
    case PROP_UPDATED_AT: g_value_set_int64 (value, self->updated_at);   break;
    case PROP_SYSTEM_PROMPT:  g_value_set_string (value, self->system_prompt); break;
    case PROP_TEMPERATURE:    g_value_set_double (value, self->temperature);   break;
    case PROP_CONTEXT_LENGTH: g_value_set_uint (value, self->context_length);  break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hearth_chat_object_finalize (GObject *object)
{
  HearthChatObject *self = HEARTH_CHAT_OBJECT (object);

  g_free (self->title);
  g_free (self->model_path);
  g_free (self->system_prompt);
  G_OBJECT_CLASS (hearth_chat_object_parent_class)->finalize (object);
}

static void
hearth_chat_object_class_init (HearthChatObjectClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = hearth_chat_object_get_property;
  object_class->finalize = hearth_chat_object_finalize;

  properties[PROP_TITLE] = g_param_spec_string ("title", NULL, NULL, NULL,
                                                G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_MODEL_PATH] = g_param_spec_string ("model-path", NULL, NULL, NULL,
                                                     G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  /* Notified when the chat gets a message: lists order chats by it. */
  properties[PROP_UPDATED_AT] = g_param_spec_int64 ("updated-at", NULL, NULL, 0, G_MAXINT64, 0,
                                                    G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  /* The chat's own settings (Chat Settings). */
  properties[PROP_SYSTEM_PROMPT] = g_param_spec_string ("system-prompt", NULL, NULL, NULL,
                                                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS |
                                                        G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_TEMPERATURE] = g_param_spec_double ("temperature", NULL, NULL, -1, 2, -1,
                                                      G_PARAM_READABLE | G_PARAM_STATIC_STRINGS |
                                                      G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_CONTEXT_LENGTH] = g_param_spec_uint ("context-length", NULL, NULL, 0, G_MAXUINT, 0,
                                                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS |
                                                       G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
hearth_chat_object_init (HearthChatObject *self)
{
}

HearthChatObject *
hearth_chat_object_new (const HearthChat *chat)
{
  HearthChatObject *self = g_object_new (HEARTH_TYPE_CHAT_OBJECT, NULL);

  self->id = chat->id;
  self->title = g_strdup (chat->title);
  self->model_path = g_strdup (chat->model_path);
  self->updated_at = chat->updated_at;
  self->context_start = chat->context_start;
  self->system_prompt = g_strdup (chat->system_prompt);
  self->temperature = chat->temperature;
  self->context_length = chat->context_length;
  return self;
}

gint64
hearth_chat_object_get_id (HearthChatObject *self)
{
  g_return_val_if_fail (HEARTH_IS_CHAT_OBJECT (self), 0);
  return self->id;
}

const char *
hearth_chat_object_get_title (HearthChatObject *self)
{
  g_return_val_if_fail (HEARTH_IS_CHAT_OBJECT (self), NULL);
  return self->title;
}

void
hearth_chat_object_set_title (HearthChatObject *self, const char *title)
{
  g_return_if_fail (HEARTH_IS_CHAT_OBJECT (self));

  if (replace_string (&self->title, title))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TITLE]);
}

const char *
hearth_chat_object_get_model_path (HearthChatObject *self)
{
  g_return_val_if_fail (HEARTH_IS_CHAT_OBJECT (self), NULL);
  return self->model_path;
}

void
hearth_chat_object_set_model_path (HearthChatObject *self, const char *model_path)
{
  g_return_if_fail (HEARTH_IS_CHAT_OBJECT (self));

  if (replace_string (&self->model_path, model_path))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MODEL_PATH]);
}

gint64
hearth_chat_object_get_updated_at (HearthChatObject *self)
{
  g_return_val_if_fail (HEARTH_IS_CHAT_OBJECT (self), 0);
  return self->updated_at;
}

void
hearth_chat_object_touch (HearthChatObject *self)
{
  g_return_if_fail (HEARTH_IS_CHAT_OBJECT (self));
  self->updated_at = g_get_real_time ();
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_UPDATED_AT]);
}

gint64
hearth_chat_object_get_context_start (HearthChatObject *self)
{
  g_return_val_if_fail (HEARTH_IS_CHAT_OBJECT (self), 0);
  return self->context_start;
}

void
hearth_chat_object_set_context_start (HearthChatObject *self, gint64 position)
{
  g_return_if_fail (HEARTH_IS_CHAT_OBJECT (self));
  g_return_if_fail (position >= 0);
  self->context_start = position;
}

const char *
hearth_chat_object_get_system_prompt (HearthChatObject *self)
{
  g_return_val_if_fail (HEARTH_IS_CHAT_OBJECT (self), NULL);
  return self->system_prompt;
}

double
hearth_chat_object_get_temperature (HearthChatObject *self)
{
  g_return_val_if_fail (HEARTH_IS_CHAT_OBJECT (self), -1);
  return self->temperature;
}

guint
hearth_chat_object_get_context_length (HearthChatObject *self)
{
  g_return_val_if_fail (HEARTH_IS_CHAT_OBJECT (self), 0);
  return self->context_length;
}

void
hearth_chat_object_get_settings (HearthChatObject *self, HearthChat *settings)
{
  g_return_if_fail (HEARTH_IS_CHAT_OBJECT (self));
  g_return_if_fail (settings != NULL);

  settings->id = self->id;
  settings->model_path = g_strdup (self->model_path);
  settings->system_prompt = g_strdup (self->system_prompt);
  settings->temperature = self->temperature;
  settings->context_length = self->context_length;
}

void
hearth_chat_object_set_settings (HearthChatObject *self, const HearthChat *settings)
{
  g_return_if_fail (HEARTH_IS_CHAT_OBJECT (self));
  g_return_if_fail (settings != NULL);

  g_object_freeze_notify (G_OBJECT (self));
  hearth_chat_object_set_model_path (self, settings->model_path);
  if (replace_string (&self->system_prompt, settings->system_prompt))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SYSTEM_PROMPT]);
  if (self->temperature != settings->temperature)
    {
      self->temperature = settings->temperature;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TEMPERATURE]);
    }
  if (self->context_length != settings->context_length)
    {
      self->context_length = settings->context_length;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONTEXT_LENGTH]);
    }
  g_object_thaw_notify (G_OBJECT (self));
}
