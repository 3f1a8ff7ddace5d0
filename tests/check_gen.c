/* check_gen.c: the reply of a generated page (gen.c): validators, the
 * §13.2.2 evaluation, the Content-Security-Policy, and the built-in assets
 * (assets.c) that are served through it. */
#include "config.h"

#include "docserve/assets.h"
#include "docserve/gen.h"
#include "docserve/site.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#define NOW ((gint64) 1700000000)
#define LM ((gint64) 1600000000)
#define LM_DATE "Sun, 13 Sep 2020 12:26:40 GMT"

static const char body_text[] = "<p>generated</p>\n";

static void
reply_for (const DsRequest *req, const DsGenMeta *meta, DsReply *reply)
{
  DsSite site = { 0 };
  g_autoptr (GBytes) body = g_bytes_new_static (body_text, strlen (body_text));

  ds_reply_init (reply);
  ds_gen_reply (&site, req, meta, body, NOW, reply);
}

static char *
etag_of (const DsGenMeta *meta)
{
  const DsRequest req = { .method = "GET" };
  DsReply reply;

  reply_for (&req, meta, &reply);
  char *etag = g_strdup (ds_reply_get_header (&reply, "ETag"));
  ds_reply_clear (&reply);
  return etag;
}

START_TEST (test_ok_headers)
{
  const DsRequest req = { .method = "GET" };
  const DsGenMeta meta = { .content_type = "text/html; charset=utf-8", .etag_seed = "seed",
                           .last_modified = LM, .vary = "Accept" };
  DsReply reply;

  reply_for (&req, &meta, &reply);
  ck_assert_uint_eq (reply.status, 200);
  ck_assert_int_eq (reply.body, DS_BODY_BUFFER);
  ck_assert_uint_eq (reply.buf_len, strlen (body_text));
  ck_assert (memcmp (reply.buf, body_text, reply.buf_len) == 0);
  ck_assert_str_eq (ds_reply_get_header (&reply, "Content-Type"), "text/html; charset=utf-8");
  ck_assert_str_eq (ds_reply_get_header (&reply, "Last-Modified"), LM_DATE);
  ck_assert_str_eq (ds_reply_get_header (&reply, "Vary"), "Accept");
  ck_assert_str_eq (ds_reply_get_header (&reply, "Cache-Control"), "no-cache");
  ck_assert_str_eq (ds_reply_get_header (&reply, "Content-Security-Policy"),
                    DS_GEN_CSP_NO_SCRIPTS);
  ck_assert_ptr_null (ds_reply_get_header (&reply, "Accept-Ranges"));
  const char *etag = ds_reply_get_header (&reply, "ETag");
  ck_assert_uint_eq (strlen (etag), 35);
  ck_assert (g_str_has_prefix (etag, "\"g") && g_str_has_suffix (etag, "\""));
  ds_reply_clear (&reply);
}
END_TEST

START_TEST (test_csp_scripts)
{
  const DsRequest req = { .method = "GET" };
  const DsGenMeta with = { .content_type = "text/html", .scripts = TRUE };
  const DsGenMeta without = { .content_type = "text/html", .scripts = FALSE };
  DsReply reply;

  reply_for (&req, &with, &reply);
  ck_assert (strstr (ds_reply_get_header (&reply, "Content-Security-Policy"),
                     "script-src 'self'") != NULL);
  ds_reply_clear (&reply);
  reply_for (&req, &without, &reply);
  const char *csp = ds_reply_get_header (&reply, "Content-Security-Policy");
  /* default-src 'none' then covers scripts: none run. */
  ck_assert (strstr (csp, "script-src") == NULL);
  ck_assert (g_str_has_prefix (csp, "default-src 'none';"));
  ds_reply_clear (&reply);
}
END_TEST

START_TEST (test_etag_inputs)
{
  const DsGenMeta a = { .content_type = "text/html", .etag_seed = "file 1 mtime 5" };
  const DsGenMeta b = { .content_type = "text/html", .etag_seed = "file 1 mtime 6" };
  const DsGenMeta hashed = { .content_type = "text/html" };
  g_autofree char *ea = etag_of (&a), *ea2 = etag_of (&a), *eb = etag_of (&b);
  g_autofree char *eh = etag_of (&hashed);
  g_autoptr (GBytes) other = g_bytes_new_static ("x", 1);
  g_autoptr (GBytes) same = g_bytes_new_static (body_text, strlen (body_text));
  g_autofree char *eo = ds_gen_etag (NULL, other), *es = ds_gen_etag (NULL, same);

  ck_assert_str_eq (ea, ea2);
  ck_assert_str_ne (ea, eb);
  ck_assert_str_ne (ea, eh);
  ck_assert_str_eq (eh, es); /* no seed: the body decides */
  ck_assert_str_ne (eh, eo);
}
END_TEST

