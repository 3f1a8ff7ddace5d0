/* reqhead.c: the request-head checks that keep docserve and a proxy in
 * front of it reading the same requests (request smuggling), as nginx makes
 * them.  Every failure is a 400 followed by a close:
 *   - a field name must be a token (RFC 9110 §5.1); "Host : x" has a space
 *     before the colon (RFC 9112 §5.1: MUST be rejected with 400);
 *   - a value must not hold CR, LF or NUL (RFC 9110 §5.5);
 *   - obs-fold (RFC 9112 §5.2) is refused; libmicrohttpd 0.9.75 mis-parses
 *     it (it appends the continuation to the field *name* and moves that
 *     name elsewhere in its pool), so it is found by the layout walk below;
 *   - at most one Content-Length and one Transfer-Encoding, never both
 *     (RFC 9112 §6.1, §6.3: the framing is ambiguous; nginx answers 400),
 *     and no Transfer-Encoding in HTTP/1.0 (§6.1: the framing is faulty);
 *   - Host must be uri-host [":" port] (RFC 9112 §3.2: 400 when invalid);
 *   - a NUL byte inside the request target (the parser's C strings stop
 *     there, so the path served would not be the path requested).
 * The layout walk accounts for every byte of the head: request line, then
 * per field "name NUL OWS value" between line ends of one or two NULs (LF
 * or CRLF), then the empty line.  A byte it cannot place is a byte some
 * other reader of the same request would see differently. */
#include "config.h"

#include "docserve/reqhead.h"

#include "docserve/field.h"

#include <string.h>

static gboolean
value_ok (const char *v, gsize len)
{
  for (gsize i = 0; i < len; i++)
    if (v[i] == '\r' || v[i] == '\n' || v[i] == '\0')
      return FALSE;
  return TRUE;
}

/* @p is the first byte after a line: TRUE when @next follows one line end
 * (one NUL for LF, two for CRLF) and nothing else. */
static gboolean
line_end_then (const char *p, const char *next)
{
  if (next <= p || next - p > 2)
    return FALSE;
  for (; p < next; p++)
    if (*p != '\0')
      return FALSE;
  return TRUE;
}

/* Compared as integers: a moved name is a pointer into other memory. */
static gboolean
in_block (const DsRequestHead *h, const char *p, gsize len)
{
  guintptr start = (guintptr) h->block;
  guintptr at = (guintptr) p;

  return at >= start && at - start <= h->block_len && len <= h->block_len - (at - start);
}

gboolean
ds_reqhead_layout_ok (const DsRequestHead *h)
{
  const char *end = h->block + h->block_len;

  if (h->version == NULL || !in_block (h, h->version, 0))
    return FALSE;

  const char *p = h->version + strnlen (h->version, (gsize) (end - h->version));
  for (guint i = 0; i < h->n_fields; i++)
    {
      const DsHeaderField *f = &h->fields[i];
      if (!in_block (h, f->name, f->name_len) || !line_end_then (p, f->name))
        return FALSE;
      p = f->name + f->name_len;
      if (p == end || *p != '\0') /* the colon, overwritten */
        return FALSE;
      p = ds_field_skip_ows (p + 1, end);
      if (f->value != p || !in_block (h, f->value, f->value_len))
        return FALSE;
      p = f->value + f->value_len;
    }
  /* The last line's end and the empty line's: two to four NULs. */
  if (end - p < 2 || end - p > 4)
    return FALSE;
  for (; p < end; p++)
    if (*p != '\0')
      return FALSE;
  return TRUE;
}

/* The target runs up to the NUL that replaced the space before the
 * version; a first NUL before that was in the request. */
static gboolean
target_ok (const DsRequestHead *h)
{
  if (h->target == NULL || h->version == NULL || !in_block (h, h->target, h->target_len))
    return FALSE;
  return h->target + h->target_len + 1 == h->version;
}

static const char *const framing_names[] = { "Content-Length", "Transfer-Encoding", "Host" };
enum
{
  F_LENGTH,
  F_CODING,
  F_HOST,
  N_FRAMING
};

