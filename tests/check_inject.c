/* check_inject.c: where the --watch script tag goes in a page (inject.c). */
#include "config.h"

#include "docserve/inject.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#define TAG "<script src=\"/.docserve/reload.js\"></script>"

typedef struct
{
  const char *html;
  gssize len;          /* -1: strlen */
  const char *expect;  /* result, "|" marks where TAG went; NULL: refused */
} Row;

static const Row rows[] = {
  { "<html><body>x</body></html>", -1, "<html><body>x|</body></html>" },
  /* Upper and mixed case, attributes and white space in the end tag. */
  { "<BODY>x</BODY>", -1, "<BODY>x|</BODY>" },
  { "<body>x</BoDy >", -1, "<body>x|</BoDy >" },
  { "<body>x</body\n>", -1, "<body>x|</body\n>" },
  /* Not an end tag of body: another name that starts the same way. */
  { "<body>x</bodyx></body>", -1, "<body>x</bodyx>|</body>" },
  /* No </body>: before </head>; neither: at the end. */
  { "<head><title>t</title></head><p>x", -1, "<head><title>t</title>|</head><p>x" },
  { "<p>just text", -1, "<p>just text|" },
  { "", -1, "|" },
  /* </body> in a comment, a script, a style, a title, a textarea or an
   * attribute value is text, not markup. */
  { "<!-- </body> --><p>x</body>", -1, "<!-- </body> --><p>x|</body>" },
  { "<!--></body>", -1, "<!-->|</body>" },
  { "<script>var s = '</body>';</script>x</body>", -1,
    "<script>var s = '</body>';</script>x|</body>" },
  { "<SCRIPT type=\"a>b\">'</body>'</Script>x</body>", -1,
    "<SCRIPT type=\"a>b\">'</body>'</Script>x|</body>" },
  { "<style>/* </body> */</style></body>", -1, "<style>/* </body> */</style>|</body>" },
  { "<title></body></title><textarea></body></textarea></body>", -1,
    "<title></body></title><textarea></body></textarea>|</body>" },
  { "<a title=\"</body>\">x</a></body>", -1, "<a title=\"</body>\">x</a>|</body>" },
  /* <scripts> is not <script>. */
  { "<scripts></body>", -1, "<scripts>|</body>" },
  /* An unterminated comment or script runs to the end: nothing in it
   * counts, so the tag goes before the </head> seen earlier, or at the end. */
  { "<head></head><!-- </body>", -1, "<head>|</head><!-- </body>" },
  { "<script></body>", -1, "<script></body>|" },
  /* The first </body> wins. */
  { "<body></body></body>", -1, "<body>|</body></body>" },
  /* A UTF-8 BOM is just bytes before the page. */
  { "\xef\xbb\xbf<body></body>", -1, "\xef\xbb\xbf<body>|</body>" },
  /* UTF-16 and UTF-32 pages are left alone. */
  { "\xff\xfe<\0/\0b\0", 8, NULL },
  { "\xfe\xff\0<\0/", 6, NULL },
  { "\xff\xfe\0\0<\0\0\0", 8, NULL },
  /* A NUL byte is just a byte. */
  { "a\0b</body>", 10, "a\0b|</body>" },
  /* "</" at the very end. */
  { "<body></", -1, "<body></|" },
  { "<", -1, "<|" },
};

START_TEST (test_rows)
{
  const Row *row = &rows[_i];
  gsize len = row->len >= 0 ? (gsize) row->len : strlen (row->html);
  gsize out_len = 0;
  g_autofree char *out = ds_inject_snippet (row->html, len, TAG, &out_len);
  g_autofree char *shown = g_strescape (row->html, NULL);

  if (row->expect == NULL)
    {
      ck_assert_msg (out == NULL, "row %d \"%s\": injected, expected refusal", _i, shown);
      return;
    }
  ck_assert_msg (out != NULL, "row %d \"%s\": refused", _i, shown);
  /* The expectation with "|" replaced by TAG; the row's length counts the
   * "|" once. */
  const char *bar = memchr (row->expect, '|', len + 1);
  ck_assert (bar != NULL);
  gsize before = (gsize) (bar - row->expect);
  GString *want = g_string_new_len (row->expect, (gssize) before);
  g_string_append (want, TAG);
  g_string_append_len (want, bar + 1, (gssize) (len - before));
  g_autofree char *want_shown = g_strescape (want->str, NULL);
  g_autofree char *out_shown = g_strescape (out, NULL);
  ck_assert_msg (out_len == want->len && memcmp (out, want->str, out_len) == 0,
                 "row %d \"%s\":\n got  \"%s\"\n want \"%s\"", _i, shown, out_shown, want_shown);
  ck_assert_msg (out[out_len] == '\0', "row %d: not NUL-terminated", _i);
  g_string_free (want, TRUE);
}
END_TEST

/* A page of 8 MiB whose </body> is at the end, behind a large comment and
 * many tags: found, in one linear pass (the test's time limit bounds it). */
START_TEST (test_huge)
{
  const gsize n = 8 * 1024 * 1024;
  GString *page = g_string_sized_new (n + 64);

  g_string_append (page, "<html><body><!--");
  while (page->len < n / 2)
    g_string_append (page, " </body> <script> ");
  g_string_append (page, "-->");
  while (page->len < n)
    g_string_append (page, "<p class=\"a\">text &lt;</p>\n");
  gsize at = page->len;
  g_string_append (page, "</body></html>\n");

  gsize pos = 0;
  ck_assert (ds_inject_position (page->str, page->len, &pos));
  ck_assert_uint_eq (pos, at);
  gsize out_len = 0;
  g_autofree char *out = ds_inject_snippet (page->str, page->len, TAG, &out_len);
  ck_assert_uint_eq (out_len, page->len + strlen (TAG));
  ck_assert (memcmp (out + at, TAG, strlen (TAG)) == 0);
  ck_assert (memcmp (out + at + strlen (TAG), "</body></html>\n", 15) == 0);
  g_string_free (page, TRUE);
}
END_TEST

/* Many unterminated "<script" openings: still linear, ends at the end. */
START_TEST (test_many_openings)
{
  GString *page = g_string_new (NULL);
  for (int i = 0; i < 200000; i++)
    g_string_append (page, "<x<");
  gsize pos = 0;
  ck_assert (ds_inject_position (page->str, page->len, &pos));
  ck_assert_uint_eq (pos, page->len);
  g_string_free (page, TRUE);
}
END_TEST

static Suite *
inject_suite (void)
{
  Suite *s = suite_create ("inject");
  TCase *tc = tcase_create ("core");

  tcase_add_loop_test (tc, test_rows, 0, G_N_ELEMENTS (rows));
  tcase_add_test (tc, test_huge);
  tcase_add_test (tc, test_many_openings);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  SRunner *sr = srunner_create (inject_suite ());
  srunner_run_all (sr, CK_NORMAL);
  int failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
