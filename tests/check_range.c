/* check_range.c: Range parsing and satisfiability (RFC 9110 §14.1, §14.2),
 * If-Range (§13.1.5) and the multipart/byteranges body (§14.6).
 *
 * Multipart bodies are checked three ways: against a literal body written
 * out by hand, against an independently assembled expected body read in
 * many window sizes and positions, and by parsing each body back into its
 * parts.  Files live under a g_dir_make_tmp() directory removed at the end. */
#include "config.h"

#include "docserve/range.h"

#include "docserve/common.h"
#include "docserve/httpdate.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The cleanup idiom from common.h, shortened. */
#define AUTO_FD __attribute__ ((cleanup (ds_fd_cleanup)))

#define GIB G_GUINT64_CONSTANT (1073741824)
#define SIZE_5G (5 * GIB) /* 5368709120 */

/* ---- ds_range_parse: table ---- */

#define ROW_SPANS 4

typedef struct
{
  const char *field;
  guint64 size;
  DsRangeResult want;
  guint n;
  DsRangeSpan spans[ROW_SPANS];
} ParseRow;

#define NONE DS_RANGE_NONE, 0, { { 0, 0 } }
#define UNSAT DS_RANGE_UNSATISFIABLE, 0, { { 0, 0 } }
#define SAT DS_RANGE_SATISFIABLE

