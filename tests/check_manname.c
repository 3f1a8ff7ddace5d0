/* check_manname.c: man page names (manname.c): file names, request
 * segments, section order, natural order, the distance used for "closest
 * names", and the NAME line and ".so" read from roff source. */
#include "config.h"

#include "docserve/common.h"
#include "docserve/manname.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

typedef struct
{
  const char *file, *dir;
  const char *name, *section; /* NULL: not a page */
  gboolean gz;
} FileRow;

static const FileRow file_rows[] = {
  { "ls.1.gz", "1", "ls", "1", TRUE },
  { "ls.1", "1", "ls", "1", FALSE },
  { "SSL_new.3ssl.gz", "3", "SSL_new", "3ssl", TRUE },
  { "File::Spec.3perl.gz", "3", "File::Spec", "3perl", TRUE },
  { "cp.1p.gz", "1", "cp", "1p", TRUE },
  { "git-log.1.gz", "1", "git-log", "1", TRUE },
  { "x.y.z.8", "8", "x.y.z", "8", FALSE }, /* the last dot splits */
  { "[.1.gz", "1", "[", "1", TRUE },
  { "ls.8.gz", "1", NULL, NULL, FALSE },   /* section must match the directory */
  { "ls.gz", "1", NULL, NULL, FALSE },
  { "ls", "1", NULL, NULL, FALSE },
  { ".1.gz", "1", NULL, NULL, FALSE },     /* empty name */
  { "..1", "1", NULL, NULL, FALSE },       /* name "." */
  { ".hidden.1", "1", NULL, NULL, FALSE },
  { "ls.1.bz2", "1", NULL, NULL, FALSE },  /* only gzip */
  { "ls.1.gz.gz", "1", NULL, NULL, FALSE },
  { "ls.1X", "1", NULL, NULL, FALSE },     /* upper case suffix */
  { "a b.1", "1", NULL, NULL, FALSE },
  { "a\\b.1", "1", NULL, NULL, FALSE },
  { "a\tb.1", "1", NULL, NULL, FALSE },
  { "ls.", "1", NULL, NULL, FALSE },
  { "\xff.1", "1", NULL, NULL, FALSE },    /* not UTF-8 */
  { "caf\xc3\xa9.1", "1", "caf\xc3\xa9", "1", FALSE },
  { "x.1aaaaaaaaaaaaaaaaaaa", "1", NULL, NULL, FALSE }, /* section too long */
};

START_TEST (test_parse_file)
{
  const FileRow *row = &file_rows[_i];
  char *name = NULL, *section = NULL;
  gboolean gz = !row->gz;
  gboolean ok = ds_manname_parse_file (row->file, row->dir, &name, &section, &gz);

  ck_assert_msg (ok == (row->name != NULL), "\"%s\" in man%s: %d", row->file, row->dir, ok);
  if (ok)
    {
      ck_assert_str_eq (name, row->name);
      ck_assert_str_eq (section, row->section);
      ck_assert_msg (gz == row->gz, "\"%s\": gz %d", row->file, gz);
    }
  else
    ck_assert (name == NULL && section == NULL);
  g_free (name);
  g_free (section);
}
END_TEST

typedef struct
{
  const char *s;
  gboolean section, name;
} SegRow;

static const SegRow seg_rows[] = {
  { "1", TRUE, TRUE },
  { "3ssl", TRUE, TRUE },
  { "n", TRUE, TRUE },
  { "l", TRUE, TRUE },
  { "x", FALSE, TRUE },
  { "", FALSE, FALSE },
  { ".", FALSE, FALSE },
  { "..", FALSE, FALSE },
  { "a/b", FALSE, FALSE },
  { "/", FALSE, FALSE },
  { "1/", FALSE, FALSE },
  { "1P", FALSE, TRUE },
  { "ls", TRUE, TRUE }, /* "l" + suffix: a section by form; existing ones decide */
  { "cp", FALSE, TRUE },
  { "a b", FALSE, FALSE },
  { "a\x7f", FALSE, FALSE },
  { "a\nb", FALSE, FALSE },
  { "-", FALSE, TRUE },
  { "g++", FALSE, TRUE },
  { "\xc3\xa9", FALSE, TRUE },
  { "\xc3", FALSE, FALSE },
};

