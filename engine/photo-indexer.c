#define G_LOG_DOMAIN "hearth-photos"

/* photo-indexer.c: the folder scan (an engine job with its own index
 * connection), the describe loop (one engine describe job per pending
 * photo) and the parsing of the model's answers. */

#include "photo-indexer.h"

#include <errno.h>
#include <gdk-pixbuf/gdk-pixbuf.h>
#include <glib/gstdio.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#define DEFAULT_MAX_TOKENS 96
/* Writes per transaction during a scan. */
#define SCAN_BATCH 256

/* ---- parsing answers ---- */

void
photo_description_clear (PhotoDescription *d)
{
  g_clear_pointer (&d->description, g_free);
  g_clear_pointer (&d->objects, g_free);
  g_clear_pointer (&d->visible_text, g_free);
}

/* Drops list markers ("1.", "-", "*") and a leading label such as
 * "Objects:"; *label gets which part the label named (0, 1, 2) or -1. */
static char *
strip_line (const char *line, int *label)
{
  static const struct { const char *word; int part; } labels[] = {
    { "description", 0 }, { "sentence", 0 }, { "caption", 0 }, { "objects", 1 },
    { "visible objects", 1 }, { "scene words", 1 }, { "tags", 1 }, { "keywords", 1 },
    { "text", 2 }, { "legible text", 2 }, { "visible text", 2 },
  };
  const char *p = line;
  const char *colon;

  *label = -1;
  while (*p == ' ' || *p == '\t' || *p == '-' || *p == '*' || *p == '#')
    p++;
  /* "1." or "2)" numbering, not digits that belong to the text */
  if (g_ascii_isdigit (*p))
    {
      const char *q = p;
      while (g_ascii_isdigit (*q))
        q++;
      if ((*q == '.' || *q == ')') && (q[1] == ' ' || q[1] == '\0'))
        p = q + 1;
    }
  colon = strchr (p, ':');
  if (colon != NULL)
    {
      g_autofree char *head = g_ascii_strdown (p, colon - p);
      g_strstrip (head);
      for (guint i = 0; i < G_N_ELEMENTS (labels); i++)
        if (g_str_equal (head, labels[i].word))
          {
            *label = labels[i].part;
            p = colon + 1;
            break;
          }
    }
  return g_strstrip (g_strdup (p));
}

/* "Dog,  Beach, dog" -> "dog, beach" */
static char *
normalize_objects (const char *list)
{
  g_auto (GStrv) items = g_strsplit_set (list, ",;", -1);
  g_autoptr (GPtrArray) kept = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; items[i] != NULL; i++)
    {
      g_autofree char *item = g_utf8_strdown (g_strstrip (items[i]), -1);
      gsize len = strlen (item);

      while (len > 0 && item[len - 1] == '.')
        item[--len] = '\0';
      if (len > 0 && !g_ptr_array_find_with_equal_func (kept, item, g_str_equal, NULL))
        g_ptr_array_add (kept, g_steal_pointer (&item));
    }
  g_ptr_array_add (kept, NULL);
  return g_strjoinv (", ", (char **) kept->pdata);
}

static gboolean
means_no_text (const char *text)
{
  g_autofree char *lower = g_ascii_strdown (text, -1);

  return *lower == '\0' || g_str_has_prefix (lower, "none") || g_str_has_prefix (lower, "no text") ||
         g_str_has_prefix (lower, "n/a") || g_str_has_prefix (lower, "no legible") ||
         g_str_has_prefix (lower, "there is no");
}

void
photo_description_parse (const char *answer, PhotoDescription *out)
{
  g_auto (GStrv) lines = g_strsplit (answer != NULL ? answer : "", "\n", -1);
  GString *parts[3] = { g_string_new (NULL), g_string_new (NULL), g_string_new (NULL) };
  int part = 0;

  for (guint i = 0; lines[i] != NULL; i++)
    {
      int label;
      g_autofree char *line = strip_line (lines[i], &label);

      if (*line == '\0' && label < 0)
        continue;
      if (label >= 0)
        part = label;
      if (parts[part]->len > 0)
        g_string_append (parts[part], part == 1 ? ", " : " ");
      g_string_append (parts[part], line);
      /* Unlabelled answers come one part per line. */
      if (label < 0 && part < 2)
        part++;
    }

  /* One line with everything: the first sentence, then the list. */
  if (parts[1]->len == 0)
    {
      const char *stop = strstr (parts[0]->str, ". ");
      if (stop != NULL)
        {
          g_string_append (parts[1], stop + 2);
          g_string_truncate (parts[0], stop + 1 - parts[0]->str);
        }
    }

  out->description = g_string_free (parts[0], FALSE);
  out->objects = normalize_objects (parts[1]->str);
  g_string_free (parts[1], TRUE);
  if (means_no_text (parts[2]->str))
    g_string_truncate (parts[2], 0);
  out->visible_text = g_string_free (parts[2], FALSE);
}

