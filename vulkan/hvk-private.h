/* hvk-private.h: the structs shared by the hvk-*.c files. Nothing outside
 * vulkan/ (except the runtime's own tests) should include this. */
#pragma once

#include <vulkan/vulkan.h>

#include "hvk.h"

/* Uploads and downloads go through two staging chunks used alternately:
 * while one chunk's copy runs on the GPU the CPU fills the other. */
#define HVK_STAGING_SLOTS      2
#define HVK_STAGING_SLOT_BYTES (8u * 1024 * 1024)

typedef struct {
  HvkBuffer      *buffer;       /* HVK_BUFFER_HOST, persistently mapped */
  VkCommandBuffer cmd;
  VkFence         fence;
  gboolean        pending;      /* submitted, fence not yet waited for */
  void           *readback_to;  /* download: where the chunk goes once done */
  gsize           readback_size;
} HvkStagingSlot;

struct _HvkDevice {
  VkInstance               instance;
  VkDebugUtilsMessengerEXT messenger;
  VkPhysicalDevice         physical;
  VkDevice                 device;
  VkQueue                  queue;
  guint32                  queue_family;
  HvkDeviceInfo            info;
  VkPhysicalDeviceMemoryProperties memory;  /* heap sizes capped at heap_limit */
  guint64                  heap_limit;       /* 0: the driver's heaps as they are */
  guint64                  heap_used[VK_MAX_MEMORY_HEAPS]; /* counted while heap_limit is set */
  guint8                   pipeline_cache_uuid[VK_UUID_SIZE];
  guint32                  driver_version;

  VkPipelineCache          pipeline_cache;
  char                    *pipeline_cache_path;
  gboolean                 pipeline_cache_loaded;  /* a valid file was found at open */

  PFN_vkCmdPushDescriptorSetKHR cmd_push_descriptor_set;

  VkCommandPool            staging_pool;
  HvkStagingSlot           staging[HVK_STAGING_SLOTS];
  guint                    staging_next;
};

struct _HvkBuffer {
  HvkDevice     *device;
  VkBuffer       buffer;
  VkDeviceMemory memory;
  guint32        heap;
  guint64        allocated;  /* bytes of memory, counted against the heap */
  guint64        size;
  HvkBufferKind  kind;
  void          *map;
};

struct _HvkPipeline {
  HvkDevice            *device;
  VkDescriptorSetLayout set_layout;
  VkPipelineLayout      layout;
  VkPipeline            pipeline;
  guint                 n_bindings;
  guint32               push_size;
};

/* Sets error from a failed VkResult: device loss, memory exhaustion and the
 * rest each get their own code; `what` says what was being done. */
gboolean _hvk_check (VkResult result, const char *what, GError **error);

/* hvk-buffer.c: the staging ring. */
gboolean _hvk_staging_init (HvkDevice *device, GError **error);
void     _hvk_staging_fini (HvkDevice *device);

/* hvk-pipeline.c: the on-disk pipeline cache. */
void     _hvk_pipeline_cache_load (HvkDevice *device);
void     _hvk_pipeline_cache_save (HvkDevice *device);