START_TEST (test_segments)
{
  const SegRow *row = &seg_rows[_i];
  g_autofree char *shown = g_strescape (row->s, NULL);

  ck_assert_msg (ds_manname_valid_section (row->s) == row->section, "section \"%s\"", shown);
  ck_assert_msg (ds_manname_valid_name (row->s) == row->name, "name \"%s\"", shown);
}
END_TEST

START_TEST (test_long_name)
{
  char buf[DS_MANNAME_MAX_NAME + 2];
  memset (buf, 'a', sizeof buf - 1);
  buf[sizeof buf - 1] = '\0';
  ck_assert (!ds_manname_valid_name (buf));
  buf[DS_MANNAME_MAX_NAME] = '\0';
  ck_assert (ds_manname_valid_name (buf));
}
END_TEST

START_TEST (test_dir)
{
  const char *s = NULL;
  ck_assert (ds_manname_parse_dir ("man1", &s) && strcmp (s, "1") == 0);
  ck_assert (ds_manname_parse_dir ("mann", &s) && strcmp (s, "n") == 0);
  ck_assert (!ds_manname_parse_dir ("man", &s));
  ck_assert (!ds_manname_parse_dir ("cat1", &s));
  ck_assert (!ds_manname_parse_dir ("manx", &s));
  ck_assert (!ds_manname_parse_dir ("de", &s));
}
END_TEST

START_TEST (test_section_order)
{
  /* man-db's order, sub-sections after their section. */
  static const char *const order[] = { "1", "1p", "1ssl", "n", "l", "8", "3", "3perl",
                                       "3pm", "3ssl", "0", "2", "5", "4", "9", "6", "7" };
  for (gsize i = 0; i < G_N_ELEMENTS (order); i++)
    for (gsize j = 0; j < G_N_ELEMENTS (order); j++)
      {
        int c = ds_manname_section_compare (order[i], order[j]);
        int want = i < j ? -1 : i > j ? 1 : 0;
        ck_assert_msg ((c > 0) - (c < 0) == want, "%s vs %s: %d", order[i], order[j], c);
      }
}
END_TEST

START_TEST (test_natural)
{
  static const char *const sorted[] = { "a", "a1", "a2", "a10", "a010b", "a10c", "Ab", "ab",
                                        "abc", "b", "x86", "x86_64" };
  for (gsize i = 0; i < G_N_ELEMENTS (sorted); i++)
    for (gsize j = 0; j < G_N_ELEMENTS (sorted); j++)
      {
        int c = ds_natural_compare (sorted[i], sorted[j]);
        int want = i < j ? -1 : i > j ? 1 : 0;
        ck_assert_msg (c == want, "%s vs %s: %d, want %d", sorted[i], sorted[j], c, want);
      }
}
END_TEST

START_TEST (test_distance)
{
  ck_assert_uint_eq (ds_manname_distance ("ls", "ls", 3), 0);
  ck_assert_uint_eq (ds_manname_distance ("lss", "ls", 3), 1);
  ck_assert_uint_eq (ds_manname_distance ("kitten", "sitting", 5), 3);
  ck_assert_uint_eq (ds_manname_distance ("kitten", "sitting", 2), 3); /* limit + 1 */
  ck_assert_uint_eq (ds_manname_distance ("", "abcdef", 2), 3);
  ck_assert_uint_eq (ds_manname_distance ("abc", "", 5), 3);
}
END_TEST

typedef struct
{
  const char *src;
  const char *want; /* NULL: none */
} SrcRow;

