#define G_LOG_DOMAIN "hearth-bench"

/* bench-photo-search: query latency of the photo index on 50,000 generated
 * described photos (target: under 50 ms per query). */

#include <stdio.h>

#include "hearth-photo-index.h"

#define N_PHOTOS 50000
#define REPEATS 5

static const char *const subjects[] = {
  "dog", "cat", "child", "woman", "man", "horse", "bird", "car", "bicycle", "boat", "train",
  "tree", "flower", "cake", "pizza", "house", "bridge", "tower", "mountain", "lake", "river",
  "beach", "street", "market", "church", "garden", "kitchen", "table", "sofa", "laptop",
  "guitar", "book", "window", "door", "sign", "bus", "plane", "snowman", "tent", "fountain",
};
static const char *const adjectives[] = {
  "red", "blue", "green", "old", "small", "large", "bright", "dark", "wet", "sunny", "snowy",
  "busy", "quiet", "wooden", "golden", "striped", "crowded", "empty", "tall", "vintage",
};
static const char *const verbs[] = {
  "standing", "running", "sleeping", "parked", "lying", "sitting", "playing", "floating",
  "leaning", "waiting", "shining", "hanging", "crossing", "growing", "resting",
};
static const char *const places[] = {
  "in the park", "on the beach", "near a lake", "in the city", "at night", "in the snow",
  "under a blue sky", "beside the road", "in a kitchen", "at a wedding", "in the forest",
  "on a table", "at sunset", "in the rain", "by the sea",
};

#define PICK(rng, array) (array[g_rand_int_range (rng, 0, G_N_ELEMENTS (array))])

static void
fill_index (HearthPhotoIndex *index, gint64 folder_id)
{
  g_autoptr (GRand) rng = g_rand_new_with_seed (7);
  g_autoptr (GError) error = NULL;

  hearth_photo_index_begin (index, &error);
  for (guint i = 0; i < N_PHOTOS; i++)
    {
      g_autofree char *path = g_strdup_printf ("/photos/%u/IMG_%05u.jpg", 2000 + i % 25, i);
      g_autofree char *hash = g_compute_checksum_for_string (G_CHECKSUM_SHA256, path, -1);
      g_autofree char *description = g_strdup_printf ("A %s %s %s %s, with a %s %s behind.",
        PICK (rng, adjectives), PICK (rng, subjects), PICK (rng, verbs), PICK (rng, places),
        PICK (rng, adjectives), PICK (rng, subjects));
      g_autofree char *objects = g_strdup_printf ("%s, %s, %s, %s, %s", PICK (rng, subjects),
        PICK (rng, subjects), PICK (rng, subjects), PICK (rng, adjectives), PICK (rng, subjects));
      const char *text = i % 7 == 0 ? "OPEN 9-5 MAIN STREET" : "";
      HearthPhotoFile file = { .path = path, .content_hash = hash, .size = 1000 + i, .mtime = i,
                               .captured_at = (gint64) (1000000 + i) * G_USEC_PER_SEC };
      g_autoptr (HearthPhoto) photo = NULL;

      hearth_photo_index_record_file (index, folder_id, &file, &error);
      g_assert_no_error (error);
      photo = hearth_photo_index_get_photo (index, path, &error);
      hearth_photo_index_set_described (index, photo->id, description, objects, text, &error);
      g_assert_no_error (error);
      if (i % 5000 == 4999)
        {
          hearth_photo_index_commit (index, &error);
          hearth_photo_index_begin (index, &error);
          g_assert_no_error (error);
        }
    }
  hearth_photo_index_commit (index, &error);
  g_assert_no_error (error);
}

static int
compare_double (gconstpointer a, gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return (x > y) - (x < y);
}

int
main (int argc, char **argv)
{
  static const struct { const char *text; const char *folder; gint64 from; } queries[] = {
    { "dog", NULL, 0 },
    { "red car parked in the city", NULL, 0 },
    { "dog on the beach", NULL, 0 },
    { "snowman in the snow", NULL, 0 },
    { "bic*", NULL, 0 },
    { "a", NULL, 0 },
    { "golden retriever", NULL, 0 },
    { "main street", NULL, 0 },
    { "cat sleeping on a sofa", "/photos/2003", 0 },
    { "tower at night", NULL, (gint64) 1040000 * G_USEC_PER_SEC },
  };
  g_autofree char *dir = g_dir_make_tmp ("hearth-bench-photos-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "photos.db", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (HearthPhotoIndex) index = hearth_photo_index_open (path, &error);
  g_autoptr (GArray) all = g_array_new (FALSE, FALSE, sizeof (double));
  gint64 start;

  g_assert_no_error (error);
  start = g_get_monotonic_time ();
  fill_index (index, hearth_photo_index_add_folder (index, "/photos", &error));
  printf ("built an index of %d described photos in %.1f s\n", N_PHOTOS,
          (g_get_monotonic_time () - start) / 1e6);

  for (guint q = 0; q < G_N_ELEMENTS (queries); q++)
    {
      HearthPhotoQuery query = { .folder = queries[q].folder, .from = queries[q].from, .limit = 20 };
      double best = G_MAXDOUBLE;
      guint n_hits = 0;

      for (guint r = 0; r < REPEATS; r++)
        {
          g_autoptr (GPtrArray) hits = NULL;
          double ms;

          start = g_get_monotonic_time ();
          hits = hearth_photo_index_search (index, queries[q].text, &query, &error);
          ms = (g_get_monotonic_time () - start) / 1e3;
          g_assert_no_error (error);
          n_hits = hits->len;
          best = MIN (best, ms);
          g_array_append_val (all, ms);
        }
      printf ("%-30s %2u hits  best %7.2f ms\n", queries[q].text, n_hits, best);
    }
  g_array_sort (all, compare_double);
  printf ("all queries: median %.2f ms, 90th percentile %.2f ms, max %.2f ms (target < 50 ms)\n",
          g_array_index (all, double, all->len / 2), g_array_index (all, double, all->len * 9 / 10),
          g_array_index (all, double, all->len - 1));

  hearth_photo_index_close (g_steal_pointer (&index));
  {
    g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", dir);
    return system (cmd) == 0 ? 0 : 1;
  }
}
