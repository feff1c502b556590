#define G_LOG_DOMAIN "hearth-test"

/* Unit tests of the Jinja2 subset behind chat templates: whitespace
 * control, statements, expressions, filters, tests, errors and the limits
 * that keep an untrusted template from running away. Expected strings are
 * what Jinja 3.1 with trim_blocks/lstrip_blocks prints. */

#include <glib.h>

#include "chat-template.h"

static JsonArray *
parse_messages (const char *json)
{
  g_autoptr (JsonNode) node = json_from_string (json, NULL);
  g_assert_nonnull (node);
  return json_array_ref (json_node_get_array (node));
}

static char *
render_full (const char *source, const char *messages_json, gboolean add_generation_prompt, GError **error)
{
  g_autoptr (HearthChatTemplate) tpl = hearth_chat_template_new ("test", source, error);
  if (tpl == NULL)
    return NULL;
  g_autoptr (GDateTime) date = g_date_time_new_utc (2024, 7, 26, 0, 0, 0);
  hearth_chat_template_set_now (tpl, date);
  g_autoptr (JsonArray) messages = parse_messages (messages_json != NULL ? messages_json : "[]");
  return hearth_chat_template_render (tpl, messages, add_generation_prompt, "<s>", "</s>", error);
}

static void
check (const char *source, const char *expected)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *out = render_full (source, NULL, FALSE, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (out, ==, expected);
}

/* The template must fail with a TEMPLATE error whose message contains each
 * of the given fragments. */
static void
check_error (const char *source, const char *fragment1, const char *fragment2)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *out = render_full (source, NULL, FALSE, &error);
  g_assert_null (out);
  g_assert_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_TEMPLATE);
  if (fragment1 != NULL && strstr (error->message, fragment1) == NULL)
    g_error ("error '%s' lacks '%s'", error->message, fragment1);
  if (fragment2 != NULL && strstr (error->message, fragment2) == NULL)
    g_error ("error '%s' lacks '%s'", error->message, fragment2);
}

static void
test_whitespace_control (void)
{
  check ("a  {%- if true -%}  b  {%- endif -%}  c", "abc");
  check ("a  {{- 'b' -}}  c", "abc");
  check ("a\n  {#- comment -#}\n  b", "ab");
  check ("a{# comment #}b", "ab");
  check ("x\n", "x");     /* one trailing newline of the source goes */
  check ("x\n\n", "x\n");
  check ("a\r\nb", "a\nb");
}

static void
test_trim_and_lstrip_blocks (void)
{
  check ("{% if true %}\nx\n{% endif %}\ny", "x\ny");
  check ("  {% if true %}\nx\n  {% endif %}\n", "x\n");
  check ("  {%+ if true %}x{% endif %}", "  x");
  check ("  {{ 'x' }}", "  x");             /* expressions are not lstripped */
  check ("{{ 'x' }}\ny", "x\ny");           /* nor followed by a trimmed newline */
  check ("a  {% if true %}b{% endif %}", "a  b"); /* only blanks at line start go */
  check ("{# c #}\nx", "x");
  check ("  \t{% if true %}\n  yes\n  {% else %}\n  no\n  {% endif %}\n", "  yes\n");
}

static void
test_loops (void)
{
  check ("{% for x in ['a','b','c'] %}{{ loop.index }}{{ loop.index0 }}{{ loop.first }}{{ loop.last }}"
         "{{ loop.length }}{{ loop.revindex }},{% endfor %}",
         "10TrueFalse33,21FalseFalse32,32FalseTrue31,");
  check ("{% for k, v in {'a': 1, 'b': 2}.items() %}{{ k }}={{ v }};{% endfor %}", "a=1;b=2;");
  check ("{% for k, v in {'a': 1}|items %}{{ k }}{{ v }}{% endfor %}", "a1");
  check ("{% for x in [] %}x{% else %}empty{% endfor %}", "empty");
  check ("{% for x in range(6) if x is even %}{{ x }}{{ loop.index }}{% endfor %}", "012243");
  check ("{% for i in range(10) %}{% if i == 2 %}{% continue %}{% endif %}{% if i == 4 %}{% break %}"
         "{% endif %}{{ i }}{% endfor %}", "013");
  check ("{% for c in 'hé' %}[{{ c }}]{% endfor %}", "[h][é]");
  check ("{% for x in undefined_thing %}x{% endfor %}done", "done");
}

