/* httpdate.h: HTTP-date (RFC 9110 §5.6.7): format and parse, locale-free,
 * no clock (callers pass times).  The validator rules that use dates are
 * cond.h's. */
#pragma once

#include <glib.h>
#include <time.h>

G_BEGIN_DECLS

/* "Sun, 06 Nov 1994 08:49:37 GMT" is 29 bytes; plus NUL. */
#define DS_HTTPDATE_LEN 30

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

/* @a / @b rounded towards minus infinity (C truncates towards zero);
 * @b > 0.  For calendar arithmetic on times before 1970. */
gint64 ds_httpdate_floor_div (gint64 a, gint64 b);

/* "Jan".."Dec" for @month 1..12, locale-free.  Static string. */
const char *ds_httpdate_month_name (int month);

G_END_DECLS
