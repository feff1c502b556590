/* hearth-photo-result.h: one search hit of the Photos view's grid. */
#pragma once

#include <glib-object.h>

#include "hearth-photo-index.h"

G_BEGIN_DECLS

#define HEARTH_TYPE_PHOTO_RESULT (hearth_photo_result_get_type ())
G_DECLARE_FINAL_TYPE (HearthPhotoResult, hearth_photo_result, HEARTH, PHOTO_RESULT, GObject)

/* Takes the hit. */
HearthPhotoResult    *hearth_photo_result_new         (HearthPhotoHit *hit);
const HearthPhotoHit *hearth_photo_result_get_hit     (HearthPhotoResult *self);
const char           *hearth_photo_result_get_path    (HearthPhotoResult *self);
/* The query words found in the photo's text, "cat · sofa". */
const char           *hearth_photo_result_get_matched (HearthPhotoResult *self);

G_END_DECLS
