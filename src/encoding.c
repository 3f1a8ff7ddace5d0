/* encoding.c: Accept-Encoding negotiation (RFC 9110 §12.5.3) for the
 * precompressed variants this server can send (X.br, X.gz; §8.4.1).
 *
 * Grammar (§12.5.3, §12.4.2, #rule of §5.6.1):
 *   Accept-Encoding = #( codings [ weight ] )
 *   codings         = content-coding / "identity" / "*"
 *   weight          = OWS ";" OWS "q=" qvalue
 *   qvalue          = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] )
 *
 * Choices:
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

#include "docserve/encoding.h"

#include "docserve/field.h"

#include <string.h>

#define Q_MAX DS_FIELD_Q_MAX
#define Q_UNSET (-1)

/* Where an entry's q-value goes.  The first three equal their DsEncoding. */
typedef enum
{
  SLOT_IDENTITY = DS_ENC_IDENTITY,
  SLOT_GZIP = DS_ENC_GZIP,
  SLOT_BR = DS_ENC_BR,
  SLOT_STAR,
  SLOT_OTHER, /* the coding asked about, when it is none of the above */
  N_SLOTS,
  SLOT_NONE = N_SLOTS /* a coding nobody asked about */
} Slot;

typedef struct
{
  const char *other; /* name for SLOT_OTHER, or NULL */
  int q[N_SLOTS];    /* Q_UNSET or 0..Q_MAX */
  guint lowest;      /* lowest q > 0 among well-formed entries; Q_MAX if none */
} Weights;

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

static void
scan (const char *field, const char *other, Weights *w)
{
  w->other = other;
  for (gsize i = 0; i < N_SLOTS; i++)
    w->q[i] = Q_UNSET;
  w->lowest = Q_MAX;

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
      if (slot != SLOT_NONE && w->q[slot] == Q_UNSET)
        w->q[slot] = (int) q;
      if (q > 0 && q < w->lowest)
        w->lowest = q;
    }
}

static guint
resolve (const Weights *w, Slot slot)
{
  if (w->q[slot] != Q_UNSET)
    return (guint) w->q[slot];
  if (w->q[SLOT_STAR] != Q_UNSET)
    return (guint) w->q[SLOT_STAR];
  if (slot == SLOT_IDENTITY)
    return w->lowest;
  return 0;
}

guint
ds_encoding_qvalue (const char *accept_encoding, const char *coding)
{
  g_return_val_if_fail (coding != NULL, 0);

  if (accept_encoding == NULL)
    return Q_MAX;

  Weights w;
  Slot slot = classify (coding, strlen (coding), NULL);
  if (slot == SLOT_NONE)
    slot = SLOT_OTHER;
  scan (accept_encoding, slot == SLOT_OTHER ? coding : NULL, &w);
  return resolve (&w, slot);
}

int
ds_encoding_choose (const char *accept_encoding, guint available)
{
  /* Equal q-values go to the earlier entry: br > gzip > identity. */
  static const DsEncoding order[] = { DS_ENC_BR, DS_ENC_GZIP, DS_ENC_IDENTITY };

  if (accept_encoding == NULL)
    return DS_ENC_IDENTITY;

  Weights w;
  scan (accept_encoding, NULL, &w);
  available |= DS_ENC_MASK (DS_ENC_IDENTITY);

  int best = -1;
  guint best_q = 0;
  for (gsize i = 0; i < G_N_ELEMENTS (order); i++)
    {
      if ((available & DS_ENC_MASK (order[i])) == 0)
        continue;
      guint q = resolve (&w, (Slot) order[i]);
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
