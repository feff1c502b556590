#define G_LOG_DOMAIN "hearth-vulkan"

/* hvk-recorder.c: records dispatches and copies into one command buffer,
 * with a barrier only where one dispatch depends on another's memory. */

#include "hvk-private.h"

/* A byte range of a buffer touched since the last barrier. */
typedef struct {
  VkBuffer buffer;
  guint64  start;
  guint64  end;
} Range;

struct _HvkRecorder {
  HvkDevice      *device;
  VkCommandPool   pool;
  VkCommandBuffer cmd;
  VkFence         fence;
  gboolean        recording;
  GArray         *written;   /* Range: written since the last barrier */
  GArray         *read;      /* Range: read since the last barrier */
};

HvkRecorder *
hvk_recorder_new (HvkDevice *device, GError **error)
{
  g_return_val_if_fail (device != NULL, NULL);

  g_autoptr(HvkRecorder) self = g_new0 (HvkRecorder, 1);
  self->device = device;
  self->written = g_array_new (FALSE, FALSE, sizeof (Range));
  self->read = g_array_new (FALSE, FALSE, sizeof (Range));

  VkCommandPoolCreateInfo pool = {
    .sType = VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO,
    .flags = VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT,
    .queueFamilyIndex = device->queue_family,
  };
  if (!_hvk_check (vkCreateCommandPool (device->device, &pool, NULL, &self->pool),
                   "Creating a command pool", error))
    return NULL;
  VkCommandBufferAllocateInfo alloc = {
    .sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO,
    .commandPool = self->pool,
    .level = VK_COMMAND_BUFFER_LEVEL_PRIMARY,
    .commandBufferCount = 1,
  };
  VkFenceCreateInfo fence = { .sType = VK_STRUCTURE_TYPE_FENCE_CREATE_INFO };
  if (!_hvk_check (vkAllocateCommandBuffers (device->device, &alloc, &self->cmd),
                   "Allocating a command buffer", error) ||
      !_hvk_check (vkCreateFence (device->device, &fence, NULL, &self->fence),
                   "Creating a fence", error))
    return NULL;
  return g_steal_pointer (&self);
}

void
hvk_recorder_free (HvkRecorder *self)
{
  if (self == NULL)
    return;
  VkDevice device = self->device->device;
  if (self->fence != VK_NULL_HANDLE)
    vkDestroyFence (device, self->fence, NULL);
  if (self->pool != VK_NULL_HANDLE)
    vkDestroyCommandPool (device, self->pool, NULL);   /* frees the command buffer in any state */
  g_array_unref (self->written);
  g_array_unref (self->read);
  g_free (self);
}

void
hvk_recorder_begin (HvkRecorder *self)
{
  g_return_if_fail (self != NULL && !self->recording);

  VkCommandBufferBeginInfo begin = {
    .sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO,
    .flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT,
  };
  /* submit() always waited for the previous use, so the buffer is free. */
  vkResetCommandBuffer (self->cmd, 0);
  vkBeginCommandBuffer (self->cmd, &begin);
  g_array_set_size (self->written, 0);
  g_array_set_size (self->read, 0);
  self->recording = TRUE;
}

/* ---- hazards ------------------------------------------------------------------ */

static gboolean
overlaps_any (GArray *ranges, const Range *r)
{
  for (guint i = 0; i < ranges->len; i++)
    {
      const Range *o = &g_array_index (ranges, Range, i);
      if (o->buffer == r->buffer && o->start < r->end && r->start < o->end)
        return TRUE;
    }
  return FALSE;
}

/* Whether an access to r must wait for earlier commands: it reads or writes
 * memory written since the last barrier (RAW, WAW), or writes memory read
 * since then (WAR). */
static gboolean
is_hazard (HvkRecorder *self, const Range *r, gboolean writes)
{
  return overlaps_any (self->written, r) || (writes && overlaps_any (self->read, r));
}

