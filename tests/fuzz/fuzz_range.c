/* fuzz_range.c: ds_range_parse, ds_cond_if_range_ok and the
 * multipart/byteranges body.
 *
 * Input: 8 bytes representation size (little-endian; fewer bytes: zero
 * high bytes), then the Range field up to a NUL, then the If-Range field up
 * to a NUL, then bytes choosing read windows.
 *
 * Properties (range.c's header comment):
 * - SATISFIABLE iff n > 0; n <= DS_RANGE_MAX; first <= last < size;
 * - a zero size is always NONE;
 * - spans that are not strictly ascending and disjoint total at most size;
 * - parse ignores surrounding OWS and is deterministic;
 * - If-Range: TRUE for an entity-tag only if it is exactly ours;
 * - multipart: ds_multipart_new accepts every satisfiable result for a size
 *   an off_t can hold;
 *   ds_multipart_length equals the layout computed here; the body read in
 *   the input's windows equals the body read in one go, equals the expected
 *   bytes (for files up to 64 KiB, read from a real temp file), and any
 *   window read at any position matches it. */
#include "config.h"

#include "docserve/cond.h"
#include "docserve/httpdate.h"
#include "docserve/range.h"

#include "fuzz_common.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#define FILE_MAX 65536
#define BOUNDARY "00000000000000000017"
#define CTYPE "text/plain; charset=utf-8"

static int file_fd = -1;
static guint8 file_bytes[FILE_MAX];
static char *scratch;

static void
cleanup (void)
{
  if (file_fd >= 0)
    close (file_fd);
  if (scratch != NULL)
    fuzz_rm_rf (scratch);
}

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  (void) argc;
  (void) argv;
  fuzz_glib_fatal ();

  scratch = g_strdup (fuzz_scratch_dir ());
  atexit (cleanup);
  g_autofree char *path = g_build_filename (scratch, "file", NULL);
  for (gsize i = 0; i < FILE_MAX; i++)
    file_bytes[i] = (guint8) ((i * 31 + i / 251) % 251);
  GError *error = NULL;
  if (!g_file_set_contents (path, (const char *) file_bytes, FILE_MAX, &error))
    abort ();
  file_fd = open (path, O_RDONLY | O_CLOEXEC);
  if (file_fd < 0)
    abort ();
  return 0;
}

/* The expected body, from the layout in range.c's header comment.  With
 * @with_data FALSE only its length counts (the span bytes are zeros). */
static GString *
expected_body (const DsRangeSpan *spans, guint n, guint64 size, gboolean with_data,
               guint64 *out_len)
{
  GString *body = g_string_new (NULL);
  guint64 len = 0;

  for (guint i = 0; i < n; i++)
    {
      gsize at = body->len;
      g_string_append_printf (body,
                              "\r\n--" BOUNDARY "\r\nContent-Type: " CTYPE
                              "\r\nContent-Range: bytes %" G_GUINT64_FORMAT "-%" G_GUINT64_FORMAT
                              "/%" G_GUINT64_FORMAT "\r\n\r\n",
                              spans[i].first, spans[i].last, size);
      len += body->len - at;
      len += spans[i].last - spans[i].first + 1;
      if (with_data)
        g_string_append_len (body, (const char *) file_bytes + spans[i].first,
                             (gssize) (spans[i].last - spans[i].first + 1));
    }
  gsize at = body->len;
  g_string_append (body, "\r\n--" BOUNDARY "--\r\n");
  len += body->len - at;
  *out_len = len;
  return body;
}