static void
test_scopes_and_namespace (void)
{
  check ("{% set x = 1 %}{% for i in [1] %}{% set x = 2 %}{{ x }}{% endfor %}{{ x }}", "21");
  check ("{% set ns = namespace(x=1) %}{% for i in [1, 2] %}{% set ns.x = ns.x + i %}{% endfor %}{{ ns.x }}", "4");
  check ("{% set ns = namespace() %}{% set ns.a = 'v' %}{{ ns.a }}", "v");
  check ("{% set a, b = 1, 2 %}{{ b }}{{ a }}", "21");
  check ("{% set block %}in{{ 1 }}{% endset %}[{{ block }}]", "[in1]");
  check ("{% macro greet(name, punct='!') %}hi {{ name }}{{ punct }}{% endmacro %}"
         "{{ greet('a') }} {{ greet('b', punct='?') }}", "hi a! hi b?");
  check_error ("{% set x = 1 %}{% set x.a = 2 %}", "non-namespace", NULL);
}

static void
test_expressions (void)
{
  check ("{{ 7 // 2 }} {{ -7 // 2 }} {{ -7 % 3 }} {{ 7 / 2 }} {{ 2 ** 10 }} {{ 'a' ~ 1 }} {{ 1 + 2 * 3 }}",
         "3 -4 2 3.5 1024 a1 7");
  check ("{{ 'x' if false else 'y' }}{{ 1 < 2 < 3 }}{{ 3 < 2 < 4 }}{{ 'b' in 'abc' }}{{ 3 not in [1, 2] }}",
         "yTrueFalseTrueTrue");
  check ("{{ not none and 1 or 2 }}{{ none or 'z' }}{{ '' and 'q' }}", "1z");
  check ("{{ \"a\\tb\\u00e9\\x41\\n\" }}", "a\tbéA\n");
  check ("{{ 'ab' 'cd' }}", "abcd");
  check ("{{ [1, 'a', none, true, 1.0, 1e20, 0.1] }} {{ {'k': \"it's\"} }}",
         "[1, 'a', None, True, 1.0, 1e+20, 0.1] {'k': \"it's\"}");
  check ("{{ [1, 2, 3][-1] }}{{ [1, 2, 3, 4][1:3] }}{{ 'héllo'[::-1] }}{{ 'abc'[1] }}{{ [1,2,3][:-1] }}",
         "3[2, 3]olléhb[1, 2]");
  check ("{{ {'a': {'b': 'c'}}.a.b }}{{ {'a': 1}['a'] }}{{ [[5]].0.0 }}", "c15");
  check ("{{ 'x' * 3 }}{{ [0] * 2 }}{{ [1] + [2] }}", "xxx[0, 0][1, 2]");
  check ("{{ 1 == 1.0 }}{{ true == 1 }}{{ [1, {'a': 2}] == [1, {'a': 2}] }}{{ 'a' != 'b' }}", "TrueTrueTrueTrue");
  check ("{{ -(3) }}{{ - 2 + 5 }}", "-33");
}

