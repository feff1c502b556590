/* engine-private.h: what the engine's files share behind hearth-engine.h.
 *
 * Three kinds of state, kept apart:
 *   - handles (HearthModel, HearthSession): immutable or atomic, shared
 *     between threads (hearth-model-handle.c);
 *   - the queue and the running job: guarded by HearthEngine.lock
 *     (hearth-engine.c);
 *   - the device, models and sessions' KV caches (EngineState): touched
 *     only by the engine thread, in the jobs (engine-jobs-*.c,
 *     engine-session.c), and by finalize after the join.
 *
 * Output to the caller goes through an Outbox (engine-outbox.c). */
#pragma once

#include "hearth-engine.h"

#include "chat-prompt.h"
#include "clip-model.h"
#include "hvk.h"
#include "llama-context.h"
#include "tokenizer.h"
#include "vision-encoder.h"
#include "vision-prompt.h"

G_BEGIN_DECLS

#define DEFAULT_MAX_CTX 4096

/* ------------------------------------------------------------------------ */
/* Handles (hearth-model-handle.c) */

struct _HearthModel {
  gatomicrefcount ref;
  guint           id;
  char           *name;
  char           *arch;
  char           *path;
  guint32         n_ctx_train;
  guint32         n_vocab;
  guint64         n_params;
  guint64         weight_bytes;
  guint64         kv_bytes_per_position;
  gboolean        has_template;
  char           *template_note;
  gint            has_vision;     /* atomic: set once the projector is loaded */
  GMutex          vision_lock;    /* a projector loaded again replaces: */
  ImagePreprocessConfig vision_config;       /* under vision_lock, once has_vision */
  guint                 vision_tokens_per_chunk;
};

struct _HearthSession {
  gatomicrefcount ref;
  guint           id;
  HearthModel    *model;
  guint           n_ctx;
  GMutex          lock;
  guint           generation;     /* the newest generation's id, under lock */
  GCancellable   *latest_cancel;  /* and its job's cancellable, under lock */
};

HearthModel *_hearth_model_new                   (guint id, const char *path);
guint        _hearth_session_latest_generation   (HearthSession *session);

/* ------------------------------------------------------------------------ */
/* Outbox: output of one job, posted to the caller's main context
 * (engine-outbox.c). The engine thread appends and attaches at most one
 * idle source at a time on the caller's context; the idle delivers
 * everything pending unless, by then, the job was cancelled or (for a
 * generation) its id is no longer the session's newest: that is how
 * batches of cancelled and superseded generations are dropped on the
 * receiving side. */

typedef struct {
  gatomicrefcount        ref;
  GMutex                 lock;
  GMainContext          *context;
  GCancellable          *cancel;    /* the job's: once cancelled, nothing is delivered */
  HearthSession         *session;   /* a generation's session, or NULL ... */
  guint                  generation;/* ... and its id there: once superseded, nothing is delivered */
  HearthLoadProgressFunc progress;
  HearthTokenFunc        token;
  gpointer               user_data;
  /* under lock: */
  GString               *text;      /* generated, not delivered yet */
  double                 fraction;  /* latest progress; < 0: none pending */
  gboolean               idle_pending;
} Outbox;

Outbox *_engine_outbox_new           (GMainContext *context, GCancellable *cancel,
                                      HearthLoadProgressFunc progress, HearthTokenFunc token,
                                      gpointer user_data);
void    _engine_outbox_unref         (Outbox *outbox);
/* On the caller's context: hands over everything pending, or drops it if
 * the job was cancelled or superseded meanwhile. */
void    _engine_outbox_deliver       (Outbox *outbox);
void    _engine_outbox_post_text     (Outbox *outbox, const char *text, gsize len);
void    _engine_outbox_post_progress (Outbox *outbox, double fraction);
/* Both the batches and the completions use this, at one priority, so that
 * a job's completion, attached last, is dispatched last. */
void    _engine_attach_idle          (GMainContext *context, const char *name, GSourceFunc func,
                                      gpointer data, GDestroyNotify destroy);

/* ------------------------------------------------------------------------ */
/* Engine-thread state */

/* Which file a model or projector was read from: the same file, whatever
 * path names it, and not one replaced since (size, mtime). */
typedef struct {
  guint64 dev, ino, size;
  gint64  mtime;
} FileIdentity;

gboolean _file_identity_read  (const char *path, FileIdentity *id);
gboolean _file_identity_equal (const FileIdentity *a, const FileIdentity *b);

typedef struct {
  HearthModel     *handle;
  FileIdentity     file;      /* a load of the same file shares this model */
  guint            n_users;   /* loads not yet balanced by an unload */
  LlamaModel      *llama;
  HearthTokenizer *tokenizer;
  ChatPrompt      *prompt;    /* the model's chat template, or none */
  ClipModel       *clip;      /* NULL: no vision projector loaded */
  FileIdentity     clip_file; /* when clip is set: loading it again changes nothing */
  VisionEncoder   *encoder;
} LoadedModel;

