/* image-format-test-util.h: real HEIC and AVIF files for the tests, made
 * with Debian's encoders (heif-enc from libheif-examples, avifenc from
 * libavif-bin): no GdkPixbuf loader can write them. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Encodes the PNG or JPEG at source as dest, whose extension (.heic or
 * .avif) names the format. FALSE with *why_not set (what to install) when
 * the encoder or the GdkPixbuf loader that reads the format is missing;
 * a failing encoder fails the test. */
gboolean hearth_test_encode_image (const char *source, const char *dest, char **why_not);

G_END_DECLS
