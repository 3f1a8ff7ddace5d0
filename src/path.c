/* path.c: request-target path to a safe relative path under the root.
 *
 * Owns the one place where a client's path becomes a file name, and the one
 * place where that name is opened.
 *
 * ds_path_sanitize() takes the raw path (libmicrohttpd's own decoder is
 * replaced by an identity callback: it turns %2F into '/' and truncates at
 * %00, see notes/libmicrohttpd-0.9.75.md section 4) and decides, in one
 * linear pass and without recursion:
 *
 * - Form (RFC 9112 section 3.2): origin-form must start with '/'.  Absolute-form
 *   ("http://host/p", "https://...", scheme case-insensitive, RFC 3986 section
 *   3.1) has its scheme and authority dropped; nothing left means "/".  An empty
 *   authority ("http:///p") is refused: RFC 9110 section 4.2.1 says a recipient
 *   must reject an http URI with an empty host.  "*" (OPTIONS) is the caller's.
 * - Bytes: a raw control byte (< 0x20, 0x7f), a raw '\' (Windows separator) and a
 *   raw '#' (a fragment is never sent, RFC 9112 section 3.2; RFC 3986 section
 *   3.5) are 400 anywhere in the target, authority included.
 * - Percent-decoding (RFC 3986 section 2.1) is strict: '%' must be followed by
 *   two hex digits.  A decoded NUL, control byte, '/' or '\' is 400: an encoded
 *   separator can only be an attempt to make one segment look like two (or two
 *   like one) to some layer below us.
 * - The decoded bytes must be valid UTF-8 (RFC 3629; g_utf8_validate_len()
 *   refuses overlong forms such as %c0%ae, surrogates and code points above
 *   U+10FFFF), so file names on disk are compared with what was meant.
 * - Dot segments (RFC 3986 section 5.2.4), decoded first, so "%2e%2e" is "..":
 *   empty segments and "." are dropped, ".." pops one segment, and a ".." with
 *   nothing to pop is 400 rather than clamped to the root, since no honest
 *   client produces one.  Because a decoded '/' is refused, splitting the
 *   decoded bytes on '/' splits exactly at the raw separators.
 * - Directory form: *out_dir_slash is TRUE when the path ends in '/', is the
 *   root, or its last segment is "." or ".." ("/a/b/.." is the directory "a",
 *   as a browser resolving the reference would see it, RFC 3986 section 5.2.4
 *   keeps the trailing '/' there too).  The handler redirects the non-slash form
 *   of a directory, so this decides between 200 and 301.
 * - Dotfiles: under DS_DOTFILES_DENY any remaining segment starting with '.' is
 *   404, except a first segment ".well-known" (RFC 8615).  Checked after
 *   normalisation, so "/.git/.." is the root and fine, and after every 400 rule,
 *   so a malformed request is 400 whatever it names.
 *
 * ds_path_encode() is the inverse for Location headers and hrefs: it keeps
 * RFC 3986 unreserved characters, sub-delims, ':' and '@' (pchar, section 3.3)
 * and encodes every other byte as uppercase %XX (section 2.1), so the result
 * always round-trips through ds_path_sanitize().
 *
 * ds_path_open() opens relative to the docroot fd with openat2(2) (Linux 5.6;
 * raw syscall, glibc 2.36 has no wrapper), so the kernel, not string checks,
 * keeps every lookup under the root:
 *   DS_SYMLINKS_INSIDE: RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS.  Note the
 *     kernel refuses *absolute* symlinks under RESOLVE_BENEATH even when they
 *     point back inside the root (EXDEV); only relative links that stay below
 *     the root are followed.
 *   DS_SYMLINKS_FOLLOW: RESOLVE_NO_MAGICLINKS only.
 *   DS_SYMLINKS_NONE:   RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
 *     RESOLVE_NO_MAGICLINKS (no symlink in any component).
 * EXDEV (would leave the root), ELOOP (symlink refused, or a link loop) and
 * ENAMETOOLONG (no such name can be opened, so none can be served) become
 * ENOENT: the client gets a 404 that reveals nothing about the tree.  EINTR is
 * retried; EAGAIN (RESOLVE_BENEATH lookups racing with a rename) is retried a
 * few times and then returned.
 *
 * ENOSYS means a kernel older than 5.6, or a seccomp filter that hides
 * openat2 (systemd's RestrictSUIDSGID=, implied by DynamicUser=, does: it
 * cannot inspect openat2's flags).  Then, for good, ds_path_open() walks the
 * path itself, one component at a time from the root fd: every component is
 * opened with O_PATH | O_NOFOLLOW, a symlink is read with readlinkat() and its
 * target spliced into the remaining components (absolute targets refused
 * under INSIDE, any link under NONE, at most 40 links), ".." pops the walked
 * names and re-walks from the root, so nothing ever climbs above it; the last
 * component is opened with O_NOFOLLOW, so a link swapped in meanwhile is
 * refused.  Under FOLLOW the fallback is a plain openat() from the root (the
 * sanitised path holds no ".."; magic links are not refused there).
 * Link targets (--link-target DIR): when the open under DS_SYMLINKS_INSIDE
 * fails because a symlink leads out of the root (EXDEV: an absolute link, or
 * a relative one climbing above the root), and link targets are set,
 * open_linked() walks the path again from the root, component by
 * component as the fallback walk does.  At the link that leaves, it knows
 * where it stands as a list of real directory names: the root's real path
 * (from /proc/self/fd, so the fd in hand, whatever SIGHUP swapped in) plus
 * the directories walked, or nothing for an absolute link.  The rest of the
 * link text then moves that position one component at a time: ".." pops a
 * name (only before any name of the link text is pushed: after one, the
 * name might itself be a symlink and ".." would not mean its parent, so the
 * path is refused), a name is pushed.  As soon as the position's components
 * equal a target's real path component for component (never a string
 * prefix: /usr/share/javascript-evil is not /usr/share/javascript), what is
 * left of the path (the rest of the link text, then the rest of the
 * request) is opened beneath that target's fd with RESOLVE_BENEATH (or the
 * walk), so a ".." there cannot climb out of the target; a symlink inside
 * it that leaves it is followed the same way only into another target (the
 * Read the Docs theme links into the font packages), at most 8 such hops.
 * A position that never matches is
 * refused (ENOENT), as before; more than 40 links is a loop (404).
 *
 * The fd keeps O_NONBLOCK (harmless for regular files and directories); the
 * caller fstat()s it and serves only S_ISREG or S_ISDIR, so a FIFO or device
 * is refused without ever being read.  *out_errno is also set to 0 on success,
 * and to EINVAL if a precondition (a normalised @rel) fails. */
