#define G_LOG_DOMAIN "hearth-jinja"

/* jinja-eval.c: renders a syntax tree. Scoping follows Jinja: a for loop
 * (and a macro call) opens a scope whose `set`s vanish when it ends, which
 * is why templates carry state across iterations in namespace() objects.
 * Undefined values print as "", are falsy and iterate as empty, but any
 * attribute access, call or arithmetic on them is an error. */

#include <math.h>
#include <string.h>

#include "hearth-engine-error.h"
#include "jinja-private.h"

struct _JEval {
  const char *name;
  GString    *out;
  GPtrArray  *frames;        /* of JV_DICT, innermost last */
  GDateTime  *now;
  guint64     iterations;
  guint       call_depth;
  enum { FLOW_NORMAL, FLOW_BREAK, FLOW_CONTINUE } flow;
};

static JValue *eval (JEval *ev, const JNode *node, GError **error);
static gboolean exec_body (JEval *ev, GPtrArray *body, GError **error);

void
jinja_set_error (JEval *ev, const JNode *at, GError **error, const char *format, ...)
{
  va_list ap;
  va_start (ap, format);
  g_autofree char *what = g_strdup_vprintf (format, ap);
  va_end (ap);
  g_set_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_TEMPLATE,
               "chat template '%s' %d:%d: %s", ev->name, at->line, at->col, what);
}

GDateTime *
jinja_eval_now (JEval *ev)
{
  return ev->now;
}

gboolean
jinja_check_size (JEval *ev, const JNode *at, gsize n_bytes, GError **error)
{
  if (n_bytes <= JINJA_MAX_OUTPUT)
    return TRUE;
  jinja_set_error (ev, at, error, "text grows beyond the limit of %u bytes", JINJA_MAX_OUTPUT);
  return FALSE;
}

gboolean
jinja_count_iterations (JEval *ev, const JNode *at, guint64 n, GError **error)
{
  ev->iterations += n;
  if (ev->iterations <= JINJA_MAX_ITERATIONS)
    return TRUE;
  jinja_set_error (ev, at, error, "more than %u loop iterations", JINJA_MAX_ITERATIONS);
  return FALSE;
}

static gboolean
undefined_error (JEval *ev, const JNode *at, JValue *v, GError **error)
{
  jinja_set_error (ev, at, error, "%s", v->undefined_hint);
  return FALSE;
}

JValue *
jinja_iterate (JEval *ev, const JNode *at, JValue *v, GError **error)
{
  JValue *items = jv_list_new ();
  switch (v->type)
    {
    case JV_UNDEFINED:
      break;
    case JV_LIST:
      for (guint i = 0; i < v->list->len; i++)
        jv_list_append (items, jv_ref (g_ptr_array_index (v->list, i)));
      break;
    case JV_DICT:
      for (guint i = 0; i < v->dict.keys->len; i++)
        jv_list_append (items, jv_ref (g_ptr_array_index (v->dict.keys, i)));
      break;
    case JV_STRING:
      for (const char *p = v->str.s; p < v->str.s + v->str.len; p = g_utf8_next_char (p))
        jv_list_append (items, jv_string_len (p, g_utf8_next_char (p) - p));
      break;
    default:
      jv_unref (items);
      jinja_set_error (ev, at, error, "'%s' object is not iterable", jv_type_name (v));
      return NULL;
    }
  return items;
}

static JValue *
lookup (JEval *ev, const char *name)
{
  for (guint i = ev->frames->len; i-- > 0;)
    {
      JValue *v = jv_dict_lookup_str (g_ptr_array_index (ev->frames, i), name);
      if (v != NULL)
        return jv_ref (v);
    }
  JFunction fn = jinja_lookup_global (name);
  if (fn != NULL)
    return jv_function (name, fn);
  return jv_undefined ("'%s' is undefined", name);
}

static JValue *
top_frame (JEval *ev)
{
  return g_ptr_array_index (ev->frames, ev->frames->len - 1);
}

static JValue *
get_attribute (JEval *ev, const JNode *at, JValue *obj, const char *name, GError **error)
{
  if (obj->type == JV_UNDEFINED)
    {
      undefined_error (ev, at, obj, error);
      return NULL;
    }
  if (obj->type == JV_DICT || obj->type == JV_NAMESPACE)
    {
      JValue *v = jv_dict_lookup_str (obj, name);
      if (v != NULL)
        return jv_ref (v);
    }
  return jv_undefined ("'%s object' has no attribute '%s'", jv_type_name (obj), name);
}

/* Python's index normalisation: negative counts from the end. */
static gboolean
normalize_index (gint64 *i, gint64 n)
{
  if (*i < 0)
    *i += n;
  return *i >= 0 && *i < n;
}

