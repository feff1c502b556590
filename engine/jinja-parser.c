#define G_LOG_DOMAIN "hearth-jinja"

/* jinja-parser.c: tokens to a syntax tree, with Jinja's grammar and
 * operator precedence (lowest first): `x if c else y`, or, and, not,
 * comparisons (chained; in, not in), + -, ~, * / // %, **, unary - +,
 * then primary with postfix ., [], () and the filter/test chain (| f, is t).
 * Constructs outside the supported subset are rejected here, with the
 * template name and line:column, so rendering never meets them. */

#include <string.h>

#include "hearth-engine-error.h"
#include "jinja-private.h"

typedef struct {
  const char *name;
  GArray     *tokens;
  guint       pos;
  guint       depth;
} Parser;

static JNode *parse_expression (Parser *ps, gboolean with_condexpr, GError **error);
static JNode *parse_tuple (Parser *ps, gboolean with_condexpr, GError **error);
static GPtrArray *parse_body (Parser *ps, const char *const *end_names, GError **error);

void
jinja_node_free (JNode *node)
{
  if (node == NULL)
    return;
  g_free (node->name);
  jv_unref (node->value);
  jinja_node_free (node->a);
  jinja_node_free (node->b);
  jinja_node_free (node->c);
  g_clear_pointer (&node->args, g_ptr_array_unref);
  g_clear_pointer (&node->kw_names, g_ptr_array_unref);
  g_clear_pointer (&node->kw_values, g_ptr_array_unref);
  g_clear_pointer (&node->ops, g_array_unref);
  g_clear_pointer (&node->body, g_ptr_array_unref);
  g_clear_pointer (&node->else_body, g_ptr_array_unref);
  g_free (node);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (JNode, jinja_node_free)

static GPtrArray *
node_array (void)
{
  return g_ptr_array_new_with_free_func ((GDestroyNotify) jinja_node_free);
}

static JToken *
peek (Parser *ps)
{
  return &g_array_index (ps->tokens, JToken, ps->pos);
}

static JToken *
peek_at (Parser *ps, guint ahead)
{
  guint i = MIN (ps->pos + ahead, ps->tokens->len - 1);
  return &g_array_index (ps->tokens, JToken, i);
}

static JToken *
advance (Parser *ps)
{
  JToken *t = peek (ps);
  if (t->type != JT_EOF)
    ps->pos++;
  return t;
}

static JNode *
node_new (JNodeKind kind, const JToken *at)
{
  JNode *n = g_new0 (JNode, 1);
  n->kind = kind;
  n->line = at->line;
  n->col = at->col;
  return n;
}

static const char *
describe (const JToken *t)
{
  switch (t->type)
    {
    case JT_DATA: return "template text";
    case JT_VAR_BEGIN: return "'{{'";
    case JT_VAR_END: return "'}}'";
    case JT_BLOCK_BEGIN: return "'{%'";
    case JT_BLOCK_END: return "'%}'";
    case JT_STRING: return "a string";
    case JT_INT: case JT_FLOAT: return "a number";
    case JT_EOF: return "the end of the template";
    default: return t->text;
    }
}

static void
parse_error (Parser *ps, const JToken *at, GError **error, const char *format, ...) G_GNUC_PRINTF (4, 5);

static void
parse_error (Parser *ps, const JToken *at, GError **error, const char *format, ...)
{
  va_list ap;
  va_start (ap, format);
  g_autofree char *what = g_strdup_vprintf (format, ap);
  va_end (ap);
  g_set_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_TEMPLATE,
               "chat template '%s' %d:%d: %s", ps->name, at->line, at->col, what);
}

static gboolean
is_op (const JToken *t, const char *op)
{
  return t->type == JT_OP && strcmp (t->text, op) == 0;
}

static gboolean
is_name (const JToken *t, const char *name)
{
  return t->type == JT_NAME && strcmp (t->text, name) == 0;
}

static gboolean
expect_op (Parser *ps, const char *op, GError **error)
{
  JToken *t = peek (ps);
  if (!is_op (t, op))
    {
      parse_error (ps, t, error, "expected '%s', found %s", op, describe (t));
      return FALSE;
    }
  advance (ps);
  return TRUE;
}

