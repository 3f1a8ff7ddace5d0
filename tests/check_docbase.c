/* check_docbase.c: doc-base control files (docbase.c): real files copied
 * from a Debian 12 machine's /usr/share/doc-base (tests/fixtures/doc-base),
 * hand-made variations and broken files, and the catalogue of a directory
 * with its re-read on change. */
#include "config.h"

#include "docserve/docbase.h"

#include "scratch.h"

#include <check.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

/* Parses @text; on success returns a summary "DOC|TITLE|SECTION|FORMATS"
 * where FORMATS is "fmt[index](file,file);..." (index "-" when none); on
 * failure "ERROR: message".  Caller frees. */
static char *
summary (const char *text)
{
  g_autoptr (GError) err = NULL;
  g_autoptr (DsDocBaseEntry) e = ds_docbase_parse (text, strlen (text), "t", &err);

  if (e == NULL)
    return g_strdup_printf ("ERROR: %s", err->message);

  GString *s = g_string_new (NULL);
  g_string_append_printf (s, "%s|%s|%s|", e->document, e->title, e->section);
  for (guint i = 0; i < e->formats->len; i++)
    {
      const DsDocBaseFormat *f = g_ptr_array_index (e->formats, i);
      g_autofree char *files = g_strjoinv (",", f->files);
      g_string_append_printf (s, "%s%s[%s](%s)", i > 0 ? ";" : "", f->format,
                              f->index != NULL ? f->index : "-", files);
    }
  return g_string_free (s, FALSE);
}

static const struct
{
  const char *text;
  const char *want; /* summary(), or "ERROR: " + the message's start */
} parse_rows[] = {
  { "Document: d\nTitle: T\nSection: S\n\nFormat: HTML\nIndex: /i.html\nFiles: /i.html\n",
    "d|T|S|html[/i.html](/i.html)" },
  /* Field names in any case, CRLF line ends, white space around values. */
  { "document: d\r\nTITLE:  T  \r\nsEcTiOn:S\r\n\r\nformat: PDF\r\nfiles: /a.pdf\r\n",
    "d|T|S|pdf[-](/a.pdf)" },
  /* Several globs on one line and over continuation lines; "Files:" with
   * nothing after it (libxml-parser-perl). */
  { "Document: d\nTitle: T\n\nFormat: text\nFiles: /a /b\n /c\n\tx*\n",
    "d|T||text[-](/a,/b,/c,x*)" },
  { "Document: d\nTitle: T\n\nFormat: text\nFiles:\n /a\n /b\n", "d|T||text[-](/a,/b)" },
  /* A folded title is one line. */
  { "Document: d\nTitle: A long\n  title\n\nFormat: pdf\nFiles: /a\n", "d|A long title||pdf[-](/a)" },
  /* A blank line of spaces separates stanzas; several blank lines too;
   * comments are skipped; unknown fields ignored; the last repeat wins. */
  { "# comment\nDocument: d\nTitle: old\nTitle: T\nX-Other: y\n  \n\n\nFormat: info\n"
    "Index: /usr/share/info/x.info.gz\nFiles: /usr/share/info/x.info*\n",
    "d|T||info[/usr/share/info/x.info.gz](/usr/share/info/x.info*)" },
  /* A format without Files uses its Index; one with neither is dropped. */
  { "Document: d\nTitle: T\n\nFormat: HTML\nIndex: /i.html\n\nFormat: PDF\n",
    "d|T||html[/i.html](/i.html)" },
  { "Document: d\nTitle: T\n\nFormat: HTML\nIndex: /a b.html\n", "ERROR: t: no format with Files" },
  /* Everything in one stanza: the first stanza is a format too. */
  { "Document: d\nTitle: T\nFormat: text\nFiles: /a\n", "d|T||text[-](/a)" },
  /* No trailing newline. */
  { "Document: d\nTitle: T\n\nFormat: text\nFiles: /a", "d|T||text[-](/a)" },
  /* Broken files. */
  { "", "ERROR: t:1: empty file" },
  { "\n\n  \n", "ERROR: t:1: empty file" },
  { " Document: d\n", "ERROR: t:1: continuation line outside a field" },
  { "Document: d\n\n continued\n", "ERROR: t:3: continuation line outside a field" },
  { "Document: d\nTitle T\n", "ERROR: t:2: not a field (no ':')" },
  { "Document: d\nMy Title: T\n", "ERROR: t:2: not a field name" },
  { "Document: d\n: T\n", "ERROR: t:2: not a field name" },
  { "Title: T\n\nFormat: text\nFiles: /a\n", "ERROR: t: no Document field" },
  { "Document: d\nTitle:\n\nFormat: text\nFiles: /a\n", "ERROR: t: no Title field" },
  { "Document: d\nTitle: T\nSection: S\n", "ERROR: t: no format with Files" },
  { "Document: d\nTitle: T\n\nFiles: /a\n", "ERROR: t: no format with Files" },
  { "Document: d\nTitle: T\n\nFormat: text\nFiles:\n", "ERROR: t: no format with Files" },
};

