/* streams.h: the open --watch event streams, without libmicrohttpd types.
 * A DsStreamBody wraps a DsStream (reply.h) whose read never waits and
 * does the waiting for it, in one of two ways:
 *  - waiting (thread per connection): in poll(2) on an eventfd its waker
 *    writes and on the client's socket for a hang-up (POLLRDHUP);
 *  - suspending (--workers): the body asks the server to suspend the
 *    connection when there is nothing to send and to resume it when the
 *    waker runs; a kick flag closes the race between the two.
 * DsStreams is the registry of open bodies, so that the drain can end them
 * all (and every later one) at once.  server.c adapts this to
 * libmicrohttpd. */
#pragma once

#include <glib.h>

#include "docserve/reply.h"

G_BEGIN_DECLS

typedef struct _DsStreams DsStreams;
typedef struct _DsStreamBody DsStreamBody;

/* What ds_stream_body_read returns besides a positive byte count. */
#define DS_STREAM_SUSPENDED 0      /* suspending: the connection is suspended */
#define DS_STREAM_END (-1)         /* the stream ended (or was cancelled) */
#define DS_STREAM_ERROR (-2)       /* waiting failed */
#define DS_STREAM_CLIENT_LEFT (-3) /* waiting: the client hung up */

/* What one wait (ds_stream_body_wait) saw. */
typedef enum
{
  DS_STREAM_WAIT_DATA,        /* the waker ran: read again */
  DS_STREAM_WAIT_TIMEOUT,     /* nothing within the bound: read again */
  DS_STREAM_WAIT_CLIENT_LEFT, /* the client hung up (or its socket failed) */
  DS_STREAM_WAIT_ERROR,       /* poll(2) failed */
} DsStreamWait;

/* Suspends or resumes the connection @conn (suspending bodies).  suspend
 * is called from inside ds_stream_body_read, resume from the waker (any
 * thread); both with the body's lock held. */
typedef void (*DsStreamConnFunc) (gpointer conn);

/* A waiting body for @stream (taken: @stream's funcs are cleared) whose
 * client is on @sock (borrowed; -1: no hang-up detection); NULL (and
 * @stream freed) when no eventfd can be made. */
DsStreamBody *ds_stream_body_new_waiting (DsStream *stream, int sock);

/* A suspending body for @stream (taken) on connection @conn. */
DsStreamBody *ds_stream_body_new_suspending (DsStream *stream, DsStreamConnFunc suspend,
                                             DsStreamConnFunc resume, gpointer conn);

/* The next piece of the stream into @buf (up to @max bytes): a byte count,
 * or one of the DS_STREAM_* codes above.  A waiting body waits until there
 * is one; a suspending body returns DS_STREAM_SUSPENDED instead. */
gssize ds_stream_body_read (DsStreamBody *body, char *buf, gsize max);

/* Waiting bodies: one wait of at most @timeout_ms for the waker or a
 * hang-up (ds_stream_body_read loops over it). */
DsStreamWait ds_stream_body_wait (DsStreamBody *body, int timeout_ms);

/* Frees @body and its stream, removing it from its registry first. */
void ds_stream_body_free (DsStreamBody *body);

DsStreams *ds_streams_new (void);

/* Frees @streams; bodies still in it must be freed first. */
void ds_streams_free (DsStreams *streams);

/* Registers @body (until it is freed); cancels its stream at once when the
 * registry has been ended. */
void ds_streams_add (DsStreams *streams, DsStreamBody *body);

/* Cancels every registered stream now and every later one at once (the
 * drain, and before the daemon stops). */
void ds_streams_end_all (DsStreams *streams);

/* How many bodies are registered. */
guint ds_streams_count (DsStreams *streams);

G_END_DECLS