static const ParseRow parse_rows[] = {
  { NULL, 10, NONE },
  { "bytes=0-0", 10, SAT, 1, { { 0, 0 } } },
  { "bytes=0-", 10, SAT, 1, { { 0, 9 } } },
  { "bytes=3-5", 10, SAT, 1, { { 3, 5 } } },
  { "bytes=0-9", 10, SAT, 1, { { 0, 9 } } },
  /* last-pos past the end is clipped, not an error */
  { "bytes=5-100", 10, SAT, 1, { { 5, 9 } } },
  { "bytes=9-9", 10, SAT, 1, { { 9, 9 } } },
  /* a zero suffix-length is valid syntax but never satisfiable */
  { "bytes=-0", 10, UNSAT },
  /* first-pos == size: one past the last byte */
  { "bytes=5-", 5, UNSAT },
  { "bytes=5-9", 5, UNSAT },
  { "bytes=4-", 5, SAT, 1, { { 4, 4 } } },
  { "bytes=-3", 10, SAT, 1, { { 7, 9 } } },
  /* suffix longer than the file: the whole file */
  { "bytes=-5", 3, SAT, 1, { { 0, 2 } } },
  { "bytes=-3", 3, SAT, 1, { { 0, 2 } } },
  /* last-pos < first-pos is invalid (§14.1.1), so the field is ignored */
  { "bytes=9-1", 10, NONE },
  /* ...even next to a good range */
  { "bytes=0-1,9-1", 10, NONE },
  /* overflowing last-pos: clipped like any last-pos past the end */
  { "bytes=0-99999999999999999999999", 10, SAT, 1, { { 0, 9 } } },
  /* overflowing first-pos: unsatisfiable, not invalid */
  { "bytes=99999999999999999999999-", 10, UNSAT },
  /* both overflow and are equal: valid, unsatisfiable */
  { "bytes=99999999999999999999999-99999999999999999999999", 10, UNSAT },
  /* both overflow, last < first by one digit: still detected as invalid */
  { "bytes=99999999999999999999999-99999999999999999999998", 10, NONE },
  /* both overflow, last has fewer significant digits (after leading zeros) */
  { "bytes=100000000000000000000-0000099999999999999999999", 10, NONE },
  /* first overflows, last fits: last < first */
  { "bytes=99999999999999999999999-5", 10, NONE },
  /* 2^64 - 1 fits; 2^64 does not, and is > 2^64 - 1 */
  { "bytes=18446744073709551615-", 10, UNSAT },
  { "bytes=0-18446744073709551615", 10, SAT, 1, { { 0, 9 } } },
  { "bytes=18446744073709551616-18446744073709551615", 10, NONE },
  { "bytes=18446744073709551615-18446744073709551616", 10, UNSAT },
  /* overflowing suffix: the whole file */
  { "bytes=-99999999999999999999999", 10, SAT, 1, { { 0, 9 } } },
  /* leading zeros are not overflow */
  { "bytes=000000000000000000000000001-0000000000000000000000000002", 10, SAT, 1,
    { { 1, 2 } } },
  /* the unit is case-insensitive (§14.1) */
  { "BYTES=0-1", 10, SAT, 1, { { 0, 1 } } },
  { "Bytes=0-1", 10, SAT, 1, { { 0, 1 } } },
  { "items=0-1", 10, NONE },
  { "bytesx=0-1", 10, NONE },
  { "byte=0-1", 10, NONE },
  { "bytes 0-1", 10, NONE },
  { "bytes", 10, NONE },
  { "", 10, NONE },
  { "=0-1", 10, NONE },
  /* no OWS before '=': "bytes " is not the token bytes */
  { "bytes =0-1", 10, NONE },
  { "bytes==0-1", 10, NONE },
  /* lenient: OWS after '=' is taken as OWS before the first list element */
  { "bytes= 0-1", 10, SAT, 1, { { 0, 1 } } },
  { "bytes=\t0-1", 10, SAT, 1, { { 0, 1 } } },
  /* leading/trailing OWS of the whole field value are not part of it (§5.5) */
  { " bytes=0-1 ", 10, SAT, 1, { { 0, 1 } } },
  /* empty list elements are allowed by the #rule and are not ranges */
  { "bytes=0-1,,3-4", 10, SAT, 2, { { 0, 1 }, { 3, 4 } } },
  { "bytes=,0-1", 10, SAT, 1, { { 0, 1 } } },
  { "bytes=0-1,", 10, SAT, 1, { { 0, 1 } } },
  { "bytes=, ,\t,0-1, ,", 10, SAT, 1, { { 0, 1 } } },
  { "bytes=0-1, 3-4", 10, SAT, 2, { { 0, 1 }, { 3, 4 } } },
  { "bytes=0-1 ,\t3-4", 10, SAT, 2, { { 0, 1 }, { 3, 4 } } },
  { "bytes=1-2,x", 10, NONE },
  { "bytes=-", 10, NONE },
  /* 1#range-spec: at least one */
  { "bytes=", 10, NONE },
  { "bytes=,", 10, NONE },
  { "bytes= , ", 10, NONE },
  { "bytes=a-b", 10, NONE },
  { "bytes=--1", 10, NONE },
  { "bytes=+1-2", 10, NONE },
  { "bytes=1-+2", 10, NONE },
  { "bytes=-+1", 10, NONE },
  { "bytes=0-1-2", 10, NONE },
  { "bytes=0--1", 10, NONE },
  /* no whitespace inside a range-spec (nginx would accept this one) */
  { "bytes=0 -1", 10, NONE },
  { "bytes=0- 1", 10, NONE },
  { "bytes=- 1", 10, NONE },
  { "bytes=0x1-2", 10, NONE },
  { "bytes=1-2;", 10, NONE },
  { "bytes=1", 10, NONE },
  { "bytes=0-1,-", 10, NONE },
  /* ARABIC-INDIC DIGIT ONE is not a DIGIT */
  { "bytes=\xd9\xa1-2", 10, NONE },
  { "bytes=1-\xd9\xa1", 10, NONE },
  { "bytes=0-1\xff", 10, NONE },
  /* overlapping, total 20 <= 100: returned as requested */
  { "bytes=0-9,5-14", 100, SAT, 2, { { 0, 9 }, { 5, 14 } } },
  /* overlapping, total 200 > 100: amplification, ignored */
  { "bytes=0-99,0-99", 100, NONE },
  { "bytes=0-,0-", 100, NONE },
  /* unordered but disjoint, total <= size: kept in request order */
  { "bytes=50-59,0-9", 100, SAT, 2, { { 50, 59 }, { 0, 9 } } },
  /* adjacent ascending ranges are disjoint: allowed even if total == size */
  { "bytes=0-49,50-99", 100, SAT, 2, { { 0, 49 }, { 50, 99 } } },
  /* a suffix is resolved before the order check: 40-99 then 0-59, total 120 */
  { "bytes=-60,0-59", 100, NONE },
  /* the same byte twice in a 1-byte file: total 2 > 1 */
  { "bytes=0-0,-1", 1, NONE },
  /* an unordered pair whose total is exactly the size is still fine */
  { "bytes=50-99,0-49", 100, SAT, 2, { { 50, 99 }, { 0, 49 } } },
  /* only satisfiable ranges are returned */
  { "bytes=0-1,1000-2000", 10, SAT, 1, { { 0, 1 } } },
  { "bytes=10-,3-4,-0", 10, SAT, 1, { { 3, 4 } } },
  { "bytes=1000-2000,-0", 10, UNSAT },
  /* unsatisfiable ranges do not take part in the order check */
  { "bytes=5-6,20-30,7-8", 10, SAT, 2, { { 5, 6 }, { 7, 8 } } },
  /* zero-size file: always ignored, even "-1" which §14.1.2 calls
   * satisfiable but a 206 cannot express (see range.c) */
  { "bytes=0-", 0, NONE },
  { "bytes=-1", 0, NONE },
  { "bytes=0-0", 0, NONE },
  { "bytes=-0", 0, NONE },
  { "bytes=5-", 0, NONE },
  { "bytes=9-1", 0, NONE },
  /* 64-bit sizes, past 32 bits */
  { "bytes=5368709100-", SIZE_5G, SAT, 1, { { 5368709100, 5368709119 } } },
  { "bytes=-20", SIZE_5G, SAT, 1, { { 5368709100, 5368709119 } } },
  { "bytes=4294967295-4294967296", SIZE_5G, SAT, 1, { { 4294967295, 4294967296 } } },
  { "bytes=0-5368709120", SIZE_5G, SAT, 1, { { 0, 5368709119 } } },
  { "bytes=5368709120-", SIZE_5G, UNSAT },
  { "bytes=0-0,5368709119-", SIZE_5G, SAT, 2, { { 0, 0 }, { 5368709119, 5368709119 } } },
  /* the largest possible size */
  { "bytes=-1", G_MAXUINT64, SAT, 1, { { G_MAXUINT64 - 1, G_MAXUINT64 - 1 } } },
  { "bytes=18446744073709551614-", G_MAXUINT64, SAT, 1,
    { { G_MAXUINT64 - 1, G_MAXUINT64 - 1 } } },
  /* huge overlapping spans whose total would wrap a guint64 */
  { "bytes=0-,0-,0-", G_MAXUINT64, NONE },
};

