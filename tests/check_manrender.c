/* check_manrender.c: man page rendering (manrender.c): groff's overstrike
 * output to HTML with links, mandoc's links kept only to existing pages,
 * real runs of groff (always installed with man-db) and of mandoc when it
 * is installed, the time limit on a looping page, the output cap; and the
 * Accept-Language choice of man.c. */
#include "config.h"

#include "docserve/man.h"
#include "docserve/manrender.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Pages that "exist" for the link tests. */
static gboolean
exists (gpointer data, const char *section, const char *name)
{
  (void) data;
  return (strcmp (section, "1") == 0 && (strcmp (name, "ls") == 0 || strcmp (name, "cat") == 0))
         || (strcmp (section, "3ssl") == 0 && strcmp (name, "SSL_new") == 0);
}

typedef struct
{
  const char *in, *want;
} Row;

static const Row groff_rows[] = {
  { "plain", "plain" },
  { "B\bBo\bol\bld\bd", "<b>Bold</b>" },
  { "_\bi_\bt", "<i>it</i>" },
  { "a<&>\"'", "a&lt;&amp;&gt;&quot;&#39;" },
  { "see ls(1), x", "see <a href=\"/man/1/ls\">ls(1)</a>, x" },
  { "l\bls\bs(1)", "<a href=\"/man/1/ls\"><b>ls</b>(1)</a>" },
  { "_\bc_\ba_\bt(1)", "<a href=\"/man/1/cat\"><i>cat</i>(1)</a>" },
  { "missing(1) ls(8)", "missing(1) ls(8)" },            /* no such pages: no links */
  { "SSL_new(3ssl)", "<a href=\"/man/3ssl/SSL_new\">SSL_new(3ssl)</a>" },
  { "(1) ls() ls(x)", "(1) ls() ls(x)" },
  { "\xc3\xa9\b\xc3\xa9", "<b>\xc3\xa9</b>" },             /* UTF-8 bold */
  { "o\b+", "+" },                                         /* another overstrike */
  { "bad \xff", "bad \xef\xbf\xbd" },
  { "a\x01" "b", "ab" },
  { "_\b_", "<b>_</b>" },
};

START_TEST (test_groff_html)
{
  const Row *row = &groff_rows[_i];
  g_autofree char *html = ds_manrender_groff_html (row->in, strlen (row->in), exists, NULL);
  g_autofree char *want = g_strdup_printf ("<pre class=\"man\">%s\n</pre>\n", row->want);
  g_autofree char *shown = g_strescape (row->in, NULL);
  ck_assert_msg (strcmp (html, want) == 0, "\"%s\": %s", shown, html);
}
END_TEST

static const Row filter_rows[] = {
  { "<a class=\"Xr\" href=\"/man/1/ls\">ls(1)</a>", "<a class=\"Xr\" href=\"/man/1/ls\">ls(1)</a>" },
  { "<a class=\"Xr\" href=\"/man/1/nope\">nope(1)</a>", "<a class=\"Xr\">nope(1)</a>" },
  { "<b>ls</b>(1)", "<a href=\"/man/1/ls\"><b>ls</b>(1)</a>" },
  { "see cat(1).", "see <a href=\"/man/1/cat\">cat(1)</a>." },
  { "<b>nope</b>(1)", "<b>nope</b>(1)" },
  { "<b>a b</b>(1)", "<b>a b</b>(1)" },
  { "<a href=\"#x\">ls(1)</a>", "<a href=\"#x\">ls(1)</a>" }, /* inside a link already */
  { "x(1", "x(1" },
  { "<i>SSL_new</i>(3ssl)", "<a href=\"/man/3ssl/SSL_new\"><i>SSL_new</i>(3ssl)</a>" },
};

START_TEST (test_filter_links)
{
  const Row *row = &filter_rows[_i];
  g_autofree char *html = ds_manrender_filter_links (row->in, exists, NULL);
  ck_assert_msg (strcmp (html, row->want) == 0, "\"%s\": %s", row->in, html);
}
END_TEST

static const char page[] = ".TH T 1\n.SH NAME\nt \\- test page\n.SH DESCRIPTION\n"
                           "\\fBbold\\fR and <tag> & more.\n.SH SEE ALSO\n.BR ls (1),\n"
                           ".BR missing (1)\n";

static char *
run (DsManRender *r, const char *src, DsManRenderResult want)
{
  g_autoptr (GBytes) b = g_bytes_new (src, strlen (src));
  char *html = NULL, *reason = NULL;
  DsManRenderResult got = ds_manrender_run (r, b, NULL, exists, NULL, &html, &reason);
  ck_assert_msg (got == want, "result %d, want %d (%s)", got, want,
                 reason != NULL ? reason : "");
  g_free (reason);
  return html;
}

