/* httpdate.c: HTTP-date formatting and parsing (RFC 9110 §5.6.7), the
 * ETag this server sends (§8.8.3) and the precondition rules for GET/HEAD
 * (§13.1.1-§13.1.4, evaluated in the order of §13.2.2).
 *
 * Choices:
 * - Locale-free and clock-free: own day/month name tables and proleptic
 *   Gregorian day arithmetic (H. Hinnant's days_from_civil/civil_from_days),
 *   no strftime, no gmtime, no timegm, no TZ.  Callers pass "now".
 * - Formatting clamps to 0000-01-01T00:00:00 .. 9999-12-31T23:59:59, the
 *   range a 4DIGIT year can express.
 * - Parsing accepts IMF-fixdate, rfc850-date and asctime-date exactly as in
 *   §5.6.7, case-sensitively ("GMT", "Nov", "Sun" and "Sunday" only), with
 *   the day-name form tied to the date form (short for IMF-fixdate and
 *   asctime, long for rfc850).  Surrounding SP/HTAB (OWS) is skipped.
 *   Leniencies, each unambiguous:
 *   - the day name need not be the actual weekday of the date (a wrong
 *     weekday does not make the instant ambiguous);
 *   - asctime day-of-month may also be written "Nov 6" (one SP, one digit)
 *     besides the grammar's "Nov  6" and "Nov 06";
 *   - second 60 (a leap second, allowed by the §5.6.7 grammar) is read as
 *     59: POSIX time has no leap seconds, and rounding down never makes a
 *     later modification look older than the date.
 * - Years before 1970 are valid and come back as negative times.
 * - rfc850 two-digit years resolve into the 100-year window
 *   [year(now) - 49, year(now) + 50]: more than 50 years ahead means the
 *   previous century (§5.6.7); by symmetry, 50 or more years back means the
 *   next one.  @now is clamped to the formattable range first.
 * - ETag: strong, "<size hex>-<mtime ns hex>"; a negative mtime_ns (before
 *   1970) is printed as its two's-complement unsigned value, so it stays
 *   unique and fixed-width-bounded.
 * - Entity-tag lists follow §5.6.1 (#rule: empty elements and OWS allowed)
 *   and §8.8.3 ("W/" is case-sensitive).  "*" must be the whole field.
 *   Any malformed element makes the whole field not match.
 * - If-Modified-Since later than @now is invalid (§13.1.3) and ignored.
 */
#include "config.h"

#include "docserve/httpdate.h"

#include "docserve/field.h"

#include <string.h>

/* 0000-01-01T00:00:00Z and 9999-12-31T23:59:59Z. */
#define MIN_TIME G_GINT64_CONSTANT (-62167219200)
#define MAX_TIME G_GINT64_CONSTANT (253402300799)
#define SECS_PER_DAY 86400

static const char *const day_short[7] = {
  "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"
};

static const char *const day_long[7] = {
  "Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"
};

static const char *const month_short[12] = {
  "Jan", "Feb", "Mar", "Apr", "May", "Jun",
  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"
};

const char *
ds_httpdate_month_name (int month)
{
  g_return_val_if_fail (month >= 1 && month <= 12, "???");
  return month_short[month - 1];
}

/* Floor division and modulo: C truncates towards zero. */
gint64
ds_httpdate_floor_div (gint64 a, gint64 b)
{
  gint64 q = a / b;

  if ((a % b != 0) && ((a < 0) != (b < 0)))
    q--;
  return q;
}

static gint64
floor_mod (gint64 a, gint64 b)
{
  return a - ds_httpdate_floor_div (a, b) * b;
}

