/* model-catalog.h: finds GGUF models that are already on disk (Hearth's own
 * folder, folders the user added, the llama.cpp cache, LM Studio, Ollama)
 * and describes each one without copying or loading it: name, size,
 * quantization, an estimate of the memory it needs, whether it can see
 * images and whether Hearth can run it. A file that cannot be read is still
 * listed, with its error, so the user learns why it is not offered. */
#pragma once

#include <gio/gio.h>
#include "hearth-engine-error.h"

G_BEGIN_DECLS

/* Where a model was found; the UI shows it as a label. */
typedef enum {
  HEARTH_MODEL_SOURCE_HEARTH,     /* $XDG_DATA_HOME/hearth/models */
  HEARTH_MODEL_SOURCE_USER,       /* a folder the user added */
  HEARTH_MODEL_SOURCE_LLAMA_CPP,  /* ~/.cache/llama.cpp or $LLAMA_CACHE */
  HEARTH_MODEL_SOURCE_LM_STUDIO,  /* ~/.lmstudio/models, ~/.cache/lm-studio/models */
  HEARTH_MODEL_SOURCE_OLLAMA,     /* ~/.ollama/models or $OLLAMA_MODELS */
} HearthModelSource;

/* Default context for the memory estimate when the caller gives none. */
#define HEARTH_MODEL_CATALOG_DEFAULT_N_CTX 4096

typedef struct {
  HearthModelSource source;
  char   *path;                /* the folder to search */
} HearthModelLocation;

typedef struct {
  char   *name;                /* general.name, "<model>:<tag>" for Ollama, else the file name */
  char   *path;                /* the GGUF file (an Ollama blob for Ollama) */
  HearthModelSource source;
  guint64 file_size;           /* bytes on disk */
  /* The fields below are unset (NULL / 0) when error is set. */
  char   *architecture;        /* general.architecture: "llama", ... */
  char   *family;              /* for people: "Llama", "Llama 4 · 16 experts",
                                * "Llama 4 · dense 12B"; the architecture when Hearth
                                * does not run it */
  guint64 n_params;            /* sum of the tensors' element counts */
  char   *quantization;        /* llama.cpp's name: "Q4_K - Medium", "F16", ... */
  guint32 context_length;      /* trained context, 0 if the file does not say */
  guint64 memory_estimate;     /* bytes: weights + f16 KV cache for n_ctx tokens + scratch
                                * (+ the projector's file when mmproj_path is set) */
  guint32 n_ctx;               /* the context the estimate assumes: the requested one,
                                * capped at context_length */
  char   *mmproj_path;         /* vision projector GGUF, NULL if none: the model sees images */
  char   *projector_type;      /* clip.projector_type of mmproj_path ("idefics3"), or NULL */
  guint32 n_embd;              /* <arch>.embedding_length, 0 if the file does not say */
  guint32 projection_dim;      /* projectors (architecture clip): the width of the embeddings
                                * they write, clip.vision.projection_dim; 0 otherwise */
  gboolean runnable;           /* Hearth can run it */
  char   *unsupported_reason;  /* why not, for the user; NULL when runnable or on error */
  char   *error;               /* why the file could not be read, NULL if it could */
} HearthModelInfo;

GType            hearth_model_info_get_type (void) G_GNUC_CONST;
#define HEARTH_TYPE_MODEL_INFO (hearth_model_info_get_type ())
HearthModelInfo *hearth_model_info_copy (const HearthModelInfo *info);
void             hearth_model_info_free (HearthModelInfo *info);
gboolean         hearth_model_info_has_vision (const HearthModelInfo *info);
const char      *hearth_model_source_to_string (HearthModelSource source); /* "ollama", ... */
/* A parameter count for people: "6.5 K", "1.24 B" (the CLI and the app). */
char            *hearth_model_format_n_params (guint64 n);

void             hearth_model_location_free (HearthModelLocation *location);

/* The folders to search: Hearth's own, then user_dirs (may be NULL), then
 * the other applications' caches. home_dir and data_dir NULL mean
 * g_get_home_dir () and g_get_user_data_dir (); $LLAMA_CACHE and
 * $OLLAMA_MODELS replace those defaults when set. Folders that do not
 * exist are kept: the scan skips them quietly. Elements: HearthModelLocation. */
GPtrArray       *hearth_model_catalog_default_locations (const char        *home_dir,
                                                         const char        *data_dir,
                                                         const char *const *user_dirs);

/* Describes one GGUF file (never fails: problems land in info->error). The
 * projector is not searched for; mmproj_path may be set by the caller (see
 * hearth_model_catalog_describe() for a file with its projector). */
HearthModelInfo *hearth_model_catalog_inspect_file (const char       *path,
                                                    HearthModelSource source,
                                                    const char       *mmproj_path,
                                                    guint32           n_ctx);

/* Blocking scan of every location; run it on a worker thread. Returns the
 * chat models found, each file once even when reachable through several
 * locations, sorted by name. Hidden folders are skipped, symlink loops are
 * detected and recursion stops at a fixed depth. n_ctx 0 means the
 * default. Fails only when cancelled (G_IO_ERROR_CANCELLED). Elements:
 * HearthModelInfo. The async variant runs the scan in a GTask thread; it
 * keeps a reference to locations, which must not change until the
 * callback ran. A split model ("-00001-of-00003.gguf") is listed once,
 * through its first part.
 *
 * mmproj files are not listed but attached to a model of their folder, and
 * only to one they fit: their projection_dim must be its n_embd (the rule
 * the engine applies when it loads a projector). Among several that fit,
 * the one named like the model wins ("mmproj-SmolVLM2-2.2B-Instruct-Q8_0"
 * for "SmolVLM2-2.2B-Instruct-Q4_K_M"); several that fit and none named
 * like it leave the model without one. An Ollama model gets the projector
 * of its manifest when it fits. */
GPtrArray       *hearth_model_catalog_scan        (GPtrArray      *locations,
                                                   guint32         n_ctx,
                                                   GCancellable   *cancellable,
                                                   GError        **error);
void             hearth_model_catalog_scan_async  (GPtrArray          *locations,
                                                   guint32             n_ctx,
                                                   GCancellable       *cancellable,
                                                   GAsyncReadyCallback callback,
                                                   gpointer            user_data);
GPtrArray       *hearth_model_catalog_scan_finish (GAsyncResult   *result,
                                                   GError        **error);

/* Describes the GGUF at path (as hearth_model_catalog_inspect_file() does,
 * source HEARTH_MODEL_SOURCE_USER) with the projector the scan would pair
 * it with among the GGUF files beside it: for a model opened directly or
 * named by a chat, wherever it lies. Blocking (it reads the folder and the
 * headers of its GGUF files; no weights): run it on a worker thread, or
 * through the async variant. Fails only when cancelled
 * (G_IO_ERROR_CANCELLED). */
HearthModelInfo *hearth_model_catalog_describe        (const char     *path,
                                                       guint32         n_ctx,
                                                       GCancellable   *cancellable,
                                                       GError        **error);
void             hearth_model_catalog_describe_async  (const char         *path,
                                                       guint32             n_ctx,
                                                       GCancellable       *cancellable,
                                                       GAsyncReadyCallback callback,
                                                       gpointer            user_data);
HearthModelInfo *hearth_model_catalog_describe_finish (GAsyncResult   *result,
                                                       GError        **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HearthModelInfo, hearth_model_info_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HearthModelLocation, hearth_model_location_free)

G_END_DECLS
