/* field.c: the grammar pieces of HTTP fields, written once for every parser
 * (ranges, Accept, Accept-Encoding, ETag lists, Connection, Host and the
 * request-head checks of reqhead.c).
 *
 * RFC 9110 §5.6: token = 1*tchar; OWS = *( SP / HTAB ); a #list element may
 * be empty and is then skipped (§5.6.1); quoted-string = DQUOTE *( qdtext /
 * quoted-pair ) DQUOTE (§5.6.4); weight = OWS ";" OWS "q=" qvalue (§12.4.2).
 * RFC 9112 §3.2 and RFC 3986 §3.2.2-3.2.3: Host = uri-host [ ":" port ].
 * Every function takes explicit spans, so a NUL inside a value is just a
 * byte that fails the grammar. */
#include "config.h"

#include "docserve/field.h"

#include <arpa/inet.h>
#include <string.h>

gboolean
ds_field_is_tchar (int c)
{
  return g_ascii_isalnum (c) || (c > 0 && c < 0x80 && strchr ("!#$%&'*+-.^_`|~", c) != NULL);
}

gboolean
ds_field_is_token (const char *s, gsize len)
{
  if (len == 0)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if (!ds_field_is_tchar ((guchar) s[i]))
      return FALSE;
  return TRUE;
}

gboolean
ds_field_is_ows (int c)
{
  return c == ' ' || c == '\t';
}

gboolean
ds_field_value_is_valid (const char *s, gsize len)
{
  for (gsize i = 0; i < len; i++)
    {
      guchar c = (guchar) s[i];
      if ((c < 0x20 && c != '\t') || c == 0x7f)
        return FALSE;
    }
  return TRUE;
}

const char *
ds_field_skip_ows (const char *p, const char *end)
{
  while (p < end && ds_field_is_ows (*p))
    p++;
  return p;
}

const char *
ds_field_trim_ows_end (const char *start, const char *end)
{
  while (end > start && ds_field_is_ows (end[-1]))
    end--;
  return end;
}

void
ds_field_trim_ows (const char **s, gsize *len)
{
  const char *end = *s + *len;
  const char *p = ds_field_skip_ows (*s, end);

  end = ds_field_trim_ows_end (p, end);
  *s = p;
  *len = (gsize) (end - p);
}

gboolean
ds_field_equals (const char *s, gsize len, const char *literal)
{
  return strlen (literal) == len && g_ascii_strncasecmp (s, literal, len) == 0;
}

/* qdtext = HTAB / SP / %x21 / %x23-5B / %x5D-7E / obs-text;
 * quoted-pair = "\" ( HTAB / SP / VCHAR / obs-text ). */
static gboolean
is_qdtext (guchar c)
{
  return c == '\t' || c == ' ' || c == 0x21 || (c >= 0x23 && c <= 0x5b) || (c >= 0x5d && c != 0x7f);
}

static gboolean
is_quotable (guchar c)
{
  return c == '\t' || (c >= 0x20 && c != 0x7f);
}

const char *
ds_field_skip_quoted (const char *p, const char *end)
{
  g_return_val_if_fail (p < end && *p == '"', NULL);

  for (p++; p < end; p++)
    {
      guchar c = (guchar) *p;
      if (c == '"')
        return p + 1;
      if (c == '\\')
        {
          if (++p == end || !is_quotable ((guchar) *p))
            return NULL;
        }
      else if (!is_qdtext (c))
        return NULL;
    }
  return NULL;
}

/* The end of the list element starting at @p: the next comma (outside a
 * quoted string when @quoted), or @end.  An unterminated quoted string runs
 * to @end. */
static const char *
element_end (const char *p, const char *end, gboolean quoted)
{
  if (!quoted)
    {
      const char *comma = memchr (p, ',', (gsize) (end - p));
      return comma != NULL ? comma : end;
    }
  while (p < end && *p != ',')
    {
      if (*p == '"')
        {
          const char *q = ds_field_skip_quoted (p, end);
          if (q == NULL)
            return end;
          p = q;
        }
      else
        p++;
    }
  return p;
}

static gboolean
list_next (const char **pos, const char *end, gboolean quoted, const char **out_elem,
           gsize *out_len)
{
  const char *p = *pos;

  while (p < end)
    {
      const char *stop = element_end (p, end, quoted);
      const char *elem = p;
      gsize len = (gsize) (stop - p);

      p = stop < end ? stop + 1 : end;
      ds_field_trim_ows (&elem, &len);
      if (len > 0)
        {
          *pos = p;
          *out_elem = elem;
          *out_len = len;
          return TRUE;
        }
    }
  *pos = end;
  return FALSE;
}

gboolean
ds_field_list_next (const char **pos, const char *end, const char **out_elem, gsize *out_len)
{
  return list_next (pos, end, TRUE, out_elem, out_len);
}