/* ---- file types ---- */

/* Photos by MIME type; the file name extensions come from the loader
 * that reads them, so a format is indexed only where it can be decoded.
 * Loader names are no key: libheif's registers itself as "heif/avif". */
static const char *const photo_mime_types[] = {
  "image/jpeg", "image/png", "image/webp", "image/gif", "image/heif", "image/heic", "image/avif",
};

static gboolean
is_photo_format (GdkPixbufFormat *format)
{
  g_auto (GStrv) mime_types = gdk_pixbuf_format_get_mime_types (format);

  for (guint i = 0; mime_types != NULL && mime_types[i] != NULL; i++)
    for (guint k = 0; k < G_N_ELEMENTS (photo_mime_types); k++)
      if (g_ascii_strcasecmp (mime_types[i], photo_mime_types[k]) == 0)
        return TRUE;
  return FALSE;
}

static gpointer
find_photo_extensions (gpointer data)
{
  GHashTable *extensions = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  GSList *formats = gdk_pixbuf_get_formats ();

  (void) data;
  for (GSList *l = formats; l != NULL; l = l->next)
    {
      g_auto (GStrv) names = NULL;

      if (!is_photo_format (l->data))
        continue;
      names = gdk_pixbuf_format_get_extensions (l->data);
      for (guint e = 0; names != NULL && names[e] != NULL; e++)
        g_hash_table_add (extensions, g_ascii_strdown (names[e], -1));
    }
  g_slist_free (formats);
  return extensions;
}

gboolean
photo_indexer_is_photo_name (const char *name)
{
  static GOnce once = G_ONCE_INIT;
  GHashTable *extensions = g_once (&once, find_photo_extensions, NULL);
  const char *dot = strrchr (name, '.');
  g_autofree char *ext = NULL;

  if (dot == NULL)
    return FALSE;
  ext = g_ascii_strdown (dot + 1, -1);
  return g_hash_table_contains (extensions, ext);
}

/* ---- EXIF (JPEG) ----
 *
 * GdkPixbuf exposes only the orientation, so the capture time and camera
 * are read from the JPEG's APP1 "Exif" TIFF block here: IFD0's Make and
 * Model, and DateTimeOriginal from the Exif IFD (IFD0's DateTime when it
 * is missing). Location tags are never read. */

#define EXIF_READ_MAX (256 * 1024)

typedef struct {
  const guint8 *data;
  gsize         size;
  gboolean      big_endian;
} Tiff;

static gboolean
tiff_u16 (const Tiff *t, gsize at, guint *out)
{
  if (at + 2 > t->size)
    return FALSE;
  *out = t->big_endian ? (t->data[at] << 8 | t->data[at + 1]) : (t->data[at + 1] << 8 | t->data[at]);
  return TRUE;
}

static gboolean
tiff_u32 (const Tiff *t, gsize at, guint32 *out)
{
  guint hi, lo;

  if (!tiff_u16 (t, at, t->big_endian ? &hi : &lo) || !tiff_u16 (t, at + 2, t->big_endian ? &lo : &hi))
    return FALSE;
  *out = (guint32) hi << 16 | lo;
  return TRUE;
}

/* EXIF says ASCII, but cameras and editors write Latin-1, UTF-8 or bytes
 * that are neither; the text goes on into SQLite, the search index and
 * GTK labels, which all take UTF-8. Up to the first NUL, invalid bytes
 * become U+FFFD, control characters spaces, and the ends are trimmed.
 * NULL when nothing is left. */
