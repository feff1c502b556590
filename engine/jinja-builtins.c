#define G_LOG_DOMAIN "hearth-jinja"

/* jinja-builtins.c: the filters, tests, globals and Python methods that
 * chat templates use. Each behaves like its Jinja 3.1 / Python 3
 * counterpart for the value types we have; list-mutating methods such as
 * append() are refused, as in Jinja's ImmutableSandboxedEnvironment. */

#include <string.h>

#include "hearth-engine-error.h"
#include "jinja-private.h"

#define ARGS JEval *ev, const JNode *at, JValue *v, GPtrArray *args, GPtrArray *kw_names, \
             GPtrArray *kw_values, GError **error

/* ---- argument helpers ---------------------------------------------------- */

/* Positional argument i, or keyword `name`, or NULL. Borrowed. */
static JValue *
arg (GPtrArray *args, GPtrArray *kw_names, GPtrArray *kw_values, guint i, const char *name)
{
  if (i < args->len)
    return g_ptr_array_index (args, i);
  for (guint k = 0; kw_names != NULL && k < kw_names->len; k++)
    if (strcmp (g_ptr_array_index (kw_names, k), name) == 0)
      return g_ptr_array_index (kw_values, k);
  return NULL;
}

static gboolean
want_string (JEval *ev, const JNode *at, JValue *v, const char *what, GError **error)
{
  if (v->type == JV_STRING)
    return TRUE;
  jinja_set_error (ev, at, error, "%s expects a string, got '%s'", what, jv_type_name (v));
  return FALSE;
}

static JValue *
string_from_gstring (GString *s)
{
  gsize len = s->len;
  char *text = g_string_free (s, FALSE);
  JValue *v = jv_string_len (text, len);
  g_free (text);
  return v;
}

/* ---- string operations ----------------------------------------------------- */

/* Python's str.isspace() for one code point. */
static gboolean
is_py_space (gunichar c)
{
  return g_unichar_isspace (c) || (c >= 0x1c && c <= 0x1f) || c == 0x85;
}

static gboolean
in_chars (gunichar c, const char *chars)
{
  if (chars == NULL)
    return is_py_space (c);
  for (const char *p = chars; *p; p = g_utf8_next_char (p))
    if (g_utf8_get_char (p) == c)
      return TRUE;
  return FALSE;
}

char *
jinja_strip (const char *s, const char *chars, gboolean left, gboolean right)
{
  const char *start = s, *end = s + strlen (s);
  while (left && start < end && in_chars (g_utf8_get_char (start), chars))
    start = g_utf8_next_char (start);
  while (right && end > start)
    {
      const char *prev = g_utf8_prev_char (end);
      if (!in_chars (g_utf8_get_char (prev), chars))
        break;
      end = prev;
    }
  return g_strndup (start, end - start);
}

static char *
replace_all (const char *s, const char *old, const char *new, gint64 count)
{
  GString *out = g_string_new (NULL);
  gsize old_len = strlen (old);
  const char *p = s;
  if (old_len == 0)
    {
      /* Python inserts `new` between every character and at both ends. */
      for (gint64 n = 0; count < 0 || n < count; n++)
        {
          g_string_append (out, new);
          if (*p == '\0')
            break;
          const char *next = g_utf8_next_char (p);
          g_string_append_len (out, p, next - p);
          p = next;
        }
      g_string_append (out, p);
      return g_string_free (out, FALSE);
    }
  for (gint64 n = 0; count < 0 || n < count; n++)
    {
      const char *hit = strstr (p, old);
      if (hit == NULL)
        break;
      g_string_append_len (out, p, hit - p);
      g_string_append (out, new);
      p = hit + old_len;
    }
  g_string_append (out, p);
  return g_string_free (out, FALSE);
}

static JValue *
do_replace (ARGS)
{
  JValue *old = arg (args, kw_names, kw_values, 0, "old");
  JValue *new = arg (args, kw_names, kw_values, 1, "new");
  JValue *count = arg (args, kw_names, kw_values, 2, "count");
  if (old == NULL || new == NULL || !want_string (ev, at, old, "replace()", error)
      || !want_string (ev, at, new, "replace()", error))
    {
      if (error == NULL || *error == NULL)
        jinja_set_error (ev, at, error, "replace() needs the old and the new text");
      return NULL;
    }
  g_autofree char *s = jv_to_str (v);
  gsize n_hits = 0;
  for (const char *p = strstr (s, old->str.s); old->str.len > 0 && p; p = strstr (p + old->str.len, old->str.s))
    n_hits++;
  if (!jinja_check_size (ev, at, strlen (s) + n_hits * new->str.len, error))
    return NULL;
  return jv_string_take (replace_all (s, old->str.s, new->str.s,
                                      count != NULL && count->type == JV_INT ? count->i : -1));
}

static char *
capitalize (const char *s)
{
  if (*s == '\0')
    return g_strdup ("");
  GString *out = g_string_new (NULL);
  g_string_append_unichar (out, g_unichar_totitle (g_utf8_get_char (s)));
  g_autofree char *rest = g_utf8_strdown (g_utf8_next_char (s), -1);
  g_string_append (out, rest);
  return g_string_free (out, FALSE);
}

