/* check_infofile.c: info manuals (infofile.c): split manuals, node headers
 * (commas, tabs, \x7f quoting), malformed input, node names in URLs and
 * back, and a node's HTML with its menu, cross-references and navigation. */
#include "config.h"

#include "docserve/infofile.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

static GBytes *
bytes (const char *s)
{
  return g_bytes_new (s, strlen (s));
}

static const char split_main[] = "This is m.info, produced by makeinfo.\n\n"
                                 "\x1f\nIndirect:\nm.info-1: 100\nm.info-2: 900\n"
                                 "../evil: 1000\n/etc/passwd: 2000\n.hidden: 3000\n"
                                 "\x1f\nTag Table:\n(Indirect)\nNode: Top\x7f" "100\n"
                                 "\x1f\nEnd Tag Table\n";
static const char split_1[]
    = "\x1f\nFile: m.info,  Node: Top,  Next: Intro,  Up: (dir)\n\nTop text <&>\n\n"
      "* Menu:\n\n* Intro::            The start.\n* Usage: Using it.   How.\n"
      "* Core: (coreutils)ls invocation.  Other manual.\n";
static const char split_2[]
    = "\x1f\nFile: m.info,  Node: Intro,  Next: Using it,  Prev: Top,  Up: Top\n\n"
      "Read *note Using\nit::, and *Note the ls: (coreutils)ls invocation, too.\n"
      "\x1f\nFile: m.info,  Node: Using it,  Prev: Intro,  Up: Top\n\nUse it.\n"
      "\x1f\nFile: m.info,  Node: Intro,  Up: Top\n\nA second Intro is ignored.\n";

START_TEST (test_subfiles)
{
  g_auto (GStrv) subs = ds_infofile_subfiles (split_main, strlen (split_main));
  ck_assert (subs != NULL);
  ck_assert_uint_eq (g_strv_length (subs), 2); /* ../evil, /etc/passwd, .hidden refused */
  ck_assert_str_eq (subs[0], "m.info-1");
  ck_assert_str_eq (subs[1], "m.info-2");

  ck_assert (ds_infofile_subfiles (split_1, strlen (split_1)) == NULL);
  ck_assert (ds_infofile_subfiles ("", 0) == NULL);
  /* No bytes at all (a NULL buffer): no pointer arithmetic on it (UBSan). */
  ck_assert (ds_infofile_subfiles (NULL, 0) == NULL);
}
END_TEST

START_TEST (test_split)
{
  GBytes *parts[3] = { bytes (split_main), bytes (split_1), bytes (split_2) };
  g_autoptr (DsInfoFile) f = ds_infofile_parse (parts, 3);

  ck_assert_uint_eq (ds_infofile_n_nodes (f), 3);
  const DsInfoNode *top = ds_infofile_node (f, 0);
  ck_assert_str_eq (top->name, "Top");
  ck_assert_str_eq (top->next, "Intro");
  ck_assert_str_eq (top->up, "(dir)");
  ck_assert (top->prev == NULL);
  const DsInfoNode *intro = ds_infofile_lookup (f, "Intro");
  ck_assert (intro != NULL);
  ck_assert_str_eq (intro->next, "Using it");
  ck_assert_str_eq (intro->prev, "Top");
  ck_assert (strstr (intro->text, "second") == NULL); /* the first wins */
  ck_assert (ds_infofile_lookup (f, "using IT") == ds_infofile_node (f, 2));
  ck_assert (ds_infofile_lookup (f, "Nope") == NULL);
  for (guint i = 0; i < 3; i++)
    g_bytes_unref (parts[i]);
}
END_TEST

START_TEST (test_headers)
{
  GBytes *parts[1] = { bytes ("\x1f\nFile: dir,\tNode: Top\tThis is the top\n\n* Menu:\n"
                              "\x1f\nFile: q.info,  Node: \x7f" "a, b\x7f,  Next: c\n\nx\n"
                              "\x1f\nno header here\n"
                              "\x1f\nFile: q.info,  Node:   ,  Next: c\n\nempty name\n"
                              "\x1f\nFile: q.info,  Node: last") };
  g_autoptr (DsInfoFile) f = ds_infofile_parse (parts, 1);

  ck_assert_uint_eq (ds_infofile_n_nodes (f), 3);
  ck_assert_str_eq (ds_infofile_node (f, 0)->name, "Top");
  ck_assert_str_eq (ds_infofile_node (f, 1)->name, "a, b");
  ck_assert_str_eq (ds_infofile_node (f, 1)->next, "c");
  ck_assert_str_eq (ds_infofile_node (f, 2)->name, "last");
  ck_assert_str_eq (ds_infofile_node (f, 2)->text, "");
  g_bytes_unref (parts[0]);
}
END_TEST

