/* handler.c: decides one request, without libmicrohttpd.
 *
 * Order of checks (each answers or falls through):
 *   method (RFC 9110 §9: GET, HEAD, OPTIONS served; other registered methods
 *   405 with Allow, §15.5.6; unknown tokens 501, §15.6.2), Transfer-Encoding
 *   other than chunked (501, RFC 9112 §6.1), Host (400 when missing on
 *   HTTP/1.1 or repeated, RFC 9112 §3.2), path (path.c), open below the root
 *   (openat2), directory handling (301 to the slash form, index files, a
 *   listing, or 403), representation selection (precompressed sidecars and
 *   docs-mode .gz, RFC 9110 §12.5.3), then the preconditions in RFC 9110
 *   §13.2.2 order, If-Range and Range (§14), and the 200/206/416.
 * Errors map to statuses in one place, status_for_errno(). */
#include "config.h"

#include "docserve/handler.h"

#include "docserve/assets.h"

#include "docserve/common.h"
#include "docserve/cond.h"
#include "docserve/dirlist.h"
#include "docserve/field.h"
#include "docserve/httpdate.h"
#include "docserve/negotiate.h"
#include "docserve/path.h"
#include "docserve/status.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#define SNIFF_LEN 1024

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
 * connection closed (RFC 9112 §6.1: 501 for a coding not understood).  Only
 * SP and HTAB around it are OWS (RFC 9110 §5.6.3): "chunked\f" is another
 * coding, which libmicrohttpd would not decode either. */