static JValue *
get_item (JEval *ev, const JNode *at, JValue *obj, JValue *key, GError **error)
{
  if (obj->type == JV_UNDEFINED)
    {
      undefined_error (ev, at, obj, error);
      return NULL;
    }
  if (obj->type == JV_DICT || obj->type == JV_NAMESPACE)
    {
      JValue *v = jv_dict_lookup (obj, key);
      if (v != NULL)
        return jv_ref (v);
    }
  else if ((obj->type == JV_LIST || obj->type == JV_STRING) && (key->type == JV_INT || key->type == JV_BOOL))
    {
      gint64 i = key->type == JV_INT ? key->i : key->b;
      if (obj->type == JV_LIST && normalize_index (&i, obj->list->len))
        return jv_ref (g_ptr_array_index (obj->list, i));
      if (obj->type == JV_STRING && normalize_index (&i, jv_str_chars (obj)))
        {
          const char *p = g_utf8_offset_to_pointer (obj->str.s, i);
          return jv_string_len (p, g_utf8_next_char (p) - p);
        }
    }
  else if (key->type == JV_STRING)
    return get_attribute (ev, at, obj, key->str.s, error);
  g_autoptr (GString) shown = g_string_new (NULL);
  jv_append_repr (shown, key);
  return jv_undefined ("'%s object' has no element %s", jv_type_name (obj), shown->str);
}

/* Python's slice.indices(). */
static gboolean
slice_bounds (JEval *ev, const JNode *at, JValue *parts[3], gint64 n,
              gint64 *start, gint64 *stop, gint64 *step, GError **error)
{
  for (int i = 0; i < 3; i++)
    if (parts[i] != NULL && parts[i]->type != JV_NONE && parts[i]->type != JV_INT)
      {
        jinja_set_error (ev, at, error, "slice indices must be integers or None, not %s", jv_type_name (parts[i]));
        return FALSE;
      }
  *step = parts[2] != NULL && parts[2]->type == JV_INT ? parts[2]->i : 1;
  if (*step == 0)
    {
      jinja_set_error (ev, at, error, "slice step cannot be zero");
      return FALSE;
    }
  gint64 lower = *step < 0 ? -1 : 0, upper = *step < 0 ? n - 1 : n;
  gint64 *bounds[2] = { start, stop };
  for (int i = 0; i < 2; i++)
    {
      if (parts[i] == NULL || parts[i]->type == JV_NONE)
        *bounds[i] = (i == 0) == (*step > 0) ? lower : upper;
      else
        {
          gint64 v = parts[i]->i;
          if (v < 0)
            v = MAX (v + n, lower);
          else
            v = MIN (v, upper);
          *bounds[i] = v;
        }
    }
  return TRUE;
}

static JValue *
get_slice (JEval *ev, const JNode *at, JValue *obj, JValue *parts[3], GError **error)
{
  if (obj->type != JV_LIST && obj->type != JV_STRING)
    {
      if (obj->type == JV_UNDEFINED)
        undefined_error (ev, at, obj, error);
      else
        jinja_set_error (ev, at, error, "'%s' object is not subscriptable with a slice", jv_type_name (obj));
      return NULL;
    }
  gboolean is_string = obj->type == JV_STRING;
  g_autoptr (JValue) items = is_string ? jinja_iterate (ev, at, obj, error) : jv_ref (obj);
  gint64 n = items->list->len, start, stop, step;
  if (!slice_bounds (ev, at, parts, n, &start, &stop, &step, error))
    return NULL;
  JValue *result = jv_list_new ();
  for (gint64 i = start; step > 0 ? i < stop : i > stop; i += step)
    jv_list_append (result, jv_ref (g_ptr_array_index (items->list, i)));
  if (!is_string)
    {
      result->is_tuple = obj->is_tuple;
      return result;
    }
  GString *s = g_string_new (NULL);
  for (guint i = 0; i < result->list->len; i++)
    jv_append_str (s, g_ptr_array_index (result->list, i));
  jv_unref (result);
  gsize len = s->len;
  g_autofree char *text = g_string_free (s, FALSE);
  return jv_string_len (text, len);
}

static gboolean
eval_args (JEval *ev, const JNode *node, GPtrArray **args, GPtrArray **kw_values, GError **error)
{
  *args = g_ptr_array_new_with_free_func ((GDestroyNotify) jv_unref);
  *kw_values = g_ptr_array_new_with_free_func ((GDestroyNotify) jv_unref);
  for (guint i = 0; node->args != NULL && i < node->args->len; i++)
    {
      JValue *v = eval (ev, g_ptr_array_index (node->args, i), error);
      if (v == NULL)
        return FALSE;
      g_ptr_array_add (*args, v);
    }
  for (guint i = 0; node->kw_values != NULL && i < node->kw_values->len; i++)
    {
      JValue *v = eval (ev, g_ptr_array_index (node->kw_values, i), error);
      if (v == NULL)
        return FALSE;
      g_ptr_array_add (*kw_values, v);
    }
  return TRUE;
}

