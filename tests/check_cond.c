/* check_cond.c: conditional requests: ETag making and list matching
 * (RFC 9110 §8.8.3), precondition evaluation (§13.1, §13.2.2) and If-Range
 * (§13.1.5). */
#include "config.h"

#include "docserve/cond.h"
#include "docserve/httpdate.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

/* 2024-06-01T00:00:00Z: "now" for most rows. */
#define NOW G_GINT64_CONSTANT (1717200000)
#define T_1994 G_GINT64_CONSTANT (784111777) /* Sun, 06 Nov 1994 08:49:37 */

/* ---- ds_etag_make ---- */

static const struct
{
  guint64 size;
  gint64 mtime_ns;
  const char *want;
} etag_make_rows[] = {
  { 0, 0, "\"0-0\"" },
  { 1234, G_GINT64_CONSTANT (1700000000123456789), "\"4d2-17979cfe3d85cd15\"" },
  /* negative mtime (before 1970): printed as its unsigned 64-bit value */
  { 10, -1, "\"a-ffffffffffffffff\"" },
  { G_MAXUINT64, G_MININT64, "\"ffffffffffffffff-8000000000000000\"" },
};

START_TEST (test_etag_make)
{
  char out[DS_ETAG_LEN];

  ds_etag_make (etag_make_rows[_i].size, etag_make_rows[_i].mtime_ns, out);
  ck_assert_msg (strcmp (out, etag_make_rows[_i].want) == 0,
                 "etag (%" G_GUINT64_FORMAT ", %" G_GINT64_FORMAT ") = %s, want %s",
                 etag_make_rows[_i].size, etag_make_rows[_i].mtime_ns, out,
                 etag_make_rows[_i].want);
}
END_TEST

/* ---- ds_etag_list_match ---- */

static const struct
{
  const char *field;
  const char *etag;
  gboolean weak;
  gboolean want;
} etag_list_rows[] = {
  { "*", "\"a\"", FALSE, TRUE },
  { "*", "\"a\"", TRUE, TRUE },
  { " \t* ", "\"a\"", FALSE, TRUE },
  { "\"a\"", "\"a\"", FALSE, TRUE },
  { "\"a\"", "\"a\"", TRUE, TRUE },
  { "\"4d2-17979cfe3d85cd15\"", "\"4d2-17979cfe3d85cd15\"", FALSE, TRUE },
  { "\"b\"", "\"a\"", TRUE, FALSE },
  /* a weak tag never matches under strong comparison (§8.8.3.2) */
  { "W/\"a\"", "\"a\"", FALSE, FALSE },
  { "W/\"a\"", "\"a\"", TRUE, TRUE },
  { "\"a\", W/\"b\"", "\"b\"", TRUE, TRUE },
  { "\"a\", W/\"b\"", "\"b\"", FALSE, FALSE },
  { "\"a\", W/\"b\"", "\"a\"", FALSE, TRUE },
  { "\"x\",\"y\",\"a\"", "\"a\"", FALSE, TRUE },
  /* empty list elements and OWS are allowed (§5.6.1) */
  { ",,\"a\" ,", "\"a\"", FALSE, TRUE },
  { "  \"x\" ,\t\"a\"  ", "\"a\"", TRUE, TRUE },
  { " , , ", "\"a\"", TRUE, FALSE },
  { "", "\"a\"", TRUE, FALSE },
  /* malformed: unquoted, unterminated, missing comma, bad prefix */
  { "a", "\"a\"", TRUE, FALSE },
  { "\"a", "\"a\"", TRUE, FALSE },
  { "a\"", "\"a\"", TRUE, FALSE },
  { "\"a\" \"b\"", "\"a\"", TRUE, FALSE },
  { "\"a\"x", "\"a\"", TRUE, FALSE },
  /* a malformed element spoils the field even after a matching one */
  { "\"a\", b", "\"a\"", TRUE, FALSE },
  /* "W/" is case-sensitive */
  { "w/\"a\"", "\"a\"", TRUE, FALSE },
  { "W/ \"a\"", "\"a\"", TRUE, FALSE },
  { "W/a", "\"a\"", TRUE, FALSE },
  /* "*" only as the whole field; quoted, it is an ordinary tag */
  { "*, \"a\"", "\"a\"", TRUE, FALSE },
  { "\"a\", *", "\"a\"", TRUE, FALSE },
  { "\"*\"", "\"a\"", TRUE, FALSE },
  /* opaque tags compare octet by octet */
  { "\"A\"", "\"a\"", TRUE, FALSE },
  { "\"ab\"", "\"a\"", TRUE, FALSE },
  { "\"a\"", "\"ab\"", TRUE, FALSE },
  { "\"\"", "\"a\"", TRUE, FALSE },
  /* SP and DQUOTE are not etagc; obs-text is */
  { "\"a b\"", "\"a\"", TRUE, FALSE },
  { "\"\xc3\xa9\"", "\"\xc3\xa9\"", FALSE, TRUE },
  /* etagc has ',' and '\' with no escaping (not a quoted-string), so the
   * list is not split with ds_field_list_next */
  { "\"x,y\", \"a\"", "\"a\"", FALSE, TRUE },
  { "\"x\\\", \"a\"", "\"a\"", FALSE, TRUE },
  { "\"x\\\", \"a\"", "\"x\\\"", FALSE, TRUE },
};