static DsHeadVerdict
check_fields (const DsRequestHead *h, const DsHeaderField *out_seen[N_FRAMING], guint count[N_FRAMING])
{
  for (guint i = 0; i < h->n_fields; i++)
    {
      const DsHeaderField *f = &h->fields[i];
      if (!ds_field_is_token (f->name, f->name_len))
        return DS_HEAD_BAD_NAME;
      if (!value_ok (f->value, f->value_len))
        return DS_HEAD_BAD_VALUE;
      for (guint k = 0; k < N_FRAMING; k++)
        if (ds_field_equals (f->name, f->name_len, framing_names[k]))
          {
            count[k]++;
            out_seen[k] = f;
          }
    }
  return DS_HEAD_OK;
}

static gboolean
value_is (const DsHeaderField *f, const char *literal)
{
  const char *v = f->value;
  gsize len = f->value_len;

  ds_field_trim_ows (&v, &len);
  return ds_field_equals (v, len, literal);
}

static gboolean
host_ok (const DsHeaderField *f)
{
  const char *v = f->value;
  gsize len = f->value_len;

  ds_field_trim_ows (&v, &len);
  return ds_field_host_is_valid (v, len);
}

DsHeadVerdict
ds_reqhead_check (const DsRequestHead *h)
{
  g_return_val_if_fail (h != NULL, DS_HEAD_BAD_LAYOUT);

  const DsHeaderField *seen[N_FRAMING] = { NULL, NULL, NULL };
  guint count[N_FRAMING] = { 0, 0, 0 };
  DsHeadVerdict v = check_fields (h, seen, count);

  if (v != DS_HEAD_OK)
    return v;
  if (!target_ok (h))
    return DS_HEAD_BAD_TARGET;
  if (!ds_reqhead_layout_ok (h))
    return DS_HEAD_BAD_LAYOUT;
  if (count[F_LENGTH] > 1)
    return DS_HEAD_DUP_LENGTH;
  if (count[F_CODING] > 1)
    return DS_HEAD_DUP_CODING;
  if (count[F_CODING] > 0 && count[F_LENGTH] > 0)
    return DS_HEAD_LENGTH_AND_CODING;
  if (count[F_CODING] > 0 && g_strcmp0 (h->version, "HTTP/1.0") == 0)
    return DS_HEAD_CODING_HTTP10;
  if (count[F_HOST] == 1 && !host_ok (seen[F_HOST]))
    return DS_HEAD_BAD_HOST;
  /* libmicrohttpd frames a body as chunked only for a value that is
   * exactly "chunked" (any case); with OWS around it, it reads until the
   * connection closes. */
  if (count[F_CODING] == 1 && value_is (seen[F_CODING], "chunked")
      && !ds_field_equals (seen[F_CODING]->value, seen[F_CODING]->value_len, "chunked"))
    return DS_HEAD_OK_CLOSE;
  return DS_HEAD_OK;
}

const char *
ds_reqhead_verdict_text (DsHeadVerdict v)
{
  switch (v)
    {
    case DS_HEAD_OK:
      return "well-formed";
    case DS_HEAD_OK_CLOSE:
      return "well-formed, answered before the body";
    case DS_HEAD_BAD_NAME:
      return "a field name that is not a token";
    case DS_HEAD_BAD_VALUE:
      return "CR, LF or NUL in a field value";
    case DS_HEAD_BAD_TARGET:
      return "NUL in the request target";
    case DS_HEAD_BAD_LAYOUT:
      return "a folded line or a NUL inside a header line";
    case DS_HEAD_DUP_LENGTH:
      return "two Content-Length fields";
    case DS_HEAD_DUP_CODING:
      return "two Transfer-Encoding fields";
    case DS_HEAD_LENGTH_AND_CODING:
      return "both Content-Length and Transfer-Encoding";
    case DS_HEAD_CODING_HTTP10:
      return "Transfer-Encoding in an HTTP/1.0 request";
    case DS_HEAD_BAD_HOST:
      return "an invalid Host";
    default:
      return "malformed";
    }
}