static JValue *
render_to_string (JEval *ev, GPtrArray *body, GError **error)
{
  GString *saved = ev->out;
  GString *capture = g_string_new (NULL);
  ev->out = capture;
  gboolean ok = exec_body (ev, body, error);
  ev->out = saved;
  gsize len = capture->len;
  g_autofree char *text = g_string_free (capture, FALSE);
  return ok ? jv_string_len (text, len) : NULL;
}

static JValue *
call_macro (JEval *ev, const JNode *at, const JNode *macro, GPtrArray *args,
            GPtrArray *kw_names, GPtrArray *kw_values, GError **error)
{
  if (ev->call_depth >= JINJA_MAX_CALL_DEPTH)
    {
      jinja_set_error (ev, at, error, "macro calls nested deeper than %u", JINJA_MAX_CALL_DEPTH);
      return NULL;
    }
  if (args->len > macro->args->len)
    {
      jinja_set_error (ev, at, error, "macro '%s' takes %u arguments, %u given",
                       macro->name, macro->args->len, args->len);
      return NULL;
    }
  g_autoptr (JValue) frame = jv_dict_new (FALSE);
  for (guint i = 0; i < kw_names->len; i++)
    {
      gboolean known = FALSE;
      for (guint p = 0; p < macro->args->len; p++)
        known |= strcmp (((JNode *) g_ptr_array_index (macro->args, p))->name,
                         g_ptr_array_index (kw_names, i)) == 0;
      if (!known)
        {
          jinja_set_error (ev, at, error, "macro '%s' takes no keyword argument '%s'",
                           macro->name, (const char *) g_ptr_array_index (kw_names, i));
          return NULL;
        }
      jv_dict_set_str (frame, g_ptr_array_index (kw_names, i), jv_ref (g_ptr_array_index (kw_values, i)));
    }
  for (guint p = 0; p < macro->args->len; p++)
    {
      const char *param = ((JNode *) g_ptr_array_index (macro->args, p))->name;
      JNode *fallback = g_ptr_array_index (macro->kw_values, p);
      JValue *v = NULL;
      if (p < args->len)
        v = jv_ref (g_ptr_array_index (args, p));
      else if (jv_dict_lookup_str (frame, param) != NULL)
        continue;
      else if (fallback != NULL)
        {
          v = eval (ev, fallback, error);
          if (v == NULL)
            return NULL;
        }
      else
        v = jv_undefined ("'%s' is undefined", param);
      jv_dict_set_str (frame, param, v);
    }
  g_ptr_array_add (ev->frames, jv_ref (frame));
  ev->call_depth++;
  JValue *result = render_to_string (ev, macro->body, error);
  ev->call_depth--;
  g_ptr_array_remove_index (ev->frames, ev->frames->len - 1);
  return result;
}

static JValue *
eval_call (JEval *ev, const JNode *node, GError **error)
{
  g_autoptr (GPtrArray) args = NULL;
  g_autoptr (GPtrArray) kw_values = NULL;
  g_autoptr (JValue) callee = NULL;
  if (node->a->kind == JN_GETATTR)
    {
      g_autoptr (JValue) obj = eval (ev, node->a->a, error);
      if (obj == NULL)
        return NULL;
      if (obj->type == JV_UNDEFINED)
        {
          undefined_error (ev, node, obj, error);
          return NULL;
        }
      if (!eval_args (ev, node, &args, &kw_values, error))
        return NULL;
      gboolean found = FALSE;
      JValue *result = jinja_call_method (ev, node, obj, node->a->name, args, node->kw_names,
                                          kw_values, &found, error);
      if (found)
        return result;
      callee = get_attribute (ev, node->a, obj, node->a->name, error);
    }
  else
    {
      callee = eval (ev, node->a, error);
      if (callee != NULL && !eval_args (ev, node, &args, &kw_values, error))
        return NULL;
    }
  if (callee == NULL)
    return NULL;
  switch (callee->type)
    {
    case JV_FUNCTION:
      return callee->func.fn (ev, node, args, node->kw_names, kw_values, error);
    case JV_MACRO:
      return call_macro (ev, node, callee->macro, args, node->kw_names, kw_values, error);
    case JV_UNDEFINED:
      undefined_error (ev, node, callee, error);
      return NULL;
    default:
      jinja_set_error (ev, node, error, "'%s' object is not callable", jv_type_name (callee));
      return NULL;
    }
}