static gboolean
expect_type (Parser *ps, JTokenType type, GError **error)
{
  JToken *t = peek (ps);
  if (t->type != type)
    {
      JToken want = { .type = type };
      parse_error (ps, t, error, "expected %s, found %s", describe (&want), describe (t));
      return FALSE;
    }
  advance (ps);
  return TRUE;
}

static gboolean
enter (Parser *ps, GError **error)
{
  if (++ps->depth > JINJA_MAX_NESTING)
    {
      parse_error (ps, peek (ps), error, "nested deeper than %u levels", JINJA_MAX_NESTING);
      return FALSE;
    }
  return TRUE;
}

/* (args, name=value, ...) after the '(' has been consumed. */
static gboolean
parse_call_args (Parser *ps, JNode *node, GError **error)
{
  node->args = node_array ();
  node->kw_names = g_ptr_array_new_with_free_func (g_free);
  node->kw_values = node_array ();
  while (!is_op (peek (ps), ")"))
    {
      if (node->args->len + node->kw_names->len > 0 && !expect_op (ps, ",", error))
        return FALSE;
      if (is_op (peek (ps), ")"))
        break;
      if (is_op (peek (ps), "*") || is_op (peek (ps), "**"))
        {
          parse_error (ps, peek (ps), error, "unsupported construct: *args/**kwargs in a call");
          return FALSE;
        }
      if (peek (ps)->type == JT_NAME && is_op (peek_at (ps, 1), "="))
        {
          g_ptr_array_add (node->kw_names, g_strdup (advance (ps)->text));
          advance (ps);
          JNode *value = parse_expression (ps, TRUE, error);
          if (value == NULL)
            return FALSE;
          g_ptr_array_add (node->kw_values, value);
          continue;
        }
      if (node->kw_names->len > 0)
        {
          parse_error (ps, peek (ps), error, "positional argument after a keyword argument");
          return FALSE;
        }
      JNode *arg = parse_expression (ps, TRUE, error);
      if (arg == NULL)
        return FALSE;
      g_ptr_array_add (node->args, arg);
    }
  advance (ps);
  return TRUE;
}

static JNode *
parse_list_or_dict (Parser *ps, gboolean is_dict, GError **error)
{
  JToken *open = advance (ps);
  g_autoptr (JNode) node = node_new (is_dict ? JN_DICT : JN_LIST, open);
  node->args = node_array ();
  node->kw_values = node_array ();
  const char *close = is_dict ? "}" : "]";
  while (!is_op (peek (ps), close))
    {
      if (node->args->len > 0 && !expect_op (ps, ",", error))
        return NULL;
      if (is_op (peek (ps), close))
        break;
      JNode *item = parse_expression (ps, TRUE, error);
      if (item == NULL)
        return NULL;
      g_ptr_array_add (node->args, item);
      if (is_dict)
        {
          if (!expect_op (ps, ":", error))
            return NULL;
          JNode *value = parse_expression (ps, TRUE, error);
          if (value == NULL)
            return NULL;
          g_ptr_array_add (node->kw_values, value);
        }
    }
  advance (ps);
  return g_steal_pointer (&node);
}

static JNode *
literal (const JToken *at, JValue *value)
{
  JNode *n = node_new (JN_LITERAL, at);
  n->value = value;
  return n;
}

