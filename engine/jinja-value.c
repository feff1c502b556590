#define G_LOG_DOMAIN "hearth-jinja"

/* jinja-value.c: the dynamic values templates compute with, and their
 * Python conversions (truthiness, ==, str(), repr(), json.dumps()). */

#include <math.h>
#include <stdarg.h>
#include <string.h>

#include "hearth-engine-error.h"
#include "jinja-private.h"

static JValue *
jv_new (JValueType type)
{
  JValue *v = g_new0 (JValue, 1);
  v->ref_count = 1;
  v->type = type;
  return v;
}

JValue *
jv_ref (JValue *v)
{
  v->ref_count++;
  return v;
}

void
jv_unref (JValue *v)
{
  if (v == NULL || --v->ref_count > 0)
    return;
  switch (v->type)
    {
    case JV_STRING:
      g_free (v->str.s);
      break;
    case JV_LIST:
      g_ptr_array_unref (v->list);
      break;
    case JV_DICT:
    case JV_NAMESPACE:
      g_ptr_array_unref (v->dict.keys);
      g_ptr_array_unref (v->dict.values);
      break;
    case JV_UNDEFINED:
      g_free (v->undefined_hint);
      break;
    default:
      break;
    }
  g_free (v);
}

JValue *
jv_undefined (const char *hint_format, ...)
{
  JValue *v = jv_new (JV_UNDEFINED);
  va_list ap;
  va_start (ap, hint_format);
  v->undefined_hint = g_strdup_vprintf (hint_format, ap);
  va_end (ap);
  return v;
}

JValue *jv_none (void) { return jv_new (JV_NONE); }

JValue *
jv_bool (gboolean b)
{
  JValue *v = jv_new (JV_BOOL);
  v->b = !!b;
  return v;
}

JValue *
jv_int (gint64 i)
{
  JValue *v = jv_new (JV_INT);
  v->i = i;
  return v;
}

JValue *
jv_float (double f)
{
  JValue *v = jv_new (JV_FLOAT);
  v->f = f;
  return v;
}

/* Every string value is valid UTF-8 without NUL bytes, like a Python str
 * (a sequence of code points): the methods and filters step through it
 * with g_utf8_next_char() and g_utf8_prev_char(), which trust what they
 * read and would run past the end of a truncated sequence. Bytes that are
 * not UTF-8 (a message or a name read from a damaged file, a "\0" escape)
 * become U+FFFD here, once, where each value is made. */
JValue *
jv_string_len (const char *s, gsize len)
{
  JValue *v = jv_new (JV_STRING);
  if (g_utf8_validate_len (s, len, NULL))
    v->str.s = g_strndup (s, len);
  else
    v->str.s = g_utf8_make_valid (s, len);
  v->str.len = strlen (v->str.s);
  return v;
}

JValue *
jv_string (const char *s)
{
  return jv_string_len (s, strlen (s));
}

JValue *
jv_string_take (char *s)
{
  if (!g_utf8_validate (s, -1, NULL))
    {
      char *valid = g_utf8_make_valid (s, -1);
      g_free (s);
      s = valid;
    }
  JValue *v = jv_new (JV_STRING);
  v->str.s = s;
  v->str.len = strlen (s);
  return v;
}

JValue *
jv_list_new (void)
{
  JValue *v = jv_new (JV_LIST);
  v->list = g_ptr_array_new_with_free_func ((GDestroyNotify) jv_unref);
  return v;
}

JValue *
jv_tuple_new (void)
{
  JValue *v = jv_list_new ();
  v->is_tuple = TRUE;
  return v;
}

JValue *
jv_dict_new (gboolean is_namespace)
{
  JValue *v = jv_new (is_namespace ? JV_NAMESPACE : JV_DICT);
  v->dict.keys = g_ptr_array_new_with_free_func ((GDestroyNotify) jv_unref);
  v->dict.values = g_ptr_array_new_with_free_func ((GDestroyNotify) jv_unref);
  return v;
}

JValue *
jv_function (const char *name, JFunction fn)
{
  JValue *v = jv_new (JV_FUNCTION);
  v->func.fn = fn;
  v->func.name = name;
  return v;
}

JValue *
jv_macro (const JNode *macro)
{
  JValue *v = jv_new (JV_MACRO);
  v->macro = macro;
  return v;
}