#include "config.h"

#include "docserve/path.h"

#include "docserve/common.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* How often to retry an openat2() that failed with EAGAIN before giving up. */
#define OPEN_EAGAIN_RETRIES 16
#define MAX_SYMLINKS 40
/* How many times one lookup may pass from one link target into another. */
#define MAX_TARGET_HOPS 8
#define OPEN_FLAGS (O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)

/* Set once openat2 is found missing (ENOSYS), or by tests. */
static gint walk_only;

void
ds_path_use_openat2 (gboolean use)
{
  g_atomic_int_set (&walk_only, !use);
}

/* A stack of owned strings: the walk's components and names.  Plain
 * arrays, not GPtrArray, whose header comes from GLib's slice allocator:
 * its per-thread caches would stay with every connection thread. */
typedef struct
{
  char **v;
  guint len, cap;
} Names;

static void
names_push (Names *n, char *s)
{
  if (n->len == n->cap)
    {
      n->cap = n->cap > 0 ? n->cap * 2 : 8;
      n->v = g_renew (char *, n->v, n->cap);
    }
  n->v[n->len++] = s;
}

static void
names_clear (Names *n)
{
  for (guint i = 0; i < n->len; i++)
    g_free (n->v[i]);
  g_free (n->v);
}

/* Opens the directory reached from @root_fd through @names (each verified
 * not to be a symlink), as an O_PATH fd; -1 with errno on failure. */
static int
open_walked (int root_fd, const Names *names)
{
  int fd = fcntl (root_fd, F_DUPFD_CLOEXEC, 0);

  for (guint i = 0; fd >= 0 && i < names->len; i++)
    {
      int next = openat (fd, names->v[i], O_PATH | O_NOFOLLOW | O_DIRECTORY | O_CLOEXEC);
      int e = errno;
      close (fd);
      fd = next;
      errno = e;
    }
  return fd;
}

/* Prepends the '/'-separated components of @path to @todo (a stack: the
 * next component to resolve is last).  A trailing '/' becomes a final "."
 * component: what precedes it must then be a directory, as the kernel
 * resolves "name/". */
