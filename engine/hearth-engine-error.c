#define G_LOG_DOMAIN "hearth-engine"

#include "hearth-engine-error.h"

G_DEFINE_QUARK (hearth-engine-error-quark, hearth_engine_error)
