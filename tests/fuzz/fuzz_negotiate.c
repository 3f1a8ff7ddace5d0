/* fuzz_negotiate.c: content negotiation (negotiate.h).
 *
 * Input: the Accept-Encoding field value up to the first '\n' (a header
 * value never holds one); the rest, if any, is one more coding name to ask
 * ds_accept_encoding_qvalue about.
 *
 * Properties:
 * - every q-value is in 0..1000;
 * - "x-gzip" is "gzip", and coding names are case-insensitive;
 * - ds_accept_encoding_choose returns -1 or a coding in the available mask
 *   (plus identity), and it is the one with the highest q-value, ties
 *   broken br > gzip > identity; -1 exactly when every available q-value
 *   is 0;
 * - a value parsed once answers as a value parsed again for every question;
 * - an absent field: identity, and q 1000 for everything.
 *
 * The first line is also read as an Accept field, and
 * ds_accept_media_choose must agree with itself: a result in -1..n-1; two
 * types swapped give the mirrored answer (-1 stays -1, a strict winner
 * stays the winner); a pair is -1 exactly when each type alone is -1, and
 * the second of a pair wins only if it alone is acceptable; an absent
 * field gives 0. */
#include "config.h"

#include "docserve/negotiate.h"

#include "fuzz_common.h"

FUZZ_DEFAULT_INITIALIZE

static void
check_field (const char *field, const char *extra, const char *shown)
{
  static const char *const names[] = { "identity", "gzip", "br" }; /* by DsEncoding */
  static const char *const others[] = { "x-gzip", "GZIP", "Br", "IDENTITY", "deflate", "zstd", "*",
                                        "" };
  guint q[3];
  DsAcceptEncoding ae;

  ds_accept_encoding_parse (field, &ae);
  for (int e = 0; e < 3; e++)
    {
      q[e] = ds_accept_encoding_qvalue (&ae, names[e]);
      FUZZ_CHECK (q[e] <= 1000, "q(%s) = %u for \"%s\"", names[e], q[e], shown);
    }
  for (gsize i = 0; i < G_N_ELEMENTS (others); i++)
    {
      guint qo = ds_accept_encoding_qvalue (&ae, others[i]);
      FUZZ_CHECK (qo <= 1000, "q(%s) = %u for \"%s\"", others[i], qo, shown);
    }
  FUZZ_CHECK (ds_accept_encoding_qvalue (&ae, "x-gzip") == q[DS_ENC_GZIP]
                  && ds_accept_encoding_qvalue (&ae, "X-Gzip") == q[DS_ENC_GZIP]
                  && ds_accept_encoding_qvalue (&ae, "GZIP") == q[DS_ENC_GZIP]
                  && ds_accept_encoding_qvalue (&ae, "BR") == q[DS_ENC_BR]
                  && ds_accept_encoding_qvalue (&ae, "Identity") == q[DS_ENC_IDENTITY],
              "case or x-gzip changed a q-value for \"%s\"", shown);
  if (extra != NULL)
    {
      guint qe = ds_accept_encoding_qvalue (&ae, extra);
      FUZZ_CHECK (qe <= 1000, "q(extra) = %u for \"%s\"", qe, shown);
    }

  if (field == NULL)
    for (int e = 0; e < 3; e++)
      FUZZ_CHECK (q[e] == 1000, "absent field: q(%s) = %u", names[e], q[e]);

  static const DsEncoding order[] = { DS_ENC_BR, DS_ENC_GZIP, DS_ENC_IDENTITY };
  for (guint avail = 0; avail < 8; avail++)
    {
      int got = ds_accept_encoding_choose (&ae, avail);
      DsAcceptEncoding fresh;
      ds_accept_encoding_parse (field, &fresh);
      FUZZ_CHECK (ds_accept_encoding_choose (&fresh, avail) == got,
                  "a second parse chose differently for mask %u and \"%s\"", avail, shown);
      guint mask = avail | DS_ENC_MASK (DS_ENC_IDENTITY);

      FUZZ_CHECK (got == -1 || (got >= 0 && got <= 2 && (mask & DS_ENC_MASK (got)) != 0),
                  "choose gave %d for mask %u and \"%s\"", got, avail, shown);
      if (field == NULL)
        {
          FUZZ_CHECK (got == DS_ENC_IDENTITY, "absent field chose %d", got);
          continue;
        }
      int want = -1;
      guint best = 0;
      for (gsize i = 0; i < G_N_ELEMENTS (order); i++)
        if ((mask & DS_ENC_MASK (order[i])) != 0 && q[order[i]] > best)
          {
            want = (int) order[i];
            best = q[order[i]];
          }
      FUZZ_CHECK (got == want,
                  "choose gave %d, q-values say %d (identity %u gzip %u br %u, mask %u) for \"%s\"",
                  got, want, q[0], q[1], q[2], avail, shown);
    }
}

static void
check_media (const char *accept, const char *shown)
{
  static const char *const types[] = { "text/html", "application/json", "text/plain",
                                       "image/png" };
  const guint n = G_N_ELEMENTS (types);
  int alone[G_N_ELEMENTS (types)];

  for (guint i = 0; i < n; i++)
    {
      alone[i] = ds_accept_media_choose (accept, &types[i], 1);
      FUZZ_CHECK (alone[i] == -1 || alone[i] == 0, "%s alone gave %d for \"%s\"", types[i],
                  alone[i], shown);
      if (accept == NULL)
        FUZZ_CHECK (alone[i] == 0, "absent field: %s gave %d", types[i], alone[i]);
    }
  for (guint i = 0; i < n; i++)
    for (guint j = 0; j < n; j++)
      {
        if (i == j)
          continue;
        const char *pair[] = { types[i], types[j] };
        const char *swapped[] = { types[j], types[i] };
        int ab = ds_accept_media_choose (accept, pair, 2);
        int ba = ds_accept_media_choose (accept, swapped, 2);

        FUZZ_CHECK (ab >= -1 && ab <= 1, "pair gave %d for \"%s\"", ab, shown);
        FUZZ_CHECK ((ab == -1) == (alone[i] == -1 && alone[j] == -1),
                    "%s, %s gave %d, alone %d and %d, for \"%s\"", types[i], types[j], ab,
                    alone[i], alone[j], shown);
        FUZZ_CHECK ((ab == -1) == (ba == -1) && (ab != 1 || ba == 0) && (ba != 1 || ab == 0),
                    "%s, %s gave %d, swapped %d, for \"%s\"", types[i], types[j], ab, ba, shown);
        FUZZ_CHECK (ab != 1 || alone[j] == 0, "%s won a pair but alone gave -1 for \"%s\"",
                    types[j], shown);
      }
  int all = ds_accept_media_choose (accept, types, n);
  FUZZ_CHECK (all >= -1 && all < (int) n, "all types gave %d for \"%s\"", all, shown);
  FUZZ_CHECK (all == -1 || alone[all] == 0, "%s won but alone gave -1 for \"%s\"",
              all >= 0 ? types[all] : "", shown);
  if (accept == NULL)
    FUZZ_CHECK (all == 0, "absent field gave %d", all);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  FuzzInput in = { data, size };
  g_autofree char *field = fuzz_take_field (&in, '\n');
  g_autofree char *extra = fuzz_take_field (&in, '\n');
  g_autofree char *shown = fuzz_show (data, size);

  /* An empty input is an empty field (present), not an absent one. */
  check_field (field != NULL ? field : "", extra, shown);
  check_media (field != NULL ? field : "", shown);
  if (size == 0)
    {
      check_field (NULL, NULL, "(absent)");
      check_media (NULL, "(absent)");
    }
  return 0;
}