START_TEST (test_parse)
{
  g_autofree char *got = summary (parse_rows[_i].text);

  ck_assert_msg (g_str_has_prefix (got, parse_rows[_i].want), "row %d: %s\n  want: %s\n  got:  %s",
                 _i, g_strescape (parse_rows[_i].text, NULL), parse_rows[_i].want, got);
  if (!g_str_has_prefix (parse_rows[_i].want, "ERROR"))
    ck_assert_str_eq (got, parse_rows[_i].want);
}
END_TEST

START_TEST (test_parse_nul_and_utf8)
{
  static const char with_nul[] = "Document: d\nTitle: T\0x\n\nFormat: text\nFiles: /a\n";
  g_autoptr (GError) err = NULL;
  g_autoptr (DsDocBaseEntry) bad = ds_docbase_parse (with_nul, sizeof with_nul - 1, "n", &err);

  ck_assert_ptr_null (bad);
  ck_assert_str_eq (err->message, "n:2: NUL byte");

  /* Invalid UTF-8 is replaced, so the title is safe to show. */
  const char *latin1 = "Document: d\nTitle: Caf\xe9\n\nFormat: text\nFiles: /a\n";
  g_autoptr (DsDocBaseEntry) e = ds_docbase_parse (latin1, strlen (latin1), "n", NULL);
  ck_assert_ptr_nonnull (e);
  ck_assert (g_utf8_validate (e->title, -1, NULL));
  ck_assert (g_str_has_prefix (e->title, "Caf"));
  ck_assert_str_ne (e->title, "Caf");
}
END_TEST

START_TEST (test_abstract)
{
  const char *text = "Document: d\nTitle: T\nAbstract: First line\n second line.\n .\n"
                     "  verbatim\nAuthor: A. U. Thor\n\nFormat: text\nFiles: /a\n";
  g_autoptr (DsDocBaseEntry) e = ds_docbase_parse (text, strlen (text), "a", NULL);

  ck_assert_ptr_nonnull (e);
  ck_assert_str_eq (e->abstract, "First line\nsecond line.\n\n verbatim");
  ck_assert_str_eq (e->author, "A. U. Thor");
}
END_TEST

/* Real control files from /usr/share/doc-base, each with what it must
 * give. */