/* Python's str.title(): a letter after a non-letter is upper-cased, every
 * other letter lower-cased. */
static char *
title_case (const char *s)
{
  GString *out = g_string_new (NULL);
  gboolean after_letter = FALSE;
  for (const char *p = s; *p; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      gboolean letter = g_unichar_isalpha (c);
      g_string_append_unichar (out, letter ? (after_letter ? g_unichar_tolower (c) : g_unichar_totitle (c)) : c);
      after_letter = letter;
    }
  return g_string_free (out, FALSE);
}

static JValue *
split (ARGS)
{
  JValue *sep = arg (args, kw_names, kw_values, 0, "sep");
  JValue *max = arg (args, kw_names, kw_values, 1, "maxsplit");
  gint64 limit = max != NULL && max->type == JV_INT ? max->i : -1;
  JValue *parts = jv_list_new ();
  const char *p = v->str.s;
  if (sep == NULL || sep->type == JV_NONE)
    {
      for (;;)
        {
          while (*p && is_py_space (g_utf8_get_char (p)))
            p = g_utf8_next_char (p);
          if (*p == '\0')
            break;
          const char *start = p;
          if (limit >= 0 && (gint64) parts->list->len >= limit)
            {
              g_autofree char *rest = jinja_strip (start, NULL, FALSE, TRUE);
              jv_list_append (parts, jv_string (rest));
              break;
            }
          while (*p && !is_py_space (g_utf8_get_char (p)))
            p = g_utf8_next_char (p);
          jv_list_append (parts, jv_string_len (start, p - start));
        }
      return parts;
    }
  if (!want_string (ev, at, sep, "split()", error) || sep->str.len == 0)
    {
      if (error == NULL || *error == NULL)
        jinja_set_error (ev, at, error, "split(): empty separator");
      jv_unref (parts);
      return NULL;
    }
  for (const char *hit; (limit < 0 || (gint64) parts->list->len < limit) && (hit = strstr (p, sep->str.s));
       p = hit + sep->str.len)
    jv_list_append (parts, jv_string_len (p, hit - p));
  jv_list_append (parts, jv_string (p));
  return parts;
}

static JValue *
affix_test (ARGS, gboolean prefix)
{
  JValue *affix = arg (args, kw_names, kw_values, 0, "prefix");
  if (affix == NULL)
    {
      jinja_set_error (ev, at, error, "%s() needs an argument", prefix ? "startswith" : "endswith");
      return NULL;
    }
  g_autoptr (JValue) options = affix->type == JV_LIST ? jv_ref (affix) : jv_list_new ();
  if (affix->type != JV_LIST)
    jv_list_append (options, jv_ref (affix));
  for (guint i = 0; i < options->list->len; i++)
    {
      JValue *o = g_ptr_array_index (options->list, i);
      if (!want_string (ev, at, o, prefix ? "startswith()" : "endswith()", error))
        return NULL;
      if (o->str.len <= v->str.len
          && memcmp (prefix ? v->str.s : v->str.s + v->str.len - o->str.len, o->str.s, o->str.len) == 0)
        return jv_bool (TRUE);
    }
  return jv_bool (FALSE);
}

static JValue *
string_method (ARGS, const char *name, gboolean *found)
{
  JValue *a0 = arg (args, kw_names, kw_values, 0, "chars");
  const char *chars = a0 != NULL && a0->type == JV_STRING ? a0->str.s : NULL;
  *found = TRUE;
  if (strcmp (name, "strip") == 0)
    return jv_string_take (jinja_strip (v->str.s, chars, TRUE, TRUE));
  if (strcmp (name, "lstrip") == 0)
    return jv_string_take (jinja_strip (v->str.s, chars, TRUE, FALSE));
  if (strcmp (name, "rstrip") == 0)
    return jv_string_take (jinja_strip (v->str.s, chars, FALSE, TRUE));
  if (strcmp (name, "split") == 0)
    return split (ev, at, v, args, kw_names, kw_values, error);
  if (strcmp (name, "startswith") == 0 || strcmp (name, "endswith") == 0)
    return affix_test (ev, at, v, args, kw_names, kw_values, error, name[0] == 's');
  if (strcmp (name, "upper") == 0)
    return jv_string_take (g_utf8_strup (v->str.s, -1));
  if (strcmp (name, "lower") == 0)
    return jv_string_take (g_utf8_strdown (v->str.s, -1));
  if (strcmp (name, "title") == 0)
    return jv_string_take (title_case (v->str.s));
  if (strcmp (name, "capitalize") == 0)
    return jv_string_take (capitalize (v->str.s));
  if (strcmp (name, "replace") == 0)
    return do_replace (ev, at, v, args, kw_names, kw_values, error);
  *found = FALSE;
  return NULL;
}

static JValue *
dict_items (JValue *v)
{
  JValue *items = jv_list_new ();
  for (guint i = 0; i < v->dict.keys->len; i++)
    {
      JValue *pair = jv_tuple_new ();
      jv_list_append (pair, jv_ref (g_ptr_array_index (v->dict.keys, i)));
      jv_list_append (pair, jv_ref (g_ptr_array_index (v->dict.values, i)));
      jv_list_append (items, pair);
    }
  return items;
}

