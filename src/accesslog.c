/* accesslog.c: one finished request to one escaped access log line, and the
 * one shared writer of those lines.
 *
 * Formatting is pure: no clock, no locale, no globals.  Local time is
 * computed arithmetically from rec->time_us + rec->utc_offset_s (days to
 * civil date with httpdate.c's ds_civil_from_days), and month names come from its
 * fixed English table, so the output is the same under any LC_ALL and in any
 * thread.  Offsets are printed to the minute; a sub-minute part (only seen in
 * pre-1900 LMT zones) is dropped from the printed offset but not from the
 * local time.
 *
 * Formats (keys and columns are a stable interface; users parse them):
 *
 * - combined / common: NCSA layout as analysers such as GoAccess expect,
 *     host - - [10/Oct/2000:13:55:36 -0700] "GET /a HTTP/1.1" 200 2326 "ref" "ua"
 *   common stops after the byte count.  %l and %u are always "-" (there is
 *   no authentication).  %b is "-" for 0 bytes.  "%r" is "-" when the request
 *   line never arrived (method NULL); a NULL target or version inside a
 *   request line is written "-".  Escaping follows Apache >= 2.0.46 (more
 *   widely parsed than nginx's all-\xHH style): '"' -> \", '\' -> \\, other
 *   bytes < 0x20 or >= 0x7f -> \xHH with lower-case hex.  So UTF-8 in a
 *   User-Agent appears as \xc3\xa9.  The unquoted host gets the same escaping
 *   and is "-" when NULL or empty, so a line always has the same field count.
 *
 * - json: one object per line, keys in this order: time (ISO 8601 local time
 *   with milliseconds and offset, "+00:00" rather than "Z"), remote_addr,
 *   remote_port, method, target, protocol, status, bytes, duration_us,
 *   referer, user_agent, encoding ("identity" when NULL).  Absent strings are
 *   null.  Strings: '"' and '\' backslash-escaped, \b \f \n \r \t short
 *   forms, other control bytes and DEL as \u00XX, valid UTF-8 passed through,
 *   each byte of invalid UTF-8 (overlong forms, surrogates, > U+10FFFF,
 *   truncated sequences, stray continuation bytes) as \u00XX of that byte.
 *   The line is therefore always valid UTF-8 and valid JSON; note that
 *   \u00c3 decodes to U+00C3, so a consumer cannot tell an escaped invalid
 *   byte from that code point.  That is the price of never emitting invalid
 *   UTF-8.
 *
 * - csv: header row (ds_accesslog_csv_header) then one record per line, same
 *   columns and values as json; absent strings are empty fields.  RFC 4180
 *   quoting: a field containing ',', '"', CR or LF is enclosed in '"' with
 *   '"' doubled.  Deliberate deviations, so that one record is always one
 *   line and a log cannot be forged by a request:
 *     - lines end in LF, not CRLF;
 *     - control bytes (< 0x20, DEL) and invalid UTF-8 bytes inside a field
 *       are written \xHH, and '\' is written \\ so that the escape can be
 *       undone unambiguously (the same rules as the combined format, except
 *       that valid UTF-8 is passed through);
 *     - a field starting with '=', '+', '-' or '@' is quoted.  This marks it
 *       as text for careful importers only; spreadsheets may still evaluate
 *       it, so do not open untrusted logs in one with formulas enabled.
 *
 * All formats strip a leading "::ffff:" from IPv4-mapped addresses
 * ("::ffff:192.0.2.1" -> "192.0.2.1"), idempotently, so callers may strip
 * too.
 *
 * Writer: "-" is fd 1 (never closed here), "none" discards, anything else is
 * opened O_WRONLY|O_APPEND|O_CREAT|O_CLOEXEC, mode 0640.  Each line goes out
 * with one write(2) under the log's GMutex; EINTR is retried and a short
 * write is continued for the remainder while still holding the mutex, so
 * lines from different threads never interleave.  A failure (ENOSPC, EPIPE,
 * EBADF, ...) prints "docserve: access log: <strerror>" on stderr once per
 * opened file (a successful reopen re-arms it) and the line is dropped;
 * serving goes on.  SIGPIPE: regular files never raise it; for a pipe on
 * stdout the main program ignores SIGPIPE, so a vanished reader is an EPIPE
 * like any other failure.  For csv, the header row is written when the file
 * is empty or is not a regular file (a pipe or terminal on stdout); a
 * non-empty file opened for append (including "docserve >>log.csv") gets
 * none, so it is not repeated in the middle of a log.
 *
 * Buffering (ds_accesslog_set_buffer, --access-log-buffer; off by default):
 * whole lines are appended to a memory buffer under the mutex (a memcpy, no
 * system call) and written in one write(2) per batch: by the request that
 * fills the buffer, by a flusher thread FLUSH_INTERVAL_MS after the first
 * line of a batch (later only by a write of the previous batch still under
 * way), before a reopen switches files, and at free.  A batch is what has
 * come until then: the size is a threshold, and the batch that crosses it
 * is written whole.  A second mutex (write_lock) is held across the swap of
 * the buffer and its write, so batches reach the file in the order their
 * lines were logged and requests keep appending to the other buffer while a
 * batch is written.
 * Lines are never split between batches.  What a SIGKILL or a crash loses
 * is at most the last FLUSH_INTERVAL_MS of lines. */
