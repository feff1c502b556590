#define G_LOG_DOMAIN "hearth-video"

#include "video-decode.h"

#include <errno.h>
#include <gio/gunixinputstream.h>
#include <math.h>
#include <poll.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hearth-engine-error.h"
#include "video-decode-private.h"
#include "video-decode-protocol.h"

#define SANDBOX_INPUT    "/run/hearth/video"
#define SANDBOX_REGISTRY "/run/hearth/gstreamer-registry.bin"
/* Virtual memory of the helper: its decoders' threads reserve much more
 * than they touch, so this is generous; it still stops a header that
 * announces a frame of gigabytes. */
#define HELPER_MAX_ADDRESS_SPACE (G_GUINT64_CONSTANT (4) << 30)
#define STDERR_KEPT 4096

gboolean
video_sampling_check (const VideoSampling *sampling, GError **error)
{
  if (video_sampling_is_valid (sampling))
    return TRUE;
  g_set_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_INVALID_ARGUMENT,
               "Video sampling of %g frames per second, at most %u frames, is out of range: "
               "give more than 0 and at most 1000 per second, and 1 to %u frames",
               sampling->fps, sampling->max_frames, VIDEO_SAMPLING_MAX_FRAMES_LIMIT);
  return FALSE;
}

void
video_decode_options_init (VideoDecodeOptions *options, guint frame_size)
{
  *options = (VideoDecodeOptions) {
    .frame_size = frame_size,
    .timeout_s = VIDEO_DECODE_TIMEOUT_DEFAULT_S,
    .max_file_bytes = VIDEO_DECODE_MAX_FILE_BYTES_DEFAULT,
    .max_duration_s = VIDEO_DECODE_MAX_DURATION_DEFAULT_S,
    .max_pixels = VIDEO_DECODE_MAX_PIXELS_DEFAULT,
  };
  video_sampling_init_default (&options->sampling);
}

void
video_frames_free (VideoFrames *frames)
{
  if (frames == NULL)
    return;
  g_free (frames->indices);
  g_free (frames->times_s);
  g_strfreev (frames->labels);
  g_free (frames->rgb);
  g_free (frames);
}

const guint8 *
video_frames_get_rgb (const VideoFrames *frames, guint i)
{
  g_return_val_if_fail (i < frames->n_frames, NULL);
  return frames->rgb + (gsize) i * frames->frame_size * frames->frame_size * 3;
}

/* ---- the helper and its sandbox ------------------------------------------------ */

static char *
find_helper (GError **error)
{
  const char *candidates[] = {
    g_getenv ("HEARTH_VIDEO_DECODE_HELPER"),
    HEARTH_LIBEXECDIR "/hearth-video-decode",
    /* Uninstalled: the build tree. */
    HEARTH_VIDEO_DECODE_BUILD_PATH,
  };
  for (guint i = 0; i < G_N_ELEMENTS (candidates); i++)
    if (candidates[i] != NULL && g_file_test (candidates[i], G_FILE_TEST_IS_EXECUTABLE))
      return g_canonicalize_filename (candidates[i], NULL);
  g_set_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_FAILED,
               "Hearth's video decoder (hearth-video-decode) is not installed in %s: reinstall "
               "Hearth to read videos", HEARTH_LIBEXECDIR);
  return NULL;
}

/* Debian 12 merges /usr: /bin, /lib... are links into it. Where they are
 * real directories they are bound read-only too. */
static void
add_root_dir (GPtrArray *argv, const char *dir)
{
  g_autofree char *target = g_file_read_link (dir, NULL);
  if (target != NULL)
    {
      g_ptr_array_add (argv, g_strdup ("--symlink"));
      g_ptr_array_add (argv, g_steal_pointer (&target));
    }
  else if (g_file_test (dir, G_FILE_TEST_IS_DIR))
    {
      g_ptr_array_add (argv, g_strdup ("--ro-bind"));
      g_ptr_array_add (argv, g_strdup (dir));
    }
  else
    return;
  g_ptr_array_add (argv, g_strdup (dir));
}

