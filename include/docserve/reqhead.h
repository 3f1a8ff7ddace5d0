/* reqhead.h: is a request head well-formed enough to answer?  The checks a
 * server in front of or behind a proxy must make so that both read the same
 * request (RFC 9112 §2.2, §3.2, §5, §6.1, §6.3; RFC 9110 §5.5), as nginx
 * makes them.  Pure: the server hands over the fields as the HTTP parser
 * left them in its buffer. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* One header field: name and value as spans (the value without leading
 * OWS, possibly with trailing OWS). */
typedef struct
{
  const char *name;
  gsize name_len;
  const char *value;
  gsize value_len;
} DsHeaderField;

/* The request head as libmicrohttpd 0.9.75 leaves it in its read buffer:
 * @block[0..@block_len) is the request line and the header lines with
 * every line end (CRLF or LF) overwritten by NUL bytes, the colon after
 * each field name overwritten by one NUL, and the fields in the order they
 * arrived.  @version points at the HTTP version inside @block.  The fields'
 * name and value pointers point into @block unless the parser moved them
 * (it does so for folded lines). */
typedef struct
{
  const char *block;
  gsize block_len;
  const char *target;  /* the request target inside @block */
  gsize target_len;    /* its length up to the first NUL, as first seen */
  const char *version;
  const DsHeaderField *fields;
  guint n_fields;
} DsRequestHead;

typedef enum
{
  DS_HEAD_OK = 0,
  /* Well-formed, but the parser frames the body differently from the field
   * ("chunked" with OWS around it: RFC 9110 §5.5 allows it, libmicrohttpd
   * reads the body until the connection closes): answer now and close. */
  DS_HEAD_OK_CLOSE,
  DS_HEAD_BAD_NAME,        /* empty, or not a token (SP before the colon, CTLs) */
  DS_HEAD_BAD_VALUE,       /* CR, LF or NUL inside a value */
  DS_HEAD_BAD_TARGET,      /* a NUL byte inside the request target */
  DS_HEAD_BAD_LAYOUT,      /* a folded line or a NUL inside a line: bytes
                              the parser hid from the field list */
  DS_HEAD_DUP_LENGTH,      /* two Content-Length fields */
  DS_HEAD_DUP_CODING,      /* two Transfer-Encoding fields */
  DS_HEAD_LENGTH_AND_CODING, /* Content-Length and Transfer-Encoding */
  DS_HEAD_CODING_HTTP10,   /* Transfer-Encoding in an HTTP/1.0 request */
  DS_HEAD_BAD_HOST,        /* a Host value that is not uri-host [":" port] */
} DsHeadVerdict;

/* Checks @head.  Returns DS_HEAD_OK, DS_HEAD_OK_CLOSE, or the first problem
 * found (every problem is answered 400 and the connection closed).  Method,
 * transfer codings other than chunked and the Host count are the handler's
 * (ds_handler_precheck). */
DsHeadVerdict ds_reqhead_check (const DsRequestHead *head);

/* TRUE when @head's fields lie in @head->block exactly as a parse of
 * well-formed lines leaves them (see DsRequestHead); FALSE when any byte of
 * the block is not accounted for. */
gboolean ds_reqhead_layout_ok (const DsRequestHead *head);

/* A short English reason for @v ("two Content-Length fields"); static. */
const char *ds_reqhead_verdict_text (DsHeadVerdict v);

G_END_DECLS
