#define G_LOG_DOMAIN "hearth-vulkan"

/* ops-matmul.c: matrix × vector (decode), matrix × matrix (prefill) and
 * embedding lookup for weights of every HvkType, read as stored in GGUF.
 *
 * A weight or table larger than one storage binding may span
 * (max_storage_buffer_range) is processed in slices of whole rows, one
 * dispatch each; every slice starts at an offset aligned to
 * min_storage_buffer_offset_alignment and writes its own rows of y. */

#include "hvk-ops-private.h"
#include "ops-matmul-private.h"
#include "hvk-shaders.h"

/* Mirrors the push block of matvec.comp and matmul.comp. */
typedef struct {
  guint32 n_in;
  guint32 n_out;      /* weight rows in this dispatch */
  guint32 n_tokens;
  guint32 row0;       /* row of y that this dispatch's first weight row writes */
  guint32 y_stride;   /* floats between tokens of y: the full n_out */
  guint32 expert0;    /* matvec_id: first expert bound in this dispatch */
  guint32 n_experts;  /* matvec_id: experts bound */
  guint32 pad0;
} MatmulPush;
_Static_assert (sizeof (MatmulPush) == 32, "MatmulPush must match matvec.comp / matmul.comp");

/* Mirrors the push block of get_rows.comp. */
typedef struct {
  guint32 n_cols;
  guint32 row0;       /* first table row bound in this dispatch */
  guint32 n_rows;     /* table rows bound in this dispatch */
  guint32 n_ids;
} GetRowsPush;
_Static_assert (sizeof (GetRowsPush) == 16, "GetRowsPush must match get_rows.comp");

/* matmul.comp's tile, matmul_rb.comp's tokens per workgroup and
 * get_rows.comp's workgroup (see the shaders). */
#define MATMUL_TILE_ROWS   64
#define MATMUL_TILE_TOKENS 32
#define MATMUL_RB_LANES    8
#define MATMUL_RB_ROWS     (4 * MATMUL_RB_LANES)
#define MATMUL_RB_TOKENS   8
#define GET_ROWS_WG        64
#define UNIT               16

/* Test hooks (ops-matmul-private.h). A Hearth process has one device and
 * one ops object, so file-level values are enough. */
static struct {
  guint64  max_binding_range;   /* 0: the device's limit */
  gboolean gpu_kernels;         /* GPU kernels and workgroup shapes on a CPU driver too */
} test_hooks;

void
_hvk_ops_set_max_binding_range (HvkOps *ops, guint64 max_range)
{
  test_hooks.max_binding_range = max_range;
}

void
_hvk_ops_set_gpu_kernels (HvkOps *ops, gboolean gpu)
{
  test_hooks.gpu_kernels = gpu;
}

/* CPU drivers (lavapipe) run a subgroup as SIMD lanes of one CPU thread and
 * a barrier as a costly switch between invocations: they get kernels with
 * one subgroup per workgroup and no barrier. */
static gboolean
wants_cpu_kernels (HvkOps *ops)
{
  return hvk_device_get_info (hvk_ops_get_device (ops))->type == HVK_DEVICE_CPU &&
         !test_hooks.gpu_kernels;
}

static guint64
max_binding_range (HvkOps *ops)
{
  const HvkDeviceInfo *info = hvk_device_get_info (hvk_ops_get_device (ops));

  if (test_hooks.max_binding_range != 0)
    return MIN (test_hooks.max_binding_range, info->max_storage_buffer_range);
  return info->max_storage_buffer_range;
}

static guint64
offset_alignment (HvkOps *ops)
{
  return MAX (hvk_device_get_info (hvk_ops_get_device (ops))->min_storage_buffer_offset_alignment, 1);
}

static guint64
gcd64 (guint64 a, guint64 b)
{
  while (b != 0)
    {
      guint64 t = a % b;
      a = b;
      b = t;
    }
  return a;
}

/* The most rows of row_bytes each that one binding may hold such that the
 * next slice's offset stays aligned (at most max_rows); 0 with error set if
 * not even one aligned group of rows fits. */