static JValue *
dict_method (ARGS, const char *name, gboolean *found)
{
  *found = TRUE;
  if (strcmp (name, "get") == 0)
    {
      JValue *key = arg (args, kw_names, kw_values, 0, "key");
      JValue *fallback = arg (args, kw_names, kw_values, 1, "default");
      JValue *hit = key != NULL ? jv_dict_lookup (v, key) : NULL;
      if (hit != NULL)
        return jv_ref (hit);
      return fallback != NULL ? jv_ref (fallback) : jv_none ();
    }
  if (strcmp (name, "items") == 0)
    return dict_items (v);
  if (strcmp (name, "keys") == 0 || strcmp (name, "values") == 0)
    {
      JValue *list = jv_list_new ();
      GPtrArray *source = name[0] == 'k' ? v->dict.keys : v->dict.values;
      for (guint i = 0; i < source->len; i++)
        jv_list_append (list, jv_ref (g_ptr_array_index (source, i)));
      return list;
    }
  *found = FALSE;
  return NULL;
}

JValue *
jinja_call_method (JEval *ev, const JNode *at, JValue *obj, const char *name, GPtrArray *args,
                   GPtrArray *kw_names, GPtrArray *kw_values, gboolean *found, GError **error)
{
  static const char *const mutating[] = {
    "append", "extend", "insert", "pop", "remove", "clear", "update", "setdefault", "popitem", "sort", "reverse",
  };
  *found = FALSE;
  if (obj->type == JV_STRING)
    return string_method (ev, at, obj, args, kw_names, kw_values, error, name, found);
  if (obj->type == JV_DICT)
    {
      JValue *result = dict_method (ev, at, obj, args, kw_names, kw_values, error, name, found);
      if (*found)
        return result;
    }
  if (obj->type == JV_LIST || obj->type == JV_DICT)
    for (guint i = 0; i < G_N_ELEMENTS (mutating); i++)
      if (strcmp (name, mutating[i]) == 0)
        {
          *found = TRUE;
          jinja_set_error (ev, at, error, "access to attribute '%s' of '%s' object is unsafe",
                           name, jv_type_name (obj));
          return NULL;
        }
  return NULL;
}

/* ---- filters ---------------------------------------------------------------- */

static JValue *
filter_trim (ARGS)
{
  JValue *chars = arg (args, kw_names, kw_values, 0, "chars");
  g_autofree char *s = jv_to_str (v);
  return jv_string_take (jinja_strip (s, chars != NULL && chars->type == JV_STRING ? chars->str.s : NULL,
                                      TRUE, TRUE));
}

static JValue *
filter_length (ARGS)
{
  switch (v->type)
    {
    case JV_UNDEFINED: return jv_int (0);
    case JV_STRING: return jv_int (jv_str_chars (v));
    case JV_LIST: return jv_int (v->list->len);
    case JV_DICT:
    case JV_NAMESPACE: return jv_int (v->dict.keys->len);
    default:
      jinja_set_error (ev, at, error, "object of type '%s' has no len()", jv_type_name (v));
      return NULL;
    }
}

static JValue *
filter_tojson (ARGS)
{
  JValue *indent = arg (args, kw_names, kw_values, 0, "indent");
  JValue *separators = arg (args, kw_names, kw_values, 99, "separators");
  JValue *sort_keys = arg (args, kw_names, kw_values, 99, "sort_keys");
  const char *item_sep = NULL, *key_sep = NULL;
  if (separators != NULL && separators->type == JV_LIST && separators->list->len == 2)
    {
      JValue *i = g_ptr_array_index (separators->list, 0), *k = g_ptr_array_index (separators->list, 1);
      if (i->type == JV_STRING && k->type == JV_STRING)
        {
          item_sep = i->str.s;
          key_sep = k->str.s;
        }
    }
  GString *out = g_string_new (NULL);
  GError *local = NULL;
  if (!jv_to_json (out, v, indent != NULL && indent->type == JV_INT ? (int) CLAMP (indent->i, 0, 64) : -1,
                   item_sep, key_sep, sort_keys != NULL && jv_truthy (sort_keys), &local))
    {
      jinja_set_error (ev, at, error, "%s", local->message);
      g_error_free (local);
      g_string_free (out, TRUE);
      return NULL;
    }
  if (!jinja_check_size (ev, at, out->len, error))
    {
      g_string_free (out, TRUE);
      return NULL;
    }
  return string_from_gstring (out);
}

static JValue *
filter_string_method (ARGS, const char *method)
{
  g_autoptr (JValue) s = v->type == JV_STRING ? jv_ref (v) : jv_string_take (jv_to_str (v));
  gboolean found;
  return string_method (ev, at, s, args, kw_names, kw_values, error, method, &found);
}

