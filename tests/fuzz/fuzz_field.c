/* fuzz_field.c: every function of field.h (HTTP field syntax).
 *
 * Input: the whole input is one span (a field value, with any bytes, NUL
 * included), copied into a buffer of exactly its size so that AddressSanitizer
 * sees any read past it.  The functions that take C strings get the input up
 * to its first NUL.
 *
 * Properties:
 * - tchar/token/OWS/field-value: agree with the RFC 9110 character classes
 *   written out here byte by byte;
 * - skip_ows, trim_ows_end, trim_ows stay inside the span and stop exactly
 *   at the first/last byte that is not SP or HTAB;
 * - equals: ASCII case-insensitive equality of the whole span;
 * - skip_quoted, from every DQUOTE: NULL, or a position inside the span just
 *   after a DQUOTE, and the same position when the span is cut there;
 * - list_next and list_next_unquoted: every element lies inside the input,
 *   is not empty, has no OWS at either end, comes after the previous one,
 *   and each call makes progress; at the end the position is the span's
 *   end.  Unquoted elements are exactly the comma-separated pieces (OWS
 *   trimmed, empty ones dropped); a quoted element has no comma outside
 *   its quoted strings;
 * - list_has: TRUE exactly when an unquoted element equals the token;
 * - parse_qvalue: accepts exactly ( "0" [ "." 0*3DIGIT ] ) /
 *   ( "1" [ "." 0*3("0") ] ), with the value of the digits;
 * - element_weight: q <= 1000; no "q=" parameter gives 1000; else the
 *   result is parse_qvalue of the first one;
 * - host_is_valid: no byte a Host may not hold (whitespace, controls,
 *   '/', '?', '#', '@', '"', '\'); a valid host without ':' stays valid
 *   with ":8080" appended; a bracketed inet_pton IPv6 address is valid;
 * - no function's result depends on the bytes after the span: each is
 *   called again on a copy followed by a byte that would change the answer
 *   ('"', ',', ']', '0', ':' or ' '). */
#include "config.h"

#include "docserve/field.h"

#include "fuzz_common.h"

#include <arpa/inet.h>

FUZZ_DEFAULT_INITIALIZE

/* RFC 9110 §5.6.2, written as the grammar lists it. */
static gboolean
ref_tchar (guchar c)
{
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '!'
         || c == '#' || c == '$' || c == '%' || c == '&' || c == '\'' || c == '*' || c == '+'
         || c == '-' || c == '.' || c == '^' || c == '_' || c == '`' || c == '|' || c == '~';
}

static gboolean
ref_ows (guchar c)
{
  return c == ' ' || c == '\t';
}

/* field-vchar / SP / HTAB: VCHAR is 0x21-0x7e, obs-text 0x80-0xff. */
static gboolean
ref_value_byte (guchar c)
{
  return c == ' ' || c == '\t' || (c >= 0x21 && c <= 0x7e) || c >= 0x80;
}

static void
check_classes (const char *s, gsize len, const char *shown)
{
  gboolean all_tchar = len > 0, all_value = TRUE;

  for (gsize i = 0; i < len; i++)
    {
      guchar c = (guchar) s[i];
      FUZZ_CHECK (ds_field_is_tchar (c) == ref_tchar (c), "is_tchar (0x%02x)", c);
      FUZZ_CHECK (ds_field_is_ows (c) == ref_ows (c), "is_ows (0x%02x)", c);
      all_tchar = all_tchar && ref_tchar (c);
      all_value = all_value && ref_value_byte (c);
    }
  FUZZ_CHECK (ds_field_is_token (s, len) == all_tchar, "is_token \"%s\"", shown);
  FUZZ_CHECK (ds_field_value_is_valid (s, len) == all_value, "value_is_valid \"%s\"", shown);
}

