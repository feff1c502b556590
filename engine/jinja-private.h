/* jinja-private.h: the Jinja2 subset behind chat templates, shared by
 * jinja-value.c (values), jinja-lexer.c (tokens), jinja-parser.c (syntax
 * tree), jinja-builtins.c (filters, tests, methods, globals) and
 * jinja-eval.c (rendering). Semantics follow Jinja 3.1 as configured by
 * transformers: ImmutableSandboxedEnvironment, trim_blocks, lstrip_blocks,
 * loopcontrols, default Undefined. Templates are untrusted input, so every
 * resource (output size, loop iterations, nesting, string size) is bounded. */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Limits for untrusted templates. */
#define JINJA_MAX_OUTPUT     (16u * 1024u * 1024u) /* bytes of rendered text, and of any one string */
#define JINJA_MAX_ITERATIONS 1000000u              /* loop iterations per render, all loops together */
#define JINJA_MAX_NESTING    128u                  /* expression / statement nesting in the parser */
#define JINJA_MAX_CALL_DEPTH 64u                   /* macro calls in flight */

/* ---- values ------------------------------------------------------------ */

typedef enum {
  JV_UNDEFINED,
  JV_NONE,
  JV_BOOL,
  JV_INT,
  JV_FLOAT,
  JV_STRING,
  JV_LIST,      /* Python list or tuple */
  JV_DICT,      /* insertion-ordered mapping */
  JV_NAMESPACE, /* namespace(): a mapping whose attributes `set` may change */
  JV_FUNCTION,  /* a global such as range() */
  JV_MACRO,
} JValueType;

typedef struct _JValue JValue;
typedef struct _JNode JNode;
typedef struct _JEval JEval;

/* A global function: positional args, keyword names and values. */
typedef JValue *(*JFunction) (JEval *ev, const JNode *at, GPtrArray *args,
                              GPtrArray *kw_names, GPtrArray *kw_values, GError **error);

struct _JValue {
  gint       ref_count;
  JValueType type;
  gboolean   is_tuple;  /* a JV_LIST that Python would show as a tuple */
  union {
    gboolean b;
    gint64   i;
    double   f;
    struct { char *s; gsize len; } str;           /* UTF-8, NUL-terminated */
    GPtrArray *list;                               /* of JValue* */
    struct { GPtrArray *keys, *values; } dict;     /* parallel arrays of JValue* */
    struct { JFunction fn; const char *name; } func;
    const JNode *macro;
    char *undefined_hint;                          /* what was missing, for errors */
  };
};

JValue     *jv_ref            (JValue *v);
void        jv_unref          (JValue *v);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (JValue, jv_unref)

JValue     *jv_undefined      (const char *hint_format, ...) G_GNUC_PRINTF (1, 2);
JValue     *jv_none           (void);
JValue     *jv_bool           (gboolean b);
JValue     *jv_int            (gint64 i);
JValue     *jv_float          (double f);
JValue     *jv_string         (const char *s);
JValue     *jv_string_len     (const char *s, gsize len);
JValue     *jv_string_take    (char *s);
JValue     *jv_list_new       (void);
JValue     *jv_tuple_new      (void);
JValue     *jv_dict_new       (gboolean is_namespace);
JValue     *jv_function       (const char *name, JFunction fn);
JValue     *jv_macro          (const JNode *macro);
JValue     *jv_from_json      (JsonNode *node);

void        jv_list_append    (JValue *list, JValue *item);  /* takes item */
void        jv_dict_set       (JValue *dict, JValue *key, JValue *value); /* takes both */
void        jv_dict_set_str   (JValue *dict, const char *key, JValue *value);
void        jv_dict_append_str(JValue *dict, const char *key, JValue *value); /* key known to be new */
JValue     *jv_dict_lookup    (JValue *dict, JValue *key);   /* borrowed or NULL */
JValue     *jv_dict_lookup_str(JValue *dict, const char *key);

gboolean    jv_truthy         (JValue *v);
gboolean    jv_equal          (JValue *a, JValue *b);
gboolean    jv_is_number      (JValue *v); /* int, float or bool, as in Python */
double      jv_as_double      (JValue *v);
const char *jv_type_name      (JValue *v); /* Python's name: 'str', 'dict', ... */
glong       jv_str_chars      (JValue *v); /* code points in a string */

/* Python str() and repr(); str(Undefined) is "". */
char       *jv_to_str         (JValue *v);
void        jv_append_str     (GString *out, JValue *v);
void        jv_append_repr    (GString *out, JValue *v);

/* json.dumps(v, ensure_ascii=False, indent, separators, sort_keys);
 * indent < 0 means None. */
gboolean    jv_to_json        (GString *out, JValue *v, int indent, const char *item_sep,
                               const char *key_sep, gboolean sort_keys, GError **error);

/* ---- lexer -------------------------------------------------------------- */

typedef enum {
  JT_DATA,
  JT_VAR_BEGIN,
  JT_VAR_END,
  JT_BLOCK_BEGIN,
  JT_BLOCK_END,
  JT_NAME,
  JT_STRING,
  JT_INT,
  JT_FLOAT,
  JT_OP,    /* text holds the operator: "+", "//", "==", "(" ... */
  JT_EOF,
} JTokenType;

