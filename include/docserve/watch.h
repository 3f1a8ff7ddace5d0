/* watch.h: --watch, live reload for doc authors.  A thread watches the
 * served tree with inotify and aggregates the changes (changes.h);
 * /.docserve/events is a server-sent-events stream of them and
 * /.docserve/reload.js the script that HTML pages get injected, which
 * reloads the page (or swaps a stylesheet) when something it shows
 * changed. */
#pragma once

#include <glib.h>

#include "docserve/reply.h"
#include "docserve/request.h"
#include "docserve/site.h"

G_BEGIN_DECLS

/* What goes into HTML pages (inject.h) while --watch is on. */
#define DS_WATCH_SNIPPET "<script src=\"/.docserve/reload.js\"></script>"
/* Larger pages are served as they are. */
#define DS_WATCH_INJECT_MAX ((guint64) 8 * 1024 * 1024)

/* Starts watching @site's root (conf->root) and mounts /.docserve/events
 * and /.docserve/reload.js.  The watcher thread stops when the site is
 * freed.  FALSE with DS_ERROR_RUNTIME when inotify cannot be set up. */
gboolean ds_watch_mount (DsSite *site, GError **error);

/* Whether the reply to @req for a file of @type, sent without a content
 * coding (@identity) and @size bytes long, gets the script: --watch is on,
 * GET (not HEAD), no Range, no "raw" query parameter, text/html, at most
 * DS_WATCH_INJECT_MAX bytes. */
gboolean ds_watch_injects (const DsSite *site, const DsRequest *req, const char *type,
                           gboolean identity, guint64 size);

/* Turns the 200 file reply @reply (DS_BODY_FILE from offset 0, an HTML
 * page) into a buffer with DS_WATCH_SNIPPET injected.  FALSE (reply
 * unchanged) when the file cannot be read in full or the page cannot take
 * the script (inject.h). */
gboolean ds_watch_inject_reply (DsReply *reply);

G_END_DECLS
