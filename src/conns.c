/* conns.c: the registry of open connections, its watchdog and the drain.
 *
 * server.c registers each connection from libmicrohttpd's connection
 * callback and unregisters it in the CLOSED notification, which runs before
 * libmicrohttpd closes the fd: a socket is only ever touched here (by
 * shutdown(2), or a raw 408) while it is registered, under the lock.
 * shutdown(2) wakes the connection's thread, which then closes it; the fd
 * itself stays libmicrohttpd's.
 *
 * The watchdog, twice a second:
 *  - a connection sending a file body whose file has shrunk below the end of
 *    the span being sent is shut down: libmicrohttpd's sendfile loop would
 *    otherwise spin a CPU forever on it (DESIGN.md, Reliability), and the
 *    client gets a short body and a close, never padding;
 *  - a connection that has been receiving a request (headers or a body we
 *    discard) for longer than the request deadline (twice --timeout) without
 *    a reply is shut down, with a 408 if a request line came: a client
 *    trickling one byte per timeout period would otherwise hold its thread
 *    for ever (slowloris, slow body);
 *  - after a burst, the memory freed by the connections is given back.
 *
 * Also the record of one request on a connection and its access-log line,
 * the arithmetic of the connection's memory pool (ds_conns_reply_fits) and
 * the rate limit on libmicrohttpd's messages about connections. */
#include "config.h"

#include "docserve/conns.h"

#include "docserve/httpdate.h"
#include "docserve/status.h"

#ifdef HAVE_MALLOC_TRIM
#include <malloc.h>
#endif
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

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

struct _DsConns
{
  GMutex lock;
  GHashTable *set;  /* DsConn set, under lock */
  guint peak;       /* most connections since the last trim; under lock */
  gint count;       /* atomic: registered connections */
  gint draining;    /* atomic: after start_drain, every reply closes */
  gint shrunk_reported; /* atomic */
  gint64 deadline_us;
  gboolean raw_408;
  GThread *watchdog;
  GMutex watchdog_lock;
  GCond watchdog_cond;
  gboolean watchdog_stop; /* under watchdog_lock */
  GMutex report_lock;
  gint64 report_window_start; /* monotonic; under report_lock */
  guint reported, dropped;    /* in the window; under report_lock */
};

DsConns *
ds_conns_new (gint64 request_deadline_us, gboolean raw_408)
{
  DsConns *conns = g_new0 (DsConns, 1);

  g_mutex_init (&conns->lock);
  g_mutex_init (&conns->watchdog_lock);
  g_cond_init (&conns->watchdog_cond);
  g_mutex_init (&conns->report_lock);
  conns->set = g_hash_table_new_full (NULL, NULL, g_free, NULL);
  conns->deadline_us = request_deadline_us;
  conns->raw_408 = raw_408;
  return conns;
}

void
ds_conns_free (DsConns *conns)
{
  if (conns == NULL)
    return;
  ds_conns_stop_watchdog (conns);
  g_hash_table_unref (conns->set);
  g_mutex_clear (&conns->lock);
  g_mutex_clear (&conns->watchdog_lock);
  g_cond_clear (&conns->watchdog_cond);
  g_mutex_clear (&conns->report_lock);
  g_free (conns);
}

/* The numeric address and port of @peer into @conn ("-" and 0 if unknown);
 * "::ffff:192.0.2.1" becomes "192.0.2.1". */
static void
set_peer (DsConn *conn, const struct sockaddr *peer)
{
  char port[16] = "";

  g_strlcpy (conn->addr, "-", sizeof conn->addr);
  if (peer == NULL)
    return;
  socklen_t len = peer->sa_family == AF_INET6 ? sizeof (struct sockaddr_in6)
                                              : sizeof (struct sockaddr_in);
  if (getnameinfo (peer, len, conn->addr, sizeof conn->addr, port, sizeof port,
                   NI_NUMERICHOST | NI_NUMERICSERV)
      == 0)
    conn->port = (guint) g_ascii_strtoull (port, NULL, 10);
  if (g_str_has_prefix (conn->addr, "::ffff:") && strchr (conn->addr, '.') != NULL)
    memmove (conn->addr, conn->addr + 7, strlen (conn->addr + 7) + 1);
}

