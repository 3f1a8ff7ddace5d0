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
 * The listening socket comes from listener.c, the pid file and the user
 * switch from process.c, what is served from site.c. */
#include "config.h"

#include "docserve/server.h"

#include "docserve/accesslog.h"
#include "docserve/common.h"
#include "docserve/field.h"
#include "docserve/handler.h"
#include "docserve/httpdate.h"
#include "docserve/listener.h"
#include "docserve/process.h"
#include "docserve/reqhead.h"
#include "docserve/status.h"
#include "docserve/tls.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#ifdef HAVE_MALLOC_TRIM
#include <malloc.h>
#endif
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#define THREAD_STACK_SIZE ((size_t) 1024 * 1024) /* ASan's redzones need room */
#else
#define THREAD_STACK_SIZE ((size_t) 256 * 1024)
#endif
/* Request line, headers and reply headers share this per-connection pool
 * (how it fills: see pool_room).  32 KiB because:
 *  - it is the largest pool MHD malloc()s instead of mmap()ing: no
 *    mmap/munmap (and TLB shootdown) per connection, about 2x the
 *    Connection: close throughput of 64 KiB;
 *  - it is the smallest that serves what nginx serves by default, any
 *    header line up to 8 KiB, for the line that matters, Cookie: the pool
 *    holds a Cookie header twice plus 64 bytes per cookie, so with a
 *    Chrome-like request (760 bytes of other headers) and 40-byte cookies
 *    32 KiB serves a Cookie line of 8,401 bytes, 24 KiB 6,201, 16 KiB 3,941;
 *  - every 8 KiB less would save 8 KiB per idle connection (measured 56.4,
 *    48.4 and 40.5 KiB for 32, 24 and 16; bench/RESULTS.md).
 * A head too big for it gets 431, never a close without an answer. */
#define MEMORY_LIMIT ((size_t) 32 * 1024)
/* malloc_trim once the connections fall to a quarter of a peak this high. */
#define TRIM_AFTER_CONNECTIONS 64
/* glibc gives the free top of a heap back to the kernel on free() once it
 * exceeds the trim threshold (128 KiB by default), and the next
 * connections fault those pages in again: with Connection: close, 0.5
 * (thread per connection) to 1.1 (--workers 2) page faults per request.
 * The watchdog's malloc_trim (0) gives memory back after a burst instead.
 * Setting the trim threshold also freezes glibc's mmap threshold at
 * 128 KiB, which would mmap every 256 KiB TLS read block (67 page faults
 * per HTTPS download): that one is set to 1 MiB. */
#define MALLOC_TRIM_THRESHOLD (64 * 1024 * 1024)
#define MALLOC_MMAP_THRESHOLD (1024 * 1024)

typedef struct MHD_Response DsMhdResponse;
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DsMhdResponse, MHD_destroy_response)

struct _DsServer
{
  const DsConf *conf;
  DsAccessLog *log;
  DsSite *site;
  DsListener listener;
  struct MHD_Daemon *daemon;
  gint connections; /* atomic: open connections */
  gint draining;    /* atomic: after quiesce, every reply closes */
  char *server_header;
  GMutex conns_lock;
  GHashTable *conns; /* ConnCtx set, under conns_lock */
  GPtrArray *extra_names;  /* --header, split once at start-up */
  GPtrArray *extra_values;
  gboolean pid_file_written;
  guint conns_peak; /* most connections since the last trim; under conns_lock */
  GThread *watchdog;
  GMutex watchdog_lock;
  GCond watchdog_cond;
  gboolean watchdog_stop; /* under watchdog_lock */
  gint64 header_deadline_us;
  gint shrunk_reported; /* atomic */
  DsTls *tls;           /* HTTPS, or NULL */
  gsize reply_fixed_bytes; /* of every reply's header block (fit_reply) */
};

/* Per connection: peer address, replies so far, and what the watchdog and a
 * drain need: whether a request is under way, since when the connection has
 * been waiting for request headers, and the file body being sent. */
typedef struct
{
  char addr[INET6_ADDRSTRLEN];
  guint port;
  guint replies;
  int fd;
  /* Under conns_lock: */
  gboolean busy;          /* a request line arrived, not yet completed */
  gboolean replied;       /* a reply to the current request is queued */
  gint64 phase_start_us;  /* monotonic: connection start or last completion */
  int body_fd;            /* fd of the file body being sent, or -1 */
  guint64 body_end;       /* offset + length of that body */
  gboolean cut;           /* the watchdog shut the connection down */
} ConnCtx;

/* Per request: lives from the URI-log callback to the completed callback. */
typedef struct
{
  char *target;
  gint64 start_us;
  char *method;
  char *version;
  char *referer;
  char *user_agent;
  gboolean seen;    /* the handler's first call happened */
  gboolean replied; /* we queued a reply */
  guint status;
  guint64 body_bytes;
  const char *encoding; /* static */
  char target_buf[];    /* what target points to: one allocation */
} ReqCtx;

