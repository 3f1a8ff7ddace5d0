/* handler.c: decides one request, without libmicrohttpd.
 *
 * Order of checks (each answers or falls through):
 *   method (RFC 9110 §9: GET, HEAD, OPTIONS served; other registered methods
 *   405 with Allow, §15.5.6; unknown tokens 501, §15.6.2), Transfer-Encoding
 *   other than chunked (501, RFC 9112 §6.1), Host (400 when missing on
 *   HTTP/1.1 or repeated, RFC 9112 §3.2), path (path.c), open below the root
 *   (openat2), directory handling (301 to the slash form, index files, 403),
 *   then the preconditions of RFC 9110 §13.2.2 and the 200.
 * Errors map to statuses in one place, status_for_errno(). */
#include "config.h"

#include "docserve/handler.h"

#include "docserve/common.h"
#include "docserve/httpdate.h"
#include "docserve/path.h"
#include "docserve/status.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define ALLOW_VALUE "GET, HEAD, OPTIONS"

void
ds_reply_init (DsReply *reply)
{
  memset (reply, 0, sizeof *reply);
  reply->fd = -1;
}

void
ds_reply_clear (DsReply *reply)
{
  g_free (reply->buf);
  ds_fd_cleanup (&reply->fd);
  for (guint i = 0; i < reply->n_headers; i++)
    g_free (reply->headers[i].value);
  ds_reply_init (reply);
}

void
ds_reply_add_header (DsReply *reply, const char *name, const char *value)
{
  g_assert (reply->n_headers < DS_REPLY_MAX_HEADERS);
  reply->headers[reply->n_headers].name = name;
  reply->headers[reply->n_headers].value = g_strdup (value);
  reply->n_headers++;
}

const char *
ds_reply_get_header (const DsReply *reply, const char *name)
{
  for (guint i = 0; i < reply->n_headers; i++)
    if (g_ascii_strcasecmp (reply->headers[i].name, name) == 0)
      return reply->headers[i].value;
  return NULL;
}

void
ds_reply_set_status_page (DsReply *reply, guint status)
{
  g_free (reply->buf);
  ds_fd_cleanup (&reply->fd);
  reply->status = status;
  reply->body = DS_BODY_BUFFER;
  reply->buf = ds_status_page (status, &reply->buf_len);
  ds_reply_add_header (reply, "Content-Type", "text/html; charset=utf-8");
}

static gboolean
is_served_method (const char *m)
{
  return strcmp (m, "GET") == 0 || strcmp (m, "HEAD") == 0 || strcmp (m, "OPTIONS") == 0;
}

/* Methods defined by RFC 9110 §9 and PATCH (RFC 5789): known to exist, not
 * allowed on a static resource, so 405 rather than 501. */
static gboolean
is_known_method (const char *m)
{
  static const char *const known[]
      = { "POST", "PUT", "DELETE", "CONNECT", "TRACE", "PATCH", NULL };
  for (int i = 0; known[i] != NULL; i++)
    if (strcmp (m, known[i]) == 0)
      return TRUE;
  return FALSE;
}

/* "chunked" is the only transfer coding libmicrohttpd decodes; a request
 * body in any other coding cannot be delimited, so it is refused and the
 * connection closed (RFC 9112 §6.1: 501 for a coding not understood). */
static gboolean
te_is_chunked (const char *te)
{
  g_autofree char *v = g_strstrip (g_strdup (te));
  return g_ascii_strcasecmp (v, "chunked") == 0;
}

guint
ds_handler_precheck (const DsRequest *req)
{
  if (!is_served_method (req->method))
    return is_known_method (req->method) ? 405 : 501;
  if (req->transfer_encoding != NULL && !te_is_chunked (req->transfer_encoding))
    return 501;
  if (req->host_count > 1 || (req->host_count == 0 && g_strcmp0 (req->version, "HTTP/1.0") != 0))
    return 400;
  return 0;
}

static void
set_error (DsReply *reply, guint status)
{
  ds_reply_set_status_page (reply, status);
  if (status == 405)
    ds_reply_add_header (reply, "Allow", ALLOW_VALUE);
  if (status == 501 || status == 503 || status == 400)
    reply->close = TRUE;
}

static guint
status_for_errno (int e)
{
  switch (e)
    {
    case ENOENT:
    case ENOTDIR:
    case ENAMETOOLONG:
    case ELOOP:
    case EXDEV:
      return 404;
    case EACCES:
    case EPERM:
      return 403;
    case EMFILE:
    case ENFILE:
      return 503;
    default:
      return 500;
    }
}

/* Opens @rel and fstat()s it.  Returns 0 and the fd, or a status. */
static guint
open_stat (const DsSite *site, const char *rel, int *out_fd, struct stat *st)
{
  int e = 0;
  int fd = ds_path_open (site->root_fd, rel, site->conf->symlinks, &e);

  if (fd < 0)
    return status_for_errno (e);
  if (fstat (fd, st) != 0)
    {
      e = errno;
      close (fd);
      return status_for_errno (e);
    }
  *out_fd = fd;
  return 0;
}

