#define G_LOG_DOMAIN "hearth-cli"

#include "cli-llama.h"

#define DEFAULT_MAX_CTX 4096

gboolean
cli_llama_open (CliLlama *cl, const char *path, guint n_ctx, GError **error)
{
  *cl = (CliLlama) { 0 };
  if (!(cl->device = hvk_device_new (error)) ||
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
  g_clear_pointer (&cl->ctx, llama_context_free);
  g_clear_pointer (&cl->model, llama_model_free);
  g_clear_pointer (&cl->file, gguf_file_free);
  g_clear_pointer (&cl->device, hvk_device_free);
}
