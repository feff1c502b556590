#define G_LOG_DOMAIN "hearth-vulkan"

/* hvk-device.c: the Vulkan instance, device selection and the logical
 * device with its compute queue. */

#include <string.h>

#include "hvk-private.h"

G_DEFINE_QUARK (hearth-vulkan-error-quark, hearth_vulkan_error)

#define INSTALL_DRIVER_HINT \
  "install the Vulkan driver for your GPU (on Debian: mesa-vulkan-drivers)"

gboolean
_hvk_check (VkResult result, const char *what, GError **error)
{
  if (result == VK_SUCCESS)
    return TRUE;

  switch (result)
    {
    case VK_ERROR_DEVICE_LOST:
      g_set_error (error, HEARTH_VULKAN_ERROR, HEARTH_VULKAN_ERROR_DEVICE_LOST,
                   "%s: the GPU stopped responding (device lost); restart Hearth / update the driver",
                   what);
      break;
    case VK_ERROR_OUT_OF_DEVICE_MEMORY:
      g_set_error (error, HEARTH_VULKAN_ERROR, HEARTH_VULKAN_ERROR_OUT_OF_DEVICE_MEMORY,
                   "%s: out of GPU memory; close other GPU programs or use a smaller model", what);
      break;
    case VK_ERROR_OUT_OF_HOST_MEMORY:
      g_set_error (error, HEARTH_VULKAN_ERROR, HEARTH_VULKAN_ERROR_OUT_OF_HOST_MEMORY,
                   "%s: out of system memory", what);
      break;
    default:
      g_set_error (error, HEARTH_VULKAN_ERROR, HEARTH_VULKAN_ERROR_FAILED,
                   "%s failed (VkResult %d)", what, (int) result);
      break;
    }
  return FALSE;
}

/* ---- instance -------------------------------------------------------------- */

static gboolean
validation_requested (void)
{
  return g_strcmp0 (g_getenv ("HEARTH_VULKAN_VALIDATION"), "1") == 0;
}

static VkBool32 VKAPI_PTR
on_validation_message (VkDebugUtilsMessageSeverityFlagBitsEXT severity,
                       VkDebugUtilsMessageTypeFlagsEXT types,
                       const VkDebugUtilsMessengerCallbackDataEXT *data,
                       void *user_data)
{
  if (severity & (VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT |
                  VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT))
    g_critical ("Vulkan validation: %s", data->pMessage);
  return VK_FALSE;
}

static const VkDebugUtilsMessengerCreateInfoEXT messenger_info = {
  .sType = VK_STRUCTURE_TYPE_DEBUG_UTILS_MESSENGER_CREATE_INFO_EXT,
  .messageSeverity = VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT |
                     VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT,
  .messageType = VK_DEBUG_UTILS_MESSAGE_TYPE_GENERAL_BIT_EXT |
                 VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT |
                 VK_DEBUG_UTILS_MESSAGE_TYPE_PERFORMANCE_BIT_EXT,
  .pfnUserCallback = on_validation_message,
};

static gboolean
validation_layer_present (void)
{
  guint32 n = 0;
  gboolean found = FALSE;

  if (vkEnumerateInstanceLayerProperties (&n, NULL) != VK_SUCCESS)
    return FALSE;
  g_autofree VkLayerProperties *layers = g_new0 (VkLayerProperties, n);
  if (vkEnumerateInstanceLayerProperties (&n, layers) != VK_SUCCESS)
    return FALSE;
  for (guint32 i = 0; i < n && !found; i++)
    found = strcmp (layers[i].layerName, "VK_LAYER_KHRONOS_validation") == 0;
  return found;
}

/* Creates the instance; with want_validation, the validation layer and a
 * messenger that turns its warnings and errors into g_critical(). */
