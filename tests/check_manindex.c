/* check_manindex.c: the man roots index (manindex.c) on a fixture of two
 * roots: sections in man's order, pages in natural order, the first root
 * winning, descriptions (through .so), translations, symlinks that come
 * back into a root or leave them all, the size cap and NUL bytes, and the
 * rescan once a second after a directory changed. */
#include "config.h"

#include "docserve/manindex.h"

#include "scratch.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

static char *root_a, *root_b, *outside;

static void
put (const char *root, const char *rel, const char *text)
{
  g_autofree char *path = g_build_filename (root, rel, NULL);
  g_autofree char *dir = g_path_get_dirname (path);
  ck_assert (g_mkdir_with_parents (dir, 0755) == 0);
  if (g_str_has_suffix (rel, ".gz"))
    {
      gzFile f = gzopen (path, "wb");
      ck_assert (f != NULL);
      ck_assert (gzwrite (f, text, (unsigned) strlen (text)) == (int) strlen (text));
      ck_assert (gzclose (f) == Z_OK);
    }
  else
    ck_assert (g_file_set_contents (path, text, -1, NULL));
}

static void
link_to (const char *root, const char *rel, const char *target)
{
  g_autofree char *path = g_build_filename (root, rel, NULL);
  g_autofree char *dir = g_path_get_dirname (path);
  ck_assert (g_mkdir_with_parents (dir, 0755) == 0);
  ck_assert (symlink (target, path) == 0);
}

static const char ls_src[] = ".TH LS 1\n.SH NAME\nls \\- list directory contents\n";

static void
setup (void)
{
  root_a = scratch_dir_new ("mana");
  root_b = scratch_dir_new ("manb");
  outside = scratch_dir_new ("out");
  put (root_a, "man1/ls.1.gz", ls_src);
  put (root_a, "man1/a10.1", ".SH NAME\na10 \\- ten\n");
  put (root_a, "man1/a2.1", ".SH NAME\na2 \\- two\n");
  put (root_a, "man1/alias.1", ".so man1/ls.1.gz\n");
  put (root_a, "man8/ls.8", ".SH NAME\nls \\- eight\n");
  put (root_a, "man3/SSL_new.3ssl.gz", ".Sh NAME\n.Nm SSL_new\n.Nd make one\n");
  put (root_a, "man3/printf.3", ".SH NAME\nprintf \\- format\n");
  put (root_a, "man1/not-a-page.txt", "x");
  put (root_a, "man1/wrong.8", "x"); /* section of another directory */
  put (root_a, "de/man1/ls.1.gz", ".SH BEZEICHNUNG\nls \\- auflisten\n");
  put (root_a, "man1/nul.1", "a\0b"); /* written up to the NUL: "a" */
  put (root_b, "man1/ls.1", ".SH NAME\nls \\- from b\n"); /* a's ls wins */
  put (root_b, "man5/conf.5", ".SH NAME\nconf \\- b only\n");
  put (root_b, "man7/target.7", ".SH NAME\ntarget \\- reached\n");
  put (outside, "secret.1", ".SH NAME\nsecret \\- outside\n");
  g_autofree char *into_b = g_build_filename (root_b, "man7/target.7", NULL);
  g_autofree char *out = g_build_filename (outside, "secret.1", NULL);
  link_to (root_a, "man7/target.7", into_b); /* absolute, into another root */
  link_to (root_a, "man1/secret.1", out);    /* absolute, out of every root */
  g_autofree char *out_base = g_path_get_basename (outside);
  g_autofree char *up = g_strdup_printf ("../../%s/secret.1", out_base); /* relative, out */
  link_to (root_a, "man1/up.1", up);
}

static void
teardown (void)
{
  scratch_remove (root_a);
  scratch_remove (root_b);
  scratch_remove (outside);
  g_clear_pointer (&root_a, g_free);
  g_clear_pointer (&root_b, g_free);
  g_clear_pointer (&outside, g_free);
}

static DsManIndex *
make_index (void)
{
  g_autofree char *path = g_strdup_printf ("%s:/nonexistent/man:%s", root_a, root_b);
  return ds_manindex_new (path);
}

