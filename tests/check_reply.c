/* check_reply.c: the DsReply value (init, clear, headers) and the status
 * pages: generated (status.c) or the administrator's --error-pages files,
 * and how ds_reply_load_error_pages reads those. */
#include "config.h"

#include "docserve/reply.h"

#include "docserve/common.h"
#include "docserve/status.h"

#include "scratch.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <glib-unix.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A pipe whose read end does not block: the write end is what a reply
 * owns, the read end tells whether it was closed (EOF) or not (EAGAIN). */
typedef struct
{
  int read_end;
  int write_end;
} Pipe;

static Pipe
pipe_new (void)
{
  int fds[2];

  ck_assert_msg (g_unix_open_pipe (fds, FD_CLOEXEC, NULL), "pipe: %s", g_strerror (errno));
  ck_assert (fcntl (fds[0], F_SETFL, O_NONBLOCK) == 0);
  return (Pipe){ fds[0], fds[1] };
}

/* Whether the write end of @p has been closed (by whoever owned it); the
 * read end is closed either way. */
static gboolean
pipe_write_end_closed (Pipe *p)
{
  char c;
  ssize_t n = read (p->read_end, &c, 1);
  int e = errno;

  close (p->read_end);
  p->read_end = -1;
  ck_assert_msg (n == 0 || (n < 0 && e == EAGAIN), "read from the pipe: %zd, %s", n,
                 g_strerror (e));
  return n == 0;
}

static void
assert_empty (const DsReply *r, const char *what)
{
  ck_assert_msg (r->status == 0 && r->body == DS_BODY_NONE && r->buf == NULL && r->buf_len == 0
                     && r->fd == -1 && r->offset == 0 && r->length == 0 && r->multipart == NULL
                     && r->encoding == NULL && r->n_headers == 0 && !r->close,
                 "%s: not an empty reply (status %u, body %d, fd %d, %u headers)", what,
                 r->status, r->body, r->fd, r->n_headers);
}

/* ---- init and clear ---------------------------------------------------- */

START_TEST (test_init)
{
  DsReply r;

  memset (&r, 0xa5, sizeof r);
  ds_reply_init (&r);
  assert_empty (&r, "after init");
}
END_TEST

/* Clearing frees the buffer, the multipart layout and the header values
 * (the sanitizer build shows a leak) and closes the fd. */
START_TEST (test_clear)
{
  static const DsRangeSpan spans[] = { { 0, 9 }, { 20, 29 } };
  Pipe p = pipe_new ();
  DsReply r;

  ds_reply_init (&r);
  r.status = 206;
  r.body = DS_BODY_MULTIPART;
  r.buf = g_strdup ("left over");
  r.buf_len = 9;
  r.fd = p.write_end;
  r.offset = 5;
  r.length = 7;
  r.multipart = ds_multipart_new (spans, G_N_ELEMENTS (spans), 100, "text/plain", "b0undary");
  ck_assert (r.multipart != NULL);
  r.encoding = "gzip";
  r.close = TRUE;
  ds_reply_add_header (&r, "Content-Type", "text/plain");
  ds_reply_add_header (&r, "ETag", "\"1\"");

  ds_reply_clear (&r);
  assert_empty (&r, "after clear");
  ck_assert_msg (pipe_write_end_closed (&p), "clear left the reply's fd open");

  /* A cleared reply is an initialised one: clearing it again is harmless. */
  ds_reply_clear (&r);
  assert_empty (&r, "after a second clear");
}
END_TEST

/* ---- headers ----------------------------------------------------------- */

static const struct
{
  const char *name;
  const char *value;
} added[] = {
  { "Content-Type", "text/html" },
  { "ETag", "\"abc\"" },
  { "Vary", "Accept-Encoding" },
  { "X-Dup", "first" },
  { "x-dup", "second" },
  { "X-Empty", "" },
};

typedef struct
{
  const char *name;
  const char *want; /* NULL: absent */
} GetHeaderRow;

