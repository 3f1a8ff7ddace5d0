/* check_routes.c: the mount table (longest prefix over whole segments) and
 * ds_handler_decide going through it: a generator mount, a tree mounted
 * below the root (its redirects and listings name the full path), and a
 * path where nothing is mounted. */
#include "config.h"

#include "docserve/handler.h"
#include "docserve/routes.h"

#include <check.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct
{
  const char *rel;
  const char *want_prefix; /* NULL: no mount */
  const char *want_below;
} LookupRow;

static const LookupRow lookup_rows[] = {
  { "", "", "" },
  { "index.html", "", "index.html" },
  { "man", "man", "" },
  { "man/1/ls", "man", "1/ls" },
  { "mandoc", "", "mandoc" },             /* whole segments only */
  { "man1", "", "man1" },
  { "doc/a/b", "doc/a", "b" },            /* the longest prefix wins */
  { "doc/a", "doc/a", "" },
  { "doc/ab", "doc", "ab" },
  { "doc", "doc", "" },
  { "Man/1", "", "Man/1" },               /* case-sensitive, as paths are */
};

static const int target_root = 1, target_man = 2, target_doc = 3, target_doc_a = 4;

static DsRoutes *
make_routes (gboolean with_root)
{
  DsRoutes *r = ds_routes_new ();

  ds_routes_add (r, "/man/", DS_MOUNT_GENERATOR, &target_man);
  ds_routes_add (r, "doc", DS_MOUNT_TREE, &target_doc);
  ds_routes_add (r, "/doc/a", DS_MOUNT_TREE, &target_doc_a);
  if (with_root)
    ds_routes_add (r, "/", DS_MOUNT_TREE, &target_root);
  return r;
}

START_TEST (test_lookup)
{
  const LookupRow *row = &lookup_rows[_i];
  g_autoptr (DsRoutes) r = make_routes (TRUE);
  const char *below = NULL;
  const DsMount *m = ds_routes_lookup (r, row->rel, &below);

  ck_assert_msg (m != NULL, "\"%s\": no mount", row->rel);
  ck_assert_msg (strcmp (m->prefix, row->want_prefix) == 0, "\"%s\": mount \"%s\", want \"%s\"",
                 row->rel, m->prefix, row->want_prefix);
  ck_assert_msg (strcmp (below, row->want_below) == 0, "\"%s\": below \"%s\", want \"%s\"",
                 row->rel, below, row->want_below);
  ck_assert (below >= row->rel && below <= row->rel + strlen (row->rel));
}
END_TEST

START_TEST (test_lookup_without_root)
{
  g_autoptr (DsRoutes) r = make_routes (FALSE);
  const char *below = "unchanged";

  ck_assert_ptr_null (ds_routes_lookup (r, "index.html", &below));
  ck_assert_str_eq (below, "unchanged");
  ck_assert_ptr_null (ds_routes_lookup (r, "", NULL));
  const DsMount *m = ds_routes_lookup (r, "man/8/mount", NULL);
  ck_assert (m != NULL && m->kind == DS_MOUNT_GENERATOR && m->target == &target_man);
}
END_TEST

/* ---- ds_handler_decide through the table ------------------------------ */

static char *tree_dir;
static DsMime *mime;

static void
make_tree (void)
{
  GError *error = NULL;

  tree_dir = g_dir_make_tmp ("docserve-routes-XXXXXX", &error);
  g_assert_no_error (error);
  g_autofree char *sub = g_build_filename (tree_dir, "sub", NULL);
  g_autofree char *file = g_build_filename (tree_dir, "sub", "a.txt", NULL);
  g_assert (g_mkdir (sub, 0755) == 0);
  g_assert (g_file_set_contents (file, "tree file\n", -1, NULL));
  mime = ds_mime_new (NULL, NULL, "utf-8", "application/octet-stream", &error);
  g_assert_no_error (error);
}

static void
remove_tree (void)
{
  g_autofree char *file = g_build_filename (tree_dir, "sub", "a.txt", NULL);
  g_autofree char *sub = g_build_filename (tree_dir, "sub", NULL);
  g_remove (file);
  g_rmdir (sub);
  g_rmdir (tree_dir);
  g_clear_pointer (&tree_dir, g_free);
  g_clear_pointer (&mime, ds_mime_free);
}

/* A generator that names what it was given. */
static void
echo_generate (gconstpointer data, const DsSite *site, const DsRequest *req, const char *below,
               gboolean dir_slash, gint64 now, DsReply *reply)
{
  (void) site;
  (void) req;
  (void) now;
  reply->status = 200;
  reply->body = DS_BODY_BUFFER;
  reply->buf = g_strdup_printf ("%s|%s|%d", (const char *) data, below, dir_slash);
  reply->buf_len = strlen (reply->buf);
}

typedef struct
{
  const char *path;
  guint want_status;
  const char *want_body;     /* prefix of the body, or NULL */
  const char *want_location; /* or NULL */
} DecideRow;