static void
req_ctx_free (ReqCtx *r)
{
  if (r == NULL)
    return;
  g_free (r->method);
  g_free (r->version);
  g_free (r->referer);
  g_free (r->user_agent);
  g_free (r);
}

/* Set when libmicrohttpd reports on this thread that it could not build a
 * reply's header block; its completed callback follows at once. */
static __thread gboolean header_block_failed;

/* libmicrohttpd reports per-connection events (a client that hung up, a
 * refused connection over a limit) as errors.  Under a flood they would fill
 * the journal, so at most LOG_BURST of them are printed per minute, then one
 * line saying how many were dropped. */
#define LOG_BURST 20

static void
on_mhd_log (void *cls, const char *fmt, va_list ap)
{
  static GMutex lock;
  static gint64 window_start;
  static guint printed, dropped;
  gint64 now = g_get_monotonic_time ();
  guint report_dropped = 0;

  g_autofree char *msg = g_strdup_vprintf (fmt, ap);
  /* Followed at once by this connection's completed callback: there the
   * client gets the answer libmicrohttpd could not build. */
  if (strstr (msg, "failed to create response header") != NULL)
    header_block_failed = TRUE;

  g_mutex_lock (&lock);
  if (now - window_start > 60 * G_USEC_PER_SEC)
    {
      report_dropped = dropped;
      window_start = now;
      printed = dropped = 0;
    }
  gboolean print = printed < LOG_BURST;
  if (print)
    printed++;
  else
    dropped++;
  g_mutex_unlock (&lock);

  if (report_dropped > 0)
    fprintf (stderr, "docserve: libmicrohttpd: %u more messages dropped in the last minute\n",
             report_dropped);
  if (!print)
    return;
  g_strchomp (msg);
  fprintf (stderr, "docserve: libmicrohttpd: %s\n", msg);
}

/* The identity unescape: url arrives exactly as sent; path.c decodes it
 * strictly (MHD's own decoder turns %2F into '/' and truncates at %00). */
static size_t
keep_raw (void *cls, struct MHD_Connection *c, char *s)
{
  return strlen (s);
}

