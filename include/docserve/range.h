/* range.h: byte ranges (RFC 9110 §14): parsing a Range field against a
 * representation size, If-Range, and the multipart/byteranges layout
 * (RFC 9110 §14.6) of a 206 with several ranges.  Pure: no clock, no MHD. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define DS_RANGE_MAX 16

typedef enum
{
  DS_RANGE_NONE = 0,          /* no usable Range: serve the whole representation (200) */
  DS_RANGE_SATISFIABLE,       /* 206 with out_spans */
  DS_RANGE_UNSATISFIABLE      /* 416 with an unsatisfied-range Content-Range
                               * (RFC 9110 §14.4: "bytes", SP, "*", "/", SIZE) */
} DsRangeResult;

typedef struct
{
  guint64 first; /* inclusive */
  guint64 last;  /* inclusive, < size */
} DsRangeSpan;

/* Parses the Range field value @field (NULL = absent) for a representation
 * of @size bytes.  See range.c for the exact rules (units other than bytes
 * and syntax errors are ignored → NONE; more than DS_RANGE_MAX ranges, or
 * overlapping / unordered ranges whose total exceeds @size → NONE, so a
 * reply is never larger than the file plus part headers).  On SATISFIABLE
 * fills out_spans[0..*out_n) with the satisfiable ranges in request order,
 * clipped to the size.  A zero-size representation always gives NONE
 * (RFC 9110 §14.2 lets a server ignore Range then; see range.c).  *out_n is
 * 0 unless SATISFIABLE. */
DsRangeResult ds_range_parse (const char *field, guint64 size, DsRangeSpan out_spans[DS_RANGE_MAX],
                              guint *out_n);

/* Layout of a multipart/byteranges body: text pieces (boundary lines and
 * part headers) interleaved with file spans. */
typedef struct _DsMultipart DsMultipart;

/* Builds the layout for @n spans of a @size-byte file of @content_type with
 * the given @boundary (1..70 chars of bchars, RFC 2046).  Caller frees with
 * ds_multipart_free.  Preconditions (else g_return_val_if_fail → NULL): n > 0,
 * first <= last < @size for each span, @content_type without CTLs. */
DsMultipart *ds_multipart_new (const DsRangeSpan *spans, guint n, guint64 size,
                               const char *content_type, const char *boundary);

/* Total body length (the Content-Length). */
guint64 ds_multipart_length (const DsMultipart *mp);

/* Copies up to @max bytes of the body starting at @pos into @buf, reading
 * file spans from @fd with pread(2).  Returns the bytes copied (0 at the
 * end), or -1 with errno set on a read error or when the file is shorter
 * than a span claims (errno EIO): the caller must end the transfer (bytes
 * this call had already copied into @buf are not reported).  Text pieces need
 * no fd.  EINTR is retried. */
gssize ds_multipart_read (const DsMultipart *mp, int fd, guint64 pos, char *buf, gsize max);

void ds_multipart_free (DsMultipart *mp);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DsMultipart, ds_multipart_free)

G_END_DECLS