static void
push_components (Names *todo, const char *path)
{
  gsize end = strlen (path);

  if (end > 0 && path[end - 1] == '/')
    names_push (todo, g_strdup ("."));
  while (end > 0)
    {
      gsize start = end;
      while (start > 0 && path[start - 1] != '/')
        start--;
      if (end > start && !(end - start == 1 && path[start] == '.'))
        names_push (todo, g_strndup (path + start, end - start));
      end = start > 0 ? start - 1 : 0;
    }
}

/* The state of one walk: the directory reached (cur, O_PATH), the names
 * that led there from the root, and the components still to resolve. */
typedef struct
{
  int root_fd;
  DsSymlinks symlinks;
  int cur;
  Names todo;  /* a stack: the next component is last */
  Names names; /* from the root to cur, none a symlink */
  int links;   /* symlinks followed so far */
} Walk;

typedef enum
{
  STEP_NEXT, /* go on with the next component */
  STEP_STOP, /* failed: the errno is set */
  STEP_DONE  /* the last component is open */
} Step;

/* "..": back to the parent, reopened from the root through the names
 * (never above the root). */
static Step
walk_up (Walk *w, int *err)
{
  if (w->names.len == 0)
    {
      *err = EXDEV; /* would climb above the root */
      return STEP_STOP;
    }
  g_free (w->names.v[--w->names.len]);
  close (w->cur);
  w->cur = open_walked (w->root_fd, &w->names);
  if (w->cur < 0)
    *err = errno; /* and the walk ends: cur < 0 */
  return STEP_NEXT;
}

/* A symlink at @fd (closed here): its target's components are resolved
 * next, if the policy and MAX_SYMLINKS allow. */
static Step
walk_link (Walk *w, int fd, int *err)
{
  /* On the heap: 4 KiB more stack on every request's path would stay
   * resident in every connection thread. */
  gsize size = 4096;
  g_autofree char *target = g_malloc (size);
  ssize_t n = readlinkat (fd, "", target, size - 1);

  close (fd);
  if (w->symlinks == DS_SYMLINKS_NONE || ++w->links > MAX_SYMLINKS)
    {
      *err = ELOOP;
      return STEP_STOP;
    }
  if (n <= 0 || (size_t) n >= size - 1)
    {
      *err = n < 0 ? errno : ENAMETOOLONG;
      return STEP_STOP;
    }
  target[n] = '\0';
  if (target[0] == '/')
    {
      *err = EXDEV; /* absolute links are refused, as RESOLVE_BENEATH does */
      return STEP_STOP;
    }
  push_components (&w->todo, target);
  return STEP_NEXT;
}

/* Resolves component @c (taken when the walk descends into it); on
 * STEP_DONE, *out_fd is the last component opened for real. */
static Step
walk_step (Walk *w, char **c, int *out_fd, int *err)
{
  struct stat st;

  if (strcmp (*c, ".") == 0)
    return STEP_NEXT; /* cur is a directory already */
  if (strcmp (*c, "..") == 0)
    return walk_up (w, err);
  int fd = openat (w->cur, *c, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0 || fstat (fd, &st) != 0)
    {
      *err = errno;
      if (fd >= 0)
        close (fd);
      return STEP_STOP;
    }
  if (S_ISLNK (st.st_mode))
    return walk_link (w, fd, err);
  if (w->todo.len == 0)
    {
      /* The last component: open it for real, refusing a link swapped in. */
      close (fd);
      *out_fd = openat (w->cur, *c, OPEN_FLAGS | O_NOFOLLOW);
      *err = *out_fd >= 0 ? 0 : errno;
      return STEP_DONE;
    }
  if (!S_ISDIR (st.st_mode))
    {
      close (fd);
      *err = ENOTDIR;
      return STEP_STOP;
    }
  close (w->cur);
  w->cur = fd;
  names_push (&w->names, g_steal_pointer (c));
  return STEP_NEXT;
}

