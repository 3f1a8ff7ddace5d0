/* streams.c: the open --watch event streams and the waiting they need
 * (streams.h), without libmicrohttpd types.
 *
 * A stream's own read never waits; when it has nothing, a body waits in
 * one of two ways:
 *  - waiting (thread per connection): in the connection's own thread, in
 *    poll(2) on an eventfd the stream's waker writes to and on the client's
 *    socket for a hang-up (POLLRDHUP), so a client that left (a reloaded
 *    page) ends its stream at once instead of at the next write.  (Why the
 *    server cannot return "nothing yet" instead: see read_stream in
 *    server.c);
 *  - suspending (--workers): a worker multiplexes many connections, so it
 *    must not wait: the connection is suspended and the waker resumes it.
 *    The kick flag closes the race between a read that found nothing and
 *    the suspension.  (A suspended connection does not see a hang-up: such
 *    a stream ends at its next write, the heartbeat at the latest.)
 * The registry's end-all cancels every stream, which wakes them all (see
 * ds_server_free for why that must happen before the daemon stops). */
#include "config.h"

#include "docserve/streams.h"

#include "docserve/common.h"

#include <errno.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

/* The stream's heartbeat wakes a waiting body well within this bound. */
#define WAIT_BOUND_MS (60 * 1000)

struct _DsStreamBody
{
  DsStream stream;    /* owned */
  DsStreams *streams; /* the registry it is in, or NULL */
  gboolean pool;      /* suspending instead of waiting */
  int wake_fd;        /* waiting: the eventfd the waker writes */
  int sock;           /* waiting: the client's socket (borrowed) */
  DsStreamConnFunc suspend, resume; /* suspending */
  gpointer conn;
  GMutex lock;
  gboolean suspended; /* under lock */
  gboolean kick;      /* under lock: woken since the last read */
};

struct _DsStreams
{
  GMutex lock;
  GHashTable *set; /* DsStreamBody set, under lock */
  gboolean ended;  /* end_all ran; under lock */
};

static void
wake_body (gpointer data)
{
  DsStreamBody *b = data;

  if (!b->pool)
    {
      guint64 one = 1;
      (void) !write (b->wake_fd, &one, sizeof one);
      return;
    }
  g_mutex_lock (&b->lock);
  b->kick = TRUE;
  if (b->suspended)
    {
      b->suspended = FALSE;
      b->resume (b->conn);
    }
  g_mutex_unlock (&b->lock);
}

static DsStreamBody *
body_new (DsStream *stream)
{
  DsStreamBody *b = g_new0 (DsStreamBody, 1);

  b->stream = *stream;
  stream->funcs = NULL;
  b->wake_fd = -1;
  b->sock = -1;
  g_mutex_init (&b->lock);
  return b;
}

DsStreamBody *
ds_stream_body_new_waiting (DsStream *stream, int sock)
{
  DsStreamBody *b = body_new (stream);

  b->sock = sock;
  b->wake_fd = eventfd (0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (b->wake_fd < 0)
    {
      ds_stream_body_free (b);
      return NULL;
    }
  b->stream.funcs->set_waker (b->stream.data, wake_body, b);
  return b;
}

DsStreamBody *
ds_stream_body_new_suspending (DsStream *stream, DsStreamConnFunc suspend,
                               DsStreamConnFunc resume, gpointer conn)
{
  DsStreamBody *b = body_new (stream);

  b->pool = TRUE;
  b->suspend = suspend;
  b->resume = resume;
  b->conn = conn;
  b->stream.funcs->set_waker (b->stream.data, wake_body, b);
  return b;
}

DsStreamWait
ds_stream_body_wait (DsStreamBody *b, int timeout_ms)
{
  struct pollfd p[2] = {
    { .fd = b->wake_fd, .events = POLLIN },
    { .fd = b->sock, .events = POLLRDHUP },
  };

  if (poll (p, 2, timeout_ms) < 0 && errno != EINTR)
    return DS_STREAM_WAIT_ERROR;
  if (p[1].revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL))
    return DS_STREAM_WAIT_CLIENT_LEFT;
  if (p[0].revents & POLLIN)
    {
      guint64 v;
      (void) !read (b->wake_fd, &v, sizeof v);
      return DS_STREAM_WAIT_DATA;
    }
  return DS_STREAM_WAIT_TIMEOUT;
}