static void
redirect_to_slash (const char *rel, const DsRequest *req, DsReply *reply)
{
  /* Built from the normalised path, never from the raw target, so the
   * Location always starts with exactly one '/' ("//evil.example/" cannot
   * become a protocol-relative redirect). */
  g_autofree char *enc = ds_path_encode (rel);
  g_autofree char *loc = g_strconcat (enc, rel[0] != '\0' ? "/" : "",
                                      req->query != NULL ? "?" : "",
                                      req->query != NULL ? req->query : "", NULL);
  ds_reply_set_status_page (reply, 301);
  ds_reply_add_header (reply, "Location", loc);
}

static void
serve_file (const DsSite *site, const DsRequest *req, const char *name, int fd,
            const struct stat *st, gint64 now, DsReply *reply)
{
  char etag[DS_ETAG_LEN];
  char lastmod[DS_HTTPDATE_LEN];
  gint64 mtime = (gint64) st->st_mtim.tv_sec;
  gint64 mtime_ns = mtime * G_GINT64_CONSTANT (1000000000) + st->st_mtim.tv_nsec;
  const DsCondFields cond = {
    .if_match = req->if_match,
    .if_none_match = req->if_none_match,
    .if_modified_since = req->if_modified_since,
    .if_unmodified_since = req->if_unmodified_since,
  };

  /* A file stamped in the future gets Last-Modified = now (RFC 9110 §8.8.2.1). */
  gint64 lm = mtime > now ? now : mtime;
  ds_etag_make ((guint64) st->st_size, mtime_ns, etag);
  ds_httpdate_format (lm, lastmod);

  switch (ds_cond_evaluate (&cond, TRUE, etag, lm, now))
    {
    case DS_COND_PRECONDITION_FAILED:
      close (fd);
      set_error (reply, 412);
      return;
    case DS_COND_NOT_MODIFIED:
      /* Same fd and size as the 200: libmicrohttpd then sends the 200's
       * Content-Length and no body (RFC 9110 §15.4.5, §8.6). */
      reply->status = 304;
      break;
    case DS_COND_PROCEED:
    default:
      reply->status = 200;
      ds_reply_add_header (reply, "Content-Type",
                           ds_mime_lookup_or_default (site->mime, name));
      break;
    }
  reply->body = DS_BODY_FILE;
  reply->fd = fd;
  reply->offset = 0;
  reply->length = (guint64) st->st_size;
  ds_reply_add_header (reply, "ETag", etag);
  ds_reply_add_header (reply, "Last-Modified", lastmod);
}

/* Serves the first index file of directory @rel; 403 if there is none. */
static void
serve_index (const DsSite *site, const DsRequest *req, const char *rel, gint64 now,
             DsReply *reply)
{
  for (char **idx = site->conf->index_files; idx != NULL && *idx != NULL; idx++)
    {
      g_autofree char *path = rel[0] != '\0' ? g_strconcat (rel, "/", *idx, NULL) : g_strdup (*idx);
      struct stat st;
      int fd = -1;
      guint status = open_stat (site, path, &fd, &st);

      if (status == 404)
        continue;
      if (status != 0)
        {
          set_error (reply, status);
          return;
        }
      if (!S_ISREG (st.st_mode))
        {
          close (fd);
          continue;
        }
      serve_file (site, req, *idx, fd, &st, now, reply);
      return;
    }
  set_error (reply, 403);
}

void
ds_handler_decide (const DsSite *site, const DsRequest *req, gint64 now, DsReply *out_reply)
{
  g_autofree char *rel = NULL;
  gboolean dir_slash = FALSE;
  guint status = ds_handler_precheck (req);

  if (status != 0)
    {
      set_error (out_reply, status);
      return;
    }
  if (strcmp (req->method, "OPTIONS") == 0)
    {
      /* OPTIONS * and OPTIONS /path both describe the server's one policy. */
      out_reply->status = 204;
      out_reply->body = DS_BODY_NONE;
      ds_reply_add_header (out_reply, "Allow", ALLOW_VALUE);
      return;
    }

  switch (ds_path_sanitize (req->path, req->path_len, site->conf->dotfiles, &rel, &dir_slash))
    {
    case DS_PATH_OK:
      break;
    case DS_PATH_NOT_FOUND:
      set_error (out_reply, 404);
      return;
    case DS_PATH_BAD_REQUEST:
    default:
      set_error (out_reply, 400);
      return;
    }

  struct stat st;
  int fd = -1;
  status = open_stat (site, rel, &fd, &st);
  if (status != 0)
    {
      set_error (out_reply, status);
      return;
    }
  if (S_ISDIR (st.st_mode))
    {
      close (fd);
      if (!dir_slash)
        redirect_to_slash (rel, req, out_reply);
      else
        serve_index (site, req, rel, now, out_reply);
      return;
    }
  if (!S_ISREG (st.st_mode))
    {
      /* FIFOs, sockets, devices: never read them. */
      close (fd);
      set_error (out_reply, 403);
      return;
    }
  if (dir_slash)
    {
      /* "/file.txt/" names a directory that does not exist. */
      close (fd);
      set_error (out_reply, 404);
      return;
    }
  const char *slash = strrchr (rel, '/');
  serve_file (site, req, slash != NULL ? slash + 1 : rel, fd, &st, now, out_reply);
}
