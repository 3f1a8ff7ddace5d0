/* conns.h: the open connections, without libmicrohttpd types: a registry
 * the server fills from its connection callbacks, the watchdog that cuts a
 * stalled or shrinking transfer, the drain of a graceful stop, and the
 * status replies written straight to a socket. */
#pragma once

#include <glib.h>

#include "docserve/accesslog.h"
#include "docserve/reply.h"

#include <netinet/in.h>
#include <sys/socket.h>

G_BEGIN_DECLS

typedef struct _DsConns DsConns;

/* One open connection.  addr, port and fd are set once by ds_conns_add;
 * replies is the connection's own thread's.  The rest is read and written
 * under the registry's lock, through the functions below. */
typedef struct
{
  char addr[INET6_ADDRSTRLEN]; /* numeric peer address, or "-" */
  guint port;                  /* peer port, 0 when unknown */
  int fd;                      /* the connection's socket (libmicrohttpd's), or -1 */
  guint replies;               /* replies queued so far */
  /* Under the registry's lock: */
  gboolean busy;         /* a request line arrived, not yet completed */
  gboolean replied;      /* a reply to the current request is queued */
  gint64 phase_start_us; /* monotonic: connection start or last completion */
  int body_fd;           /* fd of the file body being sent, or -1 */
  guint64 body_end;      /* offset + length of that body */
  gboolean cut;          /* the watchdog shut the connection down */
} DsConn;

/* One request on a connection: from its request line to its completion. */
typedef struct
{
  char *target; /* the raw request target, as sent */
  gint64 start_us; /* wall clock */
  char *method;
  char *version;
  char *referer;
  char *user_agent;
  gboolean seen;    /* the request head was looked at */
  gboolean replied; /* a reply was queued */
  guint status;
  guint64 body_bytes;
  const char *encoding; /* static */
  char target_buf[];    /* what target points to: one allocation */
} DsConnRequest;

/* A new, empty registry.  A connection receiving a request for longer than
 * @request_deadline_us without a reply is cut by the watchdog; @raw_408:
 * whether it may first write a 408 to the socket (not under TLS, where a
 * raw write would corrupt the stream).  Free with ds_conns_free. */
DsConns *ds_conns_new (gint64 request_deadline_us, gboolean raw_408);

/* Stops the watchdog if it runs and frees the registry and any connection
 * still in it.  NULL is ignored. */
void ds_conns_free (DsConns *conns);

/* Registers a new connection from @peer (NULL or an AF_INET/AF_INET6
 * address; its numeric form, an IPv4-mapped one as a dotted quad, goes into
 * addr) on socket @fd (-1 if unknown).  Thread-safe.  Returns the
 * connection, owned by the registry until ds_conns_remove. */
DsConn *ds_conns_add (DsConns *conns, const struct sockaddr *peer, int fd);

/* Unregisters and frees @conn (NULL is ignored): from then on neither the
 * watchdog nor a drain touches its fd.  Thread-safe. */
void ds_conns_remove (DsConns *conns, DsConn *conn);

/* A request line arrived (@busy TRUE) or the request completed (FALSE: a
 * new request phase starts, no reply and no body under way).  @conn may be
 * NULL.  Thread-safe. */
void ds_conns_set_busy (DsConns *conns, DsConn *conn, gboolean busy);

/* A reply is queued on @conn (may be NULL); @body_fd >= 0 is the file body
 * being sent up to offset @body_end, which the watchdog checks for
 * shrinking.  Thread-safe. */
void ds_conns_set_replied (DsConns *conns, DsConn *conn, int body_fd, guint64 body_end);

/* Records that @reply was queued for request @r on @conn (NULL: none):
 * for the watchdog (@file_fd: the sendfile() body, or -1; see
 * ds_conns_set_replied) and for @r's log line (status, body bytes,
 * content-coding). */
void ds_conns_note_reply (DsConns *conns, DsConn *conn, DsConnRequest *r, const DsReply *reply,
                          int file_fd);

/* Connections registered right now (thread-safe, lock-free). */
guint ds_conns_count (const DsConns *conns);

/* Starts the drain of a graceful stop: from now on ds_conns_draining is
 * TRUE and every reply must close. */
