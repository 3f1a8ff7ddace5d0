/* fuzz_handler.c: ds_handler_decide, the whole request decision, on
 * arbitrary request lines and header values against a real tree.
 *
 * Input, split on '\n' (as libmicrohttpd hands them over, no value holds
 * CR or LF: each field is also cut at its first '\r'): method, version,
 * path (raw, as the client sent it), query, number of Host fields (the
 * first digit, mod 3; 1 when absent), Transfer-Encoding, If-Match,
 * If-None-Match, If-Modified-Since, If-Unmodified-Since, If-Range, Range,
 * Accept, Accept-Encoding.  A missing line or "-" is an absent field;
 * method, version and path default to GET, HTTP/1.1 and "/".
 *
 * The tree has files and directories, sidecars, docs-mode files, dotfiles,
 * a FIFO, symlinks inside and out, and files with extreme mtimes.
 *
 * Each input is decided for four sites: dotfiles deny/allow x symlinks
 * inside/none (listings and precompressed sidecars on).
 *
 * Properties of every reply:
 * - a status docserve sends, never 500 (nothing in the tree fails);
 * - header values hold no CR, LF or other control byte but HTAB;
 * - a file body's fd is a regular file inside the root (realpath of
 *   /proc/self/fd/N), and offset + length fits in its size;
 * - a 206 has Content-Range; multipart bodies have the layout's length;
 * - a 301's Location starts with exactly one '/';
 * - ds_reply_clear frees everything (LeakSanitizer). */
#include "config.h"

#include "docserve/conf.h"
#include "docserve/handler.h"
#include "docserve/mime.h"

#include "fuzz_common.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#define N_FIELDS 14
#define NOW G_GINT64_CONSTANT (1700000000)
#define MTIME G_GINT64_CONSTANT (1600000000)

static char *scratch;
static char *root_real;
static int root_fd = -1;
static DsMime *mime;
static DsConf *confs[4];
static DsSite sites[4];

static void
cleanup (void)
{
  for (int i = 0; i < 4; i++)
    ds_conf_free (confs[i]);
  ds_mime_free (mime);
  if (root_fd >= 0)
    close (root_fd);
  free (root_real);
  if (scratch != NULL)
    fuzz_rm_rf (scratch);
}

static void
put (const char *dir, const char *rel, const void *content, gsize len)
{
  g_autofree char *path = g_build_filename (dir, rel, NULL);
  g_autofree char *parent = g_path_get_dirname (path);
  GError *error = NULL;

  if (g_mkdir_with_parents (parent, 0755) != 0
      || !g_file_set_contents (path, content, (gssize) len, &error))
    abort ();
  struct timespec ts[2] = { { MTIME, 0 }, { MTIME, 0 } };
  utimensat (AT_FDCWD, path, ts, 0);
}

static void
set_mtime (const char *dir, const char *rel, gint64 t)
{
  g_autofree char *path = g_build_filename (dir, rel, NULL);
  struct timespec ts[2] = { { (time_t) t, 0 }, { (time_t) t, 0 } };
  /* The file system may clamp it (ext4: 2446); that is a test too. */
  utimensat (AT_FDCWD, path, ts, 0);
}

static void
put_text (const char *dir, const char *rel, const char *text)
{
  put (dir, rel, text, strlen (text));
}