/* The resolver for kernels without openat2; see the module comment. */
static int
open_walk (int root_fd, const char *rel, DsSymlinks symlinks, int *out_errno)
{
  if (symlinks == DS_SYMLINKS_FOLLOW)
    {
      int fd = openat (root_fd, rel[0] != '\0' ? rel : ".", OPEN_FLAGS);
      *out_errno = fd >= 0 ? 0 : errno;
      return fd;
    }

  Walk w = { .root_fd = root_fd, .symlinks = symlinks,
             .cur = fcntl (root_fd, F_DUPFD_CLOEXEC, 0) };
  Step step = STEP_NEXT;
  int err = 0, real = -1;

  push_components (&w.todo, rel);
  while (step == STEP_NEXT && w.cur >= 0 && w.todo.len > 0)
    {
      g_autofree char *c = w.todo.v[--w.todo.len];
      step = walk_step (&w, &c, &real, &err);
    }
  names_clear (&w.todo);
  names_clear (&w.names);
  if (step == STEP_DONE)
    {
      close (w.cur);
      *out_errno = err;
      return real;
    }
  if (w.cur >= 0 && err == 0)
    {
      /* Ended on a directory (the root, or a link to "." or ".."). */
      real = openat (w.cur, ".", OPEN_FLAGS);
      err = real >= 0 ? 0 : errno;
      close (w.cur);
      *out_errno = err;
      return real;
    }
  if (w.cur >= 0)
    close (w.cur);
  *out_errno = err != 0 ? err : EIO;
  return -1;
}

struct _DsLinkTargets
{
  guint n;
  int *fds;        /* O_PATH directory fds */
  char ***comps;   /* each target's real path, split at '/' (no empty parts) */
};

/* Set by ds_path_set_link_targets before serving; read-only afterwards. */
static DsLinkTargets *link_targets;

static char **
split_abs (const char *path)
{
  g_auto (GStrv) parts = g_strsplit (path, "/", -1);
  GPtrArray *out = g_ptr_array_new ();

  for (guint i = 0; parts[i] != NULL; i++)
    if (parts[i][0] != '\0')
      g_ptr_array_add (out, g_strdup (parts[i]));
  g_ptr_array_add (out, NULL);
  return (char **) g_ptr_array_free (out, FALSE);
}

DsLinkTargets *
ds_link_targets_new (const char *const *dirs, GError **error)
{
  g_return_val_if_fail (dirs != NULL, NULL);

  g_autoptr (DsLinkTargets) t = g_new0 (DsLinkTargets, 1);
  guint n = g_strv_length ((char **) dirs);

  t->fds = g_new (int, n);
  t->comps = g_new0 (char **, n);
  for (guint i = 0; i < n; i++)
    {
      char *real = realpath (dirs[i], NULL);
      int fd = real != NULL ? open (real, O_PATH | O_DIRECTORY | O_CLOEXEC) : -1;
      if (fd < 0)
        {
          int e = errno;
          free (real);
          g_set_error (error, DS_ERROR, DS_ERROR_RUNTIME, "--link-target: %s: %s", dirs[i],
                       e == ENOTDIR ? "not a directory" : g_strerror (e));
          return NULL;
        }
      t->fds[t->n] = fd;
      t->comps[t->n] = split_abs (real);
      t->n++;
      free (real);
    }
  return g_steal_pointer (&t);
}

void
ds_link_targets_free (DsLinkTargets *targets)
{
  if (targets == NULL)
    return;
  for (guint i = 0; i < targets->n; i++)
    {
      close (targets->fds[i]);
      g_strfreev (targets->comps[i]);
    }
  g_free (targets->fds);
  g_free (targets->comps);
  g_free (targets);
}

void
ds_path_set_link_targets (DsLinkTargets *targets)
{
  DsLinkTargets *old = g_atomic_pointer_exchange (&link_targets, targets);

  ds_link_targets_free (old);
}

gboolean
ds_path_set_link_target_dirs (const char *const *dirs, GError **error)
{
  g_return_val_if_fail (dirs != NULL, FALSE);

  if (dirs[0] == NULL)
    {
      ds_path_set_link_targets (NULL);
      return TRUE;
    }
  DsLinkTargets *t = ds_link_targets_new (dirs, error);
  if (t == NULL)
    return FALSE;
  ds_path_set_link_targets (t);
  return TRUE;
}

/* The index of the target whose real path is exactly @pos, or -1. */
static int
match_target (const DsLinkTargets *t, const Names *pos)
{
  for (guint i = 0; i < t->n; i++)
    {
      guint len = g_strv_length (t->comps[i]);
      gboolean same = len == pos->len;
      for (guint j = 0; same && j < len; j++)
        same = strcmp (t->comps[i][j], pos->v[j]) == 0;
      if (same)
        return (int) i;
    }
  return -1;
}

