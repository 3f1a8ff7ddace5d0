/* check_page.c: the shared HTML shell (page.c): the frame, title escaping,
 * the one style element with its dark palette, and the breadcrumbs. */
#include "config.h"

#include "docserve/page.h"
#include "docserve/path.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

static char *
show (const char *s)
{
  return s != NULL ? g_strescape (s, NULL) : g_strdup ("(null)");
}

/* A whole page: the frame around a fixed content line. */
static char *
page_of (const char *title, const char *style, const char *crumbs)
{
  const DsPage page = { .title = title, .style = style, .crumbs = crumbs };
  GString *out = g_string_new (NULL);

  ds_page_begin (out, &page);
  g_string_append (out, "<p>content</p>\n");
  ds_page_end (out);
  return g_string_free (out, FALSE);
}

static guint
count (const char *haystack, const char *needle)
{
  guint n = 0;

  for (const char *p = strstr (haystack, needle); p != NULL;
       p = strstr (p + strlen (needle), needle))
    n++;
  return n;
}

/* The text between the first @open and the next @close, or NULL. */
static char *
between (const char *s, const char *open, const char *close)
{
  const char *a = strstr (s, open);
  if (a == NULL)
    return NULL;
  a += strlen (open);
  const char *b = strstr (a, close);
  return b != NULL ? g_strndup (a, (gsize) (b - a)) : NULL;
}

/* ---- the frame ---------------------------------------------------------- */

START_TEST (test_frame)
{
  g_autofree char *page = page_of ("T", NULL, NULL);
  static const char *const elements[] = { "html", "head", "title", "style", "body", "main",
                                          "footer" };

  ck_assert_msg (g_str_has_prefix (page, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
                                         "<meta charset=\"utf-8\">\n"
                                         "<meta name=\"viewport\" content=\"width=device-width, "
                                         "initial-scale=1\">\n"
                                         "<meta name=\"color-scheme\" content=\"light dark\">\n"
                                         "<title>T</title>\n<style>\n"),
                 "head:\n%s", page);
  ck_assert_msg (strstr (page, "</style>\n</head>\n<body>\n<main>\n<p>content</p>\n") != NULL,
                 "body start:\n%s", page);
  ck_assert_msg (g_str_has_suffix (page, "<p>content</p>\n</main>\n<footer>docserve</footer>\n"
                                         "</body>\n</html>\n"),
                 "end:\n%s", page);
  for (gsize i = 0; i < G_N_ELEMENTS (elements); i++)
    {
      g_autofree char *open1 = g_strdup_printf ("<%s>", elements[i]);
      g_autofree char *open2 = g_strdup_printf ("<%s ", elements[i]);
      g_autofree char *close = g_strdup_printf ("</%s>", elements[i]);
      guint opens = count (page, open1) + count (page, open2);

      ck_assert_msg (opens == 1 && count (page, close) == 1, "<%s> opened %u, closed %u times",
                     elements[i], opens, count (page, close));
    }
  /* No breadcrumbs unless asked for. */
  ck_assert_msg (strstr (page, "<nav") == NULL, "nav without crumbs:\n%s", page);
}
END_TEST

/* Nothing in the frame loads another resource or runs script, with or
 * without breadcrumbs. */
static const char *const no_resource_needles[] = {
  "http", "src=", "url(", "@import", "<link", "<script", "<img", "<iframe", "<object",
};

START_TEST (test_no_resources)
{
  g_autofree char *page = page_of ("T", "p{margin:0}\n", "/a/b/c");

  ck_assert_msg (strstr (page, no_resource_needles[_i]) == NULL, "page has \"%s\":\n%s",
                 no_resource_needles[_i], page);
}
END_TEST

/* ---- escaping ----------------------------------------------------------- */

typedef struct
{
  const char *in;
  const char *want;
} EscapeRow;

