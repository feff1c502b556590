#define G_LOG_DOMAIN "hearth-test"

/* test-photo-index: the photo index's ranking (precision@1 and recall@5 on
 * a hand-written set), phrase boost, prefixes, filters, and incremental
 * recording (rename, copy, delete, edit). */

#include <glib/gstdio.h>
#include <string.h>

#include "hearth-photo-index.h"
#include "test-store-util.h"

typedef struct {
  char             *dir;
  char             *path;
  HearthPhotoIndex *index;
  gint64            folder_id;
} Fixture;

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  f->dir = store_test_make_dir ();
  f->path = g_build_filename (f->dir, "data", "photos.db", NULL);
  f->index = hearth_photo_index_open (f->path, &error);
  g_assert_no_error (error);
  f->folder_id = hearth_photo_index_add_folder (f->index, "/photos", &error);
  g_assert_no_error (error);
  g_assert_cmpint (f->folder_id, >, 0);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  hearth_photo_index_close (f->index);
  store_test_remove_dir (f->dir);
  g_free (f->path);
  g_free (f->dir);
}

/* Records a described photo; its hash is derived from the path. */
static void
add_described (Fixture *f, gint64 folder_id, const char *path, const char *description,
               const char *objects, const char *text, gint64 captured_at)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *hash = g_compute_checksum_for_string (G_CHECKSUM_SHA256, path, -1);
  HearthPhotoFile file = { .path = path, .content_hash = hash, .size = 1, .mtime = 1,
                           .captured_at = captured_at };
  g_autoptr(HearthPhoto) photo = NULL;

  g_assert_cmpint (hearth_photo_index_record_file (f->index, folder_id, &file, &error), ==,
                   HEARTH_PHOTO_CHANGE_NEW);
  g_assert_no_error (error);
  photo = hearth_photo_index_get_photo (f->index, path, &error);
  g_assert_no_error (error);
  g_assert_nonnull (photo);
  hearth_photo_index_set_described (f->index, photo->id, description, objects, text, &error);
  g_assert_no_error (error);
}

static GPtrArray *
search (Fixture *f, const char *text, const HearthPhotoQuery *query)
{
  g_autoptr(GError) error = NULL;
  GPtrArray *hits = hearth_photo_index_search (f->index, text, query, &error);

  g_assert_no_error (error);
  g_assert_nonnull (hits);
  return hits;
}

static const char *
hit_path (GPtrArray *hits, guint i)
{
  return i < hits->len ? ((HearthPhotoHit *) hits->pdata[i])->path : NULL;
}

static gboolean
hits_contain (GPtrArray *hits, const char *path)
{
  for (guint i = 0; i < hits->len; i++)
    if (g_str_equal (hit_path (hits, i), path))
      return TRUE;
  return FALSE;
}

/* ---- ranking on a hand-written library ---- */