static int open_beneath (int root_fd, const char *name, int *out_errno);
static int open_linked (const DsLinkTargets *t, int root_fd, const char *rel, guint depth,
                        int *out_errno);

/* Opens what is left on @todo (the next component last) beneath target @i;
 * a link there that leaves it is followed into another target the same
 * way, at most MAX_TARGET_HOPS deep. */
static int
open_in_target (const DsLinkTargets *t, int i, Names *todo, guint depth, int *out_errno)
{
  GString *rest = g_string_new (NULL);

  while (todo->len > 0)
    {
      g_autofree char *c = todo->v[--todo->len];
      if (rest->len > 0)
        g_string_append_c (rest, '/');
      g_string_append (rest, c);
    }
  g_autofree char *name = g_string_free (rest, FALSE);
  int fd = open_beneath (t->fds[i], name[0] != '\0' ? name : ".", out_errno);
  if (fd < 0 && *out_errno == EXDEV && depth < MAX_TARGET_HOPS)
    fd = open_linked (t, t->fds[i], name, depth + 1, out_errno);
  return fd;
}

/* Pushes @c (owned) on @n, or pops for "..", skipping "." ; FALSE if ".."
 * has nothing to pop. */
static gboolean
step (Names *n, char *c)
{
  if (strcmp (c, ".") == 0)
    {
      g_free (c);
      return TRUE;
    }
  if (strcmp (c, "..") == 0)
    {
      g_free (c);
      if (n->len == 0)
        return FALSE;
      g_free (n->v[--n->len]);
      return TRUE;
    }
  names_push (n, c);
  return TRUE;
}

/* Outside the root at @pos (owned), with @todo still to resolve: moves
 * along until @pos is a link target, then opens the rest beneath it.  See
 * the module comment. */
static int
follow_outside (const DsLinkTargets *t, Names *pos, Names *todo, guint depth, int *out_errno)
{
  guint pushed = 0;
  int fd = -1;

  *out_errno = ENOENT;
  for (;;)
    {
      int i = match_target (t, pos);
      if (i >= 0)
        {
          fd = open_in_target (t, i, todo, depth, out_errno);
          break;
        }
      if (todo->len == 0)
        break;
      char *c = todo->v[--todo->len];
      if (strcmp (c, "..") == 0 && pushed > 0)
        {
          g_free (c);
          break;
        }
      gboolean is_name = strcmp (c, ".") != 0 && strcmp (c, "..") != 0;
      if (!step (pos, c))
        break;
      pushed += is_name ? 1 : 0;
    }
  names_clear (pos);
  return fd;
}

/* The real path of directory fd @fd, split; NULL if it cannot be read. */
static char **
fd_components (int fd)
{
  char proc[64];
  char buf[4096];

  g_snprintf (proc, sizeof proc, "/proc/self/fd/%d", fd);
  ssize_t n = readlink (proc, buf, sizeof buf - 1);
  if (n <= 0 || buf[0] != '/')
    return NULL;
  buf[n] = '\0';
  return split_abs (buf);
}

/* The walk of open_walk under DS_SYMLINKS_INSIDE, except that a symlink
 * leading out of the root is followed into a link target; see the module
 * comment. */
