/* check_httpdate.c: HTTP-date format/parse (RFC 9110 §5.6.7).
 *
 * Every parse goes through an exact-length heap copy without a trailing
 * NUL, so ASan reports any read past @len. */
#include "config.h"

#include "docserve/httpdate.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* 2024-06-01T00:00:00Z: "now" for most rows. */
#define NOW G_GINT64_CONSTANT (1717200000)
/* 2090-06-01T00:00:00Z: for rfc850 rows in the next century. */
#define NOW_2090 G_GINT64_CONSTANT (3799958400)
#define T_1994 G_GINT64_CONSTANT (784111777) /* Sun, 06 Nov 1994 08:49:37 */
#define T_MIN G_GINT64_CONSTANT (-62167219200) /* 0000-01-01T00:00:00 */
#define T_MAX G_GINT64_CONSTANT (253402300799) /* 9999-12-31T23:59:59 */

/* Parses exactly @len bytes of @s from a heap copy with no NUL after it. */
static gboolean
parse_exact (const char *s, gsize len, gint64 now, gint64 *out_t)
{
  g_autofree char *copy = g_memdup2 (s, len);

  return ds_httpdate_parse (copy, len, now, out_t);
}

/* ---- ds_httpdate_format ---- */

static const struct
{
  gint64 t;
  const char *want;
} format_rows[] = {
  { 0, "Thu, 01 Jan 1970 00:00:00 GMT" },
  { T_1994, "Sun, 06 Nov 1994 08:49:37 GMT" },
  /* one second before the epoch: needs floor division, not truncation */
  { -1, "Wed, 31 Dec 1969 23:59:59 GMT" },
  { 951782400, "Tue, 29 Feb 2000 00:00:00 GMT" },
  { -2208988800, "Mon, 01 Jan 1900 00:00:00 GMT" },
  { G_GINT64_CONSTANT (-2147483648), "Fri, 13 Dec 1901 20:45:52 GMT" },
  /* past the 32-bit time_t limit */
  { G_GINT64_CONSTANT (2147483648), "Tue, 19 Jan 2038 03:14:08 GMT" },
  { G_GINT64_CONSTANT (-62135596800), "Mon, 01 Jan 0001 00:00:00 GMT" },
  /* year 0 exists in the proleptic Gregorian calendar and is a leap year */
  { T_MIN, "Sat, 01 Jan 0000 00:00:00 GMT" },
  /* below year 0: clamped */
  { T_MIN - 1, "Sat, 01 Jan 0000 00:00:00 GMT" },
  { G_MININT64, "Sat, 01 Jan 0000 00:00:00 GMT" },
  { T_MAX, "Fri, 31 Dec 9999 23:59:59 GMT" },
  /* above year 9999: clamped, no overflow at the extreme */
  { T_MAX + 1, "Fri, 31 Dec 9999 23:59:59 GMT" },
  { G_MAXINT64, "Fri, 31 Dec 9999 23:59:59 GMT" },
};

START_TEST (test_format)
{
  char out[DS_HTTPDATE_LEN];

  memset (out, 'X', sizeof out);
  ds_httpdate_format (format_rows[_i].t, out);
  ck_assert_msg (strcmp (out, format_rows[_i].want) == 0,
                 "format (%" G_GINT64_FORMAT ") = \"%s\", want \"%s\"",
                 format_rows[_i].t, out, format_rows[_i].want);
}
END_TEST

static const char *const oracle_days[7] = {
  "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"
};
static const char *const oracle_months[12] = {
  "Jan", "Feb", "Mar", "Apr", "May", "Jun",
  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"
};