static const char *
result_name (DsRangeResult r)
{
  switch (r)
    {
    case DS_RANGE_NONE:
      return "NONE";
    case DS_RANGE_SATISFIABLE:
      return "SATISFIABLE";
    case DS_RANGE_UNSATISFIABLE:
      return "UNSATISFIABLE";
    default:
      return "?";
    }
}

START_TEST (test_parse)
{
  const ParseRow *row = &parse_rows[_i];
  g_autofree char *shown = row->field != NULL ? g_strescape (row->field, NULL) : g_strdup ("(null)");
  DsRangeSpan spans[DS_RANGE_MAX];
  guint n = 12345;

  memset (spans, 0xa5, sizeof spans);
  DsRangeResult got = ds_range_parse (row->field, row->size, spans, &n);

  ck_assert_msg (got == row->want, "parse (\"%s\", %" G_GUINT64_FORMAT ") = %s, want %s",
                 shown, row->size, result_name (got), result_name (row->want));
  ck_assert_msg (n == row->n, "parse (\"%s\", %" G_GUINT64_FORMAT "): n = %u, want %u", shown,
                 row->size, n, row->n);
  for (guint i = 0; i < row->n; i++)
    ck_assert_msg (spans[i].first == row->spans[i].first && spans[i].last == row->spans[i].last,
                   "parse (\"%s\", %" G_GUINT64_FORMAT "): span %u = %" G_GUINT64_FORMAT
                   "-%" G_GUINT64_FORMAT ", want %" G_GUINT64_FORMAT "-%" G_GUINT64_FORMAT,
                   shown, row->size, i, spans[i].first, spans[i].last, row->spans[i].first,
                   row->spans[i].last);
}
END_TEST

/* ---- ds_range_parse: the DS_RANGE_MAX cap ---- */

static const struct
{
  guint n_sat;    /* "i-i" ranges, ascending, all satisfiable in size 1000 */
  guint n_unsat;  /* "5000-" ranges, unsatisfiable */
  guint n_empty;  /* extra empty list elements */
  DsRangeResult want;
} cap_rows[] = {
  { 1, 0, 0, DS_RANGE_SATISFIABLE },
  { 15, 0, 0, DS_RANGE_SATISFIABLE },
  { DS_RANGE_MAX, 0, 0, DS_RANGE_SATISFIABLE },
  { DS_RANGE_MAX + 1, 0, 0, DS_RANGE_NONE },
  { 1000, 0, 0, DS_RANGE_NONE },
  /* empty elements are not range-specs and do not count */
  { DS_RANGE_MAX, 0, 100, DS_RANGE_SATISFIABLE },
  /* unsatisfiable range-specs count towards the cap */
  { 1, DS_RANGE_MAX, 0, DS_RANGE_NONE },
  { 1, DS_RANGE_MAX - 1, 0, DS_RANGE_SATISFIABLE },
  { 0, DS_RANGE_MAX, 0, DS_RANGE_UNSATISFIABLE },
  { 0, DS_RANGE_MAX + 1, 0, DS_RANGE_NONE },
};

