/* negotiate.c: proactive content negotiation (RFC 9110 §12.1): which
 * content coding to send (Accept-Encoding, §12.5.3) among the precompressed
 * variants this server can send (X.br, X.gz; §8.4.1), and which media type
 * (Accept, §12.5.1) among those a generator can write (a listing's HTML or
 * JSON).
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
 *
 * Accept (ds_accept_media_choose, §12.5.1): each candidate type gets the
 * weight of the most specific media range matching it ("type/subtype" over
 * "type/ *" over "* / *", spaces added to keep this comment a comment), 0 if
 * none does; a range repeated at the same specificity counts with its
 * highest weight.  Type and subtype are case-insensitive.  The candidate
 * with the highest weight wins, the earliest on a tie, so a listing asking
 * for HTML before JSON gets JSON only when JSON's weight is positive and
 * strictly higher: "* / *" alone or a browser's list gives HTML.  Elements
 * with a malformed weight (§12.4.2) are ignored; parameters other than q
 * do not change the weight, and those after it are accept-ext, ignored too.
 * The list is split at every comma (ds_field_list_next_unquoted), so a
 * quoted parameter value holding a comma is cut there.  One pass, no
 * allocation.
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

/* ---- Accept ---------------------------------------------------------- */

/* One candidate media type and the best match found for it so far:
 * specificity 0 (none), 1 (star/star), 2 (type/star), 3 (type/subtype),
 * and its weight. */
typedef struct
{
  const char *type;
  gsize type_len;
  const char *subtype;
  gsize subtype_len;
  int specificity;
  guint weight;
} Want;

static gboolean
span_equals (const char *a, gsize a_len, const char *b, gsize b_len)
{
  return a_len == b_len && g_ascii_strncasecmp (a, b, a_len) == 0;
}

static gboolean
is_star (const char *s, gsize len)
{
  return len == 1 && s[0] == '*';
}

static void
want_consider (Want *w, const char *type, gsize type_len, const char *sub, gsize sub_len,
               guint weight)
{
  int spec;

  if (is_star (type, type_len) && is_star (sub, sub_len))
    spec = 1;
  else if (!span_equals (type, type_len, w->type, w->type_len))
    return;
  else if (is_star (sub, sub_len))
    spec = 2;
  else if (span_equals (sub, sub_len, w->subtype, w->subtype_len))
    spec = 3;
  else
    return;

  /* The most specific range decides; among equally specific ones (a sender
   * repeating itself) the higher weight. */
  if (spec > w->specificity || (spec == w->specificity && weight > w->weight))
    {
      w->specificity = spec;
      w->weight = weight;
    }
}

/* One element of an Accept list, OWS trimmed: "type/subtype *( OWS ; OWS
 * param )".  Malformed elements are ignored; parameters after the weight
 * are accept-ext, ignored too. */
static void
accept_element (const char *p, gsize len, Want *wants, guint n_wants)
{
  const char *end = p + len;
  const char *semi = memchr (p, ';', len);
  const char *range_end = ds_field_trim_ows_end (p, semi != NULL ? semi : end);
  const char *slash = memchr (p, '/', (gsize) (range_end - p));
  guint weight;

  if (slash == NULL || slash == p || slash + 1 == range_end)
    return;
  if (!ds_field_element_weight (semi != NULL ? semi + 1 : NULL, end, &weight))
    return;

  gsize type_len = (gsize) (slash - p);
  gsize sub_len = (gsize) (range_end - slash - 1);
  for (guint i = 0; i < n_wants; i++)
    want_consider (&wants[i], p, type_len, slash + 1, sub_len, weight);
}

int
ds_accept_media_choose (const char *accept, const char *const *types, guint n_types)
{
  g_return_val_if_fail (types != NULL, -1);
  g_return_val_if_fail (n_types >= 1 && n_types <= DS_ACCEPT_MEDIA_MAX, -1);

  Want wants[DS_ACCEPT_MEDIA_MAX];
  for (guint i = 0; i < n_types; i++)
    {
      const char *slash = strchr (types[i], '/');
      g_return_val_if_fail (slash != NULL, -1);
      wants[i] = (Want) { .type = types[i],
                          .type_len = (gsize) (slash - types[i]),
                          .subtype = slash + 1,
                          .subtype_len = strlen (slash + 1) };
    }
  if (accept == NULL)
    return 0;

  const char *p = accept;
  const char *end = accept + strlen (accept);
  const char *elem;
  gsize len;

  while (ds_field_list_next_unquoted (&p, end, &elem, &len))
    accept_element (elem, len, wants, n_types);

  int best = -1;
  guint best_weight = 0;
  for (guint i = 0; i < n_types; i++)
    if (wants[i].weight > best_weight)
      {
        best = (int) i;
        best_weight = wants[i].weight;
      }
  return best;
}
