#define G_LOG_DOMAIN "hearth-test"

/* test-ops-pixel-shuffle: pixel_shuffle.comp against a scalar C reference
 * written from the definition (HF Idefics3 pixel_shuffle). */

#include <glib.h>

#include "hvk-ops.h"
#include "hvk-test-util.h"

typedef struct {
  guint n_tiles, grid, d, s;
} Shape;

static void
reference (const float *x, float *y, const Shape *sh)
{
  guint side = sh->grid / sh->s;
  for (guint t = 0; t < sh->n_tiles; t++)
    for (guint ty = 0; ty < side; ty++)
      for (guint tx = 0; tx < side; tx++)
        for (guint dy = 0; dy < sh->s; dy++)
          for (guint dx = 0; dx < sh->s; dx++)
            for (guint e = 0; e < sh->d; e++)
              {
                gsize patch = (gsize) (sh->s * ty + dy) * sh->grid + sh->s * tx + dx;
                gsize token = (gsize) t * side * side + ty * side + tx;
                gsize f = e + (gsize) sh->d * (dx + sh->s * dy);
                y[token * sh->d * sh->s * sh->s + f] = x[((gsize) t * sh->grid * sh->grid + patch) * sh->d + e];
              }
}

static void
test_shape (gconstpointer data)
{
  const Shape *sh = data;
  gsize n = (gsize) sh->n_tiles * sh->grid * sh->grid * sh->d;
  g_autofree float *x = g_new (float, n);
  g_autofree float *expect = g_new0 (float, n);
  g_autofree float *got = g_new0 (float, n);
  hvk_test_fill_uniform (x, n, -1.0f, 1.0f, 42);
  reference (x, expect, sh);

  HvkDevice *device = hvk_test_device ();
  g_autoptr (HvkOps) ops = hvk_ops_new (device);
  g_autoptr (HvkBuffer) bx = hvk_test_buffer_from (x, n * 4);
  g_autoptr (HvkBuffer) by = hvk_test_buffer_zeroed (n * 4);
  g_autoptr (GError) error = NULL;
  g_autoptr (HvkRecorder) rec = hvk_recorder_new (device, &error);
  g_assert_no_error (error);
  hvk_recorder_begin (rec);
  hvk_op_pixel_shuffle (ops, rec, (HvkView) { bx, 0 }, (HvkView) { by, 0 },
                        sh->n_tiles, sh->grid, sh->d, sh->s, &error);
  g_assert_no_error (error);
  hvk_recorder_submit (rec, NULL, &error);
  g_assert_no_error (error);
  hvk_test_download (by, got, n * 4);
  /* A pure permutation: bit-exact. */
  g_assert_cmpfloat (hvk_test_max_abs (expect, got, n), ==, 0.0);
}

int
main (int argc, char **argv)
{
  static const Shape shapes[] = {
    { 1, 8, 128, 2 },   /* the tiny SmolVLM tile */
    { 3, 8, 16, 2 },    /* several tiles */
    { 2, 8, 24, 4 },    /* SmolVLM-256M's scale factor */
    { 1, 6, 5, 3 },     /* odd sizes */
  };
  g_test_init (&argc, &argv, NULL);
  for (gsize i = 0; i < G_N_ELEMENTS (shapes); i++)
    {
      g_autofree char *name = g_strdup_printf ("/ops/pixel-shuffle/%ux%ux%u-s%u", shapes[i].n_tiles,
                                               shapes[i].grid, shapes[i].d, shapes[i].s);
      g_test_add_data_func (name, &shapes[i], test_shape);
    }
  return g_test_run ();
}
