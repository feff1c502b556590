/* weight-upload.h: puts a model's tensors on the device.
 *
 * A model's plan pass adds each tensor it needs together with the view to
 * fill in; weight_upload_run() packs them into a few device buffers at
 * aligned offsets, checks they fit in device memory, and copies each tensor
 * straight from the GGUF mapping, so the weights never exist twice in host
 * memory. Shared by llama-model.c and clip-model.c. */
#pragma once

#include <gio/gio.h>

#include "gguf.h"
#include "hvk-ops.h"

G_BEGIN_DECLS

/* A weight matrix y = W·x on the device: W is [n_out][n_in] of type, as
 * stored in GGUF. Llama and clip models call it LlamaMatrix / ClipMatrix. */
typedef struct {
  HvkType type;
  HvkView view;
  guint32 n_in;
  guint32 n_out;
} WeightMatrix;

/* done_bytes of total_bytes of tensor data are on the device. */
typedef void (*WeightProgressFunc) (guint64 done_bytes, guint64 total_bytes, gpointer user_data);

typedef struct _WeightUpload WeightUpload;

WeightUpload *weight_upload_new  (void);
void          weight_upload_free (WeightUpload *upload);

/* Tensor t goes to the device; *view is set once it is there. */
void          weight_upload_add  (WeightUpload *upload, const GgufTensor *t, HvkView *view);

/* Allocates the buffers and uploads every added tensor. Returns the buffers
 * (HvkBuffer *, freed with the array) and their total size in *out_bytes;
 * NULL with HEARTH_VULKAN_ERROR_OUT_OF_DEVICE_MEMORY when the weights cannot
 * fit, HEARTH_ENGINE_ERROR_CANCELLED when cancellable fired. */
GPtrArray    *weight_upload_run  (WeightUpload *upload, HvkDevice *device, GgufFile *file,
                                  WeightProgressFunc progress, gpointer user_data,
                                  GCancellable *cancellable, guint64 *out_bytes, GError **error);

/* The kernels' type for matrix t with rows of n_in elements; FALSE with
 * an error naming the tensor and its type when no kernel runs that type,
 * or when n_in is not a multiple of its block size. */
gboolean      weight_matrix_type      (GgufFile *file, const GgufTensor *t, guint32 n_in,
                                       HvkType *out, GError **error);
/* Whether a kernel runs tensors of GGML type id. */
gboolean      weight_type_is_runnable (guint32 type);

/* The name of GGML type id for messages; "unknown" for an id we do not know. */
const char   *weight_type_name   (guint32 type);

/* Sets a HEARTH_ENGINE_ERROR code error "<file's path>: <message>" and
 * returns FALSE, for the plan passes' checks of metadata and tensors. */
gboolean      weight_file_error  (GgufFile *file, GError **error, gint code,
                                  const char *format, ...) G_GNUC_PRINTF (4, 5);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (WeightUpload, weight_upload_free)

G_END_DECLS
