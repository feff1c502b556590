#define G_LOG_DOMAIN "hearth-test-cli-generate"

/* `hearth-cli generate` and the engine the app runs give the same text for
 * the same chat: both build the prompt with chat-prompt.c and sample with
 * generate-loop.c, so what the conformance tests check through the CLI is
 * what a chat answers. Greedy, on stories260K (a plain text model) and on
 * the random-weight SmolLM (a chat template with a system turn). */

#include <gio/gio.h>
#include <string.h>

#include "hearth-engine.h"
#include "shared-test-util.h"

#define N_TOKENS 24

typedef struct {
  const char *model;   /* under ../shared/models */
  const char *system;  /* may be NULL */
  const char *user;
} Chat;

typedef struct {
  gboolean     done;
  GError      *error;
  HearthModel *model;
  gboolean     ok;
  HearthGenerateResult result;
} Wait;

static void
wait_for (Wait *w)
{
  while (!w->done)
    g_main_context_iteration (NULL, TRUE);
  g_assert_no_error (w->error);
}

static void
load_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Wait *w = user_data;

  w->model = hearth_engine_load_model_finish (NULL, result, &w->error);
  w->done = TRUE;
}

static void
generate_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Wait *w = user_data;

  w->ok = hearth_engine_generate_finish (NULL, result, &w->result, &w->error);
  w->done = TRUE;
}

/* The reply through HearthEngine, as a chat of the app asks for it. */
static char *
engine_reply (const char *path, const Chat *chat)
{
  g_autoptr (HearthEngine) engine = hearth_engine_new ();
  g_autoptr (HearthSession) session = NULL;
  HearthChatMessage messages[2];
  HearthSamplingParams params;
  Wait load = { 0 }, gen = { 0 };
  guint n = 0;

  hearth_engine_load_model_async (engine, path, NULL, NULL, load_done, &load);
  wait_for (&load);

  if (chat->system != NULL)
    messages[n++] = (HearthChatMessage) { "system", chat->system, NULL, 0 };
  messages[n++] = (HearthChatMessage) { "user", chat->user, NULL, 0 };
  hearth_sampling_params_init (&params);
  params.sampler.temperature = 0;
  params.max_tokens = N_TOKENS;
  session = hearth_engine_new_session (engine, load.model, 0);
  hearth_engine_generate_async (engine, session, messages, n, &params, NULL, NULL,
                                generate_done, &gen);
  wait_for (&gen);
  g_assert_true (gen.ok);
  hearth_engine_unload_model (engine, load.model);
  hearth_model_unref (load.model);
  return g_steal_pointer (&gen.result.text);
}

static char *
cli_reply (const char *path, const Chat *chat)
{
  g_autofree char *n_tokens = g_strdup_printf ("%d", N_TOKENS);
  const char *args[12] = { "generate", "-m", path, "-p", chat->user, "--temp", "0",
                           "-n", n_tokens };
  guint n = 9;
  int status;
  char *out;

  if (chat->system != NULL)
    {
      args[n++] = "--system";
      args[n++] = chat->system;
    }
  out = hearth_test_run_cli (args, &status);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  return out;
}

static void
test_same_text (gconstpointer data)
{
  const Chat *chat = data;
  g_autofree char *path = hearth_test_shared_path (chat->model);
  g_autofree char *from_engine = NULL, *from_cli = NULL, *expected = NULL;

  if (path == NULL)
    return;
  from_engine = engine_reply (path, chat);
  from_cli = cli_reply (path, chat);
  g_test_message ("engine: %s", from_engine);
  g_assert_cmpuint (strlen (from_engine), >, 0);
  /* The CLI ends its text with a newline. */
  expected = g_strconcat (from_engine, "\n", NULL);
  g_assert_cmpstr (from_cli, ==, expected);
}

int
main (int argc, char **argv)
{
  static const Chat stories = { "models/stories260K.gguf", NULL, "Once upon a time" };
  static const Chat stories_system = { "models/stories260K.gguf", "Tim had a dog.",
                                       " One day" };
  static const Chat smollm = { "models/random/smollm-tiny-f16.gguf", "You are brief.",
                               "What is a cat?" };

  g_test_init (&argc, &argv, NULL);
  g_test_add_data_func ("/cli-generate/stories260K", &stories, test_same_text);
  g_test_add_data_func ("/cli-generate/stories260K-system", &stories_system, test_same_text);
  g_test_add_data_func ("/cli-generate/smollm-template", &smollm, test_same_text);
  return g_test_run ();
}