static const EscapeRow escape_rows[] = {
  { "", "" },
  { "plain text", "plain text" },
  { "<x>&\"'", "&lt;x&gt;&amp;&quot;&#39;" },
  { "</title><script>alert(1)</script>", "&lt;/title&gt;&lt;script&gt;alert(1)&lt;/script&gt;" },
  /* An entity in the input is text: its '&' is escaped again. */
  { "&amp;", "&amp;amp;" },
  { "caf\xc3\xa9 \xe2\x9c\x93", "caf\xc3\xa9 \xe2\x9c\x93" },
  /* Invalid UTF-8 becomes U+FFFD, one per bad byte run as GLib does. */
  { "bad\xff", "bad\xef\xbf\xbd" },
  { "\xc3(", "\xef\xbf\xbd(" },
  { "/%2F%00", "/%2F%00" },
};

START_TEST (test_escape)
{
  const EscapeRow *row = &escape_rows[_i];
  g_autoptr (GString) out = g_string_new ("x");
  g_autofree char *in = show (row->in);

  ds_page_append_escaped (out, row->in);
  ck_assert_msg (out->str[0] == 'x' && strcmp (out->str + 1, row->want) == 0,
                 "\"%s\" gave \"%s\"", in, out->str + 1);
}
END_TEST

/* The title is escaped by the shell, with the same rules. */
START_TEST (test_title)
{
  const EscapeRow *row = &escape_rows[_i];
  g_autofree char *page = page_of (row->in, NULL, NULL);
  g_autofree char *want = g_strdup_printf ("\n<title>%s</title>\n", row->want);
  g_autofree char *in = show (row->in);

  ck_assert_msg (strstr (page, want) != NULL, "title \"%s\":\n%s", in, page);
  ck_assert_msg (g_utf8_validate (page, -1, NULL), "title \"%s\": page not UTF-8", in);
  ck_assert_msg (count (page, "<title>") == 1, "title \"%s\": %u <title>", in,
                 count (page, "<title>"));
}
END_TEST

/* ---- the style element -------------------------------------------------- */

static const char *const style_rows[] = {
  NULL,
  "",
  "table{width:100%}\n",
  "body{text-align:center}\nmain{max-width:36rem}\nh1{border-bottom:1px solid var(--rule)}\n",
};

START_TEST (test_style)
{
  const char *style = style_rows[_i];
  g_autofree char *page = page_of ("T", style, "/a/");
  g_autofree char *css = between (page, "<style>\n", "</style>\n");
  g_autofree char *shown = show (style);

  ck_assert_msg (css != NULL && count (page, "<style") == 1, "style %s: not one <style>", shown);
  /* The page's own rules come last, so they override the shared ones. */
  if (style != NULL && style[0] != '\0')
    ck_assert_msg (g_str_has_suffix (css, style), "style %s not at the end of <style>:\n%s",
                   shown, css);
  /* One dark palette, in the shell's rules only. */
  ck_assert_msg (count (page, "@media (prefers-color-scheme:dark)") == 1
                     && count (page, "prefers-color-scheme") == 1,
                 "style %s: %u dark palette queries", shown, count (page, "prefers-color-scheme"));
  ck_assert_msg (count (css, "@media (prefers-color-scheme:dark){:root{") == 1,
                 "style %s: the dark query does not set the palette:\n%s", shown, css);
  /* Every colour the shared rules use comes from the palette. */
  ck_assert_msg (strstr (css, "color:var(--fg);background:var(--bg)") != NULL,
                 "style %s: body not on the palette:\n%s", shown, css);
}
END_TEST

/* ---- breadcrumbs -------------------------------------------------------- */

#define NAV_OPEN "<nav aria-label=\"Breadcrumbs\">\n<ol>"
#define NAV_CLOSE "</ol>\n</nav>\n"
#define ROOT_LINK "<li><a href=\"/\">docserve</a></li>"

typedef struct
{
  const char *path;
  const char *want; /* the whole <nav>, NULL: none */
} CrumbRow;

