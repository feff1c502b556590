/* tokenizer.h: text <-> token ids for GGUF vocabularies, exact to llama.cpp
 * and Hugging Face. Two families: SentencePiece-style BPE
 * (tokenizer.ggml.model "llama": scores, <0xXX> byte fallback, "▁" for
 * spaces) and byte-level BPE ("gpt2": merges, a pre-tokenizer chosen by
 * tokenizer.ggml.pre). Other families (bert, t5, rwkv) are refused with
 * HEARTH_ENGINE_ERROR_UNSUPPORTED.
 *
 * A tokenizer is immutable after creation; it may be used from several
 * threads at once. Token ids are gint32; -1 means "none". */
#pragma once

#include <glib.h>
#include "gguf.h"

G_BEGIN_DECLS

typedef struct _HearthTokenizer HearthTokenizer;

typedef enum {
  HEARTH_TOKENIZER_SPM, /* "llama" */
  HEARTH_TOKENIZER_BPE, /* "gpt2" */
} HearthTokenizerKind;

/* Token types as stored in tokenizer.ggml.token_type. */
typedef enum {
  HEARTH_TOKEN_UNDEFINED    = 0,
  HEARTH_TOKEN_NORMAL       = 1,
  HEARTH_TOKEN_UNKNOWN      = 2,
  HEARTH_TOKEN_CONTROL      = 3,
  HEARTH_TOKEN_USER_DEFINED = 4,
  HEARTH_TOKEN_UNUSED       = 5,
  HEARTH_TOKEN_BYTE         = 6,
} HearthTokenType;

/* In HearthVocabSpec: use the family's default (as llama.cpp does). */
#define HEARTH_VOCAB_DEFAULT (-2)

/* A vocabulary in memory; what hearth_tokenizer_new_from_gguf() reads from
 * the tokenizer.ggml.* keys. Strings need not be NUL-terminated; everything
 * is copied. */
typedef struct {
  const char         *model;        /* "llama" or "gpt2" */
  const char         *pre;          /* tokenizer.ggml.pre, NULL = default */
  guint32             n_tokens;
  const char *const  *tokens;       /* n_tokens texts ... */
  const gsize        *token_lens;   /* ... and their byte lengths */
  const float        *scores;       /* NULL: all 0 */
  const gint32       *types;        /* HearthTokenType; NULL: all NORMAL */
  guint32             n_merges;     /* gpt2: "left right" in rank order */
  const char *const  *merges;
  const gsize        *merge_lens;
  gint64              bos, eos, eot, eom, unk, pad;     /* id, -1 or HEARTH_VOCAB_DEFAULT */
  int                 add_bos, add_eos, add_space_prefix; /* 0, 1 or HEARTH_VOCAB_DEFAULT */
} HearthVocabSpec;

HearthTokenizer *hearth_tokenizer_new_from_gguf (GgufFile               *file,
                                                 GError                **error);
HearthTokenizer *hearth_tokenizer_new_from_spec (const HearthVocabSpec  *spec,
                                                 GError                **error);
void             hearth_tokenizer_free          (HearthTokenizer        *tok);

/* Appends the ids of text (len bytes, or NUL-terminated if len < 0) to
 * out_ids (an array of gint32). add_special: BOS/EOS as the vocabulary asks
 * (add_bos_token/add_eos_token). parse_special: text of CONTROL tokens
 * (e.g. "<|eot_id|>") becomes that token; without it such text is plain
 * text. USER_DEFINED tokens are always matched, as in llama.cpp. Invalid
 * UTF-8 bytes are read as U+FFFD. */
gboolean hearth_tokenizer_encode (HearthTokenizer  *tok,
                                  const char       *text,
                                  gssize            len,
                                  gboolean          add_special,
                                  gboolean          parse_special,
                                  GArray           *out_ids,
                                  GError          **error);

/* The bytes a token stands for (not NUL-terminated, may be part of a UTF-8
 * sequence): byte-level decoded for gpt2, "▁" as space and <0xXX> as its
 * byte for llama. CONTROL/UNKNOWN tokens give their text only when
 * render_special, else "". Out-of-range ids give "". */
const char *hearth_tokenizer_token_to_piece (HearthTokenizer *tok,
                                             gint32           id,
                                             gboolean         render_special,
                                             gsize           *len);

/* Decodes a whole text as encode() produced it: pieces concatenated, a
 * leading BOS left out unless render_special, and for "llama" vocabularies with add_space_prefix
 * the space encode() put in front is removed again. The result is the exact
 * bytes (NUL-terminated; *out_len without the NUL) and may be invalid UTF-8
 * if the ids are; use HearthTokenStream for display. Fails with
 * INVALID_ARGUMENT on an id outside the vocabulary. */
char    *hearth_tokenizer_decode (HearthTokenizer  *tok,
                                  const gint32     *ids,
                                  gsize             n_ids,
                                  gboolean          render_special,
                                  gsize            *out_len,
                                  GError          **error);

HearthTokenizerKind hearth_tokenizer_get_kind    (HearthTokenizer *tok);
guint32             hearth_tokenizer_n_vocab     (HearthTokenizer *tok);
gint32              hearth_tokenizer_bos         (HearthTokenizer *tok);
gint32              hearth_tokenizer_eos         (HearthTokenizer *tok);
gint32              hearth_tokenizer_eot         (HearthTokenizer *tok);
gint32              hearth_tokenizer_eom         (HearthTokenizer *tok);
gint32              hearth_tokenizer_pad         (HearthTokenizer *tok);
gint32              hearth_tokenizer_unk         (HearthTokenizer *tok);
gboolean            hearth_tokenizer_adds_bos    (HearthTokenizer *tok);
gboolean            hearth_tokenizer_adds_eos    (HearthTokenizer *tok);
/* End of generation: EOS, EOT, EOM and the usual end-of-turn tokens found
 * by text (<|eot_id|>, <|im_end|>, <|endoftext|>, <end_of_utterance>, ...). */
gboolean            hearth_tokenizer_is_eog      (HearthTokenizer *tok, gint32 id);
/* The token whose stored text is exactly text (len < 0: NUL-terminated), or -1. */
gint32              hearth_tokenizer_lookup      (HearthTokenizer *tok, const char *text, gssize len);
/* The stored text of a token (as in the GGUF, e.g. "Ġthe", "▁the"), or NULL. */
const char         *hearth_tokenizer_token_text  (HearthTokenizer *tok, gint32 id, gsize *len);

/* Incremental detokenizer for generated text: push ids one at a time and
 * get back only complete UTF-8. Bytes of an unfinished sequence wait for the
 * next token; bytes that can never form valid UTF-8 come out as U+FFFD.
 * No leading space is removed (the text continues a prompt). */
typedef struct _HearthTokenStream HearthTokenStream;

HearthTokenStream *hearth_token_stream_new   (HearthTokenizer   *tok,
                                              gboolean           render_special);
/* Appends the newly completed text to out; ids out of range add nothing. */
void               hearth_token_stream_push  (HearthTokenStream *stream,
                                              gint32             id,
                                              GString           *out);
/* Appends what is still held back, an unfinished sequence as U+FFFD. */
void               hearth_token_stream_flush (HearthTokenStream *stream,
                                              GString           *out);
void               hearth_token_stream_free  (HearthTokenStream *stream);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HearthTokenizer, hearth_tokenizer_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HearthTokenStream, hearth_token_stream_free)

G_END_DECLS