static void
test_filters (void)
{
  check ("[{{ '  a b \\n'|trim }}]{{ 'hello WORLD'|capitalize }}{{ 'hello big-world'|title }}", "[a b]Hello worldHello Big-World");
  check ("{{ 'héllo'|length }}{{ [1, 2]|count }}{{ {'a': 1}|length }}{{ 'Ab'|upper }}{{ 'Ab'|lower }}", "521ABab");
  check ("{{ ['a', 'b']|join(', ') }}{{ [1, 2]|join }}{{ nothing|default('d') }}{{ ''|default('e', true) }}", "a, b12de");
  check ("{{ [3, 4]|first }}{{ [3, 4]|last }}{{ 'abc'|list }}{{ 3|string ~ 'x' }}{{ '42'|int + 1 }}{{ 'x'|int }}",
         "34['a', 'b', 'c']3x430");
  check ("{{ 'aXbX'|replace('X', '-') }}{{ [1, 2, 3, 4]|reject('even')|list }}{{ [1, 2, 3]|select('odd')|list }}",
         "a-b-[1, 3][1, 3]");
  check ("{% set m = [{'role': 'user', 'c': 1}, {'role': 'x', 'c': 2}, {'role': 'user', 'c': 3}] %}"
         "{{ m|selectattr('role', 'equalto', 'user')|map(attribute='c')|list }}"
         "{{ m|rejectattr('role', 'equalto', 'user')|map(attribute='c')|join }}",
         "[1, 3]2");
  check ("{{ {'a': 'é\"\\n', 'b': [1, 2.5, none, true]}|tojson }}", "{\"a\": \"é\\\"\\n\", \"b\": [1, 2.5, null, true]}");
  check ("{{ {'a': [1], 'b': {}, 'c': []}|tojson(indent=2) }}",
         "{\n  \"a\": [\n    1\n  ],\n  \"b\": {},\n  \"c\": []\n}");
  check ("{{ {'b': 1, 'a': 2}|tojson(sort_keys=true) }}{{ 'x\\u0001'|tojson }}", "{\"a\": 2, \"b\": 1}\"x\\u0001\"");
  check ("{{ {'a': 1}|tojson(separators=(',', ':')) }}", "{\"a\":1}");
  check ("{{ [1, 2]|map('string')|join('+') }}{{ [2, 1]|reverse|list }}{{ -3|abs }}", "1+2[1, 2]3");
}

static void
test_methods (void)
{
  check ("[{{ '  x  '.strip() }}][{{ 'xxaxx'.strip('x') }}][{{ '\\n\\nb'.lstrip('\\n') }}][{{ 'c \\n'.rstrip() }}]",
         "[x][a][b][c]");
  check ("{{ 'a,b,,c'.split(',') }}{{ ' a  b '.split() }}{{ 'a</t>b</t>c'.split('</t>')[-1] }}{{ 'a b c'.split(' ', 1) }}",
         "['a', 'b', '', 'c']['a', 'b']c['a', 'b c']");
  check ("{{ 'abc'.startswith('ab') }}{{ 'abc'.endswith(('x', 'c')) }}{{ 'aXa'.replace('a', 'b') }}{{ 'hi you'.title() }}",
         "TrueTruebXbHi You");
  check ("{% set d = {'a': 1} %}{{ d.get('a') }}{{ d.get('z', 'y') }}{{ d.get('z') }}{{ d.keys()|list }}{{ d.values()|list }}",
         "1yNone['a'][1]");
  check_error ("{% set l = [] %}{{ l.append(1) }}", "unsafe", NULL);
}

static void
test_tests (void)
{
  check ("{{ none is none }}{{ 'x' is string }}{{ 1 is number }}{{ {} is mapping }}{{ [] is iterable }}"
         "{{ nothing is defined }}{{ 4 is divisibleby 2 }}{{ true is true }}{{ 1 is not string }}"
         "{{ nothing is undefined }}{{ 'x' is iterable }}{{ 1 is iterable }}{{ 2 is odd }}{{ 'a' is in 'cab' }}",
         "TrueTrueTrueTrueTrueFalseTrueTrueTrueTrueTrueFalseFalseTrue");
  check ("{{ tools is defined }}{{ tools is none }}{{ strftime_now is defined }}{{ documents is none }}",
         "TrueTrueTrueTrue");
}

