/* ui-test-util.h: driving the real Hearth app under Xvfb.
 *
 * A UI test's main() calls ui_test_init(), adds its cases and returns
 * ui_test_run(): the whole run gets a fresh XDG_DATA_HOME (inherited by
 * g_test_trap_subprocess children, removed at the end), with
 * stories260K.gguf from HEARTH_SHARED_DIR linked into Hearth's model
 * folder.  Each case hands a Driver to ui_test_run_app(), which starts a
 * HearthApplication and calls it once the window is up.
 *
 * Screenshots go to $HEARTH_SCREENSHOT_DIR when it is set. */
#pragma once

#include <adwaita.h>

#include "hearth-application.h"
#include "hearth-composer.h"
#include "hearth-message-row.h"
#include "hearth-search-results.h"
#include "hearth-window.h"

G_BEGIN_DECLS

typedef gboolean (*UiCondition) (gpointer data);

/* Runs the main loop until condition holds; fails the test after 300 s (a
 * hang, not a timing assertion). */
void        ui_wait_for          (UiCondition condition, gpointer data, const char *what);
/* Runs the main loop for seconds: to measure over a time span, or to let
 * the engine's work advance. Never to wait for drawing: ui_wait_drawn(). */
void        ui_run_for_seconds   (guint seconds);
/* Runs the main loop until widget is mapped, allocated and has painted a
 * frame since this call, with nothing queued to redraw it since: what is
 * on screen then is what the widget tree holds now. */
void        ui_wait_drawn        (GtkWidget *widget);
/* ui_wait_drawn(), then saves what widget drew as name.png. */
void        ui_save_screenshot   (GtkWidget *widget, const char *name);

/* Mapped widgets of type below root, in tree order. */
GPtrArray  *ui_find_all          (GtkWidget *root, GType type);
/* Clicks the button labelled label below root, as the user would. */
void        ui_click_button      (GtkWidget *root, const char *label);
/* The mapped AdwMessageDialog, or NULL. */
GtkWidget  *ui_find_message_dialog (void);
gboolean    ui_message_dialog_shown (gpointer data);

typedef struct {
  HearthApplication *app;
  HearthWindow      *window;
} UiFixture;

typedef void (*UiDriver) (UiFixture *f);

void        ui_test_run_app      (UiDriver drive);

HearthConversation  *ui_conversation      (UiFixture *f);
HearthMessageObject *ui_message_at        (UiFixture *f, guint position);
guint                ui_n_messages        (UiFixture *f);
/* The text shown in the visible row of message, or NULL. */
const char          *ui_row_text_of       (UiFixture *f, HearthMessageObject *message);
/* Runs the main loop until a mapped row shows message: the list view makes
 * rows only for what is in view, when it is allocated. */
void                 ui_wait_row          (UiFixture *f, HearthMessageObject *message);
gboolean             ui_page_is           (UiFixture *f, const char *name);

/* Conditions for ui_wait_for(); data is the UiFixture. */
gboolean    ui_has_no_chats_page     (gpointer data);
gboolean    ui_has_no_model_page     (gpointer data);
gboolean    ui_model_ready           (gpointer data);
gboolean    ui_conversation_loaded   (gpointer data);
gboolean    ui_idle                  (gpointer data);
/* Or the answer ended without any. */
gboolean    ui_last_answer_has_text  (gpointer data);

/* Types text into the composer and sends it. */
void        ui_send                  (UiFixture *f, const char *text);
/* A second connection to the app's database (flush the worker first). */
HearthStore *ui_open_store           (UiFixture *f);
/* The messages (HearthMessage) of the only chat in the database, after
 * the store worker's queued writes. */
GPtrArray   *ui_stored_messages      (UiFixture *f);

/* $HEARTH_SHARED_DIR/models/stories260K.gguf, or NULL when it is missing. */
char       *ui_shared_model          (void);
/* Where main() linked stories260K into Hearth's model folder. */
char       *ui_linked_model          (void);
/* On the no-model page: stories260K picked from the models found and
 * loaded; FALSE (and the case skipped) without ../shared. */
gboolean    ui_pick_stories          (UiFixture *f);
/* A new chat, then ui_pick_stories(). */
gboolean    ui_start_chat_with_stories (UiFixture *f);

void        ui_test_init             (int *argc, char ***argv);
int         ui_test_run              (void);

/* chats: types text into the sidebar's search (opening it) and waits for
 * the results of that text. */
void        ui_search                (UiFixture *f, const char *text);
/* Mapped widgets of type below root that have css_class. */
GPtrArray  *ui_find_with_class       (GtkWidget *root, GType type, const char *css_class);
/* photos-ui: deletes a folder a test made, with everything in it (links
 * are removed, not followed). */
void        ui_remove_folder         (const char *path);

G_END_DECLS
