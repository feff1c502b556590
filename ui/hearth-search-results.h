/* hearth-search-results.h: the sidebar's search across all chats.
 *
 * Given what the user typed, it lists the chats whose title matches and
 * the messages that match (hearth_store_search() on the store worker, a
 * short pause after the last key, results of an older query dropped), each
 * hit with its chat, date and a snippet with the matched words in bold.
 * Activating a result emits "chat-activated" (chat id, message id; the
 * message id is 0 for a title match). */
#pragma once

#include <gtk/gtk.h>

#include "hearth-store-worker.h"

G_BEGIN_DECLS

#define HEARTH_TYPE_SEARCH_RESULTS (hearth_search_results_get_type ())
G_DECLARE_FINAL_TYPE (HearthSearchResults, hearth_search_results, HEARTH, SEARCH_RESULTS, GtkWidget)

/* the window's HearthChatObject list, matched by title. */
void        hearth_search_results_set_sources (HearthSearchResults *self,
                                               HearthStoreWorker   *worker,
                                               GListModel          *chats);
/* Empty or NULL: no search (and a search under way is dropped). */
void        hearth_search_results_set_query   (HearthSearchResults *self,
                                               const char          *text);
/* The query last set, or NULL. */
const char *hearth_search_results_get_query   (HearthSearchResults *self);
/* TRUE from a new query until its results are shown. */
gboolean    hearth_search_results_get_busy    (HearthSearchResults *self);

/* The text with the store's match marks as escaped Pango markup, the
 * matched words in bold. */
char       *hearth_search_results_snippet_markup (const char *snippet);

G_END_DECLS