static const struct {
  const char *name, *description, *objects, *text;
} library[] = {
  { "dog-beach", "A golden retriever running on a sandy beach at sunset.", "dog, beach, sand, ocean, sunset", "" },
  { "cat-sofa", "A grey cat sleeping on a red sofa.", "cat, sofa, cushion, living room", "" },
  { "birthday", "Children blowing out candles on a birthday cake.", "cake, candles, children, balloons, party", "Happy Birthday Emma" },
  { "bicycle", "A red bicycle leaning against a brick wall.", "bicycle, wall, street", "" },
  { "mountain-lake", "Snowy mountains reflected in a calm lake.", "mountain, lake, snow, reflection, sky", "" },
  { "receipt", "A crumpled paper receipt on a wooden table.", "receipt, paper, table", "TOTAL 42.50 GROCERY MART" },
  { "wedding", "A bride and groom dancing at their wedding reception.", "bride, groom, dress, dance floor, lights", "" },
  { "pizza", "A pepperoni pizza fresh out of the oven.", "pizza, pepperoni, cheese, oven, kitchen", "" },
  { "train", "A crowded train platform during rush hour.", "train, platform, people, station", "Platform 9" },
  { "eiffel", "The Eiffel Tower lit up at night in Paris.", "tower, night, city, lights", "" },
  { "snowman", "Two kids building a snowman in the garden.", "snowman, snow, children, scarf, garden", "" },
  { "sunflowers", "A field of tall sunflowers under a blue sky.", "sunflower, field, sky, flowers", "" },
  { "laptop", "A laptop and a coffee mug on a cluttered desk.", "laptop, coffee, mug, desk, notebook", "" },
  { "whiteboard", "A whiteboard covered in handwritten meeting notes.", "whiteboard, marker, notes, office", "Q3 roadmap launch" },
  { "horse", "A brown horse grazing in a green meadow.", "horse, meadow, grass, fence", "" },
  { "fireworks", "Colorful fireworks exploding over a river.", "fireworks, river, night, sky", "" },
  { "street-sign", "A street sign at a busy intersection.", "sign, street, traffic, cars", "Main Street" },
  { "baby", "A baby smiling in a high chair.", "baby, high chair, spoon, kitchen", "" },
  { "surfing", "A surfer riding a large wave in the ocean.", "surfer, surfboard, wave, ocean", "" },
  { "library", "Rows of old books on wooden library shelves.", "books, shelves, library", "" },
  { "dog-park", "A small white dog playing with a ball in the park.", "dog, ball, park, grass", "" },
  { "sushi", "A plate of salmon sushi with chopsticks.", "sushi, salmon, chopsticks, plate", "" },
  { "vintage-car", "A vintage red car parked on a cobblestone street.", "car, street, cobblestones", "" },
  { "hiking", "Hikers walking along a forest trail.", "hikers, trail, forest, trees, backpack", "" },
  { "menu", "A chalkboard menu outside a cafe.", "chalkboard, menu, cafe", "Espresso 2.50 Latte 3.20" },
  { "christmas", "A decorated Christmas tree with presents underneath.", "tree, presents, ornaments, lights", "" },
  { "beach-umbrellas", "Striped umbrellas on a crowded beach in summer.", "umbrella, beach, people, sand", "" },
  { "concert", "A band playing guitar on stage at a concert.", "guitar, stage, band, lights, crowd", "" },
  { "passport", "A passport lying open on a table.", "passport, document, table", "PASSPORT UNITED KINGDOM" },
  { "vegetables", "Fresh tomatoes and carrots harvested from the vegetable garden.", "tomato, carrot, basket, garden", "" },
};

/* Each query's best answer first, then the other relevant photos. */
static const struct {
  const char *query;
  const char *relevant[4];
} queries[] = {
  { "dog on the beach", { "dog-beach", "dog-park", "beach-umbrellas" } },
  { "cat sleeping on a sofa", { "cat-sofa" } },
  { "birthday cake", { "birthday" } },
  { "red bicycle", { "bicycle" } },
  { "grocery receipt", { "receipt" } },
  { "wedding dance", { "wedding" } },
  { "snowy mountains", { "mountain-lake" } },
  { "fireworks at night", { "fireworks", "eiffel" } },
  { "latte", { "menu" } },
  { "sushi with chopsticks", { "sushi" } },
  { "books in the library", { "library" } },
  { "children playing in the snow", { "snowman", "birthday" } },
};

static void
add_library (Fixture *f)
{
  for (guint i = 0; i < G_N_ELEMENTS (library); i++)
    {
      g_autofree char *path = g_strdup_printf ("/photos/%s.jpg", library[i].name);
      add_described (f, f->folder_id, path, library[i].description, library[i].objects,
                     library[i].text, 0);
    }
}

static void
test_ranking (Fixture *f, gconstpointer data)
{
  guint n_top = 0, n_relevant = 0, n_found = 0;

  add_library (f);
  for (guint q = 0; q < G_N_ELEMENTS (queries); q++)
    {
      HearthPhotoQuery query = { .limit = 5 };
      g_autoptr(GPtrArray) hits = search (f, queries[q].query, &query);
      g_autofree char *best = g_strdup_printf ("/photos/%s.jpg", queries[q].relevant[0]);

      g_test_message ("%s -> %s", queries[q].query, hit_path (hits, 0));
      g_assert_cmpuint (hits->len, <=, 5);
      n_top += g_strcmp0 (hit_path (hits, 0), best) == 0;
      for (guint r = 0; r < G_N_ELEMENTS (queries[q].relevant) && queries[q].relevant[r]; r++)
        {
          g_autofree char *path = g_strdup_printf ("/photos/%s.jpg", queries[q].relevant[r]);
          n_relevant++;
          if (hits_contain (hits, path))
            n_found++;
          else
            g_test_message ("  missed %s", path);
        }
    }
  /* precision@1 and recall@5 */
  g_assert_cmpuint (n_top, ==, G_N_ELEMENTS (queries));
  g_assert_cmpuint (n_found, ==, n_relevant);
}