START_TEST (test_etag_list)
{
  gboolean got = ds_etag_list_match (etag_list_rows[_i].field,
                                     etag_list_rows[_i].etag,
                                     etag_list_rows[_i].weak);

  ck_assert_msg (got == etag_list_rows[_i].want,
                 "match ('%s', %s, %s) = %d, want %d",
                 etag_list_rows[_i].field, etag_list_rows[_i].etag,
                 etag_list_rows[_i].weak ? "weak" : "strong", got,
                 etag_list_rows[_i].want);
}
END_TEST

/* ---- ds_cond_evaluate ---- */

#define ETAG "\"a\""
#define MTIME T_1994
#define D_EQ "Sun, 06 Nov 1994 08:49:37 GMT"
#define D_BEFORE "Sun, 06 Nov 1994 08:49:36 GMT"
#define D_AFTER "Sun, 06 Nov 1994 08:49:38 GMT"
#define D_NOW "Sat, 01 Jun 2024 00:00:00 GMT"
#define D_NOW_PLUS_1 "Sat, 01 Jun 2024 00:00:01 GMT"
#define D_BAD "Sun, 06 Nov 1994"

#define PROCEED DS_COND_PROCEED
#define R304 DS_COND_NOT_MODIFIED
#define R412 DS_COND_PRECONDITION_FAILED

static const struct
{
  DsCondFields f; /* if_match, if_none_match, if_modified_since, if_unmodified_since */
  gboolean get_or_head;
  DsCondResult want;
} cond_rows[] = {
  { { NULL, NULL, NULL, NULL }, TRUE, PROCEED },
  /* If-Modified-Since: not modified when mtime <= date */
  { { NULL, NULL, D_EQ, NULL }, TRUE, R304 },
  { { NULL, NULL, D_AFTER, NULL }, TRUE, R304 },
  { { NULL, NULL, D_BEFORE, NULL }, TRUE, PROCEED },
  { { NULL, NULL, "Sunday, 06-Nov-94 08:49:37 GMT", NULL }, TRUE, R304 },
  { { NULL, NULL, "Sun Nov  6 08:49:37 1994", NULL }, TRUE, R304 },
  /* invalid date: ignored (§13.1.3) */
  { { NULL, NULL, D_BAD, NULL }, TRUE, PROCEED },
  { { NULL, NULL, "", NULL }, TRUE, PROCEED },
  /* more than one member: ignored */
  { { NULL, NULL, D_EQ ", " D_EQ, NULL }, TRUE, PROCEED },
  /* a date later than now is invalid (§13.1.3), though mtime <= date */
  { { NULL, NULL, D_NOW_PLUS_1, NULL }, TRUE, PROCEED },
  { { NULL, NULL, D_NOW, NULL }, TRUE, R304 },
  /* only for GET and HEAD */
  { { NULL, NULL, D_EQ, NULL }, FALSE, PROCEED },
  /* If-None-Match: weak comparison */
  { { NULL, ETAG, NULL, NULL }, TRUE, R304 },
  { { NULL, "W/" ETAG, NULL, NULL }, TRUE, R304 },
  { { NULL, "*", NULL, NULL }, TRUE, R304 },
  { { NULL, "\"b\"", NULL, NULL }, TRUE, PROCEED },
  /* a matching If-None-Match on other methods is 412 (§13.1.2) */
  { { NULL, ETAG, NULL, NULL }, FALSE, R412 },
  /* If-None-Match beats If-Modified-Since, either way round */
  { { NULL, "\"b\"", D_EQ, NULL }, TRUE, PROCEED },
  { { NULL, ETAG, D_BEFORE, NULL }, TRUE, R304 },
  /* even a malformed If-None-Match (no match) masks If-Modified-Since */
  { { NULL, "junk", D_EQ, NULL }, TRUE, PROCEED },
  /* If-Match: strong comparison */
  { { ETAG, NULL, NULL, NULL }, TRUE, PROCEED },
  { { "\"b\"", NULL, NULL, NULL }, TRUE, R412 },
  { { "W/" ETAG, NULL, NULL, NULL }, TRUE, R412 },
  { { "*", NULL, NULL, NULL }, TRUE, PROCEED },
  /* present but empty or malformed: nothing matches */
  { { "", NULL, NULL, NULL }, TRUE, R412 },
  { { "a", NULL, NULL, NULL }, TRUE, R412 },
  /* a failing If-Match is 412 even when If-None-Match would give 304 */
  { { "\"b\"", ETAG, NULL, NULL }, TRUE, R412 },
  { { "\"b\"", NULL, D_EQ, NULL }, TRUE, R412 },
  { { ETAG, ETAG, NULL, NULL }, TRUE, R304 },
  { { ETAG, NULL, D_EQ, NULL }, TRUE, R304 },
  /* If-Unmodified-Since: 412 when mtime > date */
  { { NULL, NULL, NULL, D_BEFORE }, TRUE, R412 },
  { { NULL, NULL, NULL, D_EQ }, TRUE, PROCEED },
  { { NULL, NULL, NULL, D_AFTER }, TRUE, PROCEED },
  { { NULL, NULL, NULL, D_BEFORE }, FALSE, R412 },
  /* invalid date: ignored (§13.1.4) */
  { { NULL, NULL, NULL, D_BAD }, TRUE, PROCEED },
  { { NULL, NULL, NULL, D_BEFORE ", " D_BEFORE }, TRUE, PROCEED },
  /* ignored when If-Match is present (§13.1.4) */
  { { ETAG, NULL, NULL, D_BEFORE }, TRUE, PROCEED },
  /* evaluated before If-None-Match (§13.2.2 step 2 before 3) */
  { { NULL, ETAG, NULL, D_BEFORE }, TRUE, R412 },
  { { NULL, NULL, D_EQ, D_BEFORE }, TRUE, R412 },
  { { NULL, NULL, D_EQ, D_EQ }, TRUE, R304 },
  { { NULL, ETAG, NULL, D_EQ }, TRUE, R304 },
};