static char *
exif_text (const char *bytes, gsize size)
{
  g_autofree char *text = g_utf8_make_valid (bytes, strnlen (bytes, size));
  GString *clean = g_string_sized_new (strlen (text));

  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      g_string_append_unichar (clean, g_unichar_iscntrl (c) ? ' ' : c);
    }
  g_strstrip (clean->str);
  if (clean->str[0] == '\0')
    {
      g_string_free (clean, TRUE);
      return NULL;
    }
  return g_string_free (clean, FALSE);
}

/* The ASCII value of an IFD entry at @entry, or NULL. */
static char *
tiff_ascii (const Tiff *t, gsize entry)
{
  guint type;
  guint32 count, offset;
  gsize at;

  if (!tiff_u16 (t, entry + 2, &type) || type != 2 || !tiff_u32 (t, entry + 4, &count) || count == 0)
    return NULL;
  at = entry + 8;
  if (count > 4)
    {
      if (!tiff_u32 (t, entry + 8, &offset))
        return NULL;
      at = offset;
    }
  if (at + count > t->size)
    return NULL;
  return exif_text ((const char *) t->data + at, count);
}

/* The entry of @tag in the IFD at @ifd, or 0. */
static gsize
tiff_find (const Tiff *t, gsize ifd, guint tag)
{
  guint n, entry_tag;

  if (!tiff_u16 (t, ifd, &n))
    return 0;
  for (guint i = 0; i < n; i++)
    {
      gsize entry = ifd + 2 + 12 * (gsize) i;
      if (!tiff_u16 (t, entry, &entry_tag))
        return 0;
      if (entry_tag == tag)
        return entry;
    }
  return 0;
}

/* "YYYY:MM:DD HH:MM:SS", the camera's wall clock, kept as if it were UTC. */
static gint64
exif_time (const char *text)
{
  int y, mo, d, h, mi, sec;
  g_autoptr (GDateTime) dt = NULL;

  if (text == NULL || sscanf (text, "%d:%d:%d %d:%d:%d", &y, &mo, &d, &h, &mi, &sec) != 6 ||
      (dt = g_date_time_new_utc (y, mo, d, h, mi, sec)) == NULL)
    return 0;
  return g_date_time_to_unix (dt) * G_USEC_PER_SEC;
}

static void
read_tiff (const Tiff *t, gint64 *captured_at, char **camera)
{
  guint32 ifd0, exif_ifd;
  gsize entry;
  g_autofree char *make = NULL, *model = NULL, *when = NULL;

  if (!tiff_u32 (t, 4, &ifd0))
    return;
  if ((entry = tiff_find (t, ifd0, 0x8769)) != 0 && tiff_u32 (t, entry + 8, &exif_ifd) &&
      (entry = tiff_find (t, exif_ifd, 0x9003)) != 0)
    when = tiff_ascii (t, entry);
  if (when == NULL && (entry = tiff_find (t, ifd0, 0x0132)) != 0)
    when = tiff_ascii (t, entry);
  *captured_at = exif_time (when);

  if ((entry = tiff_find (t, ifd0, 0x010f)) != 0)
    make = tiff_ascii (t, entry);
  if ((entry = tiff_find (t, ifd0, 0x0110)) != 0)
    model = tiff_ascii (t, entry);
  if (model != NULL && make != NULL && !g_str_has_prefix (model, make))
    *camera = g_strdup_printf ("%s %s", make, model);
  else if (model != NULL || make != NULL)
    *camera = g_strdup (model != NULL ? model : make);
}

void
photo_exif_read (const char *path, gint64 *captured_at, char **camera)
{
  g_autofree guint8 *data = g_malloc (EXIF_READ_MAX);
  FILE *f = fopen (path, "rb");
  gsize size = 0;

  *captured_at = 0;
  *camera = NULL;
  if (f == NULL)
    return;
  size = fread (data, 1, EXIF_READ_MAX, f);
  fclose (f);
  photo_exif_parse (data, size, captured_at, camera);
}