gboolean
jinja_apply_test (JEval *ev, const JNode *at, const char *test, JValue *subject,
                  GPtrArray *args, gboolean *result, GError **error)
{
  JTest fn = jinja_lookup_test (test);
  if (fn == NULL)
    {
      jinja_set_error (ev, at, error, "no test named '%s'", test);
      return FALSE;
    }
  return fn (ev, at, subject, args, result, error);
}

static JValue *
eval_filter_or_test (JEval *ev, const JNode *node, GError **error)
{
  g_autoptr (JValue) subject = eval (ev, node->a, error);
  g_autoptr (GPtrArray) args = NULL;
  g_autoptr (GPtrArray) kw_values = NULL;
  if (subject == NULL || !eval_args (ev, node, &args, &kw_values, error))
    return NULL;
  if (node->kind == JN_FILTER)
    return jinja_lookup_filter (node->name) (ev, node, subject, args, node->kw_names, kw_values, error);
  gboolean result;
  if (!jinja_apply_test (ev, node, node->name, subject, args, &result, error))
    return NULL;
  return jv_bool (result != node->negate);
}

static gboolean
as_integer (JValue *v, gint64 *i)
{
  if (v->type == JV_INT)
    *i = v->i;
  else if (v->type == JV_BOOL)
    *i = v->b;
  else
    return FALSE;
  return TRUE;
}

static JValue *
repeat (JEval *ev, const JNode *at, JValue *seq, gint64 times, GError **error)
{
  gsize unit = seq->type == JV_STRING ? seq->str.len : seq->list->len * sizeof (gpointer);
  if (times > 0 && unit > 0 && !jinja_check_size (ev, at, (guint64) times > JINJA_MAX_OUTPUT ? G_MAXSIZE : unit * times, error))
    return NULL;
  if (seq->type == JV_STRING)
    {
      GString *s = g_string_new (NULL);
      for (gint64 i = 0; i < times; i++)
        g_string_append_len (s, seq->str.s, seq->str.len);
      gsize len = s->len;
      g_autofree char *text = g_string_free (s, FALSE);
      return jv_string_len (text, len);
    }
  JValue *list = jv_list_new ();
  for (gint64 i = 0; i < times; i++)
    for (guint k = 0; k < seq->list->len; k++)
      jv_list_append (list, jv_ref (g_ptr_array_index (seq->list, k)));
  return list;
}

static JValue *
arithmetic (JEval *ev, const JNode *at, JOp op, JValue *a, JValue *b, GError **error)
{
  gint64 x, y;
  if (as_integer (a, &x) && as_integer (b, &y))
    {
      gint64 r;
      switch (op)
        {
        case JOP_ADD:
          if (!__builtin_add_overflow (x, y, &r))
            return jv_int (r);
          break;
        case JOP_SUB:
          if (!__builtin_sub_overflow (x, y, &r))
            return jv_int (r);
          break;
        case JOP_MUL:
          if (!__builtin_mul_overflow (x, y, &r))
            return jv_int (r);
          break;
        case JOP_FLOORDIV:
        case JOP_MOD:
          if (y == 0)
            {
              jinja_set_error (ev, at, error, "integer division or modulo by zero");
              return NULL;
            }
          if (x == G_MININT64 && y == -1)
            break;
          {
            gint64 q = x / y, m = x % y;
            if (m != 0 && ((m < 0) != (y < 0)))
              {
                q--;
                m += y;
              }
            return jv_int (op == JOP_MOD ? m : q);
          }
        case JOP_POW:
          if (y >= 0)
            {
              r = 1;
              gboolean overflow = FALSE;
              for (gint64 i = 0; i < y && !overflow && r != 0 && !(r == 1 && (x == 1)); i++)
                overflow = __builtin_mul_overflow (r, x, &r);
              if (!overflow)
                return jv_int (r);
            }
          break;
        default:
          break;
        }
    }
  double fx = jv_as_double (a), fy = jv_as_double (b);
  switch (op)
    {
    case JOP_ADD: return jv_float (fx + fy);
    case JOP_SUB: return jv_float (fx - fy);
    case JOP_MUL: return jv_float (fx * fy);
    case JOP_POW: return jv_float (pow (fx, fy));
    default: break;
    }
  if (fy == 0.0)
    {
      jinja_set_error (ev, at, error, "division by zero");
      return NULL;
    }
  switch (op)
    {
    case JOP_DIV: return jv_float (fx / fy);
    case JOP_FLOORDIV: return jv_float (floor (fx / fy));
    default:
      {
        double m = fmod (fx, fy);
        if (m != 0.0 && ((m < 0) != (fy < 0)))
          m += fy;
        return jv_float (m);
      }
    }
}

