/* hearth-devices.h: the Vulkan devices as the app sees them, so that app/
 * can show them without talking to vulkan/ itself. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  GStrv   descriptions;  /* every Vulkan device, enumeration order: "name (type, driver, memory)" */
  gint    chosen;        /* index of the device Hearth would run on, or -1 */
  GError *chosen_error;  /* why no device could be opened, or NULL */
} HearthDeviceList;

/* Lists the devices and marks the one hearth_device_describe_chosen() would
 * describe. NULL with an error only when Vulkan cannot enumerate at all. */
HearthDeviceList *hearth_device_list_new  (GError **error);
void              hearth_device_list_free (HearthDeviceList *list);

/* Describes the device Hearth would run on (it honours HEARTH_VULKAN_DEVICE,
 * so it is opened rather than guessed). */
char             *hearth_device_describe_chosen (GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HearthDeviceList, hearth_device_list_free)

G_END_DECLS
