/* hearth-preferences-window.h: Preferences (Ctrl+,): the app's settings
 * bound to the io.github.hearth.Hearth GSettings keys (Chat, Sampling),
 * the photo library (Photos) and the history on disk (Privacy). */
#pragma once

#include <adwaita.h>

#include "hearth-window.h"

G_BEGIN_DECLS

#define HEARTH_TYPE_PREFERENCES_WINDOW (hearth_preferences_window_get_type ())
G_DECLARE_FINAL_TYPE (HearthPreferencesWindow, hearth_preferences_window, HEARTH, PREFERENCES_WINDOW,
                      AdwPreferencesWindow)

/* For window's settings, store and photo library; transient for it. */
HearthPreferencesWindow *hearth_preferences_window_new (HearthWindow *window);
/* Whether a store, file or model job it started is still running. */
gboolean                 hearth_preferences_window_get_busy (HearthPreferencesWindow *self);

G_END_DECLS