void
jv_list_append (JValue *list, JValue *item)
{
  g_ptr_array_add (list->list, item);
}

static gssize
dict_index (JValue *dict, JValue *key)
{
  for (guint i = 0; i < dict->dict.keys->len; i++)
    if (jv_equal (g_ptr_array_index (dict->dict.keys, i), key))
      return i;
  return -1;
}

void
jv_dict_set (JValue *dict, JValue *key, JValue *value)
{
  gssize i = dict_index (dict, key);
  if (i >= 0)
    {
      jv_unref (key);
      jv_unref (g_ptr_array_index (dict->dict.values, i));
      g_ptr_array_index (dict->dict.values, i) = value;
      return;
    }
  g_ptr_array_add (dict->dict.keys, key);
  g_ptr_array_add (dict->dict.values, value);
}

void
jv_dict_set_str (JValue *dict, const char *key, JValue *value)
{
  jv_dict_set (dict, jv_string (key), value);
}

void
jv_dict_append_str (JValue *dict, const char *key, JValue *value)
{
  g_ptr_array_add (dict->dict.keys, jv_string (key));
  g_ptr_array_add (dict->dict.values, value);
}

JValue *
jv_dict_lookup (JValue *dict, JValue *key)
{
  gssize i = dict_index (dict, key);
  return i >= 0 ? g_ptr_array_index (dict->dict.values, i) : NULL;
}

JValue *
jv_dict_lookup_str (JValue *dict, const char *key)
{
  for (guint i = 0; i < dict->dict.keys->len; i++)
    {
      JValue *k = g_ptr_array_index (dict->dict.keys, i);
      if (k->type == JV_STRING && strcmp (k->str.s, key) == 0)
        return g_ptr_array_index (dict->dict.values, i);
    }
  return NULL;
}

JValue *
jv_from_json (JsonNode *node)
{
  switch (json_node_get_node_type (node))
    {
    case JSON_NODE_NULL:
      return jv_none ();
    case JSON_NODE_VALUE:
      {
        GType t = json_node_get_value_type (node);
        if (t == G_TYPE_BOOLEAN)
          return jv_bool (json_node_get_boolean (node));
        if (t == G_TYPE_INT64)
          return jv_int (json_node_get_int (node));
        if (t == G_TYPE_DOUBLE)
          return jv_float (json_node_get_double (node));
        return jv_string (json_node_get_string (node));
      }
    case JSON_NODE_ARRAY:
      {
        JValue *list = jv_list_new ();
        JsonArray *array = json_node_get_array (node);
        for (guint i = 0; i < json_array_get_length (array); i++)
          jv_list_append (list, jv_from_json (json_array_get_element (array, i)));
        return list;
      }
    case JSON_NODE_OBJECT:
      {
        JValue *dict = jv_dict_new (FALSE);
        JsonObject *object = json_node_get_object (node);
        JsonObjectIter iter;
        const char *key;
        JsonNode *member;
        json_object_iter_init_ordered (&iter, object);
        while (json_object_iter_next_ordered (&iter, &key, &member))
          jv_dict_append_str (dict, key, jv_from_json (member));
        return dict;
      }
    }
  return jv_none ();
}

gboolean
jv_truthy (JValue *v)
{
  switch (v->type)
    {
    case JV_UNDEFINED:
    case JV_NONE:
      return FALSE;
    case JV_BOOL:
      return v->b;
    case JV_INT:
      return v->i != 0;
    case JV_FLOAT:
      return v->f != 0.0;
    case JV_STRING:
      return v->str.len > 0;
    case JV_LIST:
      return v->list->len > 0;
    case JV_DICT:
      return v->dict.keys->len > 0;
    default:
      return TRUE;
    }
}

gboolean
jv_is_number (JValue *v)
{
  return v->type == JV_INT || v->type == JV_FLOAT || v->type == JV_BOOL;
}

double
jv_as_double (JValue *v)
{
  switch (v->type)
    {
    case JV_INT: return (double) v->i;
    case JV_FLOAT: return v->f;
    case JV_BOOL: return v->b ? 1.0 : 0.0;
    default: return 0.0;
    }
}