static void
test_matched_words (Fixture *f, gconstpointer data)
{
  g_autoptr(GPtrArray) hits = NULL;
  HearthPhotoHit *hit;

  add_library (f);
  hits = search (f, "sleeping cats", NULL);
  g_assert_cmpuint (hits->len, ==, 1);
  hit = hits->pdata[0];
  g_assert_cmpstr (hit->path, ==, "/photos/cat-sofa.jpg");
  g_assert_cmpstr (hit->description, ==, "A grey cat sleeping on a red sofa.");
  g_assert_true (g_strv_contains ((const char *const *) hit->matched, "cat"));
  g_assert_true (g_strv_contains ((const char *const *) hit->matched, "sleeping"));
  g_assert_cmpuint (g_strv_length (hit->matched), ==, 2);
  g_assert_cmpfloat (hit->score, >, 0.0);
}

static void
test_phrase_boost (Fixture *f, gconstpointer data)
{
  g_autoptr(GPtrArray) hits = NULL;

  /* The same words, the same length: only the phrase tells them apart. */
  add_described (f, f->folder_id, "/photos/apart.jpg", "A blue car beside a red bicycle.", "", "", 0);
  add_described (f, f->folder_id, "/photos/phrase.jpg", "A red car beside a blue bicycle.", "", "", 0);
  hits = search (f, "red car", NULL);
  g_assert_cmpuint (hits->len, ==, 2);
  g_assert_cmpstr (hit_path (hits, 0), ==, "/photos/phrase.jpg");
  g_assert_cmpfloat_with_epsilon (((HearthPhotoHit *) hits->pdata[0])->score,
                                  2.0 * ((HearthPhotoHit *) hits->pdata[1])->score, 1e-9);
}

static void
test_prefix_and_odd_input (Fixture *f, gconstpointer data)
{
  add_library (f);
  {
    g_autoptr(GPtrArray) hits = search (f, "bicy*", NULL);
    g_assert_cmpuint (hits->len, ==, 1);
    g_assert_cmpstr (hit_path (hits, 0), ==, "/photos/bicycle.jpg");
  }
  {
    g_autoptr(GPtrArray) hits = search (f, "sunfl*", NULL);
    g_assert_cmpstr (hit_path (hits, 0), ==, "/photos/sunflowers.jpg");
  }
  {
    /* A whole word without '*' is not a prefix. */
    g_autoptr(GPtrArray) hits = search (f, "bicy", NULL);
    g_assert_cmpuint (hits->len, ==, 0);
  }
  {
    /* FTS5 syntax in the input is just punctuation. */
    g_autoptr(GPtrArray) hits = search (f, "\"passport\" AND (NEAR -^:", NULL);
    g_assert_cmpstr (hit_path (hits, 0), ==, "/photos/passport.jpg");
  }
  {
    g_autoptr(GPtrArray) hits = search (f, "  *** ", NULL);
    g_assert_cmpuint (hits->len, ==, 0);
  }
}

