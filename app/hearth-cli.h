/* hearth-cli.h: subcommands of hearth-cli. Each takes argv starting at the
 * command name and returns the process exit status (0 ok, 1 failure,
 * 2 usage error). Errors go to stderr; stdout carries only results. */
#pragma once

typedef int (*HearthCliCommand) (int argc, char **argv);

/* model commands */
int hearth_cli_logits     (int argc, char **argv);
int hearth_cli_generate   (int argc, char **argv);
int hearth_cli_bench      (int argc, char **argv);
int hearth_cli_make_model (int argc, char **argv);
/* describe a model file and the Vulkan devices */
int hearth_cli_info (int argc, char **argv);

/* text <-> token ids */
int hearth_cli_tokenize (int argc, char **argv);
int hearth_cli_detokenize (int argc, char **argv);
/* image embeddings */
int hearth_cli_embed_image (int argc, char **argv);
/* hearth-cli video-frames */
int hearth_cli_video_frames (int argc, char **argv);
/* chat templates */
int hearth_cli_chat_template (int argc, char **argv);
/* the models found on disk */
int hearth_cli_models (int argc, char **argv);
/* index photo folders and search them by description */
int hearth_cli_index  (int argc, char **argv);
int hearth_cli_search (int argc, char **argv);
