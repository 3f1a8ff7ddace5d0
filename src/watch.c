/* watch.c: --watch, live reload (watch.h).
 *
 * The hub: one per site, shared by the watcher thread and the event
 * streams, under one mutex:
 *  - the watcher thread reads inotify (one watch per directory, added for
 *    directories created or moved in later; IN_Q_OVERFLOW means "everything
 *    changed" and a fresh walk), maps each change to the URLs docserve
 *    would serve for it (the dotfiles rule, /.docserve/ reserved, X.gz and
 *    X.br also stand for X, an index file for its directory, a directory
 *    for everything below it), and feeds them to the aggregator
 *    (changes.h), which settles them into numbered generations;
 *  - when the root itself is deleted or moved away (a rebuild often
 *    replaces the whole output directory: seen on the root's parent, as a
 *    deleted directory's own IN_DELETE_SELF waits until the last fd open on
 *    it, the site's, is closed; and checked by identity after every batch
 *    of events), every watch is dropped, the root
 *    is looked for by its path every ROOT_POLL_MS, and once it is back it
 *    is watched again, the site's root fd reopened (ds_site_reopen_root)
 *    and "everything changed" sent;
 *  - every event stream is a reader of the aggregator: it sends each
 *    generation after the one it last sent (a reconnecting client names it
 *    in Last-Event-ID), and a comment line every heartbeat (half of
 *    --timeout) so the connection never times out.  Reads never wait: the
 *    server waits for the stream's waker, called for every generation,
 *    heartbeat and the end.
 * WHATWG HTML §9.2 defines the text/event-stream format. */
#include "config.h"

#include "docserve/watch.h"

#include "docserve/changes.h"
#include "docserve/common.h"
#include "docserve/gen.h"
#include "docserve/inject.h"
#include "docserve/path.h"
#include "docserve/query.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#define SETTLE_US (150 * G_TIME_SPAN_MILLISECOND)
#define MAX_WAIT_US (2 * G_TIME_SPAN_SECOND)
#define MAX_URLS 2000
#define HISTORY 64
#define ROOT_POLL_MS 50
/* The client's reconnection delay (the "retry:" field), milliseconds. */
#define RETRY_MS 1000

#define DIR_MASK                                                                                 \
  (IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE | IN_DELETE | IN_ATTRIB              \
   | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR | IN_EXCL_UNLINK)

/* Made by glib-compile-resources from src/assets/docserve.gresource.xml;
 * reload.js is stored under a directory name there, which the generic
 * /.docserve/ generator (assets.c) does not serve: only this module does,
 * and only with --watch. */
GResource *docserve_assets_get_resource (void);
#define RELOAD_JS_RESOURCE "/docserve/assets/watch/reload.js"

typedef struct _Stream Stream;

typedef struct
{
  DsSite *site;
  const DsConf *conf;
  char *root;       /* conf->root as given */
  char *url_prefix; /* "/" or "/doc/" */

  GMutex lock;
  DsChanges *changes;  /* under lock */
  guint64 beat;        /* under lock: heartbeats so far */
  GPtrArray *streams;  /* Stream*, under lock */
  gint64 heartbeat_us;

  /* The watcher thread's own. */
  GThread *thread;
  int inotify_fd;
  int stop_fd; /* eventfd: the site is being freed */
  GHashTable *wd_dirs; /* watch descriptor -> relative directory ("" is the root) */
  int root_wd;
  dev_t root_dev; /* the directory watched as the root */
  ino_t root_ino;
  int parent_wd;  /* the root's parent, for the root's name, or -1 */
  char *root_base;
  gboolean root_lost;
  gboolean enospc_reported;
} Hub;

struct _Stream
{
  Hub *hub;
  guint64 sent_gen;   /* under hub->lock, as everything here */
  guint64 beat_seen;
  gboolean started;
  gboolean cancelled;
  GString *pending;   /* bytes to send */
  gsize pending_off;
  DsStreamWakeFunc wake;
  gpointer wake_data;
};

/* ---- URLs for changed paths ------------------------------------------- */

