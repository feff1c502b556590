/* hearth-devices-private.h: the Vulkan device behind a HearthDevice, for
 * the engine's model loaders (app/ never sees vulkan/). */
#pragma once

#include "hearth-devices.h"
#include "hvk.h"

G_BEGIN_DECLS

HvkDevice *_hearth_device_get_hvk (HearthDevice *device);

G_END_DECLS