#include "config.h"

#include "docserve/accesslog.h"

#include "docserve/common.h"
#include "docserve/httpdate.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define STDOUT_SPEC "-"
#define NONE_SPEC "none"
#define FLUSH_INTERVAL_MS 500
/* A buffer that grew past this (a burst of long lines) is given back. */
#define BUFFER_SHRINK_FACTOR 4

static const char csv_header[] =
  "time,remote_addr,remote_port,method,target,protocol,status,bytes,"
  "duration_us,referer,user_agent,encoding\n";

static const char hex_digits[] = "0123456789abcdef";

struct _DsAccessLog
{
  GMutex lock;
  char *path;        /* NULL for stdout and none */
  DsLogFormat format;
  gboolean discard;  /* "none"; immutable, so read without the lock */
  int fd;            /* -1 for none; 1 for stdout; swapped under lock */
  gboolean owns_fd;  /* close fd on reopen/free */
  gboolean reported; /* a write failure was printed; under lock */

  /* Buffering; all NULL/0 when off.  buf and stopping are under lock. */
  gsize buffer_size;  /* flush when this much is buffered; set once */
  GString *buf;       /* lines not yet written */
  gint64 first_at;    /* monotonic time buf's first line came; under lock */
  GString *spare;     /* the batch being written; under write_lock */
  GMutex write_lock;  /* held from taking a batch to its write's end */
  GCond wake;         /* the flusher: first line of a batch, or stop */
  GThread *flusher;
  gboolean stopping;
};

/* Local broken-down time. */
typedef struct
{
  gint64 year;
  int month; /* 1..12 */
  int day;
  int hour;
  int min;
  int sec;
  int msec;
  char off_sign;
  int off_hours;
  int off_mins;
} LocalTime;

static void
local_time (gint64 time_us, int utc_offset_s, LocalTime *out)
{
  /* The remainder is taken directly: secs * 10^6 overflows for times near
   * G_MININT64. */
  gint64 secs = ds_httpdate_floor_div (time_us, G_USEC_PER_SEC);
  gint64 usec = time_us % G_USEC_PER_SEC;
  if (usec < 0)
    usec += G_USEC_PER_SEC;
  gint64 local = secs + utc_offset_s;
  gint64 days = ds_httpdate_floor_div (local, 86400);
  gint64 sod = local - days * 86400;
  gint64 off = utc_offset_s;

  ds_civil_from_days (days, &out->year, &out->month, &out->day);
  out->hour = (int) (sod / 3600);
  out->min = (int) (sod / 60 % 60);
  out->sec = (int) (sod % 60);
  out->msec = (int) (usec / 1000);
  out->off_sign = off < 0 ? '-' : '+';
  if (off < 0)
    off = -off;
  out->off_hours = (int) (off / 3600);
  out->off_mins = (int) (off / 60 % 60);
}

