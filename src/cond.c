/* cond.c: conditional requests (RFC 9110 §8.8 validators, §13
 * preconditions): the strong ETag docserve makes, entity-tag list matching
 * for If-Match / If-None-Match, the §13.2.2 evaluation order, and If-Range
 * (§13.1.5), which decides whether a Range is honoured.  Dates are parsed
 * by httpdate.c; range.c only parses Range itself, so the two no longer
 * call each other.
 *
 * ds_cond_if_range_ok() (§13.1.5):
 * - Absent → TRUE.  A value starting with DQUOTE is an entity-tag compared
 *   strongly (§8.8.3.2): byte equality of the whole quoted tag with @etag.
 *   "W/" tags are weak and never match (§13.1.5: "MUST NOT ... weak").  If-Range
 *   carries one validator, not a list: "\"a\", \"b\"" is malformed → FALSE.
 * - Otherwise an HTTP-date (any of the three forms, ds_httpdate_parse()) that
 *   must equal @last_modified exactly and be strong.  §13.1.5 only allows a
 *   date that is a strong validator (§8.8.2.2); we can only know that the
 *   file did not change twice within the second named by Last-Modified once
 *   that second is over, so Last-Modified counts as strong only when
 *   now - last_modified >= 1 (the same one-second rule Apache applies when it
 *   weakens validators of just-modified files).  A file modified "now" or in
 *   the future never honours a date If-Range.  Malformed → FALSE (send 200).
 *
 */
#include "config.h"

#include "docserve/cond.h"

#include "docserve/field.h"
#include "docserve/httpdate.h"

#include <string.h>

/* A bounded cursor over the input: nothing reads at or past @end. */
void
ds_etag_make (guint64 size, gint64 mtime_ns, char out[DS_ETAG_LEN])
{
  g_return_if_fail (out != NULL);

  g_snprintf (out, DS_ETAG_LEN,
              "\"%" G_GINT64_MODIFIER "x-%" G_GINT64_MODIFIER "x\"",
              size, (guint64) mtime_ns);
}

/* etagc = %x21 / %x23-7E / obs-text */
static gboolean
is_etagc (guchar ch)
{
  return ch == 0x21 || (ch >= 0x23 && ch != 0x7f);
}

/* entity-tag = [ "W/" ] DQUOTE *etagc DQUOTE, at *@pp (advanced past it,
 * never beyond @end).  On success, @out_opaque and @out_len delimit the
 * opaque-tag including its quotes. */
static gboolean
eat_entity_tag (const char **pp, const char *end, gboolean *out_weak, const char **out_opaque,
                gsize *out_len)
{
  const char *p = *pp;

  *out_weak = end - p >= 2 && p[0] == 'W' && p[1] == '/';
  if (*out_weak)
    p += 2;
  const char *start = p;
  if (p == end || *p != '"')
    return FALSE;
  for (p++; p < end && is_etagc ((guchar) *p); p++)
    ;
  if (p == end || *p != '"')
    return FALSE;
  *pp = p + 1;
  *out_opaque = start;
  *out_len = (gsize) (*pp - start);
  return TRUE;
}

gboolean
ds_etag_list_match (const char *field, const char *etag, gboolean weak)
{
  g_return_val_if_fail (field != NULL, FALSE);
  g_return_val_if_fail (etag != NULL, FALSE);

  const char *e = etag, *e_end = etag + strlen (etag);
  gboolean etag_weak;
  const char *etag_opaque;
  gsize etag_len;

  if (!eat_entity_tag (&e, e_end, &etag_weak, &etag_opaque, &etag_len) || e != e_end)
    g_return_val_if_reached (FALSE);

  const char *end = field + strlen (field);
  const char *p = ds_field_skip_ows (field, end);
  end = ds_field_trim_ows_end (p, end);

  /* "*" is the whole field or nothing (If-Match = "*" / #entity-tag); it
   * matches because the caller has a current representation. */
  if (end - p == 1 && *p == '*')
    return TRUE;

  /* Parse every element before answering, so a malformed element anywhere
   * makes the field not match, even after a matching one.  Not a #list of
   * quoted strings: an entity-tag may hold ',' and a '\' escaping nothing. */
  gboolean matched = FALSE;
  while (p < end)
    {
      if (*p == ',')
        {
          p = ds_field_skip_ows (p + 1, end);
          continue;
        }

      gboolean tag_weak;
      const char *opaque;
      gsize opaque_len;

      if (!eat_entity_tag (&p, end, &tag_weak, &opaque, &opaque_len))
        return FALSE;
      p = ds_field_skip_ows (p, end);
      if (p < end && *p != ',')
        return FALSE;

      /* §8.8.3.2: strong comparison needs both tags strong. */
      if ((weak || (!tag_weak && !etag_weak)) && opaque_len == etag_len
          && memcmp (opaque, etag_opaque, etag_len) == 0)
        matched = TRUE;
    }
  return matched;
}

/* A valid HTTP-date from a NUL-terminated field, or FALSE. */
static gboolean
parse_field_date (const char *field, gint64 now, gint64 *out_t)
{
  return ds_httpdate_parse (field, strlen (field), now, out_t);
}

DsCondResult
ds_cond_evaluate (const DsCondFields *f, gboolean get_or_head,
                  const char *etag, gint64 mtime, gint64 now)
{
  g_return_val_if_fail (f != NULL, DS_COND_PROCEED);
  g_return_val_if_fail (etag != NULL, DS_COND_PROCEED);

  gint64 date;

  /* §13.2.2 step 1, else step 2 (§13.1.4: If-Unmodified-Since is ignored
   * when If-Match is present, or when its value is not a valid date). */
  if (f->if_match != NULL)
    {
      if (!ds_etag_list_match (f->if_match, etag, FALSE))
        return DS_COND_PRECONDITION_FAILED;
    }
  else if (f->if_unmodified_since != NULL
           && parse_field_date (f->if_unmodified_since, now, &date)
           && mtime > date)
    return DS_COND_PRECONDITION_FAILED;

  /* Step 3, else step 4 (§13.1.3: If-Modified-Since only for GET/HEAD,
   * ignored when If-None-Match is present, when invalid, or when later
   * than the server's current time). */
  if (f->if_none_match != NULL)
    {
      if (ds_etag_list_match (f->if_none_match, etag, TRUE))
        return get_or_head ? DS_COND_NOT_MODIFIED : DS_COND_PRECONDITION_FAILED;
    }
  else if (get_or_head && f->if_modified_since != NULL
           && parse_field_date (f->if_modified_since, now, &date)
           && date <= now && mtime <= date)
    return DS_COND_NOT_MODIFIED;

  return DS_COND_PROCEED;
}

gboolean
ds_cond_if_range_ok (const char *field, const char *etag, gint64 last_modified,
                     gint64 now)
{
  if (field == NULL)
    return TRUE;

  const char *p = field;
  gsize len = strlen (field);

  ds_field_trim_ows (&p, &len);
  if (len >= 2 && p[0] == 'W' && p[1] == '/')
    return FALSE;
  if (len >= 1 && p[0] == '"')
    {
      /* Our own tag is well-formed, so byte equality with it also means the
       * field was one valid entity-tag and nothing else. */
      return etag != NULL && strlen (etag) == len && memcmp (p, etag, len) == 0;
    }

  gint64 t;
  if (!ds_httpdate_parse (p, len, now, &t))
    return FALSE;
  if (t != last_modified)
    return FALSE;
  /* Strong only once the second named by Last-Modified is over. */
  return last_modified < now;
}