static VkInstance
create_instance (gboolean want_validation, VkDebugUtilsMessengerEXT *messenger, GError **error)
{
  const char *layer = "VK_LAYER_KHRONOS_validation";
  const char *extension = VK_EXT_DEBUG_UTILS_EXTENSION_NAME;
  gboolean validation = want_validation;
  VkInstance instance = VK_NULL_HANDLE;

  if (validation && !validation_layer_present ())
    {
      g_warning ("HEARTH_VULKAN_VALIDATION=1 but VK_LAYER_KHRONOS_validation is not installed "
                 "(on Debian: vulkan-validationlayers); continuing without validation");
      validation = FALSE;
    }

  VkApplicationInfo app = {
    .sType = VK_STRUCTURE_TYPE_APPLICATION_INFO,
    .pApplicationName = "Hearth",
    .pEngineName = "Hearth",
    .apiVersion = VK_API_VERSION_1_3,
  };
  VkInstanceCreateInfo info = {
    .sType = VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO,
    .pNext = validation ? &messenger_info : NULL,
    .pApplicationInfo = &app,
    .enabledLayerCount = validation ? 1 : 0,
    .ppEnabledLayerNames = &layer,
    .enabledExtensionCount = validation ? 1 : 0,
    .ppEnabledExtensionNames = &extension,
  };

  VkResult result = vkCreateInstance (&info, NULL, &instance);
  if (result == VK_ERROR_INCOMPATIBLE_DRIVER || result == VK_ERROR_INITIALIZATION_FAILED)
    {
      g_set_error (error, HEARTH_VULKAN_ERROR, HEARTH_VULKAN_ERROR_NO_VULKAN,
                   "No Vulkan driver found (VkResult %d); " INSTALL_DRIVER_HINT, (int) result);
      return VK_NULL_HANDLE;
    }
  if (!_hvk_check (result, "Creating the Vulkan instance", error))
    return VK_NULL_HANDLE;

  *messenger = VK_NULL_HANDLE;
  if (validation)
    {
      PFN_vkCreateDebugUtilsMessengerEXT create_messenger = (PFN_vkCreateDebugUtilsMessengerEXT)
        vkGetInstanceProcAddr (instance, "vkCreateDebugUtilsMessengerEXT");
      if (create_messenger != NULL)
        create_messenger (instance, &messenger_info, NULL, messenger);
    }
  return instance;
}

static void
destroy_instance (VkInstance instance, VkDebugUtilsMessengerEXT messenger)
{
  if (messenger != VK_NULL_HANDLE)
    {
      PFN_vkDestroyDebugUtilsMessengerEXT destroy_messenger = (PFN_vkDestroyDebugUtilsMessengerEXT)
        vkGetInstanceProcAddr (instance, "vkDestroyDebugUtilsMessengerEXT");
      if (destroy_messenger != NULL)
        destroy_messenger (instance, messenger, NULL);
    }
  vkDestroyInstance (instance, NULL);
}

/* ---- physical devices -------------------------------------------------------- */

/* The features Hearth cares about, as the device reports them. */
typedef struct {
  VkPhysicalDeviceFeatures2        core;
  VkPhysicalDeviceVulkan11Features v11;
  VkPhysicalDeviceVulkan12Features v12;
  VkPhysicalDeviceVulkan13Features v13;
  gboolean                         has_push_descriptor;
} DeviceFeatures;

static void
query_features (VkPhysicalDevice physical, guint32 api_version, DeviceFeatures *f)
{
  memset (f, 0, sizeof *f);
  f->v13.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_3_FEATURES;
  f->v12.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_FEATURES;
  f->v12.pNext = api_version >= VK_API_VERSION_1_3 ? &f->v13 : NULL;
  f->v11.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_1_FEATURES;
  f->v11.pNext = &f->v12;
  f->core.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2;
  f->core.pNext = &f->v11;
  if (api_version >= VK_API_VERSION_1_2)
    vkGetPhysicalDeviceFeatures2 (physical, &f->core);

  guint32 n = 0;
  vkEnumerateDeviceExtensionProperties (physical, NULL, &n, NULL);
  g_autofree VkExtensionProperties *exts = g_new0 (VkExtensionProperties, n);
  vkEnumerateDeviceExtensionProperties (physical, NULL, &n, exts);
  for (guint32 i = 0; i < n; i++)
    if (strcmp (exts[i].extensionName, VK_KHR_PUSH_DESCRIPTOR_EXTENSION_NAME) == 0)
      f->has_push_descriptor = TRUE;
}

