/* hearth-code-block.h: a code block of an answer: its language, a copy
 * button and the code, highlighted by GtkSourceView in the light or dark
 * scheme that follows the desktop's style. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define HEARTH_TYPE_CODE_BLOCK (hearth_code_block_get_type ())
G_DECLARE_FINAL_TYPE (HearthCodeBlock, hearth_code_block, HEARTH, CODE_BLOCK, GtkWidget)

GtkWidget  *hearth_code_block_new      (void);
/* language: as written after the fence, NULL when none. */
void        hearth_code_block_set_code (HearthCodeBlock *self,
                                        const char      *language,
                                        const char      *code);
/* The code shown, as the copy button puts it on the clipboard. */
char       *hearth_code_block_dup_code (HearthCodeBlock *self);

G_END_DECLS
