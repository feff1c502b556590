/* video-decode-private.h: the sandbox of video-decode.c, for its tests. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Whether bubblewrap can make a sandbox here (it is installed and user
 * namespaces are allowed); probed once. */
gboolean _video_decode_can_sandbox (void);

/* The bwrap command line that runs program (an absolute path, bound
 * read-only at its own path when outside /usr) with args in a sandbox:
 * every namespace unshared (no network), /usr read-only, a private /tmp,
 * and each of bind_files[] (host paths) bound read-only at bind_as[]. */
char   **_video_decode_sandbox_argv (const char *program, const char *const *args,
                                     const char *const *bind_files, const char *const *bind_as);

G_END_DECLS
