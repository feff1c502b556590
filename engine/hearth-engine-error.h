/* hearth-engine-error.h: the engine's error domain. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define HEARTH_ENGINE_ERROR (hearth_engine_error_quark ())
GQuark hearth_engine_error_quark (void);

typedef enum {
  HEARTH_ENGINE_ERROR_CORRUPT_FILE,     /* truncated, malformed or lying input file */
  HEARTH_ENGINE_ERROR_UNSUPPORTED,      /* valid, but a type/architecture/feature we do not run */
  HEARTH_ENGINE_ERROR_IO,               /* cannot open/read/map a file */
  HEARTH_ENGINE_ERROR_INVALID_ARGUMENT, /* caller-supplied value out of range */
  HEARTH_ENGINE_ERROR_CONTEXT_FULL,     /* prompt or generation does not fit the context */
  HEARTH_ENGINE_ERROR_TEMPLATE,         /* chat template failed to parse, raised, or hit a limit */
  HEARTH_ENGINE_ERROR_CANCELLED,
  HEARTH_ENGINE_ERROR_FAILED,
  HEARTH_ENGINE_ERROR_NO_DEVICE,            /* no Vulkan, or no device that can run Hearth */
  HEARTH_ENGINE_ERROR_OUT_OF_DEVICE_MEMORY, /* the model or context does not fit the device */
  HEARTH_ENGINE_ERROR_DEVICE_LOST,          /* the driver reset the device */
} HearthEngineError;

/* Sets HEARTH_ENGINE_ERROR_CANCELLED with "<what> was cancelled" (what: a
 * phrase such as "loading the model"). Returns FALSE, for `return
 * hearth_engine_set_cancelled (...)`. */
gboolean hearth_engine_set_cancelled   (GError **error, const char *what);

/* Rewrites a device error (HEARTH_VULKAN_ERROR) in *error as the engine
 * error a caller can act on, keeping its message: _CANCELLED (as
 * hearth_engine_set_cancelled() words it), _NO_DEVICE,
 * _OUT_OF_DEVICE_MEMORY, _DEVICE_LOST, _UNSUPPORTED or _FAILED. Any other
 * error, or none, is left alone. */
void     hearth_engine_error_from_device (GError **error, const char *what);

G_END_DECLS