static void
put_gzip (const char *dir, const char *rel, const char *text)
{
  guint8 out[4096];
  z_stream z = { 0 };

  if (deflateInit2 (&z, 9, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    abort ();
  z.next_in = (Bytef *) text;
  z.avail_in = (uInt) strlen (text);
  z.next_out = out;
  z.avail_out = sizeof out;
  if (deflate (&z, Z_FINISH) != Z_STREAM_END)
    abort ();
  put (dir, rel, out, sizeof out - z.avail_out);
  deflateEnd (&z);
}

static void
link_to (const char *dir, const char *rel, const char *target)
{
  g_autofree char *path = g_build_filename (dir, rel, NULL);
  if (symlink (target, path) != 0)
    abort ();
}

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  (void) argc;
  (void) argv;
  fuzz_glib_fatal ();
  scratch = g_strdup (fuzz_scratch_dir ());
  atexit (cleanup);

  g_autofree char *root = g_build_filename (scratch, "root", NULL);
  g_autofree char *outside = g_build_filename (scratch, "outside", NULL);
  put_text (outside, "secret.txt", "outside the root\n");
  put_text (root, "index.html", "<!DOCTYPE html><p>home</p>\n");
  put_gzip (root, "index.html.gz", "<!DOCTYPE html><p>home</p>\n");
  put_text (root, "index.html.br", "not really brotli");
  put_text (root, "style.css", "p{color:red}\n");
  put_text (root, "only.js.gz", "not really gzip"); /* a sidecar without its file */
  put_gzip (root, "changelog.Debian.gz", "docserve (0.1.0) unstable; urgency=low\n");
  put_gzip (root, "release.tar.gz", "tar bytes");
  put_text (root, "README", "plain text without an extension\n");
  put (root, "binary", "\x7f" "ELF\x02\x01\x01\x00", 8);
  put (root, "empty.txt", "", 0);
  GString *big = g_string_new (NULL);
  for (int i = 0; i < 300; i++)
    g_string_append_printf (big, "line %04d of a file for ranges\n", i);
  put (root, "big.txt", big->str, big->len);
  g_string_free (big, TRUE);
  put_text (root, "docs/a b.txt", "space\n");
  put_text (root, "docs/caf\xc3\xa9.txt", "utf-8 name\n");
  put_text (root, "docs/sub/deep.txt", "deep\n");
  put_text (root, "docs/.hidden", "hidden\n");
  put_text (root, ".well-known/security.txt", "Contact: x\n");
  put_text (root, ".git/config", "[core]\n");
  put_text (root, "withindex/index.htm", "<p>htm index</p>\n");
  /* Times a file can carry: before 1970, after 2262 (ns overflow a
   * gint64), the last year gmtime_r can represent (tmpfs keeps it). */
  put_text (root, "times/y1900.txt", "old\n");
  set_mtime (root, "times/y1900.txt", G_GINT64_CONSTANT (-2208988800));
  put_text (root, "times/y2446.txt", "far\n");
  set_mtime (root, "times/y2446.txt", G_GINT64_CONSTANT (15032385535));
  put_text (root, "times/last.txt", "farther\n");
  set_mtime (root, "times/last.txt", G_GINT64_CONSTANT (67768036191676799));
  link_to (root, "in.txt", "big.txt");
  link_to (root, "docs/up", "..");
  link_to (root, "out.txt", "../outside/secret.txt");
  link_to (root, "outdir", "../outside");
  link_to (root, "etc", "/etc");
  link_to (root, "loop", "loop");
  g_autofree char *fifo = g_build_filename (root, "fifo", NULL);
  if (mkfifo (fifo, 0644) != 0)
    abort ();

  root_fd = open (root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  root_real = realpath (root, NULL);
  GError *error = NULL;
  mime = ds_mime_new (NULL, NULL, "utf-8", NULL, &error);
  if (root_fd < 0 || root_real == NULL || mime == NULL)
    abort ();

  for (int i = 0; i < 4; i++)
    {
      confs[i] = ds_conf_new_default ();
      g_free (confs[i]->root);
      confs[i]->root = g_strdup (root);
      confs[i]->dotfiles = (i & 1) ? DS_DOTFILES_ALLOW : DS_DOTFILES_DENY;
      confs[i]->symlinks = (i & 2) ? DS_SYMLINKS_NONE : DS_SYMLINKS_INSIDE;
      confs[i]->max_age = i == 3 ? 60 : -1;
      sites[i].conf = confs[i];
      sites[i].mime = mime;
      sites[i].root_fd = root_fd;
      sites[i].text_type = "text/plain; charset=utf-8";
      sites[i].error_pages = NULL;
      /* Sites 2 and 3 with the listing and sidecar-miss caches, as the
       * server runs them; 0 and 1 without. */
      if (i >= 2)
        {
          sites[i].dircache = ds_dircache_new (16, 4 * 1024 * 1024);
          sites[i].sidecars = ds_sidecar_cache_new (256);
        }
    }
  return 0;
}

static gboolean
known_status (guint s)
{
  static const guint ok[] = { 200, 204, 206, 301, 304, 400, 403, 404, 405, 412, 416, 501, 503 };
  for (gsize i = 0; i < G_N_ELEMENTS (ok); i++)
    if (s == ok[i])
      return TRUE;
  return FALSE;
}

static void
check_reply (const DsReply *r, const char *shown, int site)
{
  FUZZ_CHECK (known_status (r->status), "status %u (site %d) for \"%s\"", r->status, site,
              shown);
  FUZZ_CHECK (r->n_headers <= DS_REPLY_MAX_HEADERS, "%u headers", r->n_headers);
  for (guint i = 0; i < r->n_headers; i++)
    {
      const DsHeader *h = &r->headers[i];
      FUZZ_CHECK (h->name != NULL && h->value != NULL, "NULL header");
      for (const char *c = h->value; *c != '\0'; c++)
        FUZZ_CHECK (((guchar) *c >= 0x20 || *c == '\t') && *c != 0x7f,
                    "header %s: \"%s\" holds byte 0x%02x (site %d) for \"%s\"", h->name,
                    h->value, (guchar) *c, site, shown);
    }

  switch (r->body)
    {
    case DS_BODY_FILE:
    case DS_BODY_MULTIPART:
      {
        struct stat st;
        FUZZ_CHECK (r->fd >= 0 && fstat (r->fd, &st) == 0 && S_ISREG (st.st_mode),
                    "file body without a regular file (status %u) for \"%s\"", r->status, shown);
        char link[64];
        g_snprintf (link, sizeof link, "/proc/self/fd/%d", r->fd);
        char *real = realpath (link, NULL);
        gsize n = strlen (root_real);
        FUZZ_CHECK (real != NULL && strncmp (real, root_real, n) == 0 && real[n] == '/',
                    "served %s, outside the root %s (site %d) for \"%s\"",
                    real != NULL ? real : "(unknown)", root_real, site, shown);
        free (real);
        if (r->body == DS_BODY_FILE)
          FUZZ_CHECK (r->offset <= (guint64) st.st_size
                          && r->length <= (guint64) st.st_size - r->offset,
                      "offset %" G_GUINT64_FORMAT " length %" G_GUINT64_FORMAT " of a %jd-byte "
                      "file for \"%s\"", r->offset, r->length, (intmax_t) st.st_size, shown);
        else
          FUZZ_CHECK (r->multipart != NULL && r->length == ds_multipart_length (r->multipart),
                      "multipart length");
        break;
      }
    case DS_BODY_BUFFER:
      FUZZ_CHECK (r->buf != NULL || r->buf_len == 0, "buffer body without a buffer");
      break;
    case DS_BODY_NONE:
    default:
      break;
    }

  if (r->status == 206)
    FUZZ_CHECK (ds_reply_get_header (r, "Content-Range") != NULL
                    || (r->body == DS_BODY_MULTIPART
                        && g_str_has_prefix (ds_reply_get_header (r, "Content-Type"),
                                             "multipart/byteranges; boundary=")),
                "206 without Content-Range for \"%s\"", shown);
  if (r->status == 301)
    {
      const char *loc = ds_reply_get_header (r, "Location");
      FUZZ_CHECK (loc != NULL && loc[0] == '/' && loc[1] != '/' && loc[1] != '\\',
                  "301 Location \"%s\" for \"%s\"", loc != NULL ? loc : "(none)", shown);
    }
}

static char *
take (FuzzInput *in)
{
  char *s = fuzz_take_field (in, '\n');
  if (s == NULL)
    return NULL;
  char *cr = strchr (s, '\r');
  if (cr != NULL)
    *cr = '\0';
  if (strcmp (s, "-") == 0)
    {
      g_free (s);
      return NULL;
    }
  return s;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  FuzzInput in = { data, size };
  char *f[N_FIELDS];
  for (int i = 0; i < N_FIELDS; i++)
    f[i] = take (&in);
  g_autofree char *shown = fuzz_show (data, size);

  DsRequest req = {
    .method = f[0] != NULL ? f[0] : "GET",
    .version = f[1] != NULL ? f[1] : "HTTP/1.1",
    .path = f[2] != NULL ? f[2] : "/",
    .query = f[3],
    .host_count = f[4] != NULL && g_ascii_isdigit (f[4][0]) ? (guint) (f[4][0] - '0') % 3 : 1,
    .transfer_encoding = f[5],
    .if_match = f[6],
    .if_none_match = f[7],
    .if_modified_since = f[8],
    .if_unmodified_since = f[9],
    .if_range = f[10],
    .range = f[11],
    .accept = f[12],
    .accept_encoding = f[13],
  };
  req.path_len = strlen (req.path);

  for (int s = 0; s < 4; s++)
    {
      DsReply reply;
      ds_reply_init (&reply);
      ds_handler_decide (&sites[s], &req, NOW, &reply);
      check_reply (&reply, shown, s);
      ds_reply_clear (&reply);
    }

  for (int i = 0; i < N_FIELDS; i++)
    g_free (f[i]);
  return 0;
}
