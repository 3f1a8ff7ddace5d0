/* lru.h: a thread-safe cache of reference-counted values bounded by the
 * sum of their sizes, least recently used out first.  Used for rendered
 * manual pages and parsed info manuals. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _DsLru DsLru;

/* Takes a reference to @value and returns it. */
typedef gpointer (*DsLruRefFunc) (gpointer value);

/* A cache of at most @max_bytes (sum of the sizes given to ds_lru_put);
 * @ref takes a reference to a value, @unref drops one (g_bytes_ref and
 * g_bytes_unref for GBytes). */
DsLru *ds_lru_new (gsize max_bytes, DsLruRefFunc ref, GDestroyNotify unref);
void ds_lru_free (DsLru *lru);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DsLru, ds_lru_free)

/* The value under @key with a new reference (caller drops it), or NULL;
 * marks it most recently used. */
gpointer ds_lru_get (DsLru *lru, const char *key);

/* Stores a reference to @value under @key (replacing any), then drops the
 * least recently used entries until the total is within the bound.  A
 * value larger than the whole bound is not stored. */
void ds_lru_put (DsLru *lru, const char *key, gpointer value, gsize bytes);

/* Entries and total size now (for tests and measurements). */
void ds_lru_stats (DsLru *lru, guint *out_entries, gsize *out_bytes);

G_END_DECLS
