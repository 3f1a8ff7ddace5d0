/* status.c: reason phrases and small HTML status pages.
 *
 * Reason phrases are those of RFC 9110 §15 (with the names RFC 9110 gives:
 * 413 "Content Too Large", 422 "Unprocessable Content"), plus 429 and 431
 * from RFC 6585 §4 and §5.  306 and 418 are listed in RFC 9110 only as
 * "(Unused)": reserved, never sent, so they are "Unknown" here like any other
 * unregistered code.  The reason phrase is informational (RFC 9112 §4):
 * clients act on the code alone.
 *
 * The pages are fixed text: code, reason and one sentence chosen by the code,
 * never request data, paths, errno text or the server version, so they cannot
 * echo attacker input nor reveal internals.  All strings here are ASCII
 * without HTML metacharacters (check_status verifies that); they go through
 * the shell's escaper all the same.  The frame, style and dark palette are
 * the shell's (page.c); status pages have no breadcrumbs, which would name
 * the request path. */
#include "config.h"

#include "docserve/status.h"

#include "docserve/page.h"

typedef struct
{
  unsigned int code;
  const char *reason;
  const char *sentence; /* NULL: the generic one for the class */
} StatusInfo;

static const StatusInfo statuses[] = {
  { 100, "Continue", NULL },
  { 101, "Switching Protocols", NULL },
  { 200, "OK", NULL },
  { 201, "Created", NULL },
  { 202, "Accepted", NULL },
  { 203, "Non-Authoritative Information", NULL },
  { 204, "No Content", NULL },
  { 205, "Reset Content", NULL },
  { 206, "Partial Content", NULL },
  { 300, "Multiple Choices", NULL },
  { 301, "Moved Permanently", NULL },
  { 302, "Found", NULL },
  { 303, "See Other", NULL },
  { 304, "Not Modified", NULL },
  { 305, "Use Proxy", NULL },
  { 307, "Temporary Redirect", NULL },
  { 308, "Permanent Redirect", NULL },
  { 400, "Bad Request", "The request could not be understood." },
  { 401, "Unauthorized", NULL },
  { 402, "Payment Required", NULL },
  { 403, "Forbidden", "You do not have permission to access this resource." },
  { 404, "Not Found", "The requested resource was not found on this server." },
  { 405, "Method Not Allowed", "The request method is not supported for this resource." },
  { 406, "Not Acceptable", NULL },
  { 407, "Proxy Authentication Required", NULL },
  { 408, "Request Timeout", "The server timed out waiting for the request." },
  { 409, "Conflict", NULL },
  { 410, "Gone", NULL },
  { 411, "Length Required", NULL },
  { 412, "Precondition Failed", "A precondition given in the request was not met." },
  { 413, "Content Too Large", "The request content is larger than the server will process." },
  { 414, "URI Too Long", "The request target is longer than the server will interpret." },
  { 415, "Unsupported Media Type", NULL },
  { 416, "Range Not Satisfiable", "The requested range cannot be served for this resource." },
  { 417, "Expectation Failed", NULL },
  { 421, "Misdirected Request", NULL },
  { 422, "Unprocessable Content", NULL },
  { 426, "Upgrade Required", NULL },
  { 429, "Too Many Requests", "Too many requests were sent in a given amount of time." },
  { 431, "Request Header Fields Too Large", "The request header fields are too large." },
  { 500, "Internal Server Error", "The server encountered an internal error." },
  { 501, "Not Implemented", "The server does not support the functionality the request needs." },
  { 502, "Bad Gateway", NULL },
  { 503, "Service Unavailable", "The server is temporarily unable to handle the request." },
  { 504, "Gateway Timeout", NULL },
  { 505, "HTTP Version Not Supported", NULL },
};

/* The status page's own rules on top of the shell's (page.c): centred, a
 * narrower column, a larger heading. */
#define STATUS_STYLE                                                                      \
  "body{padding-top:4em;text-align:center}\n"                                             \
  "main,footer{max-width:36rem}\n"                                                        \
  "h1{font-size:1.75em;margin-bottom:.5em}\n"                                             \
  "footer{margin-top:3em}\n"

static const StatusInfo *
find_status (unsigned int code)
{
  for (gsize i = 0; i < G_N_ELEMENTS (statuses); i++)
    if (statuses[i].code == code)
      return &statuses[i];
  return NULL;
}

const char *
ds_status_reason (unsigned int code)
{
  const StatusInfo *info = find_status (code);

  return info != NULL ? info->reason : "Unknown";
}

static const char *
generic_sentence (unsigned int code)
{
  if (code >= 400 && code < 500)
    return "The request could not be completed.";
  if (code >= 500 && code < 600)
    return "The server could not complete the request.";
  return "No further information is available.";
}

char *
ds_status_page (unsigned int code, gsize *out_len)
{
  const StatusInfo *info = find_status (code);
  const char *reason = info != NULL ? info->reason : "Unknown";
  const char *sentence
      = info != NULL && info->sentence != NULL ? info->sentence : generic_sentence (code);
  g_autofree char *heading = g_strdup_printf ("%u %s", code, reason);
  const DsPage page = { .title = heading, .style = STATUS_STYLE };
  GString *out = g_string_sized_new (2048);

  ds_page_begin (out, &page);
  g_string_append (out, "<h1>");
  ds_page_append_escaped (out, heading);
  g_string_append (out, "</h1>\n<p>");
  ds_page_append_escaped (out, sentence);
  g_string_append (out, "</p>\n");
  ds_page_end (out);
  if (out_len != NULL)
    *out_len = out->len;
  return g_string_free (out, FALSE);
}
