#define G_LOG_DOMAIN "hearth-fuzz"

/* make-fuzz-corpus OUT: writes the seed corpora of the fuzz harnesses,
 * one folder per harness under OUT (tests/fuzz/corpus in the tree): small
 * valid inputs of each format, so that fuzzing starts from files that get
 * past the first checks (GGUF seeds have no .gguf suffix, which git
 * ignores). Regression inputs (crashes found by fuzzing) are
 * added to those folders by hand and are not written here. */

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <glib/gstdio.h>
#include <string.h>

#include "gguf.h"
#include "image-format-test-util.h"
#include "unicode.h"

static const char *out_dir;

static void
save (const char *harness, const char *name, const void *data, gsize size)
{
  g_autofree char *dir = g_build_filename (out_dir, harness, NULL);
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr (GError) error = NULL;

  g_mkdir_with_parents (dir, 0755);
  if (!g_file_set_contents (path, data, size, &error))
    g_error ("%s", error->message);
}

static void
save_text (const char *harness, const char *name, const char *text)
{
  save (harness, name, text, strlen (text));
}

/* ---- GGUF ---------------------------------------------------------------- */

static void put_u32 (GByteArray *b, guint32 v) { g_byte_array_append (b, (guint8 *) &v, 4); }
static void put_u64 (GByteArray *b, guint64 v) { g_byte_array_append (b, (guint8 *) &v, 8); }

static void
put_str (GByteArray *b, const char *s)
{
  put_u64 (b, strlen (s));
  g_byte_array_append (b, (const guint8 *) s, strlen (s));
}

static void
key (GByteArray *b, const char *name, GgufType type)
{
  put_str (b, name);
  put_u32 (b, type);
}

static void
kv_str (GByteArray *b, const char *name, const char *value)
{
  key (b, name, GGUF_TYPE_STRING);
  put_str (b, value);
}

static void
kv_u32 (GByteArray *b, const char *name, guint32 value)
{
  key (b, name, GGUF_TYPE_UINT32);
  put_u32 (b, value);
}

static void
kv_strings (GByteArray *b, const char *name, GPtrArray *values)
{
  key (b, name, GGUF_TYPE_ARRAY);
  put_u32 (b, GGUF_TYPE_STRING);
  put_u64 (b, values->len);
  for (guint i = 0; i < values->len; i++)
    put_str (b, g_ptr_array_index (values, i));
}

static void
kv_numbers (GByteArray *b, const char *name, GgufType type, const void *values, guint n, guint elem_size)
{
  key (b, name, GGUF_TYPE_ARRAY);
  put_u32 (b, type);
  put_u64 (b, n);
  g_byte_array_append (b, values, n * elem_size);
}

/* Header, the key/values written by @write_kvs (it returns their count),
 * one F32 tensor of 8 elements, aligned data. */
static void
save_gguf (const char *name, guint64 (*write_kvs) (GByteArray *b))
{
  g_autoptr (GByteArray) kvs = g_byte_array_new ();
  g_autoptr (GByteArray) b = g_byte_array_new ();
  guint64 n_kvs = write_kvs (kvs);
  const float norm[8] = { 1, 1, 1, 1, 0.5f, 0.5f, 2, 2 };

  g_byte_array_append (b, (const guint8 *) "GGUF", 4);
  put_u32 (b, 3);
  put_u64 (b, 1);
  put_u64 (b, n_kvs + 1);
  g_byte_array_append (b, kvs->data, kvs->len);
  kv_u32 (b, "general.alignment", 32);
  put_str (b, "output_norm.weight");
  put_u32 (b, 1);
  put_u64 (b, 8);
  put_u32 (b, 0); /* F32 */
  put_u64 (b, 0);
  while (b->len % 32 != 0)
    g_byte_array_append (b, (const guint8 *) "", 1);
  g_byte_array_append (b, (const guint8 *) norm, sizeof norm);
  save ("gguf", name, b->data, b->len);
}