static JNode *
parse_primary (Parser *ps, GError **error)
{
  JToken *t = peek (ps);
  switch (t->type)
    {
    case JT_NAME:
      advance (ps);
      if (strcmp (t->text, "true") == 0 || strcmp (t->text, "True") == 0)
        return literal (t, jv_bool (TRUE));
      if (strcmp (t->text, "false") == 0 || strcmp (t->text, "False") == 0)
        return literal (t, jv_bool (FALSE));
      if (strcmp (t->text, "none") == 0 || strcmp (t->text, "None") == 0)
        return literal (t, jv_none ());
      {
        JNode *n = node_new (JN_NAME, t);
        n->name = g_strdup (t->text);
        return n;
      }
    case JT_STRING:
      {
        /* Adjacent literals concatenate, as in Python. */
        GString *s = g_string_new_len (t->text, t->len);
        advance (ps);
        while (peek (ps)->type == JT_STRING)
          {
            JToken *next = advance (ps);
            g_string_append_len (s, next->text, next->len);
          }
        gsize len = s->len;
        g_autofree char *text = g_string_free (s, FALSE);
        return literal (t, jv_string_len (text, len));
      }
    case JT_INT:
      advance (ps);
      return literal (t, jv_int (t->i));
    case JT_FLOAT:
      advance (ps);
      return literal (t, jv_float (t->f));
    case JT_OP:
      if (is_op (t, "("))
        {
          advance (ps);
          if (is_op (peek (ps), ")"))
            {
              advance (ps);
              JNode *n = node_new (JN_TUPLE, t);
              n->args = node_array ();
              return n;
            }
          JNode *inner = parse_tuple (ps, TRUE, error);
          if (inner == NULL)
            return NULL;
          if (!expect_op (ps, ")", error))
            {
              jinja_node_free (inner);
              return NULL;
            }
          return inner;
        }
      if (is_op (t, "["))
        return parse_list_or_dict (ps, FALSE, error);
      if (is_op (t, "{"))
        return parse_list_or_dict (ps, TRUE, error);
      break;
    default:
      break;
    }
  parse_error (ps, t, error, "unexpected %s in an expression", describe (t));
  return NULL;
}

/* [a], [a:b:c] after the '[' has been consumed. */
static JNode *
parse_subscript (Parser *ps, JNode *subject, const JToken *at, GError **error)
{
  g_autoptr (JNode) node = node_new (JN_GETITEM, at);
  node->a = subject;
  JNode *parts[3] = { NULL, NULL, NULL };
  guint n_colons = 0;
  for (;;)
    {
      if (is_op (peek (ps), ":"))
        {
          if (++n_colons > 2)
            {
              parse_error (ps, peek (ps), error, "too many ':' in a slice");
              goto fail;
            }
          advance (ps);
          continue;
        }
      if (is_op (peek (ps), "]"))
        break;
      if (parts[n_colons] != NULL)
        {
          parse_error (ps, peek (ps), error, "expected ']' or ':', found %s", describe (peek (ps)));
          goto fail;
        }
      parts[n_colons] = parse_expression (ps, TRUE, error);
      if (parts[n_colons] == NULL)
        goto fail;
    }
  advance (ps);
  if (n_colons == 0)
    {
      if (parts[0] == NULL)
        {
          parse_error (ps, at, error, "empty subscript '[]'");
          goto fail;
        }
      node->b = parts[0];
      return g_steal_pointer (&node);
    }
  node->kind = JN_SLICE;
  node->args = node_array ();
  for (int i = 0; i < 3; i++)
    g_ptr_array_add (node->args, parts[i]);
  return g_steal_pointer (&node);

fail:
  for (int i = 0; i < 3; i++)
    jinja_node_free (parts[i]);
  return NULL;
}

static JNode *
parse_postfix (Parser *ps, JNode *node, GError **error)
{
  for (;;)
    {
      JToken *t = peek (ps);
      if (is_op (t, "."))
        {
          advance (ps);
          JToken *attr = advance (ps);
          JNode *n;
          if (attr->type == JT_NAME)
            {
              n = node_new (JN_GETATTR, t);
              n->name = g_strdup (attr->text);
            }
          else if (attr->type == JT_INT)
            {
              n = node_new (JN_GETITEM, t);
              n->b = literal (attr, jv_int (attr->i));
            }
          else
            {
              parse_error (ps, attr, error, "expected an attribute name after '.', found %s", describe (attr));
              jinja_node_free (node);
              return NULL;
            }
          n->a = node;
          node = n;
        }
      else if (is_op (t, "["))
        {
          advance (ps);
          node = parse_subscript (ps, node, t, error);
          if (node == NULL)
            return NULL;
        }
      else if (is_op (t, "("))
        {
          advance (ps);
          JNode *call = node_new (JN_CALL, t);
          call->a = node;
          node = call;
          if (!parse_call_args (ps, call, error))
            {
              jinja_node_free (node);
              return NULL;
            }
        }
      else
        return node;
    }
}