static const SrcRow so_rows[] = {
  { ".so man1/ls.1\n", "man1/ls.1" },
  { ".\\\" comment\n\n.so man3/SSL_new.3ssl.gz\n", "man3/SSL_new.3ssl.gz" },
  { ".so  man8/x.8  \n", "man8/x.8" },
  { ".so /etc/passwd\n", NULL },
  { ".so ../../etc/passwd\n", NULL },
  { ".so man1/../x.1\n", NULL },
  { ".so man1/sub/x.1\n", NULL },
  { ".so man1/x.8\n", NULL },
  { ".so ls.1\n", NULL },
  { ".TH LS 1\n.so man1/x.1\n", NULL }, /* only as the first request */
  { ".so\n", NULL },
  { "", NULL },
};

START_TEST (test_so)
{
  const SrcRow *row = &so_rows[_i];
  g_autofree char *got = ds_manname_so_target (row->src, strlen (row->src));
  g_autofree char *shown = g_strescape (row->src, NULL);

  if (row->want == NULL)
    ck_assert_msg (got == NULL, "\"%s\" gave %s", shown, got);
  else
    ck_assert_msg (got != NULL && strcmp (got, row->want) == 0, "\"%s\" gave %s", shown,
                   got != NULL ? got : "NULL");
}
END_TEST

static const SrcRow desc_rows[] = {
  { ".TH LS 1\n.SH NAME\nls \\- list directory contents\n.SH SYNOPSIS\n",
    "list directory contents" },
  { ".SH \"NAME\"\nfoo, bar \\- do \\fBthings\\fR \\(em well\n.SH X\n",
    "do things \xe2\x80\x94 well" },
  { ".SH NAME\n.B foo\n\\- two\nlines\n.SH DESCRIPTION\nx - y\n", "two lines" },
  { ".Dd x\n.Sh NAME\n.Nm ls\n.Nd list \\&directory contents\n.Sh SYNOPSIS\n",
    "list directory contents" },
  { ".SH Name\nx \\- \\*(lqquoted\\*(rq\n", "\xe2\x80\x9cquoted\xe2\x80\x9d" },
  { ".SH NAME\nx \\- a\\-b \\s-1small\\s0 \\f(CWcw\\fP\n", "a-b small cw" },
  { ".SH NAME\nno dash here\n.SH X\n", NULL },
  { ".SH SYNOPSIS\nx \\- y\n", NULL },
  { ".SH NAME\nx \\- \n.SH X\n", NULL },
  { ".SH NAME\r\nx \\- crlf\r\n", "crlf" },
  { ".SH NAME\nx \\- bad \xff byte\n", "bad \xef\xbf\xbd byte" },
  { ".Sh NAME\n.Nd bad \xfe\n", "bad \xef\xbf\xbd" }, /* found by fuzz_manname */
  { "", NULL },
};

START_TEST (test_description)
{
  const SrcRow *row = &desc_rows[_i];
  g_autofree char *got = ds_manname_description (row->src, strlen (row->src));
  g_autofree char *shown = g_strescape (row->src, NULL);

  if (row->want == NULL)
    ck_assert_msg (got == NULL, "\"%s\" gave \"%s\"", shown, got);
  else
    ck_assert_msg (got != NULL && strcmp (got, row->want) == 0, "\"%s\" gave \"%s\"", shown,
                   got != NULL ? got : "NULL");
}
END_TEST

static Suite *
manname_suite (void)
{
  Suite *s = suite_create ("manname");
  TCase *tc = tcase_create ("names");

  tcase_add_loop_test (tc, test_parse_file, 0, G_N_ELEMENTS (file_rows));
  tcase_add_loop_test (tc, test_segments, 0, G_N_ELEMENTS (seg_rows));
  tcase_add_test (tc, test_long_name);
  tcase_add_test (tc, test_dir);
  tcase_add_test (tc, test_section_order);
  tcase_add_test (tc, test_natural);
  tcase_add_test (tc, test_distance);
  suite_add_tcase (s, tc);

  TCase *src = tcase_create ("source");
  tcase_add_loop_test (src, test_so, 0, G_N_ELEMENTS (so_rows));
  tcase_add_loop_test (src, test_description, 0, G_N_ELEMENTS (desc_rows));
  suite_add_tcase (s, src);
  return s;
}

int
main (void)
{
  SRunner *sr = srunner_create (manname_suite ());
  srunner_run_all (sr, CK_NORMAL);
  int failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
