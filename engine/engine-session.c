#define G_LOG_DOMAIN "hearth-engine"

/* A chat session on the engine thread: its KV cache, the tokens in it, and
 * the images of its prompt, encoded once and named by the hash of their
 * bytes. */

#ifndef GETTEXT_PACKAGE
#define GETTEXT_PACKAGE "hearth"
#endif

#include "engine-private.h"

#include <glib/gi18n-lib.h>
#include <string.h>

static void
session_image_free (SessionImage *img)
{
  g_free (img->embd);
  g_free (img);
}

SessionState *
_session_state_new (LoadedModel *model)
{
  SessionState *s = g_new0 (SessionState, 1);

  s->model = model;
  s->cached = g_array_new (FALSE, FALSE, sizeof (gint32));
  s->images = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                     (GDestroyNotify) session_image_free);
  return s;
}

void
_session_state_free (SessionState *s)
{
  g_clear_pointer (&s->ctx, llama_context_free);
  g_array_unref (s->cached);
  g_hash_table_unref (s->images);
  g_free (s);
}

/* Below VISION_IMAGE_POSITION, from the first 32 bits of the hex hash. */
static gint32
image_key (const char *hash)
{
  char head[9] = { 0 };
  guint32 bits;

  memcpy (head, hash, 8);
  bits = (guint32) g_ascii_strtoull (head, NULL, 16);
  return -2 - (gint32) (bits % (G_MAXINT32 - 2u));
}

static SessionImage *
session_image_new (LoadedModel *m, GBytes *bytes, const char *hash, const char *name,
                   GCancellable *cancel, GError **error)
{
  g_autoptr (HearthImage) image = hearth_image_load_bytes (bytes, name, 0, error);
  g_autoptr (ImageTiles) tiles = NULL;
  SessionImage *img;
  float *embd;

  if (image == NULL ||
      (embd = vision_encoder_encode_image (m->encoder, image, &tiles, NULL, NULL, cancel,
                                           error)) == NULL)
    return NULL;
  img = g_new0 (SessionImage, 1);
  img->layout = (VisionPromptImage) { tiles->grid_rows, tiles->grid_cols,
                                      vision_encoder_tokens_per_chunk (m->encoder) };
  img->embd = embd;
  img->n_rows = tiles->n_chunks * img->layout.tokens_per_chunk;
  img->key = image_key (hash);
  return img;
}

static gboolean
image_unused (gpointer hash, gpointer img, gpointer used)
{
  (void) hash;
  return !g_ptr_array_find (used, img, NULL);
}

GPtrArray *
_session_encode_images (SessionState *s, const SessionImages *si, GCancellable *cancel,
                        GError **error)
{
  g_autoptr (GPtrArray) used = g_ptr_array_new ();
  guint k = 0;

  if (si->n_bytes > 0 && s->model->encoder == NULL)
    {
      g_set_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_INVALID_ARGUMENT,
                   _("%s cannot see images; pick a vision model such as SmolVLM2 with its "
                     "mmproj file"), s->model->handle->name);
      return NULL;
    }
  for (guint i = 0; i < si->n_messages; i++)
    for (guint j = 0; j < si->n_images[i]; j++, k++)
      {
        GBytes *bytes = si->bytes[k];
        g_autofree char *hash = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, bytes);
        SessionImage *img = g_hash_table_lookup (s->images, hash);

        if (img == NULL)
          {
            g_autofree char *name = g_strdup_printf ("image %u of message %u", j + 1, i + 1);
            if ((img = session_image_new (s->model, bytes, hash, name, cancel, error)) == NULL)
              return NULL;
            g_hash_table_insert (s->images, g_steal_pointer (&hash), img);
          }
        g_ptr_array_add (used, img);
      }
  g_hash_table_foreach_remove (s->images, image_unused, used);
  return g_steal_pointer (&used);
}

/* Calls func for each image position of prompt: i, the image, and the
 * position's row among the image's embeddings. */
typedef void (*ImagePositionFunc) (guint i, SessionImage *img, guint row, gpointer user_data);

static void
foreach_image_position (GArray *prompt, GPtrArray *images, ImagePositionFunc func,
                        gpointer user_data)
{
  guint k = 0, row = 0;

  for (guint i = 0; i < prompt->len; i++)
    {
      SessionImage *img;

      if (g_array_index (prompt, gint32, i) >= 0)
        continue;
      img = images->pdata[k];
      func (i, img, row, user_data);
      if (++row == img->n_rows)
        {
          row = 0;
          k++;
        }
    }
}