static void
check_ows (const char *s, gsize len, const char *shown)
{
  const char *end = s + len;
  const char *p = ds_field_skip_ows (s, end);
  const char *e = ds_field_trim_ows_end (p, end);

  FUZZ_CHECK (p >= s && p <= end, "skip_ows left the span: \"%s\"", shown);
  for (const char *q = s; q < p; q++)
    FUZZ_CHECK (ref_ows ((guchar) *q), "skip_ows skipped a non-OWS byte: \"%s\"", shown);
  FUZZ_CHECK (p == end || !ref_ows ((guchar) *p), "skip_ows stopped at OWS: \"%s\"", shown);

  FUZZ_CHECK (e >= p && e <= end, "trim_ows_end left the span: \"%s\"", shown);
  for (const char *q = e; q < end; q++)
    FUZZ_CHECK (ref_ows ((guchar) *q), "trim_ows_end trimmed a non-OWS byte: \"%s\"", shown);
  FUZZ_CHECK (e == p || !ref_ows ((guchar) e[-1]), "trim_ows_end stopped at OWS: \"%s\"", shown);

  const char *t = s;
  gsize tlen = len;
  ds_field_trim_ows (&t, &tlen);
  FUZZ_CHECK (t == p && t + tlen == e, "trim_ows differs from skip + trim_end: \"%s\"", shown);

  /* equals: the trimmed span against itself in another case, and against
   * literals. */
  g_autofree char *lit = g_strndup (t, tlen);
  if (strlen (lit) == tlen)
    {
      g_autofree char *up = g_ascii_strup (lit, -1);
      FUZZ_CHECK (ds_field_equals (t, tlen, up), "equals is not case-insensitive: \"%s\"", shown);
    }
  static const char *const literals[] = { "chunked", "close", "keep-alive", "", "*" };
  for (gsize i = 0; i < G_N_ELEMENTS (literals); i++)
    {
      gsize n = strlen (literals[i]);
      gboolean want = n == tlen && g_ascii_strncasecmp (t, literals[i], n) == 0;
      FUZZ_CHECK (ds_field_equals (t, tlen, literals[i]) == want, "equals \"%s\" on \"%s\"",
                  literals[i], shown);
    }
}

/* qdtext = HTAB / SP / %x21 / %x23-5B / %x5D-7E / obs-text;
 * quoted-pair = "\" ( HTAB / SP / VCHAR / obs-text ). */
static const char *
ref_skip_quoted (const char *p, const char *end)
{
  for (p++; p < end; p++)
    {
      guchar c = (guchar) *p;
      if (c == '"')
        return p + 1;
      if (c == '\\')
        {
          p++;
          if (p == end || !ref_value_byte ((guchar) *p))
            return NULL;
        }
      else if (!ref_value_byte (c))
        return NULL;
    }
  return NULL;
}

static void
check_quoted (const char *s, gsize len, const char *shown)
{
  const char *end = s + len;

  for (const char *p = s; p < end; p++)
    {
      if (*p != '"')
        continue;
      const char *q = ds_field_skip_quoted (p, end);
      FUZZ_CHECK (q == ref_skip_quoted (p, end), "skip_quoted at %td of \"%s\"", p - s, shown);
      if (q == NULL)
        continue;
      FUZZ_CHECK (q >= p + 2 && q <= end && q[-1] == '"', "skip_quoted end at %td of \"%s\"",
                  p - s, shown);
      FUZZ_CHECK (ds_field_skip_quoted (p, q) == q, "skip_quoted looked past its end: \"%s\"",
                  shown);
    }
}

/* Collects the elements of @s by list_next (@quoted) or list_next_unquoted,
 * checking the iteration properties; returns them as "elem\x01elem\x01". */
static GString *
iterate (const char *s, gsize len, gboolean quoted, const char *shown)
{
  const char *end = s + len;
  const char *pos = s;
  const char *prev_end = s;
  const char *elem;
  gsize elen;
  GString *out = g_string_new (NULL);
  gsize calls = 0;

  for (;;)
    {
      const char *before = pos;
      gboolean got = quoted ? ds_field_list_next (&pos, end, &elem, &elen)
                            : ds_field_list_next_unquoted (&pos, end, &elem, &elen);
      FUZZ_CHECK (pos >= before && pos <= end, "list_next moved out of the span: \"%s\"", shown);
      if (!got)
        {
          FUZZ_CHECK (pos == end, "list_next stopped before the end: \"%s\"", shown);
          break;
        }
      FUZZ_CHECK (++calls <= len, "list_next gave more elements than bytes: \"%s\"", shown);
      FUZZ_CHECK (pos > before, "list_next made no progress: \"%s\"", shown);
      FUZZ_CHECK (elen > 0, "list_next gave an empty element: \"%s\"", shown);
      FUZZ_CHECK (elem >= prev_end && elem + elen <= pos && elem + elen <= end,
                  "element outside its place: \"%s\"", shown);
      FUZZ_CHECK (!ref_ows ((guchar) elem[0]) && !ref_ows ((guchar) elem[elen - 1]),
                  "element not trimmed: \"%s\"", shown);
      prev_end = elem + elen;

      /* Commas only inside quoted strings (none at all when unquoted). */
      const char *e = elem + elen;
      for (const char *p = elem; p < e;)
        {
          if (quoted && *p == '"')
            {
              const char *q = ds_field_skip_quoted (p, end);
              if (q == NULL)
                {
                  /* Unterminated: the element runs to the end of the input. */
                  FUZZ_CHECK (ds_field_trim_ows_end (elem, end) == e && pos == end,
                              "unterminated quote did not run to the end: \"%s\"", shown);
                  break;
                }
              p = q;
              continue;
            }
          FUZZ_CHECK (*p != ',', "comma inside an element: \"%s\"", shown);
          p++;
        }
      g_string_append_printf (out, "%zu:", elen);
      g_string_append_len (out, elem, (gssize) elen);
    }
  return out;
}