static JValue *filter_upper (ARGS) { return filter_string_method (ev, at, v, args, kw_names, kw_values, error, "upper"); }
static JValue *filter_lower (ARGS) { return filter_string_method (ev, at, v, args, kw_names, kw_values, error, "lower"); }
static JValue *filter_capitalize (ARGS) { return filter_string_method (ev, at, v, args, kw_names, kw_values, error, "capitalize"); }
static JValue *filter_replace (ARGS) { return filter_string_method (ev, at, v, args, kw_names, kw_values, error, "replace"); }

/* Jinja's title filter: upper-case the first letter of each word, where
 * words start after whitespace, '-', '(', '{', '[' or '<'. */
static JValue *
filter_title (ARGS)
{
  g_autofree char *s = jv_to_str (v);
  GString *out = g_string_new (NULL);
  gboolean word_start = TRUE;
  for (const char *p = s; *p; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      gboolean boundary = is_py_space (c) || (c < 128 && strchr ("-({[<", (int) c) != NULL);
      g_string_append_unichar (out, boundary ? c : word_start ? g_unichar_toupper (c) : g_unichar_tolower (c));
      word_start = boundary;
    }
  return string_from_gstring (out);
}

static JValue *
filter_string (ARGS)
{
  return v->type == JV_STRING ? jv_ref (v) : jv_string_take (jv_to_str (v));
}

static JValue *
filter_safe (ARGS)
{
  return jv_ref (v);
}

static JValue *
filter_list (ARGS)
{
  return jinja_iterate (ev, at, v, error);
}

static JValue *
filter_items (ARGS)
{
  if (v->type == JV_UNDEFINED)
    return jv_list_new ();
  if (v->type != JV_DICT && v->type != JV_NAMESPACE)
    {
      jinja_set_error (ev, at, error, "can only get item pairs from a mapping, not '%s'", jv_type_name (v));
      return NULL;
    }
  return dict_items (v);
}

static JValue *
first_or_last (ARGS, gboolean last)
{
  g_autoptr (JValue) items = jinja_iterate (ev, at, v, error);
  if (items == NULL)
    return NULL;
  if (items->list->len == 0)
    return jv_undefined ("No %s item, sequence was empty.", last ? "last" : "first");
  return jv_ref (g_ptr_array_index (items->list, last ? items->list->len - 1 : 0));
}

static JValue *filter_first (ARGS) { return first_or_last (ev, at, v, args, kw_names, kw_values, error, FALSE); }
static JValue *filter_last (ARGS) { return first_or_last (ev, at, v, args, kw_names, kw_values, error, TRUE); }