/* "::ffff:192.0.2.1" -> "192.0.2.1"; anything else unchanged.  Only strips
 * when the rest is a dotted quad, so "::ffff:0:1.2.3.4" (IPv4-translated,
 * RFC 6052) and "::ffff:c000:201" stay as they are. */
static const char *
strip_v4_mapped (const char *addr)
{
  static const char prefix[] = "::ffff:";
  const size_t plen = sizeof prefix - 1;

  if (addr == NULL || g_ascii_strncasecmp (addr, prefix, plen) != 0)
    return addr;

  const char *rest = addr + plen;
  gboolean dot = FALSE;

  if (*rest == '\0')
    return addr;
  for (const char *p = rest; *p != '\0'; p++)
    {
      if (*p == '.')
        dot = TRUE;
      else if (!g_ascii_isdigit (*p))
        return addr;
    }
  return dot ? rest : addr;
}

static void
append_hex_byte (GString *out, const char *prefix, guchar c)
{
  g_string_append (out, prefix);
  g_string_append_c (out, hex_digits[c >> 4]);
  g_string_append_c (out, hex_digits[c & 0xf]);
}

/* Apache's escaping for NCSA fields. */
static void
append_ncsa_escaped (GString *out, const char *s)
{
  for (const guchar *p = (const guchar *) s; *p != '\0'; p++)
    {
      if (*p == '"' || *p == '\\')
        {
          g_string_append_c (out, '\\');
          g_string_append_c (out, (char) *p);
        }
      else if (*p < 0x20 || *p >= 0x7f)
        append_hex_byte (out, "\\x", *p);
      else
        g_string_append_c (out, (char) *p);
    }
}

/* Length of the valid UTF-8 sequence (>= 2 bytes) at @p, or 0 if the byte at
 * @p does not start one.  @p points at a byte >= 0x80 in a NUL-terminated
 * string. */
static int
utf8_seq_len (const char *p)
{
  gunichar c = g_utf8_get_char_validated (p, -1);

  if (c == (gunichar) -1 || c == (gunichar) -2)
    return 0;
  return g_utf8_skip[*(const guchar *) p];
}

/* At a byte >= 0x80: appends the valid UTF-8 sequence starting at *@pp,
 * or that one byte as @prefix and two hex digits; advances *@pp past what
 * it took. */
static void
append_utf8_or_hex (GString *out, const char **pp, const char *prefix)
{
  int len = utf8_seq_len (*pp);

  if (len > 0)
    g_string_append_len (out, *pp, len);
  else
    append_hex_byte (out, prefix, (guchar) **pp);
  *pp += len > 0 ? len : 1;
}

static void
append_json_string (GString *out, const char *s)
{
  if (s == NULL)
    {
      g_string_append (out, "null");
      return;
    }

  g_string_append_c (out, '"');
  const char *p = s;
  while (*p != '\0')
    {
      guchar c = (guchar) *p;

      if (c >= 0x80)
        {
          append_utf8_or_hex (out, &p, "\\u00");
          continue;
        }

      switch (c)
        {
        case '"':
          g_string_append (out, "\\\"");
          break;
        case '\\':
          g_string_append (out, "\\\\");
          break;
        case '\b':
          g_string_append (out, "\\b");
          break;
        case '\f':
          g_string_append (out, "\\f");
          break;
        case '\n':
          g_string_append (out, "\\n");
          break;
        case '\r':
          g_string_append (out, "\\r");
          break;
        case '\t':
          g_string_append (out, "\\t");
          break;
        default:
          if (c < 0x20 || c == 0x7f)
            append_hex_byte (out, "\\u00", c);
          else
            g_string_append_c (out, (char) c);
          break;
        }
      p++;
    }
  g_string_append_c (out, '"');
}