static JValue *
concat_strings (JEval *ev, const JNode *at, JValue *a, JValue *b, GError **error)
{
  g_autofree char *sa = jv_to_str (a);
  g_autofree char *sb = jv_to_str (b);
  gsize la = a->type == JV_STRING ? a->str.len : strlen (sa);
  gsize lb = b->type == JV_STRING ? b->str.len : strlen (sb);
  if (!jinja_check_size (ev, at, la + lb, error))
    return NULL;
  GString *s = g_string_new_len (sa, la);
  g_string_append_len (s, sb, lb);
  gsize len = s->len;
  g_autofree char *text = g_string_free (s, FALSE);
  return jv_string_len (text, len);
}

static JValue *
binary (JEval *ev, const JNode *at, JOp op, JValue *a, JValue *b, GError **error)
{
  static const char *const symbols[] = {
    [JOP_ADD] = "+", [JOP_SUB] = "-", [JOP_MUL] = "*", [JOP_DIV] = "/", [JOP_FLOORDIV] = "//",
    [JOP_MOD] = "%", [JOP_POW] = "**", [JOP_CONCAT] = "~",
  };
  if (a->type == JV_UNDEFINED || b->type == JV_UNDEFINED)
    {
      if (op == JOP_CONCAT)
        return concat_strings (ev, at, a, b, error);
      undefined_error (ev, at, a->type == JV_UNDEFINED ? a : b, error);
      return NULL;
    }
  if (op == JOP_CONCAT)
    return concat_strings (ev, at, a, b, error);
  if (jv_is_number (a) && jv_is_number (b))
    return arithmetic (ev, at, op, a, b, error);
  if (op == JOP_ADD && a->type == JV_STRING && b->type == JV_STRING)
    return concat_strings (ev, at, a, b, error);
  if (op == JOP_ADD && a->type == JV_LIST && b->type == JV_LIST)
    {
      JValue *list = repeat (ev, at, a, 1, error);
      if (list != NULL)
        for (guint i = 0; i < b->list->len; i++)
          jv_list_append (list, jv_ref (g_ptr_array_index (b->list, i)));
      return list;
    }
  gint64 times;
  if (op == JOP_MUL && (a->type == JV_STRING || a->type == JV_LIST) && as_integer (b, &times))
    return repeat (ev, at, a, times, error);
  if (op == JOP_MUL && (b->type == JV_STRING || b->type == JV_LIST) && as_integer (a, &times))
    return repeat (ev, at, b, times, error);
  jinja_set_error (ev, at, error, "unsupported operand type(s) for %s: '%s' and '%s'",
                   symbols[op], jv_type_name (a), jv_type_name (b));
  return NULL;
}

static gboolean
contains (JEval *ev, const JNode *at, JValue *needle, JValue *haystack, gboolean *result, GError **error)
{
  switch (haystack->type)
    {
    case JV_UNDEFINED:
      *result = FALSE;
      return TRUE;
    case JV_STRING:
      if (needle->type != JV_STRING)
        {
          jinja_set_error (ev, at, error, "'in <string>' requires string as left operand, not %s",
                           jv_type_name (needle));
          return FALSE;
        }
      *result = memmem (haystack->str.s, haystack->str.len, needle->str.s, needle->str.len) != NULL;
      return TRUE;
    case JV_LIST:
      *result = FALSE;
      for (guint i = 0; i < haystack->list->len && !*result; i++)
        *result = jv_equal (needle, g_ptr_array_index (haystack->list, i));
      return TRUE;
    case JV_DICT:
    case JV_NAMESPACE:
      *result = jv_dict_lookup (haystack, needle) != NULL;
      return TRUE;
    default:
      jinja_set_error (ev, at, error, "argument of type '%s' is not iterable", jv_type_name (haystack));
      return FALSE;
    }
}