START_TEST (test_cond)
{
  const DsCondFields *f = &cond_rows[_i].f;
  DsCondResult got = ds_cond_evaluate (f, cond_rows[_i].get_or_head, ETAG,
                                       MTIME, NOW);

  ck_assert_msg (got == cond_rows[_i].want,
                 "row %d: If-Match=%s If-None-Match=%s If-Modified-Since=%s "
                 "If-Unmodified-Since=%s %s: got %d, want %d", _i,
                 f->if_match ? f->if_match : "(none)",
                 f->if_none_match ? f->if_none_match : "(none)",
                 f->if_modified_since ? f->if_modified_since : "(none)",
                 f->if_unmodified_since ? f->if_unmodified_since : "(none)",
                 cond_rows[_i].get_or_head ? "GET" : "other", (int) got,
                 (int) cond_rows[_i].want);
}
END_TEST

/* ---- ds_cond_if_range_ok ---- */

#define IR_ETAG "\"1f-5f5e100\""

static const struct
{
  const char *field;
  const char *etag;
  gint64 last_modified;
  gint64 now;
  gboolean want;
} if_range_rows[] = {
  { NULL, IR_ETAG, T_1994, NOW, TRUE },
  { IR_ETAG, IR_ETAG, T_1994, NOW, TRUE },
  { "\"other\"", IR_ETAG, T_1994, NOW, FALSE },
  /* a weak tag never allows a range, even with the same opaque-tag */
  { "W/" IR_ETAG, IR_ETAG, T_1994, NOW, FALSE },
  { "w/" IR_ETAG, IR_ETAG, T_1994, NOW, FALSE },
  /* the entity-tag comparison is strong even when the file is brand new */
  { IR_ETAG, IR_ETAG, NOW, NOW, TRUE },
  /* OWS around the field value is not part of it */
  { " " IR_ETAG "\t", IR_ETAG, T_1994, NOW, TRUE },
  /* unterminated / prefix / extra characters */
  { "\"1f-5f5e100", IR_ETAG, T_1994, NOW, FALSE },
  { "\"1f-5f5e10\"", IR_ETAG, T_1994, NOW, FALSE },
  { IR_ETAG "x", IR_ETAG, T_1994, NOW, FALSE },
  /* If-Range holds one validator, not a list */
  { IR_ETAG ", \"x\"", IR_ETAG, T_1994, NOW, FALSE },
  { "*", IR_ETAG, T_1994, NOW, FALSE },
  { "\"\"", IR_ETAG, T_1994, NOW, FALSE },
  /* no ETag of our own: no tag can match */
  { IR_ETAG, NULL, T_1994, NOW, FALSE },
  { "Sun, 06 Nov 1994 08:49:37 GMT", IR_ETAG, T_1994, NOW, TRUE },
  /* the obsolete date forms are HTTP-dates too (§5.6.7) */
  { "Sunday, 06-Nov-94 08:49:37 GMT", IR_ETAG, T_1994, NOW, TRUE },
  { "Sun Nov  6 08:49:37 1994", IR_ETAG, T_1994, NOW, TRUE },
  /* exact equality: neither later nor earlier dates match */
  { "Sun, 06 Nov 1994 08:49:38 GMT", IR_ETAG, T_1994, NOW, FALSE },
  { "Sun, 06 Nov 1994 08:49:36 GMT", IR_ETAG, T_1994, NOW, FALSE },
  { "Sun, 06 Nov 1994 08:49:37 GMT", IR_ETAG, T_1994, T_1994 + 1, TRUE },
  /* modified during the current second: Last-Modified is weak */
  { "Sun, 06 Nov 1994 08:49:37 GMT", IR_ETAG, T_1994, T_1994, FALSE },
  /* modified in the future (clock skew): weak as well */
  { "Sun, 06 Nov 1994 08:49:37 GMT", IR_ETAG, T_1994, T_1994 - 100, FALSE },
  { "yesterday", IR_ETAG, T_1994, NOW, FALSE },
  { "", IR_ETAG, T_1994, NOW, FALSE },
  { "Sun, 06 Nov 1994 08:49:37 GMT x", IR_ETAG, T_1994, NOW, FALSE },
  { "784111777", IR_ETAG, T_1994, NOW, FALSE },
};

