/* hearth-engine.h: the engine as the app sees it. One dedicated engine
 * thread owns the Vulkan device, every loaded model and every session's KV
 * cache; callers submit jobs from any thread with a GMainContext (usually
 * the UI thread) and get results back on that context:
 *
 *   - progress and token text arrive through callbacks that the engine
 *     posts with an idle source on the caller's thread-default main context,
 *     coalesced: at most one idle is pending per job, and it delivers all
 *     text produced since the previous one;
 *   - the final result arrives through the GAsyncReadyCallback (a GTask),
 *     always after the job's last progress/token callback.
 *
 * Jobs run one at a time in priority order: every queued interactive job
 * (load, generate) runs before any queued background job; equal priorities
 * run in submission order. A running job is never pre-empted.
 *
 * The GTasks have no source object (the callback's first argument is
 * NULL), so that dropping the last reference to the engine while jobs are
 * in flight shuts it down: running and queued jobs end with
 * HEARTH_ENGINE_ERROR_CANCELLED and the engine thread is joined before
 * finalize returns (it waits for the running job to notice: one token,
 * one prompt chunk or one tensor upload).
 *
 * Cancellation anywhere is reported as HEARTH_ENGINE_ERROR_CANCELLED (not
 * G_IO_ERROR_CANCELLED), and every device error as a HEARTH_ENGINE_ERROR
 * code (see hearth_engine_error_from_device()).
 *
 * The _finish functions accept a NULL engine, for results that arrive
 * after the engine was finalized. */
#pragma once

#include <gio/gio.h>

#include "hearth-engine-error.h"
#include "sampler.h"

G_BEGIN_DECLS

typedef enum {
  HEARTH_ENGINE_PRIORITY_INTERACTIVE, /* the user is waiting: load, generate */
  HEARTH_ENGINE_PRIORITY_BACKGROUND,  /* may wait: indexing, pre-computation */
} HearthEnginePriority;

/* A model loaded on the engine thread. The handle is immutable and may be
 * shared between threads. Loads of the same file share one model: each
 * successful load is one user of it, ended by one
 * hearth_engine_unload_model(); the weights stay on the device until the
 * last user unloads it or the engine is finalized. A reference
 * (hearth_model_ref()) only keeps the handle, not the weights. */
typedef struct _HearthModel HearthModel;

HearthModel *hearth_model_ref                (HearthModel *model);
void         hearth_model_unref              (HearthModel *model);
/* general.name, or the file's base name when the GGUF has none. */
const char  *hearth_model_get_name           (HearthModel *model);
const char  *hearth_model_get_architecture   (HearthModel *model);
const char  *hearth_model_get_path           (HearthModel *model);
guint32      hearth_model_get_n_ctx_train    (HearthModel *model);
guint32      hearth_model_get_n_vocab        (HearthModel *model);
/* Total elements of all tensors in the file. */
guint64      hearth_model_get_n_params       (HearthModel *model);
guint64      hearth_model_get_weight_bytes   (HearthModel *model);
/* Whether generate renders messages through a chat template (see
 * hearth_engine_generate_async()). */
gboolean     hearth_model_has_chat_template  (HearthModel *model);
/* NULL when the model's own template is used (or it has none); else a
 * sentence for the user: why it could not be used and which built-in
 * format replaced it. */
const char  *hearth_model_get_chat_template_note (HearthModel *model);
/* Whether a vision projector was loaded for it
 * (hearth_engine_load_vision_async()). */
gboolean     hearth_model_has_vision         (HearthModel *model);
/* context: bytes of KV cache one position of a session's context takes on
 * the device (keys and values of every layer, f16). */
guint64      hearth_model_get_kv_bytes_per_position (HearthModel *model);

typedef struct {
  guint tile_size;             /* edge of a tile and of the global image, pixels */
  guint grid_cols, grid_rows;  /* tiles of the refined image (0 x 0: only the global image) */
  guint refined_width, refined_height;
  guint n_chunks;              /* tiles + the global image */
  guint n_tokens;              /* prompt positions the image takes, markers included */
} HearthImagePlan;
/* What an image of width x height becomes for model's vision projector: cheap
 * arithmetic on immutable config, callable from any thread once
 * hearth_engine_load_vision_finish() succeeded. FALSE with
 * HEARTH_ENGINE_ERROR_INVALID_ARGUMENT when the model has no projector loaded. */