static void
test_filters (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  gint64 day = G_USEC_PER_SEC * 86400LL;
  gint64 trips = hearth_photo_index_add_folder (f->index, "/trips", &error);

  g_assert_no_error (error);
  add_described (f, f->folder_id, "/photos/2020/dog.jpg", "A dog.", "dog", "", 100 * day);
  add_described (f, f->folder_id, "/photos/2021/dog.jpg", "A dog.", "dog", "", 200 * day);
  add_described (f, trips, "/trips/dog.jpg", "A dog.", "dog", "", 300 * day);
  add_described (f, trips, "/photos-old/dog.jpg", "A dog.", "dog", "", 300 * day);
  {
    HearthPhotoQuery q = { .folder = "/photos/" };
    g_autoptr(GPtrArray) hits = search (f, "dog", &q);
    g_assert_cmpuint (hits->len, ==, 2);
    g_assert_false (hits_contain (hits, "/photos-old/dog.jpg"));
  }
  {
    HearthPhotoQuery q = { .folder = "/photos/2021" };
    g_autoptr(GPtrArray) hits = search (f, "dog", &q);
    g_assert_cmpuint (hits->len, ==, 1);
    g_assert_cmpstr (hit_path (hits, 0), ==, "/photos/2021/dog.jpg");
    g_assert_cmpint (((HearthPhotoHit *) hits->pdata[0])->captured_at, ==, 200 * day);
  }
  {
    HearthPhotoQuery q = { .from = 150 * day, .until = 300 * day };
    g_autoptr(GPtrArray) hits = search (f, "dog", &q);
    g_assert_cmpuint (hits->len, ==, 1);
    g_assert_cmpstr (hit_path (hits, 0), ==, "/photos/2021/dog.jpg");
  }
  {
    HearthPhotoQuery q = { .from = 200 * day, .limit = 10 };
    g_autoptr(GPtrArray) hits = search (f, "dog", &q);
    g_assert_cmpuint (hits->len, ==, 3);
  }
}

/* ---- incremental recording ---- */

static char *
write_file (const char *dir, const char *name, const char *content, char **hash)
{
  g_autoptr(GError) error = NULL;
  char *path = g_build_filename (dir, name, NULL);

  g_file_set_contents (path, content, -1, &error);
  g_assert_no_error (error);
  *hash = g_compute_checksum_for_string (G_CHECKSUM_SHA256, content, -1);
  return path;
}

static HearthPhotoChange
record (Fixture *f, const char *path, const char *hash)
{
  g_autoptr(GError) error = NULL;
  HearthPhotoFile file = { .path = path, .content_hash = hash, .size = 3, .mtime = 7 };
  HearthPhotoChange change = hearth_photo_index_record_file (f->index, f->folder_id, &file, &error);

  g_assert_no_error (error);
  return change;
}

static HearthPhoto *
get (Fixture *f, const char *path)
{
  g_autoptr(GError) error = NULL;
  HearthPhoto *photo = hearth_photo_index_get_photo (f->index, path, &error);

  g_assert_no_error (error);
  return photo;
}

static void
describe (Fixture *f, const char *path, const char *description)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(HearthPhoto) photo = get (f, path);

  hearth_photo_index_set_described (f->index, photo->id, description, "", "", &error);
  g_assert_no_error (error);
}

static void
test_rename_keeps_description (Fixture *f, gconstpointer data)
{
  g_autofree char *hash = NULL;
  g_autofree char *old_path = write_file (f->dir, "old.jpg", "abc", &hash);
  g_autofree char *new_path = g_build_filename (f->dir, "new.jpg", NULL);
  g_autoptr(HearthPhoto) before = NULL;
  g_autoptr(HearthPhoto) after = NULL;
  g_autoptr(HearthPhoto) gone = NULL;
  gboolean current = FALSE;
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (record (f, old_path, hash), ==, HEARTH_PHOTO_CHANGE_NEW);
  describe (f, old_path, "A lighthouse on a cliff.");
  before = get (f, old_path);

  g_assert_cmpint (g_rename (old_path, new_path), ==, 0);
  g_assert_cmpint (record (f, new_path, hash), ==, HEARTH_PHOTO_CHANGE_MOVED);
  after = get (f, new_path);
  gone = get (f, old_path);
  g_assert_null (gone);
  g_assert_cmpint (after->id, ==, before->id);
  g_assert_cmpint (after->state, ==, HEARTH_PHOTO_DESCRIBED);
  g_assert_cmpstr (after->description, ==, "A lighthouse on a cliff.");

  g_assert_true (hearth_photo_index_is_current (f->index, new_path, 3, 7, &current, &error));
  g_assert_true (current);
  g_assert_true (hearth_photo_index_is_current (f->index, new_path, 3, 8, &current, &error));
  g_assert_false (current);
  g_assert_true (hearth_photo_index_is_current (f->index, old_path, 3, 7, &current, &error));
  g_assert_false (current);
  g_assert_no_error (error);
}