static int
open_linked (const DsLinkTargets *t, int root_fd, const char *rel, guint depth, int *out_errno)
{
  Names todo = { 0 }, names = { 0 };
  int cur = fcntl (root_fd, F_DUPFD_CLOEXEC, 0);
  int links = 0;
  int err = cur >= 0 ? 0 : errno;

  push_components (&todo, rel);
  while (cur >= 0 && todo.len > 0)
    {
      g_autofree char *c = todo.v[--todo.len];
      struct stat st;

      if (strcmp (c, ".") == 0)
        continue;
      if (strcmp (c, "..") == 0)
        {
          if (names.len == 0)
            {
              /* Leaving the root upwards: from its real path. */
              g_auto (GStrv) root = fd_components (root_fd);
              Names pos = { 0 };
              for (guint i = 0; root != NULL && root[i] != NULL; i++)
                names_push (&pos, g_strdup (root[i]));
              close (cur);
              names_clear (&names);
              int fd = -1;
              if (root != NULL && pos.len > 0)
                {
                  g_free (pos.v[--pos.len]);
                  fd = follow_outside (t, &pos, &todo, depth, out_errno);
                }
              else
                {
                  names_clear (&pos);
                  *out_errno = ENOENT;
                }
              names_clear (&todo);
              return fd;
            }
          g_free (names.v[--names.len]);
          close (cur);
          cur = open_walked (root_fd, &names);
          err = cur < 0 ? errno : 0;
          continue;
        }
      int fd = openat (cur, c, O_PATH | O_NOFOLLOW | O_CLOEXEC);
      if (fd < 0 || fstat (fd, &st) != 0)
        {
          err = errno;
          if (fd >= 0)
            close (fd);
          break;
        }
      if (S_ISLNK (st.st_mode))
        {
          gsize size = 4096;
          g_autofree char *target = g_malloc (size);
          ssize_t n = readlinkat (fd, "", target, size - 1);
          close (fd);
          if (++links > MAX_SYMLINKS)
            {
              err = ELOOP;
              break;
            }
          if (n <= 0 || (size_t) n >= size - 1)
            {
              err = n < 0 ? errno : ENAMETOOLONG;
              break;
            }
          target[n] = '\0';
          push_components (&todo, target);
          if (target[0] == '/')
            {
              Names pos = { 0 };
              close (cur);
              names_clear (&names);
              int out = follow_outside (t, &pos, &todo, depth, out_errno);
              names_clear (&todo);
              return out;
            }
          continue;
        }
      if (todo.len == 0)
        {
          close (fd);
          int real = openat (cur, c, OPEN_FLAGS | O_NOFOLLOW);
          err = real >= 0 ? 0 : errno;
          close (cur);
          names_clear (&todo);
          names_clear (&names);
          *out_errno = err;
          return real;
        }
      if (!S_ISDIR (st.st_mode))
        {
          close (fd);
          err = ENOTDIR;
          break;
        }
      close (cur);
      cur = fd;
      names_push (&names, g_steal_pointer (&c));
    }
  names_clear (&todo);
  names_clear (&names);
  if (cur >= 0 && err == 0)
    {
      /* Ended on a directory (a link to "." or ".."). */
      int real = openat (cur, ".", OPEN_FLAGS);
      err = real >= 0 ? 0 : errno;
      close (cur);
      *out_errno = err;
      return real;
    }
  if (cur >= 0)
    close (cur);
  *out_errno = err != 0 ? err : EIO;
  return -1;
}

static gboolean
is_forbidden_byte (guchar c)
{
  return c < 0x20 || c == 0x7f || c == '\\';
}

static gboolean
segment_is (const char *seg, gsize len, const char *word)
{
  gsize wlen = strlen (word);

  return len == wlen && memcmp (seg, word, wlen) == 0;
}

/* If *path is absolute-form, moves *path and *path_len past its scheme and
 * authority ("" when nothing follows the authority).  Returns FALSE if the
 * authority is empty or holds a forbidden byte. */
static gboolean
strip_absolute_form (const char **path, gsize *path_len)
{
  const char *p = *path;
  gsize len = *path_len;
  gsize skip = 0;

  if (len >= 7 && g_ascii_strncasecmp (p, "http://", 7) == 0)
    skip = 7;
  else if (len >= 8 && g_ascii_strncasecmp (p, "https://", 8) == 0)
    skip = 8;
  else
    return TRUE;

  p += skip;
  len -= skip;

  const char *slash = memchr (p, '/', len);
  gsize auth_len = slash != NULL ? (gsize) (slash - p) : len;

  if (auth_len == 0)
    return FALSE;
  for (gsize i = 0; i < auth_len; i++)
    {
      guchar c = (guchar) p[i];
      if (is_forbidden_byte (c) || c == '#')
        return FALSE;
    }

  *path = p + auth_len;
  *path_len = len - auth_len;
  return TRUE;
}

/* Decodes @len bytes of @raw into @out (room for @len bytes), applying the
 * byte rules above.  Returns the decoded length, or -1 for a 400. */
static gssize
percent_decode (const char *raw, gsize len, char *out)
{
  gsize n = 0;

  for (gsize i = 0; i < len; i++)
    {
      guchar c = (guchar) raw[i];

      if (is_forbidden_byte (c) || c == '#')
        return -1;
      if (c == '%')
        {
          if (len - i < 3)
            return -1;
          int hi = g_ascii_xdigit_value (raw[i + 1]);
          int lo = g_ascii_xdigit_value (raw[i + 2]);
          if (hi < 0 || lo < 0)
            return -1;
          c = (guchar) (hi * 16 + lo);
          if (is_forbidden_byte (c) || c == '/')
            return -1;
          i += 2;
        }
      out[n++] = (char) c;
    }
  return (gssize) n;
}