/* Unquoted reference: split at every comma, trim, drop the empty ones.
 * Appends "LEN:BYTES" per element to @out and a copy of each to @copies
 * (either may be NULL). */
static void
ref_split (const char *s, gsize len, GString *out, GPtrArray *copies)
{
  const char *end = s + len;
  const char *p = s;

  for (;;)
    {
      const char *comma = memchr (p, ',', (gsize) (end - p));
      const char *stop = comma != NULL ? comma : end;
      const char *a = p, *b = stop;
      while (a < b && ref_ows ((guchar) *a))
        a++;
      while (b > a && ref_ows ((guchar) b[-1]))
        b--;
      if (b > a && out != NULL)
        {
          g_string_append_printf (out, "%td:", b - a);
          g_string_append_len (out, a, b - a);
        }
      if (b > a && copies != NULL)
        g_ptr_array_add (copies, g_strndup (a, (gsize) (b - a)));
      if (comma == NULL)
        break;
      p = comma + 1;
    }
}

static void
check_lists (const char *s, gsize len, const char *shown)
{
  g_autoptr (GString) quoted = iterate (s, len, TRUE, shown);
  g_autoptr (GString) unquoted = iterate (s, len, FALSE, shown);
  g_autoptr (GString) ref = g_string_new (NULL);

  ref_split (s, len, ref, NULL);

  FUZZ_CHECK (g_string_equal (unquoted, ref), "unquoted elements differ from the split: \"%s\"",
              shown);
  if (memchr (s, '"', len) == NULL)
    FUZZ_CHECK (g_string_equal (quoted, unquoted), "no quotes, yet the lists differ: \"%s\"",
                shown);

  /* list_has on the C string (up to the first NUL). */
  g_autofree char *value = g_strndup (s, len);
  g_autoptr (GPtrArray) elems = g_ptr_array_new_with_free_func (g_free);
  static const char *const tokens[] = { "close", "keep-alive", "chunked" };

  ref_split (value, strlen (value), NULL, elems);
  for (gsize i = 0; i < G_N_ELEMENTS (tokens); i++)
    {
      gboolean want = FALSE;
      for (guint k = 0; k < elems->len; k++)
        want = want || g_ascii_strcasecmp (elems->pdata[k], tokens[i]) == 0;
      FUZZ_CHECK (ds_field_list_has (value, tokens[i]) == want, "list_has %s on \"%s\"", tokens[i],
                  shown);
    }
  for (guint k = 0; k < elems->len; k++)
    FUZZ_CHECK (ds_field_list_has (value, elems->pdata[k]),
                "list_has misses its own element: \"%s\"", shown);
  FUZZ_CHECK (!ds_field_list_has (NULL, "close"), "list_has (NULL)");
}

/* qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ), or -1. */
static gint
ref_qvalue (const char *s, gsize len)
{
  if (len == 0 || len > 5 || (s[0] != '0' && s[0] != '1'))
    return -1;
  if (len > 1 && s[1] != '.')
    return -1;

  gint q = s[0] == '1' ? 1000 : 0;
  static const gint scale[] = { 100, 10, 1 };
  for (gsize i = 2; i < len; i++)
    {
      if (!g_ascii_isdigit (s[i]) || (s[0] == '1' && s[i] != '0'))
        return -1;
      q += (s[i] - '0') * scale[i - 2];
    }
  return q;
}

static void
check_weights (const char *s, gsize len, const char *shown)
{
  guint q = 4242;
  gboolean ok = ds_field_parse_qvalue (s, len, &q);
  gint want = ref_qvalue (s, len);

  FUZZ_CHECK (ok == (want >= 0) && (!ok || q == (guint) want), "parse_qvalue \"%s\": %d %u, want %d",
              shown, ok, q, want);

  const char *end = s + len;
  ok = ds_field_element_weight (s, end, &q);
  FUZZ_CHECK (!ok || q <= DS_FIELD_Q_MAX, "element_weight %u for \"%s\"", q, shown);

  /* The first parameter that is "q=..." (OWS trimmed) decides. */
  const char *p = s;
  gboolean found = FALSE;
  while (p < end && !found)
    {
      const char *semi = memchr (p, ';', (gsize) (end - p));
      const char *param = p;
      gsize plen = (gsize) ((semi != NULL ? semi : end) - p);

      p = semi != NULL ? semi + 1 : end;
      ds_field_trim_ows (&param, &plen);
      if (plen >= 2 && g_ascii_tolower (param[0]) == 'q' && param[1] == '=')
        {
          gint w = ref_qvalue (param + 2, plen - 2);
          FUZZ_CHECK (ok == (w >= 0) && (!ok || q == (guint) w), "element_weight \"%s\"", shown);
          found = TRUE;
        }
    }
  if (!found)
    FUZZ_CHECK (ok && q == DS_FIELD_Q_MAX, "element_weight without q= \"%s\"", shown);
  FUZZ_CHECK (ds_field_element_weight (NULL, NULL, &q) && q == DS_FIELD_Q_MAX,
              "element_weight (NULL)");
}