static guint64
rows_per_slice (HvkOps *ops, guint64 row_bytes, guint64 max_rows, const char *what,
                GError **error)
{
  guint64 align = offset_alignment (ops);
  guint64 step = align / gcd64 (row_bytes, align);
  guint64 rows = MIN (max_binding_range (ops) / row_bytes, max_rows);

  rows -= rows % step;
  if (rows == 0)
    g_set_error (error, HEARTH_VULKAN_ERROR, HEARTH_VULKAN_ERROR_UNSUPPORTED,
                 "%s: %" G_GUINT64_FORMAT " rows of %" G_GUINT64_FORMAT " bytes do not fit "
                 "into one storage buffer binding of this device (%" G_GUINT64_FORMAT " bytes); "
                 "use a model with smaller rows or another device",
                 what, step, row_bytes, max_binding_range (ops));
  return rows;
}

/* The binding of an activation view (f32 or i32) of n_bytes; FALSE with
 * error set if it is too large for one binding (activations are not split). */
static gboolean
bind_activations (HvkOps *ops, HvkView view, guint64 n_bytes, gboolean writes,
                  const char *what, HvkBinding *binding, GError **error)
{
  const HvkDeviceInfo *info = hvk_device_get_info (hvk_ops_get_device (ops));

  g_return_val_if_fail (view.offset % offset_alignment (ops) == 0, FALSE);
  if (n_bytes > info->max_storage_buffer_range)
    {
      g_set_error (error, HEARTH_VULKAN_ERROR, HEARTH_VULKAN_ERROR_UNSUPPORTED,
                   "%s: %" G_GUINT64_FORMAT " bytes of activations exceed one storage buffer "
                   "binding of this device (%" G_GUINT64_FORMAT " bytes); use a smaller batch",
                   what, n_bytes, info->max_storage_buffer_range);
      return FALSE;
    }
  *binding = _hvk_bind (view, n_bytes, writes);
  return TRUE;
}

/* matvec.comp's specialization: threads, rows per workgroup, ONE_SUBGROUP.
 * GPUs: a few subgroups per workgroup to hide memory latency. CPU drivers:
 * one subgroup per workgroup needs no barrier, and 4 rows amortize the
 * per-workgroup cost (about twice as fast as 64 threads × 2 rows on
 * lavapipe, see tests/bench-matmul.c). */
static void
matvec_shape (HvkOps *ops, guint32 spec[3])
{
  const HvkDeviceInfo *info = hvk_device_get_info (hvk_ops_get_device (ops));

  if (wants_cpu_kernels (ops))
    {
      spec[0] = info->subgroup_size;
      spec[1] = 4;
      spec[2] = TRUE;
    }
  else
    {
      spec[0] = CLAMP (info->subgroup_size * 4, 32, 128);  /* <= 64 subgroups (partial[]) */
      spec[1] = 2;
      spec[2] = FALSE;
    }
}

/* How hvk_op_matmul computes a product: the shader, its specialization and
 * how many rows and tokens one workgroup covers. */
typedef struct {
  HvkWeightKernel kernel;
  guint32     spec[3];
  guint       n_spec;
  guint32     rows_per_group;
  guint32     tokens_per_group;  /* 0: the shader handles one token (matvec) */
} MatmulKernel;

/* One token: matvec.comp. Batches: the tiled matmul.comp on GPUs (shared
 * memory reuse), the register-blocked matmul_rb.comp (one subgroup per
 * workgroup) on CPU drivers, where the tiled kernel's barriers cost more
 * per token than matvec itself. */
static void
choose_kernel (HvkOps *ops, guint n_tokens, MatmulKernel *k)
{
  const HvkDeviceInfo *info = hvk_device_get_info (hvk_ops_get_device (ops));

  if (n_tokens == 1)
    {
      *k = (MatmulKernel) { .kernel = HVK_KERNEL_MATVEC, .n_spec = 3 };
      matvec_shape (ops, k->spec);
      k->rows_per_group = k->spec[1];
    }
  else if (wants_cpu_kernels (ops) && info->subgroup_size == MATMUL_RB_LANES)
    *k = (MatmulKernel) { HVK_KERNEL_MATMUL_RB, { 0 }, 0, MATMUL_RB_ROWS, MATMUL_RB_TOKENS };
  else
    *k = (MatmulKernel) { HVK_KERNEL_MATMUL, { 0 }, 0, MATMUL_TILE_ROWS, MATMUL_TILE_TOKENS };
}