static void
check_multipart (const DsRangeSpan *spans, guint n, guint64 size, FuzzInput *windows,
                 const char *shown)
{
  g_autoptr (DsMultipart) mp = ds_multipart_new (spans, n, size, CTYPE, BOUNDARY);
  FUZZ_CHECK (mp != NULL, "ds_multipart_new refused the spans of \"%s\"", shown);

  guint64 length = ds_multipart_length (mp);
  guint64 want_len;
  gboolean small = size <= FILE_MAX;
  g_autoptr (GString) want = NULL;

  want = expected_body (spans, n, size, small, &want_len);
  FUZZ_CHECK (length == want_len, "length %" G_GUINT64_FORMAT " expected %" G_GUINT64_FORMAT
              " for \"%s\"", length, want_len, shown);
  if (!small)
    return;
  FUZZ_CHECK (want->len == length, "internal: expected body length");

  /* Sequential reads in the input's window sizes (1..256, cycling). */
  g_autofree char *got = g_malloc (length + 1);
  guint64 pos = 0;
  gsize w = 0;
  char *win = g_malloc (256);
  while (pos < length)
    {
      gsize max = windows->left > 0 ? (gsize) windows->p[w++ % windows->left] + 1
                                    : (gsize) (7 + pos % 4096);
      gssize r = ds_multipart_read (mp, file_fd, pos, win, MIN (max, 256));
      FUZZ_CHECK (r > 0 && (gsize) r <= MIN (max, 256),
                  "read at %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT " gave %zd (errno %d) "
                  "for \"%s\"", pos, length, r, errno, shown);
      memcpy (got + pos, win, (gsize) r);
      pos += (guint64) r;
    }
  FUZZ_CHECK (pos == length, "total %" G_GUINT64_FORMAT " != length %" G_GUINT64_FORMAT, pos,
              length);
  FUZZ_CHECK (memcmp (got, want->str, length) == 0, "body differs from the layout for \"%s\"",
              shown);
  FUZZ_CHECK (ds_multipart_read (mp, file_fd, length, win, 256) == 0, "read past the end");

  /* One read of everything. */
  g_autofree char *all = g_malloc (length + 1);
  gssize r = ds_multipart_read (mp, file_fd, 0, all, length + 1);
  FUZZ_CHECK (r >= 0 && (guint64) r == length && memcmp (all, want->str, length) == 0,
              "single read gave %zd of %" G_GUINT64_FORMAT, r, length);

  /* Random positions: stateless windows. */
  for (gsize k = 0; k + 1 < windows->left && k < 32; k += 2)
    {
      guint64 at = ((guint64) windows->p[k] << 8 | windows->p[k + 1]) * 7919 % length;
      gsize max = (gsize) windows->p[k] + 1;
      r = ds_multipart_read (mp, file_fd, at, win, max);
      gsize expect = (gsize) MIN ((guint64) max, length - at);
      FUZZ_CHECK (r >= 0 && (gsize) r == expect && memcmp (win, want->str + at, expect) == 0,
                  "window at %" G_GUINT64_FORMAT " max %zu gave %zd", at, max, r);
    }
  g_free (win);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  FuzzInput in = { data, size };
  guint64 rsize = fuzz_take_u64 (&in, 8);
  g_autofree char *field = fuzz_take_field (&in, '\0');
  g_autofree char *if_range = fuzz_take_field (&in, '\0');
  g_autofree char *shown = field != NULL ? fuzz_show (field, strlen (field)) : g_strdup ("(null)");

  DsRangeSpan spans[DS_RANGE_MAX];
  guint n = 12345;
  DsRangeResult res = ds_range_parse (field, rsize, spans, &n);

  FUZZ_CHECK (res == DS_RANGE_NONE || res == DS_RANGE_SATISFIABLE
                  || res == DS_RANGE_UNSATISFIABLE,
              "result %d", (int) res);
  FUZZ_CHECK ((res == DS_RANGE_SATISFIABLE) == (n > 0), "result %d with n %u for \"%s\"",
              (int) res, n, shown);
  FUZZ_CHECK (n <= DS_RANGE_MAX, "n %u for \"%s\"", n, shown);
  if (rsize == 0 || field == NULL)
    FUZZ_CHECK (res == DS_RANGE_NONE, "size 0 / absent gave %d for \"%s\"", (int) res, shown);

  gboolean ascending = TRUE;
  guint64 total = 0;
  gboolean overflow = FALSE;
  for (guint i = 0; i < n; i++)
    {
      FUZZ_CHECK (spans[i].first <= spans[i].last && spans[i].last < rsize,
                  "span %u %" G_GUINT64_FORMAT "-%" G_GUINT64_FORMAT " size %" G_GUINT64_FORMAT
                  " for \"%s\"", i, spans[i].first, spans[i].last, rsize, shown);
      if (i > 0 && spans[i].first <= spans[i - 1].last)
        ascending = FALSE;
      overflow = overflow || !g_uint64_checked_add (&total, total,
                                                    spans[i].last - spans[i].first + 1);
    }
  if (!ascending)
    FUZZ_CHECK (!overflow && total <= rsize,
                "overlapping/unordered spans total %" G_GUINT64_FORMAT " > size %" G_GUINT64_FORMAT
                " for \"%s\"", total, rsize, shown);

  /* Deterministic, and OWS around the value is not part of it. */
  if (field != NULL)
    {
      g_autofree char *padded = g_strconcat (" \t", field, "\t ", NULL);
      DsRangeSpan spans2[DS_RANGE_MAX];
      guint n2;
      DsRangeResult res2 = ds_range_parse (padded, rsize, spans2, &n2);
      FUZZ_CHECK (res2 == res && n2 == n && memcmp (spans, spans2, n * sizeof spans[0]) == 0,
                  "OWS changed the result for \"%s\"", shown);
    }

  /* If-Range. */
  char etag[DS_ETAG_LEN];
  ds_etag_make (rsize, 1700000000000000000, etag);
  gint64 lm = 1700000000;
  for (gint64 now = lm - 1; now <= lm + 1; now++)
    {
      gboolean ok = ds_cond_if_range_ok (if_range, etag, lm, now);
      if (if_range == NULL)
        FUZZ_CHECK (ok, "absent If-Range refused");
      else if (ok)
        {
          /* OWS is SP and HTAB only, not isspace(). */
          g_autofree char *t = g_strdup (if_range + strspn (if_range, " \t"));
          gsize tl = strlen (t);
          while (tl > 0 && (t[tl - 1] == ' ' || t[tl - 1] == '\t'))
            t[--tl] = '\0';
          if (t[0] == '"')
            FUZZ_CHECK (strcmp (t, etag) == 0, "If-Range \"%s\" accepted for %s", if_range, etag);
          else
            {
              gint64 d;
              FUZZ_CHECK (ds_httpdate_parse (t, strlen (t), now, &d) && d == lm && lm < now,
                          "If-Range date \"%s\" accepted (now %" G_GINT64_FORMAT ")", if_range,
                          now);
            }
        }
    }

  /* A file's size is an off_t: ds_multipart_new refuses (as a caller bug)
   * spans totalling near 2^64, which only a bigger "size" can give. */
  if (res == DS_RANGE_SATISFIABLE && rsize <= (guint64) G_MAXINT64)
    check_multipart (spans, n, rsize, &in, shown);
  return 0;
}
