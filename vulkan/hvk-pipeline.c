#define G_LOG_DOMAIN "hearth-vulkan"

/* hvk-pipeline.c: compute pipelines from the embedded SPIR-V, and the
 * pipeline cache kept on disk between runs. */

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>

#include "hvk-private.h"
#include "hvk-shaders.h"

/* ---- pipeline cache ------------------------------------------------------- */

static char *
pipeline_cache_path (const HvkDevice *device)
{
  g_autofree char *name = g_strdup_printf ("pipeline-cache-%04x-%04x-%u.bin",
                                           device->info.vendor_id, device->info.device_id,
                                           device->driver_version);
  return g_build_filename (g_get_user_cache_dir (), "hearth", name, NULL);
}

/* A cache file is only worth passing to the driver when it was written by
 * this very device and driver; anything else (truncated, other GPU) is
 * ignored. */
static gboolean
cache_header_matches (const HvkDevice *device, const guint8 *data, gsize size)
{
  VkPipelineCacheHeaderVersionOne header;
  if (size < sizeof header)
    return FALSE;
  memcpy (&header, data, sizeof header);
  return header.headerSize >= sizeof header && header.headerSize <= size &&
         header.headerVersion == VK_PIPELINE_CACHE_HEADER_VERSION_ONE &&
         header.vendorID == device->info.vendor_id &&
         header.deviceID == device->info.device_id &&
         memcmp (header.pipelineCacheUUID, device->pipeline_cache_uuid, VK_UUID_SIZE) == 0;
}

void
_hvk_pipeline_cache_load (HvkDevice *device)
{
  g_autofree char *data = NULL;
  gsize size = 0;

  device->pipeline_cache_path = pipeline_cache_path (device);
  if (g_file_get_contents (device->pipeline_cache_path, &data, &size, NULL) &&
      !cache_header_matches (device, (const guint8 *) data, size))
    {
      g_debug ("Ignoring pipeline cache %s: written by another device or driver, or damaged",
               device->pipeline_cache_path);
      g_clear_pointer (&data, g_free);
      size = 0;
    }

  VkPipelineCacheCreateInfo info = {
    .sType = VK_STRUCTURE_TYPE_PIPELINE_CACHE_CREATE_INFO,
    .initialDataSize = size,
    .pInitialData = data,
  };
  VkResult result = vkCreatePipelineCache (device->device, &info, NULL, &device->pipeline_cache);
  if (result != VK_SUCCESS && data != NULL)
    {
      /* The driver rejected the data after all: start empty. */
      info.initialDataSize = 0;
      info.pInitialData = NULL;
      g_clear_pointer (&data, g_free);
      result = vkCreatePipelineCache (device->device, &info, NULL, &device->pipeline_cache);
    }
  if (result != VK_SUCCESS)
    device->pipeline_cache = VK_NULL_HANDLE;   /* pipelines are then built without a cache */
  device->pipeline_cache_loaded = data != NULL && result == VK_SUCCESS;
  g_debug ("Pipeline cache %s: %s", device->pipeline_cache_path,
           device->pipeline_cache_loaded ? "loaded" : "starting empty");
}

void
_hvk_pipeline_cache_save (HvkDevice *device)
{
  if (device->pipeline_cache == VK_NULL_HANDLE)
    return;

  size_t size = 0;
  if (vkGetPipelineCacheData (device->device, device->pipeline_cache, &size, NULL) != VK_SUCCESS ||
      size == 0)
    return;
  g_autofree char *data = g_malloc (size);
  if (vkGetPipelineCacheData (device->device, device->pipeline_cache, &size, data) != VK_SUCCESS)
    return;

  g_autofree char *dir = g_path_get_dirname (device->pipeline_cache_path);
  g_autoptr(GError) error = NULL;
  if (g_mkdir_with_parents (dir, 0700) != 0)
    g_warning ("Cannot create %s for the pipeline cache: %s; shaders will be compiled again next start",
               dir, g_strerror (errno));
  else if (!g_file_set_contents (device->pipeline_cache_path, data, (gssize) size, &error))
    g_warning ("Cannot save the pipeline cache: %s; shaders will be compiled again next start",
               error->message);
}

/* ---- pipelines ---------------------------------------------------------------- */

static gboolean
create_layouts (HvkPipeline *self, GError **error)
{
  VkDevice device = self->device->device;
  g_autofree VkDescriptorSetLayoutBinding *bindings =
    g_new0 (VkDescriptorSetLayoutBinding, MAX (self->n_bindings, 1));
  for (guint i = 0; i < self->n_bindings; i++)
    bindings[i] = (VkDescriptorSetLayoutBinding) {
      .binding = i,
      .descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER,
      .descriptorCount = 1,
      .stageFlags = VK_SHADER_STAGE_COMPUTE_BIT,
    };
  VkDescriptorSetLayoutCreateInfo set_info = {
    .sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO,
    .flags = VK_DESCRIPTOR_SET_LAYOUT_CREATE_PUSH_DESCRIPTOR_BIT_KHR,
    .bindingCount = self->n_bindings,
    .pBindings = bindings,
  };
  if (!_hvk_check (vkCreateDescriptorSetLayout (device, &set_info, NULL, &self->set_layout),
                   "Creating a descriptor set layout", error))
    return FALSE;

  VkPushConstantRange push = {
    .stageFlags = VK_SHADER_STAGE_COMPUTE_BIT,
    .size = self->push_size,
  };
  VkPipelineLayoutCreateInfo layout_info = {
    .sType = VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO,
    .setLayoutCount = 1,
    .pSetLayouts = &self->set_layout,
    .pushConstantRangeCount = self->push_size > 0 ? 1 : 0,
    .pPushConstantRanges = &push,
  };
  return _hvk_check (vkCreatePipelineLayout (device, &layout_info, NULL, &self->layout),
                     "Creating a pipeline layout", error);
}