static ConnCtx *
conn_ctx (struct MHD_Connection *c)
{
  const union MHD_ConnectionInfo *ci
      = MHD_get_connection_info (c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
  return ci != NULL ? ci->socket_context : NULL;
}

static void
set_busy (DsServer *s, struct MHD_Connection *c, gboolean busy)
{
  ConnCtx *cc = conn_ctx (c);
  if (cc == NULL)
    return;
  g_mutex_lock (&s->conns_lock);
  cc->busy = busy;
  if (!busy)
    {
      /* The request is over: a new request phase starts, no body is sent. */
      cc->replied = FALSE;
      cc->phase_start_us = g_get_monotonic_time ();
      cc->body_fd = -1;
    }
  g_mutex_unlock (&s->conns_lock);
}

/* A reply is queued; @fd >= 0 is the file body being sent up to @end. */
static void
set_replied (DsServer *s, ConnCtx *cc, int fd, guint64 end)
{
  if (cc == NULL)
    return;
  g_mutex_lock (&s->conns_lock);
  cc->replied = TRUE;
  cc->body_fd = fd;
  cc->body_end = end;
  g_mutex_unlock (&s->conns_lock);
}

static void *
on_uri (void *cls, const char *uri, struct MHD_Connection *c)
{
  gsize len = strlen (uri);
  ReqCtx *r = g_malloc0 (sizeof (ReqCtx) + len + 1);
  header_block_failed = FALSE;
  r->target = memcpy (r->target_buf, uri, len + 1);
  r->start_us = g_get_real_time ();
  set_busy (cls, c, TRUE);
  return r;
}

static void
on_connection (void *cls, struct MHD_Connection *c, void **socket_ctx,
               enum MHD_ConnectionNotificationCode code)
{
  DsServer *s = cls;

  if (code == MHD_CONNECTION_NOTIFY_STARTED)
    {
      ConnCtx *cc = g_new0 (ConnCtx, 1);
      const union MHD_ConnectionInfo *ci
          = MHD_get_connection_info (c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
      char port[16] = "";

      g_strlcpy (cc->addr, "-", sizeof cc->addr);
      if (ci != NULL && ci->client_addr != NULL)
        {
          socklen_t len = ci->client_addr->sa_family == AF_INET6 ? sizeof (struct sockaddr_in6)
                                                                 : sizeof (struct sockaddr_in);
          if (getnameinfo (ci->client_addr, len, cc->addr, sizeof cc->addr, port, sizeof port,
                           NI_NUMERICHOST | NI_NUMERICSERV)
              == 0)
            cc->port = (guint) g_ascii_strtoull (port, NULL, 10);
          if (g_str_has_prefix (cc->addr, "::ffff:") && strchr (cc->addr, '.') != NULL)
            memmove (cc->addr, cc->addr + 7, strlen (cc->addr + 7) + 1);
        }
      const union MHD_ConnectionInfo *fi
          = MHD_get_connection_info (c, MHD_CONNECTION_INFO_CONNECTION_FD);
      cc->fd = fi != NULL ? fi->connect_fd : -1;
      cc->body_fd = -1;
      cc->phase_start_us = g_get_monotonic_time ();
      *socket_ctx = cc;
      g_mutex_lock (&s->conns_lock);
      g_hash_table_add (s->conns, cc);
      s->conns_peak = MAX (s->conns_peak, g_hash_table_size (s->conns));
      g_mutex_unlock (&s->conns_lock);
      g_atomic_int_inc (&s->connections);
    }
  else
    {
      /* CLOSED runs before MHD closes the fd: once removed here, the fd is
       * never touched by a drain again. */
      g_mutex_lock (&s->conns_lock);
      g_hash_table_remove (s->conns, *socket_ctx);
      g_mutex_unlock (&s->conns_lock);
      g_free (*socket_ctx);
      *socket_ctx = NULL;
      g_atomic_int_dec_and_test (&s->connections);
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
            const char *version, const ReqCtx *r)
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
/* Bodies up to this size are sent from memory (see queue_reply). */
#define SMALL_BODY ((guint64) 64 * 1024)

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

/* ---- request heads near the size of the connection's pool --------------
 *
 * libmicrohttpd 0.9.75 keeps the request head and the reply's header block
 * in one pool of MEMORY_LIMIT bytes per connection (its connection.c and
 * memorypool.c):
 *  - the request line and header lines stay in the read buffer, at the start
 *    of the pool, with any bytes of a pipelined next request read with them;
 *  - every header, query argument and cookie gets a 56-byte record from the
 *    end of the pool, 64 with the pool's 16-byte rounding; the cookie parser
 *    first copies the whole Cookie header there;
 *  - the reply's header block (status line, Date, ours, Content-Length) is
 *    written into what is left.
 * A head that fills the pool gets libmicrohttpd's 431.  One that fits, but
 * leaves less room than the reply's header block needs, used to be closed
 * without any answer ("failed to create response header"): up to about
 * 300 bytes below the limit for one long line, and already at about 9 KiB
 * for a Cookie header of 40-byte pairs, which costs 3.6 times its size.
 * Now fit_reply() turns such a reply into a 431 beforehand, and if a
 * header block still cannot be built (a 431 that does not fit either,
 * pipelined bytes, libmicrohttpd's own error replies, which 0.9.75 builds
 * twice), on_completed() writes the 431 itself. */

/* Pool bytes the request head takes, rounded as the pool rounds. */
#define POOL_ROUND(n) (((gsize) (n) + 15) / 16 * 16)
#define POOL_RECORD ((gsize) 64)
/* Kept free for bytes of a pipelined next request read with the head:
 * near the limit the read buffer grows 128 bytes at a time. */
#define POOL_PIPELINED ((gsize) 256)

/* Bytes left in the connection's pool for the reply's header block, after
 * the request head, its header/argument/cookie records and the cookie copy
 * (not counting bytes of a pipelined request). */
static gsize
pool_room (struct MHD_Connection *c)
{
  const union MHD_ConnectionInfo *hi
      = MHD_get_connection_info (c, MHD_CONNECTION_INFO_REQUEST_HEADER_SIZE);
  if (hi == NULL)
    return MEMORY_LIMIT;
  gsize used = POOL_ROUND (hi->header_size);
  int records = MHD_get_connection_values (c, MHD_HEADER_KIND | MHD_GET_ARGUMENT_KIND | MHD_COOKIE_KIND,
                                           NULL, NULL);
  used += POOL_RECORD * (gsize) MAX (records, 0);
  if (MHD_get_connection_values (c, MHD_COOKIE_KIND, NULL, NULL) > 0)
    {
      const char *cookie = NULL;
      size_t cookie_len = 0;
      if (MHD_lookup_connection_value_n (c, MHD_HEADER_KIND, MHD_HTTP_HEADER_COOKIE,
                                         strlen (MHD_HTTP_HEADER_COOKIE), &cookie, &cookie_len)
          == MHD_YES)
        used += POOL_ROUND (cookie_len + 1);
    }
  return used < MEMORY_LIMIT ? MEMORY_LIMIT - used : 0;
}

/* An upper bound of the header block libmicrohttpd will build for @reply:
 * the bytes every reply has (s->reply_fixed_bytes: Server, nosniff,
 * --header, Date, Connection or Keep-Alive, Content-Length, the status
 * line's frame), the reason phrase and @reply's own headers. */
static gsize
reply_header_bytes (const DsServer *s, const DsReply *reply)
{
  gsize n = s->reply_fixed_bytes + MAX (strlen (MHD_get_reason_phrase_for (reply->status)),
                                        strlen ("Non-Standard Status"));
  for (guint i = 0; i < reply->n_headers; i++)
    n += strlen (reply->headers[i].name) + strlen (reply->headers[i].value) + 4;
  return n;
}

/* Turns @reply into a 431 with Connection: close when its header block
 * would not fit what the request head left of the pool. */
static void
fit_reply (DsServer *s, struct MHD_Connection *c, DsReply *reply)
{
  if (reply_header_bytes (s, reply) + POOL_PIPELINED <= pool_room (c))
    return;
  ds_reply_clear (reply);
  ds_reply_set_status_page (reply, s->site->error_pages, 431);
  reply->close = TRUE;
}

/* A complete @status reply with Connection: close, for writing straight
 * to a client outside libmicrohttpd.  Caller frees. */
static char *
raw_status_reply (guint status)
{
  char date[DS_HTTPDATE_LEN];
  gsize page_len = 0;
  g_autofree char *page = ds_status_page (status, &page_len);

  ds_httpdate_format (g_get_real_time () / G_USEC_PER_SEC, date);
  return g_strdup_printf ("HTTP/1.1 %u %s\r\nDate: %s\r\nConnection: close\r\n"
                          "Content-Type: text/html; charset=utf-8\r\nContent-Length: %" G_GSIZE_FORMAT
                          "\r\nX-Content-Type-Options: nosniff\r\n\r\n%s",
                          status, ds_status_reason (status), date, page_len, page);
}

/* Writes the @status reply to plain-HTTP socket @fd, without blocking. */
static void
send_status_fd (int fd, guint status)
{
  g_autofree char *msg = raw_status_reply (status);
  (void) send (fd, msg, strlen (msg), MSG_NOSIGNAL | MSG_DONTWAIT);
}

/* Writes the @status reply straight to the client (through the TLS session
 * under HTTPS), for when libmicrohttpd could not build one; the connection
 * is closed afterwards. */
static void
send_raw_status (DsServer *s, struct MHD_Connection *c, guint status)
{
  if (s->tls != NULL)
    {
      const union MHD_ConnectionInfo *ti
          = MHD_get_connection_info (c, MHD_CONNECTION_INFO_GNUTLS_SESSION);
      if (ti != NULL)
        {
          g_autofree char *msg = raw_status_reply (status);
          (void) ds_tls_send (ti->tls_session, msg, strlen (msg));
        }
      return;
    }
  const union MHD_ConnectionInfo *fi
      = MHD_get_connection_info (c, MHD_CONNECTION_INFO_CONNECTION_FD);
  if (fi != NULL)
    send_status_fd (fi->connect_fd, status);
}

/* Turns @reply into an MHD response and queues it; takes what @reply owns. */
static enum MHD_Result
queue_reply (DsServer *s, struct MHD_Connection *c, ReqCtx *r, DsReply *reply)
{
  g_autoptr (DsMhdResponse) resp = NULL;
  ConnCtx *cc = conn_ctx (c);
  int file_fd = -1; /* borrowed from the response */

  fit_reply (s, c, reply);
  /* Small bodies are read into memory: libmicrohttpd then sends the header
   * block and the body in one send() instead of a send() and a sendfile(),
   * and the file is closed at once.  A short read means the file shrank
   * since fstat(): leave it to the fd path (and the watchdog). */
  if (reply->body == DS_BODY_FILE && reply->length <= SMALL_BODY && reply->status != 304
      && g_strcmp0 (r->method, "HEAD") != 0)
    {
      char *buf = g_malloc (reply->length > 0 ? reply->length : 1);
      ssize_t n;
      do
        n = pread (reply->fd, buf, reply->length, (off_t) reply->offset);
      while (n < 0 && errno == EINTR);
      if (n >= 0 && (guint64) n == reply->length)
        {
          ds_fd_cleanup (&reply->fd);
          reply->body = DS_BODY_BUFFER;
          reply->buf = buf;
          reply->buf_len = (gsize) n;
        }
      else
        g_free (buf);
    }

  switch (reply->body)
    {
    case DS_BODY_FILE:
      if (s->tls != NULL)
        {
          FileBody *b = g_new0 (FileBody, 1);
          b->fd = g_steal_fd (&reply->fd);
          b->offset = reply->offset;
          b->length = reply->length;
          resp = MHD_create_response_from_callback (reply->length, TLS_BLOCK, read_file_body, b,
                                                    free_file_body);
          if (resp == NULL)
            free_file_body (b);
          break;
        }
      resp = MHD_create_response_from_fd_at_offset64 (reply->length, reply->fd,
                                                      (uint64_t) reply->offset);
      if (resp != NULL)
        file_fd = g_steal_fd (&reply->fd); /* the response owns it now */
      break;
    case DS_BODY_BUFFER:
      resp = MHD_create_response_from_buffer_with_free_callback (reply->buf_len, reply->buf,
                                                                 g_free);
      if (resp != NULL)
        reply->buf = NULL;
      break;
    case DS_BODY_MULTIPART:
      {
        MultipartBody *b = g_new0 (MultipartBody, 1);
        b->mp = g_steal_pointer (&reply->multipart);
        b->fd = g_steal_fd (&reply->fd);
        resp = MHD_create_response_from_callback (reply->length, 64 * 1024, read_multipart, b,
                                                  free_multipart);
        if (resp == NULL)
          free_multipart (b);
      }
      break;
    case DS_BODY_NONE:
    default:
      resp = MHD_create_response_from_buffer (0, (void *) "", MHD_RESPMEM_PERSISTENT);
      break;
    }
  if (resp == NULL)
    {
      /* Out of memory: a fixed page, then close. */
      ds_reply_clear (reply);
      ds_reply_set_status_page (reply, NULL, 500);
      reply->close = TRUE;
      resp = MHD_create_response_from_buffer_with_free_callback (reply->buf_len, reply->buf,
                                                                 g_free);
      if (resp == NULL)
        return MHD_NO;
      reply->buf = NULL;
    }

  for (guint i = 0; i < reply->n_headers; i++)
    MHD_add_response_header (resp, reply->headers[i].name, reply->headers[i].value);
  MHD_add_response_header (resp, MHD_HTTP_HEADER_SERVER, s->server_header);
  MHD_add_response_header (resp, "X-Content-Type-Options", "nosniff");
  for (guint i = 0; i < s->extra_names->len; i++)
    MHD_add_response_header (resp, s->extra_names->pdata[i], s->extra_values->pdata[i]);

  guint n = cc != NULL ? ++cc->replies : 1;
  gboolean keep = !reply->close && r->seen && client_keeps_alive (c, r->version)
                  && n < s->conf->keepalive_requests && !g_atomic_int_get (&s->draining);
  if (!keep)
    MHD_add_response_header (resp, MHD_HTTP_HEADER_CONNECTION, "close");
  else
    {
      char ka[64];
      g_snprintf (ka, sizeof ka, "timeout=%u, max=%u", s->conf->timeout,
                  s->conf->keepalive_requests - n);
      MHD_add_response_header (resp, "Keep-Alive", ka);
    }

  /* The watchdog checks that a sendfile() body does not shrink under us. */
  if (file_fd >= 0 && reply->status != 304 && g_strcmp0 (r->method, "HEAD") != 0)
    set_replied (s, cc, file_fd, reply->offset + reply->length);
  else
    set_replied (s, cc, -1, 0);
  r->replied = TRUE;
  r->status = reply->status;
  gboolean bodyless = reply->status == 304 || reply->status == 204
                      || g_strcmp0 (r->method, "HEAD") == 0;
  r->body_bytes = bodyless                          ? 0
                  : reply->body == DS_BODY_BUFFER ? reply->buf_len
                  : reply->body == DS_BODY_NONE   ? 0
                                                  : reply->length;
  r->encoding = reply->encoding;
  enum MHD_Result ret = MHD_queue_response (c, reply->status, resp);
  ds_reply_clear (reply);
  return ret;
}

static void
fill_request (struct MHD_Connection *c, const char *url, ReqCtx *r, DsRequest *req)
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
}

static enum MHD_Result
on_request (void *cls, struct MHD_Connection *c, const char *url, const char *method,
            const char *version, const char *upload_data, size_t *upload_data_size,
            void **req_cls)
{
  DsServer *s = cls;
  ReqCtx *r = *req_cls;
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
        ds_handler_decide (s->site, &req, g_get_real_time () / G_USEC_PER_SEC, &reply);
      else
        ds_reply_set_status_page (&reply, s->site->error_pages, status);
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
  ds_handler_decide (s->site, &req, g_get_real_time () / G_USEC_PER_SEC, &reply);
  return queue_reply (s, c, r, &reply);
}

/* The local UTC offset at @t, for log lines; looked up once a minute per
 * thread (the offset changes at most at a DST switch, on a minute edge). */
static int
utc_offset (gint64 t)
{
  static __thread gint64 cached_minute = G_MININT64;
  static __thread int cached_offset;
  gint64 minute = t / 60;

  if (minute != cached_minute)
    {
      struct tm tm;
      time_t tt = (time_t) t;
      cached_offset = localtime_r (&tt, &tm) != NULL ? (int) tm.tm_gmtoff : 0;
      cached_minute = minute;
    }
  return cached_offset;
}

static void
on_completed (void *cls, struct MHD_Connection *c, void **req_cls,
              enum MHD_RequestTerminationCode toe)
{
  DsServer *s = cls;
  ReqCtx *r = *req_cls;
  ConnCtx *cc = conn_ctx (c);
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
          if (s->tls == NULL)
            send_raw_status (s, c, 408);
          status = 408;
        }
    }
  if (status != 0)
    {
      DsLogRecord rec = {
        .client_addr = cc != NULL ? cc->addr : "-",
        .client_port = cc != NULL ? cc->port : 0,
        .time_us = r->start_us,
        .utc_offset_s = utc_offset (r->start_us / G_USEC_PER_SEC),
        .method = r->method,
        .target = r->target,
        .version = r->version,
        .status = status,
        /* Bytes of the body handed to the client; a transfer cut short is
         * logged as 0 because MHD 0.9.75 does not report what was sent. */
        .bytes = toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? r->body_bytes : 0,
        .referer = r->referer,
        .user_agent = r->user_agent,
        .duration_us = g_get_real_time () - r->start_us,
        .encoding = r->encoding,
      };
      ds_accesslog_write (s->log, &rec);
    }
  req_ctx_free (r);
  *req_cls = NULL;
  set_busy (s, c, FALSE);
}