START_TEST (test_garbage)
{
  static const char junk[] = "\x1f\x1f\x1f\n\n\xff\xfe File: Node: \x1f";
  GBytes *parts[2] = { bytes (junk), g_bytes_new (NULL, 0) };
  g_autoptr (DsInfoFile) f = ds_infofile_parse (parts, 2);
  ck_assert_uint_eq (ds_infofile_n_nodes (f), 0);
  g_bytes_unref (parts[0]);
  g_bytes_unref (parts[1]);
}
END_TEST

typedef struct
{
  const char *name, *segment;
} EncRow;

static const EncRow enc_rows[] = {
  { "Top", "Top" },
  { "ls invocation", "ls-invocation" },
  { "  ls   invocation ", "ls-invocation" }, /* white space normalised */
  { "a-b/c", "a_002db_002fc" },
  { "..", "_002e_002e" },
  { "x_y", "x_005fy" },
  { "caf\xc3\xa9", "caf_00e9" },
  { "\xf0\x9f\x98\x80", "__01f600" },
  { "%00", "_002500" }, /* digits stay digits */
};

START_TEST (test_encode)
{
  const EncRow *row = &enc_rows[_i];
  g_autofree char *seg = ds_infofile_encode_node (row->name);
  ck_assert_str_eq (seg, row->segment);
}
END_TEST

/* Every name decodes back from its encoding (spaces normalised). */
START_TEST (test_round_trip)
{
  static const char *const names[] = { "Top", "ls invocation", "Invoking a-b", "C++",
                                       "x/y", "..", "_", "100% done", "\xe2\x80\x9cq\xe2\x80\x9d",
                                       "\xf0\x9f\x98\x80 smile", "a.b.c", "Node, with comma",
                                       "?the\x0e" /* a control byte: found by fuzz_infofile */ };
  for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *seg = ds_infofile_encode_node (names[i]);
      g_autofree char *back = ds_infofile_decode_node (seg);
      ck_assert_msg (back != NULL && strcmp (back, names[i]) == 0, "\"%s\" -> %s -> %s",
                     names[i], seg, back != NULL ? back : "NULL");
      for (const char *c = seg; *c != '\0'; c++)
        ck_assert_msg (g_ascii_isalnum (*c) || *c == '-' || *c == '_', "%s", seg);
    }
}
END_TEST

static const char *const bad_segments[] = {
  "", "-", "a-", "-a", "a--b", "a b", "a/b", "a.b", "_", "_00", "_002", "_002G", "_002E",
  "_0041",     /* a letter is never encoded */
  "_0020",     /* nor a space */
  "_0000", "_0009", "_000a", "_000d", "_d800", "__00ffff", "__110000", "a%20b",
};

START_TEST (test_decode_bad)
{
  g_autofree char *got = ds_infofile_decode_node (bad_segments[_i]);
  ck_assert_msg (got == NULL, "\"%s\" decoded to \"%s\"", bad_segments[_i], got);
}
END_TEST

static char *
render_node (const DsInfoFile *f, const char *name)
{
  const DsInfoNode *n = ds_infofile_lookup (f, name);
  ck_assert (n != NULL);
  GString *out = g_string_new (NULL);
  ds_infofile_render (n, "m", NULL, NULL, out);
  return g_string_free (out, FALSE);
}

START_TEST (test_render)
{
  GBytes *parts[2] = { bytes (split_1), bytes (split_2) };
  g_autoptr (DsInfoFile) f = ds_infofile_parse (parts, 2);
  g_autofree char *top = render_node (f, "Top");
  g_autofree char *intro = render_node (f, "Intro");

  ck_assert_msg (strstr (top, "Top text &lt;&amp;&gt;") != NULL, "%s", top);
  ck_assert_msg (strstr (top, " Next: <a href=\"/info/m/Intro\">Intro</a>") != NULL, "%s", top);
  ck_assert_msg (strstr (top, " Up: <a href=\"/info/\">(dir)</a>") != NULL, "%s", top);
  ck_assert_msg (strstr (top, "* <a href=\"/info/m/Intro\">Intro</a>::") != NULL, "%s", top);
  ck_assert_msg (strstr (top, "* <a href=\"/info/m/Using-it\">Usage</a>: Using it.") != NULL,
                 "%s", top);
  ck_assert_msg (strstr (top, "<a href=\"/info/coreutils/ls-invocation\">Core</a>") != NULL,
                 "%s", top);
  ck_assert_msg (strstr (intro, "Read <a href=\"/info/m/Using-it\">Using\nit</a>::") != NULL,
                 "%s", intro);
  ck_assert_msg (strstr (intro, "See <a href=\"/info/coreutils/ls-invocation\">the ls</a>") != NULL,
                 "%s", intro);
  ck_assert_msg (strstr (intro, " Prev: <a href=\"/info/m/\">Top</a>") != NULL, "%s", intro);
  g_bytes_unref (parts[0]);
  g_bytes_unref (parts[1]);
}
END_TEST