static gboolean
compare (JEval *ev, const JNode *at, JOp op, JValue *a, JValue *b, gboolean *result, GError **error)
{
  static const char *const symbols[] = {
    [JOP_LT] = "<", [JOP_LE] = "<=", [JOP_GT] = ">", [JOP_GE] = ">=",
  };
  int order;
  switch (op)
    {
    case JOP_EQ:
      *result = jv_equal (a, b);
      return TRUE;
    case JOP_NE:
      *result = !jv_equal (a, b);
      return TRUE;
    case JOP_IN:
    case JOP_NOT_IN:
      if (!contains (ev, at, a, b, result, error))
        return FALSE;
      *result ^= op == JOP_NOT_IN;
      return TRUE;
    default:
      break;
    }
  if (jv_is_number (a) && jv_is_number (b))
    {
      double x = jv_as_double (a), y = jv_as_double (b);
      order = x < y ? -1 : x > y ? 1 : 0;
    }
  else if (a->type == JV_STRING && b->type == JV_STRING)
    {
      order = memcmp (a->str.s, b->str.s, MIN (a->str.len, b->str.len));
      if (order == 0)
        order = a->str.len < b->str.len ? -1 : a->str.len > b->str.len;
    }
  else
    {
      if (a->type == JV_UNDEFINED || b->type == JV_UNDEFINED)
        return undefined_error (ev, at, a->type == JV_UNDEFINED ? a : b, error);
      jinja_set_error (ev, at, error, "'%s' not supported between instances of '%s' and '%s'",
                       symbols[op], jv_type_name (a), jv_type_name (b));
      return FALSE;
    }
  switch (op)
    {
    case JOP_LT: *result = order < 0; break;
    case JOP_LE: *result = order <= 0; break;
    case JOP_GT: *result = order > 0; break;
    default: *result = order >= 0; break;
    }
  return TRUE;
}

static JValue *
eval_compare (JEval *ev, const JNode *node, GError **error)
{
  g_autoptr (JValue) left = eval (ev, g_ptr_array_index (node->args, 0), error);
  if (left == NULL)
    return NULL;
  for (guint i = 0; i < node->ops->len; i++)
    {
      JValue *right = eval (ev, g_ptr_array_index (node->args, i + 1), error);
      if (right == NULL)
        return NULL;
      gboolean result;
      gboolean ok = compare (ev, node, g_array_index (node->ops, JOp, i), left, right, &result, error);
      jv_unref (left);
      left = right;
      if (!ok)
        return NULL;
      if (!result)
        return jv_bool (FALSE);
    }
  return jv_bool (TRUE);
}

static JValue *
eval_sequence (JEval *ev, const JNode *node, GError **error)
{
  g_autoptr (JValue) result = node->kind == JN_DICT ? jv_dict_new (FALSE)
                              : node->kind == JN_TUPLE ? jv_tuple_new () : jv_list_new ();
  for (guint i = 0; i < node->args->len; i++)
    {
      JValue *item = eval (ev, g_ptr_array_index (node->args, i), error);
      if (item == NULL)
        return NULL;
      if (node->kind != JN_DICT)
        {
          jv_list_append (result, item);
          continue;
        }
      JValue *value = eval (ev, g_ptr_array_index (node->kw_values, i), error);
      if (value == NULL)
        {
          jv_unref (item);
          return NULL;
        }
      jv_dict_set (result, item, value);
    }
  return g_steal_pointer (&result);
}

static JValue *
eval_slice (JEval *ev, const JNode *node, GError **error)
{
  g_autoptr (JValue) obj = eval (ev, node->a, error);
  if (obj == NULL)
    return NULL;
  JValue *parts[3] = { NULL, NULL, NULL };
  JValue *result = NULL;
  for (int i = 0; i < 3; i++)
    {
      JNode *part = g_ptr_array_index (node->args, i);
      if (part != NULL && (parts[i] = eval (ev, part, error)) == NULL)
        goto out;
    }
  result = get_slice (ev, node, obj, parts, error);
out:
  for (int i = 0; i < 3; i++)
    jv_unref (parts[i]);
  return result;
}

static JValue *
eval_unary (JEval *ev, const JNode *node, GError **error)
{
  g_autoptr (JValue) v = eval (ev, node->a, error);
  if (v == NULL)
    return NULL;
  if (node->kind == JN_NOT)
    return jv_bool (!jv_truthy (v));
  if (v->type == JV_FLOAT)
    return jv_float (node->kind == JN_NEG ? -v->f : v->f);
  gint64 i;
  if (as_integer (v, &i) && i != G_MININT64)
    return jv_int (node->kind == JN_NEG ? -i : i);
  if (v->type == JV_UNDEFINED)
    undefined_error (ev, node, v, error);
  else
    jinja_set_error (ev, node, error, "bad operand type for unary %s: '%s'",
                     node->kind == JN_NEG ? "-" : "+", jv_type_name (v));
  return NULL;
}

