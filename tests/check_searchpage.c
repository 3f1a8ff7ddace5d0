/* check_searchpage.c: the search endpoint's pure parts (searchpage.c): the
 * query string, the HTML page (escaping, snippet marks, paging) and the
 * JSON document, and where the index file goes by default. */
#include "config.h"

#include "docserve/searchpage.h"

#include "fuzz/fuzz_common.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

typedef struct
{
  const char *query; /* NULL: none */
  gboolean ok;
  const char *q;
  guint page;
  gboolean prefix;
} ParamRow;

static const ParamRow param_rows[] = {
  { NULL, TRUE, "", 1, FALSE },
  { "", TRUE, "", 1, FALSE },
  { "q=ssl+certificate", TRUE, "ssl certificate", 1, FALSE },
  { "q=a%2Bb%26c%3Dd", TRUE, "a+b&c=d", 1, FALSE },
  { "q=first&q=second", TRUE, "second", 1, FALSE }, /* the last wins */
  { "q=x&page=3&prefix=1", TRUE, "x", 3, TRUE },
  { "q=x&page=0", TRUE, "x", 1, FALSE },
  { "q=x&page=-2", TRUE, "x", 1, FALSE },
  { "q=x&page=2x", TRUE, "x", 1, FALSE },
  { "q=x&page=99999999", TRUE, "x", DS_SEARCHPAGE_MAX_PAGE, FALSE },
  { "q=x&page=9999999999999999999999", TRUE, "x", 1, FALSE }, /* too long: not a page */
  { "q=x&prefix=yes", TRUE, "x", 1, FALSE },
  { "%71=encoded+key", TRUE, "encoded key", 1, FALSE },
  { "qq=no&q", TRUE, "", 1, FALSE }, /* "q" without '=' is an empty q */
  { "format=json&q=%FF", TRUE, "\xff", 1, FALSE },
  { "q=%zz", FALSE, NULL, 1, FALSE },
  { "q=%4", FALSE, NULL, 1, FALSE },
  { "q=%", FALSE, NULL, 1, FALSE },
  { "q=a%00b", FALSE, NULL, 1, FALSE },
  { "other=%G0&q=x", FALSE, NULL, 1, FALSE }, /* strict for every pair */
};

START_TEST (test_params)
{
  const ParamRow *r = &param_rows[_i];
  DsSearchParams p;
  gboolean ok = ds_search_params_parse (r->query, &p);

  ck_assert_msg (ok == r->ok, "%s: ok=%d", r->query, ok);
  if (ok)
    {
      ck_assert_msg (g_strcmp0 (p.q, r->q) == 0 && p.page == r->page && p.prefix == r->prefix,
                     "%s: q \"%s\" page %u prefix %d", r->query, p.q, p.page, p.prefix);
    }
  else
    ck_assert (p.q == NULL);
  ds_search_params_clear (&p);
}
END_TEST

START_TEST (test_params_cap)
{
  g_autoptr (GString) query = g_string_new ("q=");
  for (int i = 0; i < 3 * DS_SEARCHPAGE_MAX_Q; i++)
    g_string_append (query, "%41");
  DsSearchParams p;
  ck_assert (ds_search_params_parse (query->str, &p));
  ck_assert_uint_eq (strlen (p.q), DS_SEARCHPAGE_MAX_Q);
  ds_search_params_clear (&p);
}
END_TEST

/* ---- output ---------------------------------------------------------------- */

static DsSearchResults *
results_of (guint total, guint n)
{
  DsSearchResults *r = g_new0 (DsSearchResults, 1);
  r->hits = g_ptr_array_new ();
  r->total = total;
  r->documents = 100;
  for (guint i = 0; i < n; i++)
    {
      DsSearchHit *h = g_new0 (DsSearchHit, 1);
      h->url = g_strdup_printf ("/d/%u.html?x=<&y=\"", i);
      h->title = g_strdup ("<script>alert(1)</script> & \"t\"");
      h->kind = g_strdup ("html");
      h->size = 10;
      h->mtime = 1700000000;
      h->snippet = g_strdup ("a <b>\001match\002 & \001open \xff");
      g_ptr_array_add (r->hits, h);
    }
  return r;
}