char **
_video_decode_sandbox_argv (const char *program, const char *const *args,
                            const char *const *bind_files, const char *const *bind_as)
{
  static const char *const head[] = {
    "bwrap", "--unshare-all", "--die-with-parent", "--new-session",
    "--ro-bind", "/usr", "/usr", "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp",
    "--ro-bind-try", "/etc/ld.so.cache", "/etc/ld.so.cache",
    /* Debian links some libraries (libblas for libavcodec) through here. */
    "--ro-bind-try", "/etc/alternatives", "/etc/alternatives",
  };
  GPtrArray *argv = g_ptr_array_new ();

  for (guint i = 0; i < G_N_ELEMENTS (head); i++)
    g_ptr_array_add (argv, g_strdup (head[i]));
  add_root_dir (argv, "/bin");
  add_root_dir (argv, "/lib");
  add_root_dir (argv, "/lib64");
  if (!g_str_has_prefix (program, "/usr/"))
    {
      g_ptr_array_add (argv, g_strdup ("--ro-bind"));
      g_ptr_array_add (argv, g_strdup (program));
      g_ptr_array_add (argv, g_strdup (program));
    }
  for (guint i = 0; bind_files != NULL && bind_files[i] != NULL; i++)
    {
      g_ptr_array_add (argv, g_strdup ("--ro-bind"));
      g_ptr_array_add (argv, g_strdup (bind_files[i]));
      g_ptr_array_add (argv, g_strdup (bind_as[i]));
    }
  g_ptr_array_add (argv, g_strdup ("--chdir"));
  g_ptr_array_add (argv, g_strdup ("/"));
  g_ptr_array_add (argv, g_strdup ("--"));
  g_ptr_array_add (argv, g_strdup (program));
  for (guint i = 0; args != NULL && args[i] != NULL; i++)
    g_ptr_array_add (argv, g_strdup (args[i]));
  g_ptr_array_add (argv, NULL);
  return (char **) g_ptr_array_free (argv, FALSE);
}