static void
check_host (const char *s, gsize len, const char *shown)
{
  gboolean valid = ds_field_host_is_valid (s, len);

  if (valid)
    {
      FUZZ_CHECK (len > 0, "empty Host accepted");
      for (gsize i = 0; i < len; i++)
        {
          guchar c = (guchar) s[i];
          FUZZ_CHECK (c > 0x20 && c < 0x7f && strchr ("/?#@\"\\<>^`{|}", c) == NULL,
                      "Host \"%s\" accepted with byte 0x%02x", shown, c);
        }
      if (memchr (s, ':', len) == NULL)
        {
          g_autofree char *with_port = g_strdup_printf ("%.*s:8080", (int) len, s);
          FUZZ_CHECK (ds_field_host_is_valid (with_port, len + 5),
                      "Host \"%s\" is not valid with a port", shown);
        }
    }

  /* An IPv6 address inet_pton reads, bracketed, is a valid Host. */
  if (len > 0 && len < INET6_ADDRSTRLEN && memchr (s, '\0', len) == NULL)
    {
      g_autofree char *addr = g_strndup (s, len);
      struct in6_addr a6;
      if (inet_pton (AF_INET6, addr, &a6) == 1)
        {
          g_autofree char *lit = g_strdup_printf ("[%s]", addr);
          FUZZ_CHECK (ds_field_host_is_valid (lit, len + 2), "IPv6 literal %s refused", lit);
        }
    }
}

/* One pass over a span; the results that must not depend on the bytes
 * after it, as a string. */
static GString *
results (const char *s, gsize len)
{
  GString *r = g_string_new (NULL);
  const char *end = s + len;
  const char *pos = s;
  const char *elem;
  gsize elen;
  guint q = 0;

  g_string_append_printf (r, "tok %d val %d host %d ows %td/%td ", ds_field_is_token (s, len),
                          ds_field_value_is_valid (s, len), ds_field_host_is_valid (s, len),
                          ds_field_skip_ows (s, end) - s, ds_field_trim_ows_end (s, end) - s);
  g_string_append_printf (r, "q %d", ds_field_parse_qvalue (s, len, &q));
  g_string_append_printf (r, "/%u w %d", q, ds_field_element_weight (s, end, &q));
  g_string_append_printf (r, "/%u |", q);
  while (ds_field_list_next (&pos, end, &elem, &elen))
    g_string_append_printf (r, "%td+%zu,", elem - s, elen);
  pos = s;
  g_string_append_c (r, '|');
  while (ds_field_list_next_unquoted (&pos, end, &elem, &elen))
    g_string_append_printf (r, "%td+%zu,", elem - s, elen);
  g_string_append_c (r, '|');
  for (const char *p = s; p < end; p++)
    if (*p == '"')
      {
        const char *qe = ds_field_skip_quoted (p, end);
        g_string_append_printf (r, "%td,", qe != NULL ? qe - s : -1);
      }
  return r;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  /* Exactly @size bytes on the heap: a read past the span is an ASan error.
   * g_malloc (0) is NULL; the functions take (NULL, 0) only where an empty
   * span has a pointer, so give them a one-byte buffer then. */
  char *s = g_malloc (size > 0 ? size : 1);
  memcpy (s, data, size);
  g_autofree char *shown = fuzz_show (data, size);

  check_classes (s, size, shown);
  check_ows (s, size, shown);
  check_quoted (s, size, shown);
  check_lists (s, size, shown);
  check_weights (s, size, shown);
  check_host (s, size, shown);

  g_autoptr (GString) base = results (s, size);
  static const char after[] = "\",]0: ";
  char *longer = g_malloc (size + 1);
  memcpy (longer, data, size);
  for (gsize i = 0; i < sizeof after - 1; i++)
    {
      longer[size] = after[i];
      g_autoptr (GString) r = results (longer, size);
      FUZZ_CHECK (g_string_equal (r, base), "a result changed with '%c' after \"%s\": %s / %s",
                  after[i], shown, base->str, r->str);
    }
  g_free (longer);
  g_free (s);
  return 0;
}