static JValue *
attribute_of (JValue *item, const char *path)
{
  g_autoptr (JValue) current = jv_ref (item);
  g_auto (GStrv) parts = g_strsplit (path, ".", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    {
      JValue *next = NULL;
      if (current->type == JV_DICT || current->type == JV_NAMESPACE)
        next = jv_dict_lookup_str (current, parts[i]);
      else if (current->type == JV_LIST && g_ascii_isdigit (parts[i][0]))
        {
          guint64 index = g_ascii_strtoull (parts[i], NULL, 10);
          if (index < current->list->len)
            next = g_ptr_array_index (current->list, index);
        }
      if (next == NULL)
        return jv_undefined ("'%s object' has no attribute '%s'", jv_type_name (current), parts[i]);
      jv_unref (current);
      current = jv_ref (next);
    }
  return g_steal_pointer (&current);
}

static JValue *
filter_join (ARGS)
{
  JValue *sep = arg (args, kw_names, kw_values, 0, "d");
  JValue *attribute = arg (args, kw_names, kw_values, 1, "attribute");
  g_autoptr (JValue) items = jinja_iterate (ev, at, v, error);
  if (items == NULL)
    return NULL;
  g_autofree char *separator = sep != NULL ? jv_to_str (sep) : g_strdup ("");
  GString *out = g_string_new (NULL);
  for (guint i = 0; i < items->list->len; i++)
    {
      if (i > 0)
        g_string_append (out, separator);
      JValue *item = g_ptr_array_index (items->list, i);
      g_autoptr (JValue) shown = attribute != NULL && attribute->type == JV_STRING
        ? attribute_of (item, attribute->str.s) : jv_ref (item);
      jv_append_str (out, shown);
      if (!jinja_check_size (ev, at, out->len, error))
        {
          g_string_free (out, TRUE);
          return NULL;
        }
    }
  return string_from_gstring (out);
}

static JValue *
filter_default (ARGS)
{
  JValue *fallback = arg (args, kw_names, kw_values, 0, "default_value");
  JValue *boolean = arg (args, kw_names, kw_values, 1, "boolean");
  gboolean use_fallback = v->type == JV_UNDEFINED || (boolean != NULL && jv_truthy (boolean) && !jv_truthy (v));
  if (!use_fallback)
    return jv_ref (v);
  return fallback != NULL ? jv_ref (fallback) : jv_string ("");
}

static JValue *
filter_int (ARGS)
{
  JValue *fallback = arg (args, kw_names, kw_values, 0, "default");
  switch (v->type)
    {
    case JV_INT: return jv_ref (v);
    case JV_BOOL: return jv_int (v->b);
    case JV_FLOAT: return jv_int ((gint64) v->f);
    case JV_STRING:
      {
        g_autofree char *s = jinja_strip (v->str.s, NULL, TRUE, TRUE);
        char *end;
        gint64 i = g_ascii_strtoll (s, &end, 10);
        if (*s != '\0' && *end == '\0')
          return jv_int (i);
        double f = g_ascii_strtod (s, &end);
        if (*s != '\0' && *end == '\0')
          return jv_int ((gint64) f);
        break;
      }
    default:
      break;
    }
  return fallback != NULL ? jv_ref (fallback) : jv_int (0);
}

static JValue *
filter_float (ARGS)
{
  JValue *fallback = arg (args, kw_names, kw_values, 0, "default");
  if (jv_is_number (v))
    return jv_float (jv_as_double (v));
  if (v->type == JV_STRING)
    {
      g_autofree char *s = jinja_strip (v->str.s, NULL, TRUE, TRUE);
      char *end;
      double f = g_ascii_strtod (s, &end);
      if (*s != '\0' && *end == '\0')
        return jv_float (f);
    }
  return fallback != NULL ? jv_ref (fallback) : jv_float (0.0);
}

static JValue *
filter_abs (ARGS)
{
  if (v->type == JV_INT && v->i != G_MININT64)
    return jv_int (ABS (v->i));
  if (v->type == JV_FLOAT)
    return jv_float (v->f < 0 ? -v->f : v->f);
  jinja_set_error (ev, at, error, "bad operand type for abs(): '%s'", jv_type_name (v));
  return NULL;
}

static JValue *
filter_reverse (ARGS)
{
  if (v->type == JV_STRING)
    {
      g_autofree char *r = g_utf8_strreverse (v->str.s, -1);
      return jv_string (r);
    }
  g_autoptr (JValue) items = jinja_iterate (ev, at, v, error);
  if (items == NULL)
    return NULL;
  JValue *reversed = jv_list_new ();
  for (guint i = items->list->len; i-- > 0;)
    jv_list_append (reversed, jv_ref (g_ptr_array_index (items->list, i)));
  return reversed;
}

/* select/reject(test, args...) and selectattr/rejectattr(attr, test, args...). */
static JValue *
select_items (ARGS, gboolean by_attribute, gboolean keep_matches)
{
  g_autoptr (JValue) items = jinja_iterate (ev, at, v, error);
  if (items == NULL)
    return NULL;
  guint first = 0;
  const char *attribute = NULL;
  if (by_attribute)
    {
      if (args->len == 0 || ((JValue *) g_ptr_array_index (args, 0))->type != JV_STRING)
        {
          jinja_set_error (ev, at, error, "selectattr/rejectattr need an attribute name");
          return NULL;
        }
      attribute = ((JValue *) g_ptr_array_index (args, 0))->str.s;
      first = 1;
    }
  const char *test = NULL;
  if (args->len > first)
    {
      JValue *name = g_ptr_array_index (args, first);
      if (!want_string (ev, at, name, "the test name of select/reject", error))
        return NULL;
      test = name->str.s;
    }
  g_autoptr (GPtrArray) test_args = g_ptr_array_new ();
  for (guint i = first + 1; i < args->len; i++)
    g_ptr_array_add (test_args, g_ptr_array_index (args, i));
  JValue *result = jv_list_new ();
  for (guint i = 0; i < items->list->len; i++)
    {
      JValue *item = g_ptr_array_index (items->list, i);
      g_autoptr (JValue) subject = attribute != NULL ? attribute_of (item, attribute) : jv_ref (item);
      gboolean pass = jv_truthy (subject);
      if (test != NULL && !jinja_apply_test (ev, at, test, subject, test_args, &pass, error))
        {
          jv_unref (result);
          return NULL;
        }
      if (pass == keep_matches)
        jv_list_append (result, jv_ref (item));
    }
  return result;
}

static JValue *filter_select (ARGS) { return select_items (ev, at, v, args, kw_names, kw_values, error, FALSE, TRUE); }
static JValue *filter_reject (ARGS) { return select_items (ev, at, v, args, kw_names, kw_values, error, FALSE, FALSE); }
static JValue *filter_selectattr (ARGS) { return select_items (ev, at, v, args, kw_names, kw_values, error, TRUE, TRUE); }
static JValue *filter_rejectattr (ARGS) { return select_items (ev, at, v, args, kw_names, kw_values, error, TRUE, FALSE); }

static JValue *
filter_map (ARGS)
{
  JValue *attribute = arg (args, kw_names, kw_values, 99, "attribute");
  JValue *fallback = arg (args, kw_names, kw_values, 99, "default");
  JFilter filter = NULL;
  if (attribute == NULL)
    {
      JValue *name = args->len > 0 ? g_ptr_array_index (args, 0) : NULL;
      if (name == NULL || name->type != JV_STRING || (filter = jinja_lookup_filter (name->str.s)) == NULL)
        {
          jinja_set_error (ev, at, error, "map() needs attribute= or the name of a known filter");
          return NULL;
        }
    }
  g_autoptr (JValue) items = jinja_iterate (ev, at, v, error);
  if (items == NULL)
    return NULL;
  g_autoptr (GPtrArray) rest = g_ptr_array_new ();
  for (guint i = 1; filter != NULL && i < args->len; i++)
    g_ptr_array_add (rest, g_ptr_array_index (args, i));
  g_autoptr (GPtrArray) no_names = g_ptr_array_new ();
  JValue *result = jv_list_new ();
  for (guint i = 0; i < items->list->len; i++)
    {
      JValue *item = g_ptr_array_index (items->list, i);
      JValue *mapped;
      if (filter != NULL)
        mapped = filter (ev, at, item, rest, no_names, no_names, error);
      else
        {
          mapped = attribute_of (item, attribute->type == JV_STRING ? attribute->str.s : "");
          if (mapped->type == JV_UNDEFINED && fallback != NULL)
            {
              jv_unref (mapped);
              mapped = jv_ref (fallback);
            }
        }
      if (mapped == NULL)
        {
          jv_unref (result);
          return NULL;
        }
      jv_list_append (result, mapped);
    }
  return result;
}

typedef struct {
  const char *name;
  JFilter fn;
} FilterEntry;

static const FilterEntry filters[] = {
  { "abs", filter_abs }, { "capitalize", filter_capitalize }, { "count", filter_length },
  { "d", filter_default }, { "default", filter_default }, { "first", filter_first },
  { "float", filter_float }, { "int", filter_int }, { "items", filter_items },
  { "join", filter_join }, { "last", filter_last }, { "length", filter_length },
  { "list", filter_list }, { "lower", filter_lower }, { "map", filter_map },
  { "reject", filter_reject }, { "rejectattr", filter_rejectattr }, { "replace", filter_replace },
  { "reverse", filter_reverse }, { "safe", filter_safe }, { "select", filter_select },
  { "selectattr", filter_selectattr }, { "string", filter_string }, { "title", filter_title },
  { "tojson", filter_tojson }, { "trim", filter_trim }, { "upper", filter_upper },
};

JFilter
jinja_lookup_filter (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (filters); i++)
    if (strcmp (filters[i].name, name) == 0)
      return filters[i].fn;
  return NULL;
}

