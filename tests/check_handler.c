/* check_handler.c: unit tests for handler.c (ds_handler_precheck,
 * ds_handler_decide, the DsReply helpers) against a temporary docroot. */
#include "config.h"

#include "docserve/handler.h"

#include "docserve/common.h"
#include "docserve/httpdate.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <glib/gstdio.h>

/* Sun, 06 Nov 1994 08:49:37 GMT, the RFC 9110 example date. */
#define KNOWN_MTIME G_GINT64_CONSTANT (784111777)
#define KNOWN_DATE "Sun, 06 Nov 1994 08:49:37 GMT"
#define HTML_UTF8 "text/html; charset=utf-8"
#define ALLOW_ALL "GET, HEAD, OPTIONS"

/* ---- the docroot ------------------------------------------------------- */

static char *root_dir;    /* the docroot */
static char *outside_dir; /* a directory next to it, outside the root */
static int root_fd = -1;
static DsMime *mime;
static gint64 now_s;

static void
put_file (const char *rel, const char *contents)
{
  g_autofree char *path = g_build_filename (root_dir, rel, NULL);
  g_autoptr (GError) error = NULL;

  if (!g_file_set_contents (path, contents, -1, &error))
    ck_abort_msg ("fixture %s: %s", path, error->message);
}

static void
put_dir (const char *rel)
{
  g_autofree char *path = g_build_filename (root_dir, rel, NULL);

  if (g_mkdir (path, 0755) != 0)
    ck_abort_msg ("fixture mkdir %s: %s", path, g_strerror (errno));
}

static void
put_symlink (const char *target, const char *rel)
{
  g_autofree char *path = g_build_filename (root_dir, rel, NULL);

  if (symlink (target, path) != 0)
    ck_abort_msg ("fixture symlink %s: %s", path, g_strerror (errno));
}

static void
set_mtime (const char *rel, gint64 t)
{
  g_autofree char *path = g_build_filename (root_dir, rel, NULL);
  const struct timespec ts[2] = { { (time_t) t, 0 }, { (time_t) t, 0 } };

  if (utimensat (AT_FDCWD, path, ts, 0) != 0)
    ck_abort_msg ("fixture utimensat %s: %s", path, g_strerror (errno));
}