/* `| name(args)` and `is [not] name args`, repeated. */
static JNode *
parse_filters_and_tests (Parser *ps, JNode *node, GError **error)
{
  for (;;)
    {
      JToken *t = peek (ps);
      gboolean is_filter = is_op (t, "|");
      if (!is_filter && !is_name (t, "is"))
        return node;
      advance (ps);
      g_autoptr (JNode) n = node_new (is_filter ? JN_FILTER : JN_TEST, t);
      n->a = node;
      if (!is_filter && is_name (peek (ps), "not"))
        {
          advance (ps);
          n->negate = TRUE;
        }
      JToken *name = advance (ps);
      if (name->type != JT_NAME)
        {
          parse_error (ps, name, error, "expected a %s name, found %s",
                       is_filter ? "filter" : "test", describe (name));
          return NULL;
        }
      n->name = g_strdup (name->text);
      if (is_filter ? jinja_lookup_filter (n->name) == NULL : jinja_lookup_test (n->name) == NULL)
        {
          parse_error (ps, name, error, "unsupported construct: %s '%s'",
                       is_filter ? "filter" : "test", n->name);
          return NULL;
        }
      if (is_op (peek (ps), "("))
        {
          advance (ps);
          if (!parse_call_args (ps, n, error))
            return NULL;
        }
      else
        {
          n->args = node_array ();
          n->kw_names = g_ptr_array_new_with_free_func (g_free);
          n->kw_values = node_array ();
          JToken *next = peek (ps);
          gboolean takes_arg = !is_filter
            && (next->type == JT_STRING || next->type == JT_INT || next->type == JT_FLOAT
                || is_op (next, "[") || is_op (next, "{")
                || (next->type == JT_NAME && !is_name (next, "else") && !is_name (next, "or")
                    && !is_name (next, "and") && !is_name (next, "if") && !is_name (next, "is")
                    && !is_name (next, "in") && !is_name (next, "not")));
          if (takes_arg)
            {
              JNode *arg = parse_primary (ps, error);
              if (arg == NULL)
                return NULL;
              arg = parse_postfix (ps, arg, error);
              if (arg == NULL)
                return NULL;
              g_ptr_array_add (n->args, arg);
            }
        }
      node = g_steal_pointer (&n);
    }
}

static JNode *
parse_unary (Parser *ps, gboolean with_filter, GError **error)
{
  JToken *t = peek (ps);
  JNode *node;
  if (!enter (ps, error))
    return NULL;
  if (is_op (t, "-") || is_op (t, "+"))
    {
      advance (ps);
      JNode *operand = parse_unary (ps, FALSE, error);
      if (operand == NULL)
        return NULL;
      node = node_new (is_op (t, "-") ? JN_NEG : JN_POS, t);
      node->a = operand;
    }
  else
    node = parse_primary (ps, error);
  ps->depth--;
  if (node == NULL)
    return NULL;
  node = parse_postfix (ps, node, error);
  if (node != NULL && with_filter)
    node = parse_filters_and_tests (ps, node, error);
  return node;
}

typedef JNode *(*ParseLevel) (Parser *ps, GError **error);

static JNode *
binary_level (Parser *ps, ParseLevel next, const char *const *ops, const JOp *codes, GError **error)
{
  JNode *left = next (ps, error);
  while (left != NULL)
    {
      JToken *t = peek (ps);
      int found = -1;
      for (int i = 0; ops[i] != NULL; i++)
        if (is_op (t, ops[i]))
          found = i;
      if (found < 0)
        break;
      advance (ps);
      JNode *right = next (ps, error);
      if (right == NULL)
        {
          jinja_node_free (left);
          return NULL;
        }
      JNode *n = node_new (JN_BINARY, t);
      n->op = codes[found];
      n->a = left;
      n->b = right;
      left = n;
    }
  return left;
}

static JNode *parse_unary_filtered (Parser *ps, GError **error) { return parse_unary (ps, TRUE, error); }

static JNode *
parse_pow (Parser *ps, GError **error)
{
  static const char *const ops[] = { "**", NULL };
  static const JOp codes[] = { JOP_POW };
  return binary_level (ps, parse_unary_filtered, ops, codes, error);
}