static gboolean
run_quietly (const char *const *argv, const char *const *envp)
{
  g_autoptr (GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE |
                                                                        G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  if (envp != NULL)
    g_subprocess_launcher_set_environ (launcher, (char **) envp);
  g_autoptr (GSubprocess) child = g_subprocess_launcher_spawnv (launcher, argv, NULL);
  return child != NULL && g_subprocess_wait (child, NULL, NULL) && g_subprocess_get_successful (child);
}

gboolean
_video_decode_can_sandbox (void)
{
  static gsize probed = 0;
  static gboolean can = FALSE;

  if (g_once_init_enter (&probed))
    {
      g_autofree char *true_path = g_find_program_in_path ("true");
      g_auto (GStrv) argv = true_path != NULL
        ? _video_decode_sandbox_argv (true_path, NULL, NULL, NULL) : NULL;
      can = argv != NULL && g_find_program_in_path ("bwrap") != NULL &&
            run_quietly ((const char *const *) argv, NULL);
      if (!can)
        g_message ("bubblewrap cannot run here: videos are decoded in a plain child process "
                   "with resource limits, without a sandbox");
      g_once_init_leave (&probed, 1);
    }
  return can;
}

/* GStreamer's plugin registry, scanned once outside the sandbox (by the
 * helper reading no file) and bound read-only into it: scanning ~100
 * plugins in every sandbox would cost seconds per video. */
static char *
ensure_registry (const char *helper)
{
  static gsize done = 0;
  g_autofree char *dir = g_build_filename (g_get_user_cache_dir (), "hearth", NULL);
  char *path = g_build_filename (dir, "gstreamer-registry.bin", NULL);

  if (g_once_init_enter (&done))
    {
      g_autofree char *env = g_strconcat ("GST_REGISTRY=", path, NULL);
      const char *argv[] = { helper, "--init-registry", NULL };
      const char *envp[] = { env, "PATH=/usr/bin:/bin", NULL };
      if (g_mkdir_with_parents (dir, 0700) != 0 || !run_quietly (argv, envp))
        g_message ("GStreamer's plugin registry could not be written to %s", path);
      g_once_init_leave (&done, 1);
    }
  return path;
}

typedef struct {
  double   timeout_s;
  gboolean no_files;  /* no file may be written: outside a read-only sandbox */
} ChildLimits;

/* Runs in the child between fork and exec: only async-signal-safe calls. */
static void
limit_child (gpointer user_data)
{
  const ChildLimits *limits = user_data;
#ifndef __SANITIZE_ADDRESS__
  /* (AddressSanitizer's shadow memory needs terabytes of address space.) */
  struct rlimit as = { HELPER_MAX_ADDRESS_SPACE, HELPER_MAX_ADDRESS_SPACE };
  setrlimit (RLIMIT_AS, &as);
#endif
  /* Two decoder threads may each use a core for the whole time. */
  rlim_t cpu = (rlim_t) (2 * limits->timeout_s + 5);
  struct rlimit cpu_limit = { cpu, cpu };
  struct rlimit none = { 0, 0 };
  struct rlimit files = { 256, 256 };

  setrlimit (RLIMIT_CPU, &cpu_limit);
  setrlimit (RLIMIT_CORE, &none);
  /* Not under bwrap, which stops on it; its sandbox is read-only anyway. */
  if (limits->no_files)
    setrlimit (RLIMIT_FSIZE, &none);
  setrlimit (RLIMIT_NOFILE, &files);
}

static GSubprocess *
spawn_helper (const char *path, const VideoDecodeOptions *o, ChildLimits *limits, GError **error)
{
  g_autofree char *helper = find_helper (error);
  if (helper == NULL)
    return NULL;
  g_autofree char *registry = ensure_registry (helper);
  gboolean sandboxed = _video_decode_can_sandbox ();
  gboolean have_registry = g_file_test (registry, G_FILE_TEST_IS_REGULAR);

  char size[16], max_frames[16], fps[G_ASCII_DTOSTR_BUF_SIZE], timeout[G_ASCII_DTOSTR_BUF_SIZE];
  char duration[G_ASCII_DTOSTR_BUF_SIZE], pixels[32];
  g_snprintf (size, sizeof size, "%u", o->frame_size);
  g_snprintf (max_frames, sizeof max_frames, "%u", o->sampling.max_frames);
  g_ascii_dtostr (fps, sizeof fps, o->sampling.fps);
  g_ascii_dtostr (timeout, sizeof timeout, o->timeout_s);
  g_ascii_dtostr (duration, sizeof duration, o->max_duration_s);
  g_snprintf (pixels, sizeof pixels, "%" G_GUINT64_FORMAT, o->max_pixels);
  const char *args[] = {
    "--size", size, "--fps", fps, "--max-frames", max_frames, "--timeout", timeout,
    "--max-duration", duration, "--max-pixels", pixels, sandboxed ? SANDBOX_INPUT : path, NULL,
  };

  g_auto (GStrv) argv = NULL;
  g_autofree char *registry_env = g_strconcat ("GST_REGISTRY=",
                                               sandboxed ? SANDBOX_REGISTRY : registry, NULL);
  if (sandboxed)
    {
      const char *binds[] = { path, have_registry ? registry : NULL, NULL };
      const char *as[] = { SANDBOX_INPUT, SANDBOX_REGISTRY, NULL };
      argv = _video_decode_sandbox_argv (helper, args, binds, as);
    }
  else
    {
      GPtrArray *a = g_ptr_array_new ();
      g_ptr_array_add (a, g_strdup (helper));
      for (guint i = 0; args[i] != NULL; i++)
        g_ptr_array_add (a, g_strdup (args[i]));
      g_ptr_array_add (a, NULL);
      argv = (char **) g_ptr_array_free (a, FALSE);
    }

  /* A clean environment: nothing of the user's leaks into the helper. */
  g_autofree char *asan_env = g_getenv ("ASAN_OPTIONS") != NULL
    ? g_strconcat ("ASAN_OPTIONS=", g_getenv ("ASAN_OPTIONS"), NULL) : NULL;
  const char *envp[] = {
    "PATH=/usr/bin:/bin", "LANG=C.UTF-8", "HOME=/tmp", "GIO_USE_VFS=local",
    "GST_REGISTRY_UPDATE=no", "MALLOC_ARENA_MAX=2", registry_env,
    /* Sanitizer builds of the helper keep the test run's settings. */
    asan_env, NULL,
  };
  g_autoptr (GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_subprocess_launcher_set_environ (launcher, (char **) envp);
  limits->timeout_s = o->timeout_s;
  limits->no_files = !sandboxed;
  g_subprocess_launcher_set_child_setup (launcher, limit_child, limits, NULL);
  g_autoptr (GError) local = NULL;
  GSubprocess *child = g_subprocess_launcher_spawnv (launcher, (const char *const *) argv, &local);
  if (child == NULL)
    g_set_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_FAILED,
                 "Hearth's video decoder could not start: %s", local->message);
  return child;
}

/* ---- reading its output ---------------------------------------------------------- */

static int
pipe_fd (GInputStream *stream)
{
  return g_unix_input_stream_get_fd (G_UNIX_INPUT_STREAM (stream));
}

/* Reads the helper's stdout (at most max_out bytes) and stderr (its last
 * STDERR_KEPT bytes) until both close, the deadline passes or cancellable
 * fires. FALSE with _TIMED_OUT, _CANCELLED or _CORRUPT_FILE (too much). */
static gboolean
read_output (GSubprocess *child, gint64 deadline, gsize max_out, GByteArray *out, GString *err,
             GCancellable *cancellable, GError **error)
{
  struct pollfd fds[3] = {
    { pipe_fd (g_subprocess_get_stdout_pipe (child)), POLLIN, 0 },
    { pipe_fd (g_subprocess_get_stderr_pipe (child)), POLLIN, 0 },
    { -1, POLLIN, 0 },
  };
  GPollFD cancel_fd = { -1, 0, 0 };
  if (cancellable != NULL && g_cancellable_make_pollfd (cancellable, &cancel_fd))
    fds[2].fd = cancel_fd.fd;
  gboolean ok = TRUE;

  while (ok && (fds[0].fd >= 0 || fds[1].fd >= 0))
    {
      gint64 left_ms = (deadline - g_get_monotonic_time ()) / 1000;
      if (left_ms <= 0)
        {
          g_set_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_TIMED_OUT,
                       "Decoding the video took longer than its time limit; the file may be "
                       "damaged, or too long to read here");
          ok = FALSE;
          break;
        }
      if (poll (fds, 3, (int) MIN (left_ms, 1000)) < 0 && errno != EINTR)
        break;
      if (g_cancellable_is_cancelled (cancellable))
        {
          hearth_engine_set_cancelled (error, "reading the video");
          ok = FALSE;
          break;
        }
      for (guint i = 0; i < 2; i++)
        {
          guint8 buf[65536];
          if (fds[i].fd < 0 || fds[i].revents == 0)
            continue;
          gssize n = read (fds[i].fd, buf, sizeof buf);
          if (n < 0 && errno == EINTR)
            continue;
          if (n <= 0)
            {
              fds[i].fd = -1;
              continue;
            }
          if (i == 1)
            {
              g_string_append_len (err, (const char *) buf, n);
              if (err->len > STDERR_KEPT)
                g_string_erase (err, 0, err->len - STDERR_KEPT);
            }
          else if (out->len + (gsize) n > max_out)
            {
              g_set_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_FAILED,
                           "Hearth's video decoder wrote more than the frames asked for");
              ok = FALSE;
            }
          else
            g_byte_array_append (out, buf, n);
        }
    }
  if (cancel_fd.fd >= 0)
    g_cancellable_release_fd (cancellable);
  return ok;
}