/* Whether docserve serves @rel at all (the dotfiles rule of path.h; the
 * reserved /.docserve/). */
static gboolean
served (const Hub *hub, const char *rel)
{
  g_auto (GStrv) segs = g_strsplit (rel, "/", -1);

  for (guint i = 0; segs[i] != NULL; i++)
    {
      if (segs[i][0] != '.')
        continue;
      if (i == 0 && strcmp (segs[i], ".docserve") == 0 && !hub->conf->system_docs)
        return FALSE;
      if (hub->conf->dotfiles == DS_DOTFILES_ALLOW)
        continue;
      if (i == 0 && strcmp (segs[i], ".well-known") == 0 && !hub->conf->system_docs)
        continue;
      return FALSE;
    }
  return TRUE;
}

/* The URL of @rel (a directory when @dir: with a trailing '/'). */
static char *
url_of (const Hub *hub, const char *rel, gboolean dir)
{
  if (rel[0] == '\0')
    return g_strdup (hub->url_prefix);
  g_autofree char *enc = ds_path_encode (rel);
  return g_strconcat (hub->url_prefix, enc + 1, dir ? "/" : "", NULL);
}

static void
note_url (Hub *hub, char *url, gint64 now)
{
  g_mutex_lock (&hub->lock);
  ds_changes_note (hub->changes, url, now);
  g_mutex_unlock (&hub->lock);
  g_free (url);
}

static void
note_all (Hub *hub)
{
  g_mutex_lock (&hub->lock);
  ds_changes_note (hub->changes, NULL, g_get_monotonic_time ());
  g_mutex_unlock (&hub->lock);
}

/* Notes the URLs that a change of file @rel (in directory @dir) touches. */
static void
note_file (Hub *hub, const char *dir, const char *name, const char *rel)
{
  gint64 now = g_get_monotonic_time ();
  gsize n = strlen (name);

  note_url (hub, url_of (hub, rel, FALSE), now);
  /* X.gz and X.br are X to the client (sidecars, docs mode). */
  if (n > 3 && (g_str_has_suffix (rel, ".gz") || g_str_has_suffix (rel, ".br")))
    {
      g_autofree char *inner = g_strndup (rel, strlen (rel) - 3);
      note_url (hub, url_of (hub, inner, FALSE), now);
    }
  for (char **idx = hub->conf->index_files; idx != NULL && *idx != NULL; idx++)
    if (strcmp (name, *idx) == 0)
      note_url (hub, url_of (hub, dir, TRUE), now);
}

/* ---- inotify ----------------------------------------------------------- */

static char *
join (const char *dir, const char *name)
{
  return dir[0] != '\0' ? g_strconcat (dir, "/", name, NULL) : g_strdup (name);
}

/* Watches directory @rel and every directory below it (not through
 * symlinks; not the ones docserve does not serve).  Iterative: the depth
 * of a tree is not bounded by the thread's stack. */
