/* handler.h: decides one request.  No libmicrohttpd types: server.c copies
 * what it needs into a DsRequest, and turns the DsReply into a response. */
#pragma once

#include <glib.h>

#include "docserve/reply.h"
#include "docserve/request.h"
#include "docserve/site.h"

G_BEGIN_DECLS


/* Whether @method is one the first handler call must answer at once (405,
 * 501): anything but GET, HEAD and OPTIONS.  Also checked: Transfer-Encoding
 * other than chunked (501).  Returns the status to send, or 0 to go on. */
guint ds_handler_precheck (const DsRequest *req);

/* Decides @req against @site at time @now (seconds since the epoch): the
 * method and the path first, then the mount of @site->routes the path falls
 * under (a tree, or a generator), 404 where nothing is mounted.  Fills
 * @out_reply (initialised by the caller with ds_reply_init).  Never fails:
 * every outcome is a status. */
void ds_handler_decide (const DsSite *site, const DsRequest *req, gint64 now, DsReply *out_reply);

G_END_DECLS