/* The helper's message: its last "error: " line, else the last line (of
 * bwrap, say), printable UTF-8 only. */
static char *
helper_message (const GString *err)
{
  g_autofree char *all = g_strchomp (g_strdup (err->str));
  const char *line = g_strrstr (all, "error: ");
  if (line != NULL)
    line += strlen ("error: ");
  else if ((line = strrchr (all, '\n')) != NULL)
    line++;
  else
    line = all;
  if (*line == '\0')
    return g_strdup ("it stopped without saying why");
  g_autofree char *text = g_strndup (line, strcspn (line, "\n"));
  char *valid = g_utf8_make_valid (text, -1);
  for (char *p = valid; *p != '\0'; p++)
    if ((guchar) *p < 0x20)
      *p = ' ';
  return valid;
}

static void
set_helper_error (GSubprocess *child, const GString *err, const char *path, GError **error)
{
  g_autofree char *message = helper_message (err);
  g_autofree char *name = g_filename_display_basename (path);
  HearthEngineError code = HEARTH_ENGINE_ERROR_FAILED;

  /* bwrap exits with 128 + the signal that killed the helper. */
  int signo = g_subprocess_get_if_signaled (child) ? g_subprocess_get_term_sig (child)
            : g_subprocess_get_exit_status (child) > 128 ? g_subprocess_get_exit_status (child) - 128
            : 0;
  if (signo == 0)
    switch (g_subprocess_get_exit_status (child))
      {
      case VIDEO_DECODE_EXIT_UNSUPPORTED:
      case VIDEO_DECODE_EXIT_TOO_LARGE:
        code = HEARTH_ENGINE_ERROR_UNSUPPORTED;
        break;
      case VIDEO_DECODE_EXIT_CORRUPT:
        code = HEARTH_ENGINE_ERROR_CORRUPT_FILE;
        break;
      case VIDEO_DECODE_EXIT_TIMED_OUT:
        code = HEARTH_ENGINE_ERROR_TIMED_OUT;
        break;
      default:
        break;
      }
  else
    {
      g_free (message);
      message = g_strdup_printf ("the decoder was stopped by signal %d (out of memory or CPU time "
                                 "on a hostile or damaged file)", signo);
      code = HEARTH_ENGINE_ERROR_CORRUPT_FILE;
    }
  g_set_error (error, HEARTH_ENGINE_ERROR, code, "Cannot read the video %s: %s", name, message);
}

