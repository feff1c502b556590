#define G_LOG_DOMAIN "hearth-devices"

#include "hearth-devices-private.h"

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