void _loaded_model_free (LoadedModel *m);

/* An image of a session's prompt, encoded. Its positions in the prompt (and
 * in SessionState.cached) all hold key, a negative id taken from the hash
 * of its bytes: the common prefix of two prompts then ends where their
 * images differ, and an image already in the KV cache is neither encoded
 * nor run again. (Two different images at the same place with the same
 * 31-bit key would be taken for each other: about one chance in 2³¹.) */
typedef struct {
  VisionPromptImage layout;
  float            *embd;   /* f32 [n_rows][n_embd] */
  guint             n_rows; /* n_chunks · tokens_per_chunk */
  gint32            key;
} SessionImage;

typedef struct {
  LoadedModel  *model;
  LlamaContext *ctx;      /* created by the first generate */
  GArray       *cached;   /* gint32: the tokens at positions 0..n-1 of the KV cache,
                           * an image's positions as its key (see SessionImage) */
  GHashTable   *images;   /* SHA-256 of an image's bytes (hex) -> SessionImage: the
                           * images of the latest prompt, encoded */
} SessionState;

typedef struct {
  HearthDevice *device;    /* opened by the first job that needs it */
  GHashTable   *models;    /* id -> LoadedModel */
  GHashTable   *sessions;  /* id -> SessionState */
} EngineState;

gboolean      _engine_state_ensure_device (EngineState *st, GError **error);
LoadedModel  *_engine_lookup_model        (EngineState *st, HearthModel *model, GError **error);
SessionState *_engine_lookup_session      (EngineState *st, HearthSession *session,
                                           GError **error);

/* ------------------------------------------------------------------------ */
/* Sessions (engine-session.c) */

SessionState *_session_state_new         (LoadedModel *model);
void          _session_state_free        (SessionState *s);
/* The images of a conversation, per message. */
typedef struct {
  const guint   *n_images;  /* per message */
  guint          n_messages;
  GBytes *const *bytes;     /* every message's images, in order */
  guint          n_bytes;
} SessionImages;
/* The images in order (SessionImage, owned by s->images), encoded unless
 * the session has them already; the session then forgets the images the
 * conversation no longer shows. */
GPtrArray    *_session_encode_images     (SessionState *s, const SessionImages *images,
                                          GCancellable *cancel, GError **error);
/* The prompt of c, whose images are images[skip..] (encoded). */
GArray       *_session_tokenize          (SessionState *s, const ChatConversation *c,
                                          GPtrArray *images, guint skip, GError **error);
/* Processes the part of the prompt that is not in the cache yet, with the
 * embeddings of its images from there on. At least one token is run, to
 * get logits to sample from. */
gboolean      _session_process_prompt    (SessionState *s, GArray *prompt, GPtrArray *images,
                                          HearthGenerateResult *r, GCancellable *cancel,
                                          GError **error);
/* Another projector sees the same bytes differently: the session drops
 * its encoded images and its cache from the first image on. */
void          _session_forget_images     (SessionState *s);

/* ------------------------------------------------------------------------ */
/* Jobs (hearth-engine.c) */

typedef struct _Job Job;
typedef void (*JobRunFunc) (EngineState *st, Job *job);

struct _Job {
  JobRunFunc      run;          /* NULL: the shutdown sentinel */
  int             priority;     /* HearthEnginePriority or the shutdown's */
  guint64         seq;          /* submission order among equal priorities */
  const char     *what;         /* for messages: "loading the model" */
  GTask          *task;         /* NULL for fire-and-forget jobs */
  GCancellable   *cancel;       /* internal, see hearth-engine.c */
  GCancellable   *user_cancel;
  gulong          user_handler;
  Outbox         *outbox;       /* NULL for jobs without callbacks */
  gpointer        data;         /* input, freed on the engine thread */
  GDestroyNotify  data_free;
  /* output, written by the engine thread before the completion is posted */
  GError         *error;
  gpointer        value;        /* the task's pointer, or NULL for a boolean task */
  GDestroyNotify  value_free;
};

Job     *_engine_job_new        (JobRunFunc run, HearthEnginePriority priority, const char *what,
                                 GCancellable *user_cancel);
/* The task is created on the caller's thread, so that it and the outbox
 * capture the caller's thread-default main context. */
void     _engine_job_set_task   (Job *job, gpointer source_tag, GAsyncReadyCallback callback,
                                 gpointer user_data);
void     _engine_job_set_outbox (Job *job, HearthLoadProgressFunc progress, HearthTokenFunc token,
                                 gpointer user_data);
/* TRUE, after setting the job's error, when it was cancelled before it
 * started. */
gboolean _engine_job_cancelled  (Job *job);
void     _engine_submit         (HearthEngine *engine, Job *job);
/* A new id for a model or a session: they share one counter, so none is 0. */
guint    _engine_next_id        (HearthEngine *engine);

G_END_DECLS
