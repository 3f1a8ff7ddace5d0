/* accesslog.h: one finished request to one access log line, and the one
 * shared writer.  Formatting is pure; the writer takes a mutex per line and
 * writes it at once, or (buffered) in batches. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  const char *client_addr; /* numeric, without port; "::ffff:" stripped */
  guint client_port;
  gint64 time_us;          /* request start, microseconds since the epoch */
  int utc_offset_s;        /* local offset east of UTC at time_us */
  const char *method;      /* NULL when the request line never arrived */
  const char *target;      /* raw request target */
  const char *version;
  guint status;
  guint64 bytes;           /* body bytes sent */
  const char *referer;
  const char *user_agent;
  gint64 duration_us;      /* request start to completion */
  const char *encoding;    /* content-coding sent ("gzip", "br") or NULL = identity */
} DsLogRecord;

typedef enum
{
  DS_LOG_COMBINED = 0,
  DS_LOG_COMMON,
  DS_LOG_JSON,
  DS_LOG_CSV
} DsLogFormat;

/* Parses "combined", "common", "json", "csv"; FALSE if unknown. */
gboolean ds_accesslog_format_from_string (const char *s, DsLogFormat *out_format);

/* The CSV header row (with '\n'), static. */
const char *ds_accesslog_csv_header (void);

/* Formats @rec in @format (one line with trailing '\n'; caller frees).
 * common/combined: see ds_accesslog_format_combined.  json: one object per
 * line with keys time (ISO 8601 with offset, ms), remote_addr, remote_port,
 * method, target, protocol, status, bytes, duration_us, referer, user_agent,
 * encoding; strings JSON-escaped, control bytes as \u00XX, invalid UTF-8 bytes
 * as \u00XX of the byte (so the output is always valid UTF-8 JSON).  csv:
 * RFC 4180 quoting, columns as in ds_accesslog_csv_header. */
char *ds_accesslog_format (DsLogFormat format, const DsLogRecord *rec);

/* Formats @rec as an NCSA combined line (with trailing '\n'):
 * host - - [dd/Mon/yyyy:HH:MM:SS +hhmm] "request" status bytes "referer" "ua".
 * Months are English regardless of locale.  In quoted fields '"' and '\' are
 * backslash-escaped and bytes < 0x20 or >= 0x7f are written \xHH (Apache's
 * escaping).  Bytes 0 is "-".  Returns a new string (caller frees). */
char *ds_accesslog_format_combined (const DsLogRecord *rec);

typedef struct _DsAccessLog DsAccessLog;

/* Opens the log: "-" is stdout, "none" discards, anything else is a file
 * opened for append (created 0640).  NULL with DS_ERROR_RUNTIME naming the
 * file if it cannot be opened. */
DsAccessLog *ds_accesslog_open (const char *spec, DsLogFormat format, GError **error);

/* Reopens the file (for SIGHUP / logrotate): opens the path anew, swaps the
 * fd under the mutex, closes the old one.  No-op for "-" and "none".  FALSE
 * with an error if the new file cannot be opened (the old fd stays). */
gboolean ds_accesslog_reopen (DsAccessLog *log, GError **error);

/* Turns on buffering: lines collect in memory and are written in batches of
 * up to @size bytes (whole lines, one write(2) each), at most 0.5 s after
 * they were logged, before a reopen switches files, and at free.  Starts a
 * flusher thread.  0, or a "none" log: stays unbuffered.  Call once, before
 * the first write. */
void ds_accesslog_set_buffer (DsAccessLog *log, gsize size);

/* Writes what is buffered now (no-op when unbuffered). */
void ds_accesslog_flush (DsAccessLog *log);

/* The local offset east of UTC, in seconds, at Unix time @t, for
 * DsLogRecord.utc_offset_s; looked up once a minute per thread (the offset
 * changes at most at a DST switch, on a minute edge). */
int ds_accesslog_utc_offset (gint64 t);

/* Writes one record: unbuffered, with a single write(2) under the log's
 * mutex; buffered, appended to the batch.  A write failure is reported once
 * on stderr; serving goes on. */
void ds_accesslog_write (DsAccessLog *log, const DsLogRecord *rec);

/* Writes what is buffered, closes the file (never stdout) and frees @log;
 * NULL is allowed. */
void ds_accesslog_free (DsAccessLog *log);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DsAccessLog, ds_accesslog_free)

G_END_DECLS