gboolean hearth_model_plan_image (HearthModel *model, guint width, guint height,
                                  HearthImagePlan *plan, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HearthModel, hearth_model_unref)

/* One chat: a KV cache of n_ctx positions on the engine thread, created at
 * the first generate. The handle may be shared between threads. */
typedef struct _HearthSession HearthSession;

HearthSession *hearth_session_ref       (HearthSession *session);
void           hearth_session_unref     (HearthSession *session);
HearthModel   *hearth_session_get_model (HearthSession *session);
guint          hearth_session_get_n_ctx (HearthSession *session);
/* context: the device memory of its KV cache once allocated:
 * n_ctx × hearth_model_get_kv_bytes_per_position(). */
guint64        hearth_session_get_kv_bytes (HearthSession *session);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HearthSession, hearth_session_unref)

/* images: shown to the model before the text, in order (chat templates
 * write them as {"type": "image"} parts ahead of the text part). The bytes
 * are referenced until the generation ends. */
typedef struct {
  const char    *role;     /* "system", "user" or "assistant" */
  const char    *content;  /* UTF-8 */
  GBytes *const *images;   /* encoded image files (PNG, JPEG, WebP, ...) shown before the text; may be NULL */
  guint          n_images;
} HearthChatMessage;

typedef struct {
  HearthSamplerParams sampler;
  guint               max_tokens; /* 0: until end of generation or the context is full */
  /* context: positions the prompt must leave free for the reply; a longer
   * prompt fails with HEARTH_ENGINE_ERROR_CONTEXT_FULL before any work.
   * 0 asks for one, the least a reply needs. */
  guint               reserve_tokens;
} HearthSamplingParams;

/* The sampler's defaults (see sampler.h) and max_tokens 0. */
void hearth_sampling_params_init (HearthSamplingParams *params);

typedef enum {
  HEARTH_STOP_EOG,          /* the model ended its turn */
  HEARTH_STOP_MAX_TOKENS,   /* params->max_tokens were generated */
  HEARTH_STOP_CONTEXT_FULL, /* no position left in the session's context */
  HEARTH_STOP_CANCELLED,    /* cancelled, superseded, or the engine shut down */
} HearthStopReason;

typedef struct {
  guint            n_prompt_tokens;    /* tokens of the rendered conversation */
  guint            n_prompt_reused;    /* of those, already in the KV cache */
  guint            n_prompt_processed; /* of those, run through the model now */
  guint            n_generated;        /* tokens sampled */
  double           prompt_seconds;     /* time to process the prompt */
  double           generate_seconds;   /* time spent sampling and running the reply */
  double           tokens_per_second;  /* n_generated / generate_seconds (0 if unknown) */
  HearthStopReason stop_reason;
  char            *text;               /* all text generated, even what was not delivered */
} HearthGenerateResult;

void hearth_generate_result_clear (HearthGenerateResult *result);

const char *hearth_stop_reason_to_string (HearthStopReason reason);

/* fraction in [0, 1]. */
typedef void (*HearthLoadProgressFunc) (double fraction, gpointer user_data);
/* delta: the UTF-8 text generated since the previous call (never split
 * inside a character). */
typedef void (*HearthTokenFunc) (const char *delta, gpointer user_data);
/* A job run on the engine thread by hearth_engine_run_async(). Check
 * cancellable often: a running job is never pre-empted. */
typedef gboolean (*HearthEngineJobFunc) (gpointer data, GCancellable *cancellable, GError **error);

#define HEARTH_TYPE_ENGINE (hearth_engine_get_type ())
G_DECLARE_FINAL_TYPE (HearthEngine, hearth_engine, HEARTH, ENGINE, GObject)

/* Starts the engine thread. The Vulkan device is opened by the first job
 * that needs it; its errors come back from that job as engine errors
 * (HEARTH_ENGINE_ERROR_NO_DEVICE, ...): no job returns a device's own
 * error domain. */
HearthEngine *hearth_engine_new (void);

