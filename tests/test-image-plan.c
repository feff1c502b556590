#define G_LOG_DOMAIN "hearth-test"

/* test-image-plan: the layout an image gets in a SmolVLM prompt
 * (vision_prompt_plan_image, behind hearth_model_plan_image) for the four
 * fixture images, with the random SmolVLM2 projector's config (tiles of 128
 * px, longest edge 512, 16 embeddings per chunk). The grids and chunks are
 * those of llama.cpp's references (fixtures/reference/vlm/<stem>.json:
 * grid_rows, grid_cols, n_image_chunks); the positions are that prompt's
 * from the first <fake_token_around_image> to the last. */

#include <glib.h>

#include "vision-prompt.h"

typedef struct {
  const char *stem;
  guint width, height;
  guint rows, cols, n_chunks, n_tokens;
} Case;

static const Case cases[] = {
  { "screenshot-640x360",   640,  360, 3, 4, 13, 238 },
  { "photo-96x96",           96,   96, 4, 4, 17, 311 },
  { "banner-1500x300-rgba", 1500, 300, 1, 4,  5,  92 },
  { "portrait-300x800",     300,  800, 4, 2,  9, 167 },
};

static void
test_fixtures (void)
{
  const ImagePreprocessConfig config = { .tile_size = 128, .longest_edge = 512 };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      const Case *c = &cases[i];
      HearthImagePlan plan;

      vision_prompt_plan_image (&config, 16, c->width, c->height, &plan);
      g_test_message ("%s: %u x %u tiles, %u chunks, %u positions", c->stem, plan.grid_rows,
                      plan.grid_cols, plan.n_chunks, plan.n_tokens);
      g_assert_cmpuint (plan.tile_size, ==, 128);
      g_assert_cmpuint (plan.grid_rows, ==, c->rows);
      g_assert_cmpuint (plan.grid_cols, ==, c->cols);
      g_assert_cmpuint (plan.refined_width, ==, c->cols * 128);
      g_assert_cmpuint (plan.refined_height, ==, c->rows * 128);
      g_assert_cmpuint (plan.n_chunks, ==, c->n_chunks);
      g_assert_cmpuint (plan.n_tokens, ==, c->n_tokens);
    }
}

/* The positions follow the layout of vision-prompt.h: per tile a marker
 * pair and its embeddings, a line break between rows, and the global
 * image with its four markers ("\n\n" <fake…><global-img> … <fake…>). */
static void
test_positions (void)
{
  const VisionPromptImage one_tile = { 1, 1, 64 };
  const VisionPromptImage grid = { 3, 4, 64 };

  g_assert_cmpuint (vision_prompt_image_n_positions (&one_tile), ==, (2 + 64) + (4 + 64));
  g_assert_cmpuint (vision_prompt_image_n_positions (&grid), ==, 12 * (2 + 64) + 2 + (4 + 64));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/image-plan/fixtures", test_fixtures);
  g_test_add_func ("/image-plan/positions", test_positions);
  return g_test_run ();
}