static gboolean
te_is_chunked (const char *te)
{
  gsize len = strlen (te);

  ds_field_trim_ows (&te, &len);
  return ds_field_equals (te, len, "chunked");
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

/* The root directory fd; the server may swap in a new one (SIGHUP), never
 * closing the old one while it runs. */
static int
site_root (const DsSite *site)
{
  return g_atomic_int_get ((gint *) &site->root_fd);
}

/* Opens @rel and fstat()s it.  Returns 0 and the fd, or a status. */
static guint
open_stat (const DsSite *site, const char *rel, int *out_fd, struct stat *st)
{
  int e = 0;
  int fd = ds_path_open (site_root (site), rel, site->conf->symlinks, &e);

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

/* Opens @rel + @suffix if it is a regular file; -1 otherwise.  Called for
 * the .br/.gz sidecar probes of every file request: a plain fstatat() first
 * answers the usual "no such file" without openat2 allocating an open file
 * (a lookup without RESOLVE_BENEATH finds at least what one with it finds,
 * so a miss here is a miss there; a hit still goes through openat2). */
static int
open_regular (const DsSite *site, const char *rel, const char *suffix, struct stat *st)
{
  char buf[1024];
  g_autofree char *heap = NULL;
  const char *path;
  int fd = -1;

  if (strlen (rel) + strlen (suffix) < sizeof buf)
    {
      g_snprintf (buf, sizeof buf, "%s%s", rel, suffix);
      path = buf;
    }
  else
    path = heap = g_strconcat (rel, suffix, NULL);
  if (fstatat (site_root (site), path, st, AT_SYMLINK_NOFOLLOW) != 0 && errno == ENOENT)
    return -1;

  if (open_stat (site, path, &fd, st) != 0)
    return -1;
  if (!S_ISREG (st->st_mode))
    {
      close (fd);
      return -1;
    }
  return fd;
}

/* @query with every byte a query may not hold (RFC 3986 §3.4: controls,
 * space, DEL, non-ASCII, and " < > \\ ^ ` { | } #) percent-encoded, so that
 * the Location header carries no raw control bytes; existing escapes and
 * every other byte are kept as sent.  Caller frees. */
static char *
encode_query (const char *query)
{
  GString *out = g_string_sized_new (strlen (query) + 8);

  for (const unsigned char *p = (const unsigned char *) query; *p != '\0'; p++)
    {
      if (*p <= 0x20 || *p >= 0x7f || strchr ("\"<>\\^`{|}#", *p) != NULL)
        g_string_append_printf (out, "%%%02X", *p);
      else
        g_string_append_c (out, (char) *p);
    }
  return g_string_free (out, FALSE);
}

static void
redirect_to_slash (const DsSite *site, const char *rel, const DsRequest *req, DsReply *reply)
{
  /* Built from the normalised path, never from the raw target, so the
   * Location always starts with exactly one '/' ("//evil.example/" cannot
   * become a protocol-relative redirect). */
  g_autofree char *enc = ds_path_encode (rel);
  g_autofree char *query = req->query != NULL ? encode_query (req->query) : NULL;
  g_autofree char *loc = g_strconcat (enc, rel[0] != '\0' ? "/" : "", query != NULL ? "?" : "",
                                      query != NULL ? query : "", NULL);
  ds_reply_set_status_page (reply, site->error_pages, 301);
  ds_reply_add_header (reply, "Location", loc);
}

/* Docs mode: whether the first bytes of @fd (from offset 0) look like text. */
static gboolean
fd_head_is_text (int fd)
{
  guint8 buf[SNIFF_LEN];
  ssize_t n = pread (fd, buf, sizeof buf, 0);
  return n >= 0 && ds_mime_sniff_text (buf, (gsize) n);
}

/* Docs mode: whether the start of gzip file @fd decompresses to text. */
static gboolean
gz_head_is_text (int fd)
{
  guint8 in[4096];
  guint8 out[SNIFF_LEN];
  z_stream z = { 0 };
  ssize_t n = pread (fd, in, sizeof in, 0);

  if (n <= 0 || inflateInit2 (&z, 16 + MAX_WBITS) != Z_OK)
    return FALSE;
  z.next_in = in;
  z.avail_in = (uInt) n;
  z.next_out = out;
  z.avail_out = sizeof out;
  int rc = inflate (&z, Z_SYNC_FLUSH);
  gsize produced = sizeof out - z.avail_out;
  inflateEnd (&z);
  if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR)
    return FALSE;
  return ds_mime_sniff_text (out, produced);
}

/* Content-Type for a file @name whose bytes are in @fd: by extension, else
 * (docs mode) text/plain when the content looks like text, else the default. */
static const char *
type_for (const DsSite *site, const char *name, int fd)
{
  const char *t = ds_mime_lookup (site->mime, name);
  if (t != NULL)
    return t;
  if (fd >= 0 && fd_head_is_text (fd))
    return site->text_type;
  return ds_mime_lookup_or_default (site->mime, name);
}

/* Docs mode: the type of the content inside NAME.gz (@inner is NAME), or
 * NULL when that content is not text (the .gz then stays a download). */
static const char *
inner_text_type (const DsSite *site, const char *inner, int gz_fd)
{
  const char *t = ds_mime_lookup (site->mime, inner);
  if (t != NULL)
    return ds_mime_is_text (t) ? t : NULL;
  return gz_head_is_text (gz_fd) ? site->text_type : NULL;
}

/* The request's Accept-Encoding, parsed at the first choice that depends
 * on it and kept for the rest of the request: one field, one parse. */
typedef struct
{
  const char *field; /* borrowed from the request; NULL when absent */
  gboolean parsed;
  DsAcceptEncoding value;
} Codings;

static int
choose_coding (Codings *codings, guint available)
{
  if (!codings->parsed)
    {
      ds_accept_encoding_parse (codings->field, &codings->value);
      codings->parsed = TRUE;
    }
  return ds_accept_encoding_choose (&codings->value, available);
}

static gboolean
accepts (Codings *codings, DsEncoding enc)
{
  return choose_coding (codings, DS_ENC_MASK (enc)) == (int) enc;
}

/* What will be sent for one file: which fd, its type and coding. */
typedef struct
{
  int fd; /* owned */
  struct stat st;
  const char *type;
  DsEncoding enc;
  gboolean vary; /* another coding could have been chosen */
} Choice;

static void
add_cache_headers (const DsSite *site, DsReply *reply, gboolean vary)
{
  if (site->conf->no_cache)
    ds_reply_add_header (reply, "Cache-Control", "no-cache");
  else if (site->conf->max_age >= 0)
    {
      char v[32];
      g_snprintf (v, sizeof v, "max-age=%d", site->conf->max_age);
      ds_reply_add_header (reply, "Cache-Control", v);
    }
  if (vary)
    ds_reply_add_header (reply, "Vary", "Accept-Encoding");
}

/* Sends @c (validators, preconditions, ranges).  Takes c->fd. */
/* The strong ETag (distinct per content-coding, RFC 9110 §8.8.3) and
 * Last-Modified of @c; a file stamped in the future gets Last-Modified = now
 * (§8.8.2.1).  Returns the Last-Modified time. */
static gint64
make_validators (const Choice *c, gint64 now, char etag[DS_ETAG_LEN + 4],
                 char lastmod[DS_HTTPDATE_LEN])
{
  gint64 mtime = (gint64) c->st.st_mtim.tv_sec;
  /* Unsigned: mtimes after 2262 overflow a signed nanosecond count (the tag
   * prints it as unsigned hex anyway). */
  gint64 mtime_ns = (gint64) ((guint64) mtime * G_GUINT64_CONSTANT (1000000000)
                              + (guint64) c->st.st_mtim.tv_nsec);
  gint64 lm = mtime > now ? now : mtime;

  ds_etag_make ((guint64) c->st.st_size, mtime_ns, etag);
  if (c->enc != DS_ENC_IDENTITY)
    {
      gsize len = strlen (etag);
      g_snprintf (etag + len - 1, DS_ETAG_LEN + 4 - (len - 1), "-%s\"",
                  c->enc == DS_ENC_GZIP ? "gz" : "br");
    }
  ds_httpdate_format (lm, lastmod);
  return lm;
}

/* RFC 9110 §13.2.2: answers 412 or 304 and returns TRUE, or FALSE to go on. */
static gboolean
answer_preconditions (const DsSite *site, const DsRequest *req, Choice *c, const char *etag,
                      const char *lastmod, gint64 lm, gint64 now, DsReply *reply)
{
  const DsCondFields cond = {
    .if_match = req->if_match,
    .if_none_match = req->if_none_match,
    .if_modified_since = req->if_modified_since,
    .if_unmodified_since = req->if_unmodified_since,
  };

  switch (ds_cond_evaluate (&cond, TRUE, etag, lm, now))
    {
    case DS_COND_PRECONDITION_FAILED:
      ds_fd_cleanup (&c->fd);
      ds_reply_set_status_page (reply, site->error_pages, 412);
      return TRUE;
    case DS_COND_NOT_MODIFIED:
      /* Same fd and size as the 200: libmicrohttpd then sends the 200's
       * Content-Length and no body (RFC 9110 §15.4.5, §8.6). */
      reply->status = 304;
      reply->body = DS_BODY_FILE;
      reply->fd = g_steal_fd (&c->fd);
      reply->length = (guint64) c->st.st_size;
      ds_reply_add_header (reply, "ETag", etag);
      ds_reply_add_header (reply, "Last-Modified", lastmod);
      add_cache_headers (site, reply, c->vary);
      return TRUE;
    case DS_COND_PROCEED:
    default:
      return FALSE;
    }
}

/* The body of a 200 or 206 (RFC 9110 §14: one range, or multipart/byteranges
 * for several) from @c's fd, which @reply now owns. */
static void
set_file_body (Choice *c, DsRangeResult rr, const DsRangeSpan *spans, guint n, DsReply *reply)
{
  guint64 size = (guint64) c->st.st_size;

  reply->fd = g_steal_fd (&c->fd);
  reply->encoding = ds_encoding_name (c->enc);
  if (rr == DS_RANGE_SATISFIABLE && n == 1)
    {
      char cr[80];
      g_snprintf (cr, sizeof cr, "bytes %" G_GUINT64_FORMAT "-%" G_GUINT64_FORMAT "/%" G_GUINT64_FORMAT,
                  spans[0].first, spans[0].last, size);
      reply->status = 206;
      reply->body = DS_BODY_FILE;
      reply->offset = spans[0].first;
      reply->length = spans[0].last - spans[0].first + 1;
      ds_reply_add_header (reply, "Content-Type", c->type);
      ds_reply_add_header (reply, "Content-Range", cr);
    }
  else if (rr == DS_RANGE_SATISFIABLE)
    {
      char boundary[40];
      g_snprintf (boundary, sizeof boundary, "docserve-%08x%08x", g_random_int (), g_random_int ());
      g_autofree char *mtype = g_strconcat ("multipart/byteranges; boundary=", boundary, NULL);
      reply->status = 206;
      reply->body = DS_BODY_MULTIPART;
      reply->multipart = ds_multipart_new (spans, n, size, c->type, boundary);
      reply->length = ds_multipart_length (reply->multipart);
      ds_reply_add_header (reply, "Content-Type", mtype);
    }
  else
    {
      reply->status = 200;
      reply->body = DS_BODY_FILE;
      reply->offset = 0;
      reply->length = size;
      ds_reply_add_header (reply, "Content-Type", c->type);
    }
}

static void
send_choice (const DsSite *site, const DsRequest *req, Choice *c, gint64 now, DsReply *reply)
{
  char etag[DS_ETAG_LEN + 4];
  char lastmod[DS_HTTPDATE_LEN];
  gint64 lm = make_validators (c, now, etag, lastmod);
  guint64 size = (guint64) c->st.st_size;

  if (answer_preconditions (site, req, c, etag, lastmod, lm, now, reply))
    return;

  DsRangeSpan spans[DS_RANGE_MAX];
  guint n = 0;
  DsRangeResult rr = DS_RANGE_NONE;
  if (req->range != NULL && ds_cond_if_range_ok (req->if_range, etag, lm, now))
    rr = ds_range_parse (req->range, size, spans, &n);

  if (rr == DS_RANGE_UNSATISFIABLE)
    {
      char cr[48];
      ds_fd_cleanup (&c->fd);
      ds_reply_set_status_page (reply, site->error_pages, 416);
      g_snprintf (cr, sizeof cr, "bytes */%" G_GUINT64_FORMAT, size);
      ds_reply_add_header (reply, "Content-Range", cr);
      ds_reply_add_header (reply, "Accept-Ranges", "bytes");
      return;
    }
  set_file_body (c, rr, spans, n, reply);
  if (c->enc != DS_ENC_IDENTITY)
    ds_reply_add_header (reply, "Content-Encoding", ds_encoding_name (c->enc));
  ds_reply_add_header (reply, "Accept-Ranges", "bytes");
  ds_reply_add_header (reply, "ETag", etag);
  ds_reply_add_header (reply, "Last-Modified", lastmod);
  add_cache_headers (site, reply, c->vary);
}

/* Picks the representation of regular file @rel (open as @fd): docs-mode
 * NAME.gz, or a precompressed sidecar, or the file itself.  Takes @fd. */
static void
serve_regular (const DsSite *site, const DsRequest *req, Codings *codings, const char *rel,
               int fd, const struct stat *st, gint64 now, DsReply *reply)
{
  const char *slash = strrchr (rel, '/');
  const char *name = slash != NULL ? slash + 1 : rel;
  Choice c = { .fd = fd, .st = *st, .enc = DS_ENC_IDENTITY };
  gsize nlen = strlen (name);

  if (nlen > 3 && g_ascii_strcasecmp (name + nlen - 3, ".gz") == 0
      && !ds_mime_is_archive_name (name))
    {
      g_autofree char *inner = g_strndup (name, nlen - 3);
      const char *t = inner_text_type (site, inner, fd);
      if (t != NULL)
        {
          /* changelog.Debian.gz: text to read in the browser when it can
           * decode gzip, the file itself otherwise. */
          c.vary = TRUE;
          if (accepts (codings, DS_ENC_GZIP))
            {
              c.type = t;
              c.enc = DS_ENC_GZIP;
            }
          else
            c.type = ds_mime_lookup_or_default (site->mime, name);
          send_choice (site, req, &c, now, reply);
          return;
        }
    }

  c.type = type_for (site, name, fd);
  if (site->conf->precompressed
      && (site->sidecars == NULL || !ds_sidecar_cache_known_absent (site->sidecars, rel, now)))
    {
      struct stat vst[3];
      int vfd[3] = { -1, -1, -1 };
      guint avail = DS_ENC_MASK (DS_ENC_IDENTITY);

      /* A sidecar counts only if it is at least as new as the file. */
      vfd[DS_ENC_BR] = open_regular (site, rel, ".br", &vst[DS_ENC_BR]);
      vfd[DS_ENC_GZIP] = open_regular (site, rel, ".gz", &vst[DS_ENC_GZIP]);
      for (int e = DS_ENC_GZIP; e <= DS_ENC_BR; e++)
        {
          if (vfd[e] >= 0 && vst[e].st_mtim.tv_sec < st->st_mtim.tv_sec)
            ds_fd_cleanup (&vfd[e]);
          if (vfd[e] >= 0)
            avail |= DS_ENC_MASK (e);
        }
      if (avail == DS_ENC_MASK (DS_ENC_IDENTITY) && site->sidecars != NULL)
        ds_sidecar_cache_note_absent (site->sidecars, rel, now);
      else if (avail != DS_ENC_MASK (DS_ENC_IDENTITY))
        {
          int e = choose_coding (codings, avail);
          c.vary = TRUE;
          if (e > DS_ENC_IDENTITY)
            {
              ds_fd_cleanup (&c.fd);
              c.fd = g_steal_fd (&vfd[e]);
              c.st = vst[e];
              c.enc = (DsEncoding) e;
            }
        }
      ds_fd_cleanup (&vfd[DS_ENC_GZIP]);
      ds_fd_cleanup (&vfd[DS_ENC_BR]);
    }
  send_choice (site, req, &c, now, reply);
}

/* Docs mode: @rel does not exist; serve REL.gz (or REL.br) in its place when
 * there is one.  Returns FALSE when there is none. */
static gboolean
serve_compressed_only (const DsSite *site, const DsRequest *req, Codings *codings,
                       const char *rel, gint64 now, DsReply *reply)
{
  const char *slash = strrchr (rel, '/');
  const char *name = slash != NULL ? slash + 1 : rel;
  Choice c = { .enc = DS_ENC_IDENTITY, .vary = TRUE };

  if (rel[0] == '\0')
    return FALSE;
  c.fd = open_regular (site, rel, ".gz", &c.st);
  if (c.fd >= 0)
    {
      const char *inner = ds_mime_lookup (site->mime, name);
      if (accepts (codings, DS_ENC_GZIP))
        {
          c.enc = DS_ENC_GZIP;
          c.type = inner != NULL ? inner
                   : gz_head_is_text (c.fd) ? site->text_type
                                            : ds_mime_lookup_or_default (site->mime, name);
        }
      else
        c.type = ds_mime_lookup_or_default (site->mime, "x.gz");
      send_choice (site, req, &c, now, reply);
      return TRUE;
    }
  if (!site->conf->precompressed || !accepts (codings, DS_ENC_BR))
    return FALSE;
  c.fd = open_regular (site, rel, ".br", &c.st);
  if (c.fd < 0)
    return FALSE;
  c.enc = DS_ENC_BR;
  c.type = ds_mime_lookup_or_default (site->mime, name);
  send_choice (site, req, &c, now, reply);
  return TRUE;
}

/* Cache key of a listing: the form and order, then the directory. */
static char *
listing_key (const char *rel, gboolean json, DsSortKey key, gboolean desc)
{
  return g_strdup_printf ("%c%d%c:%s", json ? 'j' : 'h', (int) key, desc ? 'd' : 'a', rel);
}

/* @rel is the directory under @site's root, @shown the same directory as
 * the client named it (with the mount's prefix). */
static void
serve_listing (const DsSite *site, const DsRequest *req, const char *rel, const char *shown,
               gint64 now, DsReply *reply)
{
  int e = 0;
  DsSortKey key = DS_SORT_NAME;
  gboolean desc = FALSE;
  struct stat dir_st;

  int fd = ds_path_open (site_root (site), rel, site->conf->symlinks, &e);
  if (fd < 0 || fstat (fd, &dir_st) != 0)
    {
      if (fd >= 0)
        {
          e = errno;
          close (fd);
        }
      ds_reply_set_status_page (reply, site->error_pages, status_for_errno (e));
      return;
    }
  ds_dirlist_parse_query (req->query, &key, &desc);
  gboolean json = ds_dirlist_wants_json (req->query, req->accept);
  g_autofree char *cache_key = listing_key (shown, json, key, desc);
  g_autoptr (GBytes) body = NULL;

  if (site->dircache != NULL)
    body = ds_dircache_lookup (site->dircache, cache_key, &dir_st, now);
  if (body != NULL)
    close (fd);
  else
    {
      /* dir_st was taken before the read, and only a directory quiet for
       * DS_DIRCACHE_SETTLE_S is stored: a change during the read gets a
       * later ctime, which makes the stored copy stale at once. */
      g_autoptr (GPtrArray) entries = ds_dirlist_read_fd (site_root (site), fd, rel,
                                                          site->conf->dotfiles,
                                                          site->conf->symlinks, &e);
      if (entries == NULL)
        {
          ds_reply_set_status_page (reply, site->error_pages, status_for_errno (e));
          return;
        }
      ds_dirlist_sort (entries, key, desc);
      gsize len = 0;
      char *text = json ? ds_dirlist_json (shown, entries, &len)
                        : ds_dirlist_html (shown, entries, key, desc, &len);
      body = g_bytes_new_take (text, len);
      if (site->dircache != NULL)
        ds_dircache_store (site->dircache, cache_key, &dir_st, now, body);
    }
  reply->status = 200;
  reply->body = DS_BODY_BUFFER;
  reply->buf = g_memdup2 (g_bytes_get_data (body, NULL), g_bytes_get_size (body));
  reply->buf_len = g_bytes_get_size (body);
  ds_reply_add_header (reply, "Content-Type",
                       json ? "application/json" : "text/html; charset=utf-8");
  /* The same URL gives HTML or JSON depending on Accept. */
  ds_reply_add_header (reply, "Vary", "Accept");
  ds_reply_add_header (reply, "Cache-Control", "no-cache");
}

/* Serves the first index file of directory @rel, else a listing, else 403. */
static void
serve_directory (const DsSite *site, const DsRequest *req, Codings *codings, const char *rel,
                 const char *shown, gint64 now, DsReply *reply)
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
          ds_reply_set_status_page (reply, site->error_pages, status);
          return;
        }
      if (!S_ISREG (st.st_mode))
        {
          close (fd);
          continue;
        }
      serve_regular (site, req, codings, path, fd, &st, now, reply);
      return;
    }
  if (site->conf->listing)
    serve_listing (site, req, rel, shown, now, reply);
  else
    ds_reply_set_status_page (reply, site->error_pages, 403);
}