gboolean
jv_equal (JValue *a, JValue *b)
{
  if (jv_is_number (a) && jv_is_number (b))
    {
      if (a->type != JV_FLOAT && b->type != JV_FLOAT)
        return (a->type == JV_INT ? a->i : a->b) == (b->type == JV_INT ? b->i : b->b);
      return jv_as_double (a) == jv_as_double (b);
    }
  if (a->type != b->type)
    return FALSE;
  switch (a->type)
    {
    case JV_UNDEFINED:
    case JV_NONE:
      return TRUE;
    case JV_STRING:
      return a->str.len == b->str.len && memcmp (a->str.s, b->str.s, a->str.len) == 0;
    case JV_LIST:
      if (a->is_tuple != b->is_tuple || a->list->len != b->list->len)
        return FALSE;
      for (guint i = 0; i < a->list->len; i++)
        if (!jv_equal (g_ptr_array_index (a->list, i), g_ptr_array_index (b->list, i)))
          return FALSE;
      return TRUE;
    case JV_DICT:
      if (a->dict.keys->len != b->dict.keys->len)
        return FALSE;
      for (guint i = 0; i < a->dict.keys->len; i++)
        {
          JValue *other = jv_dict_lookup (b, g_ptr_array_index (a->dict.keys, i));
          if (other == NULL || !jv_equal (g_ptr_array_index (a->dict.values, i), other))
            return FALSE;
        }
      return TRUE;
    case JV_FUNCTION:
      return a->func.fn == b->func.fn;
    default:
      return a == b;
    }
}

const char *
jv_type_name (JValue *v)
{
  static const char *const names[] = {
    [JV_UNDEFINED] = "Undefined", [JV_NONE] = "NoneType", [JV_BOOL] = "bool",
    [JV_INT] = "int", [JV_FLOAT] = "float", [JV_STRING] = "str", [JV_LIST] = "list",
    [JV_DICT] = "dict", [JV_NAMESPACE] = "Namespace", [JV_FUNCTION] = "function",
    [JV_MACRO] = "Macro",
  };
  return names[v->type];
}

glong
jv_str_chars (JValue *v)
{
  return g_utf8_strlen (v->str.s, v->str.len);
}

/* Python's float repr: the shortest digits that round-trip, positional
 * for exponents in [-4, 16), scientific otherwise, always with a '.' or 'e'. */
static void
append_float (GString *out, double f)
{
  if (isnan (f))
    {
      g_string_append (out, "nan");
      return;
    }
  if (isinf (f))
    {
      g_string_append (out, f < 0 ? "-inf" : "inf");
      return;
    }
  char buf[64];
  for (int precision = 0; precision < 17; precision++)
    {
      g_snprintf (buf, sizeof buf, "%.*e", precision, f);
      if (g_ascii_strtod (buf, NULL) == f)
        break;
    }
  /* buf: [-]d[.ddd]e[+-]XX */
  char *e = strchr (buf, 'e');
  int exponent = atoi (e + 1);
  *e = '\0';
  GString *digits = g_string_new (NULL);
  gboolean negative = buf[0] == '-';
  for (const char *p = buf + negative; *p; p++)
    if (*p != '.')
      g_string_append_c (digits, *p);
  if (negative)
    g_string_append_c (out, '-');
  if (exponent >= 16 || exponent < -4)
    {
      g_string_append_c (out, digits->str[0]);
      if (digits->len > 1)
        g_string_append_printf (out, ".%s", digits->str + 1);
      g_string_append_printf (out, "e%c%02d", exponent < 0 ? '-' : '+', ABS (exponent));
    }
  else if (exponent < 0)
    {
      g_string_append (out, "0.");
      for (int i = -1; i > exponent; i--)
        g_string_append_c (out, '0');
      g_string_append (out, digits->str);
    }
  else
    {
      int n = (int) digits->len;
      for (int i = 0; i <= exponent; i++)
        g_string_append_c (out, i < n ? digits->str[i] : '0');
      g_string_append_c (out, '.');
      g_string_append (out, n > exponent + 1 ? digits->str + exponent + 1 : "0");
    }
  g_string_free (digits, TRUE);
}