/* The watchdog: twice a second, under conns_lock,
 *  - a connection sending a file body whose file has shrunk below the end of
 *    the span being sent is shut down: libmicrohttpd's sendfile loop would
 *    otherwise spin a CPU forever on it (DESIGN.md, Reliability), and the
 *    client gets a short body and a close, never padding;
 *  - a connection that has been receiving a request (headers or a body we
 *    discard) for longer than the request deadline (twice --timeout) without
 *    a reply is shut down, with a 408 if a request line came: a client
 *    trickling one byte per timeout period would otherwise hold its thread
 *    for ever (slowloris, slow body).
 * shutdown(2) wakes the connection's thread, which then closes it; the fd
 * itself stays MHD's, and is only touched while registered here. */
static void
watchdog_check (DsServer *s)
{
  GHashTableIter it;
  gpointer key;
  gint64 now = g_get_monotonic_time ();

  g_mutex_lock (&s->conns_lock);
  g_hash_table_iter_init (&it, s->conns);
  while (g_hash_table_iter_next (&it, &key, NULL))
    {
      ConnCtx *cc = key;
      struct stat st;

      if (cc->cut || cc->fd < 0)
        continue;
      if (cc->body_fd >= 0)
        {
          if (fstat (cc->body_fd, &st) == 0 && (guint64) st.st_size < cc->body_end)
            {
              cc->cut = TRUE;
              (void) shutdown (cc->fd, SHUT_RDWR);
              if (g_atomic_int_compare_and_exchange (&s->shrunk_reported, 0, 1))
                fprintf (stderr, "docserve: a file shrank while it was being sent; "
                                 "transfer cut (reported once)\n");
            }
        }
      else if (!cc->replied && now - cc->phase_start_us > s->header_deadline_us)
        {
          cc->cut = TRUE;
          if (cc->busy && s->tls == NULL)
            send_status_fd (cc->fd, 408);
          (void) shutdown (cc->fd, SHUT_RDWR);
        }
    }
  /* After a burst (many connections, most of them gone now), give the
   * freed connection memory back: glibc keeps it in its arenas otherwise,
   * and the RSS of a quiet server stays at its peak. */
  guint n = g_hash_table_size (s->conns);
  gboolean trim = s->conns_peak >= TRIM_AFTER_CONNECTIONS && n <= s->conns_peak / 4;
  if (trim)
    s->conns_peak = n;
  g_mutex_unlock (&s->conns_lock);
#ifdef HAVE_MALLOC_TRIM
  if (trim)
    malloc_trim (0);
#endif
}

