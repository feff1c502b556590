#define G_LOG_DOMAIN "hearth-chat-template"

/* chat-template.c: the public face of the Jinja renderer (jinja-*.c) and
 * the built-in fallback formats, which are themselves Jinja templates so
 * that one renderer produces every prompt. */

#include <string.h>

#include "chat-template.h"
#include "jinja-private.h"

struct _HearthChatTemplate {
  char      *name;
  GPtrArray *body;
  GDateTime *now;
};

HearthChatTemplate *
hearth_chat_template_new (const char *name, const char *source, GError **error)
{
  g_return_val_if_fail (name != NULL && source != NULL, NULL);
  GPtrArray *body = jinja_parse (name, source, error);
  if (body == NULL)
    return NULL;
  HearthChatTemplate *tpl = g_new0 (HearthChatTemplate, 1);
  tpl->name = g_strdup (name);
  tpl->body = body;
  return tpl;
}

void
hearth_chat_template_free (HearthChatTemplate *tpl)
{
  if (tpl == NULL)
    return;
  g_free (tpl->name);
  g_ptr_array_unref (tpl->body);
  g_clear_pointer (&tpl->now, g_date_time_unref);
  g_free (tpl);
}

const char *
hearth_chat_template_get_name (HearthChatTemplate *tpl)
{
  return tpl->name;
}

void
hearth_chat_template_set_now (HearthChatTemplate *tpl, GDateTime *now)
{
  g_clear_pointer (&tpl->now, g_date_time_unref);
  tpl->now = now != NULL ? g_date_time_ref (now) : NULL;
}

char *
hearth_chat_template_render (HearthChatTemplate *tpl, JsonArray *messages, gboolean add_generation_prompt,
                             const char *bos_token, const char *eos_token, GError **error)
{
  g_return_val_if_fail (tpl != NULL && messages != NULL, NULL);
  g_autoptr (JsonNode) messages_node = json_node_init_array (json_node_alloc (), messages);
  g_autoptr (JValue) variables = jv_dict_new (FALSE);
  jv_dict_set_str (variables, "messages", jv_from_json (messages_node));
  jv_dict_set_str (variables, "add_generation_prompt", jv_bool (add_generation_prompt));
  jv_dict_set_str (variables, "bos_token", jv_string (bos_token != NULL ? bos_token : ""));
  jv_dict_set_str (variables, "eos_token", jv_string (eos_token != NULL ? eos_token : ""));
  jv_dict_set_str (variables, "tools", jv_none ());
  jv_dict_set_str (variables, "documents", jv_none ());
  g_autoptr (GDateTime) now = tpl->now != NULL ? g_date_time_ref (tpl->now) : g_date_time_new_now_local ();
  return jinja_render (tpl->name, tpl->body, variables, now, error);
}

/* text(content): a message's text, whether content is a string or a list
 * of parts (non-text parts are dropped). */
#define TEXT_MACRO \
  "{% macro text(c) %}{% if c is string %}{{ c }}{% else %}{% for p in c %}" \
  "{% if p.type == 'text' %}{{ p.text }}{% endif %}{% endfor %}{% endif %}{% endmacro %}"

static const struct {
  const char *name;
  const char *source;
} builtin_formats[] = {
  [HEARTH_CHAT_FORMAT_CHATML] = { "chatml", TEXT_MACRO
    "{% for m in messages %}{{ '<|im_start|>' + m.role + '\\n' + text(m.content) + '<|im_end|>\\n' }}{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}" },
  [HEARTH_CHAT_FORMAT_LLAMA3] = { "llama3", TEXT_MACRO
    "{{ bos_token }}{% for m in messages %}"
    "{{ '<|start_header_id|>' + m.role + '<|end_header_id|>\\n\\n' + text(m.content)|trim + '<|eot_id|>' }}"
    "{% endfor %}{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{% endif %}" },
  [HEARTH_CHAT_FORMAT_LLAMA2] = { "llama2", TEXT_MACRO
    "{% set ns = namespace(system='') %}{% for m in messages %}"
    "{% if m.role == 'system' %}{% set ns.system = text(m.content)|trim %}"
    "{% elif m.role == 'user' %}{{ bos_token + '[INST] ' }}"
    "{% if ns.system %}{{ '<<SYS>>\\n' + ns.system + '\\n<</SYS>>\\n\\n' }}{% set ns.system = '' %}{% endif %}"
    "{{ text(m.content)|trim + ' [/INST]' }}"
    "{% elif m.role == 'assistant' %}{{ ' ' + text(m.content)|trim + ' ' + eos_token }}{% endif %}{% endfor %}" },
  [HEARTH_CHAT_FORMAT_ZEPHYR] = { "zephyr", TEXT_MACRO
    "{% for m in messages %}{{ '<|' + m.role + '|>\\n' + text(m.content) + eos_token + '\\n' }}{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|assistant|>\\n' }}{% endif %}" },
  [HEARTH_CHAT_FORMAT_LLAMA4] = { "llama4", TEXT_MACRO
    "{{ bos_token }}{% for m in messages %}"
    "{{ '<|header_start|>' + m.role + '<|header_end|>\\n\\n' + text(m.content) + '<|eot|>' }}"
    "{% endfor %}{% if add_generation_prompt %}{{ '<|header_start|>assistant<|header_end|>\\n\\n' }}{% endif %}" },
  [HEARTH_CHAT_FORMAT_SMOLVLM] = { "smolvlm",
    "<|im_start|>{% for m in messages %}{{ m.role|capitalize }}"
    "{% if m.content is string %}{{ ': ' + m.content }}{% else %}"
    "{{ ':' if m.content and m.content[0].type == 'image' else ': ' }}"
    "{% for p in m.content %}{% if p.type == 'text' %}{{ p.text }}{% elif p.type == 'image' %}{{ '<image>' }}"
    "{% endif %}{% endfor %}{% endif %}{{ '<end_of_utterance>\\n' }}{% endfor %}"
    "{% if add_generation_prompt %}{{ 'Assistant:' }}{% endif %}" },
};