static void
append_string_repr (GString *out, JValue *v)
{
  char quote = (memchr (v->str.s, '\'', v->str.len) && !memchr (v->str.s, '"', v->str.len)) ? '"' : '\'';
  g_string_append_c (out, quote);
  for (gsize i = 0; i < v->str.len; i++)
    {
      guchar c = v->str.s[i];
      if (c == '\\' || c == (guchar) quote)
        g_string_append_printf (out, "\\%c", c);
      else if (c == '\n')
        g_string_append (out, "\\n");
      else if (c == '\r')
        g_string_append (out, "\\r");
      else if (c == '\t')
        g_string_append (out, "\\t");
      else if (c < 0x20 || c == 0x7f)
        g_string_append_printf (out, "\\x%02x", c);
      else
        g_string_append_c (out, c);
    }
  g_string_append_c (out, quote);
}

static void
append_container (GString *out, JValue *v)
{
  if (v->type == JV_LIST)
    {
      g_string_append_c (out, v->is_tuple ? '(' : '[');
      for (guint i = 0; i < v->list->len; i++)
        {
          if (i > 0)
            g_string_append (out, ", ");
          jv_append_repr (out, g_ptr_array_index (v->list, i));
        }
      if (v->is_tuple && v->list->len == 1)
        g_string_append_c (out, ',');
      g_string_append_c (out, v->is_tuple ? ')' : ']');
      return;
    }
  if (v->type == JV_NAMESPACE)
    g_string_append (out, "<Namespace ");
  g_string_append_c (out, '{');
  for (guint i = 0; i < v->dict.keys->len; i++)
    {
      if (i > 0)
        g_string_append (out, ", ");
      jv_append_repr (out, g_ptr_array_index (v->dict.keys, i));
      g_string_append (out, ": ");
      jv_append_repr (out, g_ptr_array_index (v->dict.values, i));
    }
  g_string_append_c (out, '}');
  if (v->type == JV_NAMESPACE)
    g_string_append_c (out, '>');
}

static void
append_value (GString *out, JValue *v, gboolean repr)
{
  switch (v->type)
    {
    case JV_UNDEFINED:
      break;
    case JV_NONE:
      g_string_append (out, "None");
      break;
    case JV_BOOL:
      g_string_append (out, v->b ? "True" : "False");
      break;
    case JV_INT:
      g_string_append_printf (out, "%" G_GINT64_FORMAT, v->i);
      break;
    case JV_FLOAT:
      append_float (out, v->f);
      break;
    case JV_STRING:
      if (repr)
        append_string_repr (out, v);
      else
        g_string_append_len (out, v->str.s, v->str.len);
      break;
    case JV_LIST:
    case JV_DICT:
    case JV_NAMESPACE:
      append_container (out, v);
      break;
    case JV_FUNCTION:
      g_string_append_printf (out, "<function %s>", v->func.name);
      break;
    case JV_MACRO:
      g_string_append (out, "<Macro>");
      break;
    }
}

void
jv_append_str (GString *out, JValue *v)
{
  append_value (out, v, FALSE);
}

void
jv_append_repr (GString *out, JValue *v)
{
  append_value (out, v, TRUE);
}

char *
jv_to_str (JValue *v)
{
  if (v->type == JV_STRING)
    return g_strndup (v->str.s, v->str.len);
  GString *out = g_string_new (NULL);
  jv_append_str (out, v);
  return g_string_free (out, FALSE);
}

static void
append_json_string (GString *out, const char *s, gsize len)
{
  g_string_append_c (out, '"');
  for (gsize i = 0; i < len; i++)
    {
      guchar c = s[i];
      switch (c)
        {
        case '"': g_string_append (out, "\\\""); break;
        case '\\': g_string_append (out, "\\\\"); break;
        case '\n': g_string_append (out, "\\n"); break;
        case '\r': g_string_append (out, "\\r"); break;
        case '\t': g_string_append (out, "\\t"); break;
        case '\b': g_string_append (out, "\\b"); break;
        case '\f': g_string_append (out, "\\f"); break;
        default:
          if (c < 0x20)
            g_string_append_printf (out, "\\u%04x", c);
          else
            g_string_append_c (out, c);
        }
    }
  g_string_append_c (out, '"');
}

static void
json_newline (GString *out, int indent, int depth)
{
  if (indent < 0)
    return;
  g_string_append_c (out, '\n');
  for (int i = 0; i < indent * depth; i++)
    g_string_append_c (out, ' ');
}

static int
compare_keys (gconstpointer a, gconstpointer b, gpointer user_data)
{
  JValue *dict = user_data;
  JValue *ka = g_ptr_array_index (dict->dict.keys, *(const guint *) a);
  JValue *kb = g_ptr_array_index (dict->dict.keys, *(const guint *) b);
  if (ka->type == JV_STRING && kb->type == JV_STRING)
    return strcmp (ka->str.s, kb->str.s);
  return (int) ka->type - (int) kb->type;
}