DsConn *
ds_conns_add (DsConns *conns, const struct sockaddr *peer, int fd)
{
  DsConn *conn = g_new0 (DsConn, 1);

  set_peer (conn, peer);
  conn->fd = fd;
  conn->body_fd = -1;
  conn->phase_start_us = g_get_monotonic_time ();
  g_mutex_lock (&conns->lock);
  g_hash_table_add (conns->set, conn);
  conns->peak = MAX (conns->peak, g_hash_table_size (conns->set));
  g_mutex_unlock (&conns->lock);
  g_atomic_int_inc (&conns->count);
  return conn;
}

void
ds_conns_remove (DsConns *conns, DsConn *conn)
{
  if (conn == NULL)
    return;
  g_mutex_lock (&conns->lock);
  g_hash_table_remove (conns->set, conn); /* frees it */
  g_mutex_unlock (&conns->lock);
  g_atomic_int_dec_and_test (&conns->count);
}

void
ds_conns_set_busy (DsConns *conns, DsConn *conn, gboolean busy)
{
  if (conn == NULL)
    return;
  g_mutex_lock (&conns->lock);
  conn->busy = busy;
  if (!busy)
    {
      /* The request is over: a new request phase starts, no body is sent. */
      conn->replied = FALSE;
      conn->phase_start_us = g_get_monotonic_time ();
      conn->body_fd = -1;
    }
  g_mutex_unlock (&conns->lock);
}

void
ds_conns_set_replied (DsConns *conns, DsConn *conn, int body_fd, guint64 body_end)
{
  if (conn == NULL)
    return;
  g_mutex_lock (&conns->lock);
  conn->replied = TRUE;
  conn->body_fd = body_fd;
  conn->body_end = body_end;
  g_mutex_unlock (&conns->lock);
}

void
ds_conns_note_reply (DsConns *conns, DsConn *conn, DsConnRequest *r, const DsReply *reply,
                     int file_fd)
{
  gboolean bodyless = reply->status == 304 || reply->status == 204
                      || g_strcmp0 (r->method, "HEAD") == 0;

  /* The watchdog checks that a sendfile() body does not shrink under us. */
  if (file_fd >= 0 && reply->status != 304 && g_strcmp0 (r->method, "HEAD") != 0)
    ds_conns_set_replied (conns, conn, file_fd, reply->offset + reply->length);
  else
    ds_conns_set_replied (conns, conn, -1, 0);
  r->replied = TRUE;
  r->status = reply->status;
  r->body_bytes = bodyless                          ? 0
                  : reply->body == DS_BODY_BUFFER ? reply->buf_len
                  : reply->body == DS_BODY_NONE   ? 0
                                                  : reply->length;
  r->encoding = reply->encoding;
}

guint
ds_conns_count (const DsConns *conns)
{
  return (guint) g_atomic_int_get (&conns->count);
}

gboolean
ds_conns_draining (const DsConns *conns)
{
  return g_atomic_int_get (&conns->draining) != 0;
}

void
ds_conns_start_drain (DsConns *conns)
{
  g_atomic_int_set (&conns->draining, 1);
}

void
ds_conns_shutdown_idle (DsConns *conns)
{
  GHashTableIter it;
  gpointer key;

  /* Idle keep-alive connections would otherwise live until their timeout
   * after a graceful stop: shut them down now, as nginx does.  Busy ones
   * finish their reply, sent with Connection: close. */
  g_mutex_lock (&conns->lock);
  g_hash_table_iter_init (&it, conns->set);
  while (g_hash_table_iter_next (&it, &key, NULL))
    {
      DsConn *conn = key;
      if (!conn->busy && conn->fd >= 0)
        (void) shutdown (conn->fd, SHUT_RDWR);
    }
  g_mutex_unlock (&conns->lock);
}

/* Whether the watchdog cuts @conn at @now_us, and cuts it if so; under
 * the lock. */
