/* request.h: what a request is to the code that answers it (no
 * libmicrohttpd types: server.c copies what it needs into a DsRequest), and
 * the signature of a generator, the code that answers below a mount
 * (routes.h) instead of a directory tree. */
#pragma once

#include <glib.h>

#include "docserve/reply.h"

G_BEGIN_DECLS

/* The site being served (site.h). */
typedef struct _DsSite DsSite;

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
  const char *accept_language;
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

G_END_DECLS
