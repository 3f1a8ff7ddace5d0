/* ftsquery.h: a search box's words to an SQLite FTS5 query string. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Bytes of the user's text looked at; the rest is ignored. */
#define DS_FTSQUERY_MAX_INPUT 512
/* Words kept; later ones are ignored. */
#define DS_FTSQUERY_MAX_TERMS 12
/* Characters kept of one word; the rest of it is ignored. */
#define DS_FTSQUERY_MAX_TERM_CHARS 64

/* Turns the first DS_FTSQUERY_MAX_INPUT bytes of @text (@len bytes, any
 * bytes: invalid UTF-8 is replaced, NUL and control bytes separate words)
 * into an FTS5 query that matches documents holding every word: each word
 * (a run of characters that are not white space or controls, holding at
 * least one letter or digit) becomes one quoted FTS5 string with '"'
 * doubled, the strings joined by single spaces.  With @prefix_last the last
 * word also matches as a prefix (a '*' after its closing quote).  Nothing
 * of the input is ever read by FTS5 as syntax.  Returns the query (caller
 * frees), or NULL when no word is left (nothing to search for). */
char *ds_ftsquery_build (const char *text, gsize len, gboolean prefix_last);

G_END_DECLS