START_TEST (test_groff_run)
{
  g_autoptr (DsManRender) r = ds_manrender_new (DS_MANRENDER_GROFF, 10000, 1 << 20, 2);
  ck_assert_str_eq (ds_manrender_name (r), "groff");
  g_autofree char *html = run (r, page, DS_MANRENDER_OK);
  ck_assert_msg (strstr (html, "<pre class=\"man\">") != NULL, "%s", html);
  ck_assert_msg (strstr (html, "<b>bold</b>") != NULL, "%s", html);
  ck_assert_msg (strstr (html, "&lt;tag&gt; &amp; more") != NULL, "%s", html);
  ck_assert_msg (strstr (html, "<a href=\"/man/1/ls\"><b>ls</b>(1)</a>") != NULL, "%s", html);
  ck_assert_msg (strstr (html, "/man/1/missing") == NULL, "%s", html);
}
END_TEST

START_TEST (test_mandoc_run)
{
  g_autofree char *mandoc = g_find_program_in_path ("mandoc");
  if (mandoc == NULL)
    {
      /* The groff path is tested above; mandoc is only a Recommends. */
      fprintf (stderr, "check_manrender: mandoc not installed, its run is not tested\n");
      return;
    }
  g_autoptr (DsManRender) r = ds_manrender_new (DS_MANRENDER_AUTO, 10000, 1 << 20, 2);
  ck_assert_str_eq (ds_manrender_name (r), "mandoc");
  g_autofree char *html = run (r, page, DS_MANRENDER_OK);
  ck_assert_msg (strstr (html, "<b>bold</b>") != NULL, "%s", html);
  ck_assert_msg (strstr (html, "&lt;tag&gt; &amp; more") != NULL, "%s", html);
  ck_assert_msg (strstr (html, "<a href=\"/man/1/ls\"><b>ls</b>(1)</a>") != NULL, "%s", html);
  ck_assert_msg (strstr (html, "/man/1/missing") == NULL, "%s", html);
  ck_assert_msg (strstr (html, "<html") == NULL, "a fragment: %s", html);
}
END_TEST

START_TEST (test_time_limit)
{
  /* groff runs this loop forever; the limit kills its whole pipeline. */
  g_autoptr (DsManRender) r = ds_manrender_new (DS_MANRENDER_GROFF, 300, 1 << 20, 2);
  gint64 t0 = g_get_monotonic_time ();
  g_autofree char *html = run (r, ".TH T 1\n.nr x 0\n.while 1 .nr x +1\n", DS_MANRENDER_TIMEOUT);
  gint64 ms = (g_get_monotonic_time () - t0) / 1000;
  ck_assert (html == NULL);
  ck_assert_msg (ms >= 250 && ms < 3000, "took %" G_GINT64_FORMAT " ms", ms);
}
END_TEST

START_TEST (test_output_cap)
{
  g_autoptr (DsManRender) r = ds_manrender_new (DS_MANRENDER_GROFF, 10000, 100, 2);
  GString *big = g_string_new (".TH T 1\n.SH NAME\nt \\- x\n");
  for (int i = 0; i < 200; i++)
    g_string_append (big, "A line of text that makes the output long.\n");
  g_autofree char *html = run (r, big->str, DS_MANRENDER_FAILED);
  ck_assert (html == NULL);
  g_string_free (big, TRUE);
}
END_TEST

typedef struct
{
  const char *header;
  const char *want; /* space-separated */
} LangRow;

static const LangRow lang_rows[] = {
  { NULL, "" },
  { "de", "de" },
  { "de-DE,de;q=0.9,en;q=0.8", "de_DE de" },
  { "en-US,en;q=0.9,de;q=0.8", "" },       /* English first: the pages themselves */
  { "fr;q=0.5, pt-BR", "pt_BR pt fr" },    /* by q-value */
  { "*", "" },
  { "de;q=0, fr", "fr" },                  /* q=0: not acceptable */
  { "../x, de", "de" },                    /* malformed range skipped */
  { "zh-Hant-TW", "zh" },                  /* a script subtag is not a region */
  { "sr-Latn", "sr" },
};

START_TEST (test_languages)
{
  const LangRow *row = &lang_rows[_i];
  g_auto (GStrv) got = ds_man_languages (row->header);
  g_autofree char *joined = g_strjoinv (" ", got);
  ck_assert_msg (strcmp (joined, row->want) == 0, "\"%s\": \"%s\"",
                 row->header != NULL ? row->header : "(null)", joined);
}
END_TEST

static Suite *
manrender_suite (void)
{
  Suite *s = suite_create ("manrender");
  TCase *tc = tcase_create ("pure");
  tcase_add_loop_test (tc, test_groff_html, 0, G_N_ELEMENTS (groff_rows));
  tcase_add_loop_test (tc, test_filter_links, 0, G_N_ELEMENTS (filter_rows));
  tcase_add_loop_test (tc, test_languages, 0, G_N_ELEMENTS (lang_rows));
  suite_add_tcase (s, tc);

  TCase *runs = tcase_create ("runs");
  tcase_set_timeout (runs, 30);
  tcase_add_test (runs, test_groff_run);
  tcase_add_test (runs, test_mandoc_run);
  tcase_add_test (runs, test_time_limit);
  tcase_add_test (runs, test_output_cap);
  suite_add_tcase (s, runs);
  return s;
}

int
main (void)
{
  SRunner *sr = srunner_create (manrender_suite ());
  srunner_run_all (sr, CK_NORMAL);
  int failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
