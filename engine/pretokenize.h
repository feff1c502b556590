/* pretokenize.h: the split rules byte-level BPE vocabularies apply before
 * merging ("tokenizer.ggml.pre"). Each rule set is a list of passes; a pass
 * re-splits every piece from the previous pass into its matches and the
 * gaps between them, as Hugging Face's Split(behavior=Isolated) and
 * llama.cpp's regex splitter do. The matchers are hand-written over code
 * points; there is no regex engine. Private to the tokenizer. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  HEARTH_PRE_DEFAULT,
  HEARTH_PRE_LLAMA3,         /* llama-bpe, llama3, dbrx, smaug-bpe, ... */
  HEARTH_PRE_QWEN2,          /* llama3's rule with single digits */
  HEARTH_PRE_GPT2,           /* gpt-2, mpt, olmo, jais, roberta-bpe, ... */
  HEARTH_PRE_DIGITS_GPT2,    /* starcoder, refact, smollm, command-r, ... */
  HEARTH_PRE_FALCON,
  HEARTH_PRE_DEEPSEEK_LLM,
  HEARTH_PRE_DEEPSEEK_CODER,
  HEARTH_PRE_PORO,           /* poro-chat, bloom, gpt3-finnish */
  HEARTH_PRE_VIKING,
  HEARTH_PRE_GPT4O,          /* llama4, gpt-4o */
} HearthPreTokenizer;

/* Maps a tokenizer.ggml.pre name (NULL or "" = default). FALSE for names we
 * do not implement. *ignore_merges: a whole word found in the vocabulary is
 * one token. *add_bos: the family's default for add_bos_token. */
gboolean _hearth_pretokenizer_from_name (const char         *name,
                                         HearthPreTokenizer *out,
                                         gboolean           *ignore_merges,
                                         gboolean           *add_bos);

/* Splits cps[0..n) into words; appends each word's end index (guint32) to
 * ends. The words tile the input. */
void     _hearth_pretokenize           (HearthPreTokenizer  pre,
                                        const gunichar     *cps,
                                        gsize               n,
                                        GArray             *ends);

G_END_DECLS