static HvkDeviceType
device_type_from_vk (VkPhysicalDeviceType type)
{
  switch (type)
    {
    case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU:   return HVK_DEVICE_DISCRETE;
    case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU: return HVK_DEVICE_INTEGRATED;
    case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU:    return HVK_DEVICE_VIRTUAL;
    case VK_PHYSICAL_DEVICE_TYPE_CPU:            return HVK_DEVICE_CPU;
    default:                                     return HVK_DEVICE_OTHER;
    }
}

static void
fill_info (VkPhysicalDevice physical, HvkDeviceInfo *info)
{
  VkPhysicalDeviceProperties plain;
  vkGetPhysicalDeviceProperties (physical, &plain);

  VkPhysicalDeviceVulkan12Properties v12 = { .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_PROPERTIES };
  VkPhysicalDeviceVulkan11Properties v11 = { .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_1_PROPERTIES, .pNext = &v12 };
  VkPhysicalDeviceProperties2 props = { .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2, .pNext = &v11 };
  if (plain.apiVersion >= VK_API_VERSION_1_2)
    vkGetPhysicalDeviceProperties2 (physical, &props);
  else
    props.properties = plain;
  const VkPhysicalDeviceLimits *limits = &props.properties.limits;

  memset (info, 0, sizeof *info);
  g_strlcpy (info->name, props.properties.deviceName, sizeof info->name);
  g_snprintf (info->driver, sizeof info->driver, "%s %s", v12.driverName, v12.driverInfo);
  info->type = device_type_from_vk (props.properties.deviceType);
  info->vendor_id = props.properties.vendorID;
  info->device_id = props.properties.deviceID;
  info->api_version = props.properties.apiVersion;
  info->max_storage_buffer_range = limits->maxStorageBufferRange;
  info->max_allocation_size = v11.maxMemoryAllocationSize;
  info->min_storage_buffer_offset_alignment = limits->minStorageBufferOffsetAlignment;
  info->max_push_constants_size = limits->maxPushConstantsSize;
  info->max_shared_memory_size = limits->maxComputeSharedMemorySize;
  info->max_workgroup_invocations = limits->maxComputeWorkGroupInvocations;
  for (int i = 0; i < 3; i++)
    info->max_workgroup_count[i] = limits->maxComputeWorkGroupCount[i];
  info->subgroup_size = v11.subgroupSize;

  VkPhysicalDeviceMemoryProperties memory;
  vkGetPhysicalDeviceMemoryProperties (physical, &memory);
  for (guint32 i = 0; i < memory.memoryHeapCount; i++)
    if (memory.memoryHeaps[i].flags & VK_MEMORY_HEAP_DEVICE_LOCAL_BIT)
      info->device_local_bytes = MAX (info->device_local_bytes, memory.memoryHeaps[i].size);

  DeviceFeatures f;
  query_features (physical, info->api_version, &f);
  info->has_fp16_arithmetic = f.v12.shaderFloat16;
  info->has_int8_storage = f.v12.storageBuffer8BitAccess;
  info->has_integer_dot = f.v13.shaderIntegerDotProduct;
  /* The installed Vulkan headers predate VK_KHR_cooperative_matrix. */
  info->has_cooperative_matrix = FALSE;
}

/* Physical devices sorted by HvkDeviceType (discrete first), keeping the
 * driver's order within a type. */