static void
test_copy_shares_description (Fixture *f, gconstpointer data)
{
  g_autofree char *hash = NULL, *hash2 = NULL;
  g_autofree char *a = write_file (f->dir, "a.jpg", "same bytes", &hash);
  g_autofree char *b = write_file (f->dir, "b.jpg", "same bytes", &hash2);
  g_autoptr(HearthPhoto) copy = NULL;
  HearthPhotoCounts counts;
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (record (f, a, hash), ==, HEARTH_PHOTO_CHANGE_NEW);
  describe (f, a, "A lighthouse.");
  g_assert_cmpint (record (f, b, hash2), ==, HEARTH_PHOTO_CHANGE_COPIED);
  copy = get (f, b);
  g_assert_cmpstr (copy->description, ==, "A lighthouse.");
  g_assert_true (hearth_photo_index_count (f->index, &counts, &error));
  g_assert_cmpuint (counts.n_described, ==, 2);
  g_assert_cmpuint (counts.n_pending, ==, 0);
}

static void
test_delete_drops_out (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) paths = NULL;

  add_library (f);
  {
    g_autoptr(GPtrArray) hits = search (f, "passport", NULL);
    g_assert_cmpuint (hits->len, ==, 1);
  }
  g_assert_true (hearth_photo_index_remove_path (f->index, "/photos/passport.jpg", &error));
  g_assert_no_error (error);
  {
    g_autoptr(GPtrArray) hits = search (f, "passport", NULL);
    g_assert_cmpuint (hits->len, ==, 0);
  }
  paths = hearth_photo_index_list_paths (f->index, f->folder_id, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (paths->len, ==, G_N_ELEMENTS (library) - 1);
}

static void
test_hash_change_redescribes (Fixture *f, gconstpointer data)
{
  g_autofree char *hash = NULL, *hash2 = NULL;
  g_autofree char *path = write_file (f->dir, "p.jpg", "first", &hash);
  g_autoptr(HearthPhoto) edited = NULL;
  g_autoptr(GPtrArray) pending = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (record (f, path, hash), ==, HEARTH_PHOTO_CHANGE_NEW);
  describe (f, path, "A lighthouse.");
  /* Same content again: nothing to do. */
  g_assert_cmpint (record (f, path, hash), ==, HEARTH_PHOTO_CHANGE_NONE);
  g_free (write_file (f->dir, "p.jpg", "second", &hash2));
  g_assert_cmpint (record (f, path, hash2), ==, HEARTH_PHOTO_CHANGE_EDITED);
  edited = get (f, path);
  g_assert_cmpint (edited->state, ==, HEARTH_PHOTO_PENDING);
  g_assert_cmpstr (edited->description, ==, "");
  pending = hearth_photo_index_list_pending (f->index, 10, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (pending->len, ==, 1);
  {
    g_autoptr(GPtrArray) hits = search (f, "lighthouse", NULL);
    g_assert_cmpuint (hits->len, ==, 0);
  }
  hearth_photo_index_set_failed (f->index, edited->id, "not an image", &error);
  g_assert_no_error (error);
  {
    g_autoptr(HearthPhoto) failed = get (f, path);
    g_assert_cmpint (failed->state, ==, HEARTH_PHOTO_FAILED);
    g_assert_cmpstr (failed->failure, ==, "not an image");
  }
}

static void
test_private_file (Fixture *f, gconstpointer data)
{
  g_autofree char *folder = g_path_get_dirname (f->path);
  g_autoptr(sqlite3) raw = store_test_open_raw (f->path);

  g_assert_cmpuint (store_test_file_mode (f->path), ==, 0600);
  g_assert_cmpuint (store_test_file_mode (folder), ==, 0700);
  g_assert_cmpint (store_test_query_int (raw, "PRAGMA user_version"), ==,
                   hearth_photo_index_schema_version ());
  g_assert_cmpint (store_test_query_int (raw, "SELECT count(*) FROM sqlite_master WHERE name = 'photos_fts'"), ==, 1);
}

/* ---- photos-ui: years, removing a folder, cancelling a search ---- */

static void
test_list_years (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) years = NULL;
  g_autoptr(GDateTime) y2019 = g_date_time_new_utc (2019, 7, 1, 0, 0, 0);
  g_autoptr(GDateTime) y2021 = g_date_time_new_utc (2021, 12, 31, 23, 0, 0);

  add_described (f, f->folder_id, "/photos/a.jpg", "a dog", "dog", "", g_date_time_to_unix (y2019) * G_USEC_PER_SEC);
  add_described (f, f->folder_id, "/photos/b.jpg", "a cat", "cat", "", g_date_time_to_unix (y2021) * G_USEC_PER_SEC);
  add_described (f, f->folder_id, "/photos/c.jpg", "a cow", "cow", "", g_date_time_to_unix (y2021) * G_USEC_PER_SEC);
  years = hearth_photo_index_list_years (f->index, &error);
  g_assert_no_error (error);
  /* Newest first, each once; photos without a capture time count by mtime (1970). */
  g_assert_cmpuint (years->len, ==, 2);
  g_assert_cmpint (GPOINTER_TO_INT (years->pdata[0]), ==, 2021);
  g_assert_cmpint (GPOINTER_TO_INT (years->pdata[1]), ==, 2019);
}

