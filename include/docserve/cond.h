/* cond.h: conditional requests (RFC 9110 §8.8, §13): ETags, If-Match,
 * If-None-Match, If-Modified-Since, If-Unmodified-Since and If-Range.
 * Pure: callers pass the validators and the time. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* "\"" + 16 hex + "-" + 16 hex + "\"" + NUL, rounded up. */
#define DS_ETAG_LEN 40

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

/* If-Range (RFC 9110 §13.1.5): TRUE when the Range may be honoured: @field is
 * NULL, or an entity-tag strongly equal to @etag, or an HTTP-date exactly
 * equal to @last_modified (seconds) that is strong, i.e. @last_modified is at
 * least one second before @now.  Weak tags and malformed values give FALSE
 * (serve the whole file). */
gboolean ds_cond_if_range_ok (const char *field, const char *etag, gint64 last_modified,
                              gint64 now);

G_END_DECLS
