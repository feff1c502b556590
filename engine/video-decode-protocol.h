/* video-decode-protocol.h: what hearth-video-decode (the helper process
 * that parses untrusted video files) writes to its stdout, and what its
 * exit status means. The engine reads and checks every field
 * (video-decode.c); nothing the helper writes is trusted.
 *
 * All integers little-endian, floats IEEE-754 binary64:
 *   header  "HVD1"  u32 frame_size  u32 n_frames  u32 0  u64 total_frames  f64 native_fps
 *   frame × n_frames:  u64 index  u8 rgb[frame_size][frame_size][3]
 *   trailer "DONE"
 * On failure the helper writes nothing to stdout, one line
 * "error: MESSAGE" to stderr, and exits with one of the codes below. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define VIDEO_DECODE_MAGIC   "HVD1"
#define VIDEO_DECODE_TRAILER "DONE"
#define VIDEO_DECODE_HEADER_SIZE (4 + 4 + 4 + 4 + 8 + 8)

typedef enum {
  VIDEO_DECODE_EXIT_OK          = 0,
  VIDEO_DECODE_EXIT_USAGE       = 1, /* bad arguments: a bug in the caller */
  VIDEO_DECODE_EXIT_UNSUPPORTED = 2, /* no demuxer or decoder for it */
  VIDEO_DECODE_EXIT_CORRUPT     = 3, /* it could not be decoded, or ends early */
  VIDEO_DECODE_EXIT_TOO_LARGE   = 4, /* beyond a limit: duration, resolution */
  VIDEO_DECODE_EXIT_TIMED_OUT   = 5, /* the wall-clock limit passed */
} VideoDecodeExit;

G_END_DECLS
