#define G_LOG_DOMAIN "hearth-vulkan"

/* hvk-buffer.c: buffers, their memory, and the staging ring that moves
 * data between host memory and device-local buffers. */

#include <string.h>

#include "hvk-private.h"

#define MIB(bytes) ((bytes) / (1024.0 * 1024.0))

/* Index of the first memory type allowed by type_bits that has all of
 * `required` and, if any has them, all of `preferred`; -1 if none. */
static int
find_memory_type (const VkPhysicalDeviceMemoryProperties *memory, guint32 type_bits,
                  VkMemoryPropertyFlags required, VkMemoryPropertyFlags preferred)
{
  int fallback = -1;
  for (guint32 i = 0; i < memory->memoryTypeCount; i++)
    {
      VkMemoryPropertyFlags flags = memory->memoryTypes[i].propertyFlags;
      if (!(type_bits & (1u << i)) || (flags & required) != required)
        continue;
      if ((flags & preferred) == preferred)
        return (int) i;
      if (fallback < 0)
        fallback = (int) i;
    }
  return fallback;
}

static gboolean
out_of_memory (HvkDevice *device, guint64 size, guint64 available, const char *limit, GError **error)
{
  g_set_error (error, HEARTH_VULKAN_ERROR, HEARTH_VULKAN_ERROR_OUT_OF_DEVICE_MEMORY,
               "Not enough GPU memory on “%s”: needed %.1f MiB in one buffer, the device has %.1f MiB (%s); "
               "use a smaller model or a smaller context",
               device->info.name, MIB (size), MIB (available), limit);
  return FALSE;
}

static gboolean
allocate_memory (HvkBuffer *self, GError **error)
{
  HvkDevice *device = self->device;
  VkMemoryRequirements req;
  vkGetBufferMemoryRequirements (device->device, self->buffer, &req);

  VkMemoryPropertyFlags required = 0, preferred = VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT;
  if (self->kind == HVK_BUFFER_HOST)
    {
      required = VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
      preferred = VK_MEMORY_PROPERTY_HOST_CACHED_BIT;
    }
  int type = find_memory_type (&device->memory, req.memoryTypeBits, required, preferred);
  if (type < 0)
    {
      g_set_error (error, HEARTH_VULKAN_ERROR, HEARTH_VULKAN_ERROR_UNSUPPORTED,
                   "“%s” has no suitable memory type for a %s buffer", device->info.name,
                   self->kind == HVK_BUFFER_HOST ? "host-visible" : "device");
      return FALSE;
    }
  guint32 heap = device->memory.memoryTypes[type].heapIndex;
  guint64 heap_size = device->memory.memoryHeaps[heap].size;
  if (req.size > heap_size)
    return out_of_memory (device, req.size, heap_size, "the whole memory heap", error);

  if (device->heap_limit != 0 && device->heap_used[heap] + req.size > heap_size)
    return out_of_memory (device, req.size, heap_size, "the heap is already used by other buffers", error);

  VkMemoryAllocateInfo info = {
    .sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO,
    .allocationSize = req.size,
    .memoryTypeIndex = (guint32) type,
  };
  VkResult result = vkAllocateMemory (device->device, &info, NULL, &self->memory);
  if (result == VK_ERROR_OUT_OF_DEVICE_MEMORY)
    return out_of_memory (device, req.size, heap_size, "the heap is already used by other buffers", error);
  if (!_hvk_check (result, "Allocating GPU memory", error))
    return FALSE;
  self->heap = heap;
  self->allocated = req.size;
  if (device->heap_limit != 0)
    device->heap_used[heap] += req.size;
  if (!_hvk_check (vkBindBufferMemory (device->device, self->buffer, self->memory, 0),
                   "Binding GPU memory", error))
    return FALSE;
  if (self->kind == HVK_BUFFER_HOST)
    return _hvk_check (vkMapMemory (device->device, self->memory, 0, VK_WHOLE_SIZE, 0, &self->map),
                       "Mapping a host buffer", error);
  return TRUE;
}

HvkBuffer *
hvk_buffer_new (HvkDevice *device, guint64 size, HvkBufferKind kind, GError **error)
{
  g_return_val_if_fail (device != NULL, NULL);
  g_return_val_if_fail (size > 0, NULL);

  if (size > device->info.max_allocation_size)
    {
      out_of_memory (device, size, device->info.max_allocation_size,
                     "the largest single allocation its driver allows", error);
      return NULL;
    }

  g_autoptr(HvkBuffer) self = g_new0 (HvkBuffer, 1);
  self->device = device;
  self->size = size;
  self->kind = kind;
  VkBufferCreateInfo info = {
    .sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO,
    /* A multiple of 4 so that vkCmdFillBuffer's VK_WHOLE_SIZE clears every byte. */
    .size = (size + 3) & ~(guint64) 3,
    .usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT | VK_BUFFER_USAGE_TRANSFER_SRC_BIT |
             VK_BUFFER_USAGE_TRANSFER_DST_BIT,
    .sharingMode = VK_SHARING_MODE_EXCLUSIVE,
  };
  if (!_hvk_check (vkCreateBuffer (device->device, &info, NULL, &self->buffer), "Creating a buffer", error) ||
      !allocate_memory (self, error))
    return NULL;
  return g_steal_pointer (&self);
}