/* Maps the GGUF at path, reads its tokenizer and chat template and uploads
 * the weights. When that file (the same device and inode, size and mtime,
 * whatever path names it) is loaded already, its model is shared instead:
 * nothing is read, progress jumps to 1, and hearth_model_get_path() is the
 * path of the first load. Either way the caller becomes one more user of
 * the model and balances it with one hearth_engine_unload_model().
 * progress (may be NULL) and callback get user_data.
 * Errors: HEARTH_ENGINE_ERROR_IO, _CORRUPT_FILE (not a GGUF, missing
 * key), _UNSUPPORTED (architecture, tensor type, tokenizer), _TEMPLATE,
 * _CANCELLED; _NO_DEVICE, _OUT_OF_DEVICE_MEMORY, _DEVICE_LOST and _FAILED
 * from the device. */
void          hearth_engine_load_model_async  (HearthEngine           *engine,
                                               const char             *path,
                                               HearthLoadProgressFunc  progress,
                                               GCancellable           *cancellable,
                                               GAsyncReadyCallback     callback,
                                               gpointer                user_data);
/* A new reference, or NULL with error. */
HearthModel  *hearth_engine_load_model_finish (HearthEngine  *engine,
                                               GAsyncResult  *result,
                                               GError       **error);

/* Ends one user's hold on the model (see hearth_engine_load_model_async()),
 * after the jobs queued before this call. When it was the last user, the
 * model's weights are freed and its sessions closed on the engine thread,
 * and later jobs on the model or its sessions fail with
 * HEARTH_ENGINE_ERROR_INVALID_ARGUMENT; while others hold it, it and all
 * its sessions keep working (close yours with hearth_engine_close_session()). */
void          hearth_engine_unload_model      (HearthEngine *engine,
                                               HearthModel  *model);

/* n_ctx: positions of the KV cache, 0 = the model's training context
 * capped at 4096. The cache is allocated by the first generate, whose
 * errors include the device's out-of-memory. */
HearthSession *hearth_engine_new_session      (HearthEngine *engine,
                                               HearthModel  *model,
                                               guint         n_ctx);
/* Frees the session's KV cache on the engine thread. */
void           hearth_engine_close_session    (HearthEngine  *engine,
                                               HearthSession *session);

/* Continues the chat in session with the model's reply to messages[0..n-1].
 *
 * The conversation is rendered through the model's chat template
 * (tokenizer.chat_template, with the generation prompt) when it has one and
 * tokenized with special tokens parsed; each content is passed as a string,
 * or as a list of one {"type": "text"} part to templates that print
 * nothing for a string (found by a probe at load). A model without a
 * template is a plain text model: the prompt is the concatenation of the
 * contents, roles ignored, tokenized with BOS as the vocabulary asks and no
 * special tokens. (Special-token text inside a message is parsed too in
 * chat mode: rendering untrusted text apart from the template's markup is
 * left for later.)
 *
 * A message's images are decoded (as hearth_image_load() does: the size
 * checked from the header, EXIF orientation, alpha over white), tiled and
 * encoded by the model's vision projector, and their embeddings take the
 * image positions of the prompt (hearth_model_plan_image()). The session
 * keeps the embeddings of the images in its cache, keyed by a hash of their
 * bytes, so a follow-up neither encodes nor runs them again.
 *
 * Only tokens not already in the session's KV cache are processed: a
 * follow-up reuses the whole cached conversation, an edited earlier message
 * rewinds to the common prefix. Then tokens are sampled with params (NULL:
 * hearth_sampling_params_init()) until the end of generation, max_tokens,
 * the end of the context or cancellation (checked before each token).
 *
 * Text goes through token (may be NULL) in batches. A newer generate on the
 * same session supersedes this one: it is cancelled, and its batches not
 * yet delivered are dropped, as are those pending when cancellable is
 * cancelled. token and callback get user_data. */
void          hearth_engine_generate_async    (HearthEngine               *engine,
                                               HearthSession              *session,
                                               const HearthChatMessage    *messages,
                                               guint                       n_messages,
                                               const HearthSamplingParams *params,
                                               HearthTokenFunc             token,
                                               GCancellable               *cancellable,
                                               GAsyncReadyCallback         callback,
                                               gpointer                    user_data);