static void
test_variables (void)
{
  g_autoptr (GError) error = NULL;
  const char *source = "{{ bos_token }}{% for m in messages %}{{ m.role }}:{{ m['content'] }};{% endfor %}"
                       "{{ add_generation_prompt }}{{ eos_token }}{{ strftime_now('%d %b %Y|%Y-%m-%d|%A %B') }}";
  g_autofree char *out = render_full (source, "[{\"role\": \"user\", \"content\": \"hi\"}]", TRUE, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (out, ==, "<s>user:hi;True</s>26 Jul 2024|2024-07-26|Friday July");
}

static void
test_undefined (void)
{
  check ("[{{ nothing }}]{{ not nothing }}{{ nothing|length }}{{ {'a': 1}.b is defined }}{{ [][0] is defined }}",
         "[]True0FalseFalse");
  check ("{{ {'a': 1}.b|default('x') }}{{ none.attr is defined }}", "xFalse");
  check_error ("{{ nothing.attr }}", "'nothing' is undefined", "1:11");
  check_error ("{{ nothing + 'x' }}", "'nothing' is undefined", NULL);
  check_error ("{{ nothing() }}", "'nothing' is undefined", NULL);
  check_error ("{{ 'a' + 1 }}", "unsupported operand", "'str' and 'int'");
}

static void
test_raise_exception (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *out = render_full ("ok{{ raise_exception('Roles must alternate!') }}", NULL, FALSE, &error);
  g_assert_null (out);
  g_assert_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_TEMPLATE);
  g_assert_cmpstr (error->message, ==, "Roles must alternate!");
}

static void
test_parse_errors (void)
{
  check_error ("line one\n{{ x | nosuchfilter }}", "'test' 2:8", "filter 'nosuchfilter'");
  check_error ("{% include 'other.jinja' %}", "'test' 1:4", "{% include %}");
  check_error ("{{ x is nosuchtest }}", "test 'nosuchtest'", NULL);
  check_error ("{% if true %}unclosed", "missing {% endif %}", NULL);
  check_error ("{% for x in y %}{% endif %}", "1:20", NULL);
  check_error ("text{% endif %}", "unexpected {% endif %}", "1:8");
  check_error ("{{ 'unterminated }}", "unterminated string", "1:4");
  check_error ("{{ 1 + }}", "unexpected '}}'", NULL);
  check_error ("{# never closed", "missing '#}'", NULL);
  check_error ("{{ f(*args) }}", "*args", NULL);
}

static void
test_limits (void)
{
  check_error ("{% for i in range(100000000) %}{{ i }}{% endfor %}", "range()", "limit");
  check_error ("{% for i in range(1000) %}{% for j in range(1000) %}{% for k in range(1000) %}"
               "{% endfor %}{% endfor %}{% endfor %}", "loop iterations", NULL);
  check_error ("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}", "nested deeper", NULL);
  g_autoptr (GString) deep = g_string_new ("{{ ");
  for (int i = 0; i < 5000; i++)
    g_string_append_c (deep, '(');
  g_string_append_c (deep, '1');
  for (int i = 0; i < 5000; i++)
    g_string_append_c (deep, ')');
  g_string_append (deep, " }}");
  check_error (deep->str, "nested deeper", NULL);
  check_error ("{% set s = 'x' * 1000000 %}{% for i in range(100) %}{{ s }}{% endfor %}", "limit of", "bytes");
  check_error ("{{ 'x' * 100000000 }}", "limit of", NULL);
  check_error ("{% set ns = namespace(s='0123456789') %}{% for i in range(40) %}{% set ns.s = ns.s + ns.s %}{% endfor %}",
               "limit of", NULL);
}

/* Hand-derived renderings of conversations that are not in the fixtures,
 * through the built-in formats. */
static const char *const held_out_conversation =
  "[{\"role\": \"system\", \"content\": \"Tu es un assistant. \"},"
  " {\"role\": \"user\", \"content\": \"Привет! 👋🏽\\n\\nКак дела?\"},"
  " {\"role\": \"assistant\", \"content\": \"Template text: {{ x }} and {% if %}\"},"
  " {\"role\": \"user\", \"content\": [{\"type\": \"text\", \"text\": \"  再见  \"}]}]";