void
hvk_buffer_free (HvkBuffer *self)
{
  if (self == NULL)
    return;
  vkDestroyBuffer (self->device->device, self->buffer, NULL);
  vkFreeMemory (self->device->device, self->memory, NULL);
  if (self->device->heap_limit != 0)
    self->device->heap_used[self->heap] -= self->allocated;
  g_free (self);
}

guint64
hvk_buffer_get_size (HvkBuffer *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->size;
}

void *
hvk_buffer_map (HvkBuffer *self)
{
  g_return_val_if_fail (self != NULL && self->kind == HVK_BUFFER_HOST, NULL);
  return self->map;
}

/* ---- staging ring ------------------------------------------------------------ */

gboolean
_hvk_staging_init (HvkDevice *device, GError **error)
{
  VkCommandPoolCreateInfo pool = {
    .sType = VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO,
    .flags = VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT,
    .queueFamilyIndex = device->queue_family,
  };
  if (!_hvk_check (vkCreateCommandPool (device->device, &pool, NULL, &device->staging_pool),
                   "Creating the staging command pool", error))
    return FALSE;

  for (guint i = 0; i < HVK_STAGING_SLOTS; i++)
    {
      HvkStagingSlot *slot = &device->staging[i];
      VkCommandBufferAllocateInfo alloc = {
        .sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO,
        .commandPool = device->staging_pool,
        .level = VK_COMMAND_BUFFER_LEVEL_PRIMARY,
        .commandBufferCount = 1,
      };
      VkFenceCreateInfo fence = { .sType = VK_STRUCTURE_TYPE_FENCE_CREATE_INFO };
      slot->buffer = hvk_buffer_new (device, HVK_STAGING_SLOT_BYTES, HVK_BUFFER_HOST, error);
      if (slot->buffer == NULL ||
          !_hvk_check (vkAllocateCommandBuffers (device->device, &alloc, &slot->cmd),
                       "Allocating a staging command buffer", error) ||
          !_hvk_check (vkCreateFence (device->device, &fence, NULL, &slot->fence),
                       "Creating a staging fence", error))
        return FALSE;
    }
  return TRUE;
}

void
_hvk_staging_fini (HvkDevice *device)
{
  for (guint i = 0; i < HVK_STAGING_SLOTS; i++)
    {
      HvkStagingSlot *slot = &device->staging[i];
      if (slot->fence != VK_NULL_HANDLE)
        vkDestroyFence (device->device, slot->fence, NULL);
      hvk_buffer_free (slot->buffer);
    }
  if (device->staging_pool != VK_NULL_HANDLE)
    vkDestroyCommandPool (device->device, device->staging_pool, NULL);
}

/* Waits until the slot's last copy is done; a download's chunk is then
 * copied out of the slot to where it belongs. */
static gboolean
slot_wait (HvkDevice *device, HvkStagingSlot *slot, GError **error)
{
  if (!slot->pending)
    return TRUE;
  slot->pending = FALSE;
  VkResult result = vkWaitForFences (device->device, 1, &slot->fence, VK_TRUE, UINT64_MAX);
  if (!_hvk_check (result, "Waiting for a GPU copy", error))
    return FALSE;
  if (slot->readback_to != NULL)
    memcpy (slot->readback_to, slot->buffer->map, slot->readback_size);
  slot->readback_to = NULL;
  return TRUE;
}

static gboolean
drain_staging (HvkDevice *device, GError **error)
{
  gboolean ok = TRUE;
  /* Oldest first; keep waiting after an error so no slot stays in flight. */
  for (guint i = 0; i < HVK_STAGING_SLOTS; i++)
    {
      HvkStagingSlot *slot = &device->staging[(device->staging_next + i) % HVK_STAGING_SLOTS];
      if (!slot_wait (device, slot, ok ? error : NULL))
        ok = FALSE;
    }
  return ok;
}

/* The next free slot, its command buffer begun. */
static HvkStagingSlot *
slot_begin (HvkDevice *device, GError **error)
{
  HvkStagingSlot *slot = &device->staging[device->staging_next];
  device->staging_next = (device->staging_next + 1) % HVK_STAGING_SLOTS;
  if (!slot_wait (device, slot, error))
    return NULL;

  VkCommandBufferBeginInfo begin = {
    .sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO,
    .flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT,
  };
  if (!_hvk_check (vkResetFences (device->device, 1, &slot->fence), "Resetting a fence", error) ||
      !_hvk_check (vkBeginCommandBuffer (slot->cmd, &begin), "Recording a GPU copy", error))
    return NULL;
  return slot;
}