/* ---- checking it ------------------------------------------------------------------- */

typedef struct {
  const guint8 *p;
  gsize         left;
} Reader;

static gboolean
take (Reader *r, void *dst, gsize n)
{
  if (r->left < n)
    return FALSE;
  if (dst != NULL)
    memcpy (dst, r->p, n);
  r->p += n;
  r->left -= n;
  return TRUE;
}

static gboolean
take_u32 (Reader *r, guint32 *v)
{
  if (!take (r, v, 4))
    return FALSE;
  *v = GUINT32_FROM_LE (*v);
  return TRUE;
}

static gboolean
take_u64 (Reader *r, guint64 *v)
{
  if (!take (r, v, 8))
    return FALSE;
  *v = GUINT64_FROM_LE (*v);
  return TRUE;
}

static gboolean
parse_frames (const GByteArray *out, const VideoDecodeOptions *o, VideoFrames *f)
{
  Reader r = { out->data, out->len };
  char magic[4];
  guint32 size, n, zero;
  union { double d; guint64 u; } fps;
  gsize frame_bytes = (gsize) o->frame_size * o->frame_size * 3;

  if (!take (&r, magic, 4) || memcmp (magic, VIDEO_DECODE_MAGIC, 4) != 0 ||
      !take_u32 (&r, &size) || !take_u32 (&r, &n) || !take_u32 (&r, &zero) ||
      !take_u64 (&r, &f->total_frames) || !take_u64 (&r, &fps.u) ||
      size != o->frame_size || zero != 0 || f->total_frames == 0 ||
      !(fps.d > 0.0 && fps.d <= 1000.0))
    return FALSE;
  f->native_fps = fps.d;
  f->duration_s = video_duration_seconds (f->total_frames, f->native_fps);
  if (f->duration_s > o->max_duration_s + 1.0)
    return FALSE;

  /* The frames must be the ones the sampling rule picks for that length. */
  g_autofree guint64 *expected = video_sample_indices (f->total_frames, f->native_fps,
                                                       &o->sampling, &f->n_frames);
  if (n != f->n_frames)
    return FALSE;
  f->frame_size = size;
  f->indices = g_new (guint64, n);
  f->times_s = g_new (double, n);
  f->labels = g_new0 (char *, n + 1);
  f->rgb = g_malloc (frame_bytes * n);
  for (guint i = 0; i < n; i++)
    {
      if (!take_u64 (&r, &f->indices[i]) || f->indices[i] != expected[i] ||
          !take (&r, f->rgb + i * frame_bytes, frame_bytes))
        return FALSE;
      f->times_s[i] = (double) f->indices[i] / f->native_fps;
      f->labels[i] = video_frame_label (f->indices[i], f->native_fps);
    }
  return take (&r, magic, 4) && memcmp (magic, VIDEO_DECODE_TRAILER, 4) == 0 && r.left == 0;
}

static void
on_exited (GObject *source, GAsyncResult *result, gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
}