static gboolean
is_leap (gint64 y)
{
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int
days_in_month (gint64 y, int m)
{
  static const int len[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

  if (m == 2 && is_leap (y))
    return 29;
  return len[m - 1];
}

/* Days since 1970-01-01 of the proleptic Gregorian date y-m-d. */
static gint64
days_from_civil (gint64 y, int m, int d)
{
  y -= m <= 2;
  gint64 era = ds_httpdate_floor_div (y, 400);
  gint64 yoe = y - era * 400;
  gint64 doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  gint64 doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

  return era * 146097 + doe - 719468;
}

void
ds_civil_from_days (gint64 z, gint64 *out_y, int *out_m, int *out_d)
{
  z += 719468;
  gint64 era = ds_httpdate_floor_div (z, 146097);
  gint64 doe = z - era * 146097;
  gint64 yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  gint64 doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  gint64 mp = (5 * doy + 2) / 153;
  int m = (int) (mp < 10 ? mp + 3 : mp - 9);

  *out_d = (int) (doy - (153 * mp + 2) / 5 + 1);
  *out_m = m;
  *out_y = yoe + era * 400 + (m <= 2);
}

static gint64
clamp_time (gint64 t)
{
  return CLAMP (t, MIN_TIME, MAX_TIME);
}

static char *
put_digits (char *p, gint64 v, int width)
{
  for (int i = width - 1; i >= 0; i--)
    {
      p[i] = (char) ('0' + v % 10);
      v /= 10;
    }
  return p + width;
}

static char *
put_str (char *p, const char *s)
{
  gsize n = strlen (s);

  memcpy (p, s, n);
  return p + n;
}

void
ds_httpdate_format (gint64 t, char out[DS_HTTPDATE_LEN])
{
  g_return_if_fail (out != NULL);

  t = clamp_time (t);
  gint64 days = ds_httpdate_floor_div (t, SECS_PER_DAY);
  gint64 secs = t - days * SECS_PER_DAY;
  gint64 y;
  int m, d;

  ds_civil_from_days (days, &y, &m, &d);

  char *p = out;
  /* 1970-01-01 was a Thursday (index 4). */
  p = put_str (p, day_short[floor_mod (days + 4, 7)]);
  p = put_str (p, ", ");
  p = put_digits (p, d, 2);
  *p++ = ' ';
  p = put_str (p, month_short[m - 1]);
  *p++ = ' ';
  p = put_digits (p, y, 4);
  *p++ = ' ';
  p = put_digits (p, secs / 3600, 2);
  *p++ = ':';
  p = put_digits (p, secs / 60 % 60, 2);
  *p++ = ':';
  p = put_digits (p, secs % 60, 2);
  p = put_str (p, " GMT");
  *p = '\0';
  g_assert (p - out == DS_HTTPDATE_LEN - 1);
}

/* A bounded cursor over the input: nothing reads at or past @end. */
typedef struct
{
  const char *p;
  const char *end;
} Cursor;

static gboolean
eat_char (Cursor *c, char ch)
{
  if (c->p < c->end && *c->p == ch)
    {
      c->p++;
      return TRUE;
    }
  return FALSE;
}

static gboolean
eat_str (Cursor *c, const char *s)
{
  gsize n = strlen (s);

  if ((gsize) (c->end - c->p) < n || memcmp (c->p, s, n) != 0)
    return FALSE;
  c->p += n;
  return TRUE;
}

static gboolean
is_digit (char ch)
{
  return ch >= '0' && ch <= '9';
}

/* Exactly @n digits (n <= 4, so no overflow). */
static gboolean
eat_digits (Cursor *c, int n, int *out_v)
{
  int v = 0;

  if (c->end - c->p < n)
    return FALSE;
  for (int i = 0; i < n; i++)
    {
      if (!is_digit (c->p[i]))
        return FALSE;
      v = v * 10 + (c->p[i] - '0');
    }
  c->p += n;
  *out_v = v;
  return TRUE;
}

/* Index of the name in @table that the input starts with (exact, case-
 * sensitive), consuming it; -1 if none.  Names in one table never prefix
 * one another, so the first hit is the only one. */
static int
eat_name (Cursor *c, const char *const *table, int n)
{
  for (int i = 0; i < n; i++)
    if (eat_str (c, table[i]))
      return i;
  return -1;
}

/* time-of-day = hour ":" minute ":" second */
static gboolean
eat_time (Cursor *c, int *out_h, int *out_mi, int *out_s)
{
  return eat_digits (c, 2, out_h) && eat_char (c, ':')
         && eat_digits (c, 2, out_mi) && eat_char (c, ':')
         && eat_digits (c, 2, out_s);
}

static gboolean
eat_month (Cursor *c, int *out_m)
{
  int i = eat_name (c, month_short, 12);

  if (i < 0)
    return FALSE;
  *out_m = i + 1;
  return TRUE;
}

/* Year of @now, clamped to 0..9999. */
static gint64
year_of (gint64 now)
{
  gint64 y;
  int m, d;

  ds_civil_from_days (ds_httpdate_floor_div (clamp_time (now), SECS_PER_DAY), &y, &m, &d);
  return y;
}

/* §5.6.7: a two-digit year that appears to be more than 50 years in the
 * future is the most recent past year with those digits. */
static gint64
rfc850_year (int yy, gint64 now)
{
  gint64 cy = year_of (now);
  gint64 y = ds_httpdate_floor_div (cy, 100) * 100 + yy;

  if (y > cy + 50)
    y -= 100;
  else if (y < cy - 49)
    y += 100;
  return y;
}

gboolean
ds_httpdate_parse (const char *s, gsize len, gint64 now, gint64 *out_t)
{
  g_return_val_if_fail (s != NULL || len == 0, FALSE);
  g_return_val_if_fail (out_t != NULL, FALSE);

  if (len == 0)
    return FALSE;

  Cursor c = { s, s + len };
  c.p = ds_field_skip_ows (c.p, c.end);
  c.end = ds_field_trim_ows_end (c.p, c.end);

  gint64 year;
  int yv, mon, day, hour, min, sec;

  /* Long names first: "Sun" is a prefix of "Sunday". */
  if (eat_name (&c, day_long, 7) >= 0)
    {
      /* rfc850-date = day-name-l "," SP date2 SP time-of-day SP GMT
       * date2 = day "-" month "-" 2DIGIT */
      if (!(eat_str (&c, ", ") && eat_digits (&c, 2, &day) && eat_char (&c, '-')
            && eat_month (&c, &mon) && eat_char (&c, '-')
            && eat_digits (&c, 2, &yv) && eat_char (&c, ' ')
            && eat_time (&c, &hour, &min, &sec) && eat_str (&c, " GMT")))
        return FALSE;
      year = rfc850_year (yv, now);
    }
  else if (eat_name (&c, day_short, 7) >= 0)
    {
      if (eat_str (&c, ", "))
        {
          /* IMF-fixdate = day-name "," SP date1 SP time-of-day SP GMT
           * date1 = day SP month SP year */
          if (!(eat_digits (&c, 2, &day) && eat_char (&c, ' ')
                && eat_month (&c, &mon) && eat_char (&c, ' ')
                && eat_digits (&c, 4, &yv) && eat_char (&c, ' ')
                && eat_time (&c, &hour, &min, &sec) && eat_str (&c, " GMT")))
            return FALSE;
        }
      else
        {
          /* asctime-date = day-name SP date3 SP time-of-day SP year
           * date3 = month SP ( 2DIGIT / ( SP DIGIT ) ) */
          if (!(eat_char (&c, ' ') && eat_month (&c, &mon) && eat_char (&c, ' ')))
            return FALSE;
          if (eat_char (&c, ' ') || (c.end - c.p >= 2 && !is_digit (c.p[1])))
            {
              /* "Nov  6", or the lenient "Nov 6" */
              if (!eat_digits (&c, 1, &day))
                return FALSE;
            }
          else if (!eat_digits (&c, 2, &day))
            return FALSE;
          if (!(eat_char (&c, ' ') && eat_time (&c, &hour, &min, &sec)
                && eat_char (&c, ' ') && eat_digits (&c, 4, &yv)))
            return FALSE;
        }
      year = yv;
    }
  else
    return FALSE;

  if (c.p != c.end)
    return FALSE;
  if (day < 1 || day > days_in_month (year, mon)
      || hour > 23 || min > 59 || sec > 60)
    return FALSE;
  if (sec == 60)
    sec = 59;

  *out_t = days_from_civil (year, mon, day) * SECS_PER_DAY
           + hour * 3600 + min * 60 + sec;
  return TRUE;
}
