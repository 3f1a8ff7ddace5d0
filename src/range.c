/* range.c: byte ranges (RFC 9110 §14), If-Range (§13.1.5) and the
 * multipart/byteranges body (§14.6).
 *
 * Owns every decision about a Range field: whether it is usable at all, which
 * bytes it selects, and the exact bytes of a multi-range reply.  The handler
 * only maps the result to 200, 206 or 416.
 *
 * ds_range_parse(), grammar (§14.1, §14.1.2, §14.2):
 *   Range = ranges-specifier = range-unit "=" range-set
 *   range-set = 1#range-spec;  range-spec = int-range / suffix-range
 *   int-range = first-pos "-" [ last-pos ];  suffix-range = "-" suffix-length
 * - The unit is compared case-insensitively (§14.1: range units are
 *   case-insensitive).  Any other unit, or no '=' right after the unit, is
 *   ignored (NONE, §14.2: a server MAY ignore Range).  Whitespace *before*
 *   '=' is refused: "bytes =0-1" is not the token "bytes".
 * - The range-set is a #list (§5.6.1.2): OWS around commas and empty elements
 *   ("0-1,,3-4", "bytes=,0-1") are accepted and empty elements do not count
 *   as ranges.  Leniency: OWS right after '=' ("bytes= 0-1") is accepted as
 *   the OWS before a list element; the grammar does not allow it but it is
 *   unambiguous, and nginx accepts it too.  OWS at either end of the whole
 *   field value is skipped (it is not part of a field value, §5.5).  Nothing
 *   else is lenient: no whitespace inside a range-spec ("0 - 1"), no signs,
 *   only ASCII digits.
 * - Any syntax error in any element makes the whole field invalid, so it is
 *   ignored (NONE): §14.1.1 "If the last-pos value is present, it MUST be
 *   greater than or equal to first-pos" makes "9-1" invalid, and §14.2 lets a
 *   server ignore an invalid ranges-specifier.  A field without a single
 *   range-spec ("bytes=", "bytes=,") is invalid too (1#).
 * - Numbers are unbounded 1*DIGIT; they are read into a guint64 that
 *   saturates on overflow.  So a too-big last-pos is clipped like any last-pos
 *   past the end ("0-HUGE" is "0-"), a too-big first-pos is simply never below
 *   the size (unsatisfiable), and a too-big suffix-length selects the whole
 *   representation.  "last-pos >= first-pos" is still checked exactly when
 *   both overflow (by comparing the digit strings), so "HUGE2-HUGE1" with
 *   HUGE1 < HUGE2 is invalid as the grammar says.  Leading zeros never count
 *   as overflow.
 * - Satisfiability (§14.1.1): an int-range iff first-pos < size; a
 *   suffix-range iff suffix-length > 0.  last-pos is clipped to size - 1 and a
 *   suffix-length larger than the size selects all of it (§14.1.2).  At least
 *   one satisfiable range → SATISFIABLE with only those, in request order;
 *   none → UNSATISFIABLE (416, §15.5.17).
 * - Zero-length representation: NONE (serve the empty body with 200) for
 *   every field.  §14.1.2: "When a selected representation has zero length,
 *   the only satisfiable form of range-spec in a GET request is a
 *   suffix-range with a non-zero suffix-length", so "bytes=-1" is satisfiable
 *   and a 416 would be wrong, yet a 206 cannot express an empty range
 *   (Content-Range needs first-last with first <= last, §14.4).  §14.2: "A
 *   server that supports range requests MAY ignore a Range header field when
 *   the selected representation has no content", which covers "bytes=0-" as
 *   well.  nginx does the same for "0-" and "-n" (its parser declines a range
 *   starting at 0 that selects nothing), as do Apache, Rack and MinIO.
 * - Anti-amplification (§14.2 and §17.15 let a server ignore or reject
 *   "many small or overlapping ranges"): more than DS_RANGE_MAX range-specs
 *   (counting unsatisfiable ones, not empty list elements) → NONE.  If the
 *   satisfiable ranges are not strictly ascending and disjoint *and* their
 *   total length exceeds the size → NONE, like nginx; so a reply's data is
 *   never larger than the file.  Ascending disjoint ranges (adjacent ones
 *   included) are always returned as requested; nothing is coalesced or
 *   reordered (§14.2 permits but does not require it).
 *
 * ds_multipart_*() (§14.6, RFC 2046 §5.1.1): the body is laid out exactly as
 * nginx sends it (ngx_http_range_filter_module.c):
 *   for each span:  CRLF "--" BOUNDARY CRLF
 *                   "Content-Type: " TYPE CRLF
 *                   "Content-Range: bytes " FIRST "-" LAST "/" SIZE CRLF
 *                   CRLF  <span bytes>
 *   then:           CRLF "--" BOUNDARY "--" CRLF
 * The CRLF before the first delimiter is allowed: RFC 2046 makes it part of
 * the delimiter, with an empty preamble in front of it.  The text pieces are
 * built once; span bytes are pread(2) on demand, so any window of the body
 * can be produced without state (the MHD content reader asks for arbitrary
 * positions).  A file that is shorter than a span claims (it shrank after
 * the fstat) gives -1/EIO, never a loop or a zero-filled body. */
