/* hearth-model-row.h: a row of the "models on this computer" list: name,
 * what the file is and what it costs, a badge when it sees images, and
 * win.set-model with its path when activated. */
#pragma once

#include <adwaita.h>

#include "model-catalog.h"

G_BEGIN_DECLS

GtkWidget *hearth_model_row_new (const HearthModelInfo *info);

G_END_DECLS