START_TEST (test_cap)
{
  g_autoptr (GString) f = g_string_new ("bytes=");
  guint n_sat = cap_rows[_i].n_sat;

  for (guint i = 0; i < cap_rows[_i].n_empty; i++)
    g_string_append (f, ",");
  for (guint i = 0; i < n_sat; i++)
    g_string_append_printf (f, "%u-%u,", i, i);
  for (guint i = 0; i < cap_rows[_i].n_unsat; i++)
    g_string_append (f, " 5000-,");

  DsRangeSpan spans[DS_RANGE_MAX];
  guint n = 12345;
  DsRangeResult got = ds_range_parse (f->str, 1000, spans, &n);

  ck_assert_msg (got == cap_rows[_i].want, "parse (\"%s\", 1000) = %s, want %s", f->str,
                 result_name (got), result_name (cap_rows[_i].want));
  if (got != DS_RANGE_SATISFIABLE)
    {
      ck_assert_msg (n == 0, "parse (\"%s\"): n = %u, want 0", f->str, n);
      return;
    }
  ck_assert_msg (n == n_sat, "parse (\"%s\"): n = %u, want %u", f->str, n, n_sat);
  for (guint i = 0; i < n; i++)
    ck_assert_msg (spans[i].first == i && spans[i].last == i,
                   "parse (\"%s\"): span %u = %" G_GUINT64_FORMAT "-%" G_GUINT64_FORMAT, f->str,
                   i, spans[i].first, spans[i].last);
}
END_TEST

/* ---- ds_range_parse: random fields keep the invariants ---- */

START_TEST (test_parse_random)
{
  static const char alphabet[] = "0123456789--,, =bBx\t";
  g_autoptr (GRand) rand = g_rand_new_with_seed (20240601);

  for (guint iter = 0; iter < 20000; iter++)
    {
      char field[48];
      guint len = (guint) g_rand_int_range (rand, 0, sizeof field - 7);
      guint64 size = (guint64) g_rand_int_range (rand, 0, 40);

      memcpy (field, "bytes=", 6);
      for (guint i = 0; i < len; i++)
        field[6 + i] = alphabet[g_rand_int_range (rand, 0, sizeof alphabet - 1)];
      field[6 + len] = '\0';

      DsRangeSpan spans[DS_RANGE_MAX];
      guint n = 12345;
      DsRangeResult got = ds_range_parse (field, size, spans, &n);

      if (got != DS_RANGE_SATISFIABLE)
        {
          ck_assert_msg (n == 0, "parse (\"%s\", %" G_GUINT64_FORMAT "): n = %u", field, size, n);
          continue;
        }
      ck_assert_msg (n >= 1 && n <= DS_RANGE_MAX, "parse (\"%s\"): n = %u", field, n);

      guint64 total = 0;
      gboolean ascending = TRUE;
      for (guint i = 0; i < n; i++)
        {
          ck_assert_msg (spans[i].first <= spans[i].last && spans[i].last < size,
                         "parse (\"%s\", %" G_GUINT64_FORMAT "): span %u = %" G_GUINT64_FORMAT
                         "-%" G_GUINT64_FORMAT, field, size, i, spans[i].first,
                         spans[i].last);
          total += spans[i].last - spans[i].first + 1;
          if (i > 0 && spans[i].first <= spans[i - 1].last)
            ascending = FALSE;
        }
      ck_assert_msg (ascending || total <= size,
                     "parse (\"%s\", %" G_GUINT64_FORMAT "): %u unordered spans, total %"
                     G_GUINT64_FORMAT, field, size, n, total);
    }
}
END_TEST

/* ---- multipart/byteranges ---- */

static char *tmp_dir;

static void
tmp_setup (void)
{
  GError *error = NULL;

  tmp_dir = g_dir_make_tmp ("check_range-XXXXXX", &error);
  ck_assert_msg (tmp_dir != NULL, "g_dir_make_tmp: %s", error != NULL ? error->message : "?");
}

static void
tmp_teardown (void)
{
  g_autoptr (GDir) dir = g_dir_open (tmp_dir, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (tmp_dir, name, NULL);
      (void) g_unlink (path);
    }
  ck_assert_msg (g_rmdir (tmp_dir) == 0, "rmdir %s: %s", tmp_dir, g_strerror (errno));
  g_clear_pointer (&tmp_dir, g_free);
}