static void
test_remove_folder (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  gint64 other = hearth_photo_index_add_folder (f->index, "/other", &error);
  g_autoptr(GPtrArray) hits = NULL;
  g_autoptr(GPtrArray) folders = NULL;
  HearthPhotoCounts counts;

  g_assert_no_error (error);
  add_described (f, f->folder_id, "/photos/a.jpg", "a dog on a beach", "dog", "", 0);
  add_described (f, other, "/other/b.jpg", "a dog in a park", "dog", "", 0);
  g_assert_true (hearth_photo_index_remove_folder (f->index, "/other", &error));
  g_assert_no_error (error);
  /* Gone from the rows, the folders and the full-text index. */
  hits = search (f, "dog", NULL);
  g_assert_cmpuint (hits->len, ==, 1);
  g_assert_cmpstr (hit_path (hits, 0), ==, "/photos/a.jpg");
  g_assert_true (hearth_photo_index_count (f->index, &counts, &error));
  g_assert_cmpuint (counts.n_described, ==, 1);
  folders = hearth_photo_index_list_folders (f->index, &error);
  g_assert_cmpuint (folders->len, ==, 1);
  /* A folder that is not in the library is no error. */
  g_assert_true (hearth_photo_index_remove_folder (f->index, "/nowhere", &error));
  g_assert_no_error (error);
}

static void
test_search_cancellable (Fixture *f, gconstpointer data)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) hits = NULL;
  g_autoptr(GPtrArray) again = NULL;

  add_library (f);
  hits = hearth_photo_index_search_cancellable (f->index, "dog beach", NULL, cancellable, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (hits->len, >, 0);
  g_cancellable_cancel (cancellable);
  g_assert_null (hearth_photo_index_search_cancellable (f->index, "dog beach", NULL, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  /* The connection searches as before afterwards. */
  again = search (f, "dog beach", NULL);
  g_assert_cmpuint (again->len, ==, hits->len);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(name, func) \
  g_test_add (name, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/photo-index/ranking", test_ranking);
  ADD ("/photo-index/matched-words", test_matched_words);
  ADD ("/photo-index/phrase-boost", test_phrase_boost);
  ADD ("/photo-index/prefix-and-odd-input", test_prefix_and_odd_input);
  ADD ("/photo-index/filters", test_filters);
  ADD ("/photo-index/rename-keeps-description", test_rename_keeps_description);
  ADD ("/photo-index/copy-shares-description", test_copy_shares_description);
  ADD ("/photo-index/delete-drops-out", test_delete_drops_out);
  ADD ("/photo-index/hash-change-redescribes", test_hash_change_redescribes);
  ADD ("/photo-index/private-file", test_private_file);
  ADD ("/photo-index/list-years", test_list_years);
  ADD ("/photo-index/remove-folder", test_remove_folder);
  ADD ("/photo-index/search-cancellable", test_search_cancellable);
#undef ADD
  return g_test_run ();
}