START_TEST (test_sections_and_pages)
{
  g_autoptr (DsManIndex) idx = make_index ();
  ck_assert_uint_eq (ds_manindex_n_roots (idx), 2);
  g_autoptr (DsManList) list = ds_manindex_list (idx, 100);
  const GPtrArray *secs = ds_manlist_sections (list);
  static const char *const want[] = { "1", "8", "3", "3ssl", "5", "7" };
  ck_assert_uint_eq (secs->len, G_N_ELEMENTS (want));
  for (guint i = 0; i < secs->len; i++)
    ck_assert_str_eq (g_ptr_array_index (secs, i), want[i]);

  const GPtrArray *one = ds_manlist_pages (list, "1");
  /* secret and up are links out of every root: not listed. */
  static const char *const names[] = { "a2", "a10", "alias", "ls", "nul" };
  ck_assert_uint_eq (one->len, G_N_ELEMENTS (names));
  for (guint i = 0; i < one->len; i++)
    ck_assert_str_eq (((DsManPage *) g_ptr_array_index (one, i))->name, names[i]);

  const DsManPage *ls = ds_manlist_find (list, "1", "ls");
  ck_assert (ls != NULL && ls->root == 0);
  ck_assert_str_eq (ls->rel, "man1/ls.1.gz");
  const GPtrArray *named = ds_manlist_named (list, "ls");
  ck_assert_uint_eq (named->len, 2);
  ck_assert_str_eq (((DsManPage *) g_ptr_array_index (named, 0))->section, "1");
  ck_assert_str_eq (((DsManPage *) g_ptr_array_index (named, 1))->section, "8");
  ck_assert (ds_manlist_find (list, "1", "wrong") == NULL);
  ck_assert (ds_manlist_find (list, "8", "wrong") == NULL);
  ck_assert (ds_manlist_find (list, "5", "conf") != NULL);
  ck_assert (ds_manlist_find (list, "7", "target") != NULL); /* a link into root b */
  ck_assert (ds_manlist_find (list, "1", "secret") == NULL);
}
END_TEST

START_TEST (test_descriptions)
{
  g_autoptr (DsManIndex) idx = make_index ();
  g_autoptr (DsManList) list = ds_manindex_list (idx, 100);
  static const struct
  {
    const char *section, *name, *want;
  } rows[] = {
    { "1", "ls", "list directory contents" },
    { "1", "alias", "list directory contents" }, /* through .so */
    { "3ssl", "SSL_new", "make one" },
    { "7", "target", "reached" },                /* a link into root b */
  };
  for (gsize i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      const DsManPage *p = ds_manlist_find (list, rows[i].section, rows[i].name);
      ck_assert_msg (p != NULL, "%s", rows[i].name);
      g_autofree char *d = ds_manindex_description (idx, p);
      if (rows[i].want == NULL)
        ck_assert_msg (d == NULL, "%s: %s", rows[i].name, d);
      else
        ck_assert_msg (d != NULL && strcmp (d, rows[i].want) == 0, "%s: %s", rows[i].name,
                       d != NULL ? d : "NULL");
      /* Twice: the second from memory, the same. */
      g_autofree char *again = ds_manindex_description (idx, p);
      ck_assert (g_strcmp0 (d, again) == 0);
    }
}
END_TEST

START_TEST (test_read)
{
  g_autoptr (DsManIndex) idx = make_index ();
  int err = 0;
  struct stat st;
  g_autoptr (GBytes) src = ds_manindex_read (idx, 0, "man1/ls.1.gz", 1 << 20, FALSE, &st, &err);
  ck_assert (src != NULL);
  ck_assert_uint_eq (g_bytes_get_size (src), strlen (ls_src));
  ck_assert (memcmp (g_bytes_get_data (src, NULL), ls_src, strlen (ls_src)) == 0);

  /* The cap: a longer text fails, unless only its head is wanted. */
  ck_assert (ds_manindex_read (idx, 0, "man1/ls.1.gz", 10, FALSE, NULL, &err) == NULL);
  ck_assert_int_eq (err, EFBIG);
  g_autoptr (GBytes) head = ds_manindex_read (idx, 0, "man1/ls.1.gz", 10, TRUE, NULL, &err);
  ck_assert (head != NULL && g_bytes_get_size (head) == 10);

  static const char *const refused[] = { "man1/secret.1", "man1/up.1",
                                         "man1", "man1/none.1" };
  for (gsize i = 0; i < G_N_ELEMENTS (refused); i++)
    {
      err = 0;
      ck_assert_msg (ds_manindex_read (idx, 0, refused[i], 1 << 20, FALSE, NULL, &err) == NULL,
                     "%s read", refused[i]);
      ck_assert_msg (err == ENOENT, "%s: errno %d", refused[i], err);
    }
  /* A NUL byte: not roff. */
  g_autofree char *nul = g_build_filename (root_a, "man1/nul.1", NULL);
  ck_assert (g_file_set_contents (nul, "a\0b", 3, NULL));
  ck_assert (ds_manindex_read (idx, 0, "man1/nul.1", 1 << 20, FALSE, NULL, &err) == NULL);
  ck_assert_int_eq (err, EINVAL);
  /* A broken gzip stream. */
  g_autofree char *bad = g_build_filename (root_a, "man1/bad.1.gz", NULL);
  ck_assert (g_file_set_contents (bad, "\x1f\x8b\x08\x00garbage", -1, NULL));
  ck_assert (ds_manindex_read (idx, 0, "man1/bad.1.gz", 1 << 20, FALSE, NULL, &err) == NULL);
  ck_assert_int_eq (err, EINVAL);
}
END_TEST