static GPtrArray *
sorted_physical_devices (VkInstance instance, GError **error)
{
  guint32 n = 0;
  if (!_hvk_check (vkEnumeratePhysicalDevices (instance, &n, NULL), "Listing Vulkan devices", error))
    return NULL;
  g_autofree VkPhysicalDevice *all = g_new0 (VkPhysicalDevice, MAX (n, 1));
  if (!_hvk_check (vkEnumeratePhysicalDevices (instance, &n, all), "Listing Vulkan devices", error))
    return NULL;
  if (n == 0)
    {
      g_set_error (error, HEARTH_VULKAN_ERROR, HEARTH_VULKAN_ERROR_NO_VULKAN,
                   "Vulkan is installed but reports no device; " INSTALL_DRIVER_HINT);
      return NULL;
    }

  GPtrArray *sorted = g_ptr_array_new ();
  for (HvkDeviceType type = HVK_DEVICE_DISCRETE; type <= HVK_DEVICE_OTHER; type++)
    for (guint32 i = 0; i < n; i++)
      {
        VkPhysicalDeviceProperties props;
        vkGetPhysicalDeviceProperties (all[i], &props);
        if (device_type_from_vk (props.deviceType) == type)
          g_ptr_array_add (sorted, all[i]);
      }
  return sorted;
}

GArray *
hvk_list_devices (GError **error)
{
  VkDebugUtilsMessengerEXT messenger = VK_NULL_HANDLE;
  VkInstance instance = create_instance (FALSE, &messenger, error);
  if (instance == VK_NULL_HANDLE)
    return NULL;

  GArray *infos = NULL;
  g_autoptr(GPtrArray) physical = sorted_physical_devices (instance, error);
  if (physical != NULL)
    {
      infos = g_array_sized_new (FALSE, TRUE, sizeof (HvkDeviceInfo), physical->len);
      g_array_set_size (infos, physical->len);
      for (guint i = 0; i < physical->len; i++)
        fill_info (physical->pdata[i], &g_array_index (infos, HvkDeviceInfo, i));
    }
  destroy_instance (instance, messenger);
  return infos;
}

static gboolean
is_index (const char *s)
{
  if (*s == '\0')
    return FALSE;
  for (; *s != '\0'; s++)
    if (!g_ascii_isdigit (*s))
      return FALSE;
  return TRUE;
}

/* Index into the sorted list of the device HEARTH_VULKAN_DEVICE names (or
 * the first one), -1 with NO_DEVICE when the override matches nothing. */
static int
choose_device (GPtrArray *physical, GError **error)
{
  const char *wanted = g_getenv ("HEARTH_VULKAN_DEVICE");
  if (wanted == NULL || *wanted == '\0')
    return 0;

  if (is_index (wanted))
    {
      guint64 index = g_ascii_strtoull (wanted, NULL, 10);
      if (index < physical->len)
        return (int) index;
    }
  else
    {
      g_autofree char *needle = g_utf8_casefold (wanted, -1);
      for (guint i = 0; i < physical->len; i++)
        {
          HvkDeviceInfo info;
          fill_info (physical->pdata[i], &info);
          g_autofree char *name = g_utf8_casefold (info.name, -1);
          if (strstr (name, needle) != NULL)
            return (int) i;
        }
    }

  g_autoptr(GString) names = g_string_new (NULL);
  for (guint i = 0; i < physical->len; i++)
    {
      HvkDeviceInfo info;
      fill_info (physical->pdata[i], &info);
      g_string_append_printf (names, "%s%u: %s", i > 0 ? ", " : "", i, info.name);
    }
  g_set_error (error, HEARTH_VULKAN_ERROR, HEARTH_VULKAN_ERROR_NO_DEVICE,
               "HEARTH_VULKAN_DEVICE=“%s” matches no Vulkan device (have %s); "
               "set it to one of those indices or a part of a name, or unset it",
               wanted, names->str);
  return -1;
}

/* ---- logical device -------------------------------------------------------- */

static gboolean
check_required (const HvkDeviceInfo *info, const DeviceFeatures *f, GError **error)
{
  const char *missing = NULL;

  if (info->api_version < VK_API_VERSION_1_2)
    missing = "Vulkan 1.2";
  else if (!f->v11.storageBuffer16BitAccess)
    missing = "storageBuffer16BitAccess";
  else if (!f->has_push_descriptor)
    missing = VK_KHR_PUSH_DESCRIPTOR_EXTENSION_NAME;

  if (missing == NULL)
    return TRUE;
  g_set_error (error, HEARTH_VULKAN_ERROR, HEARTH_VULKAN_ERROR_UNSUPPORTED,
               "The GPU “%s” lacks %s, which Hearth needs; update its Vulkan driver "
               "or pick another device with HEARTH_VULKAN_DEVICE", info->name, missing);
  return FALSE;
}

