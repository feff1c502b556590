#define G_LOG_DOMAIN "hearth-video-decode"

/* hearth-video-decode: decodes the frames SmolVLM2 reads from one video
 * file and writes them, as RGB squares of the model's image size, to
 * stdout in the format of video-decode-protocol.h.
 *
 * It parses untrusted files with GStreamer's demuxers and decoders (a
 * large attack surface), so the engine runs it as a separate process, in a
 * bubblewrap sandbox without network when it can (video-decode.c). The
 * helper itself bounds what the file may cost: a timer ends it after the
 * wall-clock limit, and the duration and each decoder's resolution are
 * checked before frames are pulled.
 *
 *   hearth-video-decode --size S [--fps F] [--max-frames N] [--timeout SEC]
 *                       [--max-duration SEC] [--max-pixels P] FILE
 *   hearth-video-decode --init-registry   (scan plugins once, no file read) */

#include <gst/app/gstappsink.h>
#include <gst/gst.h>
#include <gst/video/video.h>
#include <math.h>
#include <signal.h>
#include <sys/time.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "video-decode-protocol.h"
#include "video-sampling.h"

/* An accurate seek decodes from the keyframe before its target: on a
 * 2-core machine one cost as much as 4.6 s of linear decoding of the same
 * 1080p H.264 stream (notes/video.md §3.2: 16 seeks 6.5 s, 20 s linear
 * 1.6 s). Clips shorter than this many seconds per sampled frame are
 * decoded in one pass. */
#define LINEAR_SECONDS_PER_SEEK 4.6
/* The longest wait for one frame (the first, or one after a seek): a
 * damaged file can leave the demuxer waiting with nothing to report,
 * while a 1080p H.264 frame decodes in well under a second on 2 cores. */
#define STALL_SECONDS 15.0
/* A stream that ends this much before its declared length is truncated. */
#define TRUNCATED_FRACTION 0.9

typedef struct {
  guint   size;
  double  fps;
  gint    max_frames;
  double  timeout_s;
  double  max_duration_s;
  gint64  max_pixels;
} Options;

static Options opts = { .fps = VIDEO_SAMPLING_FPS_DEFAULT,
                        .max_frames = VIDEO_SAMPLING_MAX_FRAMES_DEFAULT,
                        .timeout_s = 60, .max_duration_s = 4 * 3600,
                        .max_pixels = 8192 * 8192 };

static void G_GNUC_NORETURN G_GNUC_PRINTF (2, 3)
fail (VideoDecodeExit code, const char *format, ...)
{
  va_list args;
  va_start (args, format);
  g_autofree char *message = g_strdup_vprintf (format, args);
  va_end (args);
  fprintf (stderr, "error: %s\n", message);
  fflush (stderr);
  _exit (code);
}

static void
on_alarm (int signo)
{
  static const char message[] = "error: decoding took longer than the time limit\n";
  (void) signo;
  if (write (STDERR_FILENO, message, sizeof message - 1) < 0)
    _exit (VIDEO_DECODE_EXIT_TIMED_OUT);
  _exit (VIDEO_DECODE_EXIT_TIMED_OUT);
}

/* ---- limits checked inside the pipeline ------------------------------------- */

static GstPadProbeReturn
check_decoder_caps (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  GstEvent *event = GST_PAD_PROBE_INFO_EVENT (info);
  GstCaps *caps = NULL;
  gint width = 0, height = 0;

  if (GST_EVENT_TYPE (event) != GST_EVENT_CAPS)
    return GST_PAD_PROBE_OK;
  gst_event_parse_caps (event, &caps);
  GstStructure *s = gst_caps_get_structure (caps, 0);
  if (gst_structure_get_int (s, "width", &width) && gst_structure_get_int (s, "height", &height) &&
      (gint64) width * height > opts.max_pixels)
    fail (VIDEO_DECODE_EXIT_TOO_LARGE, "the video is %d × %d pixels, more than the %" G_GINT64_FORMAT
          " pixels Hearth decodes", width, height, opts.max_pixels);
  return GST_PAD_PROBE_OK;
}

