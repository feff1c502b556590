#define G_LOG_DOMAIN "hearth-cli"

#include "cli-llama.h"

#define DEFAULT_MAX_CTX 4096

gboolean
cli_llama_open (CliLlama *cl, const char *path, guint n_ctx, GError **error)
{
  *cl = (CliLlama) { 0 };
  if (!(cl->device = hearth_device_open (error)) ||
      !(cl->file = gguf_file_open (path, error)) ||
      !(cl->model = llama_model_load (cl->device, cl->file, NULL, NULL, NULL, error)))
    return FALSE;
  if (n_ctx == 0)
    n_ctx = MIN (llama_model_get_config (cl->model)->n_ctx_train, DEFAULT_MAX_CTX);
  cl->ctx = llama_context_new (cl->model, n_ctx, 0, error);
  return cl->ctx != NULL;
}

void
cli_llama_close (CliLlama *cl)
{
  g_clear_pointer (&cl->tok, hearth_tokenizer_free);
  g_clear_pointer (&cl->ctx, llama_context_free);
  g_clear_pointer (&cl->model, llama_model_free);
  g_clear_pointer (&cl->file, gguf_file_free);
  g_clear_pointer (&cl->device, hearth_device_free);
}

HearthTokenizer *
cli_llama_tokenizer (CliLlama *cl, GError **error)
{
  if (cl->tok == NULL)
    cl->tok = hearth_tokenizer_new_from_gguf (cl->file, error);
  return cl->tok;
}

GArray *
cli_llama_tokenize (CliLlama *cl, const char *text, gboolean parse_special, GError **error)
{
  g_autoptr (GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint32));
  HearthTokenizer *tok = cli_llama_tokenizer (cl, error);

  if (tok == NULL || !hearth_tokenizer_encode (tok, text, -1, TRUE, parse_special, ids, error))
    return NULL;
  if (ids->len == 0)
    {
      g_set_error_literal (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_INVALID_ARGUMENT,
                           "the prompt is empty and the model adds no BOS token; give some text");
      return NULL;
    }
  return g_steal_pointer (&ids);
}

/* The text model's embedding width from its metadata (no weights loaded). */
gboolean
cli_text_model_width (const char *path, guint32 *n_embd, GError **error)
{
  g_autoptr (GgufFile) file = gguf_file_open (path, error);
  g_autofree char *arch = NULL;
  if (file == NULL || !gguf_file_get_string (file, "general.architecture", &arch, error))
    {
      if (error != NULL && *error == NULL)
        g_set_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_CORRUPT_FILE,
                     "%s: metadata key 'general.architecture' is missing", path);
      return FALSE;
    }
  g_autofree char *key = g_strdup_printf ("%s.embedding_length", arch);
  if (gguf_file_get_u32 (file, key, n_embd, error))
    return TRUE;
  if (error != NULL && *error == NULL)
    g_set_error (error, HEARTH_ENGINE_ERROR, HEARTH_ENGINE_ERROR_CORRUPT_FILE,
                 "%s: metadata key '%s' is missing; is it a text model?", path, key);
  return FALSE;
}