/* One CSV field; see the module comment for the deviations from RFC 4180. */
static void
append_csv_field (GString *out, const char *s)
{
  if (s == NULL)
    return;

  g_autoptr (GString) esc = g_string_sized_new (strlen (s) + 8);
  const char *p = s;
  while (*p != '\0')
    {
      guchar c = (guchar) *p;

      if (c >= 0x80)
        {
          append_utf8_or_hex (esc, &p, "\\x");
          continue;
        }
      if (c == '\\')
        g_string_append (esc, "\\\\");
      else if (c < 0x20 || c == 0x7f)
        append_hex_byte (esc, "\\x", c);
      else
        g_string_append_c (esc, (char) c);
      p++;
    }

  /* CR and LF cannot survive the escaping above, but keep RFC 4180's rule
   * complete in case that ever changes. */
  gboolean quote = strpbrk (esc->str, ",\"\r\n") != NULL
                   || (esc->len > 0 && strchr ("=+-@", esc->str[0]) != NULL);
  if (!quote)
    {
      g_string_append_len (out, esc->str, (gssize) esc->len);
      return;
    }
  g_string_append_c (out, '"');
  for (const char *q = esc->str; *q != '\0'; q++)
    {
      if (*q == '"')
        g_string_append_c (out, '"');
      g_string_append_c (out, *q);
    }
  g_string_append_c (out, '"');
}

/* "2000-10-10T13:55:36.123-07:00" */
static void
append_iso_time (GString *out, const DsLogRecord *rec)
{
  LocalTime t;

  local_time (rec->time_us, rec->utc_offset_s, &t);
  g_string_append_printf (out, "%04" G_GINT64_FORMAT "-%02d-%02dT%02d:%02d:%02d.%03d%c%02d:%02d",
                          t.year, t.month, t.day, t.hour, t.min, t.sec, t.msec,
                          t.off_sign, t.off_hours, t.off_mins);
}