/* Creates @name in the temp dir with @len bytes of @data; returns an O_RDWR
 * fd. */
static int
make_file (const char *name, const void *data, gsize len)
{
  g_autofree char *path = g_build_filename (tmp_dir, name, NULL);
  int fd = open (path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

  ck_assert_msg (fd >= 0, "open %s: %s", path, g_strerror (errno));
  ck_assert_msg (write (fd, data, len) == (ssize_t) len, "write %s", path);
  return fd;
}

/* Reads the whole body with windows from @next_max; NULL on an error. */
static GByteArray *
read_all (const DsMultipart *mp, int fd, gsize (*next_max) (GRand *), GRand *rand)
{
  g_autoptr (GByteArray) out = g_byte_array_new ();
  char buf[4096];
  guint64 pos = 0;

  for (;;)
    {
      gsize max = MIN (next_max (rand), sizeof buf);
      gssize r = ds_multipart_read (mp, fd, pos, buf, max);

      if (r < 0)
        return NULL;
      if (r == 0)
        break;
      ck_assert_msg ((gsize) r <= max, "read returned %zd > max %zu", r, max);
      /* Short reads happen only at the very end. */
      ck_assert_msg ((gsize) r == max || pos + (guint64) r == ds_multipart_length (mp),
                     "short read %zd of %zu at %" G_GUINT64_FORMAT, r, max, pos);
      g_byte_array_append (out, (const guint8 *) buf, (guint) r);
      pos += (guint64) r;
    }
  return g_steal_pointer (&out);
}

static gsize
max_1 (GRand *rand)
{
  return 1;
}

static gsize
max_7 (GRand *rand)
{
  return 7;
}

static gsize
max_big (GRand *rand)
{
  return 4096;
}

static gsize
max_random (GRand *rand)
{
  return (gsize) g_rand_int_range (rand, 1, 200);
}

/* The file every multipart test reads: 1000 bytes that never form CR LF. */
#define FILE_LEN 1000
static guint8 file_data[FILE_LEN];

static void
fill_file_data (void)
{
  for (guint i = 0; i < FILE_LEN; i++)
    file_data[i] = (guint8) ('A' + (i * 7 + i / 26) % 26);
}

#define BOUNDARY "00000000000000000042"
#define CTYPE "text/plain; charset=utf-8"

static const struct
{
  guint n;
  DsRangeSpan spans[3];
} mp_rows[] = {
  { 1, { { 0, 0 } } },
  { 2, { { 0, 9 }, { 20, 29 } } },
  { 3, { { 5, 5 }, { 100, 199 }, { 990, 999 } } },
  /* unordered and overlapping: the layout follows the request */
  { 2, { { 50, 59 }, { 0, 99 } } },
  { 1, { { 0, 999 } } },
};

/* The expected body, assembled independently of range.c. */
static GByteArray *
expected_body (guint row)
{
  GByteArray *b = g_byte_array_new ();

  for (guint i = 0; i < mp_rows[row].n; i++)
    {
      const DsRangeSpan *s = &mp_rows[row].spans[i];
      g_autofree char *head = g_strdup_printf ("\r\n--" BOUNDARY "\r\nContent-Type: " CTYPE
                                               "\r\nContent-Range: bytes %u-%u/%u\r\n\r\n",
                                               (guint) s->first, (guint) s->last, FILE_LEN);

      g_byte_array_append (b, (const guint8 *) head, (guint) strlen (head));
      g_byte_array_append (b, file_data + s->first, (guint) (s->last - s->first + 1));
    }
  g_byte_array_append (b, (const guint8 *) "\r\n--" BOUNDARY "--\r\n",
                       (guint) strlen ("\r\n--" BOUNDARY "--\r\n"));
  return b;
}

START_TEST (test_multipart_windows)
{
  int fd AUTO_FD = -1;
  g_autoptr (GByteArray) want = expected_body ((guint) _i);
  g_autoptr (DsMultipart) mp = ds_multipart_new (mp_rows[_i].spans, mp_rows[_i].n, FILE_LEN,
                                                 CTYPE, BOUNDARY);
  g_autoptr (GRand) rand = g_rand_new_with_seed (1234 + (guint32) _i);
  gsize (*const sizes[]) (GRand *) = { max_big, max_1, max_7, max_random };

  fd = make_file ("data", file_data, FILE_LEN);
  ck_assert_msg (mp != NULL, "row %d: ds_multipart_new = NULL", _i);
  ck_assert_msg (ds_multipart_length (mp) == want->len,
                 "row %d: length %" G_GUINT64_FORMAT ", want %u", _i, ds_multipart_length (mp),
                 want->len);

  for (guint k = 0; k < G_N_ELEMENTS (sizes); k++)
    {
      g_autoptr (GByteArray) got = read_all (mp, fd, sizes[k], rand);

      ck_assert_msg (got != NULL, "row %d, window kind %u: read failed: %s", _i, k,
                     g_strerror (errno));
      ck_assert_msg (got->len == want->len && memcmp (got->data, want->data, want->len) == 0,
                     "row %d, window kind %u: body differs (%u bytes, want %u)", _i, k,
                     got->len, want->len);
    }

  /* Random access: any window at any position. */
  for (guint k = 0; k < 2000; k++)
    {
      char buf[300];
      guint64 pos = (guint64) g_rand_int_range (rand, 0, (gint32) want->len + 5);
      gsize max = (gsize) g_rand_int_range (rand, 0, sizeof buf);
      gssize r = ds_multipart_read (mp, fd, pos, buf, max);
      gsize expect = pos >= want->len ? 0 : MIN (max, want->len - (gsize) pos);

      ck_assert_msg (r == (gssize) expect, "row %d: read (pos %" G_GUINT64_FORMAT
                     ", max %zu) = %zd, want %zu", _i, pos, max, r, expect);
      ck_assert_msg (expect == 0 || memcmp (buf, want->data + pos, expect) == 0,
                     "row %d: read (pos %" G_GUINT64_FORMAT ", max %zu): bytes differ", _i, pos,
                     max);
    }
}
END_TEST

/* Splits a body on its delimiters and checks every part's headers and data,
 * without knowing how range.c builds it. */
START_TEST (test_multipart_parse_back)
{
  int fd AUTO_FD = -1;
  g_autoptr (DsMultipart) mp = ds_multipart_new (mp_rows[_i].spans, mp_rows[_i].n, FILE_LEN,
                                                 CTYPE, BOUNDARY);
  fd = make_file ("data", file_data, FILE_LEN);
  g_autoptr (GByteArray) body = read_all (mp, fd, max_big, NULL);
  ck_assert_msg (body != NULL, "row %d: read failed", _i);

  /* NUL-free by construction (file_data is letters), so string functions
   * work on a terminated copy. */
  g_autofree char *text = g_strndup ((const char *) body->data, body->len);
  ck_assert_msg (strlen (text) == body->len, "row %d: NUL in body", _i);
  g_auto (GStrv) parts = g_strsplit (text, "\r\n--" BOUNDARY, -1);
  guint n_parts = g_strv_length (parts);

  /* empty preamble, n parts, then the close-delimiter's "--" CRLF */
  ck_assert_msg (n_parts == mp_rows[_i].n + 2, "row %d: %u pieces, want %u", _i, n_parts,
                 mp_rows[_i].n + 2);
  ck_assert_msg (parts[0][0] == '\0', "row %d: preamble \"%s\"", _i, parts[0]);
  ck_assert_msg (strcmp (parts[n_parts - 1], "--\r\n") == 0, "row %d: epilogue \"%s\"", _i,
                 parts[n_parts - 1]);

  for (guint i = 0; i < mp_rows[_i].n; i++)
    {
      const char *part = parts[i + 1];
      const char *blank = strstr (part, "\r\n\r\n");
      unsigned long long first, last, size;
      int used = 0;

      ck_assert_msg (blank != NULL, "row %d part %u: no blank line", _i, i);
      g_autofree char *head = g_strndup (part, (gsize) (blank - part));
      g_auto (GStrv) lines = g_strsplit (head, "\r\n", -1);

      /* CRLF right after the boundary, then exactly two fields */
      ck_assert_msg (g_strv_length (lines) == 3 && lines[0][0] == '\0',
                     "row %d part %u: header block \"%s\"", _i, i, head);
      ck_assert_msg (strcmp (lines[1], "Content-Type: " CTYPE) == 0,
                     "row %d part %u: \"%s\"", _i, i, lines[1]);
      ck_assert_msg (sscanf (lines[2], "Content-Range: bytes %llu-%llu/%llu%n", &first, &last,
                             &size, &used) == 3 && (gsize) used == strlen (lines[2]),
                     "row %d part %u: \"%s\"", _i, i, lines[2]);
      ck_assert_msg (first == mp_rows[_i].spans[i].first && last == mp_rows[_i].spans[i].last
                     && size == FILE_LEN, "row %d part %u: \"%s\"", _i, i, lines[2]);

      const char *data = blank + 4;
      ck_assert_msg (strlen (data) == last - first + 1
                     && memcmp (data, file_data + first, last - first + 1) == 0,
                     "row %d part %u: %zu data bytes differ from file bytes %llu-%llu", _i, i,
                     strlen (data), first, last);
    }
}
END_TEST

/* The exact layout, written out by hand (nginx's). */
START_TEST (test_multipart_literal)
{
  static const char want[] =
    "\r\n--B\r\nContent-Type: text/plain\r\nContent-Range: bytes 0-1/10\r\n\r\n01"
    "\r\n--B\r\nContent-Type: text/plain\r\nContent-Range: bytes 8-9/10\r\n\r\n89"
    "\r\n--B--\r\n";
  const DsRangeSpan spans[] = { { 0, 1 }, { 8, 9 } };
  int fd AUTO_FD = make_file ("digits", "0123456789", 10);
  g_autoptr (DsMultipart) mp = ds_multipart_new (spans, 2, 10, "text/plain", "B");
  char buf[sizeof want + 16];

  ck_assert_msg (ds_multipart_length (mp) == sizeof want - 1, "length %" G_GUINT64_FORMAT
                 ", want %zu", ds_multipart_length (mp), sizeof want - 1);
  gssize r = ds_multipart_read (mp, fd, 0, buf, sizeof buf);
  ck_assert_msg (r == (gssize) sizeof want - 1 && memcmp (buf, want, sizeof want - 1) == 0,
                 "body (%zd bytes) = \"%.*s\"", r, (int) MAX (r, 0), buf);
  ck_assert_msg (ds_multipart_read (mp, fd, (guint64) r, buf, sizeof buf) == 0, "no EOF");
  ck_assert_msg (ds_multipart_read (mp, fd, G_MAXUINT64, buf, sizeof buf) == 0, "no EOF");
  ck_assert_msg (ds_multipart_read (mp, fd, 0, buf, 0) == 0, "max 0 read something");
}
END_TEST

/* A file that shrank after the layout was built: -1/EIO, never a loop or
 * zeros; text before the missing bytes still reads. */
START_TEST (test_multipart_truncated)
{
  const DsRangeSpan spans[] = { { 0, 9 }, { 500, 599 } };
  int fd AUTO_FD = make_file ("data", file_data, FILE_LEN);
  g_autoptr (DsMultipart) mp = ds_multipart_new (spans, 2, FILE_LEN, CTYPE, BOUNDARY);
  g_autoptr (GByteArray) want = g_byte_array_new ();
  char buf[4096];

  ck_assert_msg (ftruncate (fd, 550) == 0, "ftruncate: %s", g_strerror (errno));

  /* Header of part 2 starts right after part 1's 10 data bytes. */
  g_autofree char *head1 = g_strdup_printf ("\r\n--" BOUNDARY "\r\nContent-Type: " CTYPE
                                            "\r\nContent-Range: bytes 0-9/%u\r\n\r\n", FILE_LEN);
  g_autofree char *head2 = g_strdup_printf ("\r\n--" BOUNDARY "\r\nContent-Type: " CTYPE
                                            "\r\nContent-Range: bytes 500-599/%u\r\n\r\n",
                                            FILE_LEN);
  gsize span2_at = strlen (head1) + 10 + strlen (head2);

  /* Whole body: the window crosses the missing bytes. */
  errno = 0;
  gssize r = ds_multipart_read (mp, fd, 0, buf, sizeof buf);
  ck_assert_msg (r == -1 && errno == EIO, "whole read = %zd, errno %s", r, g_strerror (errno));

  /* Up to the last byte that still exists: fine. */
  r = ds_multipart_read (mp, fd, 0, buf, span2_at + 50);
  ck_assert_msg (r == (gssize) (span2_at + 50), "read up to EOF = %zd (%s)", r,
                 g_strerror (errno));
  ck_assert_msg (memcmp (buf + span2_at, file_data + 500, 50) == 0, "bytes before EOF differ");

  /* One byte more, straddling the new EOF, or wholly past it. */
  errno = 0;
  r = ds_multipart_read (mp, fd, span2_at + 49, buf, 2);
  ck_assert_msg (r == -1 && errno == EIO, "straddling read = %zd, errno %s", r,
                 g_strerror (errno));
  errno = 0;
  r = ds_multipart_read (mp, fd, span2_at + 50, buf, 1);
  ck_assert_msg (r == -1 && errno == EIO, "read past EOF = %zd, errno %s", r,
                 g_strerror (errno));

  /* Every position in a missing span fails the same way, so a caller that
   * retried would never see progress it could loop on. */
  ck_assert_msg (ftruncate (fd, 0) == 0, "ftruncate: %s", g_strerror (errno));
  for (guint64 pos = strlen (head1); pos < strlen (head1) + 10; pos++)
    {
      errno = 0;
      r = ds_multipart_read (mp, fd, pos, buf, 1);
      ck_assert_msg (r == -1 && errno == EIO, "empty file, pos %" G_GUINT64_FORMAT ": %zd", pos,
                     r);
    }
  /* Text pieces never touch the file. */
  r = ds_multipart_read (mp, fd, 0, buf, strlen (head1));
  ck_assert_msg (r == (gssize) strlen (head1) && memcmp (buf, head1, strlen (head1)) == 0,
                 "header read on an empty file = %zd", r);
}
END_TEST

START_TEST (test_multipart_bad_fd)
{
  const DsRangeSpan spans[] = { { 0, 9 } };
  g_autoptr (DsMultipart) mp = ds_multipart_new (spans, 1, FILE_LEN, CTYPE, BOUNDARY);
  char buf[4096];

  errno = 0;
  gssize r = ds_multipart_read (mp, -1, 0, buf, sizeof buf);
  ck_assert_msg (r == -1 && errno == EBADF, "read with fd -1 = %zd, errno %s", r,
                 g_strerror (errno));
}
END_TEST

/* Offsets past 4 GiB reach pread() intact: a sparse 5 GiB file. */
START_TEST (test_multipart_5g)
{
  static const char tail[] = "0123456789";
  const DsRangeSpan spans[] = { { 0, 0 }, { SIZE_5G - 10, SIZE_5G - 1 } };
  int fd AUTO_FD = make_file ("big", "X", 1);
  g_autoptr (DsMultipart) mp = ds_multipart_new (spans, 2, SIZE_5G, "application/octet-stream",
                                                 "b");
  char buf[4096];

  ck_assert_msg (ftruncate (fd, (off_t) SIZE_5G) == 0, "ftruncate 5 GiB: %s", g_strerror (errno));
  ck_assert_msg (pwrite (fd, tail, 10, (off_t) (SIZE_5G - 10)) == 10, "pwrite: %s",
                 g_strerror (errno));

  static const char want[] =
    "\r\n--b\r\nContent-Type: application/octet-stream\r\n"
    "Content-Range: bytes 0-0/5368709120\r\n\r\nX"
    "\r\n--b\r\nContent-Type: application/octet-stream\r\n"
    "Content-Range: bytes 5368709110-5368709119/5368709120\r\n\r\n0123456789"
    "\r\n--b--\r\n";
  gssize r = ds_multipart_read (mp, fd, 0, buf, sizeof buf);

  ck_assert_msg (ds_multipart_length (mp) == sizeof want - 1, "length %" G_GUINT64_FORMAT,
                 ds_multipart_length (mp));
  ck_assert_msg (r == (gssize) sizeof want - 1 && memcmp (buf, want, sizeof want - 1) == 0,
                 "body (%zd bytes) = \"%.*s\"", r, (int) MAX (r, 0), buf);
}
END_TEST

static Suite *
range_suite (void)
{
  Suite *s = suite_create ("range");
  TCase *tc;

  tc = tcase_create ("parse");
  tcase_add_loop_test (tc, test_parse, 0, G_N_ELEMENTS (parse_rows));
  tcase_add_loop_test (tc, test_cap, 0, G_N_ELEMENTS (cap_rows));
  tcase_add_test (tc, test_parse_random);
  suite_add_tcase (s, tc);

  tc = tcase_create ("multipart");
  tcase_add_checked_fixture (tc, tmp_setup, tmp_teardown);
  tcase_add_loop_test (tc, test_multipart_windows, 0, G_N_ELEMENTS (mp_rows));
  tcase_add_loop_test (tc, test_multipart_parse_back, 0, G_N_ELEMENTS (mp_rows));
  tcase_add_test (tc, test_multipart_literal);
  tcase_add_test (tc, test_multipart_truncated);
  tcase_add_test (tc, test_multipart_bad_fd);
  tcase_add_test (tc, test_multipart_5g);
  suite_add_tcase (s, tc);

  return s;
}

int
main (void)
{
  fill_file_data ();

  SRunner *sr = srunner_create (range_suite ());

  srunner_run_all (sr, CK_NORMAL);
  int failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