static guint64
spm_kvs (GByteArray *b)
{
  g_autoptr (GPtrArray) tokens = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GArray) scores = g_array_new (FALSE, FALSE, sizeof (float));
  g_autoptr (GArray) types = g_array_new (FALSE, FALSE, sizeof (gint32));
  static const char *const pieces[] = { "<unk>", "<s>", "</s>", "▁the", "▁a", "he", "é", "▁", "t", "h" };

  for (guint i = 0; i < G_N_ELEMENTS (pieces); i++)
    {
      float score = -(float) i;
      gint32 type = i == 0 ? 2 : i < 3 ? 3 : 1;
      g_ptr_array_add (tokens, g_strdup (pieces[i]));
      g_array_append_val (scores, score);
      g_array_append_val (types, type);
    }
  for (guint byte = 0; byte < 256; byte += 17)
    {
      float score = 0;
      gint32 type = 6;
      g_ptr_array_add (tokens, g_strdup_printf ("<0x%02X>", byte));
      g_array_append_val (scores, score);
      g_array_append_val (types, type);
    }
  kv_str (b, "general.architecture", "llama");
  kv_str (b, "general.name", "Tiny SentencePiece");
  kv_u32 (b, "llama.context_length", 128);
  kv_u32 (b, "llama.embedding_length", 8);
  kv_u32 (b, "llama.block_count", 1);
  kv_str (b, "tokenizer.ggml.model", "llama");
  kv_strings (b, "tokenizer.ggml.tokens", tokens);
  kv_numbers (b, "tokenizer.ggml.scores", GGUF_TYPE_FLOAT32, scores->data, scores->len, 4);
  kv_numbers (b, "tokenizer.ggml.token_type", GGUF_TYPE_INT32, types->data, types->len, 4);
  kv_u32 (b, "tokenizer.ggml.bos_token_id", 1);
  kv_u32 (b, "tokenizer.ggml.eos_token_id", 2);
  kv_str (b, "tokenizer.chat_template",
          "{% for m in messages %}{{ '<|' + m.role + '|>' + m.content }}{% endfor %}");
  return 13;
}

static guint64
bpe_kvs (GByteArray *b)
{
  g_autoptr (GPtrArray) tokens = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) merges = g_ptr_array_new_with_free_func (g_free);
  const gint8 small[4] = { -1, 0, 1, 2 };
  const gboolean flags[2] = { TRUE, FALSE };

  for (guint byte = 0; byte < 256; byte++)
    {
      char text[8] = { 0 };
      g_unichar_to_utf8 (hearth_unicode_from_byte (byte), text);
      g_ptr_array_add (tokens, g_strdup (text));
    }
  g_ptr_array_add (tokens, g_strdup ("Ġt"));
  g_ptr_array_add (tokens, g_strdup ("he"));
  g_ptr_array_add (tokens, g_strdup ("<|eot_id|>"));
  g_ptr_array_add (merges, g_strdup ("Ġ t"));
  g_ptr_array_add (merges, g_strdup ("h e"));
  kv_str (b, "general.architecture", "llama");
  kv_str (b, "general.name", "Tiny byte-level BPE");
  kv_str (b, "tokenizer.ggml.model", "gpt2");
  kv_str (b, "tokenizer.ggml.pre", "llama-bpe");
  kv_strings (b, "tokenizer.ggml.tokens", tokens);
  kv_strings (b, "tokenizer.ggml.merges", merges);
  kv_u32 (b, "tokenizer.ggml.eos_token_id", 258);
  /* Other value types, for the accessors. */
  kv_numbers (b, "test.i8s", GGUF_TYPE_INT8, small, 4, 1);
  kv_numbers (b, "test.bools", GGUF_TYPE_BOOL, flags, 2, 1);
  key (b, "test.u64", GGUF_TYPE_UINT64);
  put_u64 (b, G_GUINT64_CONSTANT (1) << 40);
  key (b, "test.nested", GGUF_TYPE_ARRAY);
  put_u32 (b, GGUF_TYPE_ARRAY);
  put_u64 (b, 1);
  put_u32 (b, GGUF_TYPE_UINT32);
  put_u64 (b, 1);
  put_u32 (b, 7);
  return 11;
}