START_TEST (test_render_special)
{
  static const char text[]
      = "\x1f\nFile: s.info,  Node: S\n\nimg \0\b[image src=\"a.png\"\0\b] done\n"
        "*Note bad: (../../etc)x. *note open-ended\n* Menu:\n* nocolon\n"
        "* Dir: (dir).  back\n* Info: (gzip.info)Top.   suffix\n";
  GBytes *parts[1] = { g_bytes_new (text, sizeof text - 1) };
  g_autoptr (DsInfoFile) f = ds_infofile_parse (parts, 1);
  const DsInfoNode *n = ds_infofile_lookup (f, "S");
  ck_assert (n != NULL);
  GString *out = g_string_new (NULL);
  ds_infofile_render (n, "s", NULL, NULL, out);
  ck_assert_msg (strstr (out->str, "img  done") != NULL && strstr (out->str, "image") == NULL,
                 "%s", out->str);
  g_string_free (out, TRUE);
  g_bytes_unref (parts[0]);

  static const char text2[] = "\x1f\nFile: s.info,  Node: S\n\n*Note bad: (../../etc)x. "
                              "*note open-ended\n* Menu:\n* nocolon\n"
                              "* Dir: (dir).  back\n* Info: (gzip.info)Top.   suffix\n";
  GBytes *parts2[1] = { bytes (text2) };
  g_autoptr (DsInfoFile) f2 = ds_infofile_parse (parts2, 1);
  GString *out2 = g_string_new (NULL);
  ds_infofile_render (ds_infofile_lookup (f2, "S"), "s", NULL, NULL, out2);
  ck_assert_msg (strstr (out2->str, "etc") != NULL && strstr (out2->str, "/info/../") == NULL
                     && strstr (out2->str, "href=\"/info/..") == NULL,
                 "%s", out2->str);
  ck_assert_msg (strstr (out2->str, "<a href=\"/info/\">Dir</a>") != NULL, "%s", out2->str);
  ck_assert_msg (strstr (out2->str, "<a href=\"/info/gzip/\">Info</a>") != NULL, "%s", out2->str);
  ck_assert_msg (strstr (out2->str, "* nocolon") != NULL, "%s", out2->str);
  g_string_free (out2, TRUE);
  g_bytes_unref (parts2[0]);
}
END_TEST

START_TEST (test_valid_manual)
{
  ck_assert (ds_infofile_valid_manual ("coreutils"));
  ck_assert (ds_infofile_valid_manual ("gcc-12"));
  ck_assert (ds_infofile_valid_manual ("a.b"));
  ck_assert (!ds_infofile_valid_manual (""));
  ck_assert (!ds_infofile_valid_manual ("."));
  ck_assert (!ds_infofile_valid_manual (".."));
  ck_assert (!ds_infofile_valid_manual ("Top.."));  /* a dot run (fuzz_infofile) */
  ck_assert (!ds_infofile_valid_manual ("a..b"));
  ck_assert (!ds_infofile_valid_manual ("a/b"));
}
END_TEST

static Suite *
infofile_suite (void)
{
  Suite *s = suite_create ("infofile");
  TCase *tc = tcase_create ("parse");
  tcase_add_test (tc, test_subfiles);
  tcase_add_test (tc, test_valid_manual);
  tcase_add_test (tc, test_split);
  tcase_add_test (tc, test_headers);
  tcase_add_test (tc, test_garbage);
  suite_add_tcase (s, tc);

  TCase *names = tcase_create ("names");
  tcase_add_loop_test (names, test_encode, 0, G_N_ELEMENTS (enc_rows));
  tcase_add_test (names, test_round_trip);
  tcase_add_loop_test (names, test_decode_bad, 0, G_N_ELEMENTS (bad_segments));
  suite_add_tcase (s, names);

  TCase *render = tcase_create ("render");
  tcase_add_test (render, test_render);
  tcase_add_test (render, test_render_special);
  suite_add_tcase (s, render);
  return s;
}

int
main (void)
{
  SRunner *sr = srunner_create (infofile_suite ());
  srunner_run_all (sr, CK_NORMAL);
  int failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