static const GetHeaderRow get_header_rows[] = {
  { "Content-Type", "text/html" },
  { "content-type", "text/html" },
  { "CONTENT-TYPE", "text/html" },
  { "cOnTeNt-TyPe", "text/html" },
  { "etag", "\"abc\"" },
  { "vary", "Accept-Encoding" },
  { "X-DUP", "first" },     /* the first of two */
  { "X-Empty", "" },        /* present, empty: not NULL */
  { "Content", NULL },      /* a prefix is another name */
  { "Content-Type-X", NULL },
  { "Content-Type ", NULL },
  { "Content_Type", NULL },
  { "", NULL },
  { "Location", NULL },
};

START_TEST (test_get_header)
{
  const GetHeaderRow *row = &get_header_rows[_i];
  DsReply r;

  ds_reply_init (&r);
  for (gsize i = 0; i < G_N_ELEMENTS (added); i++)
    ds_reply_add_header (&r, added[i].name, added[i].value);
  const char *got = ds_reply_get_header (&r, row->name);
  ck_assert_msg (g_strcmp0 (got, row->want) == 0, "get \"%s\": \"%s\", want \"%s\"", row->name,
                 got != NULL ? got : "(null)", row->want != NULL ? row->want : "(null)");
  ds_reply_clear (&r);
}
END_TEST

/* The value is copied, the name kept as given; every one of the
 * DS_REPLY_MAX_HEADERS slots can be used. */
START_TEST (test_add_header)
{
  static const char *const names[DS_REPLY_MAX_HEADERS] = {
    "H0", "H1", "H2", "H3", "H4", "H5", "H6", "H7",
    "H8", "H9", "H10", "H11", "H12", "H13", "H14", "H15",
  };
  DsReply r;
  char value[16];

  ds_reply_init (&r);
  for (guint i = 0; i < DS_REPLY_MAX_HEADERS; i++)
    {
      g_snprintf (value, sizeof value, "v%u", i);
      ds_reply_add_header (&r, names[i], value);
    }
  strcpy (value, "overwritten");
  ck_assert_uint_eq (r.n_headers, DS_REPLY_MAX_HEADERS);
  for (guint i = 0; i < DS_REPLY_MAX_HEADERS; i++)
    {
      char want[16];
      g_snprintf (want, sizeof want, "v%u", i);
      ck_assert_msg (r.headers[i].name == names[i], "header %u: name not kept", i);
      ck_assert_msg (g_strcmp0 (ds_reply_get_header (&r, names[i]), want) == 0,
                     "header %s: \"%s\", want \"%s\"", names[i],
                     ds_reply_get_header (&r, names[i]), want);
    }
  ds_reply_clear (&r);
}
END_TEST

/* ---- status pages ------------------------------------------------------ */

/* The custom pages of the "custom" rows: a few codes, one page empty. */
static const struct
{
  guint status;
  const char *page;
} custom_pages[] = {
  { 400, "<p>custom 400</p>\n" },
  { 404, "<p>custom 404</p>\n" },
  { 405, "<p>custom 405</p>\n" },
  { 503, "<p>custom 503</p>\n" },
  { 403, "" },
};

static GHashTable *
custom_table (void)
{
  GHashTable *t = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) g_bytes_unref);

  for (gsize i = 0; i < G_N_ELEMENTS (custom_pages); i++)
    g_hash_table_insert (t, GUINT_TO_POINTER (custom_pages[i].status),
                         g_bytes_new_static (custom_pages[i].page, strlen (custom_pages[i].page)));
  return t;
}

static const char *
custom_page (guint status)
{
  for (gsize i = 0; i < G_N_ELEMENTS (custom_pages); i++)
    if (custom_pages[i].status == status)
      return custom_pages[i].page;
  return NULL;
}

typedef struct
{
  guint status;
  gboolean allow; /* Allow: GET, HEAD, OPTIONS */
  gboolean close;
} StatusPageRow;

/* Each row is run twice: without error pages and with custom_pages. */
static const StatusPageRow status_page_rows[] = {
  { 400, FALSE, TRUE },
  { 403, FALSE, FALSE },
  { 404, FALSE, FALSE },
  { 405, TRUE, FALSE },
  { 408, FALSE, FALSE },
  { 412, FALSE, FALSE },
  { 416, FALSE, FALSE },
  { 500, FALSE, FALSE },
  { 501, FALSE, TRUE },
  { 503, FALSE, TRUE },
  { 301, FALSE, FALSE },
};