void
photo_exif_parse (const guint8 *data, gsize size, gint64 *captured_at, char **camera)
{
  gsize at = 2;

  *captured_at = 0;
  *camera = NULL;
  if (size < 4 || data[0] != 0xff || data[1] != 0xd8)
    return;
  /* Segments up to the image data: marker, big-endian length, payload. */
  while (at + 4 <= size && data[at] == 0xff && data[at + 1] != 0xda)
    {
      gsize len = (gsize) data[at + 2] << 8 | data[at + 3];
      const guint8 *payload = data + at + 4;

      if (len < 2 || at + 2 + len > size)
        return;
      if (data[at + 1] == 0xe1 && len >= 8 + 8 && memcmp (payload, "Exif\0\0", 6) == 0)
        {
          Tiff t = { payload + 6, len - 2 - 6, payload[6] == 'M' };
          guint magic;
          if (tiff_u16 (&t, 2, &magic) && magic == 42)
            read_tiff (&t, captured_at, camera);
          return;
        }
      at += 2 + len;
    }
}

/* ---- the scan (engine thread) ---- */

typedef struct {
  char             *db_path;
  char            **folders;
  PhotoScanStats    stats;
  /* during the scan */
  HearthPhotoIndex *index;
  GHashTable       *seen;       /* char * paths found */
  GHashTable       *visited;    /* "dev:ino" of folders entered */
  char             *own_dir_id; /* "dev:ino" of Hearth's data folder */
  guint             n_writes;   /* in the open transaction */
  GCancellable     *cancel;
} Scan;

static void
scan_free (Scan *scan)
{
  g_free (scan->db_path);
  g_strfreev (scan->folders);
  g_free (scan);
}

static char *
dir_id (const GStatBuf *st)
{
  return g_strdup_printf ("%ju:%ju", (uintmax_t) st->st_dev, (uintmax_t) st->st_ino);
}

static char *
hash_file (const char *path, GError **error)
{
  g_autoptr (GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autofree guchar *buffer = g_malloc (64 * 1024);
  FILE *f = fopen (path, "rb");
  size_t n;
  gboolean failed;

  if (f == NULL)
    {
      g_set_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_IO, "Could not read “%s”: %s",
                   path, g_strerror (errno));
      return NULL;
    }
  while ((n = fread (buffer, 1, 64 * 1024, f)) > 0)
    g_checksum_update (sum, buffer, n);
  failed = ferror (f);
  fclose (f);
  if (failed)
    {
      g_set_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_IO, "Could not read “%s”", path);
      return NULL;
    }
  return g_strdup (g_checksum_get_string (sum));
}

/* Commits every SCAN_BATCH writes, so a big first scan syncs rarely but a
 * crash loses little. */
static gboolean
scan_wrote (Scan *scan, GError **error)
{
  if (++scan->n_writes < SCAN_BATCH)
    return TRUE;
  scan->n_writes = 0;
  return hearth_photo_index_commit (scan->index, error) && hearth_photo_index_begin (scan->index, error);
}

static gboolean
scan_file (Scan *scan, gint64 folder_id, const char *path, const GStatBuf *st, GError **error)
{
  gint64 mtime = (gint64) st->st_mtim.tv_sec * G_USEC_PER_SEC + st->st_mtim.tv_nsec / 1000;
  g_autofree char *hash = NULL;
  g_autofree char *camera = NULL;
  g_autoptr (GError) read_error = NULL;
  HearthPhotoFile file = { .path = path, .size = st->st_size, .mtime = mtime };
  GError *record_error = NULL;
  HearthPhotoChange change;
  gboolean current;

  g_hash_table_add (scan->seen, g_strdup (path));
  if (!hearth_photo_index_is_current (scan->index, path, st->st_size, mtime, &current, error))
    return FALSE;
  if (current)
    {
      scan->stats.n_unchanged++;
      return TRUE;
    }
  if ((hash = hash_file (path, &read_error)) == NULL)
    {
      /* Unreadable now (permissions, a file being written): next scan. */
      g_message ("Skipping a photo: %s", read_error->message);
      return TRUE;
    }
  file.content_hash = hash;
  /* Reads only the header; 0 x 0 for a file no loader understands. */
  gdk_pixbuf_get_file_info (path, &file.width, &file.height);
  photo_exif_read (path, &file.captured_at, &camera);
  file.camera = camera;

  change = hearth_photo_index_record_file (scan->index, folder_id, &file, &record_error);
  if (record_error != NULL)
    {
      g_propagate_error (error, record_error);
      return FALSE;
    }
  switch (change)
    {
    case HEARTH_PHOTO_CHANGE_NONE: scan->stats.n_unchanged++; break;
    case HEARTH_PHOTO_CHANGE_NEW: scan->stats.n_new++; break;
    case HEARTH_PHOTO_CHANGE_EDITED: scan->stats.n_edited++; break;
    case HEARTH_PHOTO_CHANGE_MOVED: scan->stats.n_moved++; break;
    case HEARTH_PHOTO_CHANGE_COPIED: scan->stats.n_copied++; break;
    }
  return scan_wrote (scan, error);
}

