/* negotiate.c: proactive content negotiation (RFC 9110 §12.1): which
 * content coding to send (Accept-Encoding, §12.5.3) among the precompressed
 * variants this server can send (X.br, X.gz; §8.4.1).
 *
 * Accept-Encoding grammar (§12.5.3, §12.4.2, #rule of §5.6.1):
 *   Accept-Encoding = #( codings [ weight ] )
 *   codings         = content-coding / "identity" / "*"
 *   weight          = OWS ";" OWS "q=" qvalue
 *   qvalue          = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] )
 *
 * Choices:
 * - The field is read once per request (ds_accept_encoding_parse) into the
 *   q-values of the codings the server can send; every later choice for
 *   that request reads those.
 * - Coding names and the "q" are case-insensitive (§8.4.1, §12.4.2); OWS is
 *   allowed around ',' and ';' but not around '=' (the grammar has none).
 *   Empty list elements (", ,") are skipped (§5.6.1).
 * - "x-gzip" is gzip (§8.4.1.3), in the field and as the @coding argument.
 * - A malformed element is ignored as if it were not there, leaving the
 *   rest of the field in force: a qvalue outside the grammar ("1.001",
 *   "0.0001", "2", ".5"), a parameter other than a lone weight
 *   ("gzip;level=1;q=0.5", "gzip;q=0.5;x=y": the grammar allows only the
 *   weight), spaces around '=', or a non-token byte in the name.  An ignored
 *   coding is then unlisted, so it is acceptable only through "*": a
 *   garbled element never makes us send a coding the client did not
 *   clearly accept.  Quoted strings are not recognised (no parameter may
 *   have one), so a ',' inside quotes ends the element.
 * - The same coding listed twice: the first well-formed entry wins.
 * - The q-value of a coding: its own entry; else the "*" entry; else 0 —
 *   except identity, which is acceptable unless excluded ("identity;q=0",
 *   or "*;q=0" with no identity entry).  Unlisted identity without "*" gets
 *   the lowest non-zero q-value in the field (1000 if there is none), so it
 *   never beats a coding the client listed (as in the Node.js negotiator).
 *   An empty field thus gives identity 1000 and every coding 0: "only
 *   identity" (§12.5.3).
 * - One left-to-right pass, constant work per byte: a field of any length
 *   costs linear time and no allocation.
 */
#include "config.h"

#include "docserve/negotiate.h"

#include "docserve/field.h"

#include <string.h>

#define Q_MAX DS_FIELD_Q_MAX
#define Q_UNSET (-1)

/* Where an entry's q-value goes.  The first three equal their DsEncoding;
 * the first four are DsAcceptEncoding's q[]. */
typedef enum
{
  SLOT_IDENTITY = DS_ENC_IDENTITY,
  SLOT_GZIP = DS_ENC_GZIP,
  SLOT_BR = DS_ENC_BR,
  SLOT_STAR,
  SLOT_OTHER, /* the coding asked about, when it is none of the above */
  SLOT_NONE   /* a coding nobody asked about */
} Slot;

G_STATIC_ASSERT (SLOT_OTHER == G_N_ELEMENTS (((DsAcceptEncoding *) NULL)->q));

static Slot
classify (const char *name, gsize len, const char *other)
{
  if (ds_field_equals (name, len, "identity"))
    return SLOT_IDENTITY;
  if (ds_field_equals (name, len, "gzip") || ds_field_equals (name, len, "x-gzip"))
    return SLOT_GZIP;
  if (ds_field_equals (name, len, "br"))
    return SLOT_BR;
  if (ds_field_equals (name, len, "*"))
    return SLOT_STAR;
  if (other != NULL && ds_field_equals (name, len, other))
    return SLOT_OTHER;
  return SLOT_NONE;
}

/* Reads one list element (OWS trimmed, not empty): TRUE with the name (not
 * NUL-terminated) and q-value when it is "codings [ OWS ; OWS q=qvalue ]"
 * exactly; FALSE when it is malformed.  The qvalue runs to the element's
 * end, so a fourth decimal or anything after the weight makes it fail. */
