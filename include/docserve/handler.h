/* handler.h: decides one request.  No libmicrohttpd types: server.c copies
 * what it needs into a DsRequest, and turns the DsReply into a response. */
#pragma once

#include <glib.h>

#include "docserve/conf.h"
#include "docserve/dirlist.h"
#include "docserve/mime.h"
#include "docserve/range.h"

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

/* Files known, for the current second, to have no usable .br/.gz sidecar,
 * so that a busy file costs the two sidecar lookups once a second instead of
 * on every request.  Thread-safe.  Only the choice of encoding can be stale
 * (a sidecar created in this second is used from the next one on): the
 * file itself is opened and checked on every request. */
typedef struct _DsSidecarCache DsSidecarCache;

/* At most @max_entries names per second; past that, nothing more is noted. */
DsSidecarCache *ds_sidecar_cache_new (guint max_entries);
void ds_sidecar_cache_free (DsSidecarCache *c);

/* Whether @rel was noted as having no sidecar in second @now. */
gboolean ds_sidecar_cache_known_absent (DsSidecarCache *c, const char *rel, gint64 now);

/* Notes that @rel has no usable sidecar in second @now (another second's
 * notes are dropped first; a note for the second before the current one,
 * from a request that started just before it changed, is not taken). */
void ds_sidecar_cache_note_absent (DsSidecarCache *c, const char *rel, gint64 now);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DsSidecarCache, ds_sidecar_cache_free)

/* The site being served: built before the server starts, read-only after. */
typedef struct
{
  const DsConf *conf;
  const DsMime *mime;
  gint root_fd;            /* read with g_atomic_int_get: SIGHUP swaps it */
  const char *text_type;   /* "text/plain; charset=X" for sniffed text */
  GHashTable *error_pages; /* status (GUINT_TO_POINTER) -> GBytes, or NULL */
  DsDirCache *dircache;    /* rendered listings (thread-safe), or NULL: none */
  DsSidecarCache *sidecars; /* files without sidecars (thread-safe), or NULL */
} DsSite;

typedef enum
{
  DS_BODY_NONE = 0, /* no body, no Content-Length (204) */
  DS_BODY_BUFFER,   /* buf/buf_len */
  DS_BODY_FILE,     /* fd from offset, length bytes (also for 304/HEAD: length
                       becomes Content-Length, nothing is read) */
  DS_BODY_MULTIPART /* multipart/byteranges: multipart read from fd, length bytes */
} DsBodyKind;

#define DS_REPLY_MAX_HEADERS 16

typedef struct
{
  const char *name; /* static string */
  char *value;      /* owned */
} DsHeader;

typedef struct
{
  guint status;
  DsBodyKind body;
  char *buf; /* owned */
  gsize buf_len;
  int fd;    /* owned, -1 when none */
  guint64 offset;
  guint64 length;
  DsMultipart *multipart; /* owned, DS_BODY_MULTIPART */
  const char *encoding;   /* content-coding sent ("gzip", "br"), for the log */
  DsHeader headers[DS_REPLY_MAX_HEADERS];
  guint n_headers;
  gboolean close; /* the connection must close after this reply */
} DsReply;

/* Zeroes @reply and sets fd to -1. */
void ds_reply_init (DsReply *reply);

/* Frees what @reply owns (buffer, fd, header values) and re-inits it. */
void ds_reply_clear (DsReply *reply);

/* Appends a header (@name static, @value copied).  Headers beyond
 * DS_REPLY_MAX_HEADERS are a bug (asserted). */
void ds_reply_add_header (DsReply *reply, const char *name, const char *value);

/* Returns the value of header @name (case-insensitive) or NULL; borrowed. */
const char *ds_reply_get_header (const DsReply *reply, const char *name);

/* Turns @reply into a status page reply for @status (HTML, UTF-8): the
 * site's custom page for @status if there is one (@site may be NULL), else
 * the generated one.  Adds Allow to a 405 and sets close on 400/501/503. */
void ds_reply_set_status_page (DsReply *reply, const DsSite *site, guint status);

/* Reads DIR/<code>.html for every 4xx and 5xx code docserve sends; missing
 * files are skipped.  Returns a table for DsSite.error_pages (caller unrefs),
 * or NULL with DS_ERROR_RUNTIME if DIR cannot be read or a page is over
 * 1 MiB. */
GHashTable *ds_handler_load_error_pages (const char *dir, GError **error);

/* Whether @method is one the first handler call must answer at once (405,
 * 501): anything but GET, HEAD and OPTIONS.  Also checked: Transfer-Encoding
 * other than chunked (501).  Returns the status to send, or 0 to go on. */
guint ds_handler_precheck (const DsRequest *req);

/* Decides @req against @site at time @now (seconds since the epoch).  Fills
 * @out_reply (initialised by the caller with ds_reply_init).  Never fails:
 * every outcome is a status. */
void ds_handler_decide (const DsSite *site, const DsRequest *req, gint64 now, DsReply *out_reply);

G_END_DECLS