static guint64
clip_kvs (GByteArray *b)
{
  kv_str (b, "general.architecture", "clip");
  kv_str (b, "clip.projector_type", "idefics3");
  kv_u32 (b, "clip.vision.projection_dim", 576);
  kv_u32 (b, "clip.vision.image_size", 512);
  return 4;
}

/* ---- tokenizer ------------------------------------------------------------ */

static void
write_tokenizer (void)
{
  static const char *const texts[] = {
    "Hello world! It's 2024, isn't it? 12345 3.14",
    " the  the\tthe\n\nthe<|eot_id|>x<tag>y",
    "你好，世界 Привет мир ¿Qué tal? naïve café",
    "def f(x):\n    return x ** 2  # 🙂👍🏽",
    "\xe2\x82 truncated \xff\xfe invalid \xc0\x80",
  };
  /* First byte: vocabulary in the low nibble, then add/parse/render special. */
  for (guint vocab = 0; vocab < 11; vocab++)
    for (guint t = 0; t < G_N_ELEMENTS (texts); t++)
      {
        g_autofree char *name = g_strdup_printf ("vocab%02u-text%u", vocab, t);
        g_autoptr (GByteArray) b = g_byte_array_new ();
        guint8 selector = vocab | (t % 2 ? 0x70 : 0x00);
        g_byte_array_append (b, &selector, 1);
        g_byte_array_append (b, (const guint8 *) texts[t], strlen (texts[t]));
        save ("tokenizer", name, b->data, b->len);
      }
}

/* ---- chat templates --------------------------------------------------------- */

static void
save_template (const char *name, const char *source, const char *const *messages, gsize n)
{
  g_autoptr (GByteArray) b = g_byte_array_new ();

  g_byte_array_append (b, (const guint8 *) source, strlen (source));
  for (gsize i = 0; i < n; i++)
    {
      g_byte_array_append (b, (const guint8 *) "", 1);
      g_byte_array_append (b, (const guint8 *) messages[i], strlen (messages[i]));
    }
  save ("chat-template", name, b->data, b->len);
}