static gboolean
parse_element (const char *elem, gsize elem_len, const char **out_name, gsize *out_len,
               guint *out_q)
{
  const char *end = elem + elem_len;
  const char *p = elem;
  guint q = Q_MAX;

  while (p < end && ds_field_is_tchar ((guchar) *p))
    p++;
  gsize len = (gsize) (p - elem);
  p = ds_field_skip_ows (p, end);
  if (len == 0)
    return FALSE;
  if (p < end)
    {
      if (*p != ';')
        return FALSE;
      p = ds_field_skip_ows (p + 1, end);
      if (end - p < 2 || (*p != 'q' && *p != 'Q') || p[1] != '=')
        return FALSE;
      if (!ds_field_parse_qvalue (p + 2, (gsize) (end - p - 2), &q))
        return FALSE;
    }
  *out_name = elem;
  *out_len = len;
  *out_q = q;
  return TRUE;
}

/* Reads @field into @out; when @other is not NULL, the q-value of that
 * coding (which classify() does not know) goes to *@out_other_q as well
 * (Q_UNSET when unlisted). */
static void
scan (const char *field, const char *other, DsAcceptEncoding *out, int *out_other_q)
{
  out->field = field;
  for (gsize i = 0; i < G_N_ELEMENTS (out->q); i++)
    out->q[i] = Q_UNSET;
  out->lowest = Q_MAX;
  if (out_other_q != NULL)
    *out_other_q = Q_UNSET;
  if (field == NULL)
    return;

  const char *p = field;
  const char *end = field + strlen (field);
  const char *elem;
  gsize elem_len;

  while (ds_field_list_next_unquoted (&p, end, &elem, &elem_len))
    {
      const char *name;
      gsize len;
      guint q;

      if (!parse_element (elem, elem_len, &name, &len, &q))
        continue;
      Slot slot = classify (name, len, other);
      if (slot < SLOT_OTHER && out->q[slot] == Q_UNSET)
        out->q[slot] = (int) q;
      else if (slot == SLOT_OTHER && *out_other_q == Q_UNSET)
        *out_other_q = (int) q;
      if (q > 0 && q < out->lowest)
        out->lowest = q;
    }
}

/* The q-value of a coding whose own entry is @own (Q_UNSET: unlisted). */
static guint
resolve (const DsAcceptEncoding *ae, int own, gboolean is_identity)
{
  if (own != Q_UNSET)
    return (guint) own;
  if (ae->q[SLOT_STAR] != Q_UNSET)
    return (guint) ae->q[SLOT_STAR];
  if (is_identity)
    return ae->lowest;
  return 0;
}

void
ds_accept_encoding_parse (const char *field, DsAcceptEncoding *out)
{
  g_return_if_fail (out != NULL);

  scan (field, NULL, out, NULL);
}

guint
ds_accept_encoding_qvalue (const DsAcceptEncoding *ae, const char *coding)
{
  g_return_val_if_fail (ae != NULL, 0);
  g_return_val_if_fail (coding != NULL, 0);

  if (ae->field == NULL)
    return Q_MAX;

  Slot slot = classify (coding, strlen (coding), NULL);
  if (slot != SLOT_NONE)
    return resolve (ae, ae->q[slot], slot == SLOT_IDENTITY);

  /* Not a coding the parsed value keeps: read its own entry from the field. */
  DsAcceptEncoding again;
  int own;
  scan (ae->field, coding, &again, &own);
  return resolve (ae, own, FALSE);
}

int
ds_accept_encoding_choose (const DsAcceptEncoding *ae, guint available)
{
  /* Equal q-values go to the earlier entry: br > gzip > identity. */
  static const DsEncoding order[] = { DS_ENC_BR, DS_ENC_GZIP, DS_ENC_IDENTITY };

  g_return_val_if_fail (ae != NULL, -1);

  if (ae->field == NULL)
    return DS_ENC_IDENTITY;

  available |= DS_ENC_MASK (DS_ENC_IDENTITY);

  int best = -1;
  guint best_q = 0;
  for (gsize i = 0; i < G_N_ELEMENTS (order); i++)
    {
      if ((available & DS_ENC_MASK (order[i])) == 0)
        continue;
      guint q = resolve (ae, ae->q[order[i]], order[i] == DS_ENC_IDENTITY);
      if (q > best_q)
        {
          best = (int) order[i];
          best_q = q;
        }
    }
  return best;
}
const char *
ds_encoding_name (DsEncoding e)
{
  switch (e)
    {
    case DS_ENC_GZIP:
      return "gzip";
    case DS_ENC_BR:
      return "br";
    case DS_ENC_IDENTITY:
    default:
      return NULL;
    }
}