static JValue *
eval (JEval *ev, const JNode *node, GError **error)
{
  switch (node->kind)
    {
    case JN_LITERAL:
      return jv_ref (node->value);
    case JN_NAME:
      return lookup (ev, node->name);
    case JN_LIST:
    case JN_TUPLE:
    case JN_DICT:
      return eval_sequence (ev, node, error);
    case JN_GETATTR:
      {
        g_autoptr (JValue) obj = eval (ev, node->a, error);
        return obj != NULL ? get_attribute (ev, node, obj, node->name, error) : NULL;
      }
    case JN_GETITEM:
      {
        g_autoptr (JValue) obj = eval (ev, node->a, error);
        g_autoptr (JValue) key = obj != NULL ? eval (ev, node->b, error) : NULL;
        return key != NULL ? get_item (ev, node, obj, key, error) : NULL;
      }
    case JN_SLICE:
      return eval_slice (ev, node, error);
    case JN_CALL:
      return eval_call (ev, node, error);
    case JN_FILTER:
    case JN_TEST:
      return eval_filter_or_test (ev, node, error);
    case JN_NEG:
    case JN_POS:
    case JN_NOT:
      return eval_unary (ev, node, error);
    case JN_BINARY:
      {
        g_autoptr (JValue) a = eval (ev, node->a, error);
        g_autoptr (JValue) b = a != NULL ? eval (ev, node->b, error) : NULL;
        return b != NULL ? binary (ev, node, node->op, a, b, error) : NULL;
      }
    case JN_AND:
    case JN_OR:
      {
        JValue *a = eval (ev, node->a, error);
        if (a == NULL || jv_truthy (a) == (node->kind == JN_OR))
          return a;
        jv_unref (a);
        return eval (ev, node->b, error);
      }
    case JN_COMPARE:
      return eval_compare (ev, node, error);
    case JN_CONDEXPR:
      {
        g_autoptr (JValue) cond = eval (ev, node->b, error);
        if (cond == NULL)
          return NULL;
        if (jv_truthy (cond))
          return eval (ev, node->a, error);
        if (node->c != NULL)
          return eval (ev, node->c, error);
        return jv_undefined ("the inline if-expression at %d:%d has no else", node->line, node->col);
      }
    default:
      jinja_set_error (ev, node, error, "a statement used as an expression");
      return NULL;
    }
}

static gboolean
assign (JEval *ev, const JNode *target, JValue *value, GError **error)
{
  if (target->kind == JN_NAME)
    {
      jv_dict_set_str (top_frame (ev), target->name, jv_ref (value));
      return TRUE;
    }
  if (target->kind == JN_GETATTR)
    {
      g_autoptr (JValue) ns = lookup (ev, target->a->name);
      if (ns->type != JV_NAMESPACE)
        {
          jinja_set_error (ev, target, error, "cannot assign attribute on non-namespace object '%s'",
                           target->a->name);
          return FALSE;
        }
      jv_dict_set_str (ns, target->name, jv_ref (value));
      return TRUE;
    }
  g_autoptr (JValue) items = jinja_iterate (ev, target, value, error);
  if (items == NULL)
    return FALSE;
  if (items->list->len != target->args->len)
    {
      jinja_set_error (ev, target, error, "cannot unpack %u values into %u names",
                       items->list->len, target->args->len);
      return FALSE;
    }
  for (guint i = 0; i < items->list->len; i++)
    if (!assign (ev, g_ptr_array_index (target->args, i), g_ptr_array_index (items->list, i), error))
      return FALSE;
  return TRUE;
}

static JValue *
loop_object (JValue *items, guint i)
{
  guint n = items->list->len;
  JValue *loop = jv_dict_new (FALSE);
  jv_dict_append_str (loop, "index", jv_int (i + 1));
  jv_dict_append_str (loop, "index0", jv_int (i));
  jv_dict_append_str (loop, "revindex", jv_int (n - i));
  jv_dict_append_str (loop, "revindex0", jv_int (n - i - 1));
  jv_dict_append_str (loop, "first", jv_bool (i == 0));
  jv_dict_append_str (loop, "last", jv_bool (i + 1 == n));
  jv_dict_append_str (loop, "length", jv_int (n));
  jv_dict_append_str (loop, "depth", jv_int (1));
  jv_dict_append_str (loop, "depth0", jv_int (0));
  jv_dict_append_str (loop, "previtem", i > 0 ? jv_ref (g_ptr_array_index (items->list, i - 1))
                                           : jv_undefined ("there is no previous item"));
  jv_dict_append_str (loop, "nextitem", i + 1 < n ? jv_ref (g_ptr_array_index (items->list, i + 1))
                                               : jv_undefined ("there is no next item"));
  return loop;
}

/* Applies a for loop's `if` filter: Jinja counts only the kept items. */
static JValue *
filter_items (JEval *ev, const JNode *node, JValue *items, GError **error)
{
  g_autoptr (JValue) kept = jv_list_new ();
  for (guint i = 0; i < items->list->len; i++)
    {
      JValue *item = g_ptr_array_index (items->list, i);
      if (!jinja_count_iterations (ev, node, 1, error) || !assign (ev, node->a, item, error))
        return NULL;
      g_autoptr (JValue) cond = eval (ev, node->c, error);
      if (cond == NULL)
        return NULL;
      if (jv_truthy (cond))
        jv_list_append (kept, jv_ref (item));
    }
  return g_steal_pointer (&kept);
}