static void
results_free (DsSearchResults *r)
{
  for (guint i = 0; i < r->hits->len; i++)
    {
      DsSearchHit *h = g_ptr_array_index (r->hits, i);
      g_free (h->url);
      g_free (h->title);
      g_free (h->kind);
      g_free (h->snippet);
      g_free (h);
    }
  ds_search_results_free (r);
}

START_TEST (test_html_escapes)
{
  DsSearchParams p = { .q = g_strdup ("<q> \"&"), .page = 2, .prefix = TRUE };
  DsSearchResults *r = results_of (25, 2);
  gsize len = 0;
  g_autofree char *html = ds_searchpage_html ("/.docserve/search", &p, r, TRUE, 100, &len);

  ck_assert_uint_eq (strlen (html), len);
  ck_assert (g_utf8_validate (html, -1, NULL));
  ck_assert_msg (strstr (html, "<script>") == NULL && strstr (html, "<b>") == NULL
                   && strstr (html, "<q>") == NULL,
                 "%s", html);
  ck_assert_msg (strstr (html, "value=\"&lt;q&gt; &quot;&amp;\"") != NULL, "%s", html);
  ck_assert_msg (strstr (html, "<a href=\"/d/0.html?x=&lt;&amp;y=&quot;\">&lt;script&gt;") != NULL,
                 "%s", html);
  /* Marks become <mark>, balanced; the rest escaped; bad bytes replaced. */
  ck_assert_msg (strstr (html, "a &lt;b&gt;<mark>match</mark> &amp; <mark>open \xef\xbf\xbd</mark></p>")
                   != NULL,
                 "%s", html);
  ck_assert_msg (strstr (html, "25 documents match") != NULL && strstr (html, "Page 2 of 3") != NULL,
                 "%s", html);
  ck_assert_msg (strstr (html, "<ol class=\"hits\" start=\"11\">") != NULL, "%s", html);
  ck_assert_msg (strstr (html, "Indexing") != NULL, "%s", html);
  /* Both neighbours, q form-encoded, prefix kept. */
  ck_assert_msg (strstr (html, "href=\"/.docserve/search?q=%3Cq%3E+%22%26&amp;page=1&amp;prefix=1\" "
                               "rel=\"prev\"")
                   != NULL,
                 "%s", html);
  ck_assert_msg (strstr (html, "page=3&amp;prefix=1\" rel=\"next\"") != NULL, "%s", html);
  results_free (r);
  ds_search_params_clear (&p);
}
END_TEST

START_TEST (test_html_states)
{
  DsSearchParams p = { .q = g_strdup (""), .page = 1 };
  g_autofree char *empty = ds_searchpage_html ("/search", &p, NULL, FALSE, 7, NULL);
  ck_assert_msg (strstr (empty, "Type one or more words: 7 documents are indexed.") != NULL
                   && strstr (empty, "Indexing") == NULL,
                 "%s", empty);
  g_free (p.q);
  p.q = g_strdup ("---");
  g_autofree char *none = ds_searchpage_html ("/search", &p, NULL, FALSE, 7, NULL);
  ck_assert_msg (strstr (none, "No words to search for") != NULL, "%s", none);
  DsSearchResults *r = results_of (0, 0);
  g_autofree char *zero = ds_searchpage_html ("/search", &p, r, FALSE, 7, NULL);
  ck_assert_msg (strstr (zero, "No documents match") != NULL, "%s", zero);
  results_free (r);
  r = results_of (1, 1);
  g_autofree char *one = ds_searchpage_html ("/search", &p, r, FALSE, 7, NULL);
  ck_assert_msg (strstr (one, "1 document matches") != NULL && strstr (one, "rel=\"next\"") == NULL,
                 "%s", one);
  results_free (r);
  ds_search_params_clear (&p);
}
END_TEST

