#define G_LOG_DOMAIN "hearth-weights"

#include "weight-upload.h"

#include <sys/mman.h>
#include <unistd.h>

#include "hearth-engine-error.h"

typedef struct {
  const GgufTensor *tensor;
  HvkView          *view;      /* filled in once the buffer exists */
  guint             buffer;    /* index into the buffers */
  guint64           offset;
} Placement;

struct _WeightUpload {
  GArray *placements;          /* Placement, in the order added */
};

WeightUpload *
weight_upload_new (void)
{
  WeightUpload *upload = g_new0 (WeightUpload, 1);
  upload->placements = g_array_new (FALSE, TRUE, sizeof (Placement));
  return upload;
}

void
weight_upload_free (WeightUpload *upload)
{
  if (upload == NULL)
    return;
  g_array_unref (upload->placements);
  g_free (upload);
}

void
weight_upload_add (WeightUpload *upload, const GgufTensor *t, HvkView *view)
{
  Placement p = { .tensor = t, .view = view };
  g_array_append_val (upload->placements, p);
}

/* Packs tensors into buffers of at most one binding range each, so every
 * tensor can be bound whole; a tensor larger than that gets a buffer of its
 * own (the ops bind it in ranges). Returns the size of each buffer. */
static GArray *
layout_buffers (GArray *placements, const HvkDeviceInfo *info)
{
  guint64 align = MAX (info->min_storage_buffer_offset_alignment, 16);
  guint64 limit = MIN (info->max_storage_buffer_range, info->max_allocation_size);
  GArray *sizes = g_array_new (FALSE, TRUE, sizeof (guint64));
  guint64 zero = 0;

  g_array_append_val (sizes, zero);
  for (guint i = 0; i < placements->len; i++)
    {
      Placement *p = &g_array_index (placements, Placement, i);
      guint64 n = (p->tensor->n_bytes + 15) / 16 * 16;
      guint last = sizes->len - 1;
      guint64 offset = (g_array_index (sizes, guint64, last) + align - 1) / align * align;

      if (offset > 0 && offset + n > limit)
        {
          g_array_append_val (sizes, zero);
          last++;
          offset = 0;
        }
      p->buffer = last;
      p->offset = offset;
      g_array_index (sizes, guint64, last) = offset + n;
    }
  return sizes;
}

static gboolean
check_device_memory (HvkDevice *device, GgufFile *file, guint64 bytes, GError **error)
{
  const HvkDeviceInfo *info = hvk_device_get_info (device);

  if (info->device_local_bytes == 0 || bytes <= info->device_local_bytes)
    return TRUE;
  g_set_error (error, HEARTH_VULKAN_ERROR, HEARTH_VULKAN_ERROR_OUT_OF_DEVICE_MEMORY,
               "%s needs %" G_GUINT64_FORMAT " MiB of device memory for its weights, but %s "
               "has %" G_GUINT64_FORMAT " MiB; choose a smaller or more strongly quantized model",
               gguf_file_get_path (file), bytes >> 20, info->name, info->device_local_bytes >> 20);
  return FALSE;
}

static gboolean
allocate_buffers (GPtrArray *buffers, HvkDevice *device, GgufFile *file, GArray *sizes,
                  guint64 bytes, GError **error)
{
  for (guint i = 0; i < sizes->len; i++)
    {
      guint64 size = g_array_index (sizes, guint64, i);
      HvkBuffer *b = hvk_buffer_new (device, size, HVK_BUFFER_DEVICE, error);

      if (b == NULL)
        {
          g_prefix_error (error, "Loading %" G_GUINT64_FORMAT " MiB of weights from %s: ",
                          bytes >> 20, gguf_file_get_path (file));
          return FALSE;
        }
      g_ptr_array_add (buffers, b);
    }
  return TRUE;
}

/* Drops the mapped pages of an uploaded tensor from this process. Each page
 * read from the mapping stays resident, so without this a device whose
 * memory is host memory (lavapipe, integrated GPUs) peaks at twice the
 * weights; the file stays mapped, a later read faults the page back in. */