static gboolean
slot_submit (HvkDevice *device, HvkStagingSlot *slot, GError **error)
{
  VkSubmitInfo submit = {
    .sType = VK_STRUCTURE_TYPE_SUBMIT_INFO,
    .commandBufferCount = 1,
    .pCommandBuffers = &slot->cmd,
  };
  if (!_hvk_check (vkEndCommandBuffer (slot->cmd), "Recording a GPU copy", error) ||
      !_hvk_check (vkQueueSubmit (device->queue, 1, &submit, slot->fence), "Submitting a GPU copy", error))
    return FALSE;
  slot->pending = TRUE;
  return TRUE;
}

/* Makes the GPU's writes of the copy visible to the CPU's reads after the fence. */
static void
barrier_transfer_to_host (VkCommandBuffer cmd)
{
  VkMemoryBarrier barrier = {
    .sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER,
    .srcAccessMask = VK_ACCESS_TRANSFER_WRITE_BIT,
    .dstAccessMask = VK_ACCESS_HOST_READ_BIT,
  };
  vkCmdPipelineBarrier (cmd, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_PIPELINE_STAGE_HOST_BIT, 0,
                        1, &barrier, 0, NULL, 0, NULL);
}

static gboolean
check_range (HvkBuffer *buffer, guint64 offset, guint64 size, const char *what, GError **error)
{
  if (offset <= buffer->size && size <= buffer->size - offset)
    return TRUE;
  g_set_error (error, HEARTH_VULKAN_ERROR, HEARTH_VULKAN_ERROR_FAILED,
               "%s of %" G_GUINT64_FORMAT " bytes at offset %" G_GUINT64_FORMAT
               " is outside the buffer of %" G_GUINT64_FORMAT " bytes",
               what, size, offset, buffer->size);
  return FALSE;
}

/* Moves size bytes between host memory and self at offset in chunks
 * through the staging ring: out of `from` when uploading, into `to` when
 * downloading (exactly one is non-NULL). */
static gboolean
transfer_staged (HvkBuffer *self, guint64 offset, const char *from, char *to, guint64 size,
                 GError **error)
{
  HvkDevice *device = self->device;
  for (guint64 done = 0; done < size; )
    {
      guint64 chunk = MIN (size - done, HVK_STAGING_SLOT_BYTES);
      HvkStagingSlot *slot = slot_begin (device, error);
      if (slot == NULL)
        {
          drain_staging (device, NULL);
          return FALSE;
        }
      if (from != NULL)
        {
          memcpy (slot->buffer->map, from + done, chunk);
          VkBufferCopy region = { .srcOffset = 0, .dstOffset = offset + done, .size = chunk };
          vkCmdCopyBuffer (slot->cmd, slot->buffer->buffer, self->buffer, 1, &region);
        }
      else
        {
          VkBufferCopy region = { .srcOffset = offset + done, .dstOffset = 0, .size = chunk };
          vkCmdCopyBuffer (slot->cmd, self->buffer, slot->buffer->buffer, 1, &region);
          barrier_transfer_to_host (slot->cmd);
          slot->readback_to = to + done;
          slot->readback_size = chunk;
        }
      if (!slot_submit (device, slot, error))
        {
          slot->readback_to = NULL;
          drain_staging (device, NULL);
          return FALSE;
        }
      done += chunk;
    }
  return drain_staging (device, error);
}

gboolean
hvk_buffer_upload (HvkBuffer *self, guint64 offset, const void *data, guint64 size, GError **error)
{
  g_return_val_if_fail (self != NULL && (data != NULL || size == 0), FALSE);
  if (!check_range (self, offset, size, "Upload", error))
    return FALSE;
  if (self->kind == HVK_BUFFER_HOST)
    {
      memcpy ((char *) self->map + offset, data, size);
      return TRUE;
    }
  return transfer_staged (self, offset, data, NULL, size, error);
}

gboolean
hvk_buffer_download (HvkBuffer *self, guint64 offset, void *data, guint64 size, GError **error)
{
  g_return_val_if_fail (self != NULL && (data != NULL || size == 0), FALSE);
  if (!check_range (self, offset, size, "Download", error))
    return FALSE;
  if (self->kind == HVK_BUFFER_HOST)
    {
      memcpy (data, (const char *) self->map + offset, size);
      return TRUE;
    }
  return transfer_staged (self, offset, NULL, data, size, error);
}

gboolean
hvk_buffer_clear (HvkBuffer *self, GError **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  HvkDevice *device = self->device;
  HvkStagingSlot *slot = slot_begin (device, error);
  if (slot == NULL)
    return FALSE;
  vkCmdFillBuffer (slot->cmd, self->buffer, 0, VK_WHOLE_SIZE, 0);
  barrier_transfer_to_host (slot->cmd);
  if (!slot_submit (device, slot, error))
    return FALSE;
  return drain_staging (device, error);
}