static void
set_key (guint i, SessionImage *img, guint row, gpointer prompt)
{
  (void) row;
  g_array_index ((GArray *) prompt, gint32, i) = img->key;
}

GArray *
_session_tokenize (SessionState *s, const ChatConversation *c, GPtrArray *images, guint skip,
                   GError **error)
{
  g_autoptr (GPtrArray) shown = g_ptr_array_new ();
  g_autoptr (GArray) layouts = g_array_new (FALSE, FALSE, sizeof (VisionPromptImage));
  GArray *ids;

  for (guint k = skip; k < images->len; k++)
    {
      g_ptr_array_add (shown, images->pdata[k]);
      g_array_append_val (layouts, ((SessionImage *) images->pdata[k])->layout);
    }
  ids = chat_prompt_tokenize (s->model->prompt, c, (const VisionPromptImage *) layouts->data,
                              layouts->len, error);
  if (ids != NULL)
    foreach_image_position (ids, shown, set_key, ids);
  return ids;
}

typedef struct {
  guint   from;    /* first prompt position wanted */
  guint   n_embd;
  GArray *rows;    /* float: the embeddings gathered */
} GatherRows;

static void
gather_row (guint i, SessionImage *img, guint row, gpointer user_data)
{
  GatherRows *gr = user_data;

  if (i >= gr->from)
    g_array_append_vals (gr->rows, img->embd + (gsize) row * gr->n_embd, gr->n_embd);
}

/* The embeddings of the image positions of prompt from position from on:
 * f32 [n][n_embd], in prompt order. */
static GArray *
gather_image_rows (GArray *prompt, GPtrArray *images, guint from, guint n_embd)
{
  GatherRows gr = { from, n_embd, g_array_new (FALSE, FALSE, sizeof (float)) };

  foreach_image_position (prompt, images, gather_row, &gr);
  return gr.rows;
}

/* Runs tokens (image positions: the next rows of embd, f32
 * [n_embd_rows][n_embd]) at pos0 and keeps s->cached equal to the cache's
 * contents. After a failure the finished chunks are forgotten: they would
 * merely be run again. */
static gboolean
session_forward (SessionState *s, const gint32 *tokens, guint n, guint pos0, const float *embd,
                 guint n_embd_rows, GCancellable *cancel, GError **error)
{
  gboolean ok = vision_prompt_prefill (s->ctx, tokens, n, pos0, embd, n_embd_rows, cancel, error);

  g_array_set_size (s->cached, MIN (pos0, s->cached->len));
  if (ok)
    g_array_append_vals (s->cached, tokens, n);
  else
    g_array_set_size (s->cached, MIN (s->cached->len, llama_context_get_n_past (s->ctx)));
  return ok;
}

static guint
common_prefix (GArray *a, GArray *b)
{
  guint n = 0, max = MIN (a->len, b->len);

  while (n < max && g_array_index (a, gint32, n) == g_array_index (b, gint32, n))
    n++;
  return n;
}

gboolean
_session_process_prompt (SessionState *s, GArray *prompt, GPtrArray *images,
                         HearthGenerateResult *r, GCancellable *cancel, GError **error)
{
  guint reuse = MIN (common_prefix (s->cached, prompt), prompt->len - 1);
  guint n_embd = llama_model_get_config (s->model->llama)->n_embd;
  gint64 start = g_get_monotonic_time ();
  g_autoptr (GArray) rows = gather_image_rows (prompt, images, reuse, n_embd);
  gboolean ok;

  r->n_prompt_reused = reuse;
  r->n_prompt_processed = prompt->len - reuse;
  ok = session_forward (s, &g_array_index (prompt, gint32, reuse), prompt->len - reuse, reuse,
                        (const float *) rows->data, rows->len / n_embd, cancel, error);
  r->prompt_seconds = (g_get_monotonic_time () - start) / 1e6;
  return ok;
}

void
_session_forget_images (SessionState *s)
{
  guint first = 0;

  g_hash_table_remove_all (s->images);
  while (first < s->cached->len && g_array_index (s->cached, gint32, first) >= 0)
    first++;
  g_array_set_size (s->cached, first);
}
