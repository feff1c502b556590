#define G_LOG_DOMAIN "hearth-cli"

/* cli-photos.c: hearth-cli index (describe the photos of folders with a
 * SmolVLM model pair) and hearth-cli search (ranked paths). */

#include <json-glib/json-glib.h>
#include <stdio.h>

#include "hearth-cli.h"
#include "hearth-photo-index.h"
#include "photo-indexer.h"

/* ---- waiting for async results on the main loop ---- */

typedef struct {
  GMainLoop    *loop;
  GAsyncResult *result;
} Wait;

static void
wait_done (GObject *source, GAsyncResult *result, gpointer data)
{
  Wait *w = data;

  (void) source;
  w->result = g_object_ref (result);
  g_main_loop_quit (w->loop);
}

static GAsyncResult *
wait_run (Wait *w)
{
  g_main_loop_run (w->loop);
  return w->result;
}

/* ---- index ---- */

typedef struct {
  char  *db_path;
  char  *model_path;
  char  *mmproj_path;
  int    max_tokens;
  char **folders;
} IndexOptions;

static void
print_progress (const PhotoIndexerProgress *p, gpointer user_data)
{
  (void) user_data;
  if (p->eta_seconds >= 0)
    fprintf (stderr, "\rdescribing photos: %u/%u, %.2f/s, %.0f s left   ", p->done, p->total,
             p->per_second, p->eta_seconds);
  else
    fprintf (stderr, "\rdescribing photos: %u/%u   ", p->done, p->total);
  if (p->done == p->total)
    fprintf (stderr, "\n");
}

static HearthModel *
load_vision_model (HearthEngine *engine, const IndexOptions *o, GError **error)
{
  Wait w = { g_main_loop_new (NULL, FALSE), NULL };
  g_autoptr (HearthModel) model = NULL;
  gboolean ok;

  hearth_engine_load_model_async (engine, o->model_path, NULL, NULL, wait_done, &w);
  model = hearth_engine_load_model_finish (engine, wait_run (&w), error);
  g_clear_object (&w.result);
  if (model != NULL)
    {
      hearth_engine_load_vision_async (engine, model, o->mmproj_path, NULL, wait_done, &w);
      ok = hearth_engine_load_vision_finish (engine, wait_run (&w), error);
      g_clear_object (&w.result);
      if (!ok)
        g_clear_pointer (&model, hearth_model_unref);
    }
  g_main_loop_unref (w.loop);
  return g_steal_pointer (&model);
}

/* Folders are stored absolute, so that the same folder is one library root. */
static char **
absolute_folders (char **folders)
{
  GPtrArray *out = g_ptr_array_new ();

  for (guint i = 0; folders[i] != NULL; i++)
    {
      g_autoptr (GFile) file = g_file_new_for_commandline_arg (folders[i]);
      g_ptr_array_add (out, g_file_get_path (file));
    }
  g_ptr_array_add (out, NULL);
  return (char **) g_ptr_array_free (out, FALSE);
}

static gboolean
index_folders (const IndexOptions *o, GError **error)
{
  g_autoptr (HearthEngine) engine = hearth_engine_new ();
  g_autoptr (HearthModel) model = load_vision_model (engine, o, error);
  g_autoptr (PhotoIndexer) indexer = NULL;
  g_auto (GStrv) folders = absolute_folders (o->folders);
  Wait w = { NULL, NULL };
  PhotoScanStats scan;
  guint n_described, n_failed;
  gboolean ok;

  if (model == NULL ||
      (indexer = photo_indexer_new (engine, model, o->db_path, o->max_tokens, error)) == NULL)
    return FALSE;

  w.loop = g_main_loop_new (NULL, FALSE);
  photo_indexer_run_async (indexer, (const char *const *) folders, print_progress, NULL, wait_done, &w);
  ok = photo_indexer_run_finish (indexer, wait_run (&w), &scan, &n_described, &n_failed, error);
  g_clear_object (&w.result);
  g_main_loop_unref (w.loop);
  if (!ok)
    return FALSE;

  printf ("scanned: %u unchanged, %u new, %u edited, %u moved, %u copied, %u removed\n",
          scan.n_unchanged, scan.n_new, scan.n_edited, scan.n_moved, scan.n_copied, scan.n_removed);
  printf ("described: %u, failed: %u\n", n_described, n_failed);
  return TRUE;
}