static gboolean
check_one (DsConns *conns, DsConn *conn, gint64 now_us)
{
  struct stat st;

  if (conn->cut || conn->fd < 0)
    return FALSE;
  if (conn->body_fd >= 0)
    {
      if (fstat (conn->body_fd, &st) != 0 || (guint64) st.st_size >= conn->body_end)
        return FALSE;
      conn->cut = TRUE;
      (void) shutdown (conn->fd, SHUT_RDWR);
      if (g_atomic_int_compare_and_exchange (&conns->shrunk_reported, 0, 1))
        fprintf (stderr, "docserve: a file shrank while it was being sent; "
                         "transfer cut (reported once)\n");
      return TRUE;
    }
  if (conn->replied || now_us - conn->phase_start_us <= conns->deadline_us)
    return FALSE;
  conn->cut = TRUE;
  if (conn->busy && conns->raw_408)
    ds_conns_send_status (conn->fd, 408);
  (void) shutdown (conn->fd, SHUT_RDWR);
  return TRUE;
}

guint
ds_conns_check (DsConns *conns, gint64 now_us)
{
  GHashTableIter it;
  gpointer key;
  guint cut = 0;

  g_mutex_lock (&conns->lock);
  g_hash_table_iter_init (&it, conns->set);
  while (g_hash_table_iter_next (&it, &key, NULL))
    cut += check_one (conns, key, now_us) ? 1 : 0;
  /* After a burst (many connections, most of them gone now), give the
   * freed connection memory back: glibc keeps it in its arenas otherwise,
   * and the RSS of a quiet server stays at its peak. */
  guint n = g_hash_table_size (conns->set);
  gboolean trim = conns->peak >= TRIM_AFTER_CONNECTIONS && n <= conns->peak / 4;
  if (trim)
    conns->peak = n;
  g_mutex_unlock (&conns->lock);
#ifdef HAVE_MALLOC_TRIM
  if (trim)
    malloc_trim (0);
#endif
  return cut;
}

static gpointer
watchdog_main (gpointer data)
{
  DsConns *conns = data;

  g_mutex_lock (&conns->watchdog_lock);
  while (!conns->watchdog_stop)
    {
      gint64 until = g_get_monotonic_time () + G_USEC_PER_SEC / 2;
      if (g_cond_wait_until (&conns->watchdog_cond, &conns->watchdog_lock, until))
        continue; /* woken: re-check the stop flag */
      g_mutex_unlock (&conns->watchdog_lock);
      ds_conns_check (conns, g_get_monotonic_time ());
      g_mutex_lock (&conns->watchdog_lock);
    }
  g_mutex_unlock (&conns->watchdog_lock);
  return NULL;
}

void
ds_conns_start_watchdog (DsConns *conns)
{
  g_return_if_fail (conns->watchdog == NULL);
#ifdef HAVE_MALLOC_TRIM
  (void) mallopt (M_TRIM_THRESHOLD, MALLOC_TRIM_THRESHOLD);
  (void) mallopt (M_MMAP_THRESHOLD, MALLOC_MMAP_THRESHOLD);
#endif
  conns->watchdog = g_thread_new ("docserve-watchdog", watchdog_main, conns);
}

void
ds_conns_stop_watchdog (DsConns *conns)
{
  if (conns->watchdog == NULL)
    return;
  g_mutex_lock (&conns->watchdog_lock);
  conns->watchdog_stop = TRUE;
  g_cond_signal (&conns->watchdog_cond);
  g_mutex_unlock (&conns->watchdog_lock);
  g_thread_join (conns->watchdog);
  conns->watchdog = NULL;
}

char *
ds_conns_raw_status (guint status, gint64 now)
{
  char date[DS_HTTPDATE_LEN];
  gsize page_len = 0;
  g_autofree char *page = ds_status_page (status, &page_len);

  ds_httpdate_format (now, date);
  return g_strdup_printf ("HTTP/1.1 %u %s\r\nDate: %s\r\nConnection: close\r\n"
                          "Content-Type: text/html; charset=utf-8\r\nContent-Length: %" G_GSIZE_FORMAT
                          "\r\nX-Content-Type-Options: nosniff\r\n\r\n%s",
                          status, ds_status_reason (status), date, page_len, page);
}

