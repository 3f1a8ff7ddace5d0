/* check_search.c: the search index (search.c) on scratch trees: a first
 * scan, incremental rescans, files never found (dotfiles, refused
 * symlinks, removed since), the index file's bad states, no fds left. */
#include "config.h"

#include "docserve/search.h"

#include "scratch.h"

#include <check.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct
{
  char *tree;
  gint root_fd;
  DsSearch *search;
} Fixture;

static void
fixture_open (Fixture *f, const char *index_file, DsDotfiles dotfiles)
{
  f->root_fd = open (f->tree, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  ck_assert_int_ge (f->root_fd, 0);
  const DsSearchConfig cfg = {
    .index_file = index_file,
    .root_fd = &f->root_fd,
    .dotfiles = dotfiles,
    .symlinks = DS_SYMLINKS_INSIDE,
    .url_prefix = "/",
    .rescan_seconds = 0,
  };
  g_autoptr (GError) error = NULL;
  f->search = ds_search_open (&cfg, &error);
  ck_assert_msg (f->search != NULL, "%s", error != NULL ? error->message : "");
}

static void
fixture_close (Fixture *f)
{
  ds_search_free (f->search);
  f->search = NULL;
  close (f->root_fd);
}

/* Waits (bounded) until a scan that started after @gen has finished. */
static void
wait_scan (DsSearch *s, guint64 gen)
{
  for (int i = 0; i < 1000; i++)
    {
      if (ds_search_generation (s) > gen && !ds_search_indexing (s))
        return;
      g_usleep (10000);
    }
  ck_abort_msg ("no finished scan within 10 s");
}

/* The URLs of the hits for the words @q (quoted as ftsquery would). */
static char *
urls_of (DsSearch *s, const char *q)
{
  g_autofree char *fts = g_strdup_printf ("\"%s\"", q);
  g_autoptr (GError) error = NULL;
  g_autoptr (DsSearchResults) r = ds_search_query (s, fts, 0, DS_SEARCH_MAX_LIMIT, &error);
  ck_assert_msg (r != NULL, "%s", error != NULL ? error->message : "");
  g_autoptr (GString) out = g_string_new (NULL);
  for (guint i = 0; i < r->hits->len; i++)
    {
      const DsSearchHit *h = g_ptr_array_index (r->hits, i);
      g_string_append_printf (out, "%s%s", i > 0 ? " " : "", h->url);
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static void
make_tree (Fixture *f)
{
  f->tree = g_build_filename (scratch_dir, "tree", NULL);
  ck_assert_int_eq (g_mkdir (f->tree, 0700), 0);
  g_autofree char *sub = g_build_filename (f->tree, "sub dir", NULL);
  g_autofree char *dotdir = g_build_filename (f->tree, ".git", NULL);
  ck_assert_int_eq (g_mkdir (sub, 0700), 0);
  ck_assert_int_eq (g_mkdir (dotdir, 0700), 0);
  g_free (scratch_write (f->tree, "a.txt", "alpha bravo\n", -1));
  g_free (scratch_write (f->tree, "b.html", "<title>Bravo Title</title><p>charlie</p>", -1));
  g_free (scratch_write (f->tree, ".env", "alpha secret\n", -1));
  g_free (scratch_write (dotdir, "config", "alpha in git\n", -1));
  g_free (scratch_write (sub, "c&d.txt", "delta alpha\n", -1));
  g_free (scratch_write (scratch_dir, "outside.txt", "alpha outside\n", -1));
  g_autofree char *out = g_build_filename (scratch_dir, "outside.txt", NULL);
  g_autofree char *link = g_build_filename (f->tree, "out.txt", NULL);
  ck_assert_int_eq (symlink (out, link), 0);
  /* A loop: the walk must end. */
  g_autofree char *loop = g_build_filename (sub, "loop", NULL);
  ck_assert_int_eq (symlink ("..", loop), 0);
}

START_TEST (test_scan_and_query)
{
  Fixture f = { 0 };
  guint fds = scratch_count_fds ();

  make_tree (&f);
  fixture_open (&f, NULL, DS_DOTFILES_DENY);
  ck_assert (ds_search_indexing (f.search)); /* not scanned yet */
  guint64 gen = ds_search_generation (f.search);
  ds_search_start (f.search);
  wait_scan (f.search, gen);

  g_autofree char *alpha = urls_of (f.search, "alpha");
  ck_assert_str_eq (alpha, "/a.txt /sub%20dir/c&d.txt");
  g_autofree char *bravo = urls_of (f.search, "bravo");
  /* The title weighs more than the body. */
  ck_assert_str_eq (bravo, "/b.html /a.txt");

  g_autoptr (DsSearchResults) r = ds_search_query (f.search, "\"charlie\"", 0, 10, NULL);
  ck_assert (r != NULL && r->total == 1 && r->hits->len == 1 && r->documents == 3);
  const DsSearchHit *h = g_ptr_array_index (r->hits, 0);
  ck_assert_str_eq (h->title, "Bravo Title");
  ck_assert_str_eq (h->kind, "html");
  ck_assert_str_eq (h->snippet, "\001charlie\002");

  /* Paging. */
  g_autoptr (DsSearchResults) p2 = ds_search_query (f.search, "\"alpha\"", 1, 1, NULL);
  ck_assert (p2 != NULL && p2->total == 2 && p2->hits->len == 1);
  ck_assert_str_eq (((DsSearchHit *) g_ptr_array_index (p2->hits, 0))->url,
                    "/sub%20dir/c&d.txt");

  /* Changes: one added, one removed, one removed without a rescan yet
   * (never named: checked at query time). */
  g_free (scratch_write (f.tree, "new.txt", "echo alpha\n", -1));
  g_autofree char *a = g_build_filename (f.tree, "a.txt", NULL);
  ck_assert_int_eq (unlink (a), 0);
  g_autofree char *now = urls_of (f.search, "alpha");
  ck_assert_str_eq (now, "/sub%20dir/c&d.txt");
  gen = ds_search_generation (f.search);
  ds_search_rescan (f.search);
  wait_scan (f.search, gen);
  g_autofree char *after = urls_of (f.search, "alpha");
  ck_assert_str_eq (after, "/new.txt /sub%20dir/c&d.txt");
  g_autoptr (DsSearchResults) gone = ds_search_query (f.search, "\"bravo\"", 0, 10, NULL);
  ck_assert (gone != NULL && gone->total == 1);

  fixture_close (&f);
  ck_assert_uint_eq (scratch_count_fds (), fds);
  g_free (f.tree);
}
END_TEST

/* A file index reused: a second open finds it complete before scanning. */
START_TEST (test_file_reused)
{
  Fixture f = { 0 };
  make_tree (&f);
  g_autofree char *index = g_build_filename (scratch_dir, "cache", "idx.sqlite", NULL);

  fixture_open (&f, index, DS_DOTFILES_DENY);
  guint64 gen = ds_search_generation (f.search);
  ds_search_start (f.search);
  wait_scan (f.search, gen);
  fixture_close (&f);

  fixture_open (&f, index, DS_DOTFILES_DENY);
  g_autofree char *before_scan = urls_of (f.search, "delta");
  ck_assert_str_eq (before_scan, "/sub%20dir/c&d.txt");
  fixture_close (&f);

  /* Another policy empties it. */
  fixture_open (&f, index, DS_DOTFILES_ALLOW);
  g_autofree char *emptied = urls_of (f.search, "delta");
  ck_assert_str_eq (emptied, "");
  gen = ds_search_generation (f.search);
  ds_search_start (f.search);
  wait_scan (f.search, gen);
  g_autofree char *dots = urls_of (f.search, "secret");
  ck_assert_str_eq (dots, "/.env");
  fixture_close (&f);
  g_free (f.tree);
}
END_TEST

static gboolean
is_sqlite (const char *path)
{
  g_autofree char *data = NULL;
  gsize len = 0;
  return g_file_get_contents (path, &data, &len, NULL) && len >= 16
         && memcmp (data, "SQLite format 3", 16) == 0;
}

START_TEST (test_damaged_file)
{
  Fixture f = { 0 };
  make_tree (&f);
  g_autoptr (GString) junk = g_string_new (NULL);
  for (int i = 0; i < 8192; i++)
    g_string_append_c (junk, (char) (i * 13 + 1));
  g_autofree char *index = scratch_write (scratch_dir, "junk.sqlite", junk->str,
                                          (gssize) junk->len);

  fixture_open (&f, index, DS_DOTFILES_DENY);
  ck_assert (is_sqlite (index));
  fixture_close (&f);

  /* A good header over damaged pages. */
  g_autofree char *data = NULL;
  gsize len = 0;
  ck_assert (g_file_get_contents (index, &data, &len, NULL) && len >= 4096);
  g_autoptr (GString) damaged = g_string_new_len (data, 100);
  for (gsize i = 100; i < len; i++)
    g_string_append_c (damaged, (char) 0xa5);
  g_free (scratch_write (scratch_dir, "junk.sqlite", damaged->str, (gssize) damaged->len));
  fixture_open (&f, index, DS_DOTFILES_DENY);
  guint64 gen = ds_search_generation (f.search);
  ds_search_start (f.search);
  wait_scan (f.search, gen);
  g_autofree char *delta = urls_of (f.search, "delta");
  ck_assert_str_eq (delta, "/sub%20dir/c&d.txt");
  fixture_close (&f);
  g_free (f.tree);
}
END_TEST

/* Someone else's database is left alone; the index goes to memory. */
START_TEST (test_foreign_database)
{
  Fixture f = { 0 };
  make_tree (&f);
  g_autofree char *index = g_build_filename (scratch_dir, "other.db", NULL);
  sqlite3 *db = NULL;
  ck_assert_int_eq (sqlite3_open (index, &db), SQLITE_OK);
  ck_assert_int_eq (sqlite3_exec (db, "CREATE TABLE docs (x); INSERT INTO docs VALUES (42);", NULL,
                                  NULL, NULL),
                    SQLITE_OK);
  sqlite3_close (db);

  fixture_open (&f, index, DS_DOTFILES_DENY);
  guint64 gen = ds_search_generation (f.search);
  ds_search_start (f.search);
  wait_scan (f.search, gen);
  g_autofree char *delta = urls_of (f.search, "delta");
  ck_assert_str_eq (delta, "/sub%20dir/c&d.txt");
  fixture_close (&f);

  ck_assert_int_eq (sqlite3_open (index, &db), SQLITE_OK);
  sqlite3_stmt *st = NULL;
  ck_assert_int_eq (sqlite3_prepare_v2 (db, "SELECT x FROM docs", -1, &st, NULL), SQLITE_OK);
  ck_assert_int_eq (sqlite3_step (st), SQLITE_ROW);
  ck_assert_int_eq (sqlite3_column_int (st, 0), 42);
  sqlite3_finalize (st);
  sqlite3_close (db);
  g_free (f.tree);
}
END_TEST

/* Portal mode: man pages and info nodes indexed, kept current by file
 * (a changed manual re-read, a removed page dropped) on a rescan. */
START_TEST (test_man_info)
{
  g_autofree char *tree = g_build_filename (scratch_dir, "empty", NULL);
  g_autofree char *man = g_build_filename (scratch_dir, "man", NULL);
  g_autofree char *man1 = g_build_filename (man, "man1", NULL);
  g_autofree char *info = g_build_filename (scratch_dir, "info", NULL);
  ck_assert_int_eq (g_mkdir (tree, 0700), 0);
  ck_assert_int_eq (g_mkdir_with_parents (man1, 0700), 0);
  ck_assert_int_eq (g_mkdir (info, 0700), 0);
  g_autofree char *page = scratch_write (man1, "foo.1", ".TH FOO 1\n.SH NAME\nfoo \\- frobs gizmos\n"
                                         ".SH DESCRIPTION\nwidget text\n", -1);
  g_free (scratch_write (man1, "bar.1", ".TH BAR 1\n.SH NAME\nbar \\- frobs thingies\n", -1));
  g_free (scratch_write (info, "m.info", "\x1f\nFile: m.info,  Node: Top,  Up: (dir)\n\n"
                                          "oldword here\n", -1));
  gint root_fd = open (tree, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  ck_assert_int_ge (root_fd, 0);
  const DsSearchConfig cfg = {
    .root_fd = &root_fd, .dotfiles = DS_DOTFILES_DENY, .symlinks = DS_SYMLINKS_INSIDE,
    .url_prefix = "/doc/", .man_path = man, .info_path = info,
  };
  DsSearch *s = ds_search_open (&cfg, NULL);
  ck_assert (s != NULL);
  guint64 gen = ds_search_generation (s);
  ds_search_start (s);
  wait_scan (s, gen);

  g_autofree char *frobs = urls_of (s, "frobs");
  ck_assert_str_eq (frobs, "/man/1/bar /man/1/foo");
  g_autoptr (DsSearchResults) r = ds_search_query (s, "\"gizmos\"", 0, 10, NULL);
  ck_assert (r != NULL && r->hits->len == 1);
  const DsSearchHit *h = g_ptr_array_index (r->hits, 0);
  ck_assert_str_eq (h->title, "foo(1) \xe2\x80\x94 frobs gizmos");
  ck_assert_str_eq (h->kind, "man");
  g_autofree char *old = urls_of (s, "oldword");
  ck_assert_str_eq (old, "/info/m/Top");

  /* The manual rewritten (another size), a page removed. */
  g_free (scratch_write (info, "m.info", "\x1f\nFile: m.info,  Node: Top,  Up: (dir)\n\n"
                                          "newword in a longer text\n", -1));
  ck_assert_int_eq (unlink (page), 0);
  gen = ds_search_generation (s);
  ds_search_rescan (s);
  wait_scan (s, gen);
  g_autofree char *frobs2 = urls_of (s, "frobs");
  ck_assert_str_eq (frobs2, "/man/1/bar");
  g_autofree char *old2 = urls_of (s, "oldword");
  ck_assert_str_eq (old2, "");
  g_autofree char *new2 = urls_of (s, "newword");
  ck_assert_str_eq (new2, "/info/m/Top");
  ck_assert_uint_eq (ds_search_documents (s), 2);

  ds_search_free (s);
  close (root_fd);
}
END_TEST

/* Man page keys never collide with a served tree's relative paths. */
static const struct
{
  const char *root, *rel, *key;
} man_keys[] = {
  { "/usr/share/man", "man1/ls.1.gz", "//man//usr/share/man//man1/ls.1.gz" },
  { "/m", "man3/SSL_new.3ssl", "//man//m//man3/SSL_new.3ssl" },
  { "rel/dir", "man1/a.1", "//man/rel/dir//man1/a.1" },
};

START_TEST (test_man_key)
{
  g_autofree char *key = ds_search_man_key (man_keys[_i].root, man_keys[_i].rel);
  ck_assert_str_eq (key, man_keys[_i].key);
  /* A served path is relative and has no empty segment. */
  ck_assert (key[0] == '/' && strstr (key, "//") == key);
}
END_TEST

static const struct
{
  const char *root, *file, *node, *key;
} info_keys[] = {
  { "/usr/share/info", "coreutils.info.gz", NULL, "//info//usr/share/info//coreutils.info.gz" },
  { "/i", "a.info", "ls invocation", "//info//i//a.info\x1fls invocation" },
  { "/i", "a.info", "", "//info//i//a.info\x1f" },
};

START_TEST (test_info_key)
{
  g_autofree char *key = ds_search_info_key (info_keys[_i].root, info_keys[_i].file,
                                             info_keys[_i].node);
  ck_assert_str_eq (key, info_keys[_i].key);
  g_autofree char *file_key = ds_search_info_key (info_keys[_i].root, info_keys[_i].file, NULL);
  /* A node's key starts with its file's key. */
  ck_assert (g_str_has_prefix (key, file_key));
}
END_TEST

static Suite *
search_suite (void)
{
  Suite *s = suite_create ("search");
  TCase *tc = tcase_create ("index");

  tcase_add_checked_fixture (tc, scratch_setup, scratch_teardown);
  tcase_set_timeout (tc, 60);
  tcase_add_test (tc, test_scan_and_query);
  tcase_add_test (tc, test_file_reused);
  tcase_add_test (tc, test_damaged_file);
  tcase_add_test (tc, test_foreign_database);
  tcase_add_test (tc, test_man_info);
  tcase_add_loop_test (tc, test_man_key, 0, G_N_ELEMENTS (man_keys));
  tcase_add_loop_test (tc, test_info_key, 0, G_N_ELEMENTS (info_keys));
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  SRunner *sr = srunner_create (search_suite ());

  srunner_run_all (sr, CK_NORMAL);
  int failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
