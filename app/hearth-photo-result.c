#define G_LOG_DOMAIN "hearth-photos"

/* hearth-photo-result.c: a HearthPhotoHit as a list item. */

#include "hearth-photo-result.h"

struct _HearthPhotoResult {
  GObject         parent_instance;
  HearthPhotoHit *hit;
  char           *matched;
};

G_DEFINE_FINAL_TYPE (HearthPhotoResult, hearth_photo_result, G_TYPE_OBJECT)

static void
hearth_photo_result_finalize (GObject *object)
{
  HearthPhotoResult *self = HEARTH_PHOTO_RESULT (object);

  hearth_photo_hit_free (self->hit);
  g_free (self->matched);
  G_OBJECT_CLASS (hearth_photo_result_parent_class)->finalize (object);
}

static void
hearth_photo_result_class_init (HearthPhotoResultClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = hearth_photo_result_finalize;
}

static void
hearth_photo_result_init (HearthPhotoResult *self)
{
}

HearthPhotoResult *
hearth_photo_result_new (HearthPhotoHit *hit)
{
  HearthPhotoResult *self = g_object_new (HEARTH_TYPE_PHOTO_RESULT, NULL);

  self->hit = hit;
  self->matched = hit->matched != NULL ? g_strjoinv (" · ", hit->matched) : g_strdup ("");
  return self;
}

const HearthPhotoHit *
hearth_photo_result_get_hit (HearthPhotoResult *self)
{
  g_return_val_if_fail (HEARTH_IS_PHOTO_RESULT (self), NULL);
  return self->hit;
}

const char *
hearth_photo_result_get_path (HearthPhotoResult *self)
{
  g_return_val_if_fail (HEARTH_IS_PHOTO_RESULT (self), NULL);
  return self->hit->path;
}

const char *
hearth_photo_result_get_matched (HearthPhotoResult *self)
{
  g_return_val_if_fail (HEARTH_IS_PHOTO_RESULT (self), NULL);
  return self->matched;
}