static char *
render_builtin (HearthChatFormat format, const char *messages_json, gboolean add_generation_prompt,
                const char *bos, const char *eos)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (HearthChatTemplate) tpl = hearth_chat_template_new_builtin (format);
  g_autoptr (JsonArray) messages = parse_messages (messages_json);
  char *out = hearth_chat_template_render (tpl, messages, add_generation_prompt, bos, eos, &error);
  g_assert_no_error (error);
  return out;
}

static void
test_builtin_formats (void)
{
  g_autofree char *chatml = render_builtin (HEARTH_CHAT_FORMAT_CHATML, held_out_conversation, TRUE, NULL, NULL);
  g_assert_cmpstr (chatml, ==,
                   "<|im_start|>system\nTu es un assistant. <|im_end|>\n"
                   "<|im_start|>user\nПривет! 👋🏽\n\nКак дела?<|im_end|>\n"
                   "<|im_start|>assistant\nTemplate text: {{ x }} and {% if %}<|im_end|>\n"
                   "<|im_start|>user\n  再见  <|im_end|>\n"
                   "<|im_start|>assistant\n");
  g_autofree char *llama3 = render_builtin (HEARTH_CHAT_FORMAT_LLAMA3, held_out_conversation, FALSE,
                                            "<|begin_of_text|>", "<|eot_id|>");
  g_assert_cmpstr (llama3, ==,
                   "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nTu es un assistant.<|eot_id|>"
                   "<|start_header_id|>user<|end_header_id|>\n\nПривет! 👋🏽\n\nКак дела?<|eot_id|>"
                   "<|start_header_id|>assistant<|end_header_id|>\n\nTemplate text: {{ x }} and {% if %}<|eot_id|>"
                   "<|start_header_id|>user<|end_header_id|>\n\n再见<|eot_id|>");
  g_autofree char *llama2 = render_builtin (HEARTH_CHAT_FORMAT_LLAMA2, held_out_conversation, TRUE, "<s>", "</s>");
  g_assert_cmpstr (llama2, ==,
                   "<s>[INST] <<SYS>>\nTu es un assistant.\n<</SYS>>\n\nПривет! 👋🏽\n\nКак дела? [/INST]"
                   " Template text: {{ x }} and {% if %} </s><s>[INST] 再见 [/INST]");
  g_autofree char *zephyr = render_builtin (HEARTH_CHAT_FORMAT_ZEPHYR,
                                            "[{\"role\": \"user\", \"content\": \"Hi\"}]", TRUE, "<s>", "</s>");
  g_assert_cmpstr (zephyr, ==, "<|user|>\nHi</s>\n<|assistant|>\n");
  g_autofree char *smolvlm = render_builtin (HEARTH_CHAT_FORMAT_SMOLVLM,
                                             "[{\"role\": \"user\", \"content\": [{\"type\": \"image\"},"
                                             " {\"type\": \"text\", \"text\": \"What is this?\"}]},"
                                             " {\"role\": \"assistant\", \"content\": \"A cat.\"}]", TRUE, NULL, NULL);
  g_assert_cmpstr (smolvlm, ==, "<|im_start|>User:<image>What is this?<end_of_utterance>\n"
                                "Assistant: A cat.<end_of_utterance>\nAssistant:");
  /* As Llama 4 Scout's own template renders it: no trimming. */
  g_autofree char *llama4 = render_builtin (HEARTH_CHAT_FORMAT_LLAMA4,
                                            "[{\"role\": \"system\", \"content\": \"Be brief.\"},"
                                            " {\"role\": \"user\", \"content\": \" Hi\\n\"}]", TRUE,
                                            "<|begin_of_text|>", "<|eot|>");
  g_assert_cmpstr (llama4, ==, "<|begin_of_text|><|header_start|>system<|header_end|>\n\nBe brief.<|eot|>"
                               "<|header_start|>user<|header_end|>\n\n Hi\n<|eot|>"
                               "<|header_start|>assistant<|header_end|>\n\n");
}

