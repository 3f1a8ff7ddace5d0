/* fuzz_httpdate.c: ds_httpdate_parse, ds_etag_list_match and
 * ds_cond_evaluate on arbitrary field values.
 *
 * Input: the whole input is one HTTP-date candidate (copied into an
 * exact-size buffer: the parser must not read past @len).  Split on '\n' it
 * is also the four conditional fields If-Match, If-None-Match,
 * If-Modified-Since, If-Unmodified-Since (a line "-" or a missing line is
 * an absent field), and each line is an entity-tag list.
 *
 * Properties:
 * - parse is deterministic and ignores surrounding OWS;
 * - a parsed time that format can express (years 0..9999) round-trips:
 *   parse (format (t)) == t; one it cannot is an RFC 850 date whose
 *   two-digit year was resolved near year 0 or 9999 (only for a "now" there);
 * - format (x) parses back to x clamped, for x from the input's first 8 bytes;
 * - entity-tag lists: strong match implies weak match; "*" matches;
 * - preconditions: NOT_MODIFIED only for GET/HEAD; no fields, no effect. */
#include "config.h"

#include "docserve/cond.h"
#include "docserve/httpdate.h"

#include "fuzz_common.h"

#define MIN_TIME G_GINT64_CONSTANT (-62167219200)
#define MAX_TIME G_GINT64_CONSTANT (253402300799)

/* Server clocks: real ones, and the ends of the formattable range. */
static const gint64 nows[] = {
  G_GINT64_CONSTANT (1700000000), 0, G_GINT64_CONSTANT (4102444800), MIN_TIME, MAX_TIME,
  G_MININT64, G_MAXINT64,
};

FUZZ_DEFAULT_INITIALIZE

static gint64
year_of (gint64 t)
{
  /* Good enough for a sanity bound: 365.2425-day years. */
  return 1970 + (t >= 0 ? t / 31556952 : (t - 31556951) / 31556952);
}

static void
check_parse (const uint8_t *data, size_t size, const char *shown)
{
  char *buf = g_malloc (size > 0 ? size : 1);
  memcpy (buf, data, size);

  for (gsize i = 0; i < G_N_ELEMENTS (nows); i++)
    {
      gint64 t = 12345, t2 = 67890;
      gboolean ok = ds_httpdate_parse (buf, size, nows[i], &t);
      gboolean ok2 = ds_httpdate_parse (buf, size, nows[i], &t2);

      FUZZ_CHECK (ok == ok2 && (!ok || t == t2), "not deterministic for \"%s\"", shown);
      if (!ok)
        {
          FUZZ_CHECK (t == 12345, "out_t written on failure for \"%s\"", shown);
          continue;
        }

      /* Surrounding OWS is not part of the value. */
      g_autofree char *padded = g_strdup_printf (" \t%.*s\t ", (int) size, buf);
      gint64 tp;
      /* Only when the input holds no NUL: %.*s stops at one. */
      if (memchr (buf, '\0', size) == NULL)
        FUZZ_CHECK (ds_httpdate_parse (padded, strlen (padded), nows[i], &tp) && tp == t,
                    "OWS changed the result for \"%s\"", shown);

      if (t >= MIN_TIME && t <= MAX_TIME)
        {
          char out[DS_HTTPDATE_LEN];
          gint64 back;

          ds_httpdate_format (t, out);
          FUZZ_CHECK (strlen (out) == DS_HTTPDATE_LEN - 1, "format gave \"%s\"", out);
          FUZZ_CHECK (ds_httpdate_parse (out, strlen (out), nows[i], &back) && back == t,
                      "round trip: \"%s\" -> %" G_GINT64_FORMAT " -> \"%s\" -> %" G_GINT64_FORMAT,
                      shown, t, out, back);
        }
      else
        {
          /* Only a two-digit year can land outside 0..9999, and only within
           * 50 years of a "now" near either end. */
          gint64 now_year = year_of (CLAMP (nows[i], MIN_TIME, MAX_TIME));
          FUZZ_CHECK (ABS (year_of (t) - now_year) <= 51,
                      "\"%s\" parsed to %" G_GINT64_FORMAT ", far outside 0000..9999 (now %"
                      G_GINT64_FORMAT ")",
                      shown, t, nows[i]);
        }
    }
  g_free (buf);
}