static const CrumbRow crumb_rows[] = {
  { NULL, NULL },
  /* The root alone is the current page: no link. */
  { "/", NAV_OPEN "<li aria-current=\"page\">docserve</li>" NAV_CLOSE },
  { "/a/", NAV_OPEN ROOT_LINK "<li aria-current=\"page\">a</li>" NAV_CLOSE },
  /* Text escaped, hrefs percent-encoded (' ' is %20, '&' a sub-delim kept
   * by the encoder, so escaped for the attribute). */
  { "/a b/c&d/", NAV_OPEN ROOT_LINK "<li><a href=\"/a%20b/\">a b</a></li>"
                 "<li aria-current=\"page\">c&amp;d</li>" NAV_CLOSE },
  { "/a b/c&d/e/", NAV_OPEN ROOT_LINK "<li><a href=\"/a%20b/\">a b</a></li>"
                   "<li><a href=\"/a%20b/c&amp;d/\">c&amp;d</a></li>"
                   "<li aria-current=\"page\">e</li>" NAV_CLOSE },
  /* Deep: every ancestor a link to its own directory. */
  { "/1/2/3/4/5/6/", NAV_OPEN ROOT_LINK "<li><a href=\"/1/\">1</a></li>"
                     "<li><a href=\"/1/2/\">2</a></li><li><a href=\"/1/2/3/\">3</a></li>"
                     "<li><a href=\"/1/2/3/4/\">4</a></li>"
                     "<li><a href=\"/1/2/3/4/5/\">5</a></li>"
                     "<li aria-current=\"page\">6</li>" NAV_CLOSE },
  /* A page that is not a directory (a manual page): the same crumbs. */
  { "/man/1/ls", NAV_OPEN ROOT_LINK "<li><a href=\"/man/\">man</a></li>"
                 "<li><a href=\"/man/1/\">1</a></li><li aria-current=\"page\">ls</li>" NAV_CLOSE },
  /* Characters that would end a path or start a query or fragment. */
  { "/100%/#?/x", NAV_OPEN ROOT_LINK "<li><a href=\"/100%25/\">100%</a></li>"
                  "<li><a href=\"/100%25/%23%3F/\">#?</a></li>"
                  "<li aria-current=\"page\">x</li>" NAV_CLOSE },
  { "/<b>\"q\"/x", NAV_OPEN ROOT_LINK
    "<li><a href=\"/%3Cb%3E%22q%22/\">&lt;b&gt;&quot;q&quot;</a></li>"
                   "<li aria-current=\"page\">x</li>" NAV_CLOSE },
  /* "'" is kept by the encoder: escaped in the attribute. */
  { "/it's/x/", NAV_OPEN ROOT_LINK "<li><a href=\"/it&#39;s/\">it&#39;s</a></li>"
                "<li aria-current=\"page\">x</li>" NAV_CLOSE },
  { "/caf\xc3\xa9/x/", NAV_OPEN ROOT_LINK "<li><a href=\"/caf%C3%A9/\">caf\xc3\xa9</a></li>"
                       "<li aria-current=\"page\">x</li>" NAV_CLOSE },
  /* Invalid UTF-8: U+FFFD in the text, the real byte in the link. */
  { "/bad\xff/x\xfe/", NAV_OPEN ROOT_LINK "<li><a href=\"/bad%FF/\">bad\xef\xbf\xbd</a></li>"
                       "<li aria-current=\"page\">x\xef\xbf\xbd</li>" NAV_CLOSE },
  /* An absolute path: a ':' cannot be read as a scheme. */
  { "/javascript:alert(1)/x/", NAV_OPEN ROOT_LINK
    "<li><a href=\"/javascript:alert(1)/\">javascript:alert(1)</a></li>"
    "<li aria-current=\"page\">x</li>" NAV_CLOSE },
  /* Empty segments are skipped: an href never starts with "//", which
   * would name another host. */
  { "//evil.example/x/", NAV_OPEN ROOT_LINK "<li><a href=\"/evil.example/\">evil.example</a></li>"
                         "<li aria-current=\"page\">x</li>" NAV_CLOSE },
  { "/a//b///", NAV_OPEN ROOT_LINK "<li><a href=\"/a/\">a</a></li>"
                "<li aria-current=\"page\">b</li>" NAV_CLOSE },
  { "///", NAV_OPEN "<li aria-current=\"page\">docserve</li>" NAV_CLOSE },
};

