/* ftssnippet.h: the search results' passages, an FTS5 auxiliary function.
 *
 * FTS5's own snippet() scores every match against every other one and
 * tokenizes the whole column: a 256 KiB NEWS file holding a word 2,000
 * times costs it 26 ms, and ten such hits make one page of results cost
 * a quarter of a second.  ds_snippet() makes the same kind of passage in
 * time linear in the matches, tokenizing the text only up to the end of
 * the passage. */
#pragma once

#include <glib.h>
#include <sqlite3.h>

G_BEGIN_DECLS

/* The longest passage, in tokens. */
#define DS_FTSSNIPPET_MAX_TOKENS 64

/* Registers, on connection @db, the FTS5 auxiliary function
 *
 *   ds_snippet(TABLE, COLUMN, OPEN, CLOSE, ELLIPSIS, TOKENS)
 *
 * which returns a passage of at most TOKENS (1 to DS_FTSSNIPPET_MAX_TOKENS)
 * tokens of column COLUMN of the current row: the window of that length
 * that holds the most distinct phrases of the query (the first such
 * window), the matched tokens centred in it when they fit; with no match
 * in COLUMN, its first tokens.  Each matched token is wrapped in OPEN and
 * CLOSE; ELLIPSIS is put before a passage that does not start the text and
 * after one that does not end it.  The text is kept as it is between the
 * passage's first and last token, and before the first (after the last)
 * when the passage starts (ends) the text, as FTS5's snippet() does.
 * FALSE when @db has no FTS5. */
gboolean ds_ftssnippet_register (sqlite3 *db);

G_END_DECLS
