/* changes.h: the --watch change aggregator.  The watcher notes the URLs
 * that changed; once no change has come for the settle time (a build
 * writes hundreds of files), they become one numbered generation, which the
 * event streams send.  Pure (the caller passes the time and does the
 * locking), so it is tested with a fake clock. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _DsChanges DsChanges;

/* Changes settle @settle_us after the last one, but at most @max_wait_us
 * after the first one of a generation (a writer that never pauses still
 * gets pages reloaded).  More than @max_urls URLs in a generation mean
 * "everything".  The last @history generations are kept for clients that
 * reconnect (ds_changes_since). */
DsChanges *ds_changes_new (gint64 settle_us, gint64 max_wait_us, guint max_urls, guint history);
void ds_changes_free (DsChanges *c);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DsChanges, ds_changes_free)

/* Notes that @url changed at monotonic time @now_us; NULL: everything
 * changed (the queue overflowed, the root was replaced). */
void ds_changes_note (DsChanges *c, const char *url, gint64 now_us);

/* When the pending changes settle (monotonic microseconds), or -1 when
 * nothing is pending. */
gint64 ds_changes_deadline (const DsChanges *c);

/* At @now_us past the deadline, makes the pending changes the next
 * generation and returns TRUE; FALSE (nothing done) otherwise. */
gboolean ds_changes_settle (DsChanges *c, gint64 now_us);

/* The current generation: 0 before the first one. */
guint64 ds_changes_generation (const DsChanges *c);

/* The URLs changed in the generations after @since up to the current one,
 * sorted, as a NULL-terminated array (caller frees with g_strfreev; empty
 * when @since is the current generation or later).  NULL with @out_all set
 * when that is everything: one of them was "everything", @since is older
 * than the history kept, or the union has more than max_urls URLs. */
char **ds_changes_since (const DsChanges *c, guint64 since, gboolean *out_all);

/* One server-sent event (WHATWG HTML §9.2) for generation @gen:
 * "id: GEN\ndata: {"generation":GEN,"all":ALL,"urls":[...]}\n\n", the URLs
 * as JSON strings; @urls may be NULL when @all.  Caller frees. */
char *ds_changes_format_event (guint64 gen, char *const *urls, gboolean all);

G_END_DECLS
