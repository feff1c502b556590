/* hvk.h: Hearth's Vulkan runtime. One device, its memory, pipelines built
 * from the SPIR-V embedded in the binary, and a recorder that turns a
 * sequence of compute dispatches into one command buffer and one submit.
 *
 * Knows nothing about models. Not thread-safe by design: the engine thread
 * is the single owner of an HvkDevice and everything made from it. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define HEARTH_VULKAN_ERROR (hearth_vulkan_error_quark ())
GQuark hearth_vulkan_error_quark (void);

typedef enum {
  HEARTH_VULKAN_ERROR_NO_VULKAN,            /* no loader or no ICD installed */
  HEARTH_VULKAN_ERROR_NO_DEVICE,            /* no usable device / override matched nothing */
  HEARTH_VULKAN_ERROR_UNSUPPORTED,          /* device lacks a required feature */
  HEARTH_VULKAN_ERROR_OUT_OF_DEVICE_MEMORY,
  HEARTH_VULKAN_ERROR_OUT_OF_HOST_MEMORY,
  HEARTH_VULKAN_ERROR_DEVICE_LOST,
  HEARTH_VULKAN_ERROR_SHADER,               /* unknown shader name, bad SPIR-V, pipeline creation failed */
  HEARTH_VULKAN_ERROR_CANCELLED,
  HEARTH_VULKAN_ERROR_FAILED,
} HearthVulkanError;

typedef enum {
  HVK_DEVICE_DISCRETE,
  HVK_DEVICE_INTEGRATED,
  HVK_DEVICE_VIRTUAL,
  HVK_DEVICE_CPU,
  HVK_DEVICE_OTHER,
} HvkDeviceType;

/* What the rest of Hearth may want to know about the device. */
typedef struct {
  char          name[256];
  char          driver[256];        /* driverName + driverInfo */
  HvkDeviceType type;
  guint32       vendor_id;
  guint32       device_id;
  guint32       api_version;
  guint64       device_local_bytes; /* largest DEVICE_LOCAL heap */
  guint64       max_storage_buffer_range;
  guint64       max_allocation_size;
  guint64       min_storage_buffer_offset_alignment;
  guint32       max_push_constants_size;
  guint32       max_shared_memory_size;
  guint32       max_workgroup_invocations;
  guint32       max_workgroup_count[3];
  guint32       subgroup_size;
  gboolean      has_fp16_arithmetic;   /* shaderFloat16 */
  gboolean      has_int8_storage;      /* storageBuffer8BitAccess */
  gboolean      has_integer_dot;       /* shaderIntegerDotProduct */
  gboolean      has_cooperative_matrix;
} HvkDeviceInfo;

typedef struct _HvkDevice   HvkDevice;
typedef struct _HvkBuffer   HvkBuffer;
typedef struct _HvkPipeline HvkPipeline;
typedef struct _HvkRecorder HvkRecorder;

/* ---- devices ------------------------------------------------------------ */

/* All physical devices in selection order (discrete, integrated, virtual,
 * CPU), as an array of HvkDeviceInfo. Used by `hearth-cli info`. */
GArray      *hvk_list_devices (GError **error);

/* Opens the preferred device, or the one named by HEARTH_VULKAN_DEVICE
 * (an index into hvk_list_devices() order, or a case-insensitive substring
 * of the device name). With HEARTH_VULKAN_VALIDATION=1 the Khronos
 * validation layer is enabled and every message it reports is logged with
 * g_critical() (so tests running with G_DEBUG=fatal-criticals fail).
 * Loads the pipeline cache from $XDG_CACHE_HOME/hearth/. */
HvkDevice   *hvk_device_new  (GError **error);
/* Waits for idle, saves the pipeline cache, destroys everything. */
void         hvk_device_free (HvkDevice *device);
const HvkDeviceInfo *hvk_device_get_info (HvkDevice *device);

/* Work recorded on the device since it was opened. Benchmarks divide the
 * difference over a run by its tokens. */
typedef struct {
  guint64 dispatches;
  guint64 barriers;   /* pipeline barriers, the one before the host reads included */
  guint64 submits;
} HvkWorkCounts;

void         hvk_device_get_work_counts (HvkDevice *device, HvkWorkCounts *out);
/* Memory bandwidth (bytes read + written per second) of a streaming copy
 * between two device-local buffers: the best of a few runs. Takes about a
 * second on a CPU device; callers cache it. */