/* ---- tests ------------------------------------------------------------------- */

#define TEST_ARGS JEval *ev, const JNode *at, JValue *v, GPtrArray *args, gboolean *result, GError **error

static gboolean test_defined (TEST_ARGS) { *result = v->type != JV_UNDEFINED; return TRUE; }
static gboolean test_undefined (TEST_ARGS) { *result = v->type == JV_UNDEFINED; return TRUE; }
static gboolean test_none (TEST_ARGS) { *result = v->type == JV_NONE; return TRUE; }
static gboolean test_boolean (TEST_ARGS) { *result = v->type == JV_BOOL; return TRUE; }
static gboolean test_true (TEST_ARGS) { *result = v->type == JV_BOOL && v->b; return TRUE; }
static gboolean test_false (TEST_ARGS) { *result = v->type == JV_BOOL && !v->b; return TRUE; }
static gboolean test_integer (TEST_ARGS) { *result = v->type == JV_INT; return TRUE; }
static gboolean test_float (TEST_ARGS) { *result = v->type == JV_FLOAT; return TRUE; }
static gboolean test_number (TEST_ARGS) { *result = jv_is_number (v); return TRUE; }
static gboolean test_string (TEST_ARGS) { *result = v->type == JV_STRING; return TRUE; }
static gboolean test_mapping (TEST_ARGS) { *result = v->type == JV_DICT; return TRUE; }
static gboolean test_callable (TEST_ARGS) { *result = v->type == JV_FUNCTION || v->type == JV_MACRO; return TRUE; }

/* Undefined iterates (as empty), so Jinja calls it iterable. */
static gboolean
test_iterable (TEST_ARGS)
{
  *result = v->type == JV_STRING || v->type == JV_LIST || v->type == JV_DICT || v->type == JV_UNDEFINED;
  return TRUE;
}

static gboolean
test_sequence (TEST_ARGS)
{
  *result = v->type == JV_STRING || v->type == JV_LIST || v->type == JV_DICT;
  return TRUE;
}

static gboolean
test_case (TEST_ARGS, gboolean upper)
{
  *result = FALSE;
  if (v->type != JV_STRING)
    return TRUE;
  g_autofree char *converted = upper ? g_utf8_strup (v->str.s, -1) : g_utf8_strdown (v->str.s, -1);
  *result = strcmp (converted, v->str.s) == 0;
  return TRUE;
}

static gboolean test_lower (TEST_ARGS) { return test_case (ev, at, v, args, result, error, FALSE); }
static gboolean test_upper (TEST_ARGS) { return test_case (ev, at, v, args, result, error, TRUE); }

static gboolean
needs_arg (JEval *ev, const JNode *at, GPtrArray *args, const char *test, GError **error)
{
  if (args->len >= 1)
    return TRUE;
  jinja_set_error (ev, at, error, "the test '%s' needs an argument", test);
  return FALSE;
}