static void
test_format_guess (void)
{
  g_assert_cmpint (hearth_chat_format_guess (NULL, NULL, "{{ '<|im_start|>' }}"), ==, HEARTH_CHAT_FORMAT_CHATML);
  g_assert_cmpint (hearth_chat_format_guess ("llama", NULL, "x<|start_header_id|>"), ==, HEARTH_CHAT_FORMAT_LLAMA3);
  g_assert_cmpint (hearth_chat_format_guess ("llama", "Meta-Llama-3-8B-Instruct", NULL), ==, HEARTH_CHAT_FORMAT_LLAMA3);
  g_assert_cmpint (hearth_chat_format_guess ("llama", "Mistral-7B-Instruct-v0.2", NULL), ==, HEARTH_CHAT_FORMAT_LLAMA2);
  g_assert_cmpint (hearth_chat_format_guess ("llama", "TinyLlama-1.1B-Chat", ""), ==, HEARTH_CHAT_FORMAT_ZEPHYR);
  g_assert_cmpint (hearth_chat_format_guess ("smolvlm", NULL, NULL), ==, HEARTH_CHAT_FORMAT_SMOLVLM);
  g_assert_cmpint (hearth_chat_format_guess ("qwen2", NULL, NULL), ==, HEARTH_CHAT_FORMAT_CHATML);
  g_assert_cmpint (hearth_chat_format_guess ("llama4", NULL, NULL), ==, HEARTH_CHAT_FORMAT_LLAMA4);
  g_assert_cmpint (hearth_chat_format_guess (NULL, NULL, "x<|header_start|>"), ==, HEARTH_CHAT_FORMAT_LLAMA4);
  g_assert_cmpstr (hearth_chat_format_get_name (HEARTH_CHAT_FORMAT_LLAMA3), ==, "llama3");
}

