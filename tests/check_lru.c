/* check_lru.c: the bounded LRU cache (lru.c): hits, replacement, eviction
 * order by use, the byte bound, references kept by readers. */
#include "config.h"

#include "docserve/lru.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

static DsLru *
make (gsize max)
{
  return ds_lru_new (max, (DsLruRefFunc) g_bytes_ref, (GDestroyNotify) g_bytes_unref);
}

static void
put (DsLru *lru, const char *key, const char *text)
{
  g_autoptr (GBytes) b = g_bytes_new (text, strlen (text));
  ds_lru_put (lru, key, b, strlen (text));
}

static gboolean
has (DsLru *lru, const char *key, const char *text)
{
  g_autoptr (GBytes) b = ds_lru_get (lru, key);
  if (b == NULL)
    return text == NULL;
  gsize n;
  const char *d = g_bytes_get_data (b, &n);
  return text != NULL && n == strlen (text) && memcmp (d, text, n) == 0;
}

START_TEST (test_hit_and_replace)
{
  g_autoptr (DsLru) lru = make (100);
  ck_assert (has (lru, "a", NULL));
  put (lru, "a", "one");
  ck_assert (has (lru, "a", "one"));
  put (lru, "a", "three");
  ck_assert (has (lru, "a", "three"));
  guint n;
  gsize bytes;
  ds_lru_stats (lru, &n, &bytes);
  ck_assert_uint_eq (n, 1);
  ck_assert_uint_eq (bytes, 5);
}
END_TEST

START_TEST (test_evicts_least_recent)
{
  g_autoptr (DsLru) lru = make (10);
  put (lru, "a", "aaaa");
  put (lru, "b", "bbbb");
  ck_assert (has (lru, "a", "aaaa")); /* a is now the most recent */
  put (lru, "c", "cccc");             /* 12 > 10: b goes */
  ck_assert (has (lru, "b", NULL));
  ck_assert (has (lru, "a", "aaaa"));
  ck_assert (has (lru, "c", "cccc"));
  put (lru, "big", "01234567890"); /* larger than the bound: not stored */
  ck_assert (has (lru, "big", NULL));
  ck_assert (has (lru, "a", "aaaa"));
  put (lru, "d", "dddddddddd"); /* exactly the bound: everything else goes */
  ck_assert (has (lru, "a", NULL) && has (lru, "c", NULL) && has (lru, "d", "dddddddddd"));
}
END_TEST

START_TEST (test_reader_keeps_value)
{
  g_autoptr (DsLru) lru = make (4);
  put (lru, "a", "aaaa");
  g_autoptr (GBytes) held = ds_lru_get (lru, "a");
  put (lru, "b", "bbbb"); /* evicts a while it is held */
  ck_assert (has (lru, "a", NULL));
  gsize n;
  const char *d = g_bytes_get_data (held, &n);
  ck_assert (n == 4 && memcmp (d, "aaaa", 4) == 0);
}
END_TEST

static Suite *
lru_suite (void)
{
  Suite *s = suite_create ("lru");
  TCase *tc = tcase_create ("lru");
  tcase_add_test (tc, test_hit_and_replace);
  tcase_add_test (tc, test_evicts_least_recent);
  tcase_add_test (tc, test_reader_keeps_value);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  SRunner *sr = srunner_create (lru_suite ());
  srunner_run_all (sr, CK_NORMAL);
  int failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