START_TEST (test_crumbs_exact)
{
  const CrumbRow *row = &crumb_rows[_i];
  g_autofree char *page = page_of ("T", NULL, row->path);
  g_autofree char *path = show (row->path);
  g_autofree char *nav = between (page, "<body>\n", "<main>\n");

  ck_assert_msg (nav != NULL, "%s: no <body> ... <main>:\n%s", path, page);
  ck_assert_msg (strcmp (nav, row->want != NULL ? row->want : "") == 0,
                 "%s: crumbs\n%s\nwant\n%s", path, nav, row->want != NULL ? row->want : "");
  ck_assert_msg (g_utf8_validate (page, -1, NULL), "%s: page not UTF-8", path);
}
END_TEST

/* Undoes the five escapes; NULL for any other '&'. */
static char *
unescape (const char *s, gsize len)
{
  static const char *const entities[] = { "&amp;", "&lt;", "&gt;", "&quot;", "&#39;" };
  static const char chars[] = "&<>\"'";
  GString *out = g_string_new (NULL);

  for (gsize i = 0; i < len;)
    {
      gsize j = 0;

      if (s[i] != '&')
        {
          g_string_append_c (out, s[i++]);
          continue;
        }
      while (j < G_N_ELEMENTS (entities) && strncmp (s + i, entities[j], strlen (entities[j])) != 0)
        j++;
      if (j == G_N_ELEMENTS (entities))
        {
          g_string_free (out, TRUE);
          return NULL;
        }
      g_string_append_c (out, chars[j]);
      i += strlen (entities[j]);
    }
  return g_string_free (out, FALSE);
}

/* Read back as a browser and the server would: each link, unescaped and
 * decoded by ds_path_sanitize, names the directory of the segments before
 * it, and its text is that segment.  Deep paths included. */
static const char *const round_trip_paths[] = {
  "/a/", "/a b/c&d/", "/100%/#?/x", "/it's/<b>/\"q\"/", "/caf\xc3\xa9/\xe2\x9c\x93/x",
  "/javascript:alert(1)/x/", "/+;=,@:!$()*~/z", "/a//b///", "/deep",
};