static char *
format_ncsa (const DsLogRecord *rec, gboolean combined)
{
  g_autoptr (GString) out = g_string_sized_new (256);
  const char *host = strip_v4_mapped (rec->client_addr);
  LocalTime t;

  if (host == NULL || *host == '\0')
    g_string_append_c (out, '-');
  else
    append_ncsa_escaped (out, host);

  local_time (rec->time_us, rec->utc_offset_s, &t);
  g_string_append_printf (out, " - - [%02d/%s/%04" G_GINT64_FORMAT ":%02d:%02d:%02d %c%02d%02d] \"",
                          t.day, ds_httpdate_month_name (t.month), t.year,
                          t.hour, t.min, t.sec,
                          t.off_sign, t.off_hours, t.off_mins);

  if (rec->method == NULL)
    g_string_append_c (out, '-');
  else
    {
      append_ncsa_escaped (out, rec->method);
      g_string_append_c (out, ' ');
      append_ncsa_escaped (out, rec->target != NULL ? rec->target : "-");
      g_string_append_c (out, ' ');
      append_ncsa_escaped (out, rec->version != NULL ? rec->version : "-");
    }
  g_string_append_printf (out, "\" %u ", rec->status);
  if (rec->bytes == 0)
    g_string_append_c (out, '-');
  else
    g_string_append_printf (out, "%" G_GUINT64_FORMAT, rec->bytes);

  if (combined)
    {
      g_string_append (out, " \"");
      append_ncsa_escaped (out, rec->referer != NULL ? rec->referer : "-");
      g_string_append (out, "\" \"");
      append_ncsa_escaped (out, rec->user_agent != NULL ? rec->user_agent : "-");
      g_string_append_c (out, '"');
    }
  g_string_append_c (out, '\n');
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static char *
format_json (const DsLogRecord *rec)
{
  g_autoptr (GString) out = g_string_sized_new (384);

  g_string_append (out, "{\"time\":\"");
  append_iso_time (out, rec);
  g_string_append (out, "\",\"remote_addr\":");
  append_json_string (out, strip_v4_mapped (rec->client_addr));
  g_string_append_printf (out, ",\"remote_port\":%u,\"method\":", rec->client_port);
  append_json_string (out, rec->method);
  g_string_append (out, ",\"target\":");
  append_json_string (out, rec->target);
  g_string_append (out, ",\"protocol\":");
  append_json_string (out, rec->version);
  g_string_append_printf (out,
                          ",\"status\":%u,\"bytes\":%" G_GUINT64_FORMAT
                          ",\"duration_us\":%" G_GINT64_FORMAT ",\"referer\":",
                          rec->status, rec->bytes, rec->duration_us);
  append_json_string (out, rec->referer);
  g_string_append (out, ",\"user_agent\":");
  append_json_string (out, rec->user_agent);
  g_string_append (out, ",\"encoding\":");
  append_json_string (out, rec->encoding != NULL ? rec->encoding : "identity");
  g_string_append (out, "}\n");
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static char *
format_csv (const DsLogRecord *rec)
{
  g_autoptr (GString) out = g_string_sized_new (256);

  append_iso_time (out, rec);
  g_string_append_c (out, ',');
  append_csv_field (out, strip_v4_mapped (rec->client_addr));
  g_string_append_printf (out, ",%u,", rec->client_port);
  append_csv_field (out, rec->method);
  g_string_append_c (out, ',');
  append_csv_field (out, rec->target);
  g_string_append_c (out, ',');
  append_csv_field (out, rec->version);
  g_string_append_printf (out, ",%u,%" G_GUINT64_FORMAT ",%" G_GINT64_FORMAT ",",
                          rec->status, rec->bytes, rec->duration_us);
  append_csv_field (out, rec->referer);
  g_string_append_c (out, ',');
  append_csv_field (out, rec->user_agent);
  g_string_append_c (out, ',');
  append_csv_field (out, rec->encoding != NULL ? rec->encoding : "identity");
  g_string_append_c (out, '\n');
  return g_string_free (g_steal_pointer (&out), FALSE);
}

gboolean
ds_accesslog_format_from_string (const char *s, DsLogFormat *out_format)
{
  static const struct
  {
    const char *name;
    DsLogFormat format;
  } names[] = {
    { "combined", DS_LOG_COMBINED },
    { "common", DS_LOG_COMMON },
    { "json", DS_LOG_JSON },
    { "csv", DS_LOG_CSV },
  };

  g_return_val_if_fail (s != NULL, FALSE);
  g_return_val_if_fail (out_format != NULL, FALSE);

  for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
    if (strcmp (s, names[i].name) == 0)
      {
        *out_format = names[i].format;
        return TRUE;
      }
  return FALSE;
}

const char *
ds_accesslog_csv_header (void)
{
  return csv_header;
}

char *
ds_accesslog_format_combined (const DsLogRecord *rec)
{
  g_return_val_if_fail (rec != NULL, NULL);

  return format_ncsa (rec, TRUE);
}

char *
ds_accesslog_format (DsLogFormat format, const DsLogRecord *rec)
{
  g_return_val_if_fail (rec != NULL, NULL);

  switch (format)
    {
    case DS_LOG_COMBINED:
      return format_ncsa (rec, TRUE);
    case DS_LOG_COMMON:
      return format_ncsa (rec, FALSE);
    case DS_LOG_JSON:
      return format_json (rec);
    case DS_LOG_CSV:
      return format_csv (rec);
    default:
      g_return_val_if_reached (NULL);
    }
}

/* Prints the one failure line; called with log->lock held. */
static void
report_failure_locked (DsAccessLog *log, int err)
{
  if (log->reported)
    return;
  log->reported = TRUE;

  /* One write(2) of a preformatted line: no stdio buffering to interleave
   * with other stderr output. */
  g_autofree char *msg = g_strdup_printf ("docserve: access log: %s\n", g_strerror (err));
  size_t len = strlen (msg);
  ssize_t n;
  do
    n = write (STDERR_FILENO, msg, len);
  while (n < 0 && errno == EINTR);
}

/* Writes all of @buf to @fd, continuing after EINTR and short writes.
 * Returns 0 or an errno value. */
static int
write_all (int fd, const char *buf, size_t len)
{
  size_t done = 0;

  while (done < len)
    {
      ssize_t n = write (fd, buf + done, len - done);
      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          return errno;
        }
      if (n == 0)
        return EIO; /* not expected for files or pipes; do not spin */
      done += (size_t) n;
    }
  return 0;
}

/* Whether a csv log on @fd needs its header row: an empty regular file, or
 * anything that is not a regular file (pipe, terminal). */
static gboolean
wants_csv_header (int fd)
{
  struct stat st;

  if (fstat (fd, &st) != 0)
    return TRUE; /* let the write report the problem */
  return !S_ISREG (st.st_mode) || st.st_size == 0;
}

static int
open_log_file (const char *path, GError **error)
{
  int fd = open (path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);

  if (fd < 0)
    {
      int err = errno;
      g_set_error (error, DS_ERROR, DS_ERROR_RUNTIME, "access log %s: %s",
                   path, g_strerror (err));
    }
  return fd;
}

/* Writes the csv header to a fd nobody else can see yet.  Called without the
 * lock held; takes it only to report a failure. */
static void
write_csv_header_if_needed (DsAccessLog *log, int fd)
{
  if (log->format != DS_LOG_CSV || fd < 0 || !wants_csv_header (fd))
    return;

  int err = write_all (fd, csv_header, sizeof csv_header - 1);
  if (err != 0)
    {
      g_mutex_lock (&log->lock);
      report_failure_locked (log, err);
      g_mutex_unlock (&log->lock);
    }
}

DsAccessLog *
ds_accesslog_open (const char *spec, DsLogFormat format, GError **error)
{
  g_return_val_if_fail (spec != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  int fd;
  gboolean owns = FALSE;
  g_autofree char *path = NULL;

  if (strcmp (spec, STDOUT_SPEC) == 0)
    fd = STDOUT_FILENO;
  else if (strcmp (spec, NONE_SPEC) == 0)
    fd = -1;
  else
    {
      fd = open_log_file (spec, error);
      if (fd < 0)
        return NULL;
      owns = TRUE;
      path = g_strdup (spec);
    }

  DsAccessLog *log = g_new0 (DsAccessLog, 1);
  g_mutex_init (&log->lock);
  log->path = g_steal_pointer (&path);
  log->format = format;
  log->discard = fd < 0;
  log->fd = fd;
  log->owns_fd = owns;
  write_csv_header_if_needed (log, fd);
  return log;
}

static void flush_batch (DsAccessLog *log);

gboolean
ds_accesslog_reopen (DsAccessLog *log, GError **error)
{
  g_return_val_if_fail (log != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (log->path == NULL)
    return TRUE;

  int new_fd = open_log_file (log->path, error);
  if (new_fd < 0)
    return FALSE;
  write_csv_header_if_needed (log, new_fd);

  /* Buffered lines logged before the reopen belong to the old file: write
   * them there, and keep write_lock so that no batch starts in between. */
  if (log->buffer_size > 0)
    {
      flush_batch (log);
      g_mutex_lock (&log->write_lock);
    }
  g_mutex_lock (&log->lock);
  int old_fd = log->fd;
  log->fd = new_fd;
  log->reported = FALSE; /* a new file may fail for a new reason */
  g_mutex_unlock (&log->lock);
  if (log->buffer_size > 0)
    g_mutex_unlock (&log->write_lock);

  /* Writers finished with old_fd before we got the lock. */
  ds_fd_cleanup (&old_fd);
  return TRUE;
}

/* Takes the buffered lines and writes them to the current fd in one
 * write(2).  Serialised by write_lock, so batches keep their order. */
static void
flush_batch (DsAccessLog *log)
{
  g_mutex_lock (&log->write_lock);
  g_mutex_lock (&log->lock);
  GString *batch = log->buf;
  log->buf = log->spare;
  log->spare = batch;
  int fd = log->fd;
  g_mutex_unlock (&log->lock);

  if (batch->len > 0)
    {
      int err = write_all (fd, batch->str, batch->len);
      if (err != 0)
        {
          g_mutex_lock (&log->lock);
          report_failure_locked (log, err);
          g_mutex_unlock (&log->lock);
        }
    }
  if (batch->allocated_len > BUFFER_SHRINK_FACTOR * log->buffer_size)
    {
      g_string_free (batch, TRUE);
      log->spare = g_string_sized_new (log->buffer_size);
    }
  else
    g_string_truncate (batch, 0);
  g_mutex_unlock (&log->write_lock);
}

/* Writes a batch FLUSH_INTERVAL_MS after its first line, unless a full
 * buffer wrote it sooner; sleeps without a timeout while nothing waits. */
static gpointer
flusher_thread (gpointer data)
{
  DsAccessLog *log = data;

  g_mutex_lock (&log->lock);
  while (!log->stopping)
    {
      if (log->buf->len == 0)
        {
          g_cond_wait (&log->wake, &log->lock);
          continue;
        }
      /* From the batch's first line, not from now: the flusher may have
       * been busy writing the previous batch when it came. */
      gint64 deadline = log->first_at + FLUSH_INTERVAL_MS * G_TIME_SPAN_MILLISECOND;
      while (!log->stopping && g_cond_wait_until (&log->wake, &log->lock, deadline))
        ;
      g_mutex_unlock (&log->lock);
      flush_batch (log);
      g_mutex_lock (&log->lock);
    }
  g_mutex_unlock (&log->lock);
  return NULL;
}

void
ds_accesslog_set_buffer (DsAccessLog *log, gsize size)
{
  g_return_if_fail (log != NULL);
  g_return_if_fail (log->buffer_size == 0);

  if (size == 0 || log->discard)
    return;
  log->buffer_size = size;
  log->buf = g_string_sized_new (size);
  log->spare = g_string_sized_new (size);
  g_mutex_init (&log->write_lock);
  g_cond_init (&log->wake);
  log->flusher = g_thread_new ("accesslog", flusher_thread, log);
}

void
ds_accesslog_flush (DsAccessLog *log)
{
  g_return_if_fail (log != NULL);

  if (log->buffer_size > 0)
    flush_batch (log);
}

void
ds_accesslog_write (DsAccessLog *log, const DsLogRecord *rec)
{
  g_return_if_fail (log != NULL);
  g_return_if_fail (rec != NULL);

  if (log->discard)
    return;

  g_autofree char *line = ds_accesslog_format (log->format, rec);
  if (line == NULL)
    return;
  size_t len = strlen (line);

  if (log->buffer_size > 0)
    {
      g_mutex_lock (&log->lock);
      gboolean first = log->buf->len == 0;
      if (first)
        log->first_at = g_get_monotonic_time ();
      g_string_append_len (log->buf, line, (gssize) len);
      gboolean full = log->buf->len >= log->buffer_size;
      g_mutex_unlock (&log->lock);
      if (full)
        flush_batch (log);
      else if (first)
        g_cond_signal (&log->wake);
      return;
    }

  /* The whole line, including the rest of a short write, goes out under the
   * lock, so lines from different threads never interleave. */
  g_mutex_lock (&log->lock);
  int err = write_all (log->fd, line, len);
  if (err != 0)
    report_failure_locked (log, err);
  g_mutex_unlock (&log->lock);
}

void
ds_accesslog_free (DsAccessLog *log)
{
  if (log == NULL)
    return;
  if (log->buffer_size > 0)
    {
      g_mutex_lock (&log->lock);
      log->stopping = TRUE;
      g_cond_signal (&log->wake);
      g_mutex_unlock (&log->lock);
      g_thread_join (log->flusher);
      flush_batch (log);
      g_string_free (log->buf, TRUE);
      g_string_free (log->spare, TRUE);
      g_cond_clear (&log->wake);
      g_mutex_clear (&log->write_lock);
    }
  if (log->owns_fd)
    ds_fd_cleanup (&log->fd);
  g_mutex_clear (&log->lock);
  g_free (log->path);
  g_free (log);
}

int
ds_accesslog_utc_offset (gint64 t)
{
  static __thread gint64 cached_minute = G_MININT64;
  static __thread int cached_offset;
  gint64 minute = t / 60;

  if (minute != cached_minute)
    {
      struct tm tm;
      time_t tt = (time_t) t;
      cached_offset = localtime_r (&tt, &tm) != NULL ? (int) tm.tm_gmtoff : 0;
      cached_minute = minute;
    }
  return cached_offset;
}