START_TEST (test_if_range)
{
  const char *field = if_range_rows[_i].field;
  gboolean got = ds_cond_if_range_ok (field, if_range_rows[_i].etag,
                                       if_range_rows[_i].last_modified, if_range_rows[_i].now);

  ck_assert_msg (got == if_range_rows[_i].want,
                 "if_range_ok (\"%s\", etag %s, lm %" G_GINT64_FORMAT ", now %" G_GINT64_FORMAT
                 ") = %d, want %d", field != NULL ? field : "(null)",
                 if_range_rows[_i].etag != NULL ? if_range_rows[_i].etag : "(null)",
                 if_range_rows[_i].last_modified, if_range_rows[_i].now, got,
                 if_range_rows[_i].want);
}
END_TEST

/* The date form produced by ds_httpdate_format() round-trips for any time. */
START_TEST (test_if_range_formatted)
{
  static const gint64 times[] = { 0, T_1994, NOW - 1, G_GINT64_CONSTANT (4102444800) };

  for (guint i = 0; i < G_N_ELEMENTS (times); i++)
    {
      char date[DS_HTTPDATE_LEN];

      ds_httpdate_format (times[i], date);
      ck_assert_msg (ds_cond_if_range_ok (date, IR_ETAG, times[i], times[i] + 1),
                     "if_range_ok (\"%s\", lm %" G_GINT64_FORMAT ") = FALSE", date, times[i]);
      ck_assert_msg (!ds_cond_if_range_ok (date, IR_ETAG, times[i] + 1, times[i] + 2),
                     "if_range_ok (\"%s\", lm %" G_GINT64_FORMAT ") = TRUE", date, times[i] + 1);
    }
}
END_TEST

static Suite *
cond_suite (void)
{
  Suite *s = suite_create ("cond");
  TCase *tc;

  tc = tcase_create ("etag");
  tcase_add_loop_test (tc, test_etag_make, 0, G_N_ELEMENTS (etag_make_rows));
  tcase_add_loop_test (tc, test_etag_list, 0, G_N_ELEMENTS (etag_list_rows));
  suite_add_tcase (s, tc);

  tc = tcase_create ("cond");
  tcase_add_loop_test (tc, test_cond, 0, G_N_ELEMENTS (cond_rows));
  suite_add_tcase (s, tc);

  tc = tcase_create ("if_range");
  tcase_add_loop_test (tc, test_if_range, 0, G_N_ELEMENTS (if_range_rows));
  tcase_add_test (tc, test_if_range_formatted);
  suite_add_tcase (s, tc);

  return s;
}

int
main (void)
{
  SRunner *sr = srunner_create (cond_suite ());

  srunner_run_all (sr, CK_NORMAL);
  int failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