#include "config.h"

#include "docserve/range.h"

#include "docserve/field.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#define BYTES_UNIT "bytes"
#define BOUNDARY_MAX 70

/* ---- ds_range_parse ---- */

typedef struct
{
  const char *digits; /* first digit */
  gsize len;          /* number of digits, >= 1 */
  guint64 value;      /* G_MAXUINT64 when overflow */
  gboolean overflow;
} Number;

typedef enum
{
  SPEC_INT,   /* first-pos "-" [ last-pos ] */
  SPEC_SUFFIX /* "-" suffix-length */
} SpecKind;

typedef struct
{
  SpecKind kind;
  Number first;      /* SPEC_INT */
  gboolean has_last; /* SPEC_INT */
  Number last;       /* SPEC_INT with has_last; suffix-length for SPEC_SUFFIX */
} Spec;

/* Reads 1*DIGIT from *p (< end) into @out and advances *p.  Saturates at
 * G_MAXUINT64 and sets overflow.  Returns FALSE if there is no digit. */
static gboolean
read_number (const char **p, const char *end, Number *out)
{
  const char *s = *p;
  guint64 v = 0;
  gboolean overflow = FALSE;

  while (s < end && *s >= '0' && *s <= '9')
    {
      guint d = (guint) (*s - '0');

      if (!overflow && v > (G_MAXUINT64 - d) / 10)
        overflow = TRUE;
      if (!overflow)
        v = v * 10 + d;
      s++;
    }
  if (s == *p)
    return FALSE;

  out->digits = *p;
  out->len = (gsize) (s - *p);
  out->value = overflow ? G_MAXUINT64 : v;
  out->overflow = overflow;
  *p = s;
  return TRUE;
}

/* Compares two numbers exactly, also when both overflowed: <0, 0, >0. */
static int
number_cmp (const Number *a, const Number *b)
{
  if (!a->overflow && !b->overflow)
    return (a->value > b->value) - (a->value < b->value);
  if (a->overflow != b->overflow)
    return a->overflow ? 1 : -1;

  /* Both have more significant digits than a guint64 holds: without leading
   * zeros, the longer is larger, and equal lengths compare like strings. */
  const char *da = a->digits, *db = b->digits;
  gsize la = a->len, lb = b->len;

  while (la > 1 && *da == '0')
    {
      da++;
      la--;
    }
  while (lb > 1 && *db == '0')
    {
      db++;
      lb--;
    }
  if (la != lb)
    return la > lb ? 1 : -1;
  return memcmp (da, db, la);
}

/* Parses one non-empty list element [s, end) with no surrounding OWS. */
static gboolean
parse_spec (const char *s, const char *end, Spec *out)
{
  memset (out, 0, sizeof *out);

  if (*s == '-')
    {
      s++;
      out->kind = SPEC_SUFFIX;
      if (!read_number (&s, end, &out->last))
        return FALSE;
      return s == end;
    }

  out->kind = SPEC_INT;
  if (!read_number (&s, end, &out->first))
    return FALSE;
  if (s == end || *s != '-')
    return FALSE;
  s++;
  if (s == end)
    return TRUE;
  out->has_last = TRUE;
  if (!read_number (&s, end, &out->last) || s != end)
    return FALSE;
  /* §14.1.1: a last-pos below first-pos makes the range-spec invalid. */
  return number_cmp (&out->last, &out->first) >= 0;
}

/* The bytes @spec selects in a representation of @size (> 0) bytes.
 * Returns FALSE if it is unsatisfiable (§14.1.1). */
static gboolean
spec_resolve (const Spec *spec, guint64 size, DsRangeSpan *out)
{
  if (spec->kind == SPEC_SUFFIX)
    {
      guint64 n = spec->last.value;

      if (n == 0)
        return FALSE;
      out->first = n >= size ? 0 : size - n;
      out->last = size - 1;
      return TRUE;
    }

  if (spec->first.value >= size)
    return FALSE;
  out->first = spec->first.value;
  out->last = spec->has_last ? MIN (spec->last.value, size - 1) : size - 1;
  return TRUE;
}