static void
write_chat_templates (void)
{
  static const char *const messages[] = {
    "You are terse.", "Hi there! ¿Qué tal? 你好", "  Hello, how can I help?  ", "Describe <image> this.",
  };
  static const char *const broken[] = { "\xd6" "ab\xe2\x82", "\xff" };

  save_template ("chatml",
    "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' }}"
    "{% if message.content is string %}{{ message.content }}{% else %}{% for p in message.content %}"
    "{% if p.type == 'text' %}{{ p.text }}{% else %}<image>{% endif %}{% endfor %}{% endif %}"
    "{{ '<|im_end|>\\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}",
    messages, 4);
  save_template ("llama3-system",
    "{{ bos_token }}{% set ns = namespace(sys='') %}{% if messages[0]['role'] == 'system' %}"
    "{% set ns.sys = messages[0]['content'] | trim %}{% set loop_messages = messages[1:] %}"
    "{% else %}{% set loop_messages = messages %}{% endif %}"
    "{%- for m in loop_messages -%}{%- if (m.role == 'user') != (loop.index0 % 2 == 0) -%}"
    "{{ raise_exception('roles must alternate') }}{%- endif -%}"
    "<|start_header_id|>{{ m.role }}<|end_header_id|>\n\n{{ m.content | string | trim }}<|eot_id|>"
    "{%- endfor -%}{{ ns.sys | length }}",
    messages, 3);
  save_template ("string-methods",
    "{% for m in messages %}{% set c = m.content if m.content is string else '' %}"
    "{{ c.strip() }}|{{ c.lstrip('Y') }}|{{ c.rstrip('.') }}|{{ c.split(' ') | join(',') }}|"
    "{{ c.replace('a', 'ä', 2) }}|{{ c.startswith('Hi') }}|{{ c.endswith('!') }}|{{ c.upper() }}|"
    "{{ c.lower() }}|{{ c.title() }}|{{ c | capitalize }}|{{ c | trim }}|{{ c | reverse }}|{{ c[1:-1] }}|"
    "{{ c[::2] }}|{{ c[::-1] }}|{{ c[0] if c }}|{{ c | length }}|{{ c | tojson }}|{{ c | list | first }}|"
    "{{ c is upper }}|{{ c | default('none') }}{{ c | center(9) if false }}"
    "{% endfor %}",
    messages, 4);
  save_template ("macros-and-dicts",
    "{% macro show(x, sep=', ') %}{{ x | join(sep) }}{% endmacro %}{% set d = {'b': 2, 'a': 1} %}"
    "{% for k, v in d | dictsort %}{{ k }}={{ v }}{% endfor %}{{ show(['x', 'y']) }}"
    "{{ range(3) | list }}{{ [3, 1, 2] | sort | first }}{{ messages | map(attribute='role') | unique | list }}"
    "{{ messages | selectattr('role', 'equalto', 'user') | list | length }}{{ none is none }}"
    "{{ 7 // 2 }}{{ -7 % 3 }}{{ 2 ** 10 }}{{ 'x' ~ 1.5 }}{{ strftime_now('%Y') if strftime_now is defined }}",
    messages, 2);
  /* The renderer's heap-buffer-overflow found by fuzzing: a lone UTF-8 lead
   * byte as strip()'s argument, and the same over messages that are not UTF-8. */
  save_template ("regression-lstrip-lead-byte",
    "{%for message in messages%}{{message.content.lstrip(\"\xd6\")}}{%endfor%}", broken, 2);
  save_template ("regression-lstrip-escape",
    "{%for message in messages%}{{message.content.lstrip(\"\\xd6\")}}{{message.content[-1]}}"
    "{{message.content|title}}{%endfor%}", broken, 2);
}

/* ---- images ------------------------------------------------------------------- */

static GdkPixbuf *
make_pixbuf (gboolean alpha, int width, int height)
{
  GdkPixbuf *pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, alpha, 8, width, height);
  int n_channels = gdk_pixbuf_get_n_channels (pixbuf), stride = gdk_pixbuf_get_rowstride (pixbuf);
  guint8 *pixels = gdk_pixbuf_get_pixels (pixbuf);

  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      for (int c = 0; c < n_channels; c++)
        pixels[y * stride + x * n_channels + c] = c == 3 ? 128 + 32 * x : (guint8) (40 * x + 60 * y + 80 * c);
  return pixbuf;
}

static gboolean
save_pixbuf (GdkPixbuf *pixbuf, const char *type, const char *name, GByteArray *out)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *buffer = NULL;
  gsize size = 0;

  if (!gdk_pixbuf_save_to_buffer (pixbuf, &buffer, &size, type, &error, NULL))
    {
      g_printerr ("make-fuzz-corpus: no %s seed: %s\n", name, error->message);
      return FALSE;
    }
  if (out != NULL)
    g_byte_array_append (out, (const guint8 *) buffer, size);
  else
    save ("image", name, buffer, size);
  return TRUE;
}

/* A big-endian TIFF block whose IFD0 has Make, Model, Orientation and
 * DateTime, the strings after it. */