/* Every decoder's input caps are checked before it allocates a frame. */
static void
on_element_added (GstBin *bin, GstBin *sub_bin, GstElement *element, gpointer user_data)
{
  GstElementFactory *factory = gst_element_get_factory (element);
  const char *klass = factory != NULL ? gst_element_factory_get_metadata (factory, GST_ELEMENT_METADATA_KLASS) : NULL;
  if (klass == NULL || strstr (klass, "Decoder") == NULL)
    return;
  g_autoptr (GstPad) sink = gst_element_get_static_pad (element, "sink");
  if (sink != NULL)
    gst_pad_add_probe (sink, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, check_decoder_caps, NULL, NULL);
}

/* ---- the pipeline ------------------------------------------------------------- */

typedef struct {
  GstElement *pipeline;
  GstElement *sink;
  /* Linear passes: buffers into the converter are numbered; only those in
   * wanted[] go on. */
  guint64    *wanted;
  guint       n_wanted;
  guint       next_wanted;
  guint64     n_seen;
  GstClockTime end_seen;  /* the latest pts + duration */
  gboolean    pass_all;
} Decoder;

static GstPadProbeReturn
select_frames (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  Decoder *d = user_data;
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);
  guint64 n = d->n_seen++;

  if (GST_BUFFER_PTS_IS_VALID (buffer))
    {
      GstClockTime end = GST_BUFFER_PTS (buffer) +
        (GST_BUFFER_DURATION_IS_VALID (buffer) ? GST_BUFFER_DURATION (buffer) : 0);
      d->end_seen = MAX (d->end_seen, end);
      if ((double) d->end_seen / GST_SECOND > opts.max_duration_s)
        fail (VIDEO_DECODE_EXIT_TOO_LARGE, "the video runs past %.0f seconds, the most Hearth "
              "reads", opts.max_duration_s);
    }
  if (d->pass_all)
    return GST_PAD_PROBE_OK;
  if (d->next_wanted < d->n_wanted && d->wanted[d->next_wanted] == n)
    {
      d->next_wanted++;
      return GST_PAD_PROBE_OK;
    }
  return GST_PAD_PROBE_DROP;
}

/* Every stream of the file is exposed: without a video among them the
 * pipeline would wait for one forever. */
static void
on_no_more_pads (GstElement *dec, gpointer user_data)
{
  GstPad *conv_sink = user_data;
  if (!gst_pad_is_linked (conv_sink))
    fail (VIDEO_DECODE_EXIT_CORRUPT, "the file holds no video stream Hearth can decode, or it is "
          "damaged");
}

static void
decoder_open (Decoder *d, const char *uri)
{
  g_autofree char *description = g_strdup_printf (
    "uridecodebin name=dec force-sw-decoders=true uri=\"%s\" "
    "! videoconvert name=conv ! videoflip video-direction=auto "
    "! videoscale method=catrom add-borders=false "
    "! video/x-raw,format=RGB,width=%u,height=%u,pixel-aspect-ratio=1/1 "
    "! appsink name=sink sync=false max-buffers=4", uri, opts.size, opts.size);
  g_autoptr (GError) error = NULL;

  d->pipeline = gst_parse_launch (description, &error);
  if (d->pipeline == NULL)
    fail (VIDEO_DECODE_EXIT_UNSUPPORTED, "GStreamer's base plugins are missing: %s", error->message);
  g_signal_connect (d->pipeline, "deep-element-added", G_CALLBACK (on_element_added), NULL);
  d->sink = gst_bin_get_by_name (GST_BIN (d->pipeline), "sink");
  g_autoptr (GstElement) conv = gst_bin_get_by_name (GST_BIN (d->pipeline), "conv");
  g_autoptr (GstPad) pad = gst_element_get_static_pad (conv, "sink");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, select_frames, d, NULL);
  /* And what the decoders produce, whatever their input said. */
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, check_decoder_caps, NULL, NULL);
  g_autoptr (GstElement) dec = gst_bin_get_by_name (GST_BIN (d->pipeline), "dec");
  g_signal_connect_data (dec, "no-more-pads", G_CALLBACK (on_no_more_pads), gst_object_ref (pad),
                         (GClosureNotify) (void (*) (void)) gst_object_unref, 0);
}