START_TEST (test_translation)
{
  g_autoptr (DsManIndex) idx = make_index ();
  g_autoptr (DsManList) list = ds_manindex_list (idx, 100);
  const DsManPage *ls = ds_manlist_find (list, "1", "ls");
  g_autofree char *de = ds_manindex_translation (idx, ls, "de");
  ck_assert (de != NULL);
  ck_assert_str_eq (de, "de/man1/ls.1.gz");
  ck_assert (ds_manindex_translation (idx, ls, "fr") == NULL);
  ck_assert (ds_manindex_translation (idx, ls, "..") == NULL);
  ck_assert (ds_manindex_translation (idx, ls, "de/../..") == NULL);
  const DsManPage *a2 = ds_manlist_find (list, "1", "a2");
  ck_assert (ds_manindex_translation (idx, a2, "de") == NULL);
}
END_TEST

START_TEST (test_rescan)
{
  g_autoptr (DsManIndex) idx = make_index ();
  g_autoptr (DsManList) first = ds_manindex_list (idx, 100);
  ck_assert (ds_manlist_find (first, "1", "new") == NULL);

  /* A new page changes man1's mtime (nanoseconds: no sleep needed on
   * file systems with fine timestamps; make sure anyway). */
  g_autofree char *dir = g_build_filename (root_a, "man1", NULL);
  struct stat before;
  ck_assert (stat (dir, &before) == 0);
  put (root_a, "man1/new.1", ".SH NAME\nnew \\- fresh\n");
  struct stat after;
  ck_assert (stat (dir, &after) == 0);
  if (after.st_mtim.tv_sec == before.st_mtim.tv_sec
      && after.st_mtim.tv_nsec == before.st_mtim.tv_nsec)
    {
      struct timespec ts[2] = { { 0, UTIME_OMIT }, { before.st_mtim.tv_sec + 1, 0 } };
      ck_assert (utimensat (AT_FDCWD, dir, ts, 0) == 0);
    }

  g_autoptr (DsManList) same_second = ds_manindex_list (idx, 100);
  ck_assert (same_second == first); /* checked at most once a second */
  g_autoptr (DsManList) next = ds_manindex_list (idx, 101);
  ck_assert (next != first);
  ck_assert (ds_manlist_generation (next) != ds_manlist_generation (first));
  ck_assert (ds_manlist_find (next, "1", "new") != NULL);
  ck_assert (ds_manlist_find (first, "1", "new") == NULL); /* the old list is unchanged */
  g_autoptr (DsManList) unchanged = ds_manindex_list (idx, 102);
  ck_assert (unchanged == next);
}
END_TEST

START_TEST (test_no_roots)
{
  g_autoptr (DsManIndex) idx = ds_manindex_new ("/nonexistent:");
  ck_assert_uint_eq (ds_manindex_n_roots (idx), 0);
  g_autoptr (DsManList) list = ds_manindex_list (idx, 1);
  ck_assert_uint_eq (ds_manlist_sections (list)->len, 0);
  ck_assert (ds_manlist_named (list, "ls") == NULL);
}
END_TEST

static Suite *
manindex_suite (void)
{
  Suite *s = suite_create ("manindex");
  TCase *tc = tcase_create ("index");
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_add_test (tc, test_sections_and_pages);
  tcase_add_test (tc, test_descriptions);
  tcase_add_test (tc, test_read);
  tcase_add_test (tc, test_translation);
  tcase_add_test (tc, test_rescan);
  tcase_add_test (tc, test_no_roots);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  SRunner *sr = srunner_create (manindex_suite ());
  srunner_run_all (sr, CK_NORMAL);
  int failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
