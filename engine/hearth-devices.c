#define G_LOG_DOMAIN "hearth-devices"

#include "hearth-devices-private.h"

#include <errno.h>
#include <glib/gstdio.h>

struct _HearthDevice {
  HvkDevice *hvk;
};

static const char *
device_type_name (HvkDeviceType type)
{
  switch (type)
    {
    case HVK_DEVICE_DISCRETE:   return "discrete GPU";
    case HVK_DEVICE_INTEGRATED: return "integrated GPU";
    case HVK_DEVICE_VIRTUAL:    return "virtual GPU";
    case HVK_DEVICE_CPU:        return "CPU";
    default:                    return "other";
    }
}

static char *
describe_device (const HvkDeviceInfo *info)
{
  g_autofree char *memory = g_format_size_full (info->device_local_bytes, G_FORMAT_SIZE_IEC_UNITS);
  return g_strdup_printf ("%s (%s, %s, %s)", info->name, device_type_name (info->type),
                          info->driver, memory);
}

static gboolean
same_device (const HvkDeviceInfo *a, const HvkDeviceInfo *b)
{
  return a->vendor_id == b->vendor_id && a->device_id == b->device_id
         && g_str_equal (a->name, b->name);
}

HearthDevice *
hearth_device_open (GError **error)
{
  HvkDevice *hvk = hvk_device_new (error);
  HearthDevice *device;

  if (hvk == NULL)
    return NULL;
  device = g_new0 (HearthDevice, 1);
  device->hvk = hvk;
  return device;
}

void
hearth_device_free (HearthDevice *device)
{
  if (device == NULL)
    return;
  hvk_device_free (device->hvk);
  g_free (device);
}

const char *
hearth_device_get_name (HearthDevice *device)
{
  return hvk_device_get_info (device->hvk)->name;
}

char *
hearth_device_describe (HearthDevice *device)
{
  return describe_device (hvk_device_get_info (device->hvk));
}

void
hearth_device_get_work_counts (HearthDevice *device, HearthWorkCounts *out)
{
  HvkWorkCounts counts;

  hvk_device_get_work_counts (device->hvk, &counts);
  *out = (HearthWorkCounts) {
    .dispatches = counts.dispatches, .barriers = counts.barriers, .submits = counts.submits,
  };
}

#define BANDWIDTH_KEY "bandwidth-bytes-per-second"

static char *
devices_cache_path (void)
{
  return g_build_filename (g_get_user_cache_dir (), "hearth", "devices.ini", NULL);
}

/* One group per device and driver: a new driver is measured again. */
static char *
device_cache_group (const HvkDeviceInfo *info)
{
  return g_strdup_printf ("%04x:%04x %s / %s", info->vendor_id, info->device_id, info->name, info->driver);
}

/* A failure to keep the figure only means measuring it again next time. */
static void
save_bandwidth (const char *group, double bytes_per_second)
{
  g_autofree char *path = devices_cache_path ();
  g_autofree char *dir = g_path_get_dirname (path);
  g_autoptr (GKeyFile) cache = g_key_file_new ();
  g_autoptr (GError) error = NULL;

  g_key_file_load_from_file (cache, path, G_KEY_FILE_NONE, NULL);
  g_key_file_set_double (cache, group, BANDWIDTH_KEY, bytes_per_second);
  if (g_mkdir_with_parents (dir, 0700) != 0 || !g_key_file_save_to_file (cache, path, &error))
    g_debug ("Cannot keep the measured bandwidth in %s: %s", path,
             error != NULL ? error->message : g_strerror (errno));
}

gboolean
hearth_device_get_bandwidth (HearthDevice *device, double *bytes_per_second, GError **error)
{
  g_autofree char *path = devices_cache_path ();
  g_autofree char *group = device_cache_group (hvk_device_get_info (device->hvk));
  g_autoptr (GKeyFile) cache = g_key_file_new ();

  if (g_key_file_load_from_file (cache, path, G_KEY_FILE_NONE, NULL))
    {
      double cached = g_key_file_get_double (cache, group, BANDWIDTH_KEY, NULL);
      if (cached > 0)
        {
          *bytes_per_second = cached;
          return TRUE;
        }
    }
  if (!hvk_device_measure_bandwidth (device->hvk, bytes_per_second, error))
    return FALSE;
  save_bandwidth (group, *bytes_per_second);
  return TRUE;
}

HvkDevice *
_hearth_device_get_hvk (HearthDevice *device)
{
  return device->hvk;
}

/* The device Hearth would run on is the one hearth_device_open() opens. */
static gboolean
get_chosen_device (HvkDeviceInfo *out, GError **error)
{
  g_autoptr(HearthDevice) device = hearth_device_open (error);

  if (device == NULL)
    return FALSE;
  *out = *hvk_device_get_info (device->hvk);
  return TRUE;
}

HearthDeviceList *
hearth_device_list_new (GError **error)
{
  g_autoptr(GArray) devices = hvk_list_devices (error);
  g_autoptr(GStrvBuilder) descriptions = g_strv_builder_new ();
  HearthDeviceList *list;
  HvkDeviceInfo chosen;
  gboolean have_chosen;

  if (devices == NULL)
    return NULL;
  list = g_new0 (HearthDeviceList, 1);
  list->chosen = -1;
  have_chosen = get_chosen_device (&chosen, &list->chosen_error);
  for (guint i = 0; i < devices->len; i++)
    {
      const HvkDeviceInfo *info = &g_array_index (devices, HvkDeviceInfo, i);
      g_autofree char *description = describe_device (info);

      if (have_chosen && list->chosen < 0 && same_device (info, &chosen))
        list->chosen = i;
      g_strv_builder_add (descriptions, description);
    }
  list->descriptions = g_strv_builder_end (descriptions);
  return list;
}

void
hearth_device_list_free (HearthDeviceList *list)
{
  if (list == NULL)
    return;
  g_strfreev (list->descriptions);
  g_clear_error (&list->chosen_error);
  g_free (list);
}

char *
hearth_device_describe_chosen (GError **error)
{
  g_autoptr(HearthDevice) device = hearth_device_open (error);

  return device != NULL ? hearth_device_describe (device) : NULL;
}