static void
decoder_close (Decoder *d)
{
  if (d->pipeline != NULL)
    gst_element_set_state (d->pipeline, GST_STATE_NULL);
  g_clear_object (&d->sink);
  g_clear_object (&d->pipeline);
}

/* An error message (may be NULL) ends the helper with its text. */
static void
fail_on_error (GstMessage *msg)
{
  g_autoptr (GError) error = NULL;

  if (msg == NULL)
    return;
  gst_message_parse_error (msg, &error, NULL);
  if (g_error_matches (error, GST_STREAM_ERROR, GST_STREAM_ERROR_TYPE_NOT_FOUND) ||
      g_error_matches (error, GST_STREAM_ERROR, GST_STREAM_ERROR_CODEC_NOT_FOUND) ||
      g_error_matches (error, GST_CORE_ERROR, GST_CORE_ERROR_MISSING_PLUGIN))
    fail (VIDEO_DECODE_EXIT_UNSUPPORTED, "no decoder for this kind of video is installed (%s)",
          error->message);
  fail (VIDEO_DECODE_EXIT_CORRUPT, "the video cannot be decoded: %s", error->message);
}

static void
check_bus (Decoder *d)
{
  g_autoptr (GstBus) bus = gst_element_get_bus (d->pipeline);
  g_autoptr (GstMessage) msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  fail_on_error (msg);
}

static void
wait_for_state (Decoder *d, GstState state)
{
  GstStateChangeReturn ret = gst_element_set_state (d->pipeline, state);
  gint64 give_up = g_get_monotonic_time () + (gint64) (MIN (opts.timeout_s, STALL_SECONDS) * G_USEC_PER_SEC);
  while (ret == GST_STATE_CHANGE_ASYNC)
    {
      check_bus (d);
      if (g_get_monotonic_time () > give_up)
        fail (VIDEO_DECODE_EXIT_CORRUPT, "the file gave no video frame within %.0f seconds: it is "
              "damaged, truncated or not a video", MIN (opts.timeout_s, STALL_SECONDS));
      ret = gst_element_get_state (d->pipeline, NULL, NULL, 50 * GST_MSECOND);
    }
  check_bus (d);
  if (ret == GST_STATE_CHANGE_FAILURE)
    {
      /* The element that failed says why on the bus, a moment later. */
      g_autoptr (GstBus) bus = gst_element_get_bus (d->pipeline);
      g_autoptr (GstMessage) msg = gst_bus_timed_pop_filtered (bus, GST_SECOND, GST_MESSAGE_ERROR);
      fail_on_error (msg);
      fail (VIDEO_DECODE_EXIT_CORRUPT, "the file cannot be decoded: it is damaged, truncated or "
            "not a video");
    }
}

/* ---- what the video is ----------------------------------------------------- */

typedef struct {
  gint         fps_n, fps_d;  /* 0/1 when the stream does not say (GIFs) */
  GstClockTime duration;      /* GST_CLOCK_TIME_NONE when unknown */
  gboolean     seekable;
} StreamInfo;