/* Dot-segment removal over the decoded path @buf (@len bytes, starting
 * with '/'), in place: kept segments are appended at the front, '/'
 * between them; ".." drops the last one (a segment holds no '/'), so every
 * byte is written and dropped at most once: linear whatever the input.
 * NUL-terminates the result.  FALSE if ".." would climb above the root;
 * *out_dir_slash: the path ended with '/', "." or "..". */
static gboolean
remove_dot_segments (char *buf, gsize len, gboolean *out_dir_slash)
{
  gsize out = 0, depth = 0;
  gboolean dir_slash = TRUE;
  gsize pos = 1; /* past the leading '/' */

  while (pos <= len)
    {
      const char *end = memchr (buf + pos, '/', len - pos);
      gsize seg_end = end != NULL ? (gsize) (end - buf) : len;
      gsize seg_len = seg_end - pos;
      const char *s = buf + pos;

      if (seg_len == 0 || segment_is (s, seg_len, "."))
        dir_slash = TRUE;
      else if (segment_is (s, seg_len, ".."))
        {
          if (depth == 0)
            return FALSE;
          while (out > 0 && buf[out - 1] != '/')
            out--;
          if (out > 0)
            out--; /* the '/' before it */
          depth--;
          dir_slash = TRUE;
        }
      else
        {
          if (depth > 0)
            buf[out++] = '/';
          memmove (buf + out, s, seg_len);
          out += seg_len;
          depth++;
          dir_slash = FALSE;
        }
      pos = seg_end + 1;
    }
  buf[out] = '\0';
  *out_dir_slash = dir_slash;
  return TRUE;
}

/* Whether a segment of normalised @rel starts with '.', other than a
 * leading ".well-known". */
static gboolean
has_dotfile (const char *rel)
{
  gsize len = strlen (rel);

  for (gsize i = 0; i < len; i++)
    {
      if (rel[i] != '.' || (i > 0 && rel[i - 1] != '/'))
        continue;
      if (i == 0)
        {
          const char *slash = strchr (rel, '/');
          gsize first_len = slash != NULL ? (gsize) (slash - rel) : len;
          if (segment_is (rel, first_len, ".well-known"))
            continue;
        }
      return TRUE;
    }
  return FALSE;
}

DsPathResult
ds_path_sanitize (const char *raw, gsize raw_len, DsDotfiles dotfiles,
                  char **out_rel, gboolean *out_dir_slash)
{
  g_return_val_if_fail (raw != NULL || raw_len == 0, DS_PATH_BAD_REQUEST);
  g_return_val_if_fail (out_rel != NULL, DS_PATH_BAD_REQUEST);
  g_return_val_if_fail (out_dir_slash != NULL, DS_PATH_BAD_REQUEST);

  const char *path = raw;
  gsize path_len = raw_len;

  if (!strip_absolute_form (&path, &path_len))
    return DS_PATH_BAD_REQUEST;
  if (path != raw && path_len == 0)
    {
      /* "http://host": the root. */
      path = "/";
      path_len = 1;
    }
  if (path_len == 0 || path[0] != '/')
    return DS_PATH_BAD_REQUEST;

  /* One allocation, which becomes *out_rel: the decoded bytes, then the
   * normalised path written over them (it is never longer, and it is
   * written at or before where it is read). */
  g_autofree char *buf = g_malloc (path_len + 1);
  gssize dec_len = percent_decode (path, path_len, buf);
  gboolean dir_slash = TRUE;
  if (dec_len < 0)
    return DS_PATH_BAD_REQUEST;
  if (!g_utf8_validate_len (buf, (gsize) dec_len, NULL))
    return DS_PATH_BAD_REQUEST;
  if (!remove_dot_segments (buf, (gsize) dec_len, &dir_slash))
    return DS_PATH_BAD_REQUEST;
  if (dotfiles == DS_DOTFILES_DENY && has_dotfile (buf))
    return DS_PATH_NOT_FOUND;

  *out_rel = g_steal_pointer (&buf);
  *out_dir_slash = dir_slash;
  return DS_PATH_OK;
}

static gboolean
is_pchar_safe (guchar c)
{
  return g_ascii_isalnum (c)
         || (c != '\0' && strchr ("-._~!$&'()*+,;=:@", c) != NULL);
}