static GByteArray *
make_exif_tiff (guint16 orientation, const char *make)
{
  GByteArray *t = g_byte_array_new ();
  const char when[] = "2023:07:14 18:30:05";
  guint8 make_len = strlen (make) + 1;
  const guint8 strings = 8 + 2 + 4 * 12 + 4, when_at = strings + make_len;
  const guint8 header[] = { 'M', 'M', 0, 42, 0, 0, 0, 8, 0, 4 };
  const guint8 entries[] = {
    0x01, 0x0f, 0, 2, 0, 0, 0, make_len, 0, 0, 0, strings,
    0x01, 0x10, 0, 2, 0, 0, 0, 4, 'X', '1', '0', 0,
    0x01, 0x12, 0, 3, 0, 0, 0, 1, orientation >> 8, orientation & 0xff, 0, 0,
    0x01, 0x32, 0, 2, 0, 0, 0, sizeof when, 0, 0, 0, when_at,
    0, 0, 0, 0,
  };

  g_byte_array_append (t, header, sizeof header);
  g_byte_array_append (t, entries, sizeof entries);
  g_byte_array_append (t, (const guint8 *) make, make_len);
  g_byte_array_append (t, (const guint8 *) when, sizeof when);
  return t;
}

/* @jpeg with an APP1 Exif segment right after its SOI marker. */
static GByteArray *
with_exif (const GByteArray *jpeg, const GByteArray *tiff)
{
  GByteArray *out = g_byte_array_new ();
  guint len = 2 + 6 + tiff->len;

  g_byte_array_append (out, jpeg->data, 2);
  g_byte_array_append (out, (const guint8 []) { 0xff, 0xe1, len >> 8, len & 0xff }, 4);
  g_byte_array_append (out, (const guint8 *) "Exif\0\0", 6);
  g_byte_array_append (out, tiff->data, tiff->len);
  g_byte_array_append (out, jpeg->data + 2, jpeg->len - 2);
  return out;
}

/* A 2×2 two-colour GIF. LZW with a clear code every two pixels keeps the
 * codes at three bits, so no dictionary is needed to write it. */
static void
write_gif (void)
{
  static const guint8 codes[] = { 4, 0, 1, 4, 1, 0, 5 }; /* clear, pixels, end */
  g_autoptr (GByteArray) b = g_byte_array_new ();
  guint8 packed[3] = { 0 };
  guint bit = 0;

  for (guint i = 0; i < G_N_ELEMENTS (codes); i++)
    for (guint k = 0; k < 3; k++, bit++)
      packed[bit / 8] |= ((codes[i] >> k) & 1) << (bit % 8);
  g_byte_array_append (b, (const guint8 *) "GIF89a", 6);
  g_byte_array_append (b, (const guint8 []) { 2, 0, 2, 0, 0x80, 0, 0 }, 7);   /* screen, 2-colour table */
  g_byte_array_append (b, (const guint8 []) { 255, 64, 0, 0, 128, 255 }, 6);  /* the colours */
  g_byte_array_append (b, (const guint8 []) { ',', 0, 0, 0, 0, 2, 0, 2, 0, 0 }, 10);
  g_byte_array_append (b, (const guint8 []) { 2, sizeof packed }, 2);         /* LZW minimum, block size */
  g_byte_array_append (b, packed, sizeof packed);
  g_byte_array_append (b, (const guint8 []) { 0, ';' }, 2);
  save ("image", "two-colours.gif", b->data, b->len);
}

static void
write_images (void)
{
  g_autoptr (GdkPixbuf) rgba = make_pixbuf (TRUE, 3, 2);
  g_autoptr (GdkPixbuf) rgb = make_pixbuf (FALSE, 8, 4);
  g_autoptr (GByteArray) jpeg = g_byte_array_new ();
  g_autoptr (GByteArray) png = g_byte_array_new ();
  g_autofree char *tmp = g_dir_make_tmp ("hearth-corpus-XXXXXX", NULL);
  g_autofree char *png_path = g_build_filename (tmp, "source.png", NULL);

  save_pixbuf (rgba, "png", "alpha.png", NULL);
  save_pixbuf (rgb, "webp", "plain.webp", NULL);
  save_pixbuf (rgba, "bmp", "alpha.bmp", NULL);
  if (save_pixbuf (rgb, "jpeg", "plain.jpg", jpeg))
    {
      g_autoptr (GByteArray) tiff = make_exif_tiff (6, "Canon");
      g_autoptr (GByteArray) rotated = with_exif (jpeg, tiff);
      save ("image", "plain.jpg", jpeg->data, jpeg->len);
      save ("image", "exif-rotated.jpg", rotated->data, rotated->len);
    }
  write_gif ();

  /* HEIC and AVIF through their encoders, as the image tests make them. */
  save_pixbuf (rgb, "png", "source.png", png);
  g_file_set_contents (png_path, (const char *) png->data, png->len, NULL);
  for (guint i = 0; i < 2; i++)
    {
      const char *ext = i == 0 ? "heic" : "avif";
      g_autofree char *dest = g_strdup_printf ("%s/plain.%s", tmp, ext);
      g_autofree char *why_not = NULL;
      g_autofree char *contents = NULL;
      g_autofree char *name = g_strdup_printf ("plain.%s", ext);
      gsize size;

      if (!hearth_test_encode_image (png_path, dest, &why_not))
        g_printerr ("make-fuzz-corpus: no %s seed: %s\n", ext, why_not);
      else if (g_file_get_contents (dest, &contents, &size, NULL))
        save ("image", name, contents, size);
      g_unlink (dest);
    }
  g_unlink (png_path);
  g_rmdir (tmp);
}

