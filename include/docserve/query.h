/* query.h: the query string of a request URL (what follows '?'), read as an
 * HTML form sends it: "key=value" pairs split on '&'
 * (application/x-www-form-urlencoded).  Every generated page that takes
 * parameters (listings' ?sort= and ?format=, ?raw, the search page's ?q=)
 * reads them here. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Called for each pair, undecoded: @value is NULL for a pair without '='.
 * Return FALSE to stop. */
typedef gboolean (*DsQueryFunc) (const char *key, gsize key_len, const char *value,
                                 gsize value_len, gpointer data);

/* Calls @fn for every non-empty pair of @query (NULL: none; a leading '?'
 * is skipped), in order. */
void ds_query_each (const char *query, DsQueryFunc fn, gpointer data);

/* Whether @query has a parameter whose undecoded name is exactly @name,
 * with or without a value ("raw", "raw=1", "a=b&raw="). */
gboolean ds_query_has (const char *query, const char *name);

/* Appends the form-decoding of @s (@len bytes) to @out: '+' is a space,
 * %XX a byte.  FALSE (with @out partly written) on a malformed escape or
 * %00, which no form sends. */
gboolean ds_query_decode (const char *s, gsize len, GString *out);

/* Whether @s (@len bytes) is exactly @word. */
gboolean ds_query_word_is (const char *s, gsize len, const char *word);

G_END_DECLS
