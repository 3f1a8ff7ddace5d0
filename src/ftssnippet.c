/* ftssnippet.c: ds_snippet(), an FTS5 auxiliary function (ftssnippet.h).
 *
 * The matches of the current row come from FTS5 itself (xInst: phrase and
 * token offset), so the passage agrees with what matched: the same
 * tokenizer, diacritics and prefixes.  The window is chosen in one pass
 * over the matches sorted by offset (two pointers, a count per phrase);
 * then the column is tokenized, through the table's own tokenizer, only up
 * to the window's end, to learn the byte offsets of its tokens. */
#include "config.h"

#include "docserve/ftssnippet.h"

#include <stdlib.h>
#include <string.h>

typedef struct
{
  int off;    /* token offset in the column */
  int phrase; /* the query phrase it matches */
  int size;   /* tokens of the phrase, at most the window */
} Match;

/* The tokenizer's walk over the column, up to the window's end. */
typedef struct
{
  int first, last; /* the window of tokens [first, last) */
  int next;        /* the position of the next token */
  int *starts;     /* byte offsets of tokens first..last-1 */
  int *ends;
  gboolean more; /* a token at or past last exists */
} Walk;

static int
walk_token (void *ctx, int flags, const char *token, int n, int start, int end)
{
  Walk *w = ctx;

  (void) token;
  (void) n;
  if ((flags & FTS5_TOKEN_COLOCATED) != 0)
    return SQLITE_OK; /* the same position as the token before */
  int i = w->next++;
  if (i >= w->last)
    {
      w->more = TRUE;
      return SQLITE_DONE; /* far enough: stop tokenizing */
    }
  if (i >= w->first)
    {
      w->starts[i - w->first] = start;
      w->ends[i - w->first] = end;
    }
  return SQLITE_OK;
}

static int
match_cmp (const void *a, const void *b)
{
  const Match *x = a, *y = b;

  if (x->off != y->off)
    return x->off < y->off ? -1 : 1;
  return x->phrase - y->phrase;
}

/* The matches of column @col, sorted by offset, into *@out (caller frees);
 * their number, or -1 on an SQLite error. */
static int
column_matches (const Fts5ExtensionApi *api, Fts5Context *fts, int col, int len, Match **out)
{
  int n_inst = 0;

  *out = NULL;
  if (api->xInstCount (fts, &n_inst) != SQLITE_OK)
    return -1;
  Match *m = g_new (Match, MAX (n_inst, 1));
  int n = 0;
  gboolean sorted = TRUE;
  for (int i = 0; i < n_inst; i++)
    {
      int phrase = 0, c = 0, off = 0;
      if (api->xInst (fts, i, &phrase, &c, &off) != SQLITE_OK)
        {
          g_free (m);
          return -1;
        }
      if (c != col)
        continue;
      m[n] = (Match){ off, phrase, CLAMP (api->xPhraseSize (fts, phrase), 1, len) };
      sorted = sorted && (n == 0 || match_cmp (&m[n - 1], &m[n]) <= 0);
      n++;
    }
  if (!sorted)
    qsort (m, (size_t) n, sizeof *m, match_cmp);
  *out = m;
  return n;
}

/* Of @m (@n matches sorted by offset, of @n_phrases phrases), the first
 * window of @len tokens starting at a match that holds the most distinct
 * phrases: its first match's index; *@out_end is one past its last. */
static int
best_window (const Match *m, int n, int n_phrases, int len, int *out_end)
{
  g_autofree int *count = g_new0 (int, MAX (n_phrases, 1));
  int distinct = 0, best = 0, best_distinct = -1, j = 0;

  *out_end = 0;
  for (int i = 0; i < n; i++)
    {
      /* m[i] fits its own window (sizes are at most @len), so j > i. */
      while (j < n && m[j].off + m[j].size <= m[i].off + len)
        {
          if (m[j].phrase >= 0 && m[j].phrase < n_phrases && count[m[j].phrase]++ == 0)
            distinct++;
          j++;
        }
      if (distinct > best_distinct)
        {
          best_distinct = distinct;
          best = i;
          *out_end = j;
        }
      if (m[i].phrase >= 0 && m[i].phrase < n_phrases && --count[m[i].phrase] == 0)
        distinct--;
    }
  return best;
}

/* Where the passage starts: the matches m[lo..hi) centred in @len tokens,
 * kept inside the column's @n_tokens; 0 without matches. */
static int
window_start (const Match *m, int lo, int hi, int len, int n_tokens)
{
  if (hi <= lo)
    return 0;
  int span_end = m[lo].off + 1;
  for (int k = lo; k < hi; k++)
    span_end = MAX (span_end, m[k].off + m[k].size);
  int first = MAX (0, m[lo].off - (len - MIN (len, span_end - m[lo].off)) / 2);
  if (n_tokens > 0 && first + len > n_tokens)
    first = MAX (0, MIN (first, n_tokens - len));
  return first;
}