static void
probe_stream (const char *uri, StreamInfo *info)
{
  Decoder d = { .pass_all = TRUE };
  decoder_open (&d, uri);
  wait_for_state (&d, GST_STATE_PAUSED);

  g_autoptr (GstElement) conv = gst_bin_get_by_name (GST_BIN (d.pipeline), "conv");
  g_autoptr (GstPad) pad = gst_element_get_static_pad (conv, "sink");
  g_autoptr (GstCaps) caps = gst_pad_get_current_caps (pad);
  if (caps == NULL)
    fail (VIDEO_DECODE_EXIT_CORRUPT, "the file holds no video stream");
  GstStructure *s = gst_caps_get_structure (caps, 0);
  if (!gst_structure_get_fraction (s, "framerate", &info->fps_n, &info->fps_d) ||
      info->fps_n <= 0 || info->fps_d <= 0)
    info->fps_n = 0, info->fps_d = 1;

  gint64 duration = -1;
  info->duration = gst_element_query_duration (d.pipeline, GST_FORMAT_TIME, &duration) && duration > 0
                   ? (GstClockTime) duration : GST_CLOCK_TIME_NONE;
  g_autoptr (GstQuery) q = gst_query_new_seeking (GST_FORMAT_TIME);
  info->seekable = FALSE;
  if (gst_element_query (d.pipeline, q))
    gst_query_parse_seeking (q, NULL, &info->seekable, NULL, NULL);
  decoder_close (&d);

  if (info->duration != GST_CLOCK_TIME_NONE && (double) info->duration / GST_SECOND > opts.max_duration_s)
    fail (VIDEO_DECODE_EXIT_TOO_LARGE, "the video lasts %.0f seconds, more than the %.0f Hearth reads",
          (double) info->duration / GST_SECOND, opts.max_duration_s);
}

/* ---- decoding ----------------------------------------------------------------- */

typedef struct {
  guint64 index;
  guint8 *rgb;  /* [size][size][3] */
} Frame;

static guint8 *
sample_rgb (GstSample *sample)
{
  GstVideoInfo vinfo;
  GstVideoFrame frame;
  if (!gst_video_info_from_caps (&vinfo, gst_sample_get_caps (sample)) ||
      (guint) GST_VIDEO_INFO_WIDTH (&vinfo) != opts.size || (guint) GST_VIDEO_INFO_HEIGHT (&vinfo) != opts.size ||
      !gst_video_frame_map (&frame, &vinfo, gst_sample_get_buffer (sample), GST_MAP_READ))
    fail (VIDEO_DECODE_EXIT_CORRUPT, "a decoded frame was not the expected %u × %u RGB", opts.size, opts.size);

  gsize row = (gsize) opts.size * 3;
  guint8 *rgb = g_malloc (row * opts.size);
  const guint8 *data = GST_VIDEO_FRAME_PLANE_DATA (&frame, 0);
  gint stride = GST_VIDEO_FRAME_PLANE_STRIDE (&frame, 0);
  for (guint y = 0; y < opts.size; y++)
    memcpy (rgb + y * row, data + (gsize) y * stride, row);
  gst_video_frame_unmap (&frame);
  return rgb;
}

/* One pass from the start: the frames numbered wanted[] into out (all
 * dropped when n_wanted is 0, to count them); *n_got of them came. Returns
 * the frames seen, and in *end_seen their end time. */
static guint64
decode_linear (const char *uri, const guint64 *wanted, guint n_wanted, Frame *out, guint *n_got,
               GstClockTime *end_seen)
{
  Decoder d = { .wanted = (guint64 *) wanted, .n_wanted = n_wanted };
  guint n_out = 0;

  decoder_open (&d, uri);
  wait_for_state (&d, GST_STATE_PLAYING);
  /* The pass ends at the last wanted frame: the rest of the stream is
   * not decoded (and GStreamer's GIF demuxer never ends its stream). */
  while ((n_wanted == 0 || n_out < n_wanted) && !gst_app_sink_is_eos (GST_APP_SINK (d.sink)))
    {
      g_autoptr (GstSample) sample = gst_app_sink_try_pull_sample (GST_APP_SINK (d.sink), 50 * GST_MSECOND);
      check_bus (&d);
      if (sample == NULL)
        continue;
      if (n_out >= n_wanted)
        fail (VIDEO_DECODE_EXIT_CORRUPT, "the decoder gave more frames than asked for");
      out[n_out] = (Frame) { wanted[n_out], sample_rgb (sample) };
      n_out++;
    }
  check_bus (&d);
  *end_seen = d.end_seen;
  *n_got = n_out;
  guint64 n_seen = d.n_seen;
  decoder_close (&d);
  return n_seen;
}