static gboolean
on_deadline (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Whether the helper exits before the deadline (its pipes may close
 * first). */
static gboolean
wait_for_exit (GSubprocess *child, gint64 deadline)
{
  g_autoptr (GMainContext) context = g_main_context_new ();
  gboolean exited = FALSE, late = FALSE;
  gint64 left_ms = MAX (0, (deadline - g_get_monotonic_time ()) / 1000);

  g_main_context_push_thread_default (context);
  g_subprocess_wait_async (child, NULL, on_exited, &exited);
  GSource *timer = g_timeout_source_new ((guint) MIN (left_ms, G_MAXUINT));
  g_source_set_callback (timer, on_deadline, &late, NULL);
  g_source_attach (timer, context);
  while (!exited && !late)
    g_main_context_iteration (context, TRUE);
  g_source_destroy (timer);
  g_source_unref (timer);
  /* The wait's callback must run before its context goes. */
  while (!exited)
    {
      g_subprocess_force_exit (child);
      g_main_context_iteration (context, TRUE);
    }
  g_main_context_pop_thread_default (context);
  return !late || g_subprocess_get_if_exited (child);
}

static gboolean
check_file (const char *path, const VideoDecodeOptions *o, GError **error)
{
  g_autofree char *name = g_filename_display_name (path);
  struct stat st;

  if (stat (path, &st) != 0)
    {
      int saved = errno;
      g_set_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_IO,
                   "Cannot read the video %s: %s", name, g_strerror (saved));
      return FALSE;
    }
  if (!S_ISREG (st.st_mode))
    {
      g_set_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_IO,
                   "%s is not a regular file: Hearth reads videos only from files", name);
      return FALSE;
    }
  if ((guint64) st.st_size > o->max_file_bytes)
    {
      g_set_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_UNSUPPORTED,
                   "The video %s is %" G_GUINT64_FORMAT " MB, more than the %" G_GUINT64_FORMAT
                   " MB Hearth reads", name, (guint64) st.st_size >> 20, o->max_file_bytes >> 20);
      return FALSE;
    }
  if (access (path, R_OK) != 0)
    {
      int saved = errno;
      g_set_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_IO,
                   "Cannot read the video %s: %s", name, g_strerror (saved));
      return FALSE;
    }
  return TRUE;
}

VideoFrames *
video_frames_decode (const char *path, const VideoDecodeOptions *o, GCancellable *cancellable,
                     GError **error)
{
  g_return_val_if_fail (o->frame_size > 0 && o->frame_size <= 4096, NULL);
  if (!video_sampling_check (&o->sampling, error) || !check_file (path, o, error))
    return NULL;
  if (!(o->timeout_s > 0))
    {
      g_set_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_INVALID_ARGUMENT,
                   "The video decoding time limit must be positive, not %g", o->timeout_s);
      return NULL;
    }

  /* The deadline starts before the spawn: a sandbox that hangs counts. */
  gint64 deadline = g_get_monotonic_time () + (gint64) (o->timeout_s * G_USEC_PER_SEC) + G_USEC_PER_SEC / 2;
  gsize frame_bytes = (gsize) o->frame_size * o->frame_size * 3;
  gsize max_out = VIDEO_DECODE_HEADER_SIZE + (gsize) o->sampling.max_frames * (8 + frame_bytes) + 4;
  ChildLimits limits;
  g_autoptr (GSubprocess) child = spawn_helper (path, o, &limits, error);
  if (child == NULL)
    return NULL;

  g_autoptr (GByteArray) out = g_byte_array_new ();
  g_autoptr (GString) err = g_string_new (NULL);
  gboolean read_all = read_output (child, deadline, max_out, out, err, cancellable, error);
  if (!read_all || !wait_for_exit (child, deadline))
    {
      g_subprocess_force_exit (child);
      g_subprocess_wait (child, NULL, NULL);
      if (read_all)
        g_set_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_TIMED_OUT,
                     "Hearth's video decoder did not stop after sending its frames");
      return NULL;
    }
  if (!g_subprocess_get_successful (child))
    {
      set_helper_error (child, err, path, error);
      return NULL;
    }

  g_autoptr (VideoFrames) frames = g_new0 (VideoFrames, 1);
  if (!parse_frames (out, o, frames))
    {
      g_set_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_FAILED,
                   "Hearth's video decoder sent frames that do not match what was asked "
                   "(%u bytes); this is a bug, or the decoder was subverted by the file", out->len);
      return NULL;
    }
  return g_steal_pointer (&frames);
}