char *
ds_path_encode (const char *rel)
{
  g_return_val_if_fail (rel != NULL, NULL);

  GString *out = g_string_sized_new (strlen (rel) + 1);

  g_string_append_c (out, '/');
  for (const char *p = rel; *p != '\0'; p++)
    {
      guchar c = (guchar) *p;

      if (c == '/' || is_pchar_safe (c))
        g_string_append_c (out, (char) c);
      else
        g_string_append_printf (out, "%%%02X", (unsigned) c);
    }
  return g_string_free (out, FALSE);
}

/* A relative path as ds_path_sanitize() produces it: no leading '/', no empty,
 * "." or ".." segment.  Under DS_SYMLINKS_FOLLOW the kernel does not keep the
 * lookup beneath the root, so anything else would be a hole. */
static gboolean
rel_is_normal (const char *rel)
{
  if (rel[0] == '\0')
    return TRUE;

  const char *seg = rel;
  for (;;)
    {
      const char *slash = strchr (seg, '/');
      gsize len = slash != NULL ? (gsize) (slash - seg) : strlen (seg);

      if (len == 0 || segment_is (seg, len, ".") || segment_is (seg, len, ".."))
        return FALSE;
      if (slash == NULL)
        return TRUE;
      seg = slash + 1;
    }
}

/* openat2 of @name below @root_fd with @how, retried on EINTR and (a few
 * times) EAGAIN, falling back for good to the walk of @rel on ENOSYS.
 * Returns the fd, or -1 with the raw errno in *out_errno. */
static int
open_how_retry (int root_fd, const char *name, const char *rel, const struct open_how *how,
                DsSymlinks symlinks, int *out_errno)
{
  int eagain_left = OPEN_EAGAIN_RETRIES;

  for (;;)
    {
      long fd = -1;
      int err = ENOSYS;

      if (!g_atomic_int_get (&walk_only))
        {
          fd = syscall (SYS_openat2, root_fd, name, how, sizeof *how);
          err = errno;
        }
      if (fd >= 0)
        return (int) fd;
      if (err == ENOSYS)
        {
          g_atomic_int_set (&walk_only, 1);
          fd = open_walk (root_fd, rel, symlinks, &err);
          if (fd >= 0)
            return (int) fd;
        }
      if (err == EINTR)
        continue;
      if (err == EAGAIN && eagain_left-- > 0)
        continue;
      *out_errno = err;
      return -1;
    }
}

/* Opens @name (which may hold ".." components) beneath directory @dir_fd,
 * never leaving it: RESOLVE_BENEATH, or the walk. */
static int
open_beneath (int dir_fd, const char *name, int *out_errno)
{
  struct open_how how = { 0 };

  how.flags = OPEN_FLAGS;
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
  return open_how_retry (dir_fd, name, name, &how, DS_SYMLINKS_INSIDE, out_errno);
}

/* Returns the fd, or -1 with *out_errno set.  Also sets *out_errno to 0 on
 * success. */
int
ds_path_open (int root_fd, const char *rel, DsSymlinks symlinks, int *out_errno)
{
  g_return_val_if_fail (out_errno != NULL, -1);
  *out_errno = EINVAL;
  g_return_val_if_fail (root_fd >= 0, -1);
  g_return_val_if_fail (rel != NULL && rel_is_normal (rel), -1);

  struct open_how how = { 0 };
  how.flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
  switch (symlinks)
    {
    case DS_SYMLINKS_INSIDE:
      how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
      break;
    case DS_SYMLINKS_FOLLOW:
      how.resolve = RESOLVE_NO_MAGICLINKS;
      break;
    case DS_SYMLINKS_NONE:
      how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
      break;
    default:
      g_return_val_if_reached (-1);
    }

  const char *name = rel[0] != '\0' ? rel : ".";
  int err = 0;
  int fd = open_how_retry (root_fd, name, rel, &how, symlinks, &err);

  if (fd < 0 && err == EXDEV && symlinks == DS_SYMLINKS_INSIDE)
    {
      const DsLinkTargets *t = g_atomic_pointer_get (&link_targets);
      if (t != NULL && t->n > 0)
        fd = open_linked (t, root_fd, rel, 0, &err);
    }
  if (fd >= 0)
    {
      *out_errno = 0;
      return fd;
    }
  if (err == EXDEV || err == ELOOP || err == ENAMETOOLONG)
    err = ENOENT;
  *out_errno = err;
  return -1;
}
