#define G_LOG_DOMAIN "hearth-message-object"

#include "hearth-message-object.h"

struct _HearthMessageObject {
  GObject            parent_instance;
  gint64             id; /* 0: not in the store yet */
  HearthRole         role;
  GString           *content;
  HearthMessageState state;
  GPtrArray         *images;  /* of HearthImageAttachment, shown before the text */
};

G_DEFINE_FINAL_TYPE (HearthMessageObject, hearth_message_object, G_TYPE_OBJECT)

enum { PROP_0, PROP_CONTENT, PROP_STATE, N_PROPS };
static GParamSpec *properties[N_PROPS];

static void
hearth_message_object_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  HearthMessageObject *self = HEARTH_MESSAGE_OBJECT (object);

  switch (prop_id)
    {
    case PROP_CONTENT: g_value_set_string (value, self->content->str); break;
    case PROP_STATE:   g_value_set_int (value, self->state);           break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hearth_message_object_finalize (GObject *object)
{
  HearthMessageObject *self = HEARTH_MESSAGE_OBJECT (object);

  g_string_free (self->content, TRUE);
  g_ptr_array_unref (self->images);
  G_OBJECT_CLASS (hearth_message_object_parent_class)->finalize (object);
}

static void
hearth_message_object_class_init (HearthMessageObjectClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = hearth_message_object_get_property;
  object_class->finalize = hearth_message_object_finalize;

  properties[PROP_CONTENT] = g_param_spec_string ("content", NULL, NULL, "",
                                                  G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_STATE] = g_param_spec_int ("state", NULL, NULL, 0, HEARTH_MESSAGE_STOPPED, 0,
                                             G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
hearth_message_object_init (HearthMessageObject *self)
{
  self->content = g_string_new (NULL);
  self->images = g_ptr_array_new_with_free_func (g_object_unref);
}

HearthMessageObject *
hearth_message_object_new (HearthRole role, const char *content, HearthMessageState state)
{
  HearthMessageObject *self = g_object_new (HEARTH_TYPE_MESSAGE_OBJECT, NULL);

  self->role = role;
  self->state = state;
  g_string_assign (self->content, content != NULL ? content : "");
  return self;
}

HearthMessageObject *
hearth_message_object_new_from_store (const HearthMessage *message)
{
  HearthMessageObject *self = hearth_message_object_new (message->role, message->content, message->state);

  self->id = message->id;
  return self;
}

gint64
hearth_message_object_get_id (HearthMessageObject *self)
{
  g_return_val_if_fail (HEARTH_IS_MESSAGE_OBJECT (self), 0);
  return self->id;
}

void
hearth_message_object_set_id (HearthMessageObject *self, gint64 id)
{
  g_return_if_fail (HEARTH_IS_MESSAGE_OBJECT (self));
  self->id = id;
}

HearthRole
hearth_message_object_get_role (HearthMessageObject *self)
{
  g_return_val_if_fail (HEARTH_IS_MESSAGE_OBJECT (self), HEARTH_ROLE_USER);
  return self->role;
}

const char *
hearth_message_object_get_content (HearthMessageObject *self)
{
  g_return_val_if_fail (HEARTH_IS_MESSAGE_OBJECT (self), NULL);
  return self->content->str;
}

void
hearth_message_object_append (HearthMessageObject *self, const char *delta)
{
  g_return_if_fail (HEARTH_IS_MESSAGE_OBJECT (self));

  if (delta == NULL || *delta == '\0')
    return;
  g_string_append (self->content, delta);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONTENT]);
}

HearthMessageState
hearth_message_object_get_state (HearthMessageObject *self)
{
  g_return_val_if_fail (HEARTH_IS_MESSAGE_OBJECT (self), HEARTH_MESSAGE_COMPLETE);
  return self->state;
}

void
hearth_message_object_set_state (HearthMessageObject *self, HearthMessageState state)
{
  g_return_if_fail (HEARTH_IS_MESSAGE_OBJECT (self));

  if (self->state == state)
    return;
  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

/* Set once, before the message is shown. */
void
hearth_message_object_add_image (HearthMessageObject *self, HearthImageAttachment *image)
{
  g_return_if_fail (HEARTH_IS_MESSAGE_OBJECT (self));
  g_return_if_fail (HEARTH_IS_IMAGE_ATTACHMENT (image));
  g_ptr_array_add (self->images, g_object_ref (image));
}

/* Of HearthImageAttachment; empty for a message without images. */
GPtrArray *
hearth_message_object_get_images (HearthMessageObject *self)
{
  g_return_val_if_fail (HEARTH_IS_MESSAGE_OBJECT (self), NULL);
  return self->images;
}