typedef struct
{
  const char *if_match, *if_none_match, *if_modified_since, *if_unmodified_since;
  gint64 last_modified;
  guint want;
} CondRow;

/* "T" stands for the page's own ETag. */
static const CondRow cond_rows[] = {
  { NULL, "T", NULL, NULL, 0, 304 },
  { NULL, "W/T", NULL, NULL, 0, 304 }, /* weak comparison */
  { NULL, "*", NULL, NULL, 0, 304 },
  { NULL, "\"other\"", NULL, NULL, 0, 200 },
  { NULL, "\"other\", T", NULL, NULL, 0, 304 },
  { "T", NULL, NULL, NULL, 0, 200 },
  { "\"other\"", NULL, NULL, NULL, 0, 412 },
  { NULL, NULL, LM_DATE, NULL, LM, 304 },
  { NULL, NULL, "Sat, 12 Sep 2020 12:26:40 GMT", NULL, LM, 200 },
  { NULL, NULL, LM_DATE, NULL, 0, 200 }, /* no Last-Modified: the date is ignored */
  { NULL, "\"other\"", LM_DATE, NULL, LM, 200 }, /* If-None-Match wins (§13.2.2) */
  { NULL, NULL, NULL, "Sat, 12 Sep 2020 12:26:40 GMT", LM, 412 },
  { NULL, NULL, NULL, LM_DATE, LM, 200 },
};

static char *
with_tag (const char *field, const char *etag)
{
  if (field == NULL)
    return NULL;
  g_auto (GStrv) parts = g_strsplit (field, "T", -1);
  return g_strjoinv (etag, parts);
}

START_TEST (test_conditions)
{
  const CondRow *row = &cond_rows[_i];
  const DsGenMeta meta = { .content_type = "text/html", .etag_seed = "s",
                           .last_modified = row->last_modified };
  g_autofree char *etag = etag_of (&meta);
  g_autofree char *im = with_tag (row->if_match, etag);
  g_autofree char *inm = with_tag (row->if_none_match, etag);
  const DsRequest req = { .method = "GET", .if_match = im, .if_none_match = inm,
                          .if_modified_since = row->if_modified_since,
                          .if_unmodified_since = row->if_unmodified_since };
  DsReply reply;

  reply_for (&req, &meta, &reply);
  ck_assert_msg (reply.status == row->want, "row %d: status %u, want %u", _i, reply.status,
                 row->want);
  if (reply.status == 304)
    {
      /* The 200's length, so that the server sends its Content-Length. */
      ck_assert_int_eq (reply.body, DS_BODY_BUFFER);
      ck_assert_uint_eq (reply.buf_len, strlen (body_text));
      ck_assert_str_eq (ds_reply_get_header (&reply, "ETag"), etag);
      ck_assert_ptr_null (ds_reply_get_header (&reply, "Content-Security-Policy"));
    }
  ds_reply_clear (&reply);
}
END_TEST

/* ---- assets -------------------------------------------------------------- */

START_TEST (test_asset_lookup)
{
  g_autoptr (GBytes) icon = ds_assets_lookup ("favicon.svg");
  gsize len = 0;

  ck_assert_ptr_nonnull (icon);
  const char *data = g_bytes_get_data (icon, &len);
  ck_assert (len > 10 && g_str_has_prefix (data, "<svg "));
  static const char *const missing[] = { "", "nope.js", "favicon.svg/", "/favicon.svg",
                                         "../favicon.svg", "docserve.gresource.xml" };
  for (gsize i = 0; i < G_N_ELEMENTS (missing); i++)
    {
      g_autoptr (GBytes) b = ds_assets_lookup (missing[i]);
      ck_assert_msg (b == NULL, "\"%s\" found", missing[i]);
    }
}
END_TEST

START_TEST (test_asset_types)
{
  ck_assert_str_eq (ds_assets_type ("favicon.svg"), "image/svg+xml");
  ck_assert_str_eq (ds_assets_type ("reload.js"), "text/javascript; charset=utf-8");
  ck_assert_str_eq (ds_assets_type ("a.css"), "text/css; charset=utf-8");
  ck_assert_str_eq (ds_assets_type ("x"), "application/octet-stream");
}
END_TEST

static Suite *
gen_suite (void)
{
  Suite *s = suite_create ("gen");
  TCase *tc = tcase_create ("reply");

  tcase_add_test (tc, test_ok_headers);
  tcase_add_test (tc, test_csp_scripts);
  tcase_add_test (tc, test_etag_inputs);
  tcase_add_loop_test (tc, test_conditions, 0, G_N_ELEMENTS (cond_rows));
  suite_add_tcase (s, tc);
  tc = tcase_create ("assets");
  tcase_add_test (tc, test_asset_lookup);
  tcase_add_test (tc, test_asset_types);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  SRunner *sr = srunner_create (gen_suite ());

  srunner_run_all (sr, CK_NORMAL);
  int failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
