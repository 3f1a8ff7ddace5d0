/* reply.h: what the server sends back, without libmicrohttpd types: status,
 * headers, and a body from memory, a file or a multipart/byteranges reader.
 * The handler fills a DsReply; server.c turns it into a response.  Also the
 * status pages (status.c's generated ones, or --error-pages files). */
#pragma once

#include <glib.h>

#include "docserve/range.h"

G_BEGIN_DECLS

/* The methods docserve serves (RFC 9110 §10.2.1 Allow). */
#define DS_ALLOW_VALUE "GET, HEAD, OPTIONS"

typedef enum
{
  DS_BODY_NONE = 0, /* no body, no Content-Length (204) */
  DS_BODY_BUFFER,   /* buf/buf_len */
  DS_BODY_FILE,     /* fd from offset, length bytes (also for 304/HEAD: length
                       becomes Content-Length, nothing is read) */
  DS_BODY_MULTIPART, /* multipart/byteranges: multipart read from fd, length bytes */
  DS_BODY_STREAM     /* stream: made over time, length unknown (an event stream) */
} DsBodyKind;

/* Called by a stream, from any thread and possibly with the stream's own
 * locks held (so it must not call back into the stream), when a read that
 * returned 0 would now return something. */
typedef void (*DsStreamWakeFunc) (gpointer wake_data);

/* A body of unknown length that is produced over time (the --watch event
 * stream).  Its read never waits: the server waits for its waker (in the
 * connection's thread, or with the connection suspended under --workers). */
typedef struct
{
  /* Fills @buf with up to @max bytes and returns how many; 0 when nothing
   * is ready (the waker is then called as soon as something is); -1 when
   * the stream has ended. */
  gssize (*read) (gpointer data, char *buf, gsize max);
  /* Sets the waker (NULL clears it). */
  void (*set_waker) (gpointer data, DsStreamWakeFunc wake, gpointer wake_data);
  /* Ends the stream at once (the shutdown drain): later reads return -1 and
   * the waker is called. */
  void (*cancel) (gpointer data);
  void (*free) (gpointer data);
} DsStreamFuncs;

typedef struct
{
  const DsStreamFuncs *funcs; /* NULL: none */
  gpointer data;              /* owned through funcs->free */
} DsStream;

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
  DsStream stream;        /* owned, DS_BODY_STREAM */
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
 * page for @status in @error_pages (from ds_reply_load_error_pages; may be
 * NULL) if there is one, else the generated one.  Adds Allow to a 405 and
 * sets close on 400/501/503. */
void ds_reply_set_status_page (DsReply *reply, GHashTable *error_pages, guint status);

/* Reads DIR/<code>.html for every 4xx and 5xx code docserve sends; missing
 * files are skipped.  Returns a table status (GUINT_TO_POINTER) -> GBytes
 * (caller unrefs), or NULL with DS_ERROR_RUNTIME if DIR cannot be read or a
 * page is over 1 MiB. */
GHashTable *ds_reply_load_error_pages (const char *dir, GError **error);

/* File bodies up to this size are sent from memory. */
#define DS_REPLY_SMALL_BODY ((guint64) 64 * 1024)

/* Turns a DS_BODY_FILE @reply of at most DS_REPLY_SMALL_BODY bytes into a
 * DS_BODY_BUFFER one (closing its fd), unless it sends no body (304, or
 * @head: a HEAD request) or the file is now shorter: then @reply is left
 * as it was. */
void ds_reply_load_small_body (DsReply *reply, gboolean head);

/* The headers every reply gets besides its own: Server, nosniff and the
 * --header ones, split once at start-up. */
typedef struct
{
  char *server;      /* "docserve/VERSION" */
  GPtrArray *names;  /* of --header's fields (char *) */
  GPtrArray *values; /* their values, in the same order */
  gsize fixed_bytes; /* an upper bound of what every reply's header block
                        has besides its reason phrase and its own headers */
} DsReplyCommon;

/* Fills @common from DsConf.headers @headers (NULL-terminated, may be
 * NULL).  Free with ds_reply_common_clear. */
void ds_reply_common_init (DsReplyCommon *common, char *const *headers);

/* Frees what @common owns; a zeroed or cleared @common is fine. */
void ds_reply_common_clear (DsReplyCommon *common);

G_END_DECLS