gboolean
hvk_op_matmul (HvkOps *ops, HvkRecorder *rec, HvkType wtype, HvkView w,
               HvkView x, HvkView y, guint n_in, guint n_out, guint n_tokens,
               GError **error)
{
  const HvkDeviceInfo *info = hvk_device_get_info (hvk_ops_get_device (ops));
  guint64 row_bytes;
  MatmulKernel k;
  guint64 max_rows, slice_rows;
  HvkBinding bx, by;
  MatmulPush push = { .n_in = n_in, .n_tokens = n_tokens, .y_stride = n_out };
  const char *name;
  HvkPipeline *pipeline;

  g_return_val_if_fail (n_in > 0 && n_out > 0 && n_tokens > 0, FALSE);
  g_return_val_if_fail (n_in % hvk_type_block_size (wtype) == 0, FALSE);
  g_return_val_if_fail (w.offset % offset_alignment (ops) == 0, FALSE);
  row_bytes = hvk_type_row_size (wtype, n_in);

  choose_kernel (ops, n_tokens, &k);
  name = hvk_weight_shader (k.kernel, wtype)->name;
  pipeline = _hvk_ops_pipeline (ops, name, 3, sizeof (MatmulPush),
                                k.n_spec > 0 ? k.spec : NULL, k.n_spec, error);
  if (pipeline == NULL)
    return FALSE;

  /* The matrix kernels number row groups over x only. */
  max_rows = k.tokens_per_group == 0 ? G_MAXUINT32
                                     : (guint64) info->max_workgroup_count[0] * k.rows_per_group;
  slice_rows = rows_per_slice (ops, row_bytes, max_rows, name, error);
  if (slice_rows == 0)
    return FALSE;
  if (!bind_activations (ops, x, (guint64) n_tokens * n_in * 4, FALSE, name, &bx, error) ||
      !bind_activations (ops, y, (guint64) n_tokens * n_out * 4, TRUE, name, &by, error))
    return FALSE;

  for (guint64 row0 = 0; row0 < n_out; row0 += slice_rows)
    {
      guint64 rows = MIN (slice_rows, n_out - row0);
      guint64 row_groups = (rows + k.rows_per_group - 1) / k.rows_per_group;
      HvkBinding bindings[3] = {
        _hvk_bind ((HvkView) { w.buffer, w.offset + row0 * row_bytes }, rows * row_bytes, FALSE),
        bx,
        by,
      };
      guint32 gx, gy;

      push.n_out = rows;
      push.row0 = row0;
      if (k.tokens_per_group == 0)
        _hvk_groups_1d (ops, row_groups, &gx, &gy);
      else
        {
          gx = row_groups;
          gy = (n_tokens + k.tokens_per_group - 1) / k.tokens_per_group;
        }
      hvk_recorder_dispatch (rec, pipeline, bindings, 3, &push, sizeof push, gx, gy, 1);
    }
  return TRUE;
}