static gboolean
test_divisibleby (TEST_ARGS)
{
  if (!needs_arg (ev, at, args, "divisibleby", error))
    return FALSE;
  JValue *d = g_ptr_array_index (args, 0);
  if (v->type != JV_INT || d->type != JV_INT || d->i == 0)
    {
      jinja_set_error (ev, at, error, "divisibleby needs non-zero integers");
      return FALSE;
    }
  *result = v->i % d->i == 0;
  return TRUE;
}

static gboolean
test_parity (TEST_ARGS, gboolean even)
{
  if (v->type != JV_INT)
    {
      jinja_set_error (ev, at, error, "the test '%s' needs an integer, got '%s'", even ? "even" : "odd",
                       jv_type_name (v));
      return FALSE;
    }
  *result = (v->i % 2 == 0) == even;
  return TRUE;
}

static gboolean test_even (TEST_ARGS) { return test_parity (ev, at, v, args, result, error, TRUE); }
static gboolean test_odd (TEST_ARGS) { return test_parity (ev, at, v, args, result, error, FALSE); }

static gboolean
test_compare (TEST_ARGS, const char *op)
{
  if (!needs_arg (ev, at, args, op, error))
    return FALSE;
  JValue *other = g_ptr_array_index (args, 0);
  if (strcmp (op, "==") == 0 || strcmp (op, "!=") == 0)
    {
      *result = jv_equal (v, other) == (op[0] == '=');
      return TRUE;
    }
  if (strcmp (op, "in") == 0)
    {
      g_autoptr (JValue) items = jinja_iterate (ev, at, other, error);
      if (items == NULL)
        return FALSE;
      if (other->type == JV_STRING && v->type == JV_STRING)
        *result = strstr (other->str.s, v->str.s) != NULL;
      else
        {
          *result = FALSE;
          for (guint i = 0; i < items->list->len && !*result; i++)
            *result = jv_equal (v, g_ptr_array_index (items->list, i));
        }
      return TRUE;
    }
  if (!(jv_is_number (v) && jv_is_number (other)))
    {
      jinja_set_error (ev, at, error, "'%s' not supported between instances of '%s' and '%s'",
                       op, jv_type_name (v), jv_type_name (other));
      return FALSE;
    }
  double a = jv_as_double (v), b = jv_as_double (other);
  switch (op[0])
    {
    case '<': *result = op[1] == '=' ? a <= b : a < b; break;
    default: *result = op[1] == '=' ? a >= b : a > b; break;
    }
  return TRUE;
}

static gboolean test_eq (TEST_ARGS) { return test_compare (ev, at, v, args, result, error, "=="); }
static gboolean test_ne (TEST_ARGS) { return test_compare (ev, at, v, args, result, error, "!="); }
static gboolean test_lt (TEST_ARGS) { return test_compare (ev, at, v, args, result, error, "<"); }
static gboolean test_le (TEST_ARGS) { return test_compare (ev, at, v, args, result, error, "<="); }
static gboolean test_gt (TEST_ARGS) { return test_compare (ev, at, v, args, result, error, ">"); }
static gboolean test_ge (TEST_ARGS) { return test_compare (ev, at, v, args, result, error, ">="); }
static gboolean test_in (TEST_ARGS) { return test_compare (ev, at, v, args, result, error, "in"); }

static gboolean
test_sameas (TEST_ARGS)
{
  if (!needs_arg (ev, at, args, "sameas", error))
    return FALSE;
  JValue *other = g_ptr_array_index (args, 0);
  gboolean singleton = v->type == JV_NONE || v->type == JV_BOOL || v->type == JV_UNDEFINED;
  *result = v == other || (singleton && v->type == other->type && jv_equal (v, other));
  return TRUE;
}

typedef struct {
  const char *name;
  JTest fn;
} TestEntry;

static const TestEntry tests[] = {
  { "boolean", test_boolean }, { "callable", test_callable }, { "defined", test_defined },
  { "divisibleby", test_divisibleby }, { "eq", test_eq }, { "equalto", test_eq }, { "==", test_eq },
  { "even", test_even }, { "false", test_false }, { "float", test_float }, { "ge", test_ge },
  { "gt", test_gt }, { "greaterthan", test_gt }, { "in", test_in }, { "integer", test_integer },
  { "iterable", test_iterable }, { "le", test_le }, { "lower", test_lower }, { "lt", test_lt },
  { "lessthan", test_lt }, { "mapping", test_mapping }, { "ne", test_ne }, { "none", test_none },
  { "number", test_number }, { "odd", test_odd }, { "sameas", test_sameas }, { "sequence", test_sequence },
  { "string", test_string }, { "true", test_true }, { "undefined", test_undefined }, { "upper", test_upper },
};

JTest
jinja_lookup_test (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (tests); i++)
    if (strcmp (tests[i].name, name) == 0)
      return tests[i].fn;
  return NULL;
}

/* ---- globals ---------------------------------------------------------------- */

#define CALL_ARGS JEval *ev, const JNode *at, GPtrArray *args, GPtrArray *kw_names, \
                  GPtrArray *kw_values, GError **error

/* The message becomes the whole error text: it is what the template wants
 * the user to read, and what transformers reports. */
