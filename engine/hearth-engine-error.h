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
  HEARTH_ENGINE_ERROR_TIMED_OUT,        /* a wall-clock limit passed (decoding a hostile video) */
} HearthEngineError;

G_END_DECLS