/* An accurate seek to each wanted frame's start. */
static void
decode_seeking (const char *uri, const StreamInfo *info, const guint64 *wanted, guint n_wanted,
                Frame *out)
{
  Decoder d = { .pass_all = TRUE };
  decoder_open (&d, uri);
  wait_for_state (&d, GST_STATE_PAUSED);
  for (guint i = 0; i < n_wanted; i++)
    {
      GstClockTime t = gst_util_uint64_scale (wanted[i], (guint64) info->fps_d * GST_SECOND, info->fps_n);
      if (!gst_element_seek_simple (d.pipeline, GST_FORMAT_TIME,
                                    GST_SEEK_FLAG_FLUSH | GST_SEEK_FLAG_ACCURATE, t))
        fail (VIDEO_DECODE_EXIT_CORRUPT, "the video cannot seek to %.3f s", (double) t / GST_SECOND);
      wait_for_state (&d, GST_STATE_PAUSED);
      g_autoptr (GstSample) sample = NULL;
      while (sample == NULL && !gst_app_sink_is_eos (GST_APP_SINK (d.sink)))
        {
          sample = gst_app_sink_try_pull_preroll (GST_APP_SINK (d.sink), 50 * GST_MSECOND);
          check_bus (&d);
        }
      if (sample == NULL)
        fail (VIDEO_DECODE_EXIT_CORRUPT, "the video ends before %.3f s, where its header says it "
              "goes on: the file is truncated or damaged", (double) t / GST_SECOND);
      out[i] = (Frame) { wanted[i], sample_rgb (sample) };
    }
  decoder_close (&d);
}

static guint64
frames_in (GstClockTime duration, gint fps_n, gint fps_d)
{
  return (gst_util_uint64_scale (duration, fps_n, (guint64) fps_d * GST_SECOND / 2) + 1) / 2;
}

/* ---- output ------------------------------------------------------------------- */

static void
write_all (const void *data, gsize size)
{
  if (fwrite (data, 1, size, stdout) != size)
    fail (VIDEO_DECODE_EXIT_USAGE, "cannot write to the engine: %s", g_strerror (errno));
}

static void
write_u32 (guint32 v)
{
  v = GUINT32_TO_LE (v);
  write_all (&v, 4);
}

static void
write_u64 (guint64 v)
{
  v = GUINT64_TO_LE (v);
  write_all (&v, 8);
}

static void
write_frames (guint64 total_frames, double native_fps, const Frame *frames, guint n)
{
  union { double d; guint64 u; } fps = { .d = native_fps };
  write_all (VIDEO_DECODE_MAGIC, 4);
  write_u32 (opts.size);
  write_u32 (n);
  write_u32 (0);
  write_u64 (total_frames);
  write_u64 (fps.u);
  for (guint i = 0; i < n; i++)
    {
      write_u64 (frames[i].index);
      write_all (frames[i].rgb, (gsize) opts.size * opts.size * 3);
    }
  write_all (VIDEO_DECODE_TRAILER, 4);
  if (fflush (stdout) != 0)
    fail (VIDEO_DECODE_EXIT_USAGE, "cannot write to the engine: %s", g_strerror (errno));
}

/* ---- GIFs ------------------------------------------------------------------------- */

/* GStreamer's GIF demuxer (libav's) gives no frame rate, duration or end of
 * stream, so the helper reads the GIF's block structure itself: frames and
 * the sum of their delays, a delay under 2/100 s counting as 1/10 s as
 * libav's demuxer plays it. FALSE when the file is not a GIF. */
