/* hearth-application.h: the desktop app: one engine, one store worker,
 * application-wide actions and accelerators. */
#pragma once

#include <adwaita.h>

#include "hearth-engine.h"
#include "hearth-store-worker.h"

G_BEGIN_DECLS

#define HEARTH_TYPE_APPLICATION (hearth_application_get_type ())
G_DECLARE_FINAL_TYPE (HearthApplication, hearth_application, HEARTH, APPLICATION, AdwApplication)

HearthApplication *hearth_application_new              (void);
HearthEngine      *hearth_application_get_engine       (HearthApplication *self);
HearthStoreWorker *hearth_application_get_store_worker (HearthApplication *self);

G_END_DECLS