static JNode *
parse_math2 (Parser *ps, GError **error)
{
  static const char *const ops[] = { "*", "/", "//", "%", NULL };
  static const JOp codes[] = { JOP_MUL, JOP_DIV, JOP_FLOORDIV, JOP_MOD };
  return binary_level (ps, parse_pow, ops, codes, error);
}

static JNode *
parse_concat (Parser *ps, GError **error)
{
  static const char *const ops[] = { "~", NULL };
  static const JOp codes[] = { JOP_CONCAT };
  return binary_level (ps, parse_math2, ops, codes, error);
}

static JNode *
parse_math1 (Parser *ps, GError **error)
{
  static const char *const ops[] = { "+", "-", NULL };
  static const JOp codes[] = { JOP_ADD, JOP_SUB };
  return binary_level (ps, parse_concat, ops, codes, error);
}

static gboolean
compare_op (Parser *ps, JOp *op)
{
  static const struct { const char *text; JOp op; } table[] = {
    { "==", JOP_EQ }, { "!=", JOP_NE }, { "<", JOP_LT }, { "<=", JOP_LE }, { ">", JOP_GT }, { ">=", JOP_GE },
  };
  JToken *t = peek (ps);
  for (guint i = 0; i < G_N_ELEMENTS (table); i++)
    if (is_op (t, table[i].text))
      {
        advance (ps);
        *op = table[i].op;
        return TRUE;
      }
  if (is_name (t, "in"))
    {
      advance (ps);
      *op = JOP_IN;
      return TRUE;
    }
  if (is_name (t, "not") && is_name (peek_at (ps, 1), "in"))
    {
      advance (ps);
      advance (ps);
      *op = JOP_NOT_IN;
      return TRUE;
    }
  return FALSE;
}

static JNode *
parse_compare (Parser *ps, GError **error)
{
  JToken *start = peek (ps);
  JNode *first = parse_math1 (ps, error);
  if (first == NULL)
    return NULL;
  JOp op;
  if (!compare_op (ps, &op))
    return first;
  g_autoptr (JNode) node = node_new (JN_COMPARE, start);
  node->args = node_array ();
  node->ops = g_array_new (FALSE, FALSE, sizeof (JOp));
  g_ptr_array_add (node->args, first);
  do
    {
      g_array_append_val (node->ops, op);
      JNode *next = parse_math1 (ps, error);
      if (next == NULL)
        return NULL;
      g_ptr_array_add (node->args, next);
    }
  while (compare_op (ps, &op));
  return g_steal_pointer (&node);
}

static JNode *
parse_not (Parser *ps, GError **error)
{
  JToken *t = peek (ps);
  if (!is_name (t, "not"))
    return parse_compare (ps, error);
  advance (ps);
  if (!enter (ps, error))
    return NULL;
  JNode *operand = parse_not (ps, error);
  ps->depth--;
  if (operand == NULL)
    return NULL;
  JNode *n = node_new (JN_NOT, t);
  n->a = operand;
  return n;
}

static JNode *
logic_level (Parser *ps, ParseLevel next, const char *word, JNodeKind kind, GError **error)
{
  JNode *left = next (ps, error);
  while (left != NULL && is_name (peek (ps), word))
    {
      JToken *t = advance (ps);
      JNode *right = next (ps, error);
      if (right == NULL)
        {
          jinja_node_free (left);
          return NULL;
        }
      JNode *n = node_new (kind, t);
      n->a = left;
      n->b = right;
      left = n;
    }
  return left;
}

static JNode *parse_and (Parser *ps, GError **error) { return logic_level (ps, parse_not, "and", JN_AND, error); }
static JNode *parse_or (Parser *ps, GError **error) { return logic_level (ps, parse_and, "or", JN_OR, error); }

static JNode *
parse_expression (Parser *ps, gboolean with_condexpr, GError **error)
{
  if (!enter (ps, error))
    return NULL;
  JNode *node = parse_or (ps, error);
  while (node != NULL && with_condexpr && is_name (peek (ps), "if"))
    {
      JToken *t = advance (ps);
      JNode *cond = node_new (JN_CONDEXPR, t);
      cond->a = node;
      node = cond;
      cond->b = parse_or (ps, error);
      gboolean ok = cond->b != NULL;
      if (ok && is_name (peek (ps), "else"))
        {
          advance (ps);
          cond->c = parse_expression (ps, TRUE, error);
          ok = cond->c != NULL;
        }
      if (!ok)
        g_clear_pointer (&node, jinja_node_free);
    }
  ps->depth--;
  return node;
}