static JValue *
global_raise_exception (CALL_ARGS)
{
  JValue *message = arg (args, kw_names, kw_values, 0, "message");
  g_autofree char *text = message != NULL ? jv_to_str (message) : g_strdup ("");
  g_set_error_literal (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_TEMPLATE, text);
  return NULL;
}

static JValue *
global_namespace (CALL_ARGS)
{
  JValue *ns = jv_dict_new (TRUE);
  for (guint i = 0; i < args->len; i++)
    {
      JValue *init = g_ptr_array_index (args, i);
      if (init->type != JV_DICT)
        {
          jv_unref (ns);
          jinja_set_error (ev, at, error, "namespace() takes a mapping or keyword arguments");
          return NULL;
        }
      for (guint k = 0; k < init->dict.keys->len; k++)
        jv_dict_set (ns, jv_ref (g_ptr_array_index (init->dict.keys, k)),
                     jv_ref (g_ptr_array_index (init->dict.values, k)));
    }
  for (guint i = 0; i < kw_names->len; i++)
    jv_dict_set_str (ns, g_ptr_array_index (kw_names, i), jv_ref (g_ptr_array_index (kw_values, i)));
  return ns;
}

static JValue *
global_dict (CALL_ARGS)
{
  JValue *d = global_namespace (ev, at, args, kw_names, kw_values, error);
  if (d != NULL)
    d->type = JV_DICT;
  return d;
}

static JValue *
global_range (CALL_ARGS)
{
  gint64 bounds[3] = { 0, 0, 1 };
  if (args->len < 1 || args->len > 3)
    {
      jinja_set_error (ev, at, error, "range() takes 1 to 3 integer arguments, %u given", args->len);
      return NULL;
    }
  for (guint i = 0; i < args->len; i++)
    {
      JValue *a = g_ptr_array_index (args, i);
      if (a->type != JV_INT)
        {
          jinja_set_error (ev, at, error, "range() arguments must be integers, not '%s'", jv_type_name (a));
          return NULL;
        }
      bounds[args->len == 1 ? 1 : i] = a->i;
    }
  gint64 start = bounds[0], stop = bounds[1], step = bounds[2];
  if (step == 0)
    {
      jinja_set_error (ev, at, error, "range() step must not be zero");
      return NULL;
    }
  /* Count first: range(10**9) must fail before allocating anything. */
  double n = step > 0 ? (stop > start ? ((double) stop - start + step - 1) / step : 0)
                      : (stop < start ? ((double) start - stop - step - 1) / -step : 0);
  if (n > JINJA_MAX_ITERATIONS)
    {
      jinja_set_error (ev, at, error, "range() of %.0f items exceeds the limit of %u",
                       n, JINJA_MAX_ITERATIONS);
      return NULL;
    }
  JValue *list = jv_list_new ();
  for (gint64 i = start; step > 0 ? i < stop : i > stop; i += step)
    jv_list_append (list, jv_int (i));
  return list;
}

/* strftime with C-locale names, whatever the process locale, as Python's
 * datetime.strftime() prints them by default. */
static JValue *
global_strftime_now (CALL_ARGS)
{
  static const char *const months[] = { "January", "February", "March", "April", "May", "June", "July",
                                        "August", "September", "October", "November", "December" };
  static const char *const days[] = { "Monday", "Tuesday", "Wednesday", "Thursday", "Friday",
                                      "Saturday", "Sunday" };
  JValue *format = arg (args, kw_names, kw_values, 0, "format");
  if (format == NULL || !want_string (ev, at, format, "strftime_now()", error))
    {
      if (error == NULL || *error == NULL)
        jinja_set_error (ev, at, error, "strftime_now() needs a format");
      return NULL;
    }
  GDateTime *now = jinja_eval_now (ev);
  GString *out = g_string_new (NULL);
  for (const char *p = format->str.s; *p; p++)
    {
      if (*p != '%' || p[1] == '\0')
        {
          g_string_append_c (out, *p);
          continue;
        }
      p++;
      int month = g_date_time_get_month (now) - 1, day = g_date_time_get_day_of_week (now) - 1;
      switch (*p)
        {
        case 'b': g_string_append_len (out, months[month], 3); break;
        case 'B': g_string_append (out, months[month]); break;
        case 'a': g_string_append_len (out, days[day], 3); break;
        case 'A': g_string_append (out, days[day]); break;
        case 'p': g_string_append (out, g_date_time_get_hour (now) < 12 ? "AM" : "PM"); break;
        default:
          {
            char spec[3] = { '%', *p, '\0' };
            g_autofree char *part = g_date_time_format (now, spec);
            g_string_append (out, part != NULL ? part : spec);
          }
        }
    }
  return string_from_gstring (out);
}

typedef struct {
  const char *name;
  JFunction fn;
} GlobalEntry;

static const GlobalEntry globals[] = {
  { "dict", global_dict }, { "namespace", global_namespace }, { "raise_exception", global_raise_exception },
  { "range", global_range }, { "strftime_now", global_strftime_now },
};

JFunction
jinja_lookup_global (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (globals); i++)
    if (strcmp (globals[i].name, name) == 0)
      return globals[i].fn;
  return NULL;
}
