/* hearth-devices.h: the Vulkan devices as the app sees them, so that app/
 * can list them and open the one models run on without talking to vulkan/
 * itself. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The device models are loaded onto (llama_model_load, clip_model_load).
 * Everything made from it must be freed before it. */
typedef struct _HearthDevice HearthDevice;

/* Opens the device Hearth runs on: the one named by HEARTH_VULKAN_DEVICE
 * (an index into the list below or part of the device name), else the
 * first of discrete, integrated, virtual GPU, CPU. Errors:
 * HEARTH_VULKAN_ERROR_NO_DEVICE and the like. */
HearthDevice     *hearth_device_open     (GError **error);
void              hearth_device_free     (HearthDevice *device);
const char       *hearth_device_get_name (HearthDevice *device);
/* "name (type, driver, memory)" */
char             *hearth_device_describe (HearthDevice *device);

/* Work recorded on the device since it was opened (hvk-bandwidth.c). */
typedef struct {
  guint64 dispatches;
  guint64 barriers;
  guint64 submits;
} HearthWorkCounts;

void              hearth_device_get_work_counts (HearthDevice *device, HearthWorkCounts *out);

/* The device's memory bandwidth in bytes read + written per second, as a
 * streaming copy reaches it: measured on first use for a device and
 * driver, then read from $XDG_CACHE_HOME/hearth/devices.ini. */
gboolean          hearth_device_get_bandwidth   (HearthDevice *device, double *bytes_per_second,
                                                 GError **error);

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

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HearthDevice, hearth_device_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HearthDeviceList, hearth_device_list_free)

G_END_DECLS
