/* server.c: the libmicrohttpd daemon; the only file that includes microhttpd.h.
 *
 * Thread per connection (MHD_USE_THREAD_PER_CONNECTION with poll, so fds past
 * 1023 work, and ITC, so finished connections are reaped at once and quiesce
 * works; libmicrohttpd 0.9.75's behaviour is summarised where it matters
 * below), or an epoll pool with --workers.  The callbacks stay thin:
 *   URI log   : allocates the per-request record (raw target, start time);
 *   handler   : first call checks the request head (reqhead.c) and refuses
 *               a malformed one, bad methods, transfer codings and Host at
 *               once (closing is right: a body may follow); later calls drop
 *               any body; the last call copies the request into a DsRequest,
 *               asks handler.c, and queues the reply.  Queueing on the first
 *               call would force Connection: close, so normal replies wait;
 *   completed : writes the 408 for a timed-out partial request, logs, frees.
 * process.c opens what needs privileges (site.c's site, the TLS files, the
 * access log, listener.c's socket) and drops them; the registry of open
 * connections, the watchdog, the drain and the request records are
 * conns.c's; the --watch event streams' waiting is streams.c's; the
 * headers every reply gets are reply.c's. */
#include "config.h"

#include "docserve/server.h"

#include "docserve/accesslog.h"
#include "docserve/common.h"
#include "docserve/conns.h"
#include "docserve/field.h"
#include "docserve/handler.h"
#include "docserve/listener.h"
#include "docserve/process.h"
#include "docserve/reqhead.h"
#include "docserve/streams.h"
#include "docserve/tls.h"

#include <errno.h>
#include <microhttpd.h>
#include <string.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#define THREAD_STACK_SIZE ((size_t) 1024 * 1024) /* ASan's redzones need room */
#else
#define THREAD_STACK_SIZE ((size_t) 256 * 1024)
#endif
typedef struct MHD_Response DsMhdResponse;
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DsMhdResponse, MHD_destroy_response)

struct _DsServer
{
  const DsConf *conf;
  DsProcessResources res; /* site, TLS (or NULL), access log, listener */
  struct MHD_Daemon *daemon;
  DsConns *conns;
  DsReplyCommon common; /* Server, nosniff, --header */
  DsStreams *streams;   /* the open event streams */
};

/* Set when libmicrohttpd reports on this thread that it could not build a
 * reply's header block; its completed callback follows at once. */
static __thread gboolean header_block_failed;

/* Set when an event stream ends because its client left (read_stream):
 * libmicrohttpd's "application error" line that follows on this thread is
 * the normal end of a page's stream, not worth a log line per reload. */
static __thread gboolean stream_client_left;

static void
on_mhd_log (void *cls, const char *fmt, va_list ap)
{
  DsServer *s = cls;
  g_autofree char *msg = g_strdup_vprintf (fmt, ap);

  /* Followed at once by this connection's completed callback: there the
   * client gets the answer libmicrohttpd could not build. */
  if (strstr (msg, "failed to create response header") != NULL)
    header_block_failed = TRUE;
  if (stream_client_left && strstr (msg, "application error generating response") != NULL)
    {
      stream_client_left = FALSE;
      return;
    }
  /* Rate-limited: under a flood these would fill the journal. */
  ds_conns_report (s->conns, msg, g_get_monotonic_time ());
}

/* The identity unescape: url arrives exactly as sent; path.c decodes it
 * strictly (MHD's own decoder turns %2F into '/' and truncates at %00). */
static size_t
keep_raw (void *cls, struct MHD_Connection *c, char *s)
{
  return strlen (s);
}

