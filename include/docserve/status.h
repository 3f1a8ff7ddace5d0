/* status.h: reason phrases (RFC 9110 §15) and small HTML status pages. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Reason phrase for @code ("Not Found"), or "Unknown" for codes not defined by
 * RFC 9110.  Static string. */
const char *ds_status_reason (unsigned int code);

/* A small, valid UTF-8 HTML5 page for @code: title and heading "<code> <reason>"
 * and one fixed explanatory sentence.  It never contains request data, paths
 * or system error text.  Returns a new string (caller frees), length in
 * *out_len. */
char *ds_status_page (unsigned int code, gsize *out_len);

G_END_DECLS