static void
watch_tree (Hub *hub, const char *rel)
{
  g_autoptr (GPtrArray) todo = g_ptr_array_new_with_free_func (g_free);

  g_ptr_array_add (todo, g_strdup (rel));
  while (todo->len > 0)
    {
      g_autofree char *dir = g_ptr_array_steal_index_fast (todo, todo->len - 1);
      g_autofree char *path = dir[0] != '\0' ? g_build_filename (hub->root, dir, NULL)
                                             : g_strdup (hub->root);
      /* The root may be a symlink (to a release); below it, none is
       * followed. */
      guint32 mask = DIR_MASK | (dir[0] != '\0' ? IN_DONT_FOLLOW : 0);
      int wd = inotify_add_watch (hub->inotify_fd, path, mask);

      if (wd < 0)
        {
          if (errno == ENOSPC && !hub->enospc_reported)
            {
              hub->enospc_reported = TRUE;
              fprintf (stderr, "docserve: --watch: out of inotify watches "
                               "(fs.inotify.max_user_watches); changes in some "
                               "directories are not seen\n");
            }
          continue;
        }
      g_hash_table_replace (hub->wd_dirs, GINT_TO_POINTER (wd), g_strdup (dir));
      if (dir[0] == '\0')
        {
          struct stat st;
          hub->root_wd = wd;
          if (stat (path, &st) == 0)
            {
              hub->root_dev = st.st_dev;
              hub->root_ino = st.st_ino;
            }
        }

      int fd = open (path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
      if (fd < 0 && dir[0] == '\0')
        fd = open (path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      if (fd < 0)
        continue;
      DIR *d = fdopendir (fd);
      if (d == NULL)
        {
          close (fd);
          continue;
        }
      struct dirent *e;
      while ((e = readdir (d)) != NULL)
        {
          if (strcmp (e->d_name, ".") == 0 || strcmp (e->d_name, "..") == 0)
            continue;
          gboolean is_dir = e->d_type == DT_DIR;
          if (e->d_type == DT_UNKNOWN)
            {
              struct stat st;
              is_dir = fstatat (dirfd (d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0
                       && S_ISDIR (st.st_mode);
            }
          if (!is_dir)
            continue;
          char *sub = join (dir, e->d_name);
          if (served (hub, sub))
            g_ptr_array_add (todo, sub);
          else
            g_free (sub);
        }
      closedir (d);
    }
}

/* Drops the watches of directory @rel and of those below it (moved away). */
static void
unwatch_tree (Hub *hub, const char *rel)
{
  GHashTableIter it;
  gpointer key, value;
  gsize n = strlen (rel);

  g_hash_table_iter_init (&it, hub->wd_dirs);
  while (g_hash_table_iter_next (&it, &key, &value))
    {
      const char *dir = value;
      if (n == 0 || (strncmp (dir, rel, n) == 0 && (dir[n] == '\0' || dir[n] == '/')))
        {
          (void) inotify_rm_watch (hub->inotify_fd, GPOINTER_TO_INT (key));
          g_hash_table_iter_remove (&it);
        }
    }
}

/* The root is gone (deleted or moved away): drop every watch and look for
 * it by path from now on. */
static void
lose_root (Hub *hub)
{
  unwatch_tree (hub, "");
  hub->root_wd = -1;
  hub->root_lost = TRUE;
  note_all (hub);
}

/* Polled while the root is lost: watches it again once it is back. */
static void
find_root (Hub *hub)
{
  struct stat st;
  g_autoptr (GError) error = NULL;

  if (stat (hub->root, &st) != 0 || !S_ISDIR (st.st_mode))
    return;
  hub->root_lost = FALSE;
  watch_tree (hub, "");
  if (hub->root_wd < 0)
    {
      hub->root_lost = TRUE;
      return;
    }
  /* Requests are served from the root's fd, which still names the old
   * directory. */
  if (!ds_site_reopen_root (hub->site, &error))
    fprintf (stderr, "docserve: --watch: %s\n", error->message);
  note_all (hub);
}

/* Whether the root's path still names the directory being watched. */
static void
check_root (Hub *hub)
{
  struct stat st;

  if (hub->root_lost)
    return;
  if (stat (hub->root, &st) == 0 && st.st_dev == hub->root_dev && st.st_ino == hub->root_ino)
    return;
  lose_root (hub);
  find_root (hub); /* it may be back already */
}

static void
handle_event (Hub *hub, const struct inotify_event *ev)
{
  if (ev->wd == hub->parent_wd && hub->parent_wd >= 0)
    {
      if (ev->len > 0 && strcmp (ev->name, hub->root_base) == 0)
        check_root (hub);
      return;
    }
  if (ev->mask & IN_Q_OVERFLOW)
    {
      /* Events were lost, directory creations among them. */
      note_all (hub);
      if (!hub->root_lost)
        watch_tree (hub, "");
      return;
    }
  const char *dir = g_hash_table_lookup (hub->wd_dirs, GINT_TO_POINTER (ev->wd));
  if (dir == NULL)
    return;
  if (ev->mask & IN_IGNORED)
    {
      gboolean root = ev->wd == hub->root_wd;
      g_hash_table_remove (hub->wd_dirs, GINT_TO_POINTER (ev->wd));
      if (root)
        lose_root (hub);
      return;
    }
  if (ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF))
    {
      if (ev->wd == hub->root_wd)
        lose_root (hub);
      return; /* a subdirectory: its parent reports it */
    }
  if (ev->len == 0 || ev->name[0] == '\0')
    return;

  g_autofree char *parent = g_strdup (dir); /* dir may be freed below */
  g_autofree char *rel = join (parent, ev->name);
  if (!served (hub, rel))
    return;
  if (ev->mask & IN_ISDIR)
    {
      if (ev->mask & IN_ATTRIB)
        return;
      if (ev->mask & (IN_MOVED_FROM | IN_DELETE))
        unwatch_tree (hub, rel);
      if (ev->mask & (IN_CREATE | IN_MOVED_TO))
        watch_tree (hub, rel);
      /* Everything below it changed. */
      note_url (hub, url_of (hub, rel, TRUE), g_get_monotonic_time ());
      note_url (hub, url_of (hub, parent, TRUE), g_get_monotonic_time ());
      return;
    }
  if (ev->mask & IN_CREATE)
    {
      /* A file being created is reported when it is closed; a symlink or a
       * hard link is complete at once. */
      struct stat st;
      g_autofree char *path = g_build_filename (hub->root, rel, NULL);
      if (lstat (path, &st) != 0 || S_ISREG (st.st_mode))
        return;
    }
  note_file (hub, parent, ev->name, rel);
  if (ev->mask & (IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO))
    note_url (hub, url_of (hub, parent, TRUE), g_get_monotonic_time ()); /* its listing */
}

static void
read_events (Hub *hub)
{
  /* Aligned for struct inotify_event (inotify(7)). */
  char buf[16384] __attribute__ ((aligned (__alignof__ (struct inotify_event))));

  for (;;)
    {
      ssize_t n = read (hub->inotify_fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return;
      for (char *p = buf; p < buf + n;)
        {
          const struct inotify_event *ev = (const struct inotify_event *) p;
          handle_event (hub, ev);
          p += sizeof (struct inotify_event) + ev->len;
        }
      check_root (hub);
    }
}

/* Under hub->lock: wakes every stream (a new generation, a heartbeat, the
 * end). */
static void
wake_all (Hub *hub)
{
  for (guint i = 0; i < hub->streams->len; i++)
    {
      Stream *st = hub->streams->pdata[i];
      if (st->wake != NULL)
        st->wake (st->wake_data);
    }
}

static gpointer
watcher_main (gpointer data)
{
  Hub *hub = data;
  gint64 next_beat = g_get_monotonic_time () + hub->heartbeat_us;

  for (;;)
    {
      gint64 now = g_get_monotonic_time ();
      int timeout = -1;

      g_mutex_lock (&hub->lock);
      gboolean settled = ds_changes_settle (hub->changes, now);
      if (settled)
        wake_all (hub);
      if (hub->streams->len == 0)
        next_beat = now + hub->heartbeat_us;
      else if (now >= next_beat)
        {
          hub->beat++;
          wake_all (hub);
          next_beat = now + hub->heartbeat_us;
        }
      gint64 deadline = ds_changes_deadline (hub->changes);
      if (hub->streams->len > 0)
        deadline = deadline < 0 ? next_beat : MIN (deadline, next_beat);
      g_mutex_unlock (&hub->lock);
      if (settled)
        ds_site_changed (hub->site); /* the search index, say */

      if (deadline >= 0)
        timeout = (int) MIN ((deadline - now + 999) / 1000, G_MAXINT);
      if (hub->root_lost)
        timeout = timeout < 0 ? ROOT_POLL_MS : MIN (timeout, ROOT_POLL_MS);
      /* No stream and nothing pending: sleep until inotify or the end
       * (a heartbeat is only needed once a stream opens, and a new stream
       * wakes this thread through stop_fd's neighbour below). */
      struct pollfd p[2] = {
        { .fd = hub->inotify_fd, .events = POLLIN },
        { .fd = hub->stop_fd, .events = POLLIN },
      };
      int rc = poll (p, 2, timeout);
      if (rc < 0 && errno != EINTR)
        break;
      if (p[1].revents != 0)
        {
          guint64 v;
          if (read (hub->stop_fd, &v, sizeof v) != (ssize_t) sizeof v)
            continue;
          if (v >= G_MAXUINT32)
            break; /* the stop value; 1 is a new stream */
          continue;
        }
      if (p[0].revents != 0)
        read_events (hub);
      if (hub->root_lost)
        find_root (hub);
    }
  return NULL;
}

/* ---- the event stream --------------------------------------------------- */

static void
stream_set_pending (Stream *st, char *text)
{
  g_string_assign (st->pending, text);
  st->pending_off = 0;
  g_free (text);
}

static gssize
stream_read (gpointer data, char *buf, gsize max)
{
  Stream *st = data;
  Hub *hub = st->hub;

  g_mutex_lock (&hub->lock);
  for (;;)
    {
      if (st->pending_off < st->pending->len)
        {
          gsize n = MIN (max, st->pending->len - st->pending_off);
          memcpy (buf, st->pending->str + st->pending_off, n);
          st->pending_off += n;
          g_mutex_unlock (&hub->lock);
          return (gssize) n;
        }
      if (st->cancelled)
        {
          g_mutex_unlock (&hub->lock);
          return -1;
        }
      if (!st->started)
        {
          st->started = TRUE;
          stream_set_pending (st, g_strdup_printf ("retry: %d\n: docserve live reload\n\n",
                                                   RETRY_MS));
          continue;
        }
      guint64 gen = ds_changes_generation (hub->changes);
      if (gen > st->sent_gen)
        {
          gboolean all = FALSE;
          g_auto (GStrv) urls = ds_changes_since (hub->changes, st->sent_gen, &all);
          stream_set_pending (st, ds_changes_format_event (gen, urls, all));
          st->sent_gen = gen;
          continue;
        }
      if (st->beat_seen != hub->beat)
        {
          st->beat_seen = hub->beat;
          stream_set_pending (st, g_strdup (": keep-alive\n\n"));
          continue;
        }
      g_mutex_unlock (&hub->lock);
      return 0;
    }
}

static void
stream_set_waker (gpointer data, DsStreamWakeFunc wake, gpointer wake_data)
{
  Stream *st = data;

  g_mutex_lock (&st->hub->lock);
  st->wake = wake;
  st->wake_data = wake_data;
  g_mutex_unlock (&st->hub->lock);
}

static void
stream_cancel (gpointer data)
{
  Stream *st = data;

  g_mutex_lock (&st->hub->lock);
  st->cancelled = TRUE;
  if (st->wake != NULL)
    st->wake (st->wake_data);
  g_mutex_unlock (&st->hub->lock);
}

static void
stream_free (gpointer data)
{
  Stream *st = data;

  g_mutex_lock (&st->hub->lock);
  g_ptr_array_remove_fast (st->hub->streams, st);
  g_mutex_unlock (&st->hub->lock);
  g_string_free (st->pending, TRUE);
  g_free (st);
}

static const DsStreamFuncs stream_funcs = {
  .read = stream_read,
  .set_waker = stream_set_waker,
  .cancel = stream_cancel,
  .free = stream_free,
};

/* The generation a reconnecting client last saw: the Last-Event-ID field
 * (EventSource sends it when it reconnects by itself), else the
 * "last-event-id" query parameter (reload.js's own reconnections); -1
 * when neither holds a number. */
static gint64
last_event_id (const DsRequest *req)
{
  const char *v = req->last_event_id;
  g_autofree char *from_query = NULL;

  if (v == NULL && req->query != NULL)
    {
      g_auto (GStrv) params = g_strsplit (req->query, "&", -1);
      for (guint i = 0; params[i] != NULL; i++)
        if (g_str_has_prefix (params[i], "last-event-id="))
          v = from_query = g_strdup (params[i] + strlen ("last-event-id="));
    }
  guint64 n = 0;
  if (v == NULL || !g_ascii_string_to_unsigned (v, 10, 0, G_MAXINT64, &n, NULL))
    return -1;
  return (gint64) n;
}

static void
serve_events (gconstpointer data, const DsSite *site, const DsRequest *req, const char *below,
              gboolean dir_slash, gint64 now, DsReply *reply)
{
  Hub *hub = (Hub *) data;

  if (below[0] != '\0' || dir_slash)
    {
      ds_reply_set_status_page (reply, site->error_pages, 404);
      return;
    }
  g_mutex_lock (&hub->lock);
  if (hub->streams->len >= hub->conf->watch_max_streams)
    {
      g_mutex_unlock (&hub->lock);
      ds_reply_set_status_page (reply, site->error_pages, 503);
      ds_reply_add_header (reply, "Retry-After", "5");
      return;
    }
  reply->status = 200;
  ds_reply_add_header (reply, "Content-Type", "text/event-stream");
  ds_reply_add_header (reply, "Cache-Control", "no-cache");
  if (strcmp (req->method, "HEAD") == 0)
    {
      g_mutex_unlock (&hub->lock);
      reply->body = DS_BODY_BUFFER;
      return;
    }
  Stream *st = g_new0 (Stream, 1);
  guint64 gen = ds_changes_generation (hub->changes);
  gint64 last = last_event_id (req);
  st->hub = hub;
  st->pending = g_string_new (NULL);
  /* A client that saw an older generation gets what it missed at once; one
   * from before a restart (a number ahead of ours) starts afresh. */
  st->sent_gen = last >= 0 && (guint64) last < gen ? (guint64) last : gen;
  st->beat_seen = hub->beat;
  gboolean first = hub->streams->len == 0;
  g_ptr_array_add (hub->streams, st);
  g_mutex_unlock (&hub->lock);
  if (first)
    {
      /* The watcher starts beating. */
      guint64 one = 1;
      (void) !write (hub->stop_fd, &one, sizeof one);
    }
  reply->body = DS_BODY_STREAM;
  reply->stream.funcs = &stream_funcs;
  reply->stream.data = st;
  /* The stream ends only when the client leaves or the server stops: no
   * keep-alive after it (the drain would wait for its idle timeout). */
  reply->close = TRUE;
}

static void
serve_reload_js (gconstpointer data, const DsSite *site, const DsRequest *req, const char *below,
                 gboolean dir_slash, gint64 now, DsReply *reply)
{
  g_autoptr (GBytes) body = NULL;

  if (below[0] == '\0' && !dir_slash)
    body = g_resource_lookup_data (docserve_assets_get_resource (), RELOAD_JS_RESOURCE,
                                   G_RESOURCE_LOOKUP_FLAGS_NONE, NULL);
  if (body == NULL)
    {
      ds_reply_set_status_page (reply, site->error_pages, 404);
      return;
    }
  const DsGenMeta meta = { .content_type = "text/javascript; charset=utf-8" };
  ds_gen_reply (site, req, &meta, body, now, reply);
}

/* ---- set-up ---------------------------------------------------------- */

static void
hub_free (gpointer data)
{
  Hub *hub = data;

  if (hub->thread != NULL)
    {
      guint64 stop = G_MAXUINT32;
      (void) !write (hub->stop_fd, &stop, sizeof stop);
      g_thread_join (hub->thread);
    }
  /* The server has stopped: its streams are gone. */
  g_warn_if_fail (hub->streams->len == 0);
  if (hub->inotify_fd >= 0)
    close (hub->inotify_fd);
  if (hub->stop_fd >= 0)
    close (hub->stop_fd);
  g_hash_table_unref (hub->wd_dirs);
  g_ptr_array_unref (hub->streams);
  ds_changes_free (hub->changes);
  g_mutex_clear (&hub->lock);
  g_free (hub->root);
  g_free (hub->root_base);
  g_free (hub->url_prefix);
  g_free (hub);
}

static gboolean
hub_start (gpointer data, GError **error)
{
  Hub *hub = data;

  (void) error;
  hub->thread = g_thread_new ("docserve-watch", watcher_main, hub);
  return TRUE;
}

gboolean
ds_watch_mount (DsSite *site, GError **error)
{
  Hub *hub = g_new0 (Hub, 1);

  hub->site = site;
  hub->conf = site->conf;
  hub->root = g_strdup (site->conf->root);
  hub->url_prefix = g_strdup (site->conf->system_docs ? "/doc/" : "/");
  g_mutex_init (&hub->lock);
  hub->changes = ds_changes_new (SETTLE_US, MAX_WAIT_US, MAX_URLS, HISTORY);
  hub->streams = g_ptr_array_new ();
  hub->heartbeat_us = (gint64) MAX (1u, site->conf->timeout / 2) * G_USEC_PER_SEC;
  hub->wd_dirs = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  hub->root_wd = -1;
  hub->parent_wd = -1;
  hub->inotify_fd = inotify_init1 (IN_NONBLOCK | IN_CLOEXEC);
  hub->stop_fd = eventfd (0, EFD_CLOEXEC);
  if (hub->inotify_fd < 0 || hub->stop_fd < 0)
    {
      int e = errno;
      g_set_error (error, DS_ERROR, DS_ERROR_RUNTIME, "--watch: inotify: %s", g_strerror (e));
      hub_free (hub);
      return FALSE;
    }
  watch_tree (hub, "");
  if (hub->root_wd < 0)
    {
      int e = errno;
      g_set_error (error, DS_ERROR, DS_ERROR_RUNTIME, "--watch: %s: %s", hub->root,
                   g_strerror (e));
      hub_free (hub);
      return FALSE;
    }
  /* The root's own name in its parent: deleted, replaced, renamed. */
  g_autofree char *canon = g_canonicalize_filename (hub->root, NULL);
  g_autofree char *parent = g_path_get_dirname (canon);
  hub->root_base = g_path_get_basename (canon);
  if (strcmp (canon, "/") != 0)
    hub->parent_wd = inotify_add_watch (hub->inotify_fd, parent,
                                        IN_CREATE | IN_MOVED_TO | IN_DELETE | IN_MOVED_FROM
                                            | IN_ONLYDIR);
  ds_site_on_start (site, hub_start, hub);
  ds_site_mount (site, ".docserve/events", serve_events, hub, hub_free);
  ds_site_mount (site, ".docserve/reload.js", serve_reload_js, NULL, NULL);
  return TRUE;
}

/* ---- injection ---------------------------------------------------------- */

gboolean
ds_watch_injects (const DsSite *site, const DsRequest *req, const char *type, gboolean identity,
                  guint64 size)
{
  return site->conf->watch && identity && size <= DS_WATCH_INJECT_MAX
         && (strcmp (req->method, "GET") == 0 || strcmp (req->method, "HEAD") == 0)
         && req->range == NULL && !ds_query_has (req->query, "raw")
         && type != NULL && g_ascii_strncasecmp (type, "text/html", 9) == 0
         && (type[9] == '\0' || type[9] == ';' || type[9] == ' ');
}

gboolean
ds_watch_inject_reply (DsReply *reply)
{
  g_return_val_if_fail (reply->body == DS_BODY_FILE && reply->offset == 0, FALSE);
  gsize len = (gsize) reply->length;
  g_autofree char *page = g_malloc (len + 1);
  gsize got = 0;

  while (got < len)
    {
      ssize_t n = pread (reply->fd, page + got, len - got, (off_t) got);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return FALSE; /* shrank or failed: the file path copes (server.c) */
      got += (gsize) n;
    }
  gsize out_len = 0;
  char *out = ds_inject_snippet (page, len, DS_WATCH_SNIPPET, &out_len);
  if (out == NULL)
    return FALSE;
  ds_fd_cleanup (&reply->fd);
  reply->body = DS_BODY_BUFFER;
  reply->buf = out;
  reply->buf_len = out_len;
  reply->length = 0;
  return TRUE;
}