/* The passage of tokens [w->first, w->next) of @text (@text_len bytes),
 * matched tokens (those @m covers) wrapped in @open and @close; from the
 * text's first byte when it starts at the first token, to its last when
 * no token follows; with an ellipsis where text is left out. */
static void
append_passage (GString *out, const char *text, int text_len, const Walk *w, const Match *m,
                int n, const char *open, const char *close, const char *ellipsis)
{
  int got = MIN (w->next, w->last) - w->first;
  g_autofree gboolean *hit = g_new0 (gboolean, MAX (got, 1));

  if (got <= 0)
    {
      /* No token at all: the text is separators, shown as it is. */
      if (w->first == 0)
        g_string_append_len (out, text, text_len);
      return;
    }
  for (int k = 0; k < n; k++)
    for (int t = MAX (m[k].off, w->first); t < m[k].off + m[k].size && t < w->first + got; t++)
      hit[t - w->first] = TRUE;
  if (w->first > 0)
    g_string_append (out, ellipsis);
  else
    g_string_append_len (out, text, w->starts[0]);
  for (int k = 0; k < got; k++)
    {
      if (k > 0)
        g_string_append_len (out, text + w->ends[k - 1], w->starts[k] - w->ends[k - 1]);
      if (hit[k])
        g_string_append (out, open);
      g_string_append_len (out, text + w->starts[k], w->ends[k] - w->starts[k]);
      if (hit[k])
        g_string_append (out, close);
    }
  if (w->more)
    g_string_append (out, ellipsis);
  else
    g_string_append_len (out, text + w->ends[got - 1], text_len - w->ends[got - 1]);
}

static void
snippet_fn (const Fts5ExtensionApi *api, Fts5Context *fts, sqlite3_context *ctx, int n_val,
            sqlite3_value **val)
{
  if (n_val != 5)
    {
      sqlite3_result_error (ctx, "ds_snippet: takes the table and 5 arguments", -1);
      return;
    }
  int col = sqlite3_value_int (val[0]);
  const char *open = (const char *) sqlite3_value_text (val[1]);
  const char *close = (const char *) sqlite3_value_text (val[2]);
  const char *ellipsis = (const char *) sqlite3_value_text (val[3]);
  int len = CLAMP (sqlite3_value_int (val[4]), 1, DS_FTSSNIPPET_MAX_TOKENS);
  if (col < 0 || col >= api->xColumnCount (fts) || open == NULL || close == NULL
      || ellipsis == NULL)
    {
      sqlite3_result_error (ctx, "ds_snippet: bad column or marker", -1);
      return;
    }

  const char *text = NULL;
  int text_len = 0, n_tokens = 0;
  g_autofree Match *m = NULL;
  int n = column_matches (api, fts, col, len, &m);
  if (n < 0 || api->xColumnText (fts, col, &text, &text_len) != SQLITE_OK
      || api->xColumnSize (fts, col, &n_tokens) != SQLITE_OK)
    {
      sqlite3_result_error_code (ctx, SQLITE_ERROR);
      return;
    }
  int hi = 0;
  int lo = n > 0 ? best_window (m, n, api->xPhraseCount (fts), len, &hi) : 0;
  int starts[DS_FTSSNIPPET_MAX_TOKENS], ends[DS_FTSSNIPPET_MAX_TOKENS];
  Walk w = { .starts = starts, .ends = ends };
  w.first = window_start (m, lo, hi, len, n_tokens);
  w.last = w.first + len;
  int rc = text != NULL ? api->xTokenize (fts, text, text_len, &w, walk_token) : SQLITE_OK;
  if (rc != SQLITE_OK && rc != SQLITE_DONE)
    {
      sqlite3_result_error_code (ctx, rc);
      return;
    }

  GString *out = g_string_sized_new (256);
  if (text != NULL)
    append_passage (out, text, text_len, &w, m, n, open, close, ellipsis);
  int out_len = (int) out->len;
  sqlite3_result_text (ctx, g_string_free (out, FALSE), out_len, g_free);
}

/* The connection's FTS5 API, or NULL (SQLite's documented way: SELECT
 * fts5(?1) with a pointer bound as "fts5_api_ptr"). */
static fts5_api *
fts5_api_of (sqlite3 *db)
{
  fts5_api *api = NULL;
  sqlite3_stmt *st = NULL;

  if (sqlite3_prepare_v2 (db, "SELECT fts5(?1)", -1, &st, NULL) != SQLITE_OK)
    return NULL;
  sqlite3_bind_pointer (st, 1, (void *) &api, "fts5_api_ptr", NULL);
  (void) sqlite3_step (st);
  sqlite3_finalize (st);
  return api;
}

gboolean
ds_ftssnippet_register (sqlite3 *db)
{
  g_return_val_if_fail (db != NULL, FALSE);

  fts5_api *api = fts5_api_of (db);
  return api != NULL && api->iVersion >= 2
         && api->xCreateFunction (api, "ds_snippet", NULL, snippet_fn, NULL) == SQLITE_OK;
}