gboolean
ds_field_list_next_unquoted (const char **pos, const char *end, const char **out_elem,
                             gsize *out_len)
{
  return list_next (pos, end, FALSE, out_elem, out_len);
}

gboolean
ds_field_list_has (const char *value, const char *token)
{
  if (value == NULL)
    return FALSE;

  const char *p = value;
  const char *end = value + strlen (value);
  const char *elem;
  gsize len;

  while (ds_field_list_next_unquoted (&p, end, &elem, &len))
    if (ds_field_equals (elem, len, token))
      return TRUE;
  return FALSE;
}

gboolean
ds_field_parse_qvalue (const char *s, gsize len, guint *out_q)
{
  if (len == 0 || (s[0] != '0' && s[0] != '1'))
    return FALSE;

  guint q = (guint) (s[0] - '0') * DS_FIELD_Q_MAX;
  if (len > 1)
    {
      if (s[1] != '.' || len > 5)
        return FALSE;
      guint scale = 100;
      for (gsize i = 2; i < len; i++, scale /= 10)
        {
          if (!g_ascii_isdigit (s[i]))
            return FALSE;
          q += (guint) (s[i] - '0') * scale;
        }
    }
  if (q > DS_FIELD_Q_MAX)
    return FALSE; /* "1.5", "1.001" */
  *out_q = q;
  return TRUE;
}

gboolean
ds_field_element_weight (const char *params, const char *end, guint *out_q)
{
  *out_q = DS_FIELD_Q_MAX;
  if (params == NULL)
    return TRUE;

  const char *p = params;
  while (p < end)
    {
      const char *semi = memchr (p, ';', (gsize) (end - p));
      const char *param = p;
      gsize len = (gsize) ((semi != NULL ? semi : end) - p);

      p = semi != NULL ? semi + 1 : end;
      ds_field_trim_ows (&param, &len);
      if (len >= 2 && (param[0] == 'q' || param[0] == 'Q') && param[1] == '=')
        return ds_field_parse_qvalue (param + 2, len - 2, out_q);
    }
  return TRUE;
}

/* unreserved / sub-delims (RFC 3986 §2.2-2.3). */
static gboolean
is_host_char (guchar c)
{
  return g_ascii_isalnum (c) || (c != '\0' && strchr ("-._~!$&'()*+,;=", c) != NULL);
}

/* reg-name = *( unreserved / pct-encoded / sub-delims ); an IPv4address is
 * one too. */
static gboolean
is_reg_name (const char *s, gsize len)
{
  for (gsize i = 0; i < len; i++)
    {
      if (s[i] == '%')
        {
          if (i + 2 >= len || !g_ascii_isxdigit (s[i + 1]) || !g_ascii_isxdigit (s[i + 2]))
            return FALSE;
          i += 2;
        }
      else if (!is_host_char ((guchar) s[i]))
        return FALSE;
    }
  return TRUE;
}

/* IP-literal = "[" ( IPv6address / IPvFuture ) "]", without the brackets;
 * IPvFuture = "v" 1*HEXDIG "." 1*( unreserved / sub-delims / ":" ). */
static gboolean
is_ip_literal (const char *s, gsize len)
{
  if (len > 0 && (s[0] == 'v' || s[0] == 'V'))
    {
      gsize i = 1;
      while (i < len && g_ascii_isxdigit (s[i]))
        i++;
      if (i == 1 || i >= len - 1 || s[i] != '.')
        return FALSE;
      for (i++; i < len; i++)
        if (s[i] != ':' && !is_host_char ((guchar) s[i]))
          return FALSE;
      return TRUE;
    }

  char buf[INET6_ADDRSTRLEN];
  struct in6_addr addr;
  /* inet_pton reads a C string: a NUL would end the address early. */
  if (len == 0 || len >= sizeof buf || memchr (s, '\0', len) != NULL)
    return FALSE;
  memcpy (buf, s, len);
  buf[len] = '\0';
  return inet_pton (AF_INET6, buf, &addr) == 1;
}

gboolean
ds_field_host_is_valid (const char *s, gsize len)
{
  gsize host_len;

  if (len > 0 && s[0] == '[')
    {
      const char *close = memchr (s, ']', len);
      if (close == NULL || !is_ip_literal (s + 1, (gsize) (close - s - 1)))
        return FALSE;
      host_len = (gsize) (close - s + 1);
    }
  else
    {
      const char *colon = memchr (s, ':', len);
      host_len = colon != NULL ? (gsize) (colon - s) : len;
      if (host_len == 0 || !is_reg_name (s, host_len))
        return FALSE;
    }
  if (host_len == len)
    return TRUE;
  if (s[host_len] != ':')
    return FALSE;
  for (gsize i = host_len + 1; i < len; i++)
    if (!g_ascii_isdigit (s[i]))
      return FALSE;
  return TRUE;
}