static void
docroot_setup (void)
{
  g_autoptr (GError) error = NULL;

  now_s = g_get_real_time () / G_USEC_PER_SEC;
  root_dir = g_dir_make_tmp ("docserve-handler-XXXXXX", &error);
  ck_assert_msg (root_dir != NULL, "g_dir_make_tmp: %s", error != NULL ? error->message : "?");
  outside_dir = g_dir_make_tmp ("docserve-outside-XXXXXX", &error);
  ck_assert_msg (outside_dir != NULL, "g_dir_make_tmp: %s",
                 error != NULL ? error->message : "?");

  g_autofree char *secret = g_build_filename (outside_dir, "secret.txt", NULL);
  ck_assert (g_file_set_contents (secret, "secret\n", -1, NULL));

  put_file ("index.html", "<h1>hi</h1>\n");
  put_file ("style.css", "body { color: black; }\n");
  put_dir ("sub");
  put_file ("sub/index.html", "<p>sub</p>\n");
  put_dir ("empty");
  put_dir ("noindex");
  put_file ("noindex/a.txt", "a\n");
  put_dir (".git");
  put_file (".git/config", "[core]\n");
  put_dir (".well-known");
  put_file (".well-known/security.txt", "Contact: mailto:x@example.org\n");
  put_file ("a b.txt", "space\n");
  put_file ("caf\xc3\xa9.txt", "caf\xc3\xa9\n");
  put_dir ("with space");
  put_file ("with space/index.html", "<p>ws</p>\n");
  put_symlink ("index.html", "in.txt");
  put_symlink ("sub", "sublink");
  put_symlink (secret, "out");
  /* Relative, but climbs out of the root. */
  g_autofree char *outside_base = g_path_get_basename (outside_dir);
  g_autofree char *up = g_strdup_printf ("../%s/secret.txt", outside_base);
  put_symlink (up, "up");
  put_symlink (outside_dir, "outdir");
  put_symlink ("loop", "loop");
  put_symlink ("nowhere.txt", "dangling");
  put_dir ("q?x");
  put_dir ("h#x");
  put_file ("future.txt", "from the future\n");
  set_mtime ("future.txt", now_s + 365 * 24 * 3600);
  put_file ("old.txt", "old\n");
  set_mtime ("old.txt", KNOWN_MTIME);
  put_file ("locked.txt", "locked\n");

  g_autofree char *pipe = g_build_filename (root_dir, "pipe", NULL);
  ck_assert_msg (mkfifo (pipe, 0644) == 0, "mkfifo %s: %s", pipe, g_strerror (errno));
  g_autofree char *locked = g_build_filename (root_dir, "locked.txt", NULL);
  ck_assert_msg (chmod (locked, 0) == 0, "chmod %s: %s", locked, g_strerror (errno));

  root_fd = open (root_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  ck_assert_msg (root_fd >= 0, "open %s: %s", root_dir, g_strerror (errno));

  mime = ds_mime_new (NULL, NULL, "utf-8", "application/octet-stream", &error);
  ck_assert_msg (mime != NULL, "ds_mime_new: %s", error != NULL ? error->message : "?");
}

static int
remove_one (const char *path, G_GNUC_UNUSED const struct stat *sb, G_GNUC_UNUSED int type,
            G_GNUC_UNUSED struct FTW *ftw)
{
  return remove (path);
}

static void
docroot_teardown (void)
{
  ds_fd_cleanup (&root_fd);
  g_clear_pointer (&mime, ds_mime_free);
  if (root_dir != NULL)
    (void) nftw (root_dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
  if (outside_dir != NULL)
    (void) nftw (outside_dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
  g_clear_pointer (&root_dir, g_free);
  g_clear_pointer (&outside_dir, g_free);
}

/* stat() of a fixture file (following symlinks); "@out" is the file outside
 * the root. */
static void
stat_fixture (const char *rel, struct stat *st)
{
  g_autofree char *path = strcmp (rel, "@out") == 0
                              ? g_build_filename (outside_dir, "secret.txt", NULL)
                              : g_build_filename (root_dir, rel, NULL);

  ck_assert_msg (stat (path, st) == 0, "stat %s: %s", path, g_strerror (errno));
}

/* ---- ds_handler_precheck ----------------------------------------------- */

typedef struct
{
  const char *method;
  const char *version;
  guint host_count;
  const char *te;
  guint status;
} PrecheckCase;

static const PrecheckCase precheck_cases[] = {
  { "GET", "HTTP/1.1", 1, NULL, 0 },
  { "HEAD", "HTTP/1.1", 1, NULL, 0 },
  { "OPTIONS", "HTTP/1.1", 1, NULL, 0 },
  { "POST", "HTTP/1.1", 1, NULL, 405 },
  { "PUT", "HTTP/1.1", 1, NULL, 405 },
  { "DELETE", "HTTP/1.1", 1, NULL, 405 },
  { "PATCH", "HTTP/1.1", 1, NULL, 405 },
  { "CONNECT", "HTTP/1.1", 1, NULL, 405 },
  { "TRACE", "HTTP/1.1", 1, NULL, 405 },
  { "FOO", "HTTP/1.1", 1, NULL, 501 },
  /* Methods are case-sensitive (RFC 9110 §9.1): "get" is unknown. */
  { "get", "HTTP/1.1", 1, NULL, 501 },
  { "Post", "HTTP/1.1", 1, NULL, 501 },
  { "", "HTTP/1.1", 1, NULL, 501 },
  /* The method is judged before Host: a bad method without Host is 405/501. */
  { "POST", "HTTP/1.1", 0, NULL, 405 },
  { "GET", "HTTP/1.1", 1, "chunked", 0 },
  /* Coding names are case-insensitive, OWS around the value is not part of it. */
  { "GET", "HTTP/1.1", 1, " Chunked ", 0 },
  { "GET", "HTTP/1.1", 1, "\tchunked\t", 0 },
  /* Only SP and HTAB are OWS: libmicrohttpd would not decode these as
   * chunked either. */
  { "GET", "HTTP/1.1", 1, "chunked\f", 501 },
  { "GET", "HTTP/1.1", 1, "\fchunked", 501 },
  { "GET", "HTTP/1.1", 1, "gzip", 501 },
  { "GET", "HTTP/1.1", 1, "gzip, chunked", 501 },
  { "GET", "HTTP/1.1", 1, "", 501 },
  { "GET", "HTTP/1.1", 0, NULL, 400 },
  { "GET", "HTTP/1.1", 2, NULL, 400 },
  { "GET", "HTTP/1.0", 0, NULL, 0 },
  { "GET", "HTTP/1.0", 1, NULL, 0 },
  { "GET", "HTTP/1.0", 2, NULL, 400 },
  { "OPTIONS", "HTTP/1.1", 0, NULL, 400 },
};

START_TEST (test_precheck)
{
  const PrecheckCase *c = &precheck_cases[_i];
  DsRequest req = {
    .method = c->method,
    .version = c->version,
    .path = "/",
    .path_len = 1,
    .host_count = c->host_count,
    .transfer_encoding = c->te,
  };
  guint got = ds_handler_precheck (&req);

  ck_assert_msg (got == c->status, "precheck %s %s hosts=%u te=%s: %u, expected %u", c->method,
                 c->version, c->host_count, c->te != NULL ? c->te : "(none)", got, c->status);
}
END_TEST

/* ---- ds_handler_decide ------------------------------------------------- */

#define HOSTS_NONE (-1)

typedef enum
{
  CLOSE_NO = 0,
  CLOSE_YES,
  CLOSE_ANY
} CloseExpect;

typedef struct
{
  const char *method;  /* NULL: GET */
  const char *version; /* NULL: HTTP/1.1 */
  const char *path;
  gsize path_len; /* 0: strlen (path) */
  const char *query;
  int hosts; /* 0: one Host field; HOSTS_NONE: none; else that many */
  const char *te;
  /* Conditional fields.  "$ETAG" and "$LASTMOD" are replaced by the ETag and
   * Last-Modified of a plain GET of the same path first. */
  const char *if_match;
  const char *if_none_match;
  const char *if_modified_since;
  const char *if_unmodified_since;
  DsDotfiles dotfiles;
  DsSymlinks symlinks;
  const char *index_files; /* comma-separated; NULL: the default */
  gboolean listing;        /* directory listings on (off in most rows, so a
                              directory without an index file is the 403) */

  guint status;
  DsBodyKind body;
  const char *file;         /* DS_BODY_FILE: the fixture served ("@out": outside) */
  const char *content_type; /* NULL: not checked */
  const char *location;     /* NULL: must be absent */
  const char *allow;        /* NULL: must be absent */
  const char *last_modified; /* NULL: not checked */
  CloseExpect close;
} Row;

/* 300 bytes: longer than NAME_MAX (255). */
#define LONG_NAME_50 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define LONG_NAME                                                                        \
  LONG_NAME_50 LONG_NAME_50 LONG_NAME_50 LONG_NAME_50 LONG_NAME_50 LONG_NAME_50

#define FILE_ DS_BODY_FILE
#define BUF DS_BODY_BUFFER
#define NONE DS_BODY_NONE
#define INSIDE DS_SYMLINKS_INSIDE
#define FOLLOW DS_SYMLINKS_FOLLOW
#define NOLINKS DS_SYMLINKS_NONE

static const Row rows[] = {
  /* Plain files. */
  { .path = "/index.html", .status = 200, .body = FILE_, .file = "index.html",
    .content_type = HTML_UTF8 },
  { .method = "HEAD", .path = "/index.html", .status = 200, .body = FILE_, .file = "index.html",
    .content_type = HTML_UTF8 },
  { .path = "/style.css", .status = 200, .body = FILE_, .file = "style.css",
    .content_type = "text/css; charset=utf-8" },
  { .path = "/old.txt", .status = 200, .body = FILE_, .file = "old.txt",
    .content_type = "text/plain; charset=utf-8", .last_modified = KNOWN_DATE },
  { .path = "/sub/index.html", .status = 200, .body = FILE_, .file = "sub/index.html" },
  /* The query plays no part in finding the file. */
  { .path = "/index.html", .query = "x=1", .status = 200, .body = FILE_, .file = "index.html" },
  /* path_len, not the NUL, ends the path. */
  { .path = "/style.css/../junk", .path_len = 10, .status = 200, .body = FILE_,
    .file = "style.css" },
  { .path = "/a%20b.txt", .status = 200, .body = FILE_, .file = "a b.txt" },
  { .path = "/caf%C3%A9.txt", .status = 200, .body = FILE_, .file = "caf\xc3\xa9.txt",
    .content_type = "text/plain; charset=utf-8" },
  { .path = "/caf%c3%a9.txt", .status = 200, .body = FILE_, .file = "caf\xc3\xa9.txt" },
  /* Normalised before opening; never above the root. */
  { .path = "/sub/../index.html", .status = 200, .body = FILE_, .file = "index.html" },
  /* Absolute-form target (RFC 9112 §3.2.2). */
  { .path = "http://example.org/style.css", .status = 200, .body = FILE_, .file = "style.css" },

  /* Directories. */
  { .path = "/", .status = 200, .body = FILE_, .file = "index.html", .content_type = HTML_UTF8 },
  { .path = "/sub/", .status = 200, .body = FILE_, .file = "sub/index.html",
    .content_type = HTML_UTF8 },
  { .path = "/sub", .status = 301, .body = BUF, .content_type = HTML_UTF8, .location = "/sub/" },
  { .path = "/sub", .query = "x=1", .status = 301, .body = BUF, .location = "/sub/?x=1" },
  /* The query is kept byte for byte, escapes included. */
  { .path = "/sub", .query = "a=%20&b", .status = 301, .body = BUF, .location = "/sub/?a=%20&b" },
  /* An empty query ("/sub?") is still a query. */
  { .path = "/sub", .query = "", .status = 301, .body = BUF, .location = "/sub/?" },
  /* Found by tests/fuzz/fuzz_handler: a query with bytes a query cannot
   * hold (control bytes, space, DEL, non-ASCII) was copied into the
   * Location as is, so the reply carried raw control bytes in a header
   * (RFC 9110 section 5.5; libmicrohttpd 0.9.75 only refuses CR and LF).
   * Percent-encoding them keeps existing escapes byte for byte. */
  { .path = "/sub", .query = "a\x01" "b c\x7f\xff", .status = 301, .body = BUF,
    .location = "/sub/?a%01b%20c%7F%FF" },
  /* Never a protocol-relative "//..." Location. */
  { .path = "//sub", .status = 301, .body = BUF, .location = "/sub/" },
  { .path = "///sub", .status = 301, .body = BUF, .location = "/sub/" },
  { .path = "http://example.org/sub", .status = 301, .body = BUF, .location = "/sub/" },
  /* The Location is re-encoded from the decoded name. */
  { .path = "/with%20space", .status = 301, .body = BUF, .location = "/with%20space/" },
  { .path = "/with%20space/", .status = 200, .body = FILE_, .file = "with space/index.html" },
  { .path = "/empty", .status = 301, .body = BUF, .location = "/empty/" },
  { .path = "/empty/", .status = 403, .body = BUF, .content_type = HTML_UTF8 },
  { .path = "/noindex/", .status = 403, .body = BUF, .content_type = HTML_UTF8 },
  /* With listings on, the same directory is listed. */
  { .path = "/noindex/", .listing = TRUE, .status = 200, .body = BUF, .content_type = HTML_UTF8 },
  { .path = "/empty/", .listing = TRUE, .status = 200, .body = BUF, .content_type = HTML_UTF8 },
  { .path = "/noindex/a.txt", .status = 200, .body = FILE_, .file = "noindex/a.txt" },
  /* Reserved characters in a directory name are escaped in the Location, or
   * the browser would take "?x/" as a query or "#x/" as a fragment. */
  { .path = "/q%3Fx", .status = 301, .body = BUF, .location = "/q%3Fx/" },
  { .path = "/h%23x", .status = 301, .body = BUF, .location = "/h%23x/" },
  /* Index files in order: a missing one is skipped, and so is a directory. */
  { .path = "/sub/", .index_files = "nope.html,index.html", .status = 200, .body = FILE_,
    .file = "sub/index.html" },
  { .path = "/", .index_files = "sub,index.html", .status = 200, .body = FILE_,
    .file = "index.html" },
  /* An index that is a symlink out of the root is not served, nor revealed. */
  { .path = "/", .index_files = "out,index.html", .status = 200, .body = FILE_,
    .file = "index.html" },
  { .path = "/", .index_files = "out", .status = 403, .body = BUF },
  { .path = "/sub/", .index_files = "nope.html", .status = 403, .body = BUF },

  /* Missing and refused. */
  { .path = "/missing", .status = 404, .body = BUF, .content_type = HTML_UTF8 },
  { .path = "/missing/", .status = 404, .body = BUF, .content_type = HTML_UTF8 },
  { .method = "HEAD", .path = "/missing", .status = 404, .body = BUF, .content_type = HTML_UTF8 },
  /* A file is not a directory. */
  { .path = "/index.html/", .status = 404, .body = BUF },
  { .path = "/index.html/x", .status = 404, .body = BUF },
  { .path = "/.git/config", .status = 404, .body = BUF, .content_type = HTML_UTF8 },
  { .path = "/.git/", .status = 404, .body = BUF },
  { .path = "/.git", .status = 404, .body = BUF },
  /* RFC 8615: /.well-known/ is served even when dotfiles are denied. */
  { .path = "/.well-known/security.txt", .status = 200, .body = FILE_,
    .file = ".well-known/security.txt" },
  { .path = "/.well-known", .status = 301, .body = BUF, .location = "/.well-known/" },
  { .path = "/.git/config", .dotfiles = DS_DOTFILES_ALLOW, .status = 200, .body = FILE_,
    .file = ".git/config" },
  /* With dotfiles allowed, "/.git" is a directory like any other. */
  { .path = "/.git", .dotfiles = DS_DOTFILES_ALLOW, .status = 301, .body = BUF,
    .location = "/.git/" },
  { .path = "/pipe", .status = 403, .body = BUF, .content_type = HTML_UTF8 },
  /* Bad paths are 400; whether the connection closes too is left open. */
  { .path = "/../x", .status = 400, .body = BUF, .content_type = HTML_UTF8, .close = CLOSE_ANY },
  { .path = "/%2e%2e/x", .status = 400, .body = BUF, .close = CLOSE_ANY },
  { .path = "/%00", .status = 400, .body = BUF, .close = CLOSE_ANY },
  { .path = "/sub%2Findex.html", .status = 400, .body = BUF, .close = CLOSE_ANY },
  /* "*" is only for OPTIONS. */
  { .path = "*", .status = 400, .body = BUF, .close = CLOSE_ANY },

  /* Symlinks. */
  { .path = "/in.txt", .status = 200, .body = FILE_, .file = "index.html",
    .content_type = "text/plain; charset=utf-8" },
  { .path = "/in.txt", .symlinks = FOLLOW, .status = 200, .body = FILE_, .file = "index.html" },
  { .path = "/in.txt", .symlinks = NOLINKS, .status = 404, .body = BUF },
  { .path = "/sublink/", .status = 200, .body = FILE_, .file = "sub/index.html" },
  { .path = "/sublink", .status = 301, .body = BUF, .location = "/sublink/" },
  { .path = "/sublink/index.html", .symlinks = NOLINKS, .status = 404, .body = BUF },
  { .path = "/out", .status = 404, .body = BUF, .content_type = HTML_UTF8 },
  { .path = "/out", .symlinks = FOLLOW, .status = 200, .body = FILE_, .file = "@out" },
  { .path = "/out", .symlinks = NOLINKS, .status = 404, .body = BUF },
  { .path = "/up", .status = 404, .body = BUF },
  { .path = "/up", .symlinks = FOLLOW, .status = 200, .body = FILE_, .file = "@out" },
  /* A directory outside the root: 404, not a 301 that would reveal it. */
  { .path = "/outdir", .status = 404, .body = BUF },
  { .path = "/outdir/", .status = 404, .body = BUF },
  { .path = "/outdir/secret.txt", .status = 404, .body = BUF },
  { .path = "/outdir", .symlinks = FOLLOW, .status = 301, .body = BUF, .location = "/outdir/" },
  { .path = "/outdir/secret.txt", .symlinks = FOLLOW, .status = 200, .body = FILE_,
    .file = "@out" },
  /* A link loop and a dangling link are simply not there. */
  { .path = "/loop", .status = 404, .body = BUF },
  { .path = "/loop", .symlinks = FOLLOW, .status = 404, .body = BUF },
  { .path = "/dangling", .status = 404, .body = BUF },
  /* A name longer than NAME_MAX cannot exist (ENAMETOOLONG): 404, not 500. */
  { .path = "/" LONG_NAME, .status = 404, .body = BUF },

  /* Methods. */
  { .method = "OPTIONS", .path = "/index.html", .status = 204, .body = NONE,
    .allow = ALLOW_ALL },
  { .method = "OPTIONS", .path = "*", .status = 204, .body = NONE, .allow = ALLOW_ALL },
  /* The server's policy is the same for every path, existing or not. */
  { .method = "OPTIONS", .path = "/missing", .status = 204, .body = NONE, .allow = ALLOW_ALL },
  { .method = "POST", .path = "/index.html", .status = 405, .body = BUF,
    .content_type = HTML_UTF8, .allow = ALLOW_ALL, .close = CLOSE_ANY },
  { .method = "PUT", .path = "/index.html", .status = 405, .body = BUF, .allow = ALLOW_ALL,
    .close = CLOSE_ANY },
  { .method = "DELETE", .path = "/index.html", .status = 405, .body = BUF, .allow = ALLOW_ALL,
    .close = CLOSE_ANY },
  { .method = "PATCH", .path = "/index.html", .status = 405, .body = BUF, .allow = ALLOW_ALL,
    .close = CLOSE_ANY },
  { .method = "FOO", .path = "/index.html", .status = 501, .body = BUF,
    .content_type = HTML_UTF8, .close = CLOSE_YES },
  { .method = "get", .path = "/index.html", .status = 501, .body = BUF, .close = CLOSE_YES },

  /* Transfer-Encoding. */
  { .path = "/index.html", .te = "gzip", .status = 501, .body = BUF, .close = CLOSE_YES },
  { .path = "/index.html", .te = "chunked", .status = 200, .body = FILE_, .file = "index.html" },
  { .path = "/index.html", .te = " Chunked ", .status = 200, .body = FILE_,
    .file = "index.html" },

  /* Host (RFC 9112 §3.2).  Refused on the first call, so the connection
   * closes. */
  { .path = "/index.html", .hosts = HOSTS_NONE, .status = 400, .body = BUF, .close = CLOSE_YES },
  { .path = "/index.html", .hosts = 2, .status = 400, .body = BUF, .close = CLOSE_YES },
  { .version = "HTTP/1.0", .path = "/index.html", .hosts = HOSTS_NONE, .status = 200,
    .body = FILE_, .file = "index.html" },

  /* Conditionals (RFC 9110 §13).  A 304 keeps the 200's fd and length, so
   * the server sends the right Content-Length and no body. */
  { .path = "/index.html", .if_none_match = "$ETAG", .status = 304, .body = FILE_,
    .file = "index.html" },
  { .method = "HEAD", .path = "/index.html", .if_none_match = "$ETAG", .status = 304,
    .body = FILE_, .file = "index.html" },
  /* If-None-Match uses weak comparison. */
  { .path = "/index.html", .if_none_match = "W/$ETAG", .status = 304, .body = FILE_,
    .file = "index.html" },
  { .path = "/index.html", .if_none_match = "*", .status = 304, .body = FILE_,
    .file = "index.html" },
  { .path = "/index.html", .if_none_match = "\"nope\", $ETAG", .status = 304, .body = FILE_,
    .file = "index.html" },
  { .path = "/index.html", .if_none_match = "\"nope\"", .status = 200, .body = FILE_,
    .file = "index.html" },
  { .path = "/sub/", .if_none_match = "$ETAG", .status = 304, .body = FILE_,
    .file = "sub/index.html" },
  { .path = "/index.html", .if_modified_since = "$LASTMOD", .status = 304, .body = FILE_,
    .file = "index.html" },
  /* A malformed date is ignored (§13.1.3), not a 400. */
  { .path = "/index.html", .if_modified_since = "yesterday", .status = 200, .body = FILE_,
    .file = "index.html" },
  { .path = "/index.html", .if_modified_since = "Sun, 32 Nov 1994 08:49:37 GMT", .status = 200,
    .body = FILE_, .file = "index.html" },
  /* If-None-Match wins over If-Modified-Since (§13.2.2 step 3/4). */
  { .path = "/index.html", .if_none_match = "\"nope\"", .if_modified_since = "$LASTMOD",
    .status = 200, .body = FILE_, .file = "index.html" },
  { .path = "/old.txt", .if_modified_since = KNOWN_DATE, .status = 304, .body = FILE_,
    .file = "old.txt", .last_modified = KNOWN_DATE },
  /* The two obsolete forms are accepted as well (§5.6.7). */
  { .path = "/old.txt", .if_modified_since = "Sunday, 06-Nov-94 08:49:37 GMT", .status = 304,
    .body = FILE_, .file = "old.txt" },
  { .path = "/old.txt", .if_modified_since = "Sun Nov  6 08:49:37 1994", .status = 304,
    .body = FILE_, .file = "old.txt" },
  { .path = "/old.txt", .if_modified_since = "Sun, 06 Nov 1994 08:49:36 GMT", .status = 200,
    .body = FILE_, .file = "old.txt" },
  /* A date later than `now` cannot be a Last-Modified the client saw: ignored
   * (httpdate.c, after RFC 7232 §3.3), so a skewed client clock gets a 200. */
  { .path = "/old.txt", .if_modified_since = "Fri, 01 Jan 2100 00:00:00 GMT", .status = 200,
    .body = FILE_, .file = "old.txt" },
  { .path = "/index.html", .if_match = "$ETAG", .status = 200, .body = FILE_,
    .file = "index.html" },
  { .path = "/index.html", .if_match = "*", .status = 200, .body = FILE_, .file = "index.html" },
  { .path = "/index.html", .if_match = "\"nope\"", .status = 412, .body = BUF,
    .content_type = HTML_UTF8 },
  /* If-Match uses strong comparison: a weak tag never matches. */
  { .path = "/index.html", .if_match = "W/$ETAG", .status = 412, .body = BUF },
  { .path = "/old.txt", .if_unmodified_since = "Sun, 06 Nov 1994 08:49:36 GMT", .status = 412,
    .body = BUF },
  { .path = "/old.txt", .if_unmodified_since = KNOWN_DATE, .status = 200, .body = FILE_,
    .file = "old.txt" },
  /* If-Unmodified-Since is ignored when If-Match is present (§13.1.4). */
  { .path = "/old.txt", .if_match = "$ETAG", .if_unmodified_since = "Sun, 06 Nov 1994 08:49:36 GMT",
    .status = 200, .body = FILE_, .file = "old.txt" },
  /* Preconditions are ignored when the answer without them is not 2xx
   * (§13.2.1): a missing file stays 404, a directory still redirects. */
  { .path = "/missing", .if_match = "*", .status = 404, .body = BUF },
  { .path = "/sub", .if_none_match = "*", .status = 301, .body = BUF, .location = "/sub/" },
};

/* Replaces "$ETAG" and "$LASTMOD" in @v; NULL stays NULL.  Caller frees. */
static char *
substitute (const char *v, const char *etag, const char *lastmod)
{
  if (v == NULL)
    return NULL;
  g_autoptr (GString) s = g_string_new (v);
  if (etag != NULL)
    g_string_replace (s, "$ETAG", etag, 0);
  if (lastmod != NULL)
    g_string_replace (s, "$LASTMOD", lastmod, 0);
  return g_string_free (g_steal_pointer (&s), FALSE);
}

static gboolean
needs_first_get (const Row *r)
{
  const char *f[] = { r->if_match, r->if_none_match, r->if_modified_since,
                      r->if_unmodified_since };

  for (gsize i = 0; i < G_N_ELEMENTS (f); i++)
    if (f[i] != NULL && strchr (f[i], '$') != NULL)
      return TRUE;
  return FALSE;
}

static DsConf *
conf_for_row (const Row *r)
{
  DsConf *conf = ds_conf_new_default ();

  conf->dotfiles = r->dotfiles;
  conf->symlinks = r->symlinks;
  conf->listing = r->listing;
  if (r->index_files != NULL)
    {
      g_strfreev (conf->index_files);
      conf->index_files = g_strsplit (r->index_files, ",", -1);
    }
  return conf;
}

static char *
describe (const Row *r)
{
  return g_strdup_printf (
      "%s %.*s%s%s %s hosts=%d te=%s im=%s inm=%s ims=%s ius=%s dot=%d sym=%d idx=%s",
      r->method != NULL ? r->method : "GET",
      (int) (r->path_len != 0 ? r->path_len : strlen (r->path)), r->path,
      r->query != NULL ? "?" : "", r->query != NULL ? r->query : "",
      r->version != NULL ? r->version : "HTTP/1.1", r->hosts, r->te ? r->te : "-",
      r->if_match ? r->if_match : "-", r->if_none_match ? r->if_none_match : "-",
      r->if_modified_since ? r->if_modified_since : "-",
      r->if_unmodified_since ? r->if_unmodified_since : "-", r->dotfiles, r->symlinks,
      r->index_files ? r->index_files : "-");
}

/* Decides one request with an alarm as a guard: a handler that blocks (on a
 * FIFO, say) kills the test instead of hanging it. */
static void
decide (const DsSite *site, const DsRequest *req, DsReply *reply)
{
  ds_reply_init (reply);
  alarm (10);
  ds_handler_decide (site, req, now_s, reply);
  alarm (0);
}

static void
check_etag_format (const char *etag, const char *desc)
{
  ck_assert_msg (etag != NULL, "%s: no ETag", desc);
  ck_assert_msg (g_regex_match_simple ("^\"[0-9a-f]+-[0-9a-f]+\"$", etag, 0, 0),
                 "%s: ETag %s is not \"<hex>-<hex>\"", desc, etag);
}

static void
run_row (const Row *r)
{
  g_autofree char *desc = describe (r);
  g_autoptr (DsConf) conf = conf_for_row (r);
  const DsSite site = { .conf = conf, .mime = mime, .root_fd = root_fd,
                        .text_type = "text/plain; charset=utf-8" };
  g_autofree char *first_etag = NULL;
  g_autofree char *first_lastmod = NULL;
  DsRequest req = {
    .method = r->method != NULL ? r->method : "GET",
    .version = r->version != NULL ? r->version : "HTTP/1.1",
    .path = r->path,
    .path_len = r->path_len != 0 ? r->path_len : strlen (r->path),
    .query = r->query,
    .host_count = r->hosts == 0 ? 1 : r->hosts == HOSTS_NONE ? 0 : (guint) r->hosts,
    .transfer_encoding = r->te,
  };
  DsReply reply;

  if (needs_first_get (r))
    {
      DsRequest plain = req;
      plain.method = "GET";
      decide (&site, &plain, &reply);
      ck_assert_msg (reply.status == 200, "%s: the plain GET gave %u", desc, reply.status);
      first_etag = g_strdup (ds_reply_get_header (&reply, "ETag"));
      first_lastmod = g_strdup (ds_reply_get_header (&reply, "Last-Modified"));
      ds_reply_clear (&reply);
      ck_assert_msg (first_etag != NULL && first_lastmod != NULL,
                     "%s: the plain GET has no validators", desc);
    }
  g_autofree char *im = substitute (r->if_match, first_etag, first_lastmod);
  g_autofree char *inm = substitute (r->if_none_match, first_etag, first_lastmod);
  g_autofree char *ims = substitute (r->if_modified_since, first_etag, first_lastmod);
  g_autofree char *ius = substitute (r->if_unmodified_since, first_etag, first_lastmod);
  req.if_match = im;
  req.if_none_match = inm;
  req.if_modified_since = ims;
  req.if_unmodified_since = ius;

  decide (&site, &req, &reply);

  /* Copy what is asserted on, so the reply can be cleared before any
   * assertion can fail (no fd left open in CK_FORK=no runs). */
  guint status = reply.status;
  DsBodyKind body = reply.body;
  gboolean has_buf = reply.buf != NULL && reply.buf_len > 0;
  g_autofree char *buf = reply.buf != NULL ? g_strndup (reply.buf, reply.buf_len) : NULL;
  gboolean has_fd = reply.fd >= 0;
  struct stat fd_st = { 0 };
  gboolean fd_stat_ok = has_fd && fstat (reply.fd, &fd_st) == 0;
  guint64 offset = reply.offset, length = reply.length;
  gboolean close_conn = reply.close;
  g_autofree char *ctype = g_strdup (ds_reply_get_header (&reply, "Content-Type"));
  g_autofree char *location = g_strdup (ds_reply_get_header (&reply, "Location"));
  g_autofree char *allow = g_strdup (ds_reply_get_header (&reply, "Allow"));
  g_autofree char *etag = g_strdup (ds_reply_get_header (&reply, "ETag"));
  g_autofree char *lastmod = g_strdup (ds_reply_get_header (&reply, "Last-Modified"));
  ds_reply_clear (&reply);
  ck_assert_msg (reply.fd == -1 && reply.buf == NULL && reply.n_headers == 0,
                 "%s: ds_reply_clear left something behind", desc);

  ck_assert_msg (status == r->status, "%s: status %u, expected %u", desc, status, r->status);
  ck_assert_msg (body == r->body, "%s: body kind %d, expected %d", desc, body, r->body);
  if (r->content_type != NULL)
    ck_assert_msg (g_strcmp0 (ctype, r->content_type) == 0, "%s: Content-Type %s, expected %s",
                   desc, ctype != NULL ? ctype : "(none)", r->content_type);
  ck_assert_msg (g_strcmp0 (location, r->location) == 0, "%s: Location %s, expected %s", desc,
                 location != NULL ? location : "(none)",
                 r->location != NULL ? r->location : "(none)");
  ck_assert_msg (g_strcmp0 (allow, r->allow) == 0, "%s: Allow %s, expected %s", desc,
                 allow != NULL ? allow : "(none)", r->allow != NULL ? r->allow : "(none)");
  if (r->close != CLOSE_ANY)
    ck_assert_msg (close_conn == (r->close == CLOSE_YES), "%s: close %d, expected %d", desc,
                   close_conn, r->close == CLOSE_YES);

  switch (r->body)
    {
    case DS_BODY_FILE:
      {
        struct stat st;
        stat_fixture (r->file, &st);
        ck_assert_msg (!has_buf, "%s: file reply with a buffer", desc);
        ck_assert_msg (fd_stat_ok, "%s: file reply without a usable fd", desc);
        ck_assert_msg (fd_st.st_dev == st.st_dev && fd_st.st_ino == st.st_ino,
                       "%s: the fd is not %s", desc, r->file);
        ck_assert_msg (offset == 0 && length == (guint64) st.st_size,
                       "%s: offset %" G_GUINT64_FORMAT " length %" G_GUINT64_FORMAT
                       ", expected 0 and %" G_GUINT64_FORMAT,
                       desc, offset, length, (guint64) st.st_size);
        check_etag_format (etag, desc);
        /* "<size hex>-<mtime ns hex>" (DESIGN.md: no inode). */
        g_autofree char *want_etag = g_strdup_printf (
            "\"%" G_GINT64_MODIFIER "x-%" G_GINT64_MODIFIER "x\"", (guint64) st.st_size,
            (guint64) st.st_mtim.tv_sec * G_GUINT64_CONSTANT (1000000000)
                + (guint64) st.st_mtim.tv_nsec);
        ck_assert_msg (g_strcmp0 (etag, want_etag) == 0, "%s: ETag %s, expected %s", desc, etag,
                       want_etag);
        if (first_etag != NULL)
          ck_assert_msg (g_strcmp0 (etag, first_etag) == 0,
                         "%s: ETag %s differs from the plain GET's %s", desc, etag, first_etag);
        ck_assert_msg (lastmod != NULL, "%s: no Last-Modified", desc);
        gint64 lm = 0;
        ck_assert_msg (ds_httpdate_parse (lastmod, strlen (lastmod), now_s, &lm),
                       "%s: Last-Modified \"%s\" does not parse", desc, lastmod);
        ck_assert_msg (lm == MIN ((gint64) st.st_mtim.tv_sec, now_s),
                       "%s: Last-Modified %s is not the file's mtime", desc, lastmod);
        if (r->last_modified != NULL)
          ck_assert_msg (strcmp (lastmod, r->last_modified) == 0,
                         "%s: Last-Modified %s, expected %s", desc, lastmod, r->last_modified);
        if (status == 200)
          ck_assert_msg (ctype != NULL, "%s: 200 without Content-Type", desc);
      }
      break;
    case DS_BODY_BUFFER:
      {
        /* A status page: HTML naming the code, nothing from the request. */
        g_autofree char *code = g_strdup_printf ("%u", r->status);
        ck_assert_msg (has_buf, "%s: empty status page", desc);
        ck_assert_msg (!has_fd, "%s: status page with an fd", desc);
        ck_assert_msg (g_utf8_validate (buf, -1, NULL), "%s: page is not UTF-8", desc);
        /* A listing (200) is not a status page; it is checked elsewhere. */
        if (r->status != 200)
          ck_assert_msg (strstr (buf, code) != NULL, "%s: page does not name %s", desc, code);
        else
          ck_assert_msg (strstr (buf, "<table") != NULL, "%s: listing without a table", desc);
        ck_assert_msg (g_strcmp0 (ctype, HTML_UTF8) == 0, "%s: page Content-Type %s", desc,
                       ctype != NULL ? ctype : "(none)");
        /* A listing is a generated page (gen.h): it has a validator. */
        if (r->status != 200)
          ck_assert_msg (etag == NULL, "%s: status page with an ETag %s", desc, etag);
        else
          ck_assert_msg (etag != NULL, "%s: listing without an ETag", desc);
      }
      break;
    case DS_BODY_NONE:
    default:
      ck_assert_msg (!has_buf && !has_fd, "%s: a body where none was expected", desc);
      break;
    }
}

START_TEST (test_decide)
{
  run_row (&rows[_i]);
}
END_TEST

/* ---- HEAD is GET without a body (which the server drops) --------------- */

static const char *const head_paths[] = {
  "/index.html", "/", "/sub", "/sub?q", "/missing", "/.git/config", "/pipe", "/old.txt",
  "/../x",
};

static void
reply_dump (const DsReply *reply, GString *out)
{
  g_string_append_printf (out, "%u body=%d len=%" G_GUINT64_FORMAT " buflen=%zu close=%d",
                          reply->status, reply->body, reply->length, reply->buf_len,
                          reply->close);
  for (guint i = 0; i < reply->n_headers; i++)
    g_string_append_printf (out, " [%s: %s]", reply->headers[i].name, reply->headers[i].value);
}

/* An HTTP/1.1 request for @target (path and query), borrowing it. */
static DsRequest
request_for (const char *method, const char *target)
{
  const char *q = strchr (target, '?');
  DsRequest req = {
    .method = method,
    .version = "HTTP/1.1",
    .path = target,
    .path_len = q != NULL ? (gsize) (q - target) : strlen (target),
    .query = q != NULL ? q + 1 : NULL,
    .host_count = 1,
  };
  return req;
}

START_TEST (test_head_like_get)
{
  const char *target = head_paths[_i];
  g_autoptr (DsConf) conf = ds_conf_new_default ();
  const DsSite site = { .conf = conf, .mime = mime, .root_fd = root_fd,
                        .text_type = "text/plain; charset=utf-8" };
  DsRequest req = request_for ("GET", target);
  DsReply reply;
  g_autoptr (GString) get = g_string_new ("");
  g_autoptr (GString) head = g_string_new ("");

  req.method = "GET";
  decide (&site, &req, &reply);
  reply_dump (&reply, get);
  ds_reply_clear (&reply);
  req.method = "HEAD";
  decide (&site, &req, &reply);
  reply_dump (&reply, head);
  ds_reply_clear (&reply);

  ck_assert_msg (strcmp (get->str, head->str) == 0, "%s: GET gave %s, HEAD gave %s", target,
                 get->str, head->str);
}
END_TEST

/* ---- the listing cache ----------------------------------------------------- */

static char *
listing_body (const DsSite *site, const char *target, gint64 now)
{
  DsRequest req = request_for ("GET", target);
  DsReply reply;

  ds_reply_init (&reply);
  alarm (10);
  ds_handler_decide (site, &req, now, &reply);
  alarm (0);
  ck_assert_msg (reply.status == 200 && reply.body == DS_BODY_BUFFER, "%s: status %u", target,
                 reply.status);
  char *body = g_strndup (reply.buf, reply.buf_len);
  ds_reply_clear (&reply);
  return body;
}

static struct timespec
ctime_of (const char *path)
{
  struct stat st;

  ck_assert_msg (stat (path, &st) == 0, "stat %s: %s", path, g_strerror (errno));
  return st.st_ctim;
}

static gboolean
timespec_before (const struct timespec *a, const struct timespec *b)
{
  return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

/* A directory changed in the last DS_DIRCACHE_SETTLE_S seconds is read
 * every time.  Once it has been quiet that long, within one second a
 * listing comes from the cache (a size changed in place is not seen yet:
 * that is how the test knows the cache was used); the next second, or any
 * change of the directory itself (a name added), reads it again.  HTML and
 * JSON, and each sort order, are cached apart. */
START_TEST (test_listing_cache)
{
  g_autofree char *dir = g_build_filename (root_dir, "cached", NULL);
  g_autofree char *a = g_build_filename (dir, "a.txt", NULL);
  g_autofree char *b = g_build_filename (dir, "b.txt", NULL);
  g_autoptr (DsConf) conf = ds_conf_new_default ();
  g_autoptr (DsDirCache) cache = ds_dircache_new (8, 1 << 20);

  conf->listing = TRUE;
  const DsSite site = { .conf = conf, .mime = mime, .root_fd = root_fd,
                        .text_type = "text/plain; charset=utf-8", .dircache = cache };
  ck_assert (g_mkdir (dir, 0755) == 0);
  ck_assert (g_file_set_contents (a, "1", 1, NULL));

  /* Just changed, at the real time: read, not stored. */
  gint64 real_now = g_get_real_time () / G_USEC_PER_SEC;
  g_autofree char *j0 = listing_body (&site, "/cached/?format=json", real_now);
  ck_assert_msg (strstr (j0, "\"name\":\"a.txt\",\"type\":\"file\",\"size\":1,") != NULL, "%s", j0);
  ck_assert_msg (ds_dircache_size (cache) == 0, "a directory changed just now was cached");

  /* The same directory, as if it had been quiet for the settling time. */
  const struct timespec c0 = ctime_of (dir);
  const gint64 t = c0.tv_sec + DS_DIRCACHE_SETTLE_S;
  g_autofree char *j1 = listing_body (&site, "/cached/?format=json", t);
  ck_assert_str_eq (j1, j0);
  ck_assert_uint_eq (ds_dircache_size (cache), 1);

  /* In place: the directory's mtime and ctime stay as they were. */
  int fd = open (a, O_WRONLY);
  ck_assert (fd >= 0 && write (fd, "12345", 5) == 5 && close (fd) == 0);
  g_autofree char *j2 = listing_body (&site, "/cached/?format=json", t);
  ck_assert_str_eq (j2, j1);
  g_autofree char *j3 = listing_body (&site, "/cached/?format=json", t + 1);
  ck_assert_msg (strstr (j3, "\"size\":5,") != NULL, "next second, still: %s", j3);

  /* HTML is its own entry: the first HTML listing is read now. */
  g_autofree char *h1 = listing_body (&site, "/cached/", t + 1);
  ck_assert_msg (strstr (h1, "a.txt") != NULL && strstr (h1, "b.txt") == NULL, "%s", h1);

  /* A new name changes the directory: seen in the same second.  At time t
   * the real clock would be past c0, so wait until the kernel's coarse
   * clock, which stamps the change, is. */
  for (int i = 0; i < 2000; i++)
    {
      struct timespec coarse;
      ck_assert (clock_gettime (CLOCK_REALTIME_COARSE, &coarse) == 0);
      if (timespec_before (&c0, &coarse))
        break;
      g_usleep (1000);
    }
  ck_assert (g_file_set_contents (b, "22", 2, NULL));
  const struct timespec c1 = ctime_of (dir);
  ck_assert_msg (timespec_before (&c0, &c1), "creating b.txt left the directory's ctime");
  g_autofree char *h2 = listing_body (&site, "/cached/", t + 1);
  ck_assert_msg (strstr (h2, "b.txt") != NULL, "new file missing from the listing: %s", h2);
  g_autofree char *j4 = listing_body (&site, "/cached/?format=json", t + 1);
  ck_assert_msg (strstr (j4, "b.txt") != NULL, "new file missing from the JSON: %s", j4);

  /* Sort orders are separate entries: a has 5 bytes, b 2, so by size b
   * comes first ascending and a first descending. */
  const gint64 t2 = c1.tv_sec + DS_DIRCACHE_SETTLE_S;
  g_autofree char *asc = listing_body (&site, "/cached/?sort=size&order=asc&format=json", t2);
  g_autofree char *dsc = listing_body (&site, "/cached/?sort=size&order=desc&format=json", t2);
  ck_assert_msg (strstr (asc, "b.txt") < strstr (asc, "a.txt"), "asc: %s", asc);
  ck_assert_msg (strstr (dsc, "a.txt") < strstr (dsc, "b.txt"), "desc: %s", dsc);

  ck_assert (g_unlink (a) == 0 && g_unlink (b) == 0 && g_rmdir (dir) == 0);
}
END_TEST

/* The sidecar miss cache: a file found without .gz is not probed again in
 * the same second, so a .gz made in that second is used from the next one
 * on (that it is not used at once shows the cache is consulted).  Without a
 * cache, the new sidecar is used at once. */
static void
encoding_of (const DsSite *site, gint64 now, char **out_encoding, char **out_vary)
{
  DsRequest req = request_for ("GET", "/sc/page.html");
  DsReply reply;

  req.accept_encoding = "gzip";

  ds_reply_init (&reply);
  alarm (10);
  ds_handler_decide (site, &req, now, &reply);
  alarm (0);
  ck_assert_msg (reply.status == 200, "status %u", reply.status);
  *out_encoding = g_strdup (ds_reply_get_header (&reply, "Content-Encoding"));
  *out_vary = g_strdup (ds_reply_get_header (&reply, "Vary"));
  ds_reply_clear (&reply);
}

START_TEST (test_sidecar_cache)
{
  const gboolean cached = _i == 1;
  g_autofree char *dir = g_build_filename (root_dir, "sc", NULL);
  g_autofree char *page = g_build_filename (dir, "page.html", NULL);
  g_autofree char *gz = g_build_filename (dir, "page.html.gz", NULL);
  g_autoptr (DsConf) conf = ds_conf_new_default ();
  g_autoptr (DsSidecarCache) cache = ds_sidecar_cache_new (16);
  const gint64 t = 1700000000;
  g_autofree char *enc = NULL;
  g_autofree char *vary = NULL;

  const DsSite site = { .conf = conf, .mime = mime, .root_fd = root_fd,
                        .text_type = "text/plain; charset=utf-8",
                        .sidecars = cached ? cache : NULL };
  ck_assert (g_mkdir (dir, 0755) == 0);
  ck_assert (g_file_set_contents (page, "<p>page</p>", -1, NULL));
  encoding_of (&site, t, &enc, &vary);
  ck_assert_msg (enc == NULL && vary == NULL, "no sidecar yet: %s, Vary %s", enc, vary);
  g_clear_pointer (&enc, g_free);
  g_clear_pointer (&vary, g_free);

  /* The .gz gets the page's mtime: at least as new, so it is usable. */
  ck_assert (g_file_set_contents (gz, "not really gzip", -1, NULL));
  struct stat st;
  ck_assert (stat (page, &st) == 0);
  struct timespec times[2] = { st.st_mtim, st.st_mtim };
  ck_assert (utimensat (AT_FDCWD, gz, times, 0) == 0);

  encoding_of (&site, t, &enc, &vary);
  if (cached)
    ck_assert_msg (enc == NULL && vary == NULL, "same second: %s, Vary %s", enc, vary);
  else
    ck_assert_msg (g_strcmp0 (enc, "gzip") == 0 && g_strcmp0 (vary, "Accept-Encoding") == 0,
                   "no cache: %s, Vary %s", enc, vary);
  g_clear_pointer (&enc, g_free);
  g_clear_pointer (&vary, g_free);

  encoding_of (&site, t + 1, &enc, &vary);
  ck_assert_msg (g_strcmp0 (enc, "gzip") == 0 && g_strcmp0 (vary, "Accept-Encoding") == 0,
                 "next second: %s, Vary %s", enc, vary);

  /* A file with a sidecar is never noted: still gzip in the same second. */
  g_clear_pointer (&enc, g_free);
  g_clear_pointer (&vary, g_free);
  encoding_of (&site, t + 1, &enc, &vary);
  ck_assert_msg (g_strcmp0 (enc, "gzip") == 0, "again: %s", enc);

  ck_assert (g_unlink (gz) == 0 && g_unlink (page) == 0 && g_rmdir (dir) == 0);
}
END_TEST

/* The cache on its own: notes hold for their second only; a late note for
 * the second before does not wipe the current second's; a clock stepped
 * further back starts afresh; past the bound nothing more is noted. */
START_TEST (test_sidecar_cache_seconds)
{
  g_autoptr (DsSidecarCache) c = ds_sidecar_cache_new (2);

  ds_sidecar_cache_note_absent (c, "a", 11);
  ck_assert (ds_sidecar_cache_known_absent (c, "a", 11));
  ck_assert (!ds_sidecar_cache_known_absent (c, "a", 12));
  ck_assert (!ds_sidecar_cache_known_absent (c, "b", 11));

  ds_sidecar_cache_note_absent (c, "late", 10);
  ck_assert_msg (ds_sidecar_cache_known_absent (c, "a", 11), "a late note wiped second 11");
  ck_assert (!ds_sidecar_cache_known_absent (c, "late", 10));
  ck_assert (!ds_sidecar_cache_known_absent (c, "late", 11));

  ds_sidecar_cache_note_absent (c, "b", 11);
  ds_sidecar_cache_note_absent (c, "over", 11);
  ck_assert (ds_sidecar_cache_known_absent (c, "b", 11));
  ck_assert_msg (!ds_sidecar_cache_known_absent (c, "over", 11), "bound of 2 passed");

  ds_sidecar_cache_note_absent (c, "back", 5);
  ck_assert (ds_sidecar_cache_known_absent (c, "back", 5));
  ck_assert (!ds_sidecar_cache_known_absent (c, "a", 11));
}
END_TEST

/* ---- a file stamped in the future -------------------------------------- */

/* RFC 9110 §8.8.2.1: Last-Modified must not be later than the response's
 * date; the handler uses the @now it is given, not the clock. */
START_TEST (test_future_mtime)
{
  g_autoptr (DsConf) conf = ds_conf_new_default ();
  const DsSite site = { .conf = conf, .mime = mime, .root_fd = root_fd,
                        .text_type = "text/plain; charset=utf-8" };
  const gint64 nows[] = { now_s, now_s - 3600, now_s + 30 * 24 * 3600 };

  for (gsize i = 0; i < G_N_ELEMENTS (nows); i++)
    {
      DsRequest req = { .method = "GET", .version = "HTTP/1.1", .path = "/future.txt",
                        .path_len = strlen ("/future.txt"), .host_count = 1 };
      DsReply reply;
      gint64 lm = 0;

      ds_reply_init (&reply);
      ds_handler_decide (&site, &req, nows[i], &reply);
      guint status = reply.status;
      g_autofree char *lastmod = g_strdup (ds_reply_get_header (&reply, "Last-Modified"));
      ds_reply_clear (&reply);

      ck_assert_msg (status == 200, "now=%" G_GINT64_FORMAT ": status %u", nows[i], status);
      ck_assert_msg (lastmod != NULL, "now=%" G_GINT64_FORMAT ": no Last-Modified", nows[i]);
      ck_assert_msg (ds_httpdate_parse (lastmod, strlen (lastmod), nows[i], &lm),
                     "Last-Modified \"%s\" does not parse", lastmod);
      ck_assert_msg (lm <= nows[i], "now=%" G_GINT64_FORMAT ": Last-Modified %s is later",
                     nows[i], lastmod);

      /* And it validates: If-Modified-Since with that date gives 304. */
      req.if_modified_since = lastmod;
      ds_reply_init (&reply);
      ds_handler_decide (&site, &req, nows[i], &reply);
      status = reply.status;
      ds_reply_clear (&reply);
      ck_assert_msg (status == 304, "now=%" G_GINT64_FORMAT ": IMS %s gave %u, expected 304",
                     nows[i], lastmod, status);
    }
}
END_TEST

/* Found by tests/fuzz/fuzz_handler: an mtime after 2262 (ext4 stores up to
 * 2446-05-10, "touch -d 2300-01-01" sets one) overflowed gint64 in
 * "mtime * 1000000000" when building the ETag (undefined behaviour; UBSan
 * stops here in the sanitizer build).  The tag must still be the file's
 * size and mtime in nanoseconds, as unsigned 64-bit hex. */
START_TEST (test_mtime_after_2262)
{
  const gint64 t = G_GINT64_CONSTANT (15032385535); /* 2446-05-10T22:38:55Z */
  g_autoptr (DsConf) conf = ds_conf_new_default ();
  const DsSite site = { .conf = conf, .mime = mime, .root_fd = root_fd,
                        .text_type = "text/plain; charset=utf-8" };
  DsRequest req = { .method = "GET", .version = "HTTP/1.1", .path = "/y2446/f.txt",
                    .path_len = strlen ("/y2446/f.txt"), .host_count = 1 };
  DsReply reply;

  put_dir ("y2446");
  put_file ("y2446/f.txt", "2446\n");
  set_mtime ("y2446/f.txt", t);
  g_autofree char *path = g_build_filename (root_dir, "y2446", "f.txt", NULL);
  struct stat st;
  ck_assert (stat (path, &st) == 0);
  if (st.st_mtim.tv_sec != t)
    return; /* a file system that cannot store it: nothing to test */

  ds_reply_init (&reply);
  ds_handler_decide (&site, &req, now_s, &reply);
  guint status = reply.status;
  g_autofree char *etag = g_strdup (ds_reply_get_header (&reply, "ETag"));
  ds_reply_clear (&reply);

  g_autofree char *want = g_strdup_printf ("\"5-%" G_GINT64_MODIFIER "x\"",
                                           (guint64) t * G_GUINT64_CONSTANT (1000000000));
  ck_assert_msg (status == 200, "status %u", status);
  ck_assert_msg (g_strcmp0 (etag, want) == 0, "ETag %s, expected %s", etag, want);
}
END_TEST

/* ---- unreadable file (not as root: root reads mode 000 files) ---------- */

START_TEST (test_unreadable)
{
  Row r = { .path = "/locked.txt", .status = 403, .body = BUF, .content_type = HTML_UTF8 };

  run_row (&r);
}
END_TEST

/* ---- no fd leaks --------------------------------------------------------- */

static guint
count_fds (void)
{
  g_autoptr (GDir) dir = g_dir_open ("/proc/self/fd", 0, NULL);
  guint n = 0;

  ck_assert_msg (dir != NULL, "cannot list /proc/self/fd");
  while (g_dir_read_name (dir) != NULL)
    n++;
  return n;
}

/* Every outcome, twice over, closes what it opened: the open-fd count is
 * the same before and after. */
START_TEST (test_no_fd_leak)
{
  guint before = count_fds ();

  for (int round = 0; round < 2; round++)
    for (gsize i = 0; i < G_N_ELEMENTS (rows); i++)
      run_row (&rows[i]);
  if (geteuid () != 0)
    {
      Row r = { .path = "/locked.txt", .status = 403, .body = BUF };
      run_row (&r);
    }

  guint after = count_fds ();
  ck_assert_msg (before == after, "%u fds open before the requests, %u after", before, after);
}
END_TEST

/* ---- DsReply helpers ----------------------------------------------------- */

START_TEST (test_reply_helpers)
{
  DsReply reply;

  ds_reply_init (&reply);
  ck_assert_int_eq (reply.fd, -1);
  ck_assert_uint_eq (reply.n_headers, 0);
  ds_reply_add_header (&reply, "X-One", "1");
  ds_reply_add_header (&reply, "Content-Type", "text/plain");
  /* Lookup is case-insensitive (RFC 9110 §5.1). */
  ck_assert_str_eq (ds_reply_get_header (&reply, "content-type"), "text/plain");
  ck_assert_str_eq (ds_reply_get_header (&reply, "X-ONE"), "1");
  ck_assert_ptr_null (ds_reply_get_header (&reply, "X-Two"));
  reply.fd = open ("/dev/null", O_RDONLY | O_CLOEXEC);
  ck_assert_int_ge (reply.fd, 0);
  int fd = reply.fd;
  ds_reply_set_status_page (&reply, NULL, 404);
  /* The status page replaces the fd body and closes the fd. */
  ck_assert_msg (fcntl (fd, F_GETFD) == -1 && errno == EBADF,
                 "set_status_page left fd %d open", fd);
  ck_assert_uint_eq (reply.status, 404);
  ck_assert_int_eq (reply.body, DS_BODY_BUFFER);
  ck_assert_int_eq (reply.fd, -1);
  ck_assert_msg (reply.buf != NULL && reply.buf_len == strlen (reply.buf),
                 "status page buffer/length mismatch");
  ds_reply_clear (&reply);
  ck_assert_ptr_null (reply.buf);
  ck_assert_uint_eq (reply.n_headers, 0);
  ck_assert_int_eq (reply.fd, -1);
  /* Clearing twice is harmless. */
  ds_reply_clear (&reply);
}
END_TEST

static void
walk_setup (void)
{
  ds_path_use_openat2 (FALSE);
  docroot_setup ();
}

static void
walk_teardown (void)
{
  docroot_teardown ();
  ds_path_use_openat2 (TRUE);
}

static Suite *
handler_suite (void)
{
  Suite *s = suite_create ("handler");

  TCase *tc = tcase_create ("precheck");
  tcase_add_loop_test (tc, test_precheck, 0, G_N_ELEMENTS (precheck_cases));
  tcase_add_test (tc, test_reply_helpers);
  suite_add_tcase (s, tc);

  tc = tcase_create ("decide");
  tcase_add_unchecked_fixture (tc, docroot_setup, docroot_teardown);
  tcase_add_loop_test (tc, test_decide, 0, G_N_ELEMENTS (rows));
  tcase_add_loop_test (tc, test_head_like_get, 0, G_N_ELEMENTS (head_paths));
  tcase_add_test (tc, test_future_mtime);
  /* Root opens a mode-000 file anyway, so the 403 row would test nothing:
   * it only runs for an unprivileged user. */
  if (geteuid () != 0)
    tcase_add_test (tc, test_unreadable);
  tcase_add_test (tc, test_no_fd_leak);
  tcase_add_test (tc, test_mtime_after_2262);
  tcase_add_test (tc, test_listing_cache);
  tcase_add_loop_test (tc, test_sidecar_cache, 0, 2);
  tcase_add_test (tc, test_sidecar_cache_seconds);
  suite_add_tcase (s, tc);

  /* Every row again with the path walk used where openat2 is unavailable. */
  tc = tcase_create ("decide-walk");
  tcase_add_unchecked_fixture (tc, walk_setup, walk_teardown);
  tcase_add_loop_test (tc, test_decide, 0, G_N_ELEMENTS (rows));
  suite_add_tcase (s, tc);

  return s;
}

int
main (void)
{
  SRunner *sr = srunner_create (handler_suite ());

  srunner_run_all (sr, CK_NORMAL);
  int failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