START_TEST (test_status_page)
{
  const StatusPageRow *row = &status_page_rows[_i / 2];
  gboolean with_custom = _i % 2 == 1;
  g_autoptr (GHashTable) pages = with_custom ? custom_table () : NULL;
  const char *custom = with_custom ? custom_page (row->status) : NULL;
  g_autofree char *what = g_strdup_printf ("%u %s", row->status,
                                           custom != NULL ? "(custom page)" : "(generated page)");
  Pipe p = pipe_new ();
  DsReply r;

  /* A reply that was going to send a file: the page replaces it. */
  ds_reply_init (&r);
  r.status = 200;
  r.body = DS_BODY_FILE;
  r.fd = p.write_end;
  r.length = 1234;
  r.buf = g_strdup ("stale");
  ds_reply_set_status_page (&r, pages, row->status);

  ck_assert_msg (pipe_write_end_closed (&p) && r.fd == -1, "%s: the file's fd was kept", what);
  ck_assert_msg (r.status == row->status, "%s: status %u", what, r.status);
  ck_assert_msg (r.body == DS_BODY_BUFFER, "%s: body kind %d", what, r.body);
  if (custom != NULL)
    ck_assert_msg (r.buf_len == strlen (custom)
                       && (r.buf_len == 0 || memcmp (r.buf, custom, r.buf_len) == 0),
                   "%s: body \"%.*s\", want \"%s\"", what, (int) r.buf_len, r.buf, custom);
  else
    {
      gsize len = 0;
      g_autofree char *want = ds_status_page (row->status, &len);
      ck_assert_msg (r.buf_len == len && memcmp (r.buf, want, len) == 0,
                     "%s: body \"%.*s\", want \"%s\"", what, (int) r.buf_len, r.buf, want);
    }
  ck_assert_msg (g_strcmp0 (ds_reply_get_header (&r, "Content-Type"), "text/html; charset=utf-8")
                     == 0,
                 "%s: Content-Type %s", what, ds_reply_get_header (&r, "Content-Type"));
  ck_assert_msg (g_strcmp0 (ds_reply_get_header (&r, "Allow"),
                            row->allow ? DS_ALLOW_VALUE : NULL) == 0,
                 "%s: Allow %s", what, ds_reply_get_header (&r, "Allow"));
  ck_assert_msg (r.n_headers == (row->allow ? 2u : 1u), "%s: %u headers", what, r.n_headers);
  ck_assert_msg (r.close == row->close, "%s: close %d, want %d", what, r.close, row->close);
  ds_reply_clear (&r);
}
END_TEST

/* ---- ds_reply_load_error_pages ----------------------------------------- */

typedef struct
{
  const char *name;    /* file written in the pages directory */
  guint status;        /* the code it would be for */
  gboolean loaded;     /* ... and whether it is */
} PageFileRow;

/* Every 4xx and 5xx code docserve sends itself has a page; others are not
 * read, whatever is in the directory. */
static const PageFileRow page_file_rows[] = {
  { "400.html", 400, TRUE },  { "403.html", 403, TRUE },  { "404.html", 404, TRUE },
  { "405.html", 405, TRUE },  { "408.html", 408, TRUE },  { "412.html", 412, TRUE },
  { "414.html", 414, TRUE },  { "416.html", 416, TRUE },  { "431.html", 431, TRUE },
  { "500.html", 500, TRUE },  { "501.html", 501, TRUE },  { "503.html", 503, TRUE },
  { "200.html", 200, FALSE }, { "301.html", 301, FALSE }, { "401.html", 401, FALSE },
  { "413.html", 413, FALSE }, { "502.html", 502, FALSE }, { "504.html", 504, FALSE },
};

/* Fills @dir with every page_file_rows file, each holding its own name. */
static void
write_page_files (const char *dir)
{
  for (gsize i = 0; i < G_N_ELEMENTS (page_file_rows); i++)
    g_free (scratch_write (dir, page_file_rows[i].name, page_file_rows[i].name, -1));
}