int
hearth_cli_index (int argc, char **argv)
{
  IndexOptions o = { .max_tokens = 0 };
  const GOptionEntry entries[] = {
    { "db", 0, 0, G_OPTION_ARG_FILENAME, &o.db_path, "The photo index (default: Hearth's own)", "FILE" },
    { "model", 'm', 0, G_OPTION_ARG_FILENAME, &o.model_path, "SmolVLM text model", "TEXT.gguf" },
    { "mmproj", 0, 0, G_OPTION_ARG_FILENAME, &o.mmproj_path, "Its vision projector", "MMPROJ.gguf" },
    { "max-tokens", 'n', 0, G_OPTION_ARG_INT, &o.max_tokens, "Longest answer per photo (default 96)", "N" },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &o.folders, NULL, "DIR..." },
    { NULL },
  };
  g_autoptr (GOptionContext) octx = g_option_context_new ("DIR... - describe the photos of folders for search");
  g_autoptr (GError) error = NULL;
  int status = 1;

  g_option_context_add_main_entries (octx, entries, NULL);
  if (!g_option_context_parse (octx, &argc, &argv, &error) || o.model_path == NULL ||
      o.mmproj_path == NULL || o.folders == NULL || o.max_tokens < 0)
    {
      fprintf (stderr, "hearth-cli index: %s\n",
               error != NULL ? error->message : "-m, --mmproj and at least one DIR are required");
      status = 2;
    }
  else
    {
      if (o.db_path == NULL)
        o.db_path = hearth_photo_index_default_path ();
      if (!index_folders (&o, &error))
        fprintf (stderr, "hearth-cli index: %s\n", error->message);
      else
        status = 0;
    }

  g_free (o.db_path);
  g_free (o.model_path);
  g_free (o.mmproj_path);
  g_strfreev (o.folders);
  return status;
}

/* ---- search ---- */

static void
print_hits_json (GPtrArray *hits)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  g_autoptr (JsonNode) root = NULL;
  g_autofree char *text = NULL;

  json_builder_begin_array (b);
  for (guint i = 0; i < hits->len; i++)
    {
      HearthPhotoHit *hit = hits->pdata[i];
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "path");
      json_builder_add_string_value (b, hit->path);
      json_builder_set_member_name (b, "score");
      json_builder_add_double_value (b, hit->score);
      json_builder_set_member_name (b, "description");
      json_builder_add_string_value (b, hit->description);
      json_builder_set_member_name (b, "matched");
      json_builder_begin_array (b);
      for (guint m = 0; hit->matched[m] != NULL; m++)
        json_builder_add_string_value (b, hit->matched[m]);
      json_builder_end_array (b);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  json_generator_set_pretty (gen, TRUE);
  text = json_generator_to_data (gen, NULL);
  printf ("%s\n", text);
}

static void
print_hits_text (GPtrArray *hits)
{
  for (guint i = 0; i < hits->len; i++)
    {
      HearthPhotoHit *hit = hits->pdata[i];
      printf ("%8.3f  %s\n", hit->score, hit->path);
    }
}

int
hearth_cli_search (int argc, char **argv)
{
  g_autofree char *db_path = NULL;
  g_autofree char *folder = NULL;
  gboolean json = FALSE;
  int limit = 20;
  const GOptionEntry entries[] = {
    { "db", 0, 0, G_OPTION_ARG_FILENAME, &db_path, "The photo index (default: Hearth's own)", "FILE" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print the hits as JSON", NULL },
    { "folder", 0, 0, G_OPTION_ARG_FILENAME, &folder, "Only photos under this folder", "DIR" },
    { "limit", 'n', 0, G_OPTION_ARG_INT, &limit, "Most hits to print (default 20)", "N" },
    { NULL },
  };
  g_autoptr (GOptionContext) octx = g_option_context_new ("QUERY - search indexed photos by description");
  g_autoptr (GError) error = NULL;
  g_autoptr (HearthPhotoIndex) index = NULL;
  g_autoptr (GPtrArray) hits = NULL;
  g_autofree char *text = NULL;
  HearthPhotoQuery query = { 0 };

  g_option_context_add_main_entries (octx, entries, NULL);
  if (!g_option_context_parse (octx, &argc, &argv, &error) || argc < 2 || limit <= 0)
    {
      fprintf (stderr, "hearth-cli search: %s\n",
               error != NULL ? error->message : "a QUERY and a positive --limit are required");
      return 2;
    }
  text = g_strjoinv (" ", argv + 1);
  if (!g_utf8_validate (text, -1, NULL))
    {
      fprintf (stderr, "hearth-cli search: the query is not valid UTF-8\n");
      return 2;
    }
  if (db_path == NULL)
    db_path = hearth_photo_index_default_path ();
  if (folder != NULL)
    {
      g_autoptr (GFile) file = g_file_new_for_commandline_arg (folder);
      g_free (folder);
      folder = g_file_get_path (file);
    }
  query.folder = folder;
  query.limit = (guint) limit;

  if ((index = hearth_photo_index_open (db_path, &error)) == NULL ||
      (hits = hearth_photo_index_search (index, text, &query, &error)) == NULL)
    {
      fprintf (stderr, "hearth-cli search: %s\n", error->message);
      return 1;
    }
  if (json)
    print_hits_json (hits);
  else
    print_hits_text (hits);
  return 0;
}