static DsConn *
conn_ctx (struct MHD_Connection *c)
{
  const union MHD_ConnectionInfo *ci
      = MHD_get_connection_info (c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
  return ci != NULL ? ci->socket_context : NULL;
}

static void *
on_uri (void *cls, const char *uri, struct MHD_Connection *c)
{
  DsConnRequest *r = ds_conns_request_new (uri);

  header_block_failed = FALSE;
  ds_conns_set_busy (((DsServer *) cls)->conns, conn_ctx (c), TRUE);
  return r;
}

static void
on_connection (void *cls, struct MHD_Connection *c, void **socket_ctx,
               enum MHD_ConnectionNotificationCode code)
{
  DsServer *s = cls;

  if (code == MHD_CONNECTION_NOTIFY_STARTED)
    {
      const union MHD_ConnectionInfo *ci
          = MHD_get_connection_info (c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
      const union MHD_ConnectionInfo *fi
          = MHD_get_connection_info (c, MHD_CONNECTION_INFO_CONNECTION_FD);
      *socket_ctx = ds_conns_add (s->conns, ci != NULL ? ci->client_addr : NULL,
                                  fi != NULL ? fi->connect_fd : -1);
    }
  else
    {
      /* CLOSED runs before MHD closes the fd: once removed here, the fd is
       * never touched by a drain or the watchdog again. */
      ds_conns_remove (s->conns, *socket_ctx);
      *socket_ctx = NULL;
    }
}

static enum MHD_Result
count_host (void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
  guint *n = cls;
  if (g_ascii_strcasecmp (key, "Host") == 0)
    (*n)++;
  return MHD_YES;
}

/* The header fields as libmicrohttpd stores them: pointers into its read
 * buffer, in arrival order.  A few dozen fit on the stack. */
#define INLINE_FIELDS 48

typedef struct
{
  DsHeaderField *v;
  guint n;
  guint cap;
  DsHeaderField inline_v[INLINE_FIELDS];
} FieldList;

static enum MHD_Result
add_field (void *cls, enum MHD_ValueKind kind, const char *key, size_t key_size,
           const char *value, size_t value_size)
{
  FieldList *l = cls;

  if (l->n == l->cap)
    {
      l->cap *= 2;
      if (l->v == l->inline_v)
        l->v = g_memdup2 (l->inline_v, sizeof l->inline_v);
      l->v = g_renew (DsHeaderField, l->v, l->cap);
    }
  l->v[l->n++] = (DsHeaderField) { key, key_size, value != NULL ? value : "",
                                   value != NULL ? value_size : 0 };
  return MHD_YES;
}

/* Checks the request head as libmicrohttpd left it in its buffer (see
 * reqhead.h): the head starts at @method and is REQUEST_HEADER_SIZE long. */
static DsHeadVerdict
check_head (struct MHD_Connection *c, const char *url, const char *method,
            const char *version, const DsConnRequest *r)
{
  const union MHD_ConnectionInfo *size =
    MHD_get_connection_info (c, MHD_CONNECTION_INFO_REQUEST_HEADER_SIZE);
  FieldList l;
  l.v = l.inline_v;
  l.n = 0;
  l.cap = INLINE_FIELDS;

  if (size == NULL)
    return DS_HEAD_BAD_LAYOUT;
  MHD_get_connection_values_n (c, MHD_HEADER_KIND, add_field, &l);

  DsRequestHead head = { .block = method, .block_len = size->header_size,
                         .target = url, .target_len = strlen (r->target),
                         .version = version, .fields = l.v, .n_fields = l.n };
  DsHeadVerdict v = ds_reqhead_check (&head);
  if (l.v != l.inline_v)
    g_free (l.v);
  return v;
}

static const char *
header (struct MHD_Connection *c, const char *name)
{
  return MHD_lookup_connection_value (c, MHD_HEADER_KIND, name);
}

/* Keep-alive is possible when the client asked for it: HTTP/1.1 without a
 * "close" token, HTTP/1.0 with "keep-alive" (RFC 9112 §9.3).  The tokens
 * are read as libmicrohttpd reads them: split at commas, SP/HTAB trimmed. */
static gboolean
client_keeps_alive (struct MHD_Connection *c, const char *version)
{
  const char *conn = header (c, "Connection");

  if (ds_field_list_has (conn, "close"))
    return FALSE;
  if (g_strcmp0 (version, MHD_HTTP_VERSION_1_1) == 0)
    return TRUE;
  return ds_field_list_has (conn, "keep-alive");
}

/* Under TLS libmicrohttpd cannot use sendfile() and reads fd bodies 4 KiB at
 * a time; this reader uses blocks of TLS_BLOCK instead.  A file that shrank
 * ends the transfer (never padding, never a loop). */
#define TLS_BLOCK ((size_t) 256 * 1024)

typedef struct
{
  int fd;
  guint64 offset;
  guint64 length;
} FileBody;

static ssize_t
read_file_body (void *cls, uint64_t pos, char *buf, size_t max)
{
  FileBody *b = cls;
  if (pos >= b->length)
    return MHD_CONTENT_READER_END_OF_STREAM;
  size_t want = MIN (max, (size_t) MIN ((guint64) G_MAXSSIZE, b->length - pos));
  for (;;)
    {
      ssize_t n = pread (b->fd, buf, want, (off_t) (b->offset + pos));
      if (n > 0)
        return n;
      if (n < 0 && errno == EINTR)
        continue;
      return MHD_CONTENT_READER_END_WITH_ERROR;
    }
}

static void
free_file_body (void *cls)
{
  FileBody *b = cls;
  ds_fd_cleanup (&b->fd);
  g_free (b);
}

typedef struct
{
  DsMultipart *mp;
  int fd;
} MultipartBody;

static ssize_t
read_multipart (void *cls, uint64_t pos, char *buf, size_t max)
{
  MultipartBody *b = cls;
  gssize n = ds_multipart_read (b->mp, b->fd, pos, buf, max);
  if (n < 0)
    return MHD_CONTENT_READER_END_WITH_ERROR; /* the file shrank: cut, never pad */
  if (n == 0)
    return MHD_CONTENT_READER_END_OF_STREAM;
  return n;
}

static void
free_multipart (void *cls)
{
  MultipartBody *b = cls;
  ds_multipart_free (b->mp);
  ds_fd_cleanup (&b->fd);
  g_free (b);
}

/* ---- stream bodies (the --watch event stream) ---------------------------
 *
 * A DS_BODY_STREAM body has no length: libmicrohttpd sends it chunked (or
 * until the close for HTTP/1.0) and calls read_stream for each piece; the
 * waiting is streams.c's.  Thread per connection, the body waits in the
 * connection's own thread: returning 0 ("nothing yet") instead is not an
 * option, as libmicrohttpd 0.9.75 then polls the socket with a zero
 * timeout in a loop (daemon.c, thread_main_handle_connection, for
 * MHD_EVENT_LOOP_INFO_BLOCK).  Under --workers the connection is suspended
 * instead (MHD_ALLOW_SUSPEND_RESUME, allowed from inside the content
 * reader) and the stream's waker resumes it. */
static void
suspend_conn (gpointer c)
{
  MHD_suspend_connection (c);
}

static void
resume_conn (gpointer c)
{
  MHD_resume_connection (c);
}

static ssize_t
read_stream (void *cls, uint64_t pos, char *buf, size_t max)
{
  gssize n = ds_stream_body_read (cls, buf, max);

  switch (n)
    {
    case DS_STREAM_SUSPENDED:
      return 0;
    case DS_STREAM_END:
      return MHD_CONTENT_READER_END_OF_STREAM;
    case DS_STREAM_CLIENT_LEFT:
      stream_client_left = TRUE; /* see on_mhd_log */
      return MHD_CONTENT_READER_END_WITH_ERROR;
    case DS_STREAM_ERROR:
      return MHD_CONTENT_READER_END_WITH_ERROR;
    default:
      return n;
    }
}

static void
free_stream (void *cls)
{
  ds_stream_body_free (cls);
}

/* The response for a DS_BODY_STREAM @reply (takes its stream), or NULL. */
static struct MHD_Response *
stream_response (DsServer *s, struct MHD_Connection *c, DsReply *reply)
{
  DsStreamBody *b;

  if (s->conf->workers > 0)
    b = ds_stream_body_new_suspending (&reply->stream, suspend_conn, resume_conn, c);
  else
    {
      const union MHD_ConnectionInfo *fi
          = MHD_get_connection_info (c, MHD_CONNECTION_INFO_CONNECTION_FD);
      b = ds_stream_body_new_waiting (&reply->stream, fi != NULL ? fi->connect_fd : -1);
      if (b == NULL)
        return NULL;
    }
  struct MHD_Response *resp
      = MHD_create_response_from_callback (MHD_SIZE_UNKNOWN, 4096, read_stream, b, free_stream);
  if (resp == NULL)
    {
      ds_stream_body_free (b);
      return NULL;
    }
  ds_streams_add (s->streams, b);
  return resp;
}

/* An upper bound of the header block libmicrohttpd will build for @reply:
 * the bytes every reply has (s->common.fixed_bytes: Server, nosniff,
 * --header, Date, Connection or Keep-Alive, Content-Length, the status
 * line's frame), the reason phrase and @reply's own headers. */
static gsize
reply_header_bytes (const DsServer *s, const DsReply *reply)
{
  gsize n = s->common.fixed_bytes + MAX (strlen (MHD_get_reason_phrase_for (reply->status)),
                                        strlen ("Non-Standard Status"));
  for (guint i = 0; i < reply->n_headers; i++)
    n += strlen (reply->headers[i].name) + strlen (reply->headers[i].value) + 4;
  return n;
}

/* Turns @reply into a 431 with Connection: close when its header block
 * would not fit what the request head left of the connection's pool (see
 * ds_conns_reply_fits). */
static void
fit_reply (DsServer *s, struct MHD_Connection *c, DsReply *reply)
{
  const union MHD_ConnectionInfo *hi
      = MHD_get_connection_info (c, MHD_CONNECTION_INFO_REQUEST_HEADER_SIZE);
  gint records = 0;
  gssize cookie_len = -1;

  if (hi != NULL)
    {
      records = MHD_get_connection_values (c, MHD_HEADER_KIND | MHD_GET_ARGUMENT_KIND
                                                  | MHD_COOKIE_KIND, NULL, NULL);
      const char *cookie = NULL;
      size_t len = 0;
      if (MHD_get_connection_values (c, MHD_COOKIE_KIND, NULL, NULL) > 0
          && MHD_lookup_connection_value_n (c, MHD_HEADER_KIND, MHD_HTTP_HEADER_COOKIE,
                                            strlen (MHD_HTTP_HEADER_COOKIE), &cookie, &len)
                 == MHD_YES)
        cookie_len = (gssize) len;
    }
  if (ds_conns_reply_fits (hi != NULL ? hi->header_size : 0, records, cookie_len,
                           reply_header_bytes (s, reply)))
    return;
  ds_reply_clear (reply);
  ds_reply_set_status_page (reply, s->res.site->error_pages, 431);
  reply->close = TRUE;
}

/* Writes the @status reply straight to the client (through the TLS session
 * under HTTPS), for when libmicrohttpd could not build one; the connection
 * is closed afterwards. */
static void
send_raw_status (DsServer *s, struct MHD_Connection *c, guint status)
{
  if (s->res.tls != NULL)
    {
      const union MHD_ConnectionInfo *ti
          = MHD_get_connection_info (c, MHD_CONNECTION_INFO_GNUTLS_SESSION);
      if (ti != NULL)
        {
          g_autofree char *msg = ds_conns_raw_status (status, g_get_real_time () / G_USEC_PER_SEC);
          (void) ds_tls_send (ti->tls_session, msg, strlen (msg));
        }
      return;
    }
  const union MHD_ConnectionInfo *fi
      = MHD_get_connection_info (c, MHD_CONNECTION_INFO_CONNECTION_FD);
  if (fi != NULL)
    ds_conns_send_status (fi->connect_fd, status);
}

/* A file body: sendfile() from the fd, which the response then owns
 * (*out_file_fd borrows it), or under TLS a reader of TLS_BLOCK blocks. */
static struct MHD_Response *
file_response (DsServer *s, DsReply *reply, int *out_file_fd)
{
  struct MHD_Response *resp;

  if (s->res.tls != NULL)
    {
      FileBody *b = g_new0 (FileBody, 1);
      b->fd = g_steal_fd (&reply->fd);
      b->offset = reply->offset;
      b->length = reply->length;
      resp = MHD_create_response_from_callback (reply->length, TLS_BLOCK, read_file_body, b,
                                                free_file_body);
      if (resp == NULL)
        free_file_body (b);
      return resp;
    }
  resp = MHD_create_response_from_fd_at_offset64 (reply->length, reply->fd,
                                                  (uint64_t) reply->offset);
  if (resp != NULL)
    *out_file_fd = g_steal_fd (&reply->fd); /* the response owns it now */
  return resp;
}

static struct MHD_Response *
buffer_response (DsReply *reply)
{
  struct MHD_Response *resp
      = MHD_create_response_from_buffer_with_free_callback (reply->buf_len, reply->buf, g_free);
  if (resp != NULL)
    reply->buf = NULL;
  return resp;
}

static struct MHD_Response *
multipart_response (DsReply *reply)
{
  MultipartBody *b = g_new0 (MultipartBody, 1);
  b->mp = g_steal_pointer (&reply->multipart);
  b->fd = g_steal_fd (&reply->fd);
  struct MHD_Response *resp
      = MHD_create_response_from_callback (reply->length, 64 * 1024, read_multipart, b,
                                           free_multipart);
  if (resp == NULL)
    free_multipart (b);
  return resp;
}

/* The response carrying @reply's body, one case per body kind; it takes
 * what the body owns.  NULL when out of memory. */
static struct MHD_Response *
body_response (DsServer *s, struct MHD_Connection *c, DsReply *reply, int *out_file_fd)
{
  switch (reply->body)
    {
    case DS_BODY_FILE:
      return file_response (s, reply, out_file_fd);
    case DS_BODY_BUFFER:
      return buffer_response (reply);
    case DS_BODY_MULTIPART:
      return multipart_response (reply);
    case DS_BODY_STREAM:
      return stream_response (s, c, reply);
    case DS_BODY_NONE:
    default:
      return MHD_create_response_from_buffer (0, (void *) "", MHD_RESPMEM_PERSISTENT);
    }
}

/* Adds @reply's headers, ours, and the connection's fate: close, or
 * Keep-Alive with the requests left on it. */
static void
add_headers (DsServer *s, struct MHD_Connection *c, const DsConnRequest *r, DsConn *cc,
             const DsReply *reply, struct MHD_Response *resp)
{
  for (guint i = 0; i < reply->n_headers; i++)
    MHD_add_response_header (resp, reply->headers[i].name, reply->headers[i].value);
  MHD_add_response_header (resp, MHD_HTTP_HEADER_SERVER, s->common.server);
  MHD_add_response_header (resp, "X-Content-Type-Options", "nosniff");
  for (guint i = 0; i < s->common.names->len; i++)
    MHD_add_response_header (resp, s->common.names->pdata[i], s->common.values->pdata[i]);

  guint n = cc != NULL ? ++cc->replies : 1;
  gboolean keep = !reply->close && r->seen && client_keeps_alive (c, r->version)
                  && n < s->conf->keepalive_requests && !ds_conns_draining (s->conns);
  if (!keep)
    MHD_add_response_header (resp, MHD_HTTP_HEADER_CONNECTION, "close");
  else
    {
      char ka[64];
      g_snprintf (ka, sizeof ka, "timeout=%u, max=%u", s->conf->timeout,
                  s->conf->keepalive_requests - n);
      MHD_add_response_header (resp, "Keep-Alive", ka);
    }
}

/* Turns @reply into an MHD response and queues it; takes what @reply owns. */
static enum MHD_Result
queue_reply (DsServer *s, struct MHD_Connection *c, DsConnRequest *r, DsReply *reply)
{
  g_autoptr (DsMhdResponse) resp = NULL;
  DsConn *cc = conn_ctx (c);
  int file_fd = -1; /* borrowed from the response */

  fit_reply (s, c, reply);
  ds_reply_load_small_body (reply, g_strcmp0 (r->method, "HEAD") == 0);
  resp = body_response (s, c, reply, &file_fd);
  if (resp == NULL)
    {
      /* Out of memory: a fixed page, then close. */
      ds_reply_clear (reply);
      ds_reply_set_status_page (reply, NULL, 500);
      reply->close = TRUE;
      resp = buffer_response (reply);
      if (resp == NULL)
        return MHD_NO;
    }
  add_headers (s, c, r, cc, reply, resp);
  ds_conns_note_reply (s->conns, cc, r, reply, file_fd);
  enum MHD_Result ret = MHD_queue_response (c, reply->status, resp);
  ds_reply_clear (reply);
  return ret;
}

static void
fill_request (struct MHD_Connection *c, const char *url, DsConnRequest *r, DsRequest *req)
{
  const char *q = strchr (r->target, '?');

  req->method = r->method;
  req->version = r->version;
  req->path = url;
  req->path_len = strlen (url);
  req->query = q != NULL ? q + 1 : NULL;
  req->host_count = 0;
  MHD_get_connection_values (c, MHD_HEADER_KIND, count_host, &req->host_count);
  req->transfer_encoding = header (c, MHD_HTTP_HEADER_TRANSFER_ENCODING);
  req->if_match = header (c, MHD_HTTP_HEADER_IF_MATCH);
  req->if_none_match = header (c, MHD_HTTP_HEADER_IF_NONE_MATCH);
  req->if_modified_since = header (c, MHD_HTTP_HEADER_IF_MODIFIED_SINCE);
  req->if_unmodified_since = header (c, MHD_HTTP_HEADER_IF_UNMODIFIED_SINCE);
  req->if_range = header (c, MHD_HTTP_HEADER_IF_RANGE);
  req->range = header (c, MHD_HTTP_HEADER_RANGE);
  req->accept = header (c, MHD_HTTP_HEADER_ACCEPT);
  req->accept_encoding = header (c, MHD_HTTP_HEADER_ACCEPT_ENCODING);
  req->accept_language = header (c, MHD_HTTP_HEADER_ACCEPT_LANGUAGE);
  req->last_event_id = header (c, "Last-Event-ID");
}

static enum MHD_Result
on_request (void *cls, struct MHD_Connection *c, const char *url, const char *method,
            const char *version, const char *upload_data, size_t *upload_data_size,
            void **req_cls)
{
  DsServer *s = cls;
  DsConnRequest *r = *req_cls;
  DsRequest req = { 0 };
  DsReply reply;

  if (r == NULL) /* cannot happen with the URI-log callback installed */
    {
      r = on_uri (s, url, c);
      *req_cls = r;
    }
  ds_reply_init (&reply);

  if (!r->seen)
    {
      r->seen = TRUE;
      r->method = g_strdup (method);
      r->version = g_strdup (version);
      r->referer = g_strdup (header (c, MHD_HTTP_HEADER_REFERER));
      r->user_agent = g_strdup (header (c, MHD_HTTP_HEADER_USER_AGENT));
      fill_request (c, url, r, &req);
      DsHeadVerdict head = check_head (c, url, method, version, r);
      guint status = head > DS_HEAD_OK_CLOSE ? 400 : ds_handler_precheck (&req);
      if (status == 0 && head == DS_HEAD_OK)
        return MHD_YES; /* wait for the body (if any) to be read */
      if (status == 0) /* answer before a body whose end only a close tells */
        ds_handler_decide (s->res.site, &req, g_get_real_time () / G_USEC_PER_SEC, &reply);
      else
        ds_reply_set_status_page (&reply, s->res.site->error_pages, status);
      reply.close = TRUE;
      return queue_reply (s, c, r, &reply);
    }
  if (*upload_data_size != 0)
    {
      *upload_data_size = 0; /* a body on GET/HEAD/OPTIONS: read and dropped */
      return MHD_YES;
    }
  if (r->replied)
    return MHD_YES;

  fill_request (c, url, r, &req);
  ds_handler_decide (s->res.site, &req, g_get_real_time () / G_USEC_PER_SEC, &reply);
  return queue_reply (s, c, r, &reply);
}

static void
on_completed (void *cls, struct MHD_Connection *c, void **req_cls,
              enum MHD_RequestTerminationCode toe)
{
  DsServer *s = cls;
  DsConnRequest *r = *req_cls;
  DsConn *cc = conn_ctx (c);
  const union MHD_ConnectionInfo *si = MHD_get_connection_info (c, MHD_CONNECTION_INFO_HTTP_STATUS);

  gboolean unsent = header_block_failed;
  header_block_failed = FALSE;
  if (r == NULL)
    return;
  guint status = r->status;
  if (unsent)
    {
      /* No room was left for the reply's header block: nothing of it went
       * out, so a 431 (or MHD's own error status) is written instead. */
      status = !r->replied && si != NULL ? si->http_status : 431;
      send_raw_status (s, c, status);
      r->status = status;
      r->replied = TRUE;
      r->body_bytes = 0;
    }
  if (!r->replied)
    {
      if (si != NULL)
        status = si->http_status; /* one of MHD's own replies (400, 431, ...) */
      else if (toe == MHD_REQUEST_TERMINATED_TIMEOUT_REACHED)
        {
          /* A raw write would corrupt a TLS stream: there, just close. */
          if (s->res.tls == NULL)
            send_raw_status (s, c, 408);
          status = 408;
        }
    }
  if (status != 0)
    ds_conns_request_log (s->res.log, cc, r, status, toe == MHD_REQUEST_TERMINATED_COMPLETED_OK,
                          g_get_real_time ());
  ds_conns_request_free (r);
  *req_cls = NULL;
  ds_conns_set_busy (s->conns, cc, FALSE);
}

static void
server_free (DsServer *s)
{
  ds_process_release (&s->res);
  ds_reply_common_clear (&s->common);
  ds_conns_free (s->conns);
  ds_streams_free (s->streams);
  g_free (s);
}

/* A thread per connection by default (a slow disk stalls one client);
 * --workers N: N epoll threads multiplexing all connections (less memory
 * and fewer thread switches with many connections, but a handler that
 * blocks stalls every connection of its worker). */
static unsigned int
daemon_flags (const DsConf *conf, gboolean tls)
{
  unsigned int flags = conf->workers > 0
                           ? MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ITC | MHD_USE_ERROR_LOG
                           : MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD
                                 | MHD_USE_POLL | MHD_USE_ITC | MHD_USE_ERROR_LOG;
  if (tls)
    flags |= MHD_USE_TLS;
  /* Event streams suspend their connection while they wait (read_stream). */
  if (conf->watch && conf->workers > 0)
    flags |= MHD_ALLOW_SUSPEND_RESUME;
  /* --workers over plain HTTP: MHD_USE_TURBO reads and writes before
   * asking epoll and closes without a shutdown(SHUT_WR) first (fewer
   * system calls per request, bench/RESULTS.md).  Never under TLS, where
   * it would also skip the TLS close_notify. */
  else if (conf->workers > 0)
    flags |= MHD_USE_TURBO;
  return flags;
}

static gboolean
start_daemon (DsServer *s, GError **error)
{
  const DsConf *conf = s->conf;
  /* The TLS options only when serving HTTPS (MHD reads them only then). */
  struct MHD_OptionItem tls_opts[] = {
    { MHD_OPTION_HTTPS_CERT_CALLBACK, 0, ds_tls_callback () },
    { MHD_OPTION_HTTPS_PRIORITIES, 0, conf->tls_priorities },
    { MHD_OPTION_END, 0, NULL },
  };
  struct MHD_OptionItem pool_opts[] = {
    { MHD_OPTION_THREAD_POOL_SIZE, (intptr_t) conf->workers, NULL },
    { MHD_OPTION_END, 0, NULL },
  };
  s->daemon = MHD_start_daemon (
      daemon_flags (conf, s->res.tls != NULL), 0, NULL, NULL, &on_request, s,
      MHD_OPTION_EXTERNAL_LOGGER, &on_mhd_log, s,
      MHD_OPTION_LISTEN_SOCKET, (MHD_socket) s->res.listener.fd,
      MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int) conf->timeout,
      MHD_OPTION_CONNECTION_LIMIT, (unsigned int) conf->max_connections,
      MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned int) conf->max_connections_per_ip,
      MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t) DS_CONNS_POOL_SIZE,
      MHD_OPTION_THREAD_STACK_SIZE, THREAD_STACK_SIZE,
      MHD_OPTION_NOTIFY_CONNECTION, &on_connection, s,
      MHD_OPTION_URI_LOG_CALLBACK, &on_uri, s,
      MHD_OPTION_NOTIFY_COMPLETED, &on_completed, s,
      MHD_OPTION_UNESCAPE_CALLBACK, &keep_raw, NULL,
      MHD_OPTION_ARRAY, s->res.tls != NULL ? tls_opts : &tls_opts[2],
      MHD_OPTION_ARRAY, conf->workers > 0 ? pool_opts : &pool_opts[1],
      MHD_OPTION_END);
  if (s->daemon == NULL)
    {
      g_set_error (error, DS_ERROR, DS_ERROR_RUNTIME,
                   "cannot start the HTTP daemon (see the libmicrohttpd message above)");
      return FALSE;
    }
  return TRUE;
}