static void
barrier (HvkRecorder *self)
{
  VkMemoryBarrier barrier = {
    .sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER,
    .srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_WRITE_BIT,
    .dstAccessMask = VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT |
                     VK_ACCESS_TRANSFER_READ_BIT | VK_ACCESS_TRANSFER_WRITE_BIT,
  };
  VkPipelineStageFlags stages = VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT;
  vkCmdPipelineBarrier (self->cmd, stages, stages, 0, 1, &barrier, 0, NULL, 0, NULL);
  self->device->work.barriers++;
  g_array_set_size (self->written, 0);
  g_array_set_size (self->read, 0);
}

static void
track (HvkRecorder *self, const Range *r, gboolean writes)
{
  g_array_append_val (writes ? self->written : self->read, *r);
}

static Range
binding_range (const HvkBinding *b)
{
  guint64 size = b->range != 0 ? b->range : b->buffer->size - b->offset;
  return (Range) { b->buffer->buffer, b->offset, b->offset + size };
}

/* ---- recording ---------------------------------------------------------------- */

static gboolean
binding_is_valid (HvkRecorder *self, const HvkBinding *b)
{
  const HvkDeviceInfo *info = &self->device->info;
  g_return_val_if_fail (b->buffer != NULL, FALSE);
  g_return_val_if_fail (b->offset % info->min_storage_buffer_offset_alignment == 0, FALSE);
  g_return_val_if_fail (b->offset < b->buffer->size, FALSE);
  g_return_val_if_fail (b->range <= b->buffer->size - b->offset, FALSE);
  guint64 range = b->range != 0 ? b->range : b->buffer->size - b->offset;
  g_return_val_if_fail (range <= info->max_storage_buffer_range, FALSE);
  return TRUE;
}

void
hvk_recorder_dispatch (HvkRecorder *self, HvkPipeline *pipeline,
                       const HvkBinding *bindings, guint n_bindings,
                       const void *push, guint32 push_size,
                       guint32 groups_x, guint32 groups_y, guint32 groups_z)
{
  g_return_if_fail (self != NULL && self->recording && pipeline != NULL);
  g_return_if_fail (n_bindings == pipeline->n_bindings && n_bindings <= 32);
  g_return_if_fail (push_size == pipeline->push_size && (push != NULL || push_size == 0));
  const guint32 *max = self->device->info.max_workgroup_count;
  g_return_if_fail (groups_x >= 1 && groups_y >= 1 && groups_z >= 1);
  g_return_if_fail (groups_x <= max[0] && groups_y <= max[1] && groups_z <= max[2]);

  Range ranges[32];
  VkDescriptorBufferInfo infos[32];
  VkWriteDescriptorSet writes[32];
  gboolean hazard = FALSE;
  for (guint i = 0; i < n_bindings; i++)
    {
      const HvkBinding *b = &bindings[i];
      if (!binding_is_valid (self, b))
        return;
      ranges[i] = binding_range (b);
      hazard = hazard || is_hazard (self, &ranges[i], b->writes);
      infos[i] = (VkDescriptorBufferInfo) {
        .buffer = b->buffer->buffer,
        .offset = b->offset,
        .range = ranges[i].end - ranges[i].start,
      };
      writes[i] = (VkWriteDescriptorSet) {
        .sType = VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET,
        .dstBinding = i,
        .descriptorCount = 1,
        .descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER,
        .pBufferInfo = &infos[i],
      };
    }
  if (hazard)
    barrier (self);
  for (guint i = 0; i < n_bindings; i++)
    track (self, &ranges[i], bindings[i].writes);

  vkCmdBindPipeline (self->cmd, VK_PIPELINE_BIND_POINT_COMPUTE, pipeline->pipeline);
  if (n_bindings > 0)
    self->device->cmd_push_descriptor_set (self->cmd, VK_PIPELINE_BIND_POINT_COMPUTE,
                                           pipeline->layout, 0, n_bindings, writes);
  if (push_size > 0)
    vkCmdPushConstants (self->cmd, pipeline->layout, VK_SHADER_STAGE_COMPUTE_BIT, 0, push_size, push);
  vkCmdDispatch (self->cmd, groups_x, groups_y, groups_z);
  self->device->work.dispatches++;
}