START_TEST (test_load_pages)
{
  const PageFileRow *row = &page_file_rows[_i];
  g_autofree char *dir = g_build_filename (scratch_dir, row->name, NULL); /* a directory */
  g_autoptr (GError) error = NULL;

  ck_assert (g_mkdir (dir, 0700) == 0);
  write_page_files (dir);
  g_autoptr (GHashTable) pages = ds_reply_load_error_pages (dir, &error);
  ck_assert_msg (pages != NULL, "%s: %s", dir, error != NULL ? error->message : "?");
  GBytes *page = g_hash_table_lookup (pages, GUINT_TO_POINTER (row->status));
  if (row->loaded)
    {
      gsize len = 0;
      const char *data = page != NULL ? g_bytes_get_data (page, &len) : NULL;
      ck_assert_msg (page != NULL, "%s: not loaded", row->name);
      ck_assert_msg (len == strlen (row->name) && memcmp (data, row->name, len) == 0,
                     "%s: loaded \"%.*s\"", row->name, (int) len, data);
    }
  else
    ck_assert_msg (page == NULL, "%s: loaded, but %u is no code docserve sends a page for",
                   row->name, row->status);
  scratch_remove (dir);
}
END_TEST

/* Missing pages are skipped (a dangling symlink is one); other files in the
 * directory are ignored; an empty page is a page. */
START_TEST (test_load_some_pages)
{
  g_autofree char *dir = g_build_filename (scratch_dir, "some", NULL);
  g_autofree char *sub = g_build_filename (dir, "sub", NULL);
  g_autofree char *dangling = g_build_filename (dir, "500.html", NULL);
  g_autoptr (GError) error = NULL;

  ck_assert (g_mkdir (dir, 0700) == 0 && g_mkdir (sub, 0700) == 0);
  g_free (scratch_write (dir, "404.html", "<h1>gone</h1>\n", -1));
  g_free (scratch_write (dir, "403.html", "", 0));
  g_free (scratch_write (dir, "404.htm", "wrong extension", -1));
  g_free (scratch_write (dir, "index.html", "not a status", -1));
  g_free (scratch_write (sub, "400.html", "one level down", -1));
  ck_assert (symlink ("nowhere.html", dangling) == 0);

  g_autoptr (GHashTable) pages = ds_reply_load_error_pages (dir, &error);
  ck_assert_msg (pages != NULL, "%s: %s", dir, error != NULL ? error->message : "?");
  ck_assert_msg (g_hash_table_size (pages) == 2, "%u pages loaded, want 2 (403, 404)",
                 g_hash_table_size (pages));
  GBytes *empty = g_hash_table_lookup (pages, GUINT_TO_POINTER (403));
  ck_assert_msg (empty != NULL && g_bytes_get_size (empty) == 0, "403.html: empty page not loaded");
  GBytes *p404 = g_hash_table_lookup (pages, GUINT_TO_POINTER (404));
  ck_assert (p404 != NULL && g_bytes_get_size (p404) == strlen ("<h1>gone</h1>\n"));

  /* The table works with ds_reply_set_status_page as it is. */
  DsReply r;
  ds_reply_init (&r);
  ds_reply_set_status_page (&r, pages, 404);
  ck_assert (r.buf_len == strlen ("<h1>gone</h1>\n")
             && memcmp (r.buf, "<h1>gone</h1>\n", r.buf_len) == 0);
  ds_reply_clear (&r);
  ds_reply_set_status_page (&r, pages, 500); /* the dangling one: generated */
  gsize len = 0;
  g_autofree char *generated = ds_status_page (500, &len);
  ck_assert (r.buf_len == len && memcmp (r.buf, generated, len) == 0);
  ds_reply_clear (&r);
  scratch_remove (dir);
}
END_TEST

/* A pages directory that is missing or not a directory. */
START_TEST (test_load_no_dir)
{
  g_autofree char *missing = g_build_filename (scratch_dir, "missing", NULL);
  g_autofree char *file = scratch_write (scratch_dir, "file", "x", -1);
  const char *const dirs[] = { missing, file };

  for (gsize i = 0; i < G_N_ELEMENTS (dirs); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (GHashTable) pages = ds_reply_load_error_pages (dirs[i], &error);
      g_autofree char *want = g_strconcat ("--error-pages: ", dirs[i], ": ", NULL);
      ck_assert_msg (pages == NULL, "%s: loaded", dirs[i]);
      ck_assert_msg (g_error_matches (error, DS_ERROR, DS_ERROR_RUNTIME)
                         && g_str_has_prefix (error->message, want),
                     "%s: error \"%s\", want \"%s...\"", dirs[i],
                     error != NULL ? error->message : "(none)", want);
    }
  scratch_remove (file);
}
END_TEST