static gboolean
scan_dir (Scan *scan, gint64 folder_id, const char *dir, GError **error)
{
  g_autoptr (GDir) d = NULL;
  g_autoptr (GError) open_error = NULL;
  const char *name;

  if ((d = g_dir_open (dir, 0, &open_error)) == NULL)
    {
      g_message ("Skipping a folder: %s", open_error->message);
      return TRUE;
    }
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      GStatBuf st;

      if (g_cancellable_set_error_if_cancelled (scan->cancel, error))
        return FALSE;
      /* stat follows symbolic links; a broken one is skipped. */
      if (name[0] == '.' || g_stat (path, &st) != 0)
        continue;
      if (S_ISDIR (st.st_mode))
        {
          g_autofree char *id = dir_id (&st);
          /* Each folder once: symlink loops end here. */
          if (g_strcmp0 (id, scan->own_dir_id) == 0 || g_hash_table_contains (scan->visited, id))
            continue;
          g_hash_table_add (scan->visited, g_steal_pointer (&id));
          if (!scan_dir (scan, folder_id, path, error))
            return FALSE;
        }
      else if (S_ISREG (st.st_mode) && photo_indexer_is_photo_name (name) &&
               !scan_file (scan, folder_id, path, &st, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
drop_gone (Scan *scan, gint64 folder_id, GError **error)
{
  g_autoptr (GPtrArray) paths = hearth_photo_index_list_paths (scan->index, folder_id, error);

  if (paths == NULL)
    return FALSE;
  for (guint i = 0; i < paths->len; i++)
    {
      if (g_hash_table_contains (scan->seen, paths->pdata[i]))
        continue;
      if (!hearth_photo_index_remove_path (scan->index, paths->pdata[i], error) || !scan_wrote (scan, error))
        return FALSE;
      scan->stats.n_removed++;
    }
  return TRUE;
}

static gboolean
scan_folder (Scan *scan, const char *folder, gint64 *folder_id, GError **error)
{
  GStatBuf st;

  if (g_stat (folder, &st) != 0 || !S_ISDIR (st.st_mode))
    {
      g_set_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_IO,
                   "The photo folder “%s” does not exist or is not a folder; check the path",
                   folder);
      return FALSE;
    }
  g_hash_table_add (scan->visited, dir_id (&st));
  return (*folder_id = hearth_photo_index_add_folder (scan->index, folder, error)) != 0 &&
         scan_dir (scan, *folder_id, folder, error);
}

static gboolean
run_scan (gpointer data, GCancellable *cancellable, GError **error)
{
  Scan *scan = data;
  g_autofree char *own_dir = g_build_filename (g_get_user_data_dir (), "hearth", NULL);
  guint n_folders = g_strv_length (scan->folders);
  g_autofree gint64 *folder_ids = g_new0 (gint64, n_folders);
  GStatBuf st;
  gboolean ok;

  if ((scan->index = hearth_photo_index_open (scan->db_path, error)) == NULL)
    return FALSE;
  scan->seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  scan->visited = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  scan->own_dir_id = g_stat (own_dir, &st) == 0 ? dir_id (&st) : NULL;
  scan->cancel = cancellable;

  /* Every folder is walked before any file is dropped, so that a photo
   * moved from one library folder to another keeps its description. */
  ok = hearth_photo_index_begin (scan->index, error);
  for (guint i = 0; ok && i < n_folders; i++)
    ok = scan_folder (scan, scan->folders[i], &folder_ids[i], error);
  for (guint i = 0; ok && i < n_folders; i++)
    ok = drop_gone (scan, folder_ids[i], error);
  if (ok)
    ok = hearth_photo_index_commit (scan->index, error);
  else
    hearth_photo_index_rollback (scan->index);

  g_clear_pointer (&scan->index, hearth_photo_index_close);
  g_clear_pointer (&scan->seen, g_hash_table_unref);
  g_clear_pointer (&scan->visited, g_hash_table_unref);
  g_clear_pointer (&scan->own_dir_id, g_free);
  scan->cancel = NULL;
  if (!ok && g_error_matches (*error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_clear_error (error);
      g_set_error_literal (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_CANCELLED,
                           "scanning the photo folders was cancelled");
    }
  return ok;
}

/* ---- the run (caller's thread) ---- */

struct _PhotoIndexer {
  HearthEngine     *engine;
  HearthModel      *model;
  HearthPhotoIndex *index;
  char             *db_path;
  guint             max_tokens;
  gboolean          paused;
  GTask            *waiting; /* the run, while paused between photos */
};

typedef struct {
  PhotoIndexer             *indexer;
  Scan                     *scan;
  PhotoIndexerProgressFunc  progress;
  gpointer                  user_data;
  guint                     done;
  guint                     total;
  guint                     n_described;
  guint                     n_failed;
  gint64                    started;   /* of describing */
  HearthPhoto              *current;
} Run;

static void
run_free (Run *run)
{
  g_clear_pointer (&run->scan, scan_free);
  g_clear_pointer (&run->current, hearth_photo_free);
  g_free (run);
}

PhotoIndexer *
photo_indexer_new (HearthEngine *engine, HearthModel *model, const char *db_path, guint max_tokens,
                   GError **error)
{
  HearthPhotoIndex *index;
  PhotoIndexer *self;

  g_return_val_if_fail (HEARTH_IS_ENGINE (engine), NULL);
  g_return_val_if_fail (model != NULL && db_path != NULL, NULL);

  if ((index = hearth_photo_index_open (db_path, error)) == NULL)
    return NULL;
  self = g_new0 (PhotoIndexer, 1);
  self->engine = g_object_ref (engine);
  self->model = hearth_model_ref (model);
  self->index = index;
  self->db_path = g_strdup (db_path);
  self->max_tokens = max_tokens > 0 ? max_tokens : DEFAULT_MAX_TOKENS;
  return self;
}

void
photo_indexer_free (PhotoIndexer *self)
{
  if (self == NULL)
    return;
  /* A run paused between photos ends here. */
  if (self->waiting != NULL)
    {
      g_task_return_new_error (self->waiting, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_CANCELLED,
                               "photo indexing was stopped while paused");
      g_clear_object (&self->waiting);
    }
  g_clear_pointer (&self->index, hearth_photo_index_close);
  g_clear_pointer (&self->model, hearth_model_unref);
  g_clear_object (&self->engine);
  g_free (self->db_path);
  g_free (self);
}

static void
report_progress (Run *run)
{
  double seconds = (g_get_monotonic_time () - run->started) / 1e6;
  PhotoIndexerProgress p = {
    .done = run->done,
    .total = run->total,
    .per_second = run->done > 0 && seconds > 0 ? run->done / seconds : 0,
    .eta_seconds = -1,
    .current = run->current != NULL ? run->current->path : NULL,
  };

  if (p.per_second > 0)
    p.eta_seconds = (run->total - run->done) / p.per_second;
  if (run->progress != NULL)
    run->progress (&p, run->user_data);
}

static void describe_next (GTask *task);

/* A photo that cannot be decoded is the photo's problem, not the run's. */
static gboolean
is_photo_problem (const GError *error)
{
  return error->domain == HEARTH_ENGINE_ERROR &&
         (error->code == HEARTH_ENGINE_ERROR_IO || error->code == HEARTH_ENGINE_ERROR_UNSUPPORTED ||
          error->code == HEARTH_ENGINE_ERROR_CORRUPT_FILE);
}

static gboolean
save_answer (Run *run, const char *answer, GError **error)
{
  PhotoDescription d = { 0 };
  gboolean ok;

  photo_description_parse (answer, &d);
  ok = hearth_photo_index_set_described (run->indexer->index, run->current->id, d.description,
                                         d.objects, d.visible_text, error);
  photo_description_clear (&d);
  run->n_described++;
  return ok;
}

static void
described_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (GTask) task = data;
  Run *run = g_task_get_task_data (task);
  g_autoptr (GError) error = NULL;
  g_autoptr (GError) save_error = NULL;
  g_autofree char *answer = hearth_engine_describe_image_finish (NULL, result, &error);
  gboolean saved;

  (void) source;
  if (answer != NULL)
    saved = save_answer (run, answer, &save_error);
  else if (is_photo_problem (error))
    {
      saved = hearth_photo_index_set_failed (run->indexer->index, run->current->id, error->message,
                                             &save_error);
      run->n_failed++;
    }
  else
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (!saved)
    {
      g_task_return_error (task, g_steal_pointer (&save_error));
      return;
    }
  run->done++;
  g_clear_pointer (&run->current, hearth_photo_free);
  report_progress (run);
  describe_next (g_steal_pointer (&task));
}

static void
describe_next (GTask *task)
{
  Run *run = g_task_get_task_data (task);
  PhotoIndexer *self = run->indexer;
  HearthSamplingParams params;
  g_autoptr (GPtrArray) pending = NULL;
  GError *error = NULL;

  if (g_task_return_error_if_cancelled (task))
    {
      g_object_unref (task);
      return;
    }
  if (self->paused)
    {
      self->waiting = task;
      return;
    }
  if ((pending = hearth_photo_index_list_pending (self->index, 1, &error)) == NULL)
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  if (pending->len == 0)
    {
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
      return;
    }
  run->current = g_ptr_array_steal_index (pending, 0);
  report_progress (run);

  /* Greedy: the same photo always gets the same words. */
  hearth_sampling_params_init (&params);
  params.sampler.temperature = 0;
  params.max_tokens = self->max_tokens;
  hearth_engine_describe_image_async (self->engine, self->model, run->current->path,
                                      PHOTO_DESCRIBE_PROMPT, &params,
                                      HEARTH_ENGINE_PRIORITY_BACKGROUND,
                                      g_task_get_cancellable (task), described_cb, task);
}

static void
scanned_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  GTask *task = data;
  Run *run = g_task_get_task_data (task);
  HearthPhotoCounts counts;
  GError *error = NULL;

  (void) source;
  if (!hearth_engine_run_finish (NULL, result, &error) ||
      !hearth_photo_index_count (run->indexer->index, &counts, &error))
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  run->total = counts.n_pending;
  run->started = g_get_monotonic_time ();
  report_progress (run);
  describe_next (task);
}

void
photo_indexer_run_async (PhotoIndexer *self, const char *const *folders,
                         PhotoIndexerProgressFunc progress, GCancellable *cancellable,
                         GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  Run *run = g_new0 (Run, 1);

  g_task_set_source_tag (task, photo_indexer_run_async);
  run->indexer = self;
  run->progress = progress;
  run->user_data = user_data;
  run->scan = g_new0 (Scan, 1);
  run->scan->db_path = g_strdup (self->db_path);
  run->scan->folders = g_strdupv ((char **) folders);
  g_task_set_task_data (task, run, (GDestroyNotify) run_free);
  /* The scan belongs to the run (its stats are read at the end), so the
   * job frees nothing. */
  hearth_engine_run_async (self->engine, HEARTH_ENGINE_PRIORITY_BACKGROUND, run_scan, run->scan, NULL,
                           cancellable, scanned_cb, task);
}

gboolean
photo_indexer_run_finish (PhotoIndexer *self, GAsyncResult *result, PhotoScanStats *scan,
                          guint *n_described, guint *n_failed, GError **error)
{
  Run *run;

  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == photo_indexer_run_async, FALSE);

  run = g_task_get_task_data (G_TASK (result));
  if (scan != NULL)
    *scan = run->scan->stats;
  if (n_described != NULL)
    *n_described = run->n_described;
  if (n_failed != NULL)
    *n_failed = run->n_failed;
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
photo_indexer_pause (PhotoIndexer *self)
{
  self->paused = TRUE;
}

void
photo_indexer_resume (PhotoIndexer *self)
{
  self->paused = FALSE;
  if (self->waiting != NULL)
    describe_next (g_steal_pointer (&self->waiting));
}

gboolean
photo_indexer_is_paused (PhotoIndexer *self)
{
  return self->paused;
}