static void
test_model_fallback (void)
{
  g_autofree char *note = NULL;
  g_autoptr (HearthChatTemplate) own = hearth_chat_template_new_for_model ("m.gguf", "{{ 'x' }}", "llama", NULL, &note);
  g_assert_null (note);
  g_assert_cmpstr (hearth_chat_template_get_name (own), ==, "m.gguf");

  g_autoptr (HearthChatTemplate) broken = hearth_chat_template_new_for_model (
    "m.gguf", "{% include 'x' %}<|start_header_id|>", "llama", NULL, &note);
  g_assert_nonnull (strstr (note, "unsupported construct"));
  g_assert_nonnull (strstr (note, "built-in llama3 format"));
  g_clear_pointer (&note, g_free);

  g_autoptr (HearthChatTemplate) missing = hearth_chat_template_new_for_model ("m.gguf", NULL, "qwen2", NULL, &note);
  g_assert_cmpstr (note, ==, "m.gguf has no tokenizer.chat_template; using the built-in chatml format");
  g_autoptr (JsonArray) messages = parse_messages ("[{\"role\": \"user\", \"content\": \"a\"}]");
  g_autoptr (GError) error = NULL;
  g_autofree char *out = hearth_chat_template_render (missing, messages, TRUE, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (out, ==, "<|im_start|>user\na<|im_end|>\n<|im_start|>assistant\n");
}

#define REPLACEMENT "\xef\xbf\xbd" /* U+FFFD */

/* Text from a damaged file: bytes that are not UTF-8 in the template are
 * an error that says where; in a message each becomes U+FFFD (the lone
 * lead byte and the truncated '€' below), and every string method and
 * filter then works on code points, as Jinja does on the decoded text.
 * Under ASan nothing here may read past the end of a string. */
static void
test_invalid_utf8 (void)
{
  /* A lone lead byte in the template itself, as found by fuzzing. */
  check_error ("{%for message in messages%}{{message.content.lstrip(\"\xd6\")}}{%endfor%}",
               "'test' 1:54", "not valid UTF-8");
  check_error ("ok\n{{ 'caf\xc3' }}", "'test' 2:8", "not valid UTF-8");

  g_autoptr (GError) error = NULL;
  g_autoptr (JsonArray) messages = json_array_new ();
  JsonObject *message = json_object_new ();
  json_object_set_string_member (message, "role", "user");
  json_object_set_string_member (message, "content", "\xd6" "ab\xe2\x82");
  json_array_add_object_element (messages, message);
  g_autoptr (HearthChatTemplate) tpl = hearth_chat_template_new ("test",
    "{%for message in messages%}{{message.content.lstrip(\"\\xd6\")}}{%endfor%}", &error);
  g_assert_no_error (error);
  g_autofree char *out = hearth_chat_template_render (tpl, messages, FALSE, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (out, ==, REPLACEMENT "ab" REPLACEMENT REPLACEMENT);

  /* Expected: Jinja 3.1 on the content "\ufffdab\ufffd\ufffd". */
  g_autoptr (HearthChatTemplate) all = hearth_chat_template_new ("test",
    "{% for m in messages %}"
    "{{ m.content.lstrip('\\ufffd') }}|{{ m.content.rstrip('\\ufffd') }}|"
    "{{ m.content|length }}|{{ m.content[0] }}|{{ m.content[-1] }}|{{ m.content[1:3] }}|"
    "{{ m.content|upper }}|{{ m.content|title }}|{{ m.content|capitalize }}|"
    "{{ m.content|reverse }}|{{ m.content.split('a')|join(',') }}|{{ m.content.replace('\\ufffd', '?') }}|"
    "{{ m.content.startswith('\\ufffd') }}|{{ m.content.endswith('b') }}"
    "{% endfor %}", &error);
  g_assert_no_error (error);
  g_autofree char *all_out = hearth_chat_template_render (all, messages, FALSE, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (all_out, ==,
    "ab" REPLACEMENT REPLACEMENT "|" REPLACEMENT "ab|"
    "5|" REPLACEMENT "|" REPLACEMENT "|ab|"
    REPLACEMENT "AB" REPLACEMENT REPLACEMENT "|" REPLACEMENT "ab" REPLACEMENT REPLACEMENT "|"
    REPLACEMENT "ab" REPLACEMENT REPLACEMENT "|"
    REPLACEMENT REPLACEMENT "ba" REPLACEMENT "|" REPLACEMENT ",b" REPLACEMENT REPLACEMENT "|?ab??|"
    "True|False");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/chat-template/whitespace-control", test_whitespace_control);
  g_test_add_func ("/chat-template/trim-lstrip-blocks", test_trim_and_lstrip_blocks);
  g_test_add_func ("/chat-template/loops", test_loops);
  g_test_add_func ("/chat-template/scopes-namespace", test_scopes_and_namespace);
  g_test_add_func ("/chat-template/expressions", test_expressions);
  g_test_add_func ("/chat-template/filters", test_filters);
  g_test_add_func ("/chat-template/methods", test_methods);
  g_test_add_func ("/chat-template/tests", test_tests);
  g_test_add_func ("/chat-template/variables", test_variables);
  g_test_add_func ("/chat-template/undefined", test_undefined);
  g_test_add_func ("/chat-template/raise-exception", test_raise_exception);
  g_test_add_func ("/chat-template/parse-errors", test_parse_errors);
  g_test_add_func ("/chat-template/limits", test_limits);
  g_test_add_func ("/chat-template/builtin-formats", test_builtin_formats);
  g_test_add_func ("/chat-template/format-guess", test_format_guess);
  g_test_add_func ("/chat-template/model-fallback", test_model_fallback);
  g_test_add_func ("/chat-template/invalid-utf8", test_invalid_utf8);
  return g_test_run ();
}