void
hvk_recorder_copy (HvkRecorder *self, HvkBuffer *src, guint64 src_offset,
                   HvkBuffer *dst, guint64 dst_offset, guint64 size)
{
  g_return_if_fail (self != NULL && self->recording && src != NULL && dst != NULL && size > 0);
  g_return_if_fail (src_offset <= src->size && size <= src->size - src_offset);
  g_return_if_fail (dst_offset <= dst->size && size <= dst->size - dst_offset);

  Range from = { src->buffer, src_offset, src_offset + size };
  Range to = { dst->buffer, dst_offset, dst_offset + size };
  if (is_hazard (self, &from, FALSE) || is_hazard (self, &to, TRUE))
    barrier (self);
  track (self, &from, FALSE);
  track (self, &to, TRUE);

  VkBufferCopy region = { .srcOffset = src_offset, .dstOffset = dst_offset, .size = size };
  vkCmdCopyBuffer (self->cmd, src->buffer, dst->buffer, 1, &region);
}

/* Makes every write of the command buffer visible to the host once the
 * fence has signalled (results read through hvk_buffer_map()). */
static void
barrier_to_host (HvkRecorder *self)
{
  VkMemoryBarrier barrier = {
    .sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER,
    .srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_WRITE_BIT,
    .dstAccessMask = VK_ACCESS_HOST_READ_BIT,
  };
  vkCmdPipelineBarrier (self->cmd, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT,
                        VK_PIPELINE_STAGE_HOST_BIT, 0, 1, &barrier, 0, NULL, 0, NULL);
  self->device->work.barriers++;
}

/* Waits in 1 ms steps so a cancellation is noticed, but always until the
 * GPU is done: the buffers must not be reused while it still runs. */
static gboolean
wait_fence (HvkRecorder *self, GCancellable *cancellable, gboolean *cancelled, GError **error)
{
  const guint64 one_ms = 1000 * 1000;
  for (;;)
    {
      VkResult result = vkWaitForFences (self->device->device, 1, &self->fence, VK_TRUE, one_ms);
      if (result == VK_SUCCESS)
        return TRUE;
      if (result != VK_TIMEOUT)
        return _hvk_check (result, "Running GPU work", error);
      if (g_cancellable_is_cancelled (cancellable))
        *cancelled = TRUE;
    }
}

gboolean
hvk_recorder_submit (HvkRecorder *self, GCancellable *cancellable, GError **error)
{
  g_return_val_if_fail (self != NULL && self->recording, FALSE);

  barrier_to_host (self);
  self->recording = FALSE;
  if (!_hvk_check (vkEndCommandBuffer (self->cmd), "Recording GPU work", error))
    return FALSE;

  gboolean cancelled = g_cancellable_is_cancelled (cancellable);
  if (!cancelled)
    {
      VkSubmitInfo submit = {
        .sType = VK_STRUCTURE_TYPE_SUBMIT_INFO,
        .commandBufferCount = 1,
        .pCommandBuffers = &self->cmd,
      };
      if (!_hvk_check (vkResetFences (self->device->device, 1, &self->fence), "Resetting a fence", error) ||
          !_hvk_check (vkQueueSubmit (self->device->queue, 1, &submit, self->fence),
                       "Submitting GPU work", error))
        return FALSE;
      self->device->work.submits++;
      if (!wait_fence (self, cancellable, &cancelled, error))
        return FALSE;
      cancelled = cancelled || g_cancellable_is_cancelled (cancellable);
    }
  if (cancelled)
    {
      g_set_error_literal (error, HEARTH_VULKAN_ERROR, HEARTH_VULKAN_ERROR_CANCELLED,
                           "Cancelled");
      return FALSE;
    }
  return TRUE;
}