DsServer *
ds_server_start (const DsConf *conf, GError **error)
{
  DsServer *s = g_new0 (DsServer, 1);

  s->conf = conf;
  s->streams = ds_streams_new ();
  ds_reply_common_init (&s->common, conf->headers);
  if (!ds_process_acquire (conf, &s->res, error))
    {
      server_free (s);
      return NULL;
    }
  /* The watchdog's request deadline is twice --timeout; under TLS a raw
   * 408 would corrupt the stream, so there a stalled request is just cut. */
  s->conns = ds_conns_new ((gint64) conf->timeout * 2 * G_USEC_PER_SEC, s->res.tls == NULL);
  if (!start_daemon (s, error))
    {
      server_free (s);
      return NULL;
    }
  ds_conns_start_watchdog (s->conns);
  return s;
}

guint
ds_server_get_port (const DsServer *server)
{
  return server->res.listener.port;
}

char *
ds_server_get_url (const DsServer *server)
{
  return ds_listener_url (&server->res.listener, server->res.tls != NULL);
}

void
ds_server_quiesce (DsServer *server)
{
  ds_conns_start_drain (server->conns);
  ds_streams_end_all (server->streams); /* and every later one at once */
  /* The listening fd stays ours (we passed it in); MHD stops polling it. */
  (void) MHD_quiesce_daemon (server->daemon);
  ds_conns_shutdown_idle (server->conns);
}

guint
ds_server_connections (const DsServer *server)
{
  return ds_conns_count (server->conns);
}

gboolean
ds_server_reopen_log (DsServer *server, GError **error)
{
  return ds_accesslog_reopen (server->res.log, error);
}

gboolean
ds_server_reopen_root (DsServer *server, GError **error)
{
  return ds_site_reopen_root (server->res.site, error);
}

gboolean
ds_server_reload_tls (DsServer *server, GError **error)
{
  if (server->res.tls == NULL)
    return TRUE;
  return ds_tls_reload (server->res.tls, g_get_real_time () / G_USEC_PER_SEC, error);
}

void
ds_server_free (DsServer *server)
{
  if (server == NULL)
    return;
  if (server->conns != NULL)
    ds_conns_stop_watchdog (server->conns);
  if (server->daemon != NULL)
    {
      /* Ending the streams wakes them all: libmicrohttpd must not be
       * stopped with a connection suspended (MHD_stop_daemon panics). */
      ds_streams_end_all (server->streams);
      MHD_stop_daemon (server->daemon);
    }
  server_free (server);
}
