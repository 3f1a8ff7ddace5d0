/* check_changes.c: the --watch change aggregator (changes.c) on a fake
 * clock: settling, the bound on waiting, overflow, the history for
 * reconnecting clients, and the event text. */
#include "config.h"

#include "docserve/changes.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#define MS 1000
#define SETTLE (150 * MS)
#define MAX_WAIT (2000 * MS)

static char *
joined (char **v)
{
  return v != NULL ? g_strjoinv (" ", v) : g_strdup ("(all)");
}

/* One burst: settles 150 ms after its last change, as one generation. */
START_TEST (test_burst_settles_once)
{
  g_autoptr (DsChanges) c = ds_changes_new (SETTLE, MAX_WAIT, 100, 8);

  ck_assert_int_eq (ds_changes_deadline (c), -1);
  ck_assert (!ds_changes_settle (c, 10 * 1000 * MS));
  for (int i = 0; i < 50; i++)
    {
      g_autofree char *url = g_strdup_printf ("/f%02d.html", i % 10);
      ds_changes_note (c, url, 1000 * MS + i * 10 * MS);
      /* Never settles while the writes keep coming within 150 ms. */
      ck_assert (!ds_changes_settle (c, 1000 * MS + i * 10 * MS + 5 * MS));
    }
  gint64 last = 1000 * MS + 49 * 10 * MS;
  ck_assert_int_eq (ds_changes_deadline (c), last + SETTLE);
  ck_assert (!ds_changes_settle (c, last + SETTLE - 1));
  ck_assert (ds_changes_settle (c, last + SETTLE));
  ck_assert_uint_eq (ds_changes_generation (c), 1);
  ck_assert_int_eq (ds_changes_deadline (c), -1);
  ck_assert (!ds_changes_settle (c, last + 10 * SETTLE));

  gboolean all = TRUE;
  g_auto (GStrv) urls = ds_changes_since (c, 0, &all);
  g_autofree char *s = joined (urls);
  ck_assert (!all);
  ck_assert_str_eq (s, "/f00.html /f01.html /f02.html /f03.html /f04.html /f05.html "
                       "/f06.html /f07.html /f08.html /f09.html");
}
END_TEST

/* A writer that never pauses gets a generation every max_wait. */
START_TEST (test_max_wait)
{
  g_autoptr (DsChanges) c = ds_changes_new (SETTLE, MAX_WAIT, 100, 8);
  guint gens = 0;

  for (gint64 t = 0; t <= 5000 * MS; t += 50 * MS)
    {
      ds_changes_note (c, "/log.txt", t);
      if (ds_changes_settle (c, t))
        gens++;
    }
  /* At 2000 and 4000 ms (each first change at 0, then 2050 ms). */
  ck_assert_uint_eq (gens, 2);
  ck_assert_uint_eq (ds_changes_generation (c), 2);
}
END_TEST

/* Overflow: NULL, or more URLs than max_urls, is "everything". */
START_TEST (test_overflow)
{
  g_autoptr (DsChanges) c = ds_changes_new (SETTLE, MAX_WAIT, 3, 8);
  gboolean all = FALSE;

  ds_changes_note (c, "/a", 0);
  ds_changes_note (c, NULL, 1);
  ds_changes_note (c, "/b", 2);
  ck_assert (ds_changes_settle (c, SETTLE + 2));
  ck_assert (ds_changes_since (c, 0, &all) == NULL);
  ck_assert (all);

  for (int i = 0; i < 3; i++)
    {
      g_autofree char *url = g_strdup_printf ("/u%d", i);
      ds_changes_note (c, url, 1000 * MS);
      ds_changes_note (c, url, 1000 * MS); /* counted once */
    }
  ck_assert (ds_changes_settle (c, 1000 * MS + SETTLE));
  g_auto (GStrv) three = ds_changes_since (c, 1, &all);
  ck_assert (!all);
  ck_assert_uint_eq (g_strv_length (three), 3);

  for (int i = 0; i < 4; i++)
    {
      g_autofree char *url = g_strdup_printf ("/v%d", i);
      ds_changes_note (c, url, 2000 * MS);
    }
  ck_assert (ds_changes_settle (c, 2000 * MS + SETTLE));
  ck_assert (ds_changes_since (c, 2, &all) == NULL);
  ck_assert (all);
}
END_TEST

typedef struct
{
  guint64 since;
  const char *expect; /* joined URLs, "(all)", or "" */
} SinceRow;