/* TRUE if a reply with these spans could be larger than the file: they are
 * not strictly ascending and disjoint, and together longer than @size. */
static gboolean
spans_amplify (const DsRangeSpan *spans, guint n, guint64 size)
{
  gboolean ascending = TRUE;
  gboolean fits = TRUE;
  guint64 total = 0;

  for (guint i = 0; i < n; i++)
    {
      guint64 len = spans[i].last - spans[i].first + 1;

      if (i > 0 && spans[i].first <= spans[i - 1].last)
        ascending = FALSE;
      /* Sixteen spans of a file near 2^64 bytes would wrap; a total that
       * does not fit a guint64 is larger than any size. */
      fits = fits && g_uint64_checked_add (&total, total, len);
    }
  return !ascending && (!fits || total > size);
}

DsRangeResult
ds_range_parse (const char *field, guint64 size, DsRangeSpan out_spans[DS_RANGE_MAX],
                guint *out_n)
{
  g_return_val_if_fail (out_spans != NULL, DS_RANGE_NONE);
  g_return_val_if_fail (out_n != NULL, DS_RANGE_NONE);

  *out_n = 0;
  if (field == NULL)
    return DS_RANGE_NONE;

  const char *p = field;
  gsize len = strlen (field);

  ds_field_trim_ows (&p, &len);

  const char *end = p + len;
  gsize unit_len = strlen (BYTES_UNIT);
  if ((gsize) (end - p) <= unit_len || g_ascii_strncasecmp (p, BYTES_UNIT, unit_len) != 0
      || p[unit_len] != '=')
    return DS_RANGE_NONE;
  p += unit_len + 1;

  DsRangeSpan spans[DS_RANGE_MAX];
  guint n_specs = 0;
  guint n_sat = 0;

  const char *elem;
  gsize elem_len;

  /* Empty list elements are skipped (§5.6.1.2); no range-spec holds a
   * quoted-string, so every comma splits. */
  while (ds_field_list_next_unquoted (&p, end, &elem, &elem_len))
    {
      if (++n_specs > DS_RANGE_MAX)
        return DS_RANGE_NONE;

      Spec spec;
      if (!parse_spec (elem, elem + elem_len, &spec))
        return DS_RANGE_NONE;
      if (size > 0 && spec_resolve (&spec, size, &spans[n_sat]))
        n_sat++;
    }

  if (n_specs == 0)
    return DS_RANGE_NONE;
  /* Valid, but the representation is empty: ignore the field (see above). */
  if (size == 0)
    return DS_RANGE_NONE;
  if (n_sat == 0)
    return DS_RANGE_UNSATISFIABLE;
  if (spans_amplify (spans, n_sat, size))
    return DS_RANGE_NONE;

  memcpy (out_spans, spans, n_sat * sizeof spans[0]);
  *out_n = n_sat;
  return DS_RANGE_SATISFIABLE;
}

/* ---- multipart/byteranges ---- */

typedef struct
{
  guint64 start;    /* position of the piece in the body */
  guint64 len;      /* > 0 */
  gboolean is_file; /* span bytes (from the fd) or text (from mp->text) */
  guint64 offset;   /* into the file, or into mp->text */
} Piece;

struct _DsMultipart
{
  char *text; /* all text pieces, back to back */
  Piece *pieces;
  guint n_pieces;
  guint64 length;
};

/* RFC 2046 §5.1.1: 1*70 bchars, not ending in a space. */
static gboolean
boundary_valid (const char *b)
{
  static const char bchars_other[] = "'()+_,-./:=? ";
  gsize len = strlen (b);

  if (len == 0 || len > BOUNDARY_MAX || b[len - 1] == ' ')
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isalnum (b[i]) && strchr (bchars_other, b[i]) == NULL)
      return FALSE;
  return TRUE;
}

static void
add_piece (DsMultipart *mp, gboolean is_file, guint64 offset, guint64 len)
{
  Piece *pc = &mp->pieces[mp->n_pieces++];

  pc->start = mp->length;
  pc->len = len;
  pc->is_file = is_file;
  pc->offset = offset;
  mp->length += len;
}