gboolean
hvk_op_get_rows (HvkOps *ops, HvkRecorder *rec, HvkType type, HvkView table,
                 guint n_rows, guint n_cols, HvkView ids, HvkView out,
                 guint n_ids, GError **error)
{
  const HvkDeviceInfo *info = hvk_device_get_info (hvk_ops_get_device (ops));
  guint64 row_bytes;
  guint64 slice_rows;
  HvkBinding bids, bout;
  GetRowsPush push = { .n_cols = n_cols, .n_ids = n_ids };
  const char *name;
  HvkPipeline *pipeline;
  guint32 units = (n_cols + UNIT - 1) / UNIT;

  g_return_val_if_fail (n_rows > 0 && n_cols > 0 && n_ids > 0, FALSE);
  g_return_val_if_fail (n_cols % hvk_type_block_size (type) == 0, FALSE);
  g_return_val_if_fail (table.offset % offset_alignment (ops) == 0, FALSE);
  row_bytes = hvk_type_row_size (type, n_cols);

  name = hvk_weight_shader (HVK_KERNEL_GET_ROWS, type)->name;
  pipeline = _hvk_ops_pipeline (ops, name, 3, sizeof (GetRowsPush), NULL, 0, error);
  if (pipeline == NULL)
    return FALSE;

  slice_rows = rows_per_slice (ops, row_bytes, G_MAXUINT32, name, error);
  if (slice_rows == 0)
    return FALSE;
  if (!bind_activations (ops, ids, (guint64) n_ids * 4, FALSE, name, &bids, error) ||
      !bind_activations (ops, out, (guint64) n_ids * n_cols * 4, TRUE, name, &bout, error))
    return FALSE;

  for (guint64 row0 = 0; row0 < n_rows; row0 += slice_rows)
    {
      guint64 rows = MIN (slice_rows, n_rows - row0);
      HvkBinding bindings[3] = {
        _hvk_bind ((HvkView) { table.buffer, table.offset + row0 * row_bytes }, rows * row_bytes, FALSE),
        bids,
        bout,
      };

      push.row0 = row0;
      push.n_rows = rows;
      hvk_recorder_dispatch (rec, pipeline, bindings, 3, &push, sizeof push,
                             (units + GET_ROWS_WG - 1) / GET_ROWS_WG,
                             MIN (n_ids, info->max_workgroup_count[1]), 1);
    }
  return TRUE;
}

gboolean
hvk_op_matmul_id (HvkOps *ops, HvkRecorder *rec, HvkType wtype, HvkView w, guint n_expert,
                  HvkView ids, HvkView x, HvkView y, guint n_in, guint n_out, guint n_rows,
                  GError **error)
{
  const HvkDeviceInfo *info = hvk_device_get_info (hvk_ops_get_device (ops));
  guint64 row_bytes, expert_bytes, experts_per_slice;
  guint32 spec[3], gx, gy;
  HvkBinding bids, bx, by;
  MatmulPush push = { .n_in = n_in, .n_out = n_out, .n_tokens = n_rows, .y_stride = n_out };
  const char *name;
  HvkPipeline *pipeline;

  g_return_val_if_fail (n_in > 0 && n_out > 0 && n_rows > 0 && n_expert > 0, FALSE);
  g_return_val_if_fail (n_rows <= info->max_workgroup_count[2], FALSE);
  g_return_val_if_fail (n_in % hvk_type_block_size (wtype) == 0, FALSE);
  g_return_val_if_fail (w.offset % offset_alignment (ops) == 0, FALSE);
  row_bytes = hvk_type_row_size (wtype, n_in);
  expert_bytes = row_bytes * n_out;

  matvec_shape (ops, spec);
  name = hvk_weight_shader (HVK_KERNEL_MATVEC_ID, wtype)->name;
  pipeline = _hvk_ops_pipeline (ops, name, 4, sizeof (MatmulPush), spec, 3, error);
  if (pipeline == NULL)
    return FALSE;

  /* Whole experts per binding, each slice starting aligned. */
  experts_per_slice = rows_per_slice (ops, expert_bytes, n_expert, name, error);
  if (experts_per_slice == 0)
    return FALSE;
  if (!bind_activations (ops, ids, (guint64) n_rows * 4, FALSE, name, &bids, error) ||
      !bind_activations (ops, x, (guint64) n_rows * n_in * 4, FALSE, name, &bx, error) ||
      !bind_activations (ops, y, (guint64) n_rows * n_out * 4, TRUE, name, &by, error))
    return FALSE;

  _hvk_groups_1d (ops, (n_out + spec[1] - 1) / spec[1], &gx, &gy);
  for (guint64 e0 = 0; e0 < n_expert; e0 += experts_per_slice)
    {
      guint64 count = MIN (experts_per_slice, n_expert - e0);
      HvkBinding bindings[4] = {
        _hvk_bind ((HvkView) { w.buffer, w.offset + e0 * expert_bytes }, count * expert_bytes, FALSE),
        bx,
        by,
        bids,
      };

      push.expert0 = e0;
      push.n_experts = count;
      hvk_recorder_dispatch (rec, pipeline, bindings, 4, &push, sizeof push, gx, gy, n_rows);
    }
  return TRUE;
}