typedef struct {
  JTokenType type;
  int        line, col;
  char      *text;   /* DATA, NAME, STRING (decoded), OP */
  gsize      len;    /* bytes of text (strings may hold NUL) */
  gint64     i;
  double     f;
} JToken;

/* Tokens of a whole template, ending with JT_EOF. */
GArray     *jinja_lex         (const char *name, const char *source, GError **error);
void        jinja_tokens_free (GArray *tokens);

/* ---- syntax tree ------------------------------------------------------------ */

typedef enum {
  /* expressions */
  JN_LITERAL,   /* value */
  JN_NAME,      /* name */
  JN_LIST,      /* args: items */
  JN_TUPLE,     /* args: items */
  JN_DICT,      /* args: keys, kw_values: values */
  JN_GETATTR,   /* a.name */
  JN_GETITEM,   /* a[b] */
  JN_SLICE,     /* a[args0:args1:args2], NULL for a missing bound */
  JN_CALL,      /* a(args, kw_names=kw_values) */
  JN_FILTER,    /* a | name(args, kw) */
  JN_TEST,      /* a is [not] name(args); negate */
  JN_NEG,
  JN_POS,
  JN_NOT,
  JN_BINARY,    /* a op b; op in + - * / // % ** ~ */
  JN_AND,
  JN_OR,
  JN_COMPARE,   /* args: operands, ops: one fewer operator */
  JN_CONDEXPR,  /* a if b else c (c may be NULL) */
  /* statements */
  JN_TEXT,      /* value: literal template data */
  JN_OUTPUT,    /* {{ a }} */
  JN_IF,        /* if a: body else else_body */
  JN_FOR,       /* for a in b [if c]: body else else_body */
  JN_SET,       /* a = b, or a = rendered body */
  JN_MACRO,     /* name(args: JN_NAME params, kw_names/kw_values defaults): body */
  JN_BREAK,
  JN_CONTINUE,
} JNodeKind;

typedef enum {
  JOP_ADD, JOP_SUB, JOP_MUL, JOP_DIV, JOP_FLOORDIV, JOP_MOD, JOP_POW, JOP_CONCAT,
  JOP_EQ, JOP_NE, JOP_LT, JOP_LE, JOP_GT, JOP_GE, JOP_IN, JOP_NOT_IN,
} JOp;

struct _JNode {
  JNodeKind  kind;
  int        line, col;
  JOp        op;
  gboolean   negate;
  char      *name;
  JValue    *value;
  JNode     *a, *b, *c;
  GPtrArray *args;       /* of JNode* (may contain NULL in slices) */
  GPtrArray *kw_names;   /* of char* */
  GPtrArray *kw_values;  /* of JNode* */
  GArray    *ops;        /* of JOp, for JN_COMPARE */
  GPtrArray *body;       /* of JNode* */
  GPtrArray *else_body;  /* of JNode* */
};

/* Parses a whole template into a statement list. */
GPtrArray  *jinja_parse       (const char *name, const char *source, GError **error);
void        jinja_node_free   (JNode *node);

/* ---- builtins ------------------------------------------------------------- */

typedef JValue *(*JFilter) (JEval *ev, const JNode *at, JValue *subject, GPtrArray *args,
                            GPtrArray *kw_names, GPtrArray *kw_values, GError **error);
typedef gboolean (*JTest) (JEval *ev, const JNode *at, JValue *subject, GPtrArray *args,
                           gboolean *result, GError **error);

JFilter     jinja_lookup_filter (const char *name);
JTest       jinja_lookup_test   (const char *name);
JFunction   jinja_lookup_global (const char *name);

/* obj.name(args): Python str/dict methods. Returns NULL with *found FALSE
 * when obj has no such method (the caller falls back to attribute access). */
JValue     *jinja_call_method   (JEval *ev, const JNode *at, JValue *obj, const char *name,
                                 GPtrArray *args, GPtrArray *kw_names, GPtrArray *kw_values,
                                 gboolean *found, GError **error);

/* Python's str.strip family; chars NULL means whitespace. */
char       *jinja_strip         (const char *s, const char *chars, gboolean left, gboolean right);

/* ---- evaluation ---------------------------------------------------------- */

/* Renders a parsed template with the given variables (a JV_DICT).
 * now: the clock for strftime_now(). */
char       *jinja_render        (const char *name, GPtrArray *body, JValue *variables,
                                 GDateTime *now, GError **error);

/* For builtins: the current time, a TEMPLATE error at a node, the
 * exception raised by raise_exception(), a size check, a filter/test by
 * name applied to a value (select/map). */
GDateTime  *jinja_eval_now      (JEval *ev);
void        jinja_set_error     (JEval *ev, const JNode *at, GError **error,
                                 const char *format, ...) G_GNUC_PRINTF (4, 5);
gboolean    jinja_check_size    (JEval *ev, const JNode *at, gsize n_bytes, GError **error);
gboolean    jinja_apply_test    (JEval *ev, const JNode *at, const char *test, JValue *subject,
                                 GPtrArray *args, gboolean *result, GError **error);
gboolean    jinja_count_iterations (JEval *ev, const JNode *at, guint64 n, GError **error);

/* Items of an iterable as a new list (list: items; dict: keys; string:
 * characters; undefined: empty); NULL + error for anything else. */
JValue     *jinja_iterate       (JEval *ev, const JNode *at, JValue *v, GError **error);

G_END_DECLS
