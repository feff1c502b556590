#pragma once

#include "tokenizer.h"

G_BEGIN_DECLS

/* Byte-level BPE vocabulary: ids 0-255 are the bytes, then a few merges, a
 * control token (<|eot_id|>, 260) and a user-defined one (<tag>, 261);
 * @pre is tokenizer.ggml.pre (NULL: the default). */
HearthTokenizer *tokenizer_test_bpe (const char *pre);
/* SentencePiece vocabulary: <unk> <s> </s>, the 256 byte tokens, pieces. */
HearthTokenizer *tokenizer_test_spm (void);

G_END_DECLS