DsMultipart *
ds_multipart_new (const DsRangeSpan *spans, guint n, guint64 size,
                  const char *content_type, const char *boundary)
{
  g_return_val_if_fail (spans != NULL && n > 0, NULL);
  g_return_val_if_fail (content_type != NULL
                        && ds_field_value_is_valid (content_type, strlen (content_type)), NULL);
  g_return_val_if_fail (boundary != NULL && boundary_valid (boundary), NULL);

  /* Checked outside g_return_val_if_fail(): G_DISABLE_CHECKS drops its
   * expression, and the sum must be computed either way. */
  guint64 data = 0;
  gboolean fits = TRUE;
  for (guint i = 0; i < n; i++)
    {
      g_return_val_if_fail (spans[i].first <= spans[i].last && spans[i].last < size, NULL);
      fits = fits && g_uint64_checked_add (&data, data, spans[i].last - spans[i].first + 1);
    }
  g_return_val_if_fail (fits, NULL);

  g_autoptr (GString) text = g_string_new (NULL);
  DsMultipart *mp = g_new0 (DsMultipart, 1);
  mp->pieces = g_new (Piece, 2 * (gsize) n + 1);

  for (guint i = 0; i < n; i++)
    {
      gsize at = text->len;

      g_string_append_printf (text,
                              "\r\n--%s\r\n"
                              "Content-Type: %s\r\n"
                              "Content-Range: bytes %" G_GUINT64_FORMAT "-%" G_GUINT64_FORMAT
                              "/%" G_GUINT64_FORMAT "\r\n"
                              "\r\n",
                              boundary, content_type, spans[i].first, spans[i].last, size);
      add_piece (mp, FALSE, at, text->len - at);
      add_piece (mp, TRUE, spans[i].first, spans[i].last - spans[i].first + 1);
    }
  gsize at = text->len;
  g_string_append_printf (text, "\r\n--%s--\r\n", boundary);
  add_piece (mp, FALSE, at, text->len - at);

  guint64 total;
  if (!g_uint64_checked_add (&total, data, text->len))
    {
      /* Spans near 2^64 bytes in all: no real file, so a caller bug. */
      ds_multipart_free (mp);
      g_return_val_if_reached (NULL);
    }
  g_assert (mp->length == total);
  mp->text = g_string_free (g_steal_pointer (&text), FALSE);
  return mp;
}

guint64
ds_multipart_length (const DsMultipart *mp)
{
  g_return_val_if_fail (mp != NULL, 0);

  return mp->length;
}

/* Index of the piece holding body position @pos (< mp->length). */
static guint
find_piece (const DsMultipart *mp, guint64 pos)
{
  guint lo = 0, hi = mp->n_pieces;

  /* Invariant: pieces[lo].start <= pos < pieces[hi].start (or the end). */
  while (hi - lo > 1)
    {
      guint mid = lo + (hi - lo) / 2;

      if (mp->pieces[mid].start <= pos)
        lo = mid;
      else
        hi = mid;
    }
  return lo;
}

/* Fills @buf with exactly @len file bytes at @offset.  Returns FALSE with
 * errno set on an error, EIO if the file ends first. */
static gboolean
pread_full (int fd, char *buf, gsize len, guint64 offset)
{
  while (len > 0)
    {
      if (offset > (guint64) G_MAXINT64)
        {
          errno = EOVERFLOW;
          return FALSE;
        }

      ssize_t r = pread (fd, buf, len, (off_t) offset);
      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0)
        return FALSE;
      if (r == 0)
        {
          /* The file shrank after its size was taken. */
          errno = EIO;
          return FALSE;
        }
      buf += r;
      len -= (gsize) r;
      offset += (guint64) r;
    }
  return TRUE;
}

gssize
ds_multipart_read (const DsMultipart *mp, int fd, guint64 pos, char *buf, gsize max)
{
  g_return_val_if_fail (mp != NULL, -1);
  g_return_val_if_fail (buf != NULL || max == 0, -1);

  if (pos >= mp->length || max == 0)
    return 0;
  max = MIN (max, (gsize) G_MAXSSIZE);

  gsize copied = 0;
  guint i = find_piece (mp, pos);

  while (copied < max && i < mp->n_pieces)
    {
      const Piece *pc = &mp->pieces[i];
      guint64 skip = pos - pc->start;
      gsize want = (gsize) MIN (pc->len - skip, (guint64) (max - copied));

      if (pc->is_file)
        {
          /* Bytes already copied are dropped: the caller ends the transfer. */
          if (!pread_full (fd, buf + copied, want, pc->offset + skip))
            return -1;
        }
      else
        memcpy (buf + copied, mp->text + pc->offset + skip, want);

      copied += want;
      pos += want;
      i++;
    }
  return (gssize) copied;
}

void
ds_multipart_free (DsMultipart *mp)
{
  if (mp == NULL)
    return;
  g_free (mp->text);
  g_free (mp->pieces);
  g_free (mp);
}