/* 1 MiB is the limit: a page of exactly that loads, one byte more not.  A
 * 404.html that is a directory cannot be read: an error too.  (A page that
 * cannot be read for its permissions is not tested: the suite runs as root
 * in CI, and root reads it anyway.) */
START_TEST (test_load_bad_page)
{
  const gsize limit = 1024 * 1024;
  g_autofree char *dir = g_build_filename (scratch_dir, "big", NULL);
  g_autofree char *data = g_malloc (limit + 1);

  memset (data, 'x', limit + 1);
  ck_assert (g_mkdir (dir, 0700) == 0);
  for (gsize size = limit; size <= limit + 1; size++)
    {
      g_autofree char *path = scratch_write (dir, "503.html", data, (gssize) size);
      g_autoptr (GError) error = NULL;
      g_autoptr (GHashTable) pages = ds_reply_load_error_pages (dir, &error);
      if (size == limit)
        {
          ck_assert_msg (pages != NULL, "%zu bytes: %s", size,
                         error != NULL ? error->message : "?");
          GBytes *p = g_hash_table_lookup (pages, GUINT_TO_POINTER (503));
          ck_assert_msg (p != NULL && g_bytes_get_size (p) == size, "%zu bytes: not loaded whole",
                         size);
        }
      else
        {
          g_autofree char *want
              = g_strconcat ("--error-pages: ", path, ": larger than 1 MiB", NULL);
          ck_assert_msg (pages == NULL, "%zu bytes: loaded", size);
          ck_assert_msg (g_error_matches (error, DS_ERROR, DS_ERROR_RUNTIME)
                             && strcmp (error->message, want) == 0,
                         "%zu bytes: error \"%s\", want \"%s\"", size,
                         error != NULL ? error->message : "(none)", want);
        }
    }
  scratch_remove (dir);

  g_autofree char *page_dir = g_build_filename (dir, "404.html", NULL);
  ck_assert (g_mkdir (dir, 0700) == 0 && g_mkdir (page_dir, 0700) == 0);
  g_autoptr (GError) error = NULL;
  g_autoptr (GHashTable) pages = ds_reply_load_error_pages (dir, &error);
  ck_assert_msg (pages == NULL, "404.html a directory: loaded");
  ck_assert_msg (g_error_matches (error, DS_ERROR, DS_ERROR_RUNTIME)
                     && g_str_has_prefix (error->message, "--error-pages: "),
                 "404.html a directory: error \"%s\"", error != NULL ? error->message : "(none)");
  scratch_remove (dir);
}
END_TEST

/* ---- small bodies from memory ------------------------------------------ */

typedef struct
{
  guint status;
  gboolean head;
  guint64 offset;
  guint64 length;    /* of the reply (G_MAXUINT64: the whole big file) */
  gboolean big;      /* the file has DS_REPLY_SMALL_BODY + 1 bytes, else "0123456789" */
  const char *loaded; /* the buffer, or NULL: the reply stays a file body */
} SmallBodyRow;

static const SmallBodyRow small_body_rows[] = {
  { 200, FALSE, 2, 5, FALSE, "23456" },
  { 206, FALSE, 0, 10, FALSE, "0123456789" },
  { 200, FALSE, 10, 0, FALSE, "" },
  { 200, TRUE, 0, 10, FALSE, NULL },    /* HEAD: nothing is sent */
  { 304, FALSE, 0, 10, FALSE, NULL },   /* no body */
  { 200, FALSE, 0, 20, FALSE, NULL },   /* the file shrank: short read */
  { 200, FALSE, 0, G_MAXUINT64, TRUE, NULL }, /* over the bound: sendfile() */
};