static void
release_mapped (const guint8 *data, guint64 n_bytes)
{
  guintptr page = (guintptr) sysconf (_SC_PAGESIZE);
  guintptr start = ((guintptr) data + page - 1) & ~(page - 1);
  guintptr end = ((guintptr) data + n_bytes) & ~(page - 1);

  if (end > start)
    madvise ((void *) start, end - start, MADV_DONTNEED);
}

static gboolean
upload_tensors (GPtrArray *buffers, GgufFile *file, GArray *placements,
                WeightProgressFunc progress, gpointer user_data,
                GCancellable *cancellable, GError **error)
{
  guint64 total = 0, done = 0;

  for (guint i = 0; i < placements->len; i++)
    total += g_array_index (placements, Placement, i).tensor->n_bytes;

  for (guint i = 0; i < placements->len; i++)
    {
      Placement *p = &g_array_index (placements, Placement, i);
      HvkBuffer *b = g_ptr_array_index (buffers, p->buffer);

      if (g_cancellable_is_cancelled (cancellable))
        {
          g_set_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_CANCELLED,
                       "loading %s was cancelled", gguf_file_get_path (file));
          return FALSE;
        }
      if (!hvk_buffer_upload (b, p->offset, p->tensor->data, p->tensor->n_bytes, error))
        {
          g_prefix_error (error, "%s: uploading tensor '%s': ", gguf_file_get_path (file),
                          p->tensor->name);
          return FALSE;
        }
      release_mapped (p->tensor->data, p->tensor->n_bytes);
      *p->view = (HvkView) { .buffer = b, .offset = p->offset };
      done += p->tensor->n_bytes;
      if (progress != NULL)
        progress (done, total, user_data);
    }
  return TRUE;
}

GPtrArray *
weight_upload_run (WeightUpload *upload, HvkDevice *device, GgufFile *file,
                   WeightProgressFunc progress, gpointer user_data,
                   GCancellable *cancellable, guint64 *out_bytes, GError **error)
{
  g_autoptr (GArray) sizes = layout_buffers (upload->placements, hvk_device_get_info (device));
  g_autoptr (GPtrArray) buffers = g_ptr_array_new_with_free_func ((GDestroyNotify) hvk_buffer_free);
  guint64 bytes = 0;

  for (guint i = 0; i < sizes->len; i++)
    bytes += g_array_index (sizes, guint64, i);
  if (!check_device_memory (device, file, bytes, error) ||
      !allocate_buffers (buffers, device, file, sizes, bytes, error) ||
      !upload_tensors (buffers, file, upload->placements, progress, user_data, cancellable, error))
    return NULL;
  if (out_bytes != NULL)
    *out_bytes = bytes;
  return g_steal_pointer (&buffers);
}

gboolean
weight_matrix_type (GgufFile *file, const GgufTensor *t, guint32 n_in, HvkType *out, GError **error)
{
  if (!hvk_type_from_ggml (t->type, out))
    return weight_file_error (file, error, HEARTH_ENGINE_ERROR_UNSUPPORTED,
                              "tensor '%s' has type %s (%u), which Hearth cannot run yet; "
                              "use a file whose tensors are %s",
                              t->name, weight_type_name (t->type), t->type, hvk_types_describe ());
  if (n_in % hvk_type_block_size (*out) != 0)
    return weight_file_error (file, error, HEARTH_ENGINE_ERROR_CORRUPT_FILE,
                              "tensor '%s' rows have %u elements, not a multiple "
                              "of the %s block size %u", t->name, n_in, weight_type_name (t->type),
                              hvk_type_block_size (*out));
  return TRUE;
}

gboolean
weight_type_is_runnable (guint32 type)
{
  HvkType unused;
  return hvk_type_from_ggml (type, &unused);
}

const char *
weight_type_name (guint32 type)
{
  const GgmlTypeTraits *traits = ggml_type_traits (type);
  return traits != NULL ? traits->name : "unknown";
}

gboolean
weight_file_error (GgufFile *file, GError **error, gint code, const char *format, ...)
{
  va_list args;
  va_start (args, format);
  g_autofree char *message = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, HEARTH_ENGINE_ERROR, code, "%s: %s", gguf_file_get_path (file), message);
  return FALSE;
}