typedef struct {
  int indent;
  const char *item_sep, *key_sep;
  gboolean sort_keys;
} JsonStyle;

static gboolean append_json (GString *out, JValue *v, const JsonStyle *style, int depth, GError **error);

static gboolean
append_json_dict (GString *out, JValue *v, const JsonStyle *style, int depth, GError **error)
{
  guint n = v->dict.keys->len;
  if (n == 0)
    {
      g_string_append (out, "{}");
      return TRUE;
    }
  g_autoptr (GArray) order = g_array_sized_new (FALSE, FALSE, sizeof (guint), n);
  for (guint i = 0; i < n; i++)
    g_array_append_val (order, i);
  if (style->sort_keys)
    g_array_sort_with_data (order, compare_keys, v);
  g_string_append_c (out, '{');
  for (guint k = 0; k < n; k++)
    {
      guint i = g_array_index (order, guint, k);
      JValue *key = g_ptr_array_index (v->dict.keys, i);
      if (k > 0)
        g_string_append (out, style->item_sep);
      json_newline (out, style->indent, depth + 1);
      if (key->type == JV_STRING)
        append_json_string (out, key->str.s, key->str.len);
      else
        {
          g_autofree char *text = NULL;
          GString *tmp = g_string_new (NULL);
          if (!append_json (tmp, key, style, depth + 1, error))
            {
              g_string_free (tmp, TRUE);
              return FALSE;
            }
          text = g_string_free (tmp, FALSE);
          append_json_string (out, text, strlen (text));
        }
      g_string_append (out, style->key_sep);
      if (!append_json (out, g_ptr_array_index (v->dict.values, i), style, depth + 1, error))
        return FALSE;
    }
  json_newline (out, style->indent, depth);
  g_string_append_c (out, '}');
  return TRUE;
}

static gboolean
append_json (GString *out, JValue *v, const JsonStyle *style, int depth, GError **error)
{
  if (depth > (int) JINJA_MAX_NESTING)
    {
      g_set_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_TEMPLATE,
                   "tojson: value nested deeper than %u levels", JINJA_MAX_NESTING);
      return FALSE;
    }
  switch (v->type)
    {
    case JV_NONE:
      g_string_append (out, "null");
      return TRUE;
    case JV_BOOL:
      g_string_append (out, v->b ? "true" : "false");
      return TRUE;
    case JV_INT:
      g_string_append_printf (out, "%" G_GINT64_FORMAT, v->i);
      return TRUE;
    case JV_FLOAT:
      if (isnan (v->f))
        g_string_append (out, "NaN");
      else if (isinf (v->f))
        g_string_append (out, v->f < 0 ? "-Infinity" : "Infinity");
      else
        append_float (out, v->f);
      return TRUE;
    case JV_STRING:
      append_json_string (out, v->str.s, v->str.len);
      return TRUE;
    case JV_LIST:
      if (v->list->len == 0)
        {
          g_string_append (out, "[]");
          return TRUE;
        }
      g_string_append_c (out, '[');
      for (guint i = 0; i < v->list->len; i++)
        {
          if (i > 0)
            g_string_append (out, style->item_sep);
          json_newline (out, style->indent, depth + 1);
          if (!append_json (out, g_ptr_array_index (v->list, i), style, depth + 1, error))
            return FALSE;
        }
      json_newline (out, style->indent, depth);
      g_string_append_c (out, ']');
      return TRUE;
    case JV_DICT:
      return append_json_dict (out, v, style, depth, error);
    default:
      g_set_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_TEMPLATE,
                   "Object of type %s is not JSON serializable", jv_type_name (v));
      return FALSE;
    }
}

gboolean
jv_to_json (GString *out, JValue *v, int indent, const char *item_sep, const char *key_sep,
            gboolean sort_keys, GError **error)
{
  JsonStyle style = {
    .indent = indent,
    .item_sep = item_sep != NULL ? item_sep : (indent >= 0 ? "," : ", "),
    .key_sep = key_sep != NULL ? key_sep : ": ",
    .sort_keys = sort_keys,
  };
  return append_json (out, v, &style, 0, error);
}