static gboolean
create_pipeline (HvkPipeline *self, const HvkShader *shader, const guint32 *spec, guint n_spec,
                 GError **error)
{
  VkDevice device = self->device->device;
  VkShaderModuleCreateInfo module_info = {
    .sType = VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO,
    .codeSize = shader->n_bytes,
    .pCode = shader->words,
  };
  VkShaderModule module;
  VkResult result = vkCreateShaderModule (device, &module_info, NULL, &module);
  if (result != VK_SUCCESS)
    {
      g_set_error (error, HEARTH_VULKAN_ERROR, HEARTH_VULKAN_ERROR_SHADER,
                   "The driver rejected shader “%s” (VkResult %d)", shader->name, (int) result);
      return FALSE;
    }

  g_autofree VkSpecializationMapEntry *entries = g_new0 (VkSpecializationMapEntry, MAX (n_spec, 1));
  for (guint i = 0; i < n_spec; i++)
    entries[i] = (VkSpecializationMapEntry) { .constantID = i, .offset = i * 4, .size = 4 };
  VkSpecializationInfo spec_info = {
    .mapEntryCount = n_spec,
    .pMapEntries = entries,
    .dataSize = n_spec * sizeof (guint32),
    .pData = spec,
  };
  VkComputePipelineCreateInfo info = {
    .sType = VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO,
    .stage = {
      .sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO,
      .stage = VK_SHADER_STAGE_COMPUTE_BIT,
      .module = module,
      .pName = "main",
      .pSpecializationInfo = n_spec > 0 ? &spec_info : NULL,
    },
    .layout = self->layout,
  };
  result = vkCreateComputePipelines (device, self->device->pipeline_cache, 1, &info, NULL,
                                     &self->pipeline);
  vkDestroyShaderModule (device, module, NULL);
  if (result == VK_ERROR_OUT_OF_HOST_MEMORY || result == VK_ERROR_OUT_OF_DEVICE_MEMORY)
    return _hvk_check (result, "Creating a compute pipeline", error);
  if (result != VK_SUCCESS)
    {
      g_set_error (error, HEARTH_VULKAN_ERROR, HEARTH_VULKAN_ERROR_SHADER,
                   "Creating the compute pipeline for shader “%s” failed (VkResult %d)",
                   shader->name, (int) result);
      return FALSE;
    }
  return TRUE;
}

HvkPipeline *
hvk_pipeline_new (HvkDevice *device, const char *shader_name, guint n_bindings, guint32 push_size,
                  const guint32 *spec, guint n_spec, GError **error)
{
  g_return_val_if_fail (device != NULL && shader_name != NULL, NULL);
  g_return_val_if_fail (spec != NULL || n_spec == 0, NULL);
  g_return_val_if_fail (push_size % 4 == 0, NULL);

  const HvkShader *shader = hvk_shader_lookup (shader_name);
  if (shader == NULL)
    {
      g_set_error (error, HEARTH_VULKAN_ERROR, HEARTH_VULKAN_ERROR_SHADER,
                   "No shader “%s” was built into Hearth (see vulkan/shaders/meson.build)",
                   shader_name);
      return NULL;
    }
  if (push_size > device->info.max_push_constants_size)
    {
      g_set_error (error, HEARTH_VULKAN_ERROR, HEARTH_VULKAN_ERROR_UNSUPPORTED,
                   "Shader “%s” needs %u bytes of push constants, “%s” allows %u",
                   shader_name, push_size, device->info.name, device->info.max_push_constants_size);
      return NULL;
    }

  g_autoptr(HvkPipeline) self = g_new0 (HvkPipeline, 1);
  self->device = device;
  self->n_bindings = n_bindings;
  self->push_size = push_size;
  if (!create_layouts (self, error) || !create_pipeline (self, shader, spec, n_spec, error))
    return NULL;
  return g_steal_pointer (&self);
}

void
hvk_pipeline_free (HvkPipeline *self)
{
  if (self == NULL)
    return;
  VkDevice device = self->device->device;
  vkDestroyPipeline (device, self->pipeline, NULL);
  vkDestroyPipelineLayout (device, self->layout, NULL);
  vkDestroyDescriptorSetLayout (device, self->set_layout, NULL);
  g_free (self);
}