/* TRUE when the generation ended by EOG, max tokens or a full context.
 * Else FALSE with error: HEARTH_ENGINE_ERROR_CANCELLED (also when
 * superseded), _CONTEXT_FULL (the prompt does not leave params->reserve_tokens
 * of the context free; nothing was run, and the message gives the numbers),
 * _INVALID_ARGUMENT (closed session, empty conversation, images for a model
 * without a vision projector: the message says so for the user), _TEMPLATE,
 * an image's errors (_UNSUPPORTED: not an image format, too many pixels;
 * _CORRUPT_FILE: cannot be decoded), device errors. result (may be NULL) is
 * filled in either case; on cancellation it holds
 * the partial text. Free it with hearth_generate_result_clear(). */
gboolean      hearth_engine_generate_finish   (HearthEngine          *engine,
                                               GAsyncResult          *result,
                                               HearthGenerateResult  *out,
                                               GError               **error);

/* context: the first of messages[0..n-1] to keep so that the rest, rendered
 * as generate would render them, leaves reserve_tokens of session's context
 * free. Only whole turns are dropped: the candidates are the messages with
 * role "user", earliest first, so the answer drops as few as it can.
 * Nothing is run through the model. Errors: _CONTEXT_FULL when even the
 * last user message alone does not fit (the message says by how much),
 * _INVALID_ARGUMENT (closed session, no user message), _TEMPLATE,
 * _CANCELLED. */
void          hearth_engine_fit_context_async  (HearthEngine            *engine,
                                                HearthSession           *session,
                                                const HearthChatMessage *messages,
                                                guint                    n_messages,
                                                guint                    reserve_tokens,
                                                GCancellable            *cancellable,
                                                GAsyncReadyCallback      callback,
                                                gpointer                 user_data);
gboolean      hearth_engine_fit_context_finish (HearthEngine  *engine,
                                                GAsyncResult  *result,
                                                guint         *first_kept,
                                                GError       **error);

/* photos: images through a vision model.
 *
 * Loads the vision projector (an mmproj GGUF: SigLIP encoder and idefics3
 * connector) for model, which must be its text half. The model's users
 * share it: when that projector file is loaded for the model already,
 * nothing happens (and sessions keep their encoded images); another one
 * replaces it for every user. Errors: those of loading a model, and
 * _INVALID_ARGUMENT for a projector whose width does not match the
 * model's. */
void          hearth_engine_load_vision_async  (HearthEngine        *engine,
                                                HearthModel         *model,
                                                const char          *mmproj_path,
                                                GCancellable        *cancellable,
                                                GAsyncReadyCallback  callback,
                                                gpointer             user_data);
gboolean      hearth_engine_load_vision_finish (HearthEngine  *engine,
                                                GAsyncResult  *result,
                                                GError       **error);

/* Answers prompt about the image file at image_path: the image is decoded
 * and encoded, a user turn [image, prompt] is rendered through the model's
 * chat template (a model without one gets the image then the prompt), and
 * the reply is sampled with params (NULL: defaults) in a context of its
 * own (no session's cache is touched), at priority: BACKGROUND for work
 * such as photo indexing, so that chat goes first. Errors: the image's
 * (_IO, _UNSUPPORTED, _CORRUPT_FILE), _INVALID_ARGUMENT (no vision
 * projector loaded, or the model was unloaded), _CANCELLED, device errors. */
void          hearth_engine_describe_image_async  (HearthEngine               *engine,
                                                   HearthModel                *model,
                                                   const char                 *image_path,
                                                   const char                 *prompt,
                                                   const HearthSamplingParams *params,
                                                   HearthEnginePriority        priority,
                                                   GCancellable               *cancellable,
                                                   GAsyncReadyCallback         callback,
                                                   gpointer                    user_data);
/* The reply's text (g_free), or NULL with error. */
char         *hearth_engine_describe_image_finish (HearthEngine  *engine,
                                                   GAsyncResult  *result,
                                                   GError       **error);

/* Runs func (data) on the engine thread at priority; destroy (may be NULL)
 * frees data afterwards, on the engine thread. For work that has no API of
 * its own yet (e.g. photo indexing). */
void          hearth_engine_run_async         (HearthEngine          *engine,
                                               HearthEnginePriority   priority,
                                               HearthEngineJobFunc    func,
                                               gpointer               data,
                                               GDestroyNotify         destroy,
                                               GCancellable          *cancellable,
                                               GAsyncReadyCallback    callback,
                                               gpointer               user_data);
gboolean      hearth_engine_run_finish        (HearthEngine  *engine,
                                               GAsyncResult  *result,
                                               GError       **error);

G_END_DECLS