static gboolean
gif_scan (const char *path, guint64 *n_frames, GstClockTime *duration)
{
  g_autoptr (GMappedFile) map = g_mapped_file_new (path, FALSE, NULL);
  const guint8 *p = map != NULL ? (const guint8 *) g_mapped_file_get_contents (map) : NULL;
  gsize len = map != NULL ? g_mapped_file_get_length (map) : 0, at = 13;
  guint64 frames = 0, centiseconds = 0;
  guint delay = 0;

  if (len < 13 || (memcmp (p, "GIF87a", 6) != 0 && memcmp (p, "GIF89a", 6) != 0))
    return FALSE;
  /* libav's decoder draws every frame on a canvas of the declared screen. */
  guint screen_width = p[6] | p[7] << 8, screen_height = p[8] | p[9] << 8;
  if ((gint64) screen_width * screen_height > opts.max_pixels)
    fail (VIDEO_DECODE_EXIT_TOO_LARGE, "the GIF declares a screen of %u × %u pixels, more than the %"
          G_GINT64_FORMAT " pixels Hearth decodes", screen_width, screen_height, opts.max_pixels);
  if (p[10] & 0x80)
    at += 3u << ((p[10] & 7) + 1);
  while (at < len && p[at] != 0x3b)
    {
      guint8 label = p[at];
      if (label == 0x21 && at + 2 < len)
        {
          if (p[at + 1] == 0xf9 && at + 6 < len)
            delay = p[at + 4] | p[at + 5] << 8;
          at += 2;
        }
      else if (label == 0x2c && at + 10 < len)
        {
          guint8 flags = p[at + 9];
          at += 10 + ((flags & 0x80) ? 3u << ((flags & 7) + 1) : 0) + 1;  /* + LZW code size */
          frames++;
          centiseconds += delay < 2 ? 10 : delay;
          delay = 0;
        }
      else
        fail (VIDEO_DECODE_EXIT_CORRUPT, "the GIF has an unknown block 0x%02x at byte %" G_GSIZE_FORMAT,
              label, at);
      /* Data sub-blocks, up to the empty one. */
      while (at < len && p[at] != 0)
        at += p[at] + 1;
      at++;
    }
  *n_frames = frames;
  *duration = centiseconds * (GST_SECOND / 100);
  return TRUE;
}

/* ---- main --------------------------------------------------------------------- */

static void
decode (const char *path)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *uri = gst_filename_to_uri (path, &error);
  VideoSampling sampling = { opts.fps, (guint) opts.max_frames };
  StreamInfo info;
  GstClockTime end_seen = 0;
  guint64 total;
  double native_fps;

  if (uri == NULL)
    fail (VIDEO_DECODE_EXIT_USAGE, "%s", error->message);
  /* A GIF's limits are checked before any of it is decoded. */
  GstClockTime gif_duration = 0;
  gboolean is_gif = gif_scan (path, &total, &gif_duration);
  probe_stream (uri, &info);

  if (is_gif)
    {
      if (total == 0 || gif_duration == 0)
        fail (VIDEO_DECODE_EXIT_CORRUPT, "the GIF holds no frame");
      if ((double) gif_duration / GST_SECOND > opts.max_duration_s)
        fail (VIDEO_DECODE_EXIT_TOO_LARGE, "the GIF lasts %.0f seconds, more than the %.0f Hearth "
              "reads", (double) gif_duration / GST_SECOND, opts.max_duration_s);
      native_fps = total / ((double) gif_duration / GST_SECOND);
      info.seekable = FALSE;
    }
  else if (info.fps_n > 0 && info.duration != GST_CLOCK_TIME_NONE)
    {
      total = frames_in (info.duration, info.fps_n, info.fps_d);
      native_fps = (double) info.fps_n / info.fps_d;
    }
  else
    {
      /* Streams without a frame rate: count the frames first. */
      guint none = 0;
      total = decode_linear (uri, NULL, 0, NULL, &none, &end_seen);
      GstClockTime duration = info.duration != GST_CLOCK_TIME_NONE ? info.duration : end_seen;
      native_fps = duration > 0 ? total / ((double) duration / GST_SECOND) : 0;
      info.seekable = FALSE;
    }
  if (total == 0 || !(native_fps > 0) || native_fps > 1000)
    fail (VIDEO_DECODE_EXIT_CORRUPT, "the video has no frames, or no frame rate Hearth can use");

  guint n = 0;
  g_autofree guint64 *wanted = video_sample_indices (total, native_fps, &sampling, &n);
  g_autofree Frame *frames = g_new0 (Frame, n);
  double duration_s = video_duration_seconds (total, native_fps);

  if (info.seekable && info.fps_n > 0 && duration_s > LINEAR_SECONDS_PER_SEEK * n)
    decode_seeking (uri, &info, wanted, n, frames);
  else
    {
      guint n_got = 0;
      guint64 seen = decode_linear (uri, wanted, n, frames, &n_got, &end_seen);
      if (n_got < n)
        {
          /* The stream ended before a wanted frame: truncated, or the
           * header's length a little off. Then the frames there are are
           * sampled, in a second pass. */
          if (seen < total * TRUNCATED_FRACTION)
            fail (VIDEO_DECODE_EXIT_CORRUPT, "the video ends after %" G_GUINT64_FORMAT " of the %"
                  G_GUINT64_FORMAT " frames its header announces: the file is truncated or damaged",
                  seen, total);
          for (guint i = 0; i < n_got; i++)
            g_clear_pointer (&frames[i].rgb, g_free);
          g_free (wanted);
          total = seen;
          wanted = video_sample_indices (total, native_fps, &sampling, &n);
          frames = g_renew (Frame, frames, n);
          decode_linear (uri, wanted, n, frames, &n_got, &end_seen);
          if (n_got != n)
            fail (VIDEO_DECODE_EXIT_CORRUPT, "the video gave %u of its %u sampled frames: the file "
                  "is truncated or damaged", n_got, n);
        }
    }
  write_frames (total, native_fps, frames, n);
  for (guint i = 0; i < n; i++)
    g_free (frames[i].rgb);
}