/* a, b, c -> a tuple; a single expression stays itself. */
static JNode *
parse_tuple (Parser *ps, gboolean with_condexpr, GError **error)
{
  JToken *start = peek (ps);
  JNode *first = parse_expression (ps, with_condexpr, error);
  if (first == NULL || !is_op (peek (ps), ","))
    return first;
  g_autoptr (JNode) tuple = node_new (JN_TUPLE, start);
  tuple->args = node_array ();
  g_ptr_array_add (tuple->args, first);
  while (is_op (peek (ps), ","))
    {
      advance (ps);
      JToken *t = peek (ps);
      if (t->type == JT_BLOCK_END || t->type == JT_VAR_END || is_op (t, ")") || is_name (t, "in")
          || is_op (t, "="))
        break;
      JNode *item = parse_expression (ps, with_condexpr, error);
      if (item == NULL)
        return NULL;
      g_ptr_array_add (tuple->args, item);
    }
  return g_steal_pointer (&tuple);
}

/* Targets of for and set: a name, names separated by commas, or ns.attr. */
static JNode *
parse_target (Parser *ps, gboolean allow_attribute, GError **error)
{
  JToken *start = peek (ps);
  g_autoptr (JNode) tuple = node_new (JN_TUPLE, start);
  tuple->args = node_array ();
  gboolean parenthesized = is_op (start, "(");
  if (parenthesized)
    advance (ps);
  do
    {
      if (tuple->args->len > 0)
        advance (ps);
      JToken *t = advance (ps);
      if (t->type != JT_NAME)
        {
          parse_error (ps, t, error, "expected a variable name, found %s", describe (t));
          return NULL;
        }
      JNode *n = node_new (JN_NAME, t);
      n->name = g_strdup (t->text);
      if (allow_attribute && is_op (peek (ps), "."))
        {
          advance (ps);
          JToken *attr = advance (ps);
          if (attr->type != JT_NAME)
            {
              jinja_node_free (n);
              parse_error (ps, attr, error, "expected an attribute name, found %s", describe (attr));
              return NULL;
            }
          JNode *get = node_new (JN_GETATTR, t);
          get->a = n;
          get->name = g_strdup (attr->text);
          n = get;
        }
      g_ptr_array_add (tuple->args, n);
    }
  while (is_op (peek (ps), ","));
  if (parenthesized && !expect_op (ps, ")", error))
    return NULL;
  if (tuple->args->len == 1 && !parenthesized)
    return g_ptr_array_steal_index (tuple->args, 0);
  return g_steal_pointer (&tuple);
}

static const char *const if_ends[] = { "elif", "else", "endif", NULL };
static const char *const for_ends[] = { "else", "endfor", NULL };
static const char *const endfor_end[] = { "endfor", NULL };
static const char *const endif_end[] = { "endif", NULL };
static const char *const endset_end[] = { "endset", NULL };
static const char *const endmacro_end[] = { "endmacro", NULL };

/* Consumes `name %}` that closes a block. */
static gboolean
expect_end (Parser *ps, const char *name, GError **error)
{
  JToken *t = peek (ps);
  if (!is_name (t, name))
    {
      parse_error (ps, t, error, "expected '%s', found %s", name, describe (t));
      return FALSE;
    }
  advance (ps);
  return expect_type (ps, JT_BLOCK_END, error);
}

/* The tail of an if or for block once the tag after its body is read:
 * for an else tag, its `%}`, the else body and the end tag's name; then the
 * end tag's `%}`. */
static gboolean
finish_block (Parser *ps, gboolean at_else, const char *const *end_names,
              GPtrArray **else_body, GError **error)
{
  if (at_else)
    {
      if (!expect_type (ps, JT_BLOCK_END, error))
        return FALSE;
      *else_body = parse_body (ps, end_names, error);
      if (*else_body == NULL)
        return FALSE;
      advance (ps);
    }
  return expect_type (ps, JT_BLOCK_END, error);
}