static const DecideRow decide_rows[] = {
  { "/gen/x/y", 200, "generated|x/y|0", NULL },
  { "/gen/", 200, "generated||1", NULL },
  { "/gen", 200, "generated||0", NULL },
  { "/g%65n/./x/", 200, "generated|x|1", NULL },   /* routed after decoding */
  { "/docs/sub/a.txt", 200, "tree file\n", NULL },
  { "/docs/sub", 301, NULL, "/docs/sub/" },        /* the redirect keeps the prefix */
  { "/docs", 301, NULL, "/docs/" },
  { "/elsewhere", 404, NULL, NULL },               /* nothing mounted at the root */
  { "/", 404, NULL, NULL },
  { "/docs/../gen/z", 200, "generated|z|0", NULL },
};

START_TEST (test_decide)
{
  const DecideRow *row = &decide_rows[_i];
  g_autoptr (DsConf) conf = ds_conf_new_default ();
  int fd = open (tree_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  const DsSite tree = { .conf = conf, .mime = mime, .root_fd = fd,
                        .text_type = "text/plain; charset=utf-8" };
  const DsGenerator gen = { echo_generate, "generated" };
  g_autoptr (DsRoutes) routes = ds_routes_new ();
  ds_routes_add (routes, "gen", DS_MOUNT_GENERATOR, &gen);
  ds_routes_add (routes, "docs", DS_MOUNT_TREE, &tree);
  const DsSite site = { .conf = conf, .mime = mime, .root_fd = -1, .routes = routes };
  DsRequest req = { .method = "GET", .version = "HTTP/1.1", .path = row->path,
                    .path_len = strlen (row->path), .host_count = 1 };
  DsReply reply;

  ck_assert_int_ge (fd, 0);
  ds_reply_init (&reply);
  ds_handler_decide (&site, &req, 1700000000, &reply);
  ck_assert_msg (reply.status == row->want_status, "%s: status %u, want %u", row->path,
                 reply.status, row->want_status);
  if (row->want_body != NULL)
    ck_assert_msg (reply.body == DS_BODY_BUFFER ? reply.buf_len == strlen (row->want_body)
                                                    && memcmp (reply.buf, row->want_body,
                                                               reply.buf_len) == 0
                                                : reply.body == DS_BODY_FILE
                                                    && reply.length == strlen (row->want_body),
                   "%s: body differs", row->path);
  ck_assert_msg (g_strcmp0 (ds_reply_get_header (&reply, "Location"), row->want_location) == 0,
                 "%s: Location %s, want %s", row->path, ds_reply_get_header (&reply, "Location"),
                 row->want_location);
  ds_reply_clear (&reply);
  close (fd);
}
END_TEST

/* A listing of a tree below the root is titled with the full path. */
START_TEST (test_listing_under_prefix)
{
  g_autoptr (DsConf) conf = ds_conf_new_default ();
  int fd = open (tree_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  const DsSite tree = { .conf = conf, .mime = mime, .root_fd = fd,
                        .text_type = "text/plain; charset=utf-8" };
  g_autoptr (DsRoutes) routes = ds_routes_new ();
  ds_routes_add (routes, "docs", DS_MOUNT_TREE, &tree);
  const DsSite site = { .conf = conf, .mime = mime, .root_fd = -1, .routes = routes };
  DsRequest req = { .method = "GET", .version = "HTTP/1.1", .path = "/docs/sub/",
                    .path_len = strlen ("/docs/sub/"), .query = "format=json", .host_count = 1 };
  DsReply reply;

  ds_reply_init (&reply);
  ds_handler_decide (&site, &req, 1700000000, &reply);
  ck_assert_uint_eq (reply.status, 200);
  g_autofree char *body = g_strndup (reply.buf, reply.buf_len);
  ck_assert_msg (strstr (body, "\"/docs/sub/\"") != NULL, "listing does not name /docs/sub/: %s",
                 body);
  ck_assert_msg (strstr (body, "a.txt") != NULL, "listing lacks a.txt: %s", body);
  ds_reply_clear (&reply);
  close (fd);
}
END_TEST

static Suite *
routes_suite (void)
{
  Suite *s = suite_create ("routes");
  TCase *tc = tcase_create ("lookup");

  tcase_add_loop_test (tc, test_lookup, 0, G_N_ELEMENTS (lookup_rows));
  tcase_add_test (tc, test_lookup_without_root);
  suite_add_tcase (s, tc);

  tc = tcase_create ("decide");
  tcase_add_unchecked_fixture (tc, make_tree, remove_tree);
  tcase_add_loop_test (tc, test_decide, 0, G_N_ELEMENTS (decide_rows));
  tcase_add_test (tc, test_listing_under_prefix);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  SRunner *sr = srunner_create (routes_suite ());

  srunner_run_all (sr, CK_NORMAL);
  int failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