START_TEST (test_load_small_body)
{
  const SmallBodyRow *row = &small_body_rows[_i];
  gsize big_len = (gsize) DS_REPLY_SMALL_BODY + 1;
  g_autofree char *big = g_malloc0 (big_len);
  g_autofree char *path = row->big ? scratch_write (scratch_dir, "body", big, (gssize) big_len)
                                   : scratch_write (scratch_dir, "body", "0123456789", -1);
  DsReply r;

  ds_reply_init (&r);
  r.status = row->status;
  r.body = DS_BODY_FILE;
  r.fd = open (path, O_RDONLY | O_CLOEXEC);
  ck_assert_int_ge (r.fd, 0);
  r.offset = row->offset;
  r.length = row->length == G_MAXUINT64 ? big_len : row->length;
  int fd = r.fd;
  ds_reply_load_small_body (&r, row->head);
  if (row->loaded != NULL)
    {
      ck_assert_msg (r.body == DS_BODY_BUFFER && r.fd == -1, "row %d: not loaded", _i);
      ck_assert_uint_eq (r.buf_len, strlen (row->loaded));
      ck_assert (memcmp (r.buf, row->loaded, r.buf_len) == 0);
      ck_assert (fcntl (fd, F_GETFD) < 0 && errno == EBADF); /* closed */
    }
  else
    ck_assert_msg (r.body == DS_BODY_FILE && r.fd == fd && r.buf == NULL,
                   "row %d: changed (body %d)", _i, r.body);
  ds_reply_clear (&r);
}
END_TEST

/* ---- the headers every reply gets ------------------------------------ */

/* --header is split once; each adds "Name: value\r\n" to the fixed bytes. */
START_TEST (test_common)
{
  char *headers[] = { "X-A: 1", "X-Frame-Options:\tDENY ", NULL };
  DsReplyCommon none, two;

  ds_reply_common_init (&none, NULL);
  ds_reply_common_init (&two, headers);
  ck_assert_str_eq (two.server, PACKAGE_NAME "/" PACKAGE_VERSION);
  ck_assert_uint_eq (none.names->len, 0);
  ck_assert_uint_eq (two.names->len, 2);
  ck_assert_uint_eq (two.values->len, 2);
  ck_assert_str_eq (two.names->pdata[0], "X-A");
  ck_assert_str_eq (two.values->pdata[0], "1");
  ck_assert_str_eq (two.names->pdata[1], "X-Frame-Options");
  ck_assert_str_eq (two.values->pdata[1], "DENY");
  ck_assert_uint_eq (two.fixed_bytes - none.fixed_bytes,
                     strlen ("X-A: 1\r\nX-Frame-Options: DENY\r\n"));
  ck_assert_uint_ge (none.fixed_bytes, strlen ("HTTP/1.1 200 \r\nServer: \r\n\r\n")
                                           + strlen (none.server));
  ds_reply_common_clear (&none);
  ds_reply_common_clear (&two);
  ds_reply_common_clear (&two); /* cleared twice is fine */
  ck_assert_ptr_null (two.names);
}
END_TEST

static Suite *
reply_suite (void)
{
  Suite *s = suite_create ("reply");
  TCase *tc = tcase_create ("value");

  tcase_add_test (tc, test_init);
  tcase_add_test (tc, test_clear);
  tcase_add_loop_test (tc, test_get_header, 0, G_N_ELEMENTS (get_header_rows));
  tcase_add_test (tc, test_add_header);
  tcase_add_test (tc, test_common);
  suite_add_tcase (s, tc);

  tc = tcase_create ("status_page");
  tcase_add_loop_test (tc, test_status_page, 0, 2 * G_N_ELEMENTS (status_page_rows));
  suite_add_tcase (s, tc);

  tc = tcase_create ("error_pages");
  tcase_add_unchecked_fixture (tc, scratch_setup, scratch_teardown);
  tcase_add_loop_test (tc, test_load_pages, 0, G_N_ELEMENTS (page_file_rows));
  tcase_add_test (tc, test_load_some_pages);
  tcase_add_test (tc, test_load_no_dir);
  tcase_add_test (tc, test_load_bad_page);
  suite_add_tcase (s, tc);

  tc = tcase_create ("small_body");
  tcase_add_unchecked_fixture (tc, scratch_setup, scratch_teardown);
  tcase_add_loop_test (tc, test_load_small_body, 0, G_N_ELEMENTS (small_body_rows));
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  SRunner *sr = srunner_create (reply_suite ());

  srunner_run_all (sr, CK_NORMAL);
  int failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