static const struct
{
  const char *file;
  const char *want;
} real_rows[] = {
  { "bzip2-doc.bzip2",
    "bzip2|bzip2 and libbzip2: a program and library for data compression|File Management|"
    "html[/usr/share/doc/bzip2/manual.html](/usr/share/doc/bzip2/manual.html);"
    "pdf[-](/usr/share/doc/bzip2/manual.pdf.gz);postscript[-](/usr/share/doc/bzip2/manual.ps.gz);"
    "info[/usr/share/doc/bzip2/manual.texi.gz](/usr/share/doc/bzip2/manual.texi.gz)" },
  { "libxml-parser-perl.libxml-parser-perl",
    "libxml-parser-perl|XML::Parser|Programming/Perl|text[-](/usr/share/doc/libxml-parser-perl/"
    "Encodings/README,/usr/share/doc/libxml-parser-perl/Encodings/Japanese_Encodings.msg.gz)" },
  { "po-debconf",
    "po-debconf|Vietnamese translation of the po-debconf manpages|Text|html[/usr/share/doc/"
    "po-debconf/manpages.vi/](/usr/share/doc/po-debconf/manpages.vi/*.html)" },
  { "python-blinker-doc.blinker",
    "blinker|Blinker Documentation|Programming/Python|text[-](/usr/share/doc/python-blinker-doc/"
    "html/_sources/*.txt);html[/usr/share/doc/python-blinker-doc/html/index.html](/usr/share/doc/"
    "python-blinker-doc/html/*.html)" },
  { "automake.automake-1.16",
    "automake-1.16|automake-1.16|Programming|info[/usr/share/info/automake-1.16.info.gz]"
    "(/usr/share/info/automake-1.16.info*)" },
  { "base-passwd.users-and-groups",
    "users-and-groups|Users and Groups in the Debian System|System/Administration|"
    "text[-](/usr/share/doc/base-passwd/users-and-groups.txt.gz);html[/usr/share/doc/base-passwd/"
    "users-and-groups.html](/usr/share/doc/base-passwd/users-and-groups.html)" },
};

static char *
fixture_path (const char *name)
{
  const char *srcdir = g_getenv ("srcdir");

  return g_build_filename (srcdir != NULL ? srcdir : ".", "tests", "fixtures", "doc-base", name,
                           NULL);
}

START_TEST (test_real)
{
  g_autofree char *path = fixture_path (real_rows[_i].file);
  g_autofree char *text = NULL;
  g_autoptr (GError) err = NULL;

  ck_assert_msg (g_file_get_contents (path, &text, NULL, &err), "%s: %s", path,
                 err != NULL ? err->message : "");
  g_autofree char *got = summary (text);
  ck_assert_msg (strcmp (got, real_rows[_i].want) == 0, "%s\n  want: %s\n  got:  %s",
                 real_rows[_i].file, real_rows[_i].want, got);
}
END_TEST

START_TEST (test_real_abstract)
{
  g_autofree char *path = fixture_path ("automake.automake-1.16");
  g_autofree char *text = NULL;

  ck_assert (g_file_get_contents (path, &text, NULL, NULL));
  g_autoptr (DsDocBaseEntry) e = ds_docbase_parse (text, strlen (text), "automake", NULL);
  ck_assert_ptr_nonnull (e);
  ck_assert_msg (strstr (e->abstract, "from\nfiles called `Makefile.am'.\n\nThe goal") != NULL,
                 "%s", e->abstract);
  ck_assert_ptr_null (e->author);
}
END_TEST

static void
copy_fixture (const char *dir, const char *name)
{
  g_autofree char *path = fixture_path (name);
  g_autofree char *text = NULL;
  gsize len = 0;

  ck_assert (g_file_get_contents (path, &text, &len, NULL));
  g_free (scratch_write (dir, name, text, (gssize) len));
}

/* Sets @dir's mtime @delta seconds from now, as a later install would. */
static void
touch_dir (const char *dir, int delta)
{
  struct timespec ts[2];

  clock_gettime (CLOCK_REALTIME, &ts[0]);
  ts[0].tv_sec += delta;
  ts[1] = ts[0];
  ck_assert_int_eq (utimensat (AT_FDCWD, dir, ts, 0), 0);
}