/* Checks format against gmtime_r and parse (format (t)) == t. */
static void
check_round_trip (gint64 t)
{
  char out[DS_HTTPDATE_LEN];
  char want[64];
  struct tm tm;
  time_t tt = (time_t) t;
  gint64 back = G_MININT64;

  ck_assert_msg (gmtime_r (&tt, &tm) != NULL, "gmtime_r (%" G_GINT64_FORMAT ")", t);
  g_snprintf (want, sizeof want, "%s, %02d %s %04d %02d:%02d:%02d GMT",
              oracle_days[tm.tm_wday], tm.tm_mday, oracle_months[tm.tm_mon],
              tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
  ds_httpdate_format (t, out);
  ck_assert_msg (strcmp (out, want) == 0,
                 "format (%" G_GINT64_FORMAT ") = \"%s\", gmtime_r says \"%s\"",
                 t, out, want);
  ck_assert_msg (parse_exact (out, strlen (out), NOW, &back) && back == t,
                 "parse (\"%s\") = %" G_GINT64_FORMAT ", want %" G_GINT64_FORMAT,
                 out, back, t);
}

START_TEST (test_round_trip_range)
{
  /* An odd step (not a multiple of a day or an hour) sweeps all fields
   * across the whole range, about 80000 samples. */
  const gint64 step = G_GINT64_CONSTANT (86400) * 45 + 3607;

  for (gint64 t = T_MIN; t <= T_MAX; t += step)
    check_round_trip (t);
  check_round_trip (T_MAX);
}
END_TEST

START_TEST (test_round_trip_edges)
{
  /* Every day (at 23:59:59) for six years from 1899-01-01, 1996-01-01
   * and 1968-11-27: non-leap 1900, leap 1904/1996/2000, the epoch. */
  static const gint64 starts[] = { -2240524800, 820454400, -86400 * 400 };

  for (gsize k = 0; k < G_N_ELEMENTS (starts); k++)
    for (gint64 d = 0; d < 6 * 366; d++)
      check_round_trip (starts[k] + d * 86400 + 86399);
  for (gint64 t = -100; t <= 100; t++)
    check_round_trip (t);
}
END_TEST

/* ---- ds_httpdate_parse ---- */

typedef struct
{
  const char *s;
  gsize len; /* 0: strlen (s) */
  gint64 now;
  gint64 want;
} ParseRow;

static const ParseRow parse_ok_rows[] = {
  { "Sun, 06 Nov 1994 08:49:37 GMT", 0, NOW, T_1994 },
  { "Sunday, 06-Nov-94 08:49:37 GMT", 0, NOW, T_1994 },
  { "Sun Nov  6 08:49:37 1994", 0, NOW, T_1994 },
  /* asctime date3 allows 2DIGIT too */
  { "Sun Nov 06 08:49:37 1994", 0, NOW, T_1994 },
  /* lenient: asctime with one SP before a one-digit day */
  { "Sun Nov 6 08:49:37 1994", 0, NOW, T_1994 },
  { "Sun Nov 16 08:49:37 1994", 0, NOW, T_1994 + 10 * 86400 },
  /* the day name need not be the right weekday (Nov 6 1994 was a Sunday) */
  { "Mon, 06 Nov 1994 08:49:37 GMT", 0, NOW, T_1994 },
  { "Wednesday, 06-Nov-94 08:49:37 GMT", 0, NOW, T_1994 },
  /* surrounding OWS (SP, HTAB) is skipped */
  { " \t Sun, 06 Nov 1994 08:49:37 GMT\t ", 0, NOW, T_1994 },
  /* only @len bytes count: the junk after them is never read */
  { "Sun, 06 Nov 1994 08:49:37 GMTjunk", 29, NOW, T_1994 },
  { "Thu, 01 Jan 1970 00:00:00 GMT", 0, NOW, 0 },
  { "Wed, 31 Dec 1969 23:59:59 GMT", 0, NOW, -1 },
  { "Wed, 28 Feb 1900 23:59:59 GMT", 0, NOW, -2203891201 },
  /* leap years: divisible by 400, and by 4 */
  { "Tue, 29 Feb 2000 00:00:00 GMT", 0, NOW, 951782400 },
  { "Thu, 29 Feb 2024 12:00:00 GMT", 0, NOW, 1709208000 },
  { "Thu Feb 29 12:00:00 2024", 0, NOW, 1709208000 },
  { "Tuesday, 29-Feb-00 00:00:00 GMT", 0, NOW, 951782400 },
  { "Sat, 01 Jan 0000 00:00:00 GMT", 0, NOW, T_MIN },
  { "Fri, 31 Dec 9999 23:59:59 GMT", 0, NOW, T_MAX },
  /* leap second: read as :59 */
  { "Sat, 31 Dec 2016 23:59:60 GMT", 0, NOW, 1483228799 },
  /* rfc850 two-digit years, now = 2024: window 1975..2074.  "70" is 46
   * years ahead, not more than 50, so it is 2070, not 1970. */
  { "Thursday, 01-Jan-70 00:00:00 GMT", 0, NOW, 3155760000 },
  /* exactly 50 years ahead stays in this century */
  { "Monday, 01-Jan-74 00:00:00 GMT", 0, NOW, 3281990400 },
  /* 51 years ahead: previous century */
  { "Wednesday, 01-Jan-75 00:00:00 GMT", 0, NOW, 157766400 },
  /* now = 2090: window 2041..2140, so "10" is 2110, not 2010 */
  { "Monday, 01-Jan-10 00:00:00 GMT", 0, NOW_2090, 4417977600 },
  { "Tuesday, 01-Jan-41 00:00:00 GMT", 0, NOW_2090, 2240611200 },
  { "Sunday, 01-Jan-40 00:00:00 GMT", 0, NOW_2090, 5364662400 },
  /* now = 1970: window 1921..2020 */
  { "Sunday, 06-Nov-94 08:49:37 GMT", 0, 0, T_1994 },
};

START_TEST (test_parse_ok)
{
  const ParseRow *r = &parse_ok_rows[_i];
  gsize len = r->len != 0 ? r->len : strlen (r->s);
  gint64 t = G_MININT64;

  ck_assert_msg (parse_exact (r->s, len, r->now, &t),
                 "parse (\"%.*s\") failed", (int) len, r->s);
  ck_assert_msg (t == r->want,
                 "parse (\"%.*s\", now %" G_GINT64_FORMAT ") = %" G_GINT64_FORMAT
                 ", want %" G_GINT64_FORMAT, (int) len, r->s, r->now, t, r->want);
}
END_TEST

static const ParseRow parse_bad_rows[] = {
  { "", 0, NOW, 0 },
  { " \t ", 0, NOW, 0 },
  { "Sun, 32 Nov 1994 08:49:37 GMT", 0, NOW, 0 },
  /* November has 30 days */
  { "Wed, 31 Nov 1994 08:49:37 GMT", 0, NOW, 0 },
  { "Sun, 00 Nov 1994 08:49:37 GMT", 0, NOW, 0 },
  /* 1900 is not a leap year (divisible by 100, not by 400) */
  { "Thu, 29 Feb 1900 00:00:00 GMT", 0, NOW, 0 },
  { "Wed, 29 Feb 2023 00:00:00 GMT", 0, NOW, 0 },
  { "Thursday, 29-Feb-01 00:00:00 GMT", 0, NOW, 0 },
  { "Foo, 06 Nov 1994 08:49:37 GMT", 0, NOW, 0 },
  { "Sun, 06 Nov 1994 24:00:00 GMT", 0, NOW, 0 },
  { "Sun, 06 Nov 1994 23:60:00 GMT", 0, NOW, 0 },
  { "Sun, 06 Nov 1994 23:59:61 GMT", 0, NOW, 0 },
  /* names are case-sensitive (§5.6.7) */
  { "Sun, 06 Nov 1994 08:49:37 gmt", 0, NOW, 0 },
  { "sun, 06 Nov 1994 08:49:37 GMT", 0, NOW, 0 },
  { "SUN, 06 Nov 1994 08:49:37 GMT", 0, NOW, 0 },
  { "Sun, 06 nov 1994 08:49:37 GMT", 0, NOW, 0 },
  { "sunday, 06-Nov-94 08:49:37 GMT", 0, NOW, 0 },
  { "Sun, 06 Xyz 1994 08:49:37 GMT", 0, NOW, 0 },
  { "Sun, 06 Nov 1994 08:49:37", 0, NOW, 0 },
  { "Sun, 06 Nov 1994 08:49:37 UTC", 0, NOW, 0 },
  { "Sun, 06 Nov 1994 08:49:37 +0000", 0, NOW, 0 },
  { "Sun, 06 Nov 1994 08:49:37 GMT x", 0, NOW, 0 },
  { "Sun, 06 Nov 1994 08:49:37 GMTx", 0, NOW, 0 },
  /* a line break is not OWS */
  { "Sun, 06 Nov 1994 08:49:37 GMT\r\n", 0, NOW, 0 },
  /* an embedded NUL inside @len is junk, not an end */
  { "Sun, 06 Nov 1994 08:49:37 GMT\0", 30, NOW, 0 },
  { "Sun, 06 Nov 1994\00008:49:37 GMT", 29, NOW, 0 },
  /* a list of dates is not a date (§13.1.3, §13.1.4) */
  { "Sun, 06 Nov 1994 08:49:37 GMT, Mon, 07 Nov 1994 08:49:37 GMT", 0, NOW, 0 },
  /* fixed widths: no short or long fields, no extra spaces */
  { "Sun, 6 Nov 1994 08:49:37 GMT", 0, NOW, 0 },
  { "Sun, 06 Nov 94 08:49:37 GMT", 0, NOW, 0 },
  { "Sun, 06 Nov 01994 08:49:37 GMT", 0, NOW, 0 },
  { "Sun, 06 Nov 99999999999999999999999 08:49:37 GMT", 0, NOW, 0 },
  { "Sun, 0000000000000000000000006 Nov 1994 08:49:37 GMT", 0, NOW, 0 },
  { "Sun, 06 Nov 1994 8:49:37 GMT", 0, NOW, 0 },
  { "Sun, 06 Nov 1994 08:49:7 GMT", 0, NOW, 0 },
  { "Sun, 06 Nov 1994 08:49:37.5 GMT", 0, NOW, 0 },
  { "Sun,  06 Nov 1994 08:49:37 GMT", 0, NOW, 0 },
  { "Sun,06 Nov 1994 08:49:37 GMT", 0, NOW, 0 },
  { "Sun , 06 Nov 1994 08:49:37 GMT", 0, NOW, 0 },
  { "Sun, 06 Nov 1994 08:49:37  GMT", 0, NOW, 0 },
  { "Sun, 06  Nov 1994 08:49:37 GMT", 0, NOW, 0 },
  { "Sun, 06 Nov -994 08:49:37 GMT", 0, NOW, 0 },
  { "Sun, +6 Nov 1994 08:49:37 GMT", 0, NOW, 0 },
  { "Sun, 06 Nov 1994 08:49:3x GMT", 0, NOW, 0 },
  /* the day-name form must fit the date form */
  { "Sun, 06-Nov-94 08:49:37 GMT", 0, NOW, 0 },
  { "Sunday, 06 Nov 1994 08:49:37 GMT", 0, NOW, 0 },
  { "Sunday Nov  6 08:49:37 1994", 0, NOW, 0 },
  { "Sund, 06 Nov 1994 08:49:37 GMT", 0, NOW, 0 },
  /* rfc850: two-digit year only, GMT required */
  { "Sunday, 06-Nov-1994 08:49:37 GMT", 0, NOW, 0 },
  { "Sunday, 06-Nov-94 08:49:37", 0, NOW, 0 },
  { "Sunday, 6-Nov-94 08:49:37 GMT", 0, NOW, 0 },
  { "Sunday, 06 Nov 94 08:49:37 GMT", 0, NOW, 0 },
  /* asctime: no zone, four-digit year, at most two spaces before the day */
  { "Sun Nov  6 08:49:37 1994 GMT", 0, NOW, 0 },
  { "Sun Nov  6 08:49:37 94", 0, NOW, 0 },
  { "Sun Nov   6 08:49:37 1994", 0, NOW, 0 },
  { "Sun Nov  16 08:49:37 1994", 0, NOW, 0 },
  { "Sun Nov 31 08:49:37 1994", 0, NOW, 0 },
  { "Sun Nov  0 08:49:37 1994", 0, NOW, 0 },
  { "Sun Nov 106 08:49:37 1994", 0, NOW, 0 },
  { "Sun  Nov  6 08:49:37 1994", 0, NOW, 0 },
  { "Sun Nov  6  08:49:37 1994", 0, NOW, 0 },
  /* other date formats */
  { "1994-11-06T08:49:37Z", 0, NOW, 0 },
  { "784111777", 0, NOW, 0 },
  { "yesterday", 0, NOW, 0 },
};

START_TEST (test_parse_bad)
{
  const ParseRow *r = &parse_bad_rows[_i];
  gsize len = r->len != 0 ? r->len : strlen (r->s);
  gint64 t = 12345;

  ck_assert_msg (!parse_exact (r->s, len, r->now, &t),
                 "parse (\"%.*s\") accepted it as %" G_GINT64_FORMAT,
                 (int) len, r->s, t);
}
END_TEST

static const char *const prefix_samples[] = {
  "Sun, 06 Nov 1994 08:49:37 GMT",
  "Sunday, 06-Nov-94 08:49:37 GMT",
  "Sun Nov  6 08:49:37 1994",
  "Sun Nov 16 08:49:37 1994",
  "Sun Nov 6 08:49:37 1994",
};

/* Every proper prefix of a valid date is invalid, and is parsed without
 * reading past its end; the whole string parses. */
START_TEST (test_parse_prefixes)
{
  const char *s = prefix_samples[_i];
  gsize n = strlen (s);
  gint64 t;

  for (gsize len = 0; len < n; len++)
    ck_assert_msg (!parse_exact (s, len, NOW, &t),
                   "prefix \"%.*s\" (%" G_GSIZE_FORMAT " bytes) accepted",
                   (int) len, s, len);
  ck_assert_msg (parse_exact (s, n, NOW, &t), "full \"%s\" rejected", s);
}
END_TEST

/* For every "now" year and every two-digit year, the result has those
 * digits and lies in [year(now) - 49, year(now) + 50]. */
START_TEST (test_rfc850_window)
{
  for (int cy = 1970; cy <= 2200; cy += 7)
    {
      char now_s[64];
      gint64 now;

      g_snprintf (now_s, sizeof now_s, "Mon, 01 Jul %04d 00:00:00 GMT", cy);
      ck_assert_msg (parse_exact (now_s, strlen (now_s), 0, &now), "%s", now_s);
      for (int yy = 0; yy < 100; yy++)
        {
          char s[64];
          char out[DS_HTTPDATE_LEN];
          gint64 t;

          g_snprintf (s, sizeof s, "Monday, 01-Jan-%02d 00:00:00 GMT", yy);
          ck_assert_msg (parse_exact (s, strlen (s), now, &t), "%s", s);
          ds_httpdate_format (t, out);
          int y = atoi (out + 12);
          ck_assert_msg (y % 100 == yy && y >= cy - 49 && y <= cy + 50,
                         "\"%s\" with now in %d gave year %d", s, cy, y);
        }
    }
}
END_TEST

static Suite *
httpdate_suite (void)
{
  Suite *s = suite_create ("httpdate");
  TCase *tc;

  tc = tcase_create ("format");
  tcase_add_loop_test (tc, test_format, 0, G_N_ELEMENTS (format_rows));
  tcase_add_test (tc, test_round_trip_range);
  tcase_add_test (tc, test_round_trip_edges);
  suite_add_tcase (s, tc);

  tc = tcase_create ("parse");
  tcase_add_loop_test (tc, test_parse_ok, 0, G_N_ELEMENTS (parse_ok_rows));
  tcase_add_loop_test (tc, test_parse_bad, 0, G_N_ELEMENTS (parse_bad_rows));
  tcase_add_loop_test (tc, test_parse_prefixes, 0, G_N_ELEMENTS (prefix_samples));
  tcase_add_test (tc, test_rfc850_window);
  suite_add_tcase (s, tc);

  return s;
}

int
main (void)
{
  SRunner *sr = srunner_create (httpdate_suite ());

  srunner_run_all (sr, CK_NORMAL);
  int failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
