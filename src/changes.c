/* changes.c: the --watch change aggregator (changes.h).
 *
 * Pending changes are a set of URLs (or "everything") with the time of the
 * first and of the last one.  They settle when no change has come for the
 * settle time, or when the first one has waited max_wait: a trailing-edge
 * debounce with a bound, so one rebuild gives one event and a writer that
 * never stops still gives one event per max_wait.  Settled generations are
 * kept in a short history so that a client reconnecting with
 * Last-Event-ID gets the union of what it missed. */
#include "config.h"

#include "docserve/changes.h"

#include "docserve/common.h"

#include <string.h>

typedef struct
{
  guint64 gen;
  char **urls; /* sorted; NULL when all */
  gboolean all;
} Generation;

struct _DsChanges
{
  gint64 settle_us;
  gint64 max_wait_us;
  guint max_urls;
  guint history;
  GHashTable *pending; /* URL set */
  gboolean pending_all;
  gboolean has_pending;
  gint64 first_us;
  gint64 last_us;
  guint64 gen;
  GQueue past; /* Generation*, oldest first */
};

static void
generation_free (gpointer p)
{
  Generation *g = p;
  g_strfreev (g->urls);
  g_free (g);
}

DsChanges *
ds_changes_new (gint64 settle_us, gint64 max_wait_us, guint max_urls, guint history)
{
  DsChanges *c = g_new0 (DsChanges, 1);

  c->settle_us = settle_us;
  c->max_wait_us = MAX (max_wait_us, settle_us);
  c->max_urls = MAX (max_urls, 1);
  c->history = MAX (history, 1);
  c->pending = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_queue_init (&c->past);
  return c;
}

void
ds_changes_free (DsChanges *c)
{
  if (c == NULL)
    return;
  g_hash_table_unref (c->pending);
  g_queue_clear_full (&c->past, generation_free);
  g_free (c);
}

void
ds_changes_note (DsChanges *c, const char *url, gint64 now_us)
{
  if (!c->has_pending)
    {
      c->has_pending = TRUE;
      c->first_us = now_us;
    }
  c->last_us = now_us;
  if (c->pending_all || (url != NULL && g_hash_table_contains (c->pending, url)))
    return;
  if (url == NULL || g_hash_table_size (c->pending) >= c->max_urls)
    {
      c->pending_all = TRUE;
      g_hash_table_remove_all (c->pending);
      return;
    }
  g_hash_table_add (c->pending, g_strdup (url));
}

gint64
ds_changes_deadline (const DsChanges *c)
{
  if (!c->has_pending)
    return -1;
  return MIN (c->last_us + c->settle_us, c->first_us + c->max_wait_us);
}

static int
cmp_str (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

/* The keys of @set as a sorted NULL-terminated array (caller frees). */
static char **
sorted_keys (GHashTable *set)
{
  guint n = 0;
  char **v = (char **) g_hash_table_get_keys_as_array (set, &n);
  char **out = g_new (char *, n + 1);

  for (guint i = 0; i < n; i++)
    out[i] = g_strdup (v[i]);
  out[n] = NULL;
  g_free (v);
  qsort (out, n, sizeof *out, cmp_str);
  return out;
}

gboolean
ds_changes_settle (DsChanges *c, gint64 now_us)
{
  if (!c->has_pending || now_us < ds_changes_deadline (c))
    return FALSE;
  Generation *g = g_new0 (Generation, 1);
  g->gen = ++c->gen;
  g->all = c->pending_all;
  if (!g->all)
    g->urls = sorted_keys (c->pending);
  g_queue_push_tail (&c->past, g);
  while (g_queue_get_length (&c->past) > c->history)
    generation_free (g_queue_pop_head (&c->past));
  g_hash_table_remove_all (c->pending);
  c->pending_all = FALSE;
  c->has_pending = FALSE;
  return TRUE;
}

guint64
ds_changes_generation (const DsChanges *c)
{
  return c->gen;
}

char **
ds_changes_since (const DsChanges *c, guint64 since, gboolean *out_all)
{
  *out_all = FALSE;
  if (since >= c->gen)
    return g_new0 (char *, 1);
  const Generation *oldest = c->past.head != NULL ? c->past.head->data : NULL;
  /* Generations since+1 .. gen must all still be in the history. */
  if (oldest == NULL || oldest->gen > since + 1)
    {
      *out_all = TRUE;
      return NULL;
    }
  g_autoptr (GHashTable) set = g_hash_table_new (g_str_hash, g_str_equal);
  for (GList *l = c->past.head; l != NULL; l = l->next)
    {
      const Generation *g = l->data;
      if (g->gen <= since)
        continue;
      if (g->all)
        {
          *out_all = TRUE;
          return NULL;
        }
      for (char **u = g->urls; *u != NULL; u++)
        g_hash_table_add (set, *u);
      if (g_hash_table_size (set) > c->max_urls)
        {
          *out_all = TRUE;
          return NULL;
        }
    }
  return sorted_keys (set);
}

char *
ds_changes_format_event (guint64 gen, char *const *urls, gboolean all)
{
  GString *out = g_string_new (NULL);

  g_string_append_printf (out, "id: %" G_GUINT64_FORMAT "\ndata: {\"generation\":%" G_GUINT64_FORMAT
                          ",\"all\":%s,\"urls\":[",
                          gen, gen, all ? "true" : "false");
  for (guint i = 0; !all && urls != NULL && urls[i] != NULL; i++)
    {
      if (i > 0)
        g_string_append_c (out, ',');
      ds_json_append_string (out, urls[i]);
    }
  g_string_append (out, "]}\n\n");
  return g_string_free (out, FALSE);
}