/* Serves @rel from @site's tree: a file, a directory (redirect, index,
 * listing), or the status that says why not.  @shown is the path as the
 * client named it (the tree's mount prefix and @rel), for redirects and
 * listings.  Runs once per request, so the Accept-Encoding it hands down
 * is parsed at most once per request. */
static void
serve_tree (const DsSite *site, const DsRequest *req, const char *rel, const char *shown,
            gboolean dir_slash, gint64 now, DsReply *out_reply)
{
  struct stat st;
  int fd = -1;
  Codings codings = { .field = req->accept_encoding };
  guint status = open_stat (site, rel, &fd, &st);
  if (status == 404 && !dir_slash
      && serve_compressed_only (site, req, &codings, rel, now, out_reply))
    return;
  if (status != 0)
    {
      ds_reply_set_status_page (out_reply, site->error_pages, status);
      return;
    }
  if (S_ISDIR (st.st_mode))
    {
      close (fd);
      if (!dir_slash)
        redirect_to_slash (site, shown, req, out_reply);
      else
        serve_directory (site, req, &codings, rel, shown, now, out_reply);
      return;
    }
  if (!S_ISREG (st.st_mode))
    {
      /* FIFOs, sockets, devices: never read them. */
      close (fd);
      ds_reply_set_status_page (out_reply, site->error_pages, 403);
      return;
    }
  if (dir_slash)
    {
      /* "/file.txt/" names a directory that does not exist. */
      close (fd);
      ds_reply_set_status_page (out_reply, site->error_pages, 404);
      return;
    }
  serve_regular (site, req, &codings, rel, fd, &st, now, out_reply);
}