static gpointer
watchdog_main (gpointer data)
{
  DsServer *s = data;

  g_mutex_lock (&s->watchdog_lock);
  while (!s->watchdog_stop)
    {
      gint64 until = g_get_monotonic_time () + G_USEC_PER_SEC / 2;
      if (g_cond_wait_until (&s->watchdog_cond, &s->watchdog_lock, until))
        continue; /* woken: re-check the stop flag */
      g_mutex_unlock (&s->watchdog_lock);
      watchdog_check (s);
      g_mutex_lock (&s->watchdog_lock);
    }
  g_mutex_unlock (&s->watchdog_lock);
  return NULL;
}

static void
server_free (DsServer *s)
{
  if (s->pid_file_written)
    (void) unlink (s->conf->pid_file); /* best effort: we may have dropped privileges */
  ds_listener_close (&s->listener);
  ds_site_free (s->site);
  if (s->log != NULL)
    ds_accesslog_free (s->log);
  g_free (s->server_header);
  g_hash_table_unref (s->conns);
  g_mutex_clear (&s->conns_lock);
  g_mutex_clear (&s->watchdog_lock);
  g_cond_clear (&s->watchdog_cond);
  if (s->tls != NULL)
    ds_tls_free (s->tls);
  g_ptr_array_unref (s->extra_names);
  g_ptr_array_unref (s->extra_values);
  g_free (s);
}

