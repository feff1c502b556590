#define G_LOG_DOMAIN "hearth-cli"

/* hearth-cli bench: llama-bench style throughput. "pp" processes a prompt
 * of P tokens in one forward (logits of the last token only); "tg"
 * generates N tokens one forward at a time from an empty context. Each test
 * runs once to warm up, then R times; tokens/s as mean ± stddev. */

#include <json-glib/json-glib.h>
#include <math.h>
#include <stdio.h>

#include "cli-llama.h"
#include "hearth-cli.h"

typedef struct {
  guint  n_prompt;
  guint  n_gen;
  double avg_ts;
  double stddev_ts;
} BenchResult;

static gboolean
run_once (CliLlama *cl, const gint32 *ids, guint n_prompt, guint n_gen, double *seconds,
          GError **error)
{
  gint64 start = g_get_monotonic_time ();

  if (n_prompt > 0 && !llama_context_forward (cl->ctx, ids, n_prompt, 0, FALSE, NULL, error))
    return FALSE;
  for (guint i = 0; i < n_gen; i++)
    if (!llama_context_forward (cl->ctx, &ids[i], 1, i, FALSE, NULL, error))
      return FALSE;
  *seconds = (g_get_monotonic_time () - start) / 1e6;
  return TRUE;
}

static gboolean
run_test (CliLlama *cl, const gint32 *ids, guint n_prompt, guint n_gen, guint reps,
          BenchResult *r, GError **error)
{
  double seconds, sum = 0, sum_sq = 0;
  guint n_tokens = n_prompt + n_gen;

  if (!run_once (cl, ids, n_prompt, n_gen, &seconds, error))
    return FALSE;
  for (guint i = 0; i < reps; i++)
    {
      double ts;
      if (!run_once (cl, ids, n_prompt, n_gen, &seconds, error))
        return FALSE;
      ts = n_tokens / seconds;
      sum += ts;
      sum_sq += ts * ts;
    }
  *r = (BenchResult) {
    .n_prompt = n_prompt,
    .n_gen = n_gen,
    .avg_ts = sum / reps,
    .stddev_ts = reps > 1 ? sqrt (MAX (0, (sum_sq - sum * sum / reps) / (reps - 1))) : 0,
  };
  return TRUE;
}

static void
print_results (CliLlama *cl, const char *model_name, const BenchResult *r, guint n, gboolean json)
{
  const HvkDeviceInfo *info = hvk_device_get_info (cl->device);
  double mib = llama_model_get_weight_bytes (cl->model) / (1024.0 * 1024.0);

  if (json)
    {
      g_autoptr (JsonBuilder) b = json_builder_new ();
      g_autoptr (JsonGenerator) gen = json_generator_new ();
      g_autoptr (JsonNode) root = NULL;
      g_autofree char *text = NULL;

      json_builder_begin_array (b);
      for (guint i = 0; i < n; i++)
        {
          json_builder_begin_object (b);
          json_builder_set_member_name (b, "model");
          json_builder_add_string_value (b, model_name);
          json_builder_set_member_name (b, "device");
          json_builder_add_string_value (b, info->name);
          json_builder_set_member_name (b, "size_mib");
          json_builder_add_double_value (b, mib);
          json_builder_set_member_name (b, "n_prompt");
          json_builder_add_int_value (b, r[i].n_prompt);
          json_builder_set_member_name (b, "n_gen");
          json_builder_add_int_value (b, r[i].n_gen);
          json_builder_set_member_name (b, "avg_ts");
          json_builder_add_double_value (b, r[i].avg_ts);
          json_builder_set_member_name (b, "stddev_ts");
          json_builder_add_double_value (b, r[i].stddev_ts);
          json_builder_end_object (b);
        }
      json_builder_end_array (b);
      root = json_builder_get_root (b);
      json_generator_set_root (gen, root);
      json_generator_set_pretty (gen, TRUE);
      text = json_generator_to_data (gen, NULL);
      printf ("%s\n", text);
      return;
    }
  printf ("| model | size | device | test | t/s |\n|---|---:|---|---:|---:|\n");
  for (guint i = 0; i < n; i++)
    printf ("| %s | %.2f MiB | %s | %s%u | %.2f ± %.2f |\n", model_name, mib, info->name,
            r[i].n_prompt > 0 ? "pp" : "tg", r[i].n_prompt > 0 ? r[i].n_prompt : r[i].n_gen,
            r[i].avg_ts, r[i].stddev_ts);
}

int
hearth_cli_bench (int argc, char **argv)
{
  g_autofree char *model_path = NULL;
  gint n_prompt = 512, n_gen = 128, reps = 3;
  gboolean json = FALSE;
  const GOptionEntry entries[] = {
    { "model", 'm', 0, G_OPTION_ARG_FILENAME, &model_path, "GGUF model file", "MODEL.gguf" },
    { "n-prompt", 'p', 0, G_OPTION_ARG_INT, &n_prompt, "Prompt tokens for the pp test (default 512, 0 skips)", "P" },
    { "n-gen", 'n', 0, G_OPTION_ARG_INT, &n_gen, "Tokens for the tg test (default 128, 0 skips)", "N" },
    { "repetitions", 'r', 0, G_OPTION_ARG_INT, &reps, "Repetitions of each test (default 3)", "R" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print a JSON array instead of a table", NULL },
    { NULL },
  };
  g_autoptr (GOptionContext) octx = g_option_context_new ("- measure prompt and generation speed");
  g_autoptr (GError) error = NULL;
  g_autofree gint32 *ids = NULL;
  g_autofree char *model_name = NULL;
  BenchResult results[2];
  guint n_results = 0;
  CliLlama cl;
  int status = 1;

  g_option_context_add_main_entries (octx, entries, NULL);
  if (!g_option_context_parse (octx, &argc, &argv, &error) || model_path == NULL ||
      n_prompt < 0 || n_gen < 0 || reps <= 0 || n_prompt + n_gen == 0)
    {
      fprintf (stderr, "hearth-cli bench: %s\n",
               error ? error->message : "need -m MODEL.gguf, -p/-n >= 0 (not both 0), -r > 0");
      return 2;
    }

  if (!cli_llama_open (&cl, model_path, MAX (n_prompt, n_gen), &error))
    {
      fprintf (stderr, "hearth-cli bench: %s\n", error->message);
      goto out;
    }
  /* Arbitrary ids spread over the vocabulary: speed does not depend on them. */
  ids = g_new (gint32, MAX (n_prompt, n_gen));
  for (gint i = 0; i < MAX (n_prompt, n_gen); i++)
    ids[i] = (i * 7919 + 13) % llama_model_get_config (cl.model)->n_vocab;

  if ((n_prompt > 0 && !run_test (&cl, ids, n_prompt, 0, reps, &results[n_results++], &error)) ||
      (n_gen > 0 && !run_test (&cl, ids, 0, n_gen, reps, &results[n_results++], &error)))
    {
      fprintf (stderr, "hearth-cli bench: %s\n", error->message);
      goto out;
    }
  model_name = g_path_get_basename (model_path);
  print_results (&cl, model_name, results, n_results, json);
  status = 0;
out:
  cli_llama_close (&cl);
  return status;
}