/* Whether decoded path @rel lies under /.docserve/, reserved for what
 * docserve itself serves (assets.h). */
static gboolean
is_reserved (const char *rel)
{
  gsize n = strlen (DS_ASSETS_PREFIX);

  return strncmp (rel, DS_ASSETS_PREFIX, n) == 0 && (rel[n] == '\0' || rel[n] == '/');
}

/* ds_path_sanitize under the site's --dotfiles policy, except that
 * /.docserve/ passes it: it never reaches a file, only the generators
 * mounted there. */
static DsPathResult
sanitize (const DsSite *site, const DsRequest *req, char **out_rel, gboolean *out_dir_slash)
{
  DsPathResult r = ds_path_sanitize (req->path, req->path_len, site->conf->dotfiles, out_rel,
                                     out_dir_slash);

  if (r != DS_PATH_NOT_FOUND || site->conf->dotfiles == DS_DOTFILES_ALLOW)
    return r;
  g_autofree char *rel = NULL;
  if (ds_path_sanitize (req->path, req->path_len, DS_DOTFILES_ALLOW, &rel, out_dir_slash)
          != DS_PATH_OK
      || !is_reserved (rel))
    return DS_PATH_NOT_FOUND;
  *out_rel = g_steal_pointer (&rel);
  return DS_PATH_OK;
}