void ds_conns_start_drain (DsConns *conns);

/* Whether ds_conns_start_drain was called (thread-safe, lock-free). */
gboolean ds_conns_draining (const DsConns *conns);

/* Shuts down every idle connection (no request under way): its thread sees
 * EOF and closes it.  Busy ones finish their reply. */
void ds_conns_shutdown_idle (DsConns *conns);

/* One pass of the watchdog at monotonic time @now_us: cuts (shutdown(2))
 * every connection whose file body shrank below the span being sent, and
 * every one that has been waiting for or receiving a request for longer
 * than the deadline without a reply, writing a 408 first if a request line
 * came and raw_408 allows it.  Returns the number of connections cut. */
guint ds_conns_check (DsConns *conns, gint64 now_us);

/* Starts the watchdog thread (ds_conns_check twice a second; after a burst
 * of connections it also gives freed memory back to the system), and sets
 * the allocator thresholds that go with that. */
void ds_conns_start_watchdog (DsConns *conns);

/* Stops and joins the watchdog thread; idempotent. */
void ds_conns_stop_watchdog (DsConns *conns);

/* A new request record for @target (copied), started now.  Free with
 * ds_conns_request_free. */
DsConnRequest *ds_conns_request_new (const char *target);

/* Frees @r and the strings it owns.  NULL is ignored. */
void ds_conns_request_free (DsConnRequest *r);

/* Writes @r's access-log line to @log: peer from @conn (NULL: unknown),
 * answered with @status; @completed: the whole body went out (a transfer
 * cut short is logged with 0 bytes: libmicrohttpd 0.9.75 does not report
 * what was sent); @now_us: wall-clock time, for the duration. */
void ds_conns_request_log (DsAccessLog *log, const DsConn *conn, const DsConnRequest *r,
                           guint status, gboolean completed, gint64 now_us);

/* Prints libmicrohttpd's message @msg (a client that hung up, a refused
 * connection over a limit...) to stderr, at most DS_CONNS_REPORT_BURST per
 * minute (@now_us: monotonic time), then one line saying how many were
 * dropped.  Thread-safe. */
#define DS_CONNS_REPORT_BURST 20
void ds_conns_report (DsConns *conns, const char *msg, gint64 now_us);

/* ---- the connection's memory pool ----
 *
 * Request line, headers and reply headers share one pool per connection
 * (how it fills: see ds_conns_reply_fits).  32 KiB because:
 *  - it is the largest pool libmicrohttpd malloc()s instead of mmap()ing:
 *    no mmap/munmap (and TLB shootdown) per connection, about 2x the
 *    Connection: close throughput of 64 KiB;
 *  - it is the smallest that serves what nginx serves by default, any
 *    header line up to 8 KiB, for the line that matters, Cookie: the pool
 *    holds a Cookie header twice plus 64 bytes per cookie, so with a
 *    Chrome-like request (760 bytes of other headers) and 40-byte cookies
 *    32 KiB serves a Cookie line of 8,401 bytes, 24 KiB 6,201, 16 KiB 3,941;
 *  - every 8 KiB less would save 8 KiB per idle connection (measured 56.4,
 *    48.4 and 40.5 KiB for 32, 24 and 16; bench/RESULTS.md).
 * A head too big for it gets 431, never a close without an answer. */
#define DS_CONNS_POOL_SIZE ((gsize) 32 * 1024)

/* Whether a reply header block of @reply_header_bytes (an upper bound)
 * fits what a request head left of the pool: @head_size bytes of request
 * line and header lines, @records header/argument/cookie records and, when
 * @cookie_len >= 0, the copy of a Cookie header of that length. */
gboolean ds_conns_reply_fits (gsize head_size, gint records, gssize cookie_len,
                              gsize reply_header_bytes);

/* A complete @status reply (status line, Date of @now, Connection: close,
 * the status page) for writing straight to a client, outside
 * libmicrohttpd.  Caller frees. */
char *ds_conns_raw_status (guint status, gint64 now);

/* Writes the @status reply of ds_conns_raw_status to plain-HTTP socket @fd,
 * without blocking and without SIGPIPE; best effort. */
void ds_conns_send_status (int fd, guint status);

G_END_DECLS