DsServer *
ds_server_start (const DsConf *conf, GError **error)
{
  DsServer *s = g_new0 (DsServer, 1);

  s->conf = conf;
  s->listener.fd = -1;
  g_mutex_init (&s->conns_lock);
  g_mutex_init (&s->watchdog_lock);
  g_cond_init (&s->watchdog_cond);
  s->conns = g_hash_table_new (NULL, NULL);
  s->extra_names = g_ptr_array_new_with_free_func (g_free);
  s->extra_values = g_ptr_array_new_with_free_func (g_free);
  for (char **h = conf->headers; h != NULL && *h != NULL; h++)
    {
      char *name = NULL, *value = NULL;
      ds_conf_header_split (*h, &name, &value);
      g_ptr_array_add (s->extra_names, name);
      g_ptr_array_add (s->extra_values, value);
    }
  s->server_header = g_strdup (PACKAGE_NAME "/" PACKAGE_VERSION);
  /* What every reply's header block has besides the reason phrase and the
   * reply's own headers: "HTTP/1.1 200 " and CRLF, Date (37 and 1 that MHD
   * wants free), Connection: close or our Keep-Alive plus MHD's
   * "Connection: Keep-Alive" for HTTP/1.0 (80 at most), Content-Length
   * (38 at most), the blank line, Server, nosniff and --header. */
  s->reply_fixed_bytes = 15 + 38 + 80 + 38 + 2 + strlen ("Server: \r\n") + strlen (s->server_header)
                         + strlen ("X-Content-Type-Options: nosniff\r\n");
  for (guint i = 0; i < s->extra_names->len; i++)
    s->reply_fixed_bytes += strlen (s->extra_names->pdata[i]) + strlen (s->extra_values->pdata[i]) + 4;
  s->site = ds_site_open (conf, error);
  if (s->site == NULL)
    {
      server_free (s);
      return NULL;
    }
  if (conf->tls_cert != NULL)
    {
      /* Read now, before privileges are dropped. */
      s->tls = ds_tls_load (conf->tls_cert, conf->tls_key, g_get_real_time () / G_USEC_PER_SEC,
                            error);
      if (s->tls == NULL)
        {
          server_free (s);
          return NULL;
        }
      ds_tls_activate (s->tls);
    }
  s->log = ds_accesslog_open (conf->access_log, (DsLogFormat) conf->log_format, error);
  if (s->log == NULL)
    {
      server_free (s);
      return NULL;
    }
  ds_accesslog_set_buffer (s->log, (gsize) conf->access_log_buffer_kib * 1024);
  ds_listener_raise_nofile (conf->max_connections);
  if (!ds_listener_open (conf, &s->listener, error))
    {
      server_free (s);
      return NULL;
    }
  /* Everything that needs privileges is open: root, log, socket. */
  if (conf->pid_file != NULL)
    {
      if (!ds_process_write_pid_file (conf->pid_file, error))
        {
          server_free (s);
          return NULL;
        }
      s->pid_file_written = TRUE;
    }
  if (conf->user != NULL && !ds_process_drop_privileges (conf->user, conf->group, error))
    {
      server_free (s);
      return NULL;
    }

  /* A thread per connection by default (a slow disk stalls one client);
   * --workers N: N epoll threads multiplexing all connections (less memory
   * and fewer thread switches with many connections, but a handler that
   * blocks stalls every connection of its worker). */
  unsigned int flags = conf->workers > 0
                           ? MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ITC | MHD_USE_ERROR_LOG
                           : MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD
                                 | MHD_USE_POLL | MHD_USE_ITC | MHD_USE_ERROR_LOG;
  /* The TLS options only when serving HTTPS (MHD reads them only then). */
  struct MHD_OptionItem tls_opts[] = {
    { MHD_OPTION_HTTPS_CERT_CALLBACK, 0, ds_tls_callback () },
    { MHD_OPTION_HTTPS_PRIORITIES, 0, conf->tls_priorities },
    { MHD_OPTION_END, 0, NULL },
  };
  if (s->tls != NULL)
    flags |= MHD_USE_TLS;
  /* --workers over plain HTTP: MHD_USE_TURBO reads and writes before
   * asking epoll and closes without a shutdown(SHUT_WR) first (fewer
   * system calls per request, bench/RESULTS.md).  Never under TLS, where
   * it would also skip the TLS close_notify. */
  else if (conf->workers > 0)
    flags |= MHD_USE_TURBO;
  struct MHD_OptionItem pool_opts[] = {
    { MHD_OPTION_THREAD_POOL_SIZE, (intptr_t) conf->workers, NULL },
    { MHD_OPTION_END, 0, NULL },
  };
  s->daemon = MHD_start_daemon (
      flags, 0, NULL, NULL, &on_request, s,
      MHD_OPTION_EXTERNAL_LOGGER, &on_mhd_log, s,
      MHD_OPTION_LISTEN_SOCKET, (MHD_socket) s->listener.fd,
      MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int) conf->timeout,
      MHD_OPTION_CONNECTION_LIMIT, (unsigned int) conf->max_connections,
      MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned int) conf->max_connections_per_ip,
      MHD_OPTION_CONNECTION_MEMORY_LIMIT, MEMORY_LIMIT,
      MHD_OPTION_THREAD_STACK_SIZE, THREAD_STACK_SIZE,
      MHD_OPTION_NOTIFY_CONNECTION, &on_connection, s,
      MHD_OPTION_URI_LOG_CALLBACK, &on_uri, s,
      MHD_OPTION_NOTIFY_COMPLETED, &on_completed, s,
      MHD_OPTION_UNESCAPE_CALLBACK, &keep_raw, NULL,
      MHD_OPTION_ARRAY, s->tls != NULL ? tls_opts : &tls_opts[2],
      MHD_OPTION_ARRAY, conf->workers > 0 ? pool_opts : &pool_opts[1],
      MHD_OPTION_END);
  if (s->daemon == NULL)
    {
      g_set_error (error, DS_ERROR, DS_ERROR_RUNTIME,
                   "cannot start the HTTP daemon (see the libmicrohttpd message above)");
      server_free (s);
      return NULL;
    }
  s->header_deadline_us = (gint64) conf->timeout * 2 * G_USEC_PER_SEC;