static gboolean
find_compute_queue (VkPhysicalDevice physical, guint32 *family, GError **error)
{
  guint32 n = 0;
  vkGetPhysicalDeviceQueueFamilyProperties (physical, &n, NULL);
  g_autofree VkQueueFamilyProperties *families = g_new0 (VkQueueFamilyProperties, MAX (n, 1));
  vkGetPhysicalDeviceQueueFamilyProperties (physical, &n, families);
  for (guint32 i = 0; i < n; i++)
    if (families[i].queueFlags & VK_QUEUE_COMPUTE_BIT)
      {
        *family = i;
        return TRUE;
      }
  g_set_error (error, HEARTH_VULKAN_ERROR, HEARTH_VULKAN_ERROR_UNSUPPORTED,
               "The Vulkan device has no compute queue");
  return FALSE;
}

/* Enables the required features and every optional one the device has. */
static gboolean
create_logical_device (HvkDevice *self, GError **error)
{
  DeviceFeatures have;
  query_features (self->physical, self->info.api_version, &have);
  if (!check_required (&self->info, &have, error) ||
      !find_compute_queue (self->physical, &self->queue_family, error))
    return FALSE;

  VkPhysicalDeviceVulkan13Features v13 = {
    .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_3_FEATURES,
    .subgroupSizeControl = have.v13.subgroupSizeControl,
    .computeFullSubgroups = have.v13.computeFullSubgroups,
    .shaderIntegerDotProduct = have.v13.shaderIntegerDotProduct,
  };
  VkPhysicalDeviceVulkan12Features v12 = {
    .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_FEATURES,
    .pNext = self->info.api_version >= VK_API_VERSION_1_3 ? &v13 : NULL,
    .shaderFloat16 = have.v12.shaderFloat16,
    .shaderInt8 = have.v12.shaderInt8,
    .storageBuffer8BitAccess = have.v12.storageBuffer8BitAccess,
  };
  VkPhysicalDeviceVulkan11Features v11 = {
    .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_1_FEATURES,
    .pNext = &v12,
    .storageBuffer16BitAccess = VK_TRUE,
  };
  VkPhysicalDeviceFeatures2 core = {
    .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2,
    .pNext = &v11,
    .features.shaderInt16 = have.core.features.shaderInt16,
    .features.shaderInt64 = have.core.features.shaderInt64,
  };
  const float priority = 1.0f;
  VkDeviceQueueCreateInfo queue = {
    .sType = VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO,
    .queueFamilyIndex = self->queue_family,
    .queueCount = 1,
    .pQueuePriorities = &priority,
  };
  const char *extensions[] = { VK_KHR_PUSH_DESCRIPTOR_EXTENSION_NAME };
  VkDeviceCreateInfo info = {
    .sType = VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO,
    .pNext = &core,
    .queueCreateInfoCount = 1,
    .pQueueCreateInfos = &queue,
    .enabledExtensionCount = G_N_ELEMENTS (extensions),
    .ppEnabledExtensionNames = extensions,
  };
  if (!_hvk_check (vkCreateDevice (self->physical, &info, NULL, &self->device),
                   "Opening the Vulkan device", error))
    return FALSE;

  vkGetDeviceQueue (self->device, self->queue_family, 0, &self->queue);
  self->cmd_push_descriptor_set = (PFN_vkCmdPushDescriptorSetKHR)
    vkGetDeviceProcAddr (self->device, "vkCmdPushDescriptorSetKHR");
  return TRUE;
}