static gboolean
run_loop (JEval *ev, const JNode *node, JValue *items, GError **error)
{
  for (guint i = 0; i < items->list->len; i++)
    {
      if (!jinja_count_iterations (ev, node, 1, error))
        return FALSE;
      jv_dict_set_str (top_frame (ev), "loop", loop_object (items, i));
      if (!assign (ev, node->a, g_ptr_array_index (items->list, i), error)
          || !exec_body (ev, node->body, error))
        return FALSE;
      gboolean stop = ev->flow == FLOW_BREAK;
      ev->flow = FLOW_NORMAL;
      if (stop)
        break;
    }
  return TRUE;
}

static gboolean
exec_for (JEval *ev, const JNode *node, GError **error)
{
  g_autoptr (JValue) iterable = eval (ev, node->b, error);
  if (iterable == NULL)
    return FALSE;
  g_autoptr (JValue) items = jinja_iterate (ev, node->b, iterable, error);
  if (items == NULL)
    return FALSE;
  guint depth = ev->frames->len;
  g_ptr_array_add (ev->frames, jv_dict_new (FALSE));
  if (node->c != NULL)
    {
      JValue *kept = filter_items (ev, node, items, error);
      g_ptr_array_set_size (ev->frames, depth);
      if (kept == NULL)
        return FALSE;
      jv_unref (items);
      items = kept;
      g_ptr_array_add (ev->frames, jv_dict_new (FALSE));
    }
  gboolean ok = run_loop (ev, node, items, error);
  g_ptr_array_set_size (ev->frames, depth);
  if (!ok)
    return FALSE;
  if (items->list->len == 0 && node->else_body != NULL)
    return exec_body (ev, node->else_body, error);
  return TRUE;
}

static gboolean
exec_node (JEval *ev, const JNode *node, GError **error)
{
  switch (node->kind)
    {
    case JN_TEXT:
      g_string_append_len (ev->out, node->value->str.s, node->value->str.len);
      return jinja_check_size (ev, node, ev->out->len, error);
    case JN_OUTPUT:
      {
        g_autoptr (JValue) v = eval (ev, node->a, error);
        if (v == NULL)
          return FALSE;
        jv_append_str (ev->out, v);
        return jinja_check_size (ev, node, ev->out->len, error);
      }
    case JN_IF:
      {
        g_autoptr (JValue) cond = eval (ev, node->a, error);
        if (cond == NULL)
          return FALSE;
        GPtrArray *branch = jv_truthy (cond) ? node->body : node->else_body;
        return branch == NULL || exec_body (ev, branch, error);
      }
    case JN_FOR:
      return exec_for (ev, node, error);
    case JN_SET:
      {
        g_autoptr (JValue) v = node->b != NULL ? eval (ev, node->b, error)
                                               : render_to_string (ev, node->body, error);
        return v != NULL && assign (ev, node->a, v, error);
      }
    case JN_MACRO:
      jv_dict_set_str (top_frame (ev), node->name, jv_macro (node));
      return TRUE;
    case JN_BREAK:
      ev->flow = FLOW_BREAK;
      return TRUE;
    case JN_CONTINUE:
      ev->flow = FLOW_CONTINUE;
      return TRUE;
    default:
      jinja_set_error (ev, node, error, "an expression used as a statement");
      return FALSE;
    }
}

static gboolean
exec_body (JEval *ev, GPtrArray *body, GError **error)
{
  for (guint i = 0; i < body->len && ev->flow == FLOW_NORMAL; i++)
    if (!exec_node (ev, g_ptr_array_index (body, i), error))
      return FALSE;
  return TRUE;
}

char *
jinja_render (const char *name, GPtrArray *body, JValue *variables, GDateTime *now, GError **error)
{
  JEval ev = {
    .name = name,
    .out = g_string_new (NULL),
    .frames = g_ptr_array_new_with_free_func ((GDestroyNotify) jv_unref),
    .now = now,
  };
  g_ptr_array_add (ev.frames, jv_ref (variables));
  g_ptr_array_add (ev.frames, jv_dict_new (FALSE)); /* the template's own `set`s */
  gboolean ok = exec_body (&ev, body, error);
  g_ptr_array_unref (ev.frames);
  if (!ok)
    {
      g_string_free (ev.out, TRUE);
      return NULL;
    }
  return g_string_free (ev.out, FALSE);
}