const char *
hearth_chat_format_get_name (HearthChatFormat format)
{
  g_return_val_if_fail (format < G_N_ELEMENTS (builtin_formats), NULL);
  return builtin_formats[format].name;
}

HearthChatTemplate *
hearth_chat_template_new_builtin (HearthChatFormat format)
{
  g_return_val_if_fail (format < G_N_ELEMENTS (builtin_formats), NULL);
  g_autoptr (GError) error = NULL;
  g_autofree char *name = g_strdup_printf ("built-in %s", builtin_formats[format].name);
  HearthChatTemplate *tpl = hearth_chat_template_new (name, builtin_formats[format].source, &error);
  g_assert_no_error (error); /* our own sources: a failure is a programmer error */
  return tpl;
}

static gboolean
contains_ci (const char *haystack, const char *needle)
{
  if (haystack == NULL)
    return FALSE;
  g_autofree char *lower = g_ascii_strdown (haystack, -1);
  return strstr (lower, needle) != NULL;
}

HearthChatFormat
hearth_chat_format_guess (const char *architecture, const char *model_name, const char *template_text)
{
  if (template_text != NULL && *template_text != '\0')
    {
      if (strstr (template_text, "<end_of_utterance>") != NULL)
        return HEARTH_CHAT_FORMAT_SMOLVLM;
      if (strstr (template_text, "<|im_start|>") != NULL)
        return HEARTH_CHAT_FORMAT_CHATML;
      if (strstr (template_text, "<|start_header_id|>") != NULL)
        return HEARTH_CHAT_FORMAT_LLAMA3;
      if (strstr (template_text, "<|header_start|>") != NULL)
        return HEARTH_CHAT_FORMAT_LLAMA4;
      if (strstr (template_text, "[INST]") != NULL)
        return HEARTH_CHAT_FORMAT_LLAMA2;
      if (strstr (template_text, "<|user|>") != NULL)
        return HEARTH_CHAT_FORMAT_ZEPHYR;
    }
  if (contains_ci (architecture, "smolvlm") || contains_ci (architecture, "idefics")
      || contains_ci (model_name, "smolvlm"))
    return HEARTH_CHAT_FORMAT_SMOLVLM;
  if (g_strcmp0 (architecture, "llama4") == 0 || contains_ci (model_name, "llama-4")
      || contains_ci (model_name, "llama 4"))
    return HEARTH_CHAT_FORMAT_LLAMA4;
  if (contains_ci (model_name, "llama-3") || contains_ci (model_name, "llama3")
      || contains_ci (model_name, "llama 3"))
    return HEARTH_CHAT_FORMAT_LLAMA3;
  if (contains_ci (model_name, "tinyllama") || contains_ci (model_name, "zephyr"))
    return HEARTH_CHAT_FORMAT_ZEPHYR;
  if (contains_ci (architecture, "mistral") || contains_ci (model_name, "mistral")
      || contains_ci (model_name, "llama-2") || contains_ci (model_name, "llama2"))
    return HEARTH_CHAT_FORMAT_LLAMA2;
  return HEARTH_CHAT_FORMAT_CHATML;
}

HearthChatTemplate *
hearth_chat_template_new_for_model (const char *name, const char *source, const char *architecture,
                                    const char *model_name, char **fallback_note)
{
  g_autoptr (GError) error = NULL;
  if (fallback_note != NULL)
    *fallback_note = NULL;
  if (source != NULL)
    {
      HearthChatTemplate *tpl = hearth_chat_template_new (name, source, &error);
      if (tpl != NULL)
        return tpl;
    }
  HearthChatFormat format = hearth_chat_format_guess (architecture, model_name, source);
  if (fallback_note != NULL)
    *fallback_note = error != NULL
      ? g_strdup_printf ("%s; using the built-in %s format instead", error->message,
                         hearth_chat_format_get_name (format))
      : g_strdup_printf ("%s has no tokenizer.chat_template; using the built-in %s format",
                         name, hearth_chat_format_get_name (format));
  return hearth_chat_template_new_builtin (format);
}
