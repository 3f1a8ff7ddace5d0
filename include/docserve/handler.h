/* handler.h: decides one request.  No libmicrohttpd types: server.c copies
 * what it needs into a DsRequest, and turns the DsReply into a response. */
#pragma once

#include <glib.h>

#include "docserve/reply.h"
#include "docserve/site.h"

G_BEGIN_DECLS

/* What the handler needs to know about the request.  All strings borrowed
 * from the server for the duration of the call; NULL when absent. */
typedef struct
{
  const char *method;  /* token as received, case-sensitive (RFC 9110 §9.1) */
  const char *version; /* "HTTP/1.1", "HTTP/1.0" */
  const char *path;    /* raw path bytes (not decoded), without the query */
  gsize path_len;
  const char *query;   /* raw query without the '?', or NULL */
  guint host_count;    /* number of Host fields */
  const char *transfer_encoding;
  const char *if_match;
  const char *if_none_match;
  const char *if_modified_since;
  const char *if_unmodified_since;
  const char *if_range;
  const char *range;
  const char *accept;
  const char *accept_encoding;
} DsRequest;

/* An answer made below a mount (routes.h) instead of read from a tree:
 * @below is the decoded path under the mount point ("" for the point
 * itself), @dir_slash whether the request path ended in '/', @site the
 * site being served (its error pages, MIME table).  Fills @reply as
 * ds_handler_decide does; never fails. */
typedef void (*DsGenerateFunc) (gconstpointer data, const DsSite *site, const DsRequest *req,
                                const char *below, gboolean dir_slash, gint64 now, DsReply *reply);

typedef struct
{
  DsGenerateFunc generate;
  gconstpointer data;
} DsGenerator;

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