static JNode *
parse_if (Parser *ps, const JToken *at, GError **error)
{
  g_autoptr (JNode) node = node_new (JN_IF, at);
  JNode *current = node;
  for (;;)
    {
      current->a = parse_tuple (ps, TRUE, error);
      if (current->a == NULL || !expect_type (ps, JT_BLOCK_END, error))
        return NULL;
      current->body = parse_body (ps, if_ends, error);
      if (current->body == NULL)
        return NULL;
      JToken *t = advance (ps);
      if (strcmp (t->text, "elif") == 0)
        {
          JNode *next = node_new (JN_IF, t);
          current->else_body = node_array ();
          g_ptr_array_add (current->else_body, next);
          current = next;
          continue;
        }
      if (!finish_block (ps, strcmp (t->text, "else") == 0, endif_end, &current->else_body, error))
        return NULL;
      return g_steal_pointer (&node);
    }
}

static JNode *
parse_for (Parser *ps, const JToken *at, GError **error)
{
  g_autoptr (JNode) node = node_new (JN_FOR, at);
  node->a = parse_target (ps, FALSE, error);
  if (node->a == NULL)
    return NULL;
  if (!is_name (peek (ps), "in"))
    {
      parse_error (ps, peek (ps), error, "expected 'in', found %s", describe (peek (ps)));
      return NULL;
    }
  advance (ps);
  node->b = parse_tuple (ps, FALSE, error);
  if (node->b == NULL)
    return NULL;
  if (is_name (peek (ps), "if"))
    {
      advance (ps);
      node->c = parse_expression (ps, TRUE, error);
      if (node->c == NULL)
        return NULL;
    }
  if (is_name (peek (ps), "recursive"))
    {
      parse_error (ps, peek (ps), error, "unsupported construct: recursive for loop");
      return NULL;
    }
  if (!expect_type (ps, JT_BLOCK_END, error))
    return NULL;
  node->body = parse_body (ps, for_ends, error);
  if (node->body == NULL)
    return NULL;
  if (!finish_block (ps, is_name (advance (ps), "else"), endfor_end, &node->else_body, error))
    return NULL;
  return g_steal_pointer (&node);
}

static JNode *
parse_set (Parser *ps, const JToken *at, GError **error)
{
  g_autoptr (JNode) node = node_new (JN_SET, at);
  node->a = parse_target (ps, TRUE, error);
  if (node->a == NULL)
    return NULL;
  if (is_op (peek (ps), "="))
    {
      advance (ps);
      node->b = parse_tuple (ps, TRUE, error);
      if (node->b == NULL || !expect_type (ps, JT_BLOCK_END, error))
        return NULL;
      return g_steal_pointer (&node);
    }
  if (node->a->kind != JN_NAME)
    {
      parse_error (ps, at, error, "a {%% set %%} block needs a single variable name");
      return NULL;
    }
  if (!expect_type (ps, JT_BLOCK_END, error))
    return NULL;
  node->body = parse_body (ps, endset_end, error);
  if (node->body == NULL || !expect_end (ps, "endset", error))
    return NULL;
  return g_steal_pointer (&node);
}

static JNode *
parse_macro (Parser *ps, const JToken *at, GError **error)
{
  g_autoptr (JNode) node = node_new (JN_MACRO, at);
  JToken *name = advance (ps);
  if (name->type != JT_NAME)
    {
      parse_error (ps, name, error, "expected a macro name, found %s", describe (name));
      return NULL;
    }
  node->name = g_strdup (name->text);
  if (!expect_op (ps, "(", error))
    return NULL;
  node->args = node_array ();
  node->kw_values = node_array ();
  while (!is_op (peek (ps), ")"))
    {
      if (node->args->len > 0 && !expect_op (ps, ",", error))
        return NULL;
      JToken *param = advance (ps);
      if (param->type != JT_NAME)
        {
          parse_error (ps, param, error, "expected a parameter name, found %s", describe (param));
          return NULL;
        }
      JNode *p = node_new (JN_NAME, param);
      p->name = g_strdup (param->text);
      g_ptr_array_add (node->args, p);
      JNode *fallback = NULL;
      if (is_op (peek (ps), "="))
        {
          advance (ps);
          fallback = parse_expression (ps, TRUE, error);
          if (fallback == NULL)
            return NULL;
        }
      else if (node->kw_values->len > 0 && g_ptr_array_index (node->kw_values, node->kw_values->len - 1) != NULL)
        {
          parse_error (ps, param, error, "parameter without a default after one with a default");
          return NULL;
        }
      g_ptr_array_add (node->kw_values, fallback);
    }
  advance (ps);
  if (!expect_type (ps, JT_BLOCK_END, error))
    return NULL;
  node->body = parse_body (ps, endmacro_end, error);
  if (node->body == NULL || !expect_end (ps, "endmacro", error))
    return NULL;
  return g_steal_pointer (&node);
}