/* Waiting: the next piece, waiting for it. */
static gssize
read_waiting (DsStreamBody *b, char *buf, gsize max)
{
  for (;;)
    {
      gssize n = b->stream.funcs->read (b->stream.data, buf, max);
      if (n != 0)
        return n > 0 ? n : DS_STREAM_END;
      switch (ds_stream_body_wait (b, WAIT_BOUND_MS))
        {
        case DS_STREAM_WAIT_ERROR:
          return DS_STREAM_ERROR;
        case DS_STREAM_WAIT_CLIENT_LEFT:
          return DS_STREAM_CLIENT_LEFT;
        case DS_STREAM_WAIT_DATA:
        case DS_STREAM_WAIT_TIMEOUT:
        default:
          break;
        }
    }
}

gssize
ds_stream_body_read (DsStreamBody *b, char *buf, gsize max)
{
  if (!b->pool)
    return read_waiting (b, buf, max);
  for (;;)
    {
      g_mutex_lock (&b->lock);
      b->kick = FALSE;
      g_mutex_unlock (&b->lock);
      gssize n = b->stream.funcs->read (b->stream.data, buf, max);
      if (n != 0)
        return n > 0 ? n : DS_STREAM_END;
      g_mutex_lock (&b->lock);
      if (!b->kick)
        {
          b->suspended = TRUE;
          b->suspend (b->conn);
          g_mutex_unlock (&b->lock);
          return DS_STREAM_SUSPENDED;
        }
      g_mutex_unlock (&b->lock);
    }
}

void
ds_stream_body_free (DsStreamBody *b)
{
  if (b == NULL)
    return;
  if (b->streams != NULL)
    {
      g_mutex_lock (&b->streams->lock);
      g_hash_table_remove (b->streams->set, b);
      g_mutex_unlock (&b->streams->lock);
    }
  if (b->stream.funcs != NULL)
    b->stream.funcs->free (b->stream.data);
  ds_fd_cleanup (&b->wake_fd);
  g_mutex_clear (&b->lock);
  g_free (b);
}

DsStreams *
ds_streams_new (void)
{
  DsStreams *s = g_new0 (DsStreams, 1);

  g_mutex_init (&s->lock);
  s->set = g_hash_table_new (NULL, NULL);
  return s;
}

void
ds_streams_free (DsStreams *s)
{
  if (s == NULL)
    return;
  g_hash_table_unref (s->set);
  g_mutex_clear (&s->lock);
  g_free (s);
}

void
ds_streams_add (DsStreams *s, DsStreamBody *b)
{
  g_mutex_lock (&s->lock);
  b->streams = s;
  g_hash_table_add (s->set, b);
  if (s->ended)
    b->stream.funcs->cancel (b->stream.data);
  g_mutex_unlock (&s->lock);
}

void
ds_streams_end_all (DsStreams *s)
{
  GHashTableIter it;
  gpointer key;

  g_mutex_lock (&s->lock);
  s->ended = TRUE;
  g_hash_table_iter_init (&it, s->set);
  while (g_hash_table_iter_next (&it, &key, NULL))
    {
      DsStreamBody *b = key;
      b->stream.funcs->cancel (b->stream.data);
    }
  g_mutex_unlock (&s->lock);
}

guint
ds_streams_count (DsStreams *s)
{
  g_mutex_lock (&s->lock);
  guint n = g_hash_table_size (s->set);
  g_mutex_unlock (&s->lock);
  return n;
}