static void
check_format (const uint8_t *data, size_t size)
{
  FuzzInput in = { data, size };
  gint64 t = (gint64) fuzz_take_u64 (&in, 8);
  char out[DS_HTTPDATE_LEN];
  gint64 back;

  ds_httpdate_format (t, out);
  FUZZ_CHECK (strlen (out) == DS_HTTPDATE_LEN - 1, "format (%" G_GINT64_FORMAT ") gave \"%s\"",
              t, out);
  FUZZ_CHECK (ds_httpdate_parse (out, strlen (out), 0, &back)
                  && back == CLAMP (t, MIN_TIME, MAX_TIME),
              "format (%" G_GINT64_FORMAT ") = \"%s\" did not parse back", t, out);
}

static const char *
absent_if_dash (const char *s)
{
  return s != NULL && strcmp (s, "-") == 0 ? NULL : s;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autofree char *shown = fuzz_show (data, size);

  check_parse (data, size, shown);
  check_format (data, size);

  /* Lines as fields. */
  FuzzInput in = { data, size };
  char *lines[4] = { NULL, NULL, NULL, NULL };
  for (int i = 0; i < 4; i++)
    lines[i] = fuzz_take_field (&in, '\n');

  char etag[DS_ETAG_LEN];
  ds_etag_make (0x1a2b, G_GINT64_CONSTANT (784111777000000000), etag);
  static const char *const other_tags[] = { "\"x\"", "W/\"1a2b-ae1c5a0cbf0ea00\"", "\"\"" };

  for (int i = 0; i < 4; i++)
    {
      if (lines[i] == NULL)
        continue;
      gboolean strong = ds_etag_list_match (lines[i], etag, FALSE);
      gboolean weak = ds_etag_list_match (lines[i], etag, TRUE);
      FUZZ_CHECK (!strong || weak, "strong but not weak match for \"%s\"", lines[i]);
      /* OWS is SP and HTAB only (RFC 9110 §5.6.3), not isspace(). */
      gsize start = strspn (lines[i], " \t"), end = strlen (lines[i]);
      while (end > start && (lines[i][end - 1] == ' ' || lines[i][end - 1] == '\t'))
        end--;
      if (end - start == 1 && lines[i][start] == '*')
        FUZZ_CHECK (strong && weak, "\"*\" did not match");
      for (gsize k = 0; k < G_N_ELEMENTS (other_tags); k++)
        {
          gboolean s = ds_etag_list_match (lines[i], other_tags[k], FALSE);
          gboolean w = ds_etag_list_match (lines[i], other_tags[k], TRUE);
          FUZZ_CHECK (!s || w, "strong but not weak match for \"%s\" vs %s", lines[i],
                      other_tags[k]);
        }
    }

  DsCondFields f = {
    .if_match = absent_if_dash (lines[0]),
    .if_none_match = absent_if_dash (lines[1]),
    .if_modified_since = absent_if_dash (lines[2]),
    .if_unmodified_since = absent_if_dash (lines[3]),
  };
  gint64 mtimes[] = { G_GINT64_CONSTANT (784111777), 0, G_GINT64_CONSTANT (1700000000) };
  for (gsize m = 0; m < G_N_ELEMENTS (mtimes); m++)
    for (gsize n = 0; n < G_N_ELEMENTS (nows); n++)
      for (int goh = 0; goh < 2; goh++)
        {
          DsCondResult r = ds_cond_evaluate (&f, goh, etag, mtimes[m], nows[n]);
          FUZZ_CHECK (r == DS_COND_PROCEED || r == DS_COND_NOT_MODIFIED
                          || r == DS_COND_PRECONDITION_FAILED,
                      "result %d", (int) r);
          FUZZ_CHECK (r != DS_COND_NOT_MODIFIED || goh, "304 for a non-GET/HEAD");
          if (f.if_match == NULL && f.if_none_match == NULL && f.if_modified_since == NULL
              && f.if_unmodified_since == NULL)
            FUZZ_CHECK (r == DS_COND_PROCEED, "no fields but result %d", (int) r);
        }

  for (int i = 0; i < 4; i++)
    g_free (lines[i]);
  return 0;
}