/* History of 3 after generations 1..5 of /gN.html each: 3..5 are kept. */
static const SinceRow since_rows[] = {
  { 5, "" },
  { 9, "" }, /* a client ahead of us (we restarted): nothing to send */
  { 4, "/g5.html" },
  { 3, "/g4.html /g5.html" },
  { 2, "/g3.html /g4.html /g5.html" },
  { 1, "(all)" }, /* generation 2 fell out of the history */
  { 0, "(all)" },
};

START_TEST (test_since)
{
  const SinceRow *row = &since_rows[_i];
  g_autoptr (DsChanges) c = ds_changes_new (SETTLE, MAX_WAIT, 100, 3);

  for (int g = 1; g <= 5; g++)
    {
      g_autofree char *url = g_strdup_printf ("/g%d.html", g);
      ds_changes_note (c, url, g * 1000 * MS);
      ck_assert (ds_changes_settle (c, g * 1000 * MS + SETTLE));
    }
  gboolean all = FALSE;
  g_auto (GStrv) urls = ds_changes_since (c, row->since, &all);
  ck_assert ((urls == NULL) == all);
  g_autofree char *s = joined (urls);
  ck_assert_msg (strcmp (s, row->expect) == 0, "since %" G_GUINT64_FORMAT ": \"%s\", want \"%s\"",
                 row->since, s, row->expect);
}
END_TEST

/* An "everything" generation in the range makes the union everything. */
START_TEST (test_since_all_in_range)
{
  g_autoptr (DsChanges) c = ds_changes_new (SETTLE, MAX_WAIT, 100, 8);
  gboolean all = FALSE;

  ds_changes_note (c, NULL, 0);
  ck_assert (ds_changes_settle (c, SETTLE));
  ds_changes_note (c, "/x", 1000 * MS);
  ck_assert (ds_changes_settle (c, 1000 * MS + SETTLE));
  ck_assert (ds_changes_since (c, 0, &all) == NULL && all);
  g_auto (GStrv) one = ds_changes_since (c, 1, &all);
  ck_assert (!all && one != NULL);
  ck_assert_str_eq (one[0], "/x");
}
END_TEST

typedef struct
{
  guint64 gen;
  const char *urls[4];
  gboolean all;
  const char *expect;
} EventRow;

static const EventRow event_rows[] = {
  { 1, { "/a.html", NULL }, FALSE,
    "id: 1\ndata: {\"generation\":1,\"all\":false,\"urls\":[\"/a.html\"]}\n\n" },
  { 7, { "/a", "/b/", NULL }, FALSE,
    "id: 7\ndata: {\"generation\":7,\"all\":false,\"urls\":[\"/a\",\"/b/\"]}\n\n" },
  { 8, { NULL }, TRUE, "id: 8\ndata: {\"generation\":8,\"all\":true,\"urls\":[]}\n\n" },
  /* JSON escapes, and no raw newline can end the data line early. */
  { 9, { "/q\"\\\n", NULL }, FALSE,
    "id: 9\ndata: {\"generation\":9,\"all\":false,\"urls\":[\"/q\\\"\\\\\\u000a\"]}\n\n" },
  { G_MAXUINT64, { NULL }, FALSE,
    "id: 18446744073709551615\ndata: {\"generation\":18446744073709551615,\"all\":false,"
    "\"urls\":[]}\n\n" },
};

START_TEST (test_event)
{
  const EventRow *row = &event_rows[_i];
  g_autofree char *ev = ds_changes_format_event (row->gen, (char *const *) row->urls, row->all);
  g_autofree char *shown = g_strescape (ev, NULL);
  ck_assert_msg (strcmp (ev, row->expect) == 0, "row %d: %s", _i, shown);
}
END_TEST

static Suite *
changes_suite (void)
{
  Suite *s = suite_create ("changes");
  TCase *tc = tcase_create ("core");

  tcase_add_test (tc, test_burst_settles_once);
  tcase_add_test (tc, test_max_wait);
  tcase_add_test (tc, test_overflow);
  tcase_add_loop_test (tc, test_since, 0, G_N_ELEMENTS (since_rows));
  tcase_add_test (tc, test_since_all_in_range);
  tcase_add_loop_test (tc, test_event, 0, G_N_ELEMENTS (event_rows));
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  SRunner *sr = srunner_create (changes_suite ());
  srunner_run_all (sr, CK_NORMAL);
  int failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
