/* httpdate.h: HTTP-date (RFC 9110 §5.6.7) and validator rules
 * (ETag, If-None-Match, If-Modified-Since, If-Match, If-Unmodified-Since;
 * RFC 9110 §8.8 and §13).  Locale-free, no clock: callers pass times. */
#pragma once

#include <glib.h>
#include <time.h>

G_BEGIN_DECLS

/* "Sun, 06 Nov 1994 08:49:37 GMT" is 29 bytes; plus NUL. */
#define DS_HTTPDATE_LEN 30
/* "\"" + 16 hex + "-" + 16 hex + "\"" + NUL, rounded up. */
#define DS_ETAG_LEN 40

/* Formats @t (seconds since the epoch, UTC) as an IMF-fixdate into @out.
 * Years outside 0..9999 are clamped.  Never fails. */
void ds_httpdate_format (gint64 t, char out[DS_HTTPDATE_LEN]);

/* Parses an HTTP-date in any of the three forms RFC 9110 §5.6.7 requires a
 * recipient to accept (IMF-fixdate, obsolete RFC 850, asctime).  @s need not
 * be NUL-terminated; @len bytes are read.  Leading/trailing whitespace is
 * allowed; anything else that is not exactly one of the forms (bad day name,
 * month, field ranges, trailing junk) returns FALSE.  RFC 850 two-digit years
 * are interpreted per §5.6.7 (more than 50 years in the future → previous
 * century) relative to @now. */
gboolean ds_httpdate_parse (const char *s, gsize len, gint64 now, gint64 *out_t);

/* Days since 1970-01-01 to the proleptic Gregorian date (H. Hinnant's
 * civil_from_days); any gint64 day count near the range of times works. */
void ds_civil_from_days (gint64 days, gint64 *out_year, int *out_month, int *out_day);

/* "Jan".."Dec" for @month 1..12, locale-free.  Static string. */
const char *ds_httpdate_month_name (int month);

/* Writes the strong ETag for a file: "\"<size hex>-<mtime ns hex>\"" (quotes
 * included).  No inode, so replicas with equal content and mtime agree. */
void ds_etag_make (guint64 size, gint64 mtime_ns, char out[DS_ETAG_LEN]);

/* Evaluates an If-None-Match / If-Match field value against @etag (a full
 * quoted entity-tag, strong).  "*" matches any current representation.  The
 * value is a comma-separated list (empty elements allowed, whitespace around
 * them); W/ tags match only under weak comparison.  Returns TRUE if any
 * member matches.  A malformed list element makes the whole field not match
 * (@weak: If-None-Match uses weak comparison, If-Match strong). */
gboolean ds_etag_list_match (const char *field, const char *etag, gboolean weak);

typedef enum
{
  DS_COND_PROCEED = 0,     /* serve normally (200/206) */
  DS_COND_NOT_MODIFIED,    /* 304 */
  DS_COND_PRECONDITION_FAILED /* 412 */
} DsCondResult;

/* The conditional request fields of one request; NULL when absent. */
typedef struct
{
  const char *if_match;
  const char *if_none_match;
  const char *if_modified_since;
  const char *if_unmodified_since;
} DsCondFields;

/* Evaluates the preconditions in RFC 9110 §13.2.2 order for a GET or HEAD
 * (@get_or_head) of a representation with @etag and @mtime (seconds).
 * Invalid dates are ignored (§13.1.3, §13.1.4).  @now is used for RFC 850
 * years. */
DsCondResult ds_cond_evaluate (const DsCondFields *f, gboolean get_or_head,
                               const char *etag, gint64 mtime, gint64 now);

G_END_DECLS