START_TEST (test_catalogue)
{
  g_autofree char *dir = g_build_filename (scratch_dir, "cat", NULL);
  ck_assert_int_eq (g_mkdir (dir, 0700), 0);
  copy_fixture (dir, "bzip2-doc.bzip2");
  copy_fixture (dir, "python-blinker-doc.blinker");
  copy_fixture (dir, "automake.automake-1.16");
  g_free (scratch_write (dir, "broken", "Title T\n", -1));
  g_free (scratch_write (dir, ".hidden", "Document: h\nTitle: H\n\nFormat: a\nFiles: /a\n", -1));
  g_autofree char *sub = g_build_filename (dir, "subdir", NULL);
  ck_assert_int_eq (g_mkdir (sub, 0700), 0);
  touch_dir (dir, -10);

  g_autoptr (DsDocBase) db = ds_docbase_new (dir);
  g_autoptr (DsDocBaseSnapshot) a = ds_docbase_get (db, 1000);
  ck_assert_uint_eq (a->entries->len, 3);
  ck_assert_uint_eq (a->skipped, 1);
  /* Sorted by section, then title. */
  const char *want[] = { "bzip2", "automake-1.16", "blinker" };
  for (guint i = 0; i < 3; i++)
    ck_assert_str_eq (((DsDocBaseEntry *) g_ptr_array_index (a->entries, i))->document, want[i]);

  /* A new file, in the same second: not seen yet; a second later: seen. */
  copy_fixture (dir, "po-debconf");
  touch_dir (dir, -5);
  g_autoptr (DsDocBaseSnapshot) b = ds_docbase_get (db, 1000);
  ck_assert_ptr_eq (a, b);
  g_autoptr (DsDocBaseSnapshot) c = ds_docbase_get (db, 1001);
  ck_assert_uint_eq (c->entries->len, 4);
  ck_assert_str_ne (a->identity, c->identity);
  /* The old snapshot is still whole for whoever holds it. */
  ck_assert_uint_eq (a->entries->len, 3);

  /* Nothing changed: the same snapshot, the same identity. */
  g_autoptr (DsDocBaseSnapshot) d = ds_docbase_get (db, 1005);
  ck_assert_ptr_eq (c, d);

  /* The directory goes away: an empty catalogue, not a failure. */
  scratch_remove (dir);
  g_autoptr (DsDocBaseSnapshot) e = ds_docbase_get (db, 1010);
  ck_assert_uint_eq (e->entries->len, 0);
  ck_assert_str_ne (e->identity, c->identity);
}
END_TEST

static gpointer
getter (gpointer data)
{
  DsDocBase *db = data;
  guint total = 0;

  for (gint64 now = 0; now < 200; now++)
    {
      DsDocBaseSnapshot *s = ds_docbase_get (db, now);
      total += s->entries->len;
      ds_docbase_snapshot_unref (s);
    }
  return GUINT_TO_POINTER (total);
}

/* Many threads reading while the directory changes: every snapshot is
 * whole (ASan/TSan-visible races aside, the counts must be sane). */
START_TEST (test_threads)
{
  g_autofree char *dir = g_build_filename (scratch_dir, "threads", NULL);
  ck_assert_int_eq (g_mkdir (dir, 0700), 0);
  copy_fixture (dir, "bzip2-doc.bzip2");

  g_autoptr (DsDocBase) db = ds_docbase_new (dir);
  GThread *t[4];
  for (guint i = 0; i < G_N_ELEMENTS (t); i++)
    t[i] = g_thread_new ("getter", getter, db);
  for (int i = 0; i < 20; i++)
    {
      g_autofree char *name = g_strdup_printf ("f%d", i);
      g_free (scratch_write (dir, name, "Document: d\nTitle: T\n\nFormat: a\nFiles: /a\n", -1));
    }
  for (guint i = 0; i < G_N_ELEMENTS (t); i++)
    {
      guint total = GPOINTER_TO_UINT (g_thread_join (t[i]));
      ck_assert_uint_ge (total, 200);      /* at least the one file every time */
      ck_assert_uint_le (total, 200 * 21); /* never more than there are */
    }
  scratch_remove (dir);
}
END_TEST

static Suite *
docbase_suite (void)
{
  Suite *s = suite_create ("docbase");
  TCase *tc = tcase_create ("parse");

  tcase_add_loop_test (tc, test_parse, 0, G_N_ELEMENTS (parse_rows));
  tcase_add_test (tc, test_parse_nul_and_utf8);
  tcase_add_test (tc, test_abstract);
  tcase_add_loop_test (tc, test_real, 0, G_N_ELEMENTS (real_rows));
  tcase_add_test (tc, test_real_abstract);
  suite_add_tcase (s, tc);

  tc = tcase_create ("catalogue");
  tcase_add_unchecked_fixture (tc, scratch_setup, scratch_teardown);
  tcase_add_test (tc, test_catalogue);
  tcase_add_test (tc, test_threads);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  SRunner *sr = srunner_create (docbase_suite ());

  srunner_run_all (sr, CK_NORMAL);
  int failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