/* ---- EXIF ----------------------------------------------------------------------- */

static void
write_exif (void)
{
  static const char *const makes[] = { "Canon", "Ca\xe9non", "\x01\x02", "NIKON CORPORATION" };
  const guint8 soi[] = { 0xff, 0xd8, 0xff, 0xd9 };

  for (guint i = 0; i < G_N_ELEMENTS (makes); i++)
    {
      g_autoptr (GByteArray) jpeg = g_byte_array_new ();
      g_autoptr (GByteArray) tiff = make_exif_tiff (1 + i, makes[i]);
      g_autoptr (GByteArray) file = NULL;
      g_autofree char *name = g_strdup_printf ("exif-%u.jpg", i);

      g_byte_array_append (jpeg, soi, sizeof soi);
      file = with_exif (jpeg, tiff);
      save ("exif", name, file->data, file->len);
    }
}

/* ---- Markdown and search text ---------------------------------------------------- */

static void
write_markdown (void)
{
  save_text ("markdown", "mixed.md",
    "# Title *em* **strong**\n\nA paragraph with `code`, ~~strike~~, a [link](https://example.org \"t\")"
    " and &amp; &lt;tag&gt; &#x1F600; &bogus;.\n\n> quoted\n> > twice\n\n- one\n- two\n  1. nested\n  2. list\n"
    "- [x] done\n- [ ] todo\n\n---\n\n| a | b |\n|:--|--:|\n| 1 | *2* |\n\n```python\nprint(\"<hi>\")\n```\n");
  save_text ("markdown", "unclosed.md", "**bold _it `code\n\n```\nno end\n\n[a](<b) ![img](x.png)\n<b>html</b>");
  save_text ("markdown", "headings.md", "Setext\n===\n\n## Two ##\n\n###### Six\n\n1) a\n2) b\n\n    indented code\n");
}

static void
write_queries (void)
{
  static const char *const queries[] = {
    "bicycle", "run*", "\"red bike\" NEAR(x y, 3)", "a OR b AND NOT c", "café Zürich 日本",
    "column:value ^start -minus +plus", "((( )))", "*", "the", "photograph's \"",
  };
  for (guint i = 0; i < G_N_ELEMENTS (queries); i++)
    {
      g_autofree char *name = g_strdup_printf ("query-%u", i);
      save_text ("fts-query", name, queries[i]);
    }
}

int
main (int argc, char **argv)
{
  if (argc != 2)
    {
      g_printerr ("usage: make-fuzz-corpus OUT\n");
      return 2;
    }
  out_dir = argv[1];
  save_gguf ("spm-vocabulary", spm_kvs);
  save_gguf ("bpe-vocabulary", bpe_kvs);
  save_gguf ("clip-projector", clip_kvs);
  write_tokenizer ();
  write_chat_templates ();
  write_images ();
  write_exif ();
  write_markdown ();
  write_queries ();
  return 0;
}