void
ds_conns_send_status (int fd, guint status)
{
  g_autofree char *msg = ds_conns_raw_status (status, g_get_real_time () / G_USEC_PER_SEC);
  (void) send (fd, msg, strlen (msg), MSG_NOSIGNAL | MSG_DONTWAIT);
}

DsConnRequest *
ds_conns_request_new (const char *target)
{
  gsize len = strlen (target);
  DsConnRequest *r = g_malloc0 (sizeof (DsConnRequest) + len + 1);

  r->target = memcpy (r->target_buf, target, len + 1);
  r->start_us = g_get_real_time ();
  return r;
}

void
ds_conns_request_free (DsConnRequest *r)
{
  if (r == NULL)
    return;
  g_free (r->method);
  g_free (r->version);
  g_free (r->referer);
  g_free (r->user_agent);
  g_free (r);
}

void
ds_conns_request_log (DsAccessLog *log, const DsConn *conn, const DsConnRequest *r,
                      guint status, gboolean completed, gint64 now_us)
{
  DsLogRecord rec = {
    .client_addr = conn != NULL ? conn->addr : "-",
    .client_port = conn != NULL ? conn->port : 0,
    .time_us = r->start_us,
    .utc_offset_s = ds_accesslog_utc_offset (r->start_us / G_USEC_PER_SEC),
    .method = r->method,
    .target = r->target,
    .version = r->version,
    .status = status,
    .bytes = completed ? r->body_bytes : 0,
    .referer = r->referer,
    .user_agent = r->user_agent,
    .duration_us = now_us - r->start_us,
    .encoding = r->encoding,
  };
  ds_accesslog_write (log, &rec);
}

/* Under a flood of connections, libmicrohttpd's messages about them would
 * fill the journal. */
void
ds_conns_report (DsConns *conns, const char *msg, gint64 now_us)
{
  guint report_dropped = 0;

  g_mutex_lock (&conns->report_lock);
  if (now_us - conns->report_window_start > 60 * G_USEC_PER_SEC)
    {
      report_dropped = conns->dropped;
      conns->report_window_start = now_us;
      conns->reported = conns->dropped = 0;
    }
  gboolean print = conns->reported < DS_CONNS_REPORT_BURST;
  if (print)
    conns->reported++;
  else
    conns->dropped++;
  g_mutex_unlock (&conns->report_lock);

  if (report_dropped > 0)
    fprintf (stderr, "docserve: libmicrohttpd: %u more messages dropped in the last minute\n",
             report_dropped);
  if (!print)
    return;
  g_autofree char *line = g_strchomp (g_strdup (msg));
  fprintf (stderr, "docserve: libmicrohttpd: %s\n", line);
}

/* How libmicrohttpd 0.9.75 fills the pool (its connection.c and
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
 * Now server.c turns such a reply into a 431 beforehand, and if a header
 * block still cannot be built (a 431 that does not fit either, pipelined
 * bytes, libmicrohttpd's own error replies, which 0.9.75 builds twice), it
 * writes the 431 itself. */

/* Pool bytes the request head takes, rounded as the pool rounds. */
#define POOL_ROUND(n) (((gsize) (n) + 15) / 16 * 16)
#define POOL_RECORD ((gsize) 64)
/* Kept free for bytes of a pipelined next request read with the head:
 * near the limit the read buffer grows 128 bytes at a time. */
#define POOL_PIPELINED ((gsize) 256)

gboolean
ds_conns_reply_fits (gsize head_size, gint records, gssize cookie_len,
                     gsize reply_header_bytes)
{
  gsize used = POOL_ROUND (head_size) + POOL_RECORD * (gsize) MAX (records, 0);

  if (cookie_len >= 0)
    used += POOL_ROUND ((gsize) cookie_len + 1);
  gsize room = used < DS_CONNS_POOL_SIZE ? DS_CONNS_POOL_SIZE - used : 0;
  return reply_header_bytes + POOL_PIPELINED <= room;
}