void
ds_handler_decide (const DsSite *site, const DsRequest *req, gint64 now, DsReply *out_reply)
{
  g_autofree char *rel = NULL;
  gboolean dir_slash = FALSE;
  guint status = ds_handler_precheck (req);

  if (status != 0)
    {
      ds_reply_set_status_page (out_reply, site->error_pages, status);
      return;
    }
  if (strcmp (req->method, "OPTIONS") == 0)
    {
      /* OPTIONS * and OPTIONS /path both describe the server's one policy. */
      out_reply->status = 204;
      out_reply->body = DS_BODY_NONE;
      ds_reply_add_header (out_reply, "Allow", DS_ALLOW_VALUE);
      return;
    }

  switch (sanitize (site, req, &rel, &dir_slash))
    {
    case DS_PATH_OK:
      break;
    case DS_PATH_NOT_FOUND:
      ds_reply_set_status_page (out_reply, site->error_pages, 404);
      return;
    case DS_PATH_BAD_REQUEST:
    default:
      ds_reply_set_status_page (out_reply, site->error_pages, 400);
      return;
    }

  const char *below = rel;
  const DsMount *m = site->routes != NULL ? ds_routes_lookup (site->routes, rel, &below) : NULL;
  if (m != NULL && m->kind == DS_MOUNT_GENERATOR)
    {
      const DsGenerator *g = m->target;
      g->generate (g->data, site, req, below, dir_slash, now, out_reply);
      return;
    }
  if ((site->routes != NULL && m == NULL) || is_reserved (rel))
    {
      /* Nothing mounted there; /.docserve/ is never a file. */
      ds_reply_set_status_page (out_reply, site->error_pages, 404);
      return;
    }
  if (m != NULL)
    site = m->target;
  serve_tree (site, req, below, rel, dir_slash, now, out_reply);
}