int
main (int argc, char **argv)
{
  gboolean init_registry = FALSE;
  gint size = 0;
  const GOptionEntry entries[] = {
    { "size", 0, 0, G_OPTION_ARG_INT, &size, "Edge of the square RGB frames", "S" },
    { "fps", 0, 0, G_OPTION_ARG_DOUBLE, &opts.fps, "Frames to sample per second", "F" },
    { "max-frames", 0, 0, G_OPTION_ARG_INT, &opts.max_frames, "Most frames to sample", "N" },
    { "timeout", 0, 0, G_OPTION_ARG_DOUBLE, &opts.timeout_s, "Wall-clock limit", "SEC" },
    { "max-duration", 0, 0, G_OPTION_ARG_DOUBLE, &opts.max_duration_s, "Longest video read", "SEC" },
    { "max-pixels", 0, 0, G_OPTION_ARG_INT64, &opts.max_pixels, "Largest frame decoded", "P" },
    { "init-registry", 0, 0, G_OPTION_ARG_NONE, &init_registry, "Scan GStreamer's plugins and exit", NULL },
    { NULL },
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new ("FILE - decode a video's sampled frames");
  g_autoptr (GError) error = NULL;
  VideoSampling sampling;

  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    fail (VIDEO_DECODE_EXIT_USAGE, "%s", error->message);
  if (init_registry)
    {
      gst_init (NULL, NULL);
      return VIDEO_DECODE_EXIT_OK;
    }
  sampling = (VideoSampling) { opts.fps, opts.max_frames > 0 ? (guint) opts.max_frames : 0 };
  if (argc != 2 || size < 1 || size > 4096 || !video_sampling_is_valid (&sampling) ||
      !(opts.timeout_s > 0) || !(opts.max_duration_s > 0) || opts.max_pixels < 1)
    fail (VIDEO_DECODE_EXIT_USAGE, "usage: hearth-video-decode --size S [options] FILE, with "
          "--fps above 0 and at most 1000, --max-frames 1 to %u", VIDEO_SAMPLING_MAX_FRAMES_LIMIT);
  opts.size = (guint) size;

  struct itimerval limit = { .it_value = { (time_t) opts.timeout_s,
                                            (suseconds_t) (fmod (opts.timeout_s, 1.0) * 1e6) } };
  signal (SIGALRM, on_alarm);
  setitimer (ITIMER_REAL, &limit, NULL);
  gst_init (NULL, NULL);
  decode (argv[1]);
  return VIDEO_DECODE_EXIT_OK;
}