#ifdef HAVE_MALLOC_TRIM
  (void) mallopt (M_TRIM_THRESHOLD, MALLOC_TRIM_THRESHOLD);
  (void) mallopt (M_MMAP_THRESHOLD, MALLOC_MMAP_THRESHOLD);
#endif
  s->watchdog = g_thread_new ("docserve-watchdog", watchdog_main, s);
  return s;
}

guint
ds_server_get_port (const DsServer *server)
{
  return server->listener.port;
}

char *
ds_server_get_url (const DsServer *server)
{
  return ds_listener_url (&server->listener, server->tls != NULL);
}

void
ds_server_quiesce (DsServer *server)
{
  GHashTableIter it;
  gpointer key;

  g_atomic_int_set (&server->draining, 1);
  /* The listening fd stays ours (we passed it in); MHD stops polling it. */
  (void) MHD_quiesce_daemon (server->daemon);
  /* Idle keep-alive connections would otherwise live until their timeout:
   * shut them down now (their thread sees EOF and closes), as nginx does on
   * a graceful stop.  Busy ones finish their reply, sent with
   * Connection: close. */
  g_mutex_lock (&server->conns_lock);
  g_hash_table_iter_init (&it, server->conns);
  while (g_hash_table_iter_next (&it, &key, NULL))
    {
      ConnCtx *cc = key;
      if (!cc->busy && cc->fd >= 0)
        (void) shutdown (cc->fd, SHUT_RDWR);
    }
  g_mutex_unlock (&server->conns_lock);
}

guint
ds_server_connections (const DsServer *server)
{
  return (guint) g_atomic_int_get (&server->connections);
}

gboolean
ds_server_reopen_log (DsServer *server, GError **error)
{
  return ds_accesslog_reopen (server->log, error);
}

gboolean
ds_server_reopen_root (DsServer *server, GError **error)
{
  return ds_site_reopen_root (server->site, error);
}

gboolean
ds_server_reload_tls (DsServer *server, GError **error)
{
  if (server->tls == NULL)
    return TRUE;
  return ds_tls_reload (server->tls, g_get_real_time () / G_USEC_PER_SEC, error);
}

void
ds_server_free (DsServer *server)
{
  if (server == NULL)
    return;
  if (server->watchdog != NULL)
    {
      g_mutex_lock (&server->watchdog_lock);
      server->watchdog_stop = TRUE;
      g_cond_signal (&server->watchdog_cond);
      g_mutex_unlock (&server->watchdog_lock);
      g_thread_join (server->watchdog);
    }
  if (server->daemon != NULL)
    MHD_stop_daemon (server->daemon);
  server_free (server);
}