static JNode *
parse_statement (Parser *ps, GError **error)
{
  JToken *t = advance (ps);
  if (t->type != JT_NAME)
    {
      parse_error (ps, t, error, "expected a statement name after '{%%', found %s", describe (t));
      return NULL;
    }
  if (!enter (ps, error))
    return NULL;
  JNode *node = NULL;
  if (strcmp (t->text, "if") == 0)
    node = parse_if (ps, t, error);
  else if (strcmp (t->text, "for") == 0)
    node = parse_for (ps, t, error);
  else if (strcmp (t->text, "set") == 0)
    node = parse_set (ps, t, error);
  else if (strcmp (t->text, "macro") == 0)
    node = parse_macro (ps, t, error);
  else if (strcmp (t->text, "break") == 0 || strcmp (t->text, "continue") == 0)
    {
      if (expect_type (ps, JT_BLOCK_END, error))
        node = node_new (t->text[0] == 'b' ? JN_BREAK : JN_CONTINUE, t);
    }
  else if (g_str_has_prefix (t->text, "end") || strcmp (t->text, "elif") == 0 || strcmp (t->text, "else") == 0)
    parse_error (ps, t, error, "unexpected {%% %s %%} without a matching opening tag", t->text);
  else
    parse_error (ps, t, error, "unsupported construct: {%% %s %%}", t->text);
  ps->depth--;
  return node;
}

/* Statements until a `{% name` with name in end_names (left unconsumed
 * after the '{%') or the end of the template (end_names NULL). */
static GPtrArray *
parse_body (Parser *ps, const char *const *end_names, GError **error)
{
  g_autoptr (GPtrArray) body = node_array ();
  for (;;)
    {
      JToken *t = peek (ps);
      JNode *node = NULL;
      switch (t->type)
        {
        case JT_EOF:
          if (end_names != NULL)
            {
              parse_error (ps, t, error, "missing {%% %s %%}", end_names[g_strv_length ((char **) end_names) - 1]);
              return NULL;
            }
          return g_steal_pointer (&body);
        case JT_DATA:
          advance (ps);
          node = literal (t, jv_string_len (t->text, t->len));
          node->kind = JN_TEXT;
          break;
        case JT_VAR_BEGIN:
          advance (ps);
          node = node_new (JN_OUTPUT, t);
          node->a = parse_tuple (ps, TRUE, error);
          if (node->a == NULL || !expect_type (ps, JT_VAR_END, error))
            {
              jinja_node_free (node);
              return NULL;
            }
          break;
        case JT_BLOCK_BEGIN:
          {
            JToken *name = peek_at (ps, 1);
            for (guint i = 0; end_names != NULL && end_names[i] != NULL; i++)
              if (is_name (name, end_names[i]))
                {
                  advance (ps);
                  return g_steal_pointer (&body);
                }
            advance (ps);
            node = parse_statement (ps, error);
            if (node == NULL)
              {
                if (error != NULL && *error == NULL)
                  parse_error (ps, name, error, "invalid statement");
                return NULL;
              }
            break;
          }
        default:
          parse_error (ps, t, error, "unexpected %s", describe (t));
          return NULL;
        }
      g_ptr_array_add (body, node);
    }
}

GPtrArray *
jinja_parse (const char *name, const char *source, GError **error)
{
  GArray *tokens = jinja_lex (name, source, error);
  if (tokens == NULL)
    return NULL;
  Parser ps = { .name = name, .tokens = tokens };
  GPtrArray *body = parse_body (&ps, NULL, error);
  jinja_tokens_free (tokens);
  return body;
}