START_TEST (test_crumbs_round_trip)
{
  g_autofree char *path = NULL;
  if (strcmp (round_trip_paths[_i], "/deep") == 0)
    {
      /* 300 levels of awkward names. */
      GString *p = g_string_new ("/");
      for (int i = 0; i < 300; i++)
        g_string_append_printf (p, "d%d &%%?#/", i);
      path = g_string_free (p, FALSE);
    }
  else
    path = g_strdup (round_trip_paths[_i]);
  g_autofree char *shown = show (path);
  g_auto (GStrv) parts = g_strsplit (path, "/", -1);
  g_autoptr (GPtrArray) segs = g_ptr_array_new ();
  for (char **p = parts; *p != NULL; p++)
    if (**p != '\0')
      g_ptr_array_add (segs, *p);

  g_autofree char *page = page_of ("T", NULL, path);
  g_autofree char *nav = between (page, NAV_OPEN, NAV_CLOSE);
  ck_assert_msg (nav != NULL, "%s: no nav", shown);
  ck_assert_msg (count (nav, "<li>") + count (nav, "<li ") == segs->len + 1,
                 "%s: %u crumbs for %u segments", shown, count (nav, "<li"), segs->len);
  ck_assert_msg (count (nav, "<a href=\"") == segs->len && count (nav, "aria-current") == 1,
                 "%s: %u links, %u current", shown, count (nav, "<a href=\""),
                 count (nav, "aria-current"));

  const char *p = strstr (nav, "<a href=\"");
  g_autoptr (GString) want_rel = g_string_new (NULL);
  for (guint i = 0; i < segs->len; i++)
    {
      /* Link i leads to the directory of the segments before i. */
      ck_assert_msg (p != NULL, "%s: link %u missing", shown, i);
      p += strlen ("<a href=\"");
      const char *href_end = strchr (p, '"');
      const char *text = href_end + 2;
      const char *text_end = strstr (text, "</a>");
      g_autofree char *href = unescape (p, (gsize) (href_end - p));
      g_autofree char *link_text = unescape (text, (gsize) (text_end - text));
      g_autofree char *back = NULL;
      gboolean dir_slash = FALSE;

      ck_assert_msg (href != NULL && link_text != NULL, "%s: link %u: stray '&'", shown, i);
      ck_assert_msg (href[0] == '/' && href[1] != '/', "%s: link %u: href \"%s\"", shown, i, href);
      for (const char *c = href; *c != '\0'; c++)
        ck_assert_msg ((guchar) *c > 0x20 && (guchar) *c < 0x7f && strchr ("\"<>#?\\", *c) == NULL,
                       "%s: link %u: href \"%s\" has byte 0x%02x", shown, i, href, (guchar) *c);
      ck_assert_msg (ds_path_sanitize (href, strlen (href), DS_DOTFILES_ALLOW, &back, &dir_slash)
                         == DS_PATH_OK,
                     "%s: link %u: href \"%s\" refused", shown, i, href);
      g_autofree char *back_shown = show (back);
      ck_assert_msg (strcmp (back, want_rel->str) == 0 && dir_slash,
                     "%s: link %u: href \"%s\" leads to \"%s\" (dir %d)", shown, i, href,
                     back_shown, dir_slash);
      const char *seg = i > 0 ? g_ptr_array_index (segs, i - 1) : NULL;
      g_autofree char *want_text = seg != NULL ? g_utf8_make_valid (seg, -1) : g_strdup ("docserve");
      ck_assert_msg (strcmp (link_text, want_text) == 0, "%s: link %u text \"%s\"", shown, i,
                     link_text);

      if (want_rel->len > 0)
        g_string_append_c (want_rel, '/');
      g_string_append (want_rel, g_ptr_array_index (segs, i));
      p = strstr (text_end, "<a href=\"");
    }
  ck_assert_msg (p == NULL, "%s: a link too many", shown);

  /* The current page, last, is its own segment. */
  g_autofree char *current = between (nav, "<li aria-current=\"page\">", "</li>");
  g_autofree char *current_text = current != NULL ? unescape (current, strlen (current)) : NULL;
  g_autofree char *want_current = g_utf8_make_valid (g_ptr_array_index (segs, segs->len - 1), -1);
  ck_assert_msg (current_text != NULL && strcmp (current_text, want_current) == 0,
                 "%s: current crumb \"%s\"", shown, current);
  ck_assert_msg (g_strrstr (nav, "<li") == strstr (nav, "<li aria-current"),
                 "%s: the current crumb is not the last", shown);
}
END_TEST

static Suite *
page_suite (void)
{
  Suite *s = suite_create ("page");
  TCase *tc;

  tc = tcase_create ("frame");
  tcase_add_test (tc, test_frame);
  tcase_add_loop_test (tc, test_no_resources, 0, G_N_ELEMENTS (no_resource_needles));
  tcase_add_loop_test (tc, test_escape, 0, G_N_ELEMENTS (escape_rows));
  tcase_add_loop_test (tc, test_title, 0, G_N_ELEMENTS (escape_rows));
  tcase_add_loop_test (tc, test_style, 0, G_N_ELEMENTS (style_rows));
  suite_add_tcase (s, tc);

  tc = tcase_create ("crumbs");
  tcase_add_loop_test (tc, test_crumbs_exact, 0, G_N_ELEMENTS (crumb_rows));
  tcase_add_loop_test (tc, test_crumbs_round_trip, 0, G_N_ELEMENTS (round_trip_paths));
  suite_add_tcase (s, tc);

  return s;
}

int
main (void)
{
  SRunner *sr = srunner_create (page_suite ());

  srunner_run_all (sr, CK_NORMAL);
  int failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