static void
log_device (const HvkDevice *self)
{
  const HvkDeviceInfo *i = &self->info;
  g_debug ("Vulkan device: %s (%04x:%04x), driver %s, API %u.%u.%u",
           i->name, i->vendor_id, i->device_id, i->driver,
           VK_API_VERSION_MAJOR (i->api_version), VK_API_VERSION_MINOR (i->api_version),
           VK_API_VERSION_PATCH (i->api_version));
  g_debug ("  device-local %" G_GUINT64_FORMAT " MiB, max allocation %" G_GUINT64_FORMAT
           " MiB, max storage range %" G_GUINT64_FORMAT " MiB, offset alignment %" G_GUINT64_FORMAT,
           i->device_local_bytes >> 20, i->max_allocation_size >> 20,
           i->max_storage_buffer_range >> 20, i->min_storage_buffer_offset_alignment);
  g_debug ("  push constants %u B, shared memory %u B, workgroup %u invocations, "
           "groups %u×%u×%u, subgroup %u, fp16 %d, int8 %d, integer dot %d",
           i->max_push_constants_size, i->max_shared_memory_size, i->max_workgroup_invocations,
           i->max_workgroup_count[0], i->max_workgroup_count[1], i->max_workgroup_count[2],
           i->subgroup_size, i->has_fp16_arithmetic, i->has_int8_storage, i->has_integer_dot);
}

/* HEARTH_VULKAN_HEAP_LIMIT_MIB=N makes every memory heap at most N MiB,
 * allocations beyond it failing as the driver's do, with
 * VK_ERROR_OUT_OF_DEVICE_MEMORY's error.  A CPU device's heap is the host's
 * RAM: tests reach "out of device memory" under this cap instead. */
static void
apply_heap_limit (HvkDevice *self)
{
  const char *limit = g_getenv ("HEARTH_VULKAN_HEAP_LIMIT_MIB");
  guint64 mib;

  if (limit == NULL || !g_ascii_string_to_unsigned (limit, 10, 1, G_MAXUINT32, &mib, NULL))
    return;
  self->heap_limit = mib << 20;
  for (guint32 i = 0; i < self->memory.memoryHeapCount; i++)
    self->memory.memoryHeaps[i].size = MIN (self->memory.memoryHeaps[i].size, self->heap_limit);
  self->info.device_local_bytes = MIN (self->info.device_local_bytes, self->heap_limit);
  g_debug ("memory heaps capped at %" G_GUINT64_FORMAT " MiB (HEARTH_VULKAN_HEAP_LIMIT_MIB)", mib);
}

HvkDevice *
hvk_device_new (GError **error)
{
  g_autoptr(HvkDevice) self = g_new0 (HvkDevice, 1);

  self->instance = create_instance (validation_requested (), &self->messenger, error);
  if (self->instance == VK_NULL_HANDLE)
    return NULL;

  g_autoptr(GPtrArray) physical = sorted_physical_devices (self->instance, error);
  if (physical == NULL)
    return NULL;
  int chosen = choose_device (physical, error);
  if (chosen < 0)
    return NULL;
  self->physical = physical->pdata[chosen];
  fill_info (self->physical, &self->info);
  vkGetPhysicalDeviceMemoryProperties (self->physical, &self->memory);
  apply_heap_limit (self);

  VkPhysicalDeviceProperties props;
  vkGetPhysicalDeviceProperties (self->physical, &props);
  memcpy (self->pipeline_cache_uuid, props.pipelineCacheUUID, VK_UUID_SIZE);
  self->driver_version = props.driverVersion;

  if (!create_logical_device (self, error))
    return NULL;
  log_device (self);

  _hvk_pipeline_cache_load (self);
  if (!_hvk_staging_init (self, error))
    return NULL;
  return g_steal_pointer (&self);
}

void
hvk_device_free (HvkDevice *self)
{
  if (self == NULL)
    return;
  if (self->device != VK_NULL_HANDLE)
    {
      vkDeviceWaitIdle (self->device);
      _hvk_staging_fini (self);
      _hvk_pipeline_cache_save (self);
      vkDestroyPipelineCache (self->device, self->pipeline_cache, NULL);
      vkDestroyDevice (self->device, NULL);
    }
  if (self->instance != VK_NULL_HANDLE)
    destroy_instance (self->instance, self->messenger);
  g_free (self->pipeline_cache_path);
  g_free (self);
}

const HvkDeviceInfo *
hvk_device_get_info (HvkDevice *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return &self->info;
}
