/* lru.c: a hash table for lookups and a GQueue for the use order, under
 * one mutex; values are reference-counted so that a reader keeps its
 * value when another thread evicts it. */
#include "config.h"

#include "docserve/lru.h"

typedef struct
{
  char *key;
  gpointer value;
  gsize bytes;
  GList link; /* in the use order, most recent first */
} Entry;

struct _DsLru
{
  GMutex lock;
  GHashTable *entries; /* key (borrowed from the entry) -> Entry */
  GQueue order;
  gsize bytes, max_bytes;
  DsLruRefFunc ref;
  GDestroyNotify unref;
};

static void
entry_free (DsLru *lru, Entry *e)
{
  lru->unref (e->value);
  g_free (e->key);
  g_free (e);
}

DsLru *
ds_lru_new (gsize max_bytes, DsLruRefFunc ref, GDestroyNotify unref)
{
  g_return_val_if_fail (ref != NULL && unref != NULL, NULL);

  DsLru *lru = g_new0 (DsLru, 1);
  g_mutex_init (&lru->lock);
  lru->entries = g_hash_table_new (g_str_hash, g_str_equal);
  g_queue_init (&lru->order);
  lru->max_bytes = max_bytes;
  lru->ref = ref;
  lru->unref = unref;
  return lru;
}

void
ds_lru_free (DsLru *lru)
{
  if (lru == NULL)
    return;
  GList *l;
  while ((l = g_queue_pop_head_link (&lru->order)) != NULL)
    entry_free (lru, l->data);
  g_hash_table_unref (lru->entries);
  g_mutex_clear (&lru->lock);
  g_free (lru);
}

static void
remove_entry (DsLru *lru, Entry *e)
{
  g_hash_table_remove (lru->entries, e->key);
  g_queue_unlink (&lru->order, &e->link);
  lru->bytes -= e->bytes;
  entry_free (lru, e);
}

gpointer
ds_lru_get (DsLru *lru, const char *key)
{
  g_return_val_if_fail (lru != NULL && key != NULL, NULL);

  gpointer value = NULL;
  g_mutex_lock (&lru->lock);
  Entry *e = g_hash_table_lookup (lru->entries, key);
  if (e != NULL)
    {
      g_queue_unlink (&lru->order, &e->link);
      g_queue_push_head_link (&lru->order, &e->link);
      value = lru->ref (e->value);
    }
  g_mutex_unlock (&lru->lock);
  return value;
}

void
ds_lru_put (DsLru *lru, const char *key, gpointer value, gsize bytes)
{
  g_return_if_fail (lru != NULL && key != NULL && value != NULL);

  if (bytes > lru->max_bytes)
    return;
  Entry *e = g_new0 (Entry, 1);
  e->key = g_strdup (key);
  e->value = lru->ref (value);
  e->bytes = bytes;
  e->link.data = e;

  g_mutex_lock (&lru->lock);
  Entry *old = g_hash_table_lookup (lru->entries, key);
  if (old != NULL)
    remove_entry (lru, old);
  g_hash_table_insert (lru->entries, e->key, e);
  g_queue_push_head_link (&lru->order, &e->link);
  lru->bytes += bytes;
  while (lru->bytes > lru->max_bytes)
    remove_entry (lru, g_queue_peek_tail (&lru->order));
  g_mutex_unlock (&lru->lock);
}

void
ds_lru_stats (DsLru *lru, guint *out_entries, gsize *out_bytes)
{
  g_mutex_lock (&lru->lock);
  if (out_entries != NULL)
    *out_entries = g_hash_table_size (lru->entries);
  if (out_bytes != NULL)
    *out_bytes = lru->bytes;
  g_mutex_unlock (&lru->lock);
}