START_TEST (test_json)
{
  DsSearchParams p = { .q = g_strdup ("a\"\\\x01\xff"), .page = 1 };
  DsSearchResults *r = results_of (2, 2);
  gsize len = 0;
  g_autofree char *js = ds_searchpage_json (&p, r, FALSE, 100, &len);
  int keys = -1;

  ck_assert_uint_eq (strlen (js), len);
  ck_assert_msg (fuzz_json_valid (js, len, &keys) && keys == 7, "%d keys: %s", keys, js);
  ck_assert_msg (g_str_has_prefix (js, "{\"query\":\"a\\\"\\\\\\u0001\xef\xbf\xbd\","), "%s", js);
  ck_assert_msg (strstr (js, "\"snippet\":\"a <b>match & open \xef\xbf\xbd\"") != NULL, "%s", js);
  ck_assert_msg (strstr (js, "\"snippet_html\":\"a &lt;b&gt;<mark>match</mark>") != NULL, "%s", js);
  ck_assert_msg (strstr (js, "\"mtime\":\"2023-11-14T22:13:20Z\"") != NULL, "%s", js);
  results_free (r);

  g_autofree char *empty = ds_searchpage_json (&p, NULL, TRUE, 42, &len);
  ck_assert_msg (fuzz_json_valid (empty, len, &keys) && keys == 7
                   && strstr (empty, "\"indexing\":true") != NULL
                   && strstr (empty, "\"documents\":42,") != NULL
                   && strstr (empty, "\"results\":[]") != NULL,
                 "%s", empty);
  ds_search_params_clear (&p);
}
END_TEST

START_TEST (test_urls)
{
  g_autoptr (DsConf) conf = ds_conf_new_default ();

  ck_assert_ptr_null (ds_search_url (conf));
  conf->search = TRUE;
  ck_assert_str_eq (ds_search_url (conf), "/.docserve/search");
  conf->system_docs = TRUE;
  ck_assert_str_eq (ds_search_url (conf), "/search");
  conf->search = FALSE;
  ck_assert_str_eq (ds_search_url (conf), "/search"); /* on by default */
  conf->search_off = TRUE;
  ck_assert_ptr_null (ds_search_url (conf));
  conf->system_docs = FALSE;
  ck_assert_ptr_null (ds_search_url (conf));
  conf->search_off = FALSE;
  conf->system_docs = TRUE;

  g_setenv ("XDG_CACHE_HOME", "/nonexistent-cache", TRUE);
  g_autofree char *a = ds_search_default_index (conf);
  conf->system_docs = FALSE;
  g_autofree char *b = ds_search_default_index (conf);
  ck_assert_msg (g_str_has_prefix (a, "/nonexistent-cache/docserve/") && g_str_has_suffix (a, ".sqlite")
                   && strlen (a) == strlen ("/nonexistent-cache/docserve/") + 16 + 7,
                 "%s", a);
  /* Another URL, another file. */
  ck_assert_str_ne (a, b);
  /* In the portal, another set of man or info roots, another file. */
  conf->system_docs = TRUE;
  g_autofree char *a2 = ds_search_default_index (conf);
  ck_assert_str_eq (a, a2);
  g_free (conf->man_path);
  conf->man_path = g_strdup ("/opt/man");
  g_autofree char *c = ds_search_default_index (conf);
  ck_assert_str_ne (a, c);
  g_free (conf->info_path);
  conf->info_path = g_strdup ("/opt/info");
  g_autofree char *e = ds_search_default_index (conf);
  ck_assert_str_ne (c, e);
}
END_TEST

static Suite *
searchpage_suite (void)
{
  Suite *s = suite_create ("searchpage");
  TCase *tc;

  tc = tcase_create ("params");
  tcase_add_loop_test (tc, test_params, 0, G_N_ELEMENTS (param_rows));
  tcase_add_test (tc, test_params_cap);
  suite_add_tcase (s, tc);

  tc = tcase_create ("output");
  tcase_add_test (tc, test_html_escapes);
  tcase_add_test (tc, test_html_states);
  tcase_add_test (tc, test_json);
  tcase_add_test (tc, test_urls);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  SRunner *sr = srunner_create (searchpage_suite ());

  srunner_run_all (sr, CK_NORMAL);
  int failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
