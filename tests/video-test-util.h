/* video-test-util.h: test videos made by the tests themselves, with
 * gst-launch-1.0 (VP8 WebM, H.264 MP4 where an encoder is installed) and a
 * small GIF writer; nothing is committed. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A directory for this test's videos, removed by video_test_dir_free(). */
char    *video_test_dir_new  (void);
void     video_test_dir_free (char *dir);

/* Whether gst-launch-1.0 and the element exist; else the test is skipped
 * with a message naming the Debian package. */
gboolean video_test_have_element (const char *element, const char *package);

/* dir/name: frames of videotestsrc pattern at width x height and fps_n/1,
 * through "encoder ! muxer" (e.g. "vp8enc deadline=1 ! webmmux"); extra
 * (may be NULL) goes between the caps and the encoder (e.g. a
 * taginject). Fails the test when gst-launch-1.0 fails. */
char    *video_test_make     (const char *dir, const char *name, const char *pattern,
                              guint width, guint height, guint fps_n, guint n_frames,
                              const char *extra, const char *encode);

/* dir/name: an animated GIF of n_frames frames of width x height, frame k
 * filled with palette colour k % 4, each shown delay_cs hundredths of a
 * second. screen_width x screen_height is the logical screen it declares
 * (0: the frame size). */
char    *video_test_make_gif (const char *dir, const char *name, guint width, guint height,
                              guint n_frames, guint delay_cs, guint screen_width,
                              guint screen_height);

/* dir/name: the first fraction of source's bytes. */
char    *video_test_truncate (const char *dir, const char *name, const char *source,
                              double fraction);

/* dir/name: source, an MP4, with its first track's matrix turned a
 * quarter clockwise, as a phone held upright writes it. */
char    *video_test_rotate_mp4 (const char *dir, const char *name, const char *source);

G_END_DECLS