gboolean     hvk_device_measure_bandwidth (HvkDevice *device, double *bytes_per_second,
                                           GError **error);

/* ---- buffers ------------------------------------------------------------ */

typedef enum {
  HVK_BUFFER_DEVICE,     /* device-local storage buffer (weights, activations, KV cache) */
  HVK_BUFFER_HOST,       /* host-visible + coherent, mappable: inputs, read-back */
} HvkBufferKind;

/* Size may exceed max_storage_buffer_range (but not max_allocation_size);
 * bind such a buffer in ranges. Fails with OUT_OF_DEVICE_MEMORY and a
 * message that says how much was asked and how much the heap has. */
HvkBuffer   *hvk_buffer_new   (HvkDevice *device, guint64 size, HvkBufferKind kind, GError **error);
void         hvk_buffer_free  (HvkBuffer *buffer);
/* HVK_BUFFER_HOST only: persistent mapping. */
void        *hvk_buffer_map   (HvkBuffer *buffer);

/* Copies host memory (e.g. straight out of an mmapped GGUF) into any buffer
 * through the device's bounded staging ring: never more than a few MiB of
 * staging memory, however large the data. Blocks until the copy is done. */
gboolean     hvk_buffer_upload   (HvkBuffer *buffer, guint64 offset, const void *data, guint64 size, GError **error);
gboolean     hvk_buffer_download (HvkBuffer *buffer, guint64 offset, void *data, guint64 size, GError **error);
/* Fills with zero bytes (vkCmdFillBuffer). */
gboolean     hvk_buffer_clear    (HvkBuffer *buffer, GError **error);

/* ---- pipelines ---------------------------------------------------------- */

/* A compute pipeline from an embedded shader (name as in the shader table,
 * e.g. "matmul_q4_k"). Every binding is a storage buffer at set 0, binding
 * 0..n_bindings-1, bound by push descriptors. push_size must match the
 * shader's push-constant block. spec holds specialization constants
 * 0..n_spec-1 (u32 each; constant_id N gets spec[N]). */
HvkPipeline *hvk_pipeline_new  (HvkDevice *device, const char *shader_name,
                                guint n_bindings, guint32 push_size,
                                const guint32 *spec, guint n_spec, GError **error);
void         hvk_pipeline_free (HvkPipeline *pipeline);

/* ---- recording ------------------------------------------------------------ */

/* A view of a buffer for one binding. range 0 means "to the end" (it must
 * still be <= max_storage_buffer_range). offset must be a multiple of
 * min_storage_buffer_offset_alignment. */
typedef struct {
  HvkBuffer *buffer;
  guint64    offset;
  guint64    range;
  gboolean   writes;    /* the dispatch writes this binding: used for barriers */
} HvkBinding;

HvkRecorder *hvk_recorder_new  (HvkDevice *device, GError **error);
void         hvk_recorder_free (HvkRecorder *recorder);
/* Starts a new command buffer (waits for the previous submit if needed). */
void         hvk_recorder_begin (HvkRecorder *recorder);
/* Records one dispatch. Inserts a compute->compute memory barrier only
 * where this dispatch reads or writes a buffer range written since the last
 * barrier (read-after-write, write-after-write, write-after-read). */
void         hvk_recorder_dispatch (HvkRecorder *recorder, HvkPipeline *pipeline,
                                    const HvkBinding *bindings, guint n_bindings,
                                    const void *push, guint32 push_size,
                                    guint32 groups_x, guint32 groups_y, guint32 groups_z);
/* Buffer-to-buffer copy inside the same command buffer (with barriers). */
void         hvk_recorder_copy (HvkRecorder *recorder, HvkBuffer *src, guint64 src_offset,
                                HvkBuffer *dst, guint64 dst_offset, guint64 size);
/* Ends, submits once, waits. Polls the cancellable while waiting; a
 * cancelled wait still waits for the GPU but returns CANCELLED. */
gboolean     hvk_recorder_submit (HvkRecorder *recorder, GCancellable *cancellable, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HvkDevice, hvk_device_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HvkBuffer, hvk_buffer_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HvkPipeline, hvk_pipeline_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HvkRecorder, hvk_recorder_free)

G_END_DECLS
