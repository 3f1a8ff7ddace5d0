/* search.c: the full-text search index of a served tree (SQLite FTS5) and
 * the background thread that keeps it current.
 *
 * Storage: one SQLite database (a real file, reused across restarts, or
 * one in memory) with
 * - meta(key, value): the schema version and the "policy" the index was
 *   made for (the tree's root fd identity is not stable across restarts, so
 *   the URL prefix, dotfiles and symlinks policies and the extractor's
 *   version); another policy empties the index;
 * - docs(id, path, size, mtime, indexed): every regular file seen, indexed
 *   or not (a skipped binary is remembered too, so an unchanged tree costs
 *   one directory walk and no file reads on restart);
 * - fts: an FTS5 table (url, title, kind UNINDEXED, body), rowid = docs.id,
 *   tokenizer unicode61 with diacritics removed; rank is bm25 with weights
 *   url 2, title 10, body 1, stored in the table's configuration.
 * WAL mode, so queries (one reader connection, under a mutex) never wait
 * for the indexer's transactions; synchronous=NORMAL, since a lost last
 * batch after a power cut is found again by the next scan.
 *
 * Opening degrades, never fails: a file that is not a database or is
 * damaged is removed (with its -wal and -shm) and made again (but an
 * SQLite database with tables of its own is someone else's, and left
 * alone: the index goes to memory); a file that
 * cannot be created or written, or stays locked (another process holding a
 * write transaction) past a few seconds, gives an index in memory (a
 * shared-cache in-memory database both connections attach to; the reader
 * uses read_uncommitted, since shared-cache locking would otherwise make
 * it wait for the writer's table locks).  Each case prints one line.
 *
 * The indexer: one GThread, lowered to SCHED_IDLE (sched_setscheduler on
 * the calling thread, which Linux applies per thread), nice 19
 * (setpriority on its thread id, also per thread on Linux) and the idle
 * I/O class (ioprio_set(IOPRIO_WHO_PROCESS, 0): the calling thread).  All
 * three only lower the thread's priority, which needs no privilege;
 * failures are ignored.  A scan walks the tree breadth-first with
 * ds_dirlist_read_fd, so it lists exactly what the server would serve
 * (dotfiles, symlink policy, names); directories are opened with
 * ds_path_open and remembered by device and inode, so a symlinked loop
 * is walked once.  A file whose (path, size, mtime) matches its row is not
 * read; others are opened with ds_path_open, read up to READ_MAX bytes and
 * given to ds_extract_document.  Rows of files not seen are deleted at the
 * end of a complete scan.  Writes are committed in batches (BATCH_FILES
 * files or BATCH_USEC), so searches see progress while a first scan runs.
 * mtime is compared in whole seconds (what the listing reader gives): a
 * file rewritten with the same size within the second it was indexed in is
 * seen at its next change.
 *
 * In portal mode a complete walk of the tree is followed by two more
 * passes: the manual pages manindex.c lists for the man path (English
 * only; read beneath their roots by ds_manindex_read, text by
 * ds_extract_man), keyed "//man/ROOT//REL", and the info manuals info.c
 * lists and reads (ds_info_manuals, ds_info_read), a "//info/ROOT//FILE"
 * row per manual file (size and mtime, no text) and one keyed with
 * "\x1fNODE" after it per node.  Those keys start with "//", which no
 * relative path of the tree does.
 *
 * Queries (ds_search_query) re-check every hit against the tree as it is
 * now with the same rules (ds_path_sanitize for dotfiles and names,
 * ds_path_open for symlinks, a regular file), so a result never names a
 * file the server would refuse, even one indexed under another policy or
 * changed since.  Man and info rows are not re-checked (/man/ and /info/
 * apply their own rules when the link is followed): one removed since the
 * last scan is listed until the next, and its link answers 404. */
#include "config.h"

#include "docserve/search.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "docserve/common.h"
#include "docserve/dirlist.h"
#include "docserve/extract.h"
#include "docserve/ftssnippet.h"
#include "docserve/info.h"
#include "docserve/manindex.h"
#include "docserve/manname.h"

/* Bump when the schema or the extractors change what is stored. */
#define SCHEMA_VERSION "1"
#define EXTRACT_VERSION "3"

#define READ_MAX ((gsize) 4 * 1024 * 1024)
#define BATCH_FILES 256
#define BATCH_USEC (G_USEC_PER_SEC)
#define MAX_DEPTH 64
/* Milliseconds a connection waits for a lock before giving up. */
#define BUSY_MS 3000

struct _DsSearch
{
  char *index_file; /* NULL: in memory */
  char *memory_uri; /* the shared-cache in-memory database's URI, or NULL */
  const gint *root_fd;
  DsDotfiles dotfiles;
  DsSymlinks symlinks;
  char *url_prefix;
  guint rescan_seconds;
  char *man_path;     /* NULL: no manual pages */
  DsManIndex *man;    /* the indexer's own view of man_path, or NULL */
  char *info_path;    /* NULL: no info manuals */
  DsRoots *info;      /* info_path's directories, or NULL */

  sqlite3 *writer; /* the indexer thread's (or ds_search_open's before it) */
  sqlite3 *reader; /* under read_lock */
  GMutex read_lock;

  GThread *thread;
  GMutex lock; /* guards stop and rescan, with cond */
  GCond cond;
  gboolean stop;
  gboolean rescan;
  gint stopping; /* atomic copy of stop, read between files */

  gint indexing;      /* atomic */
  gint first_done;    /* atomic */
  guint64 generation; /* under read_lock */
};

/* ---- SQLite helpers -------------------------------------------------------- */

static gboolean
exec (sqlite3 *db, const char *sql, GError **error)
{
  char *msg = NULL;
  if (sqlite3_exec (db, sql, NULL, NULL, &msg) == SQLITE_OK)
    return TRUE;
  g_set_error (error, DS_ERROR, DS_ERROR_RUNTIME, "%s", msg != NULL ? msg : sqlite3_errmsg (db));
  sqlite3_free (msg);
  return FALSE;
}

static void
close_db (sqlite3 **db)
{
  if (*db != NULL)
    sqlite3_close_v2 (*db);
  *db = NULL;
}

static sqlite3_stmt *
prepare (sqlite3 *db, const char *sql, GError **error)
{
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2 (db, sql, -1, &st, NULL) != SQLITE_OK)
    {
      g_set_error (error, DS_ERROR, DS_ERROR_RUNTIME, "%s", sqlite3_errmsg (db));
      sqlite3_finalize (st);
      return NULL;
    }
  return st;
}

typedef sqlite3_stmt DsStmt;
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DsStmt, sqlite3_finalize)

static char *
policy_of (const DsSearch *s)
{
  return g_strdup_printf ("schema=%s extract=%s url=%s dotfiles=%d symlinks=%d man=%s info=%s",
                          SCHEMA_VERSION, EXTRACT_VERSION, s->url_prefix, (int) s->dotfiles,
                          (int) s->symlinks, s->man_path != NULL ? s->man_path : "",
                          s->info_path != NULL ? s->info_path : "");
}

/* Makes the tables if missing, or empties them if made for another policy;
 * one transaction, so a database with tables always has its policy row
 * (which is how has_foreign_tables tells ours from others). */
static gboolean
setup_schema (DsSearch *s, sqlite3 *db, GError **error)
{
  g_autofree char *policy = policy_of (s);

  if (!exec (db,
             "BEGIN IMMEDIATE;"
             "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);"
             "CREATE TABLE IF NOT EXISTS docs (id INTEGER PRIMARY KEY, path TEXT UNIQUE NOT NULL,"
             " size INTEGER NOT NULL, mtime INTEGER NOT NULL, indexed INTEGER NOT NULL);"
             "CREATE VIRTUAL TABLE IF NOT EXISTS fts USING fts5 (url, title, kind UNINDEXED, body,"
             " tokenize = 'unicode61 remove_diacritics 2');",
             error))
    {
      exec (db, "ROLLBACK", NULL);
      return FALSE;
    }

  g_autoptr (DsStmt) get = prepare (db, "SELECT value FROM meta WHERE key = 'policy'", error);
  int rc = get != NULL ? sqlite3_step (get) : SQLITE_ERROR;
  if (rc == SQLITE_ROW && g_strcmp0 ((const char *) sqlite3_column_text (get, 0), policy) == 0)
    return exec (db, "COMMIT", error);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    {
      if (get != NULL)
        g_set_error (error, DS_ERROR, DS_ERROR_RUNTIME, "%s", sqlite3_errmsg (db));
      exec (db, "ROLLBACK", NULL);
      return FALSE;
    }

  /* New, or made for something else: start empty. */
  g_autoptr (DsStmt) put
    = prepare (db, "INSERT OR REPLACE INTO meta (key, value) VALUES ('policy', ?)", error);
  if (put == NULL
      || !exec (db,
                "DELETE FROM docs; DELETE FROM fts;"
                "INSERT INTO fts (fts, rank) VALUES ('rank', 'bm25(2.0, 10.0, 0.0, 1.0)');",
                error))
    {
      exec (db, "ROLLBACK", NULL);
      return FALSE;
    }
  sqlite3_bind_text (put, 1, policy, -1, SQLITE_STATIC);
  if (sqlite3_step (put) != SQLITE_DONE)
    {
      g_set_error (error, DS_ERROR, DS_ERROR_RUNTIME, "%s", sqlite3_errmsg (db));
      exec (db, "ROLLBACK", NULL);
      return FALSE;
    }
  return exec (db, "COMMIT", error);
}

static sqlite3 *
open_db (const char *name, int flags, GError **error)
{
  sqlite3 *db = NULL;
  /* Each connection is used by one thread at a time (the reader under
   * read_lock); the shared cache of the in-memory index keeps its own
   * lock, but gets SQLite's full locking all the same. */
  int mutex = (flags & SQLITE_OPEN_SHAREDCACHE) ? SQLITE_OPEN_FULLMUTEX : SQLITE_OPEN_NOMUTEX;
  int rc = sqlite3_open_v2 (name, &db, flags | mutex, NULL);
  if (rc != SQLITE_OK)
    {
      g_set_error (error, DS_ERROR, DS_ERROR_RUNTIME, "%s",
                   db != NULL ? sqlite3_errmsg (db) : sqlite3_errstr (rc));
      close_db (&db);
      return NULL;
    }
  sqlite3_busy_timeout (db, BUSY_MS);
  sqlite3_extended_result_codes (db, 0);
  if (!ds_ftssnippet_register (db))
    {
      g_set_error (error, DS_ERROR, DS_ERROR_RUNTIME, "SQLite has no FTS5 extension API");
      close_db (&db);
      return NULL;
    }
  return db;
}

/* Whether @db is someone else's: it has tables, but no meta table with
 * a policy row of ours (setup_schema writes it with the tables). */
static gboolean
has_foreign_tables (sqlite3 *db)
{
  g_autoptr (DsStmt) n = prepare (db, "SELECT count(*) FROM sqlite_master", NULL);
  if (n == NULL || sqlite3_step (n) != SQLITE_ROW)
    return TRUE;
  if (sqlite3_column_int64 (n, 0) == 0)
    return FALSE; /* empty: a new file */
  g_autoptr (DsStmt) st = prepare (db, "SELECT value FROM meta WHERE key = 'policy'", NULL);
  return st == NULL || sqlite3_step (st) != SQLITE_ROW
         || !g_str_has_prefix ((const char *) sqlite3_column_text (st, 0), "schema=");
}

/* Opens the index file as writer and reader, checking that it is a
 * database we can write.  On failure, *out_damaged tells whether removing
 * the file may help (not a database, damaged). */
static gboolean
open_file (DsSearch *s, gboolean *out_damaged, GError **error)
{
  *out_damaged = FALSE;
  g_autofree char *dir = g_path_get_dirname (s->index_file);
  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int e = errno;
      g_set_error (error, DS_ERROR, DS_ERROR_RUNTIME, "%s: %s", dir, g_strerror (e));
      return FALSE;
    }
  s->writer = open_db (s->index_file, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, error);
  if (s->writer == NULL)
    return FALSE;
  /* The first statement reads the header: "not a database" shows here. */
  char *msg = NULL;
  int rc = sqlite3_exec (s->writer, "SELECT count(*) FROM sqlite_master", NULL, NULL, &msg);
  if (rc == SQLITE_OK && has_foreign_tables (s->writer))
    {
      /* Someone else's database: never emptied or removed. */
      g_set_error (error, DS_ERROR, DS_ERROR_RUNTIME, "not a docserve search index");
      sqlite3_free (msg);
      close_db (&s->writer);
      return FALSE;
    }
  if (rc == SQLITE_OK)
    rc = sqlite3_exec (s->writer, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;", NULL,
                       NULL, &msg);
  if (rc == SQLITE_OK)
    {
      g_autoptr (GError) schema_error = NULL;
      if (!setup_schema (s, s->writer, &schema_error))
        {
          rc = sqlite3_errcode (s->writer);
          sqlite3_free (msg);
          msg = sqlite3_mprintf ("%s", schema_error->message);
        }
    }
  if (rc == SQLITE_OK)
    {
      /* Damage inside the FTS5 tables shows only when they are read. */
      rc = sqlite3_exec (s->writer, "SELECT count(*) FROM docs; SELECT count(*) FROM fts_data;",
                         NULL, NULL, &msg);
    }
  if (rc == SQLITE_OK)
    {
      /* quick_check answers damage as rows of text, not as an error. */
      g_autoptr (DsStmt) check = prepare (s->writer, "PRAGMA quick_check(1)", NULL);
      if (check == NULL || sqlite3_step (check) != SQLITE_ROW
          || g_strcmp0 ((const char *) sqlite3_column_text (check, 0), "ok") != 0)
        {
          rc = SQLITE_CORRUPT;
          sqlite3_free (msg);
          msg = sqlite3_mprintf ("%s", check != NULL && sqlite3_column_text (check, 0) != NULL
                                         ? (const char *) sqlite3_column_text (check, 0)
                                         : sqlite3_errmsg (s->writer));
        }
    }
  if (rc != SQLITE_OK)
    {
      *out_damaged = rc == SQLITE_NOTADB || rc == SQLITE_CORRUPT || rc == SQLITE_ERROR;
      g_set_error (error, DS_ERROR, DS_ERROR_RUNTIME, "%s",
                   msg != NULL ? msg : sqlite3_errstr (rc));
      sqlite3_free (msg);
      close_db (&s->writer);
      return FALSE;
    }
  sqlite3_free (msg);
  s->reader = open_db (s->index_file, SQLITE_OPEN_READONLY, error);
  if (s->reader == NULL)
    {
      close_db (&s->writer);
      return FALSE;
    }
  return TRUE;
}

static gboolean
open_memory (DsSearch *s, GError **error)
{
  static gint counter;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_URI
              | SQLITE_OPEN_SHAREDCACHE;

  s->memory_uri = g_strdup_printf ("file:docserve-search-%d-%d?mode=memory&cache=shared",
                                   (int) getpid (), g_atomic_int_add (&counter, 1));
  s->writer = open_db (s->memory_uri, flags, error);
  if (s->writer == NULL)
    return FALSE;
  if (!setup_schema (s, s->writer, error))
    {
      close_db (&s->writer);
      return FALSE;
    }
  s->reader = open_db (s->memory_uri, flags, error);
  if (s->reader == NULL || !exec (s->reader, "PRAGMA read_uncommitted = 1", error))
    {
      close_db (&s->reader);
      close_db (&s->writer);
      return FALSE;
    }
  return TRUE;
}

static void
remove_file_set (const char *path)
{
  static const char *const suffixes[] = { "", "-wal", "-shm", "-journal" };
  for (gsize i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *p = g_strconcat (path, suffixes[i], NULL);
      unlink (p);
    }
}

DsSearch *
ds_search_open (const DsSearchConfig *config, GError **error)
{
  g_return_val_if_fail (config != NULL && config->root_fd != NULL, NULL);
  g_return_val_if_fail (config->url_prefix != NULL && config->url_prefix[0] == '/', NULL);

  DsSearch *s = g_new0 (DsSearch, 1);
  s->index_file = g_strdup (config->index_file);
  s->root_fd = config->root_fd;
  s->dotfiles = config->dotfiles;
  s->symlinks = config->symlinks;
  s->url_prefix = g_strdup (config->url_prefix);
  s->rescan_seconds = config->rescan_seconds;
  s->man_path = g_strdup (config->man_path);
  if (s->man_path != NULL)
    s->man = ds_manindex_new (s->man_path);
  s->info_path = g_strdup (config->info_path);
  if (s->info_path != NULL)
    s->info = ds_roots_new (s->info_path, "info path");
  g_mutex_init (&s->read_lock);
  g_mutex_init (&s->lock);
  g_cond_init (&s->cond);

  if (s->index_file != NULL)
    {
      g_autoptr (GError) file_error = NULL;
      gboolean damaged = FALSE;
      gboolean ok = open_file (s, &damaged, &file_error);
      if (!ok && damaged)
        {
          fprintf (stderr, "docserve: search index %s is damaged (%s); rebuilding it\n",
                   s->index_file, file_error->message);
          remove_file_set (s->index_file);
          g_clear_error (&file_error);
          ok = open_file (s, &damaged, &file_error);
        }
      if (!ok)
        {
          fprintf (stderr, "docserve: search index %s cannot be used (%s); indexing in memory\n",
                   s->index_file, file_error->message);
          g_clear_pointer (&s->index_file, g_free);
        }
    }
  if (s->index_file == NULL && !open_memory (s, error))
    {
      g_prefix_error (error, "search index in memory: ");
      ds_search_free (s);
      return NULL;
    }
  return s;
}

/* ---- the indexer --------------------------------------------------------- */

static void
lower_priority (void)
{
  struct sched_param sp = { 0 };
  pid_t tid = (pid_t) syscall (SYS_gettid);

  (void) sched_setscheduler (0, SCHED_IDLE, &sp);
  (void) setpriority (PRIO_PROCESS, (id_t) tid, 19);
#ifdef SYS_ioprio_set
  /* linux/ioprio.h: IOPRIO_WHO_PROCESS 1, IOPRIO_CLASS_IDLE 3, class shift 13. */
  (void) syscall (SYS_ioprio_set, 1, 0, 3 << 13);
#endif
}

typedef struct
{
  gint64 id;
  guint64 size;
  gint64 mtime;
} Known;

typedef struct
{
  DsSearch *s;
  int root_fd;
  GHashTable *known; /* path -> Known: rows not (yet) seen in this scan */
  sqlite3_stmt *ins_doc, *upd_doc, *del_doc, *del_fts, *ins_fts;
  guint batch;
  gint64 batch_start;
  gboolean failed;
} Scan;

static gboolean
stopping (DsSearch *s)
{
  return g_atomic_int_get (&s->stopping);
}

static void
commit_batch (Scan *sc, gboolean reopen)
{
  if (!exec (sc->s->writer, "COMMIT", NULL))
    sc->failed = TRUE;
  g_mutex_lock (&sc->s->read_lock);
  sc->s->generation++;
  g_mutex_unlock (&sc->s->read_lock);
  sc->batch = 0;
  sc->batch_start = g_get_monotonic_time ();
  if (reopen && !exec (sc->s->writer, "BEGIN", NULL))
    sc->failed = TRUE;
}

static void
count_change (Scan *sc)
{
  if (++sc->batch >= BATCH_FILES || g_get_monotonic_time () - sc->batch_start > BATCH_USEC)
    commit_batch (sc, TRUE);
}

static gboolean
step_done (Scan *sc, sqlite3_stmt *st)
{
  int rc = sqlite3_step (st);
  sqlite3_reset (st);
  sqlite3_clear_bindings (st);
  if (rc != SQLITE_DONE)
    {
      fprintf (stderr, "docserve: search index: %s\n", sqlite3_errmsg (sc->s->writer));
      sc->failed = TRUE;
      return FALSE;
    }
  return TRUE;
}

/* Reads up to READ_MAX bytes of @rel; NULL if it cannot be opened or is
 * not a regular file. */
static GBytes *
read_file (Scan *sc, const char *rel)
{
  int e = 0;
  int fd __attribute__ ((cleanup (ds_fd_cleanup))) = ds_path_open (sc->root_fd, rel,
                                                                   sc->s->symlinks, &e);
  struct stat st;
  if (fd < 0 || fstat (fd, &st) != 0 || !S_ISREG (st.st_mode))
    return NULL;
  /* ds_path_open opens non-blocking; a regular file reads normally. */
  gsize want = MIN ((gsize) st.st_size, READ_MAX);
  g_autofree guint8 *buf = g_malloc (want + 1);
  gsize got = 0;
  while (got < want)
    {
      ssize_t n = read (fd, buf + got, want - got);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        break;
      got += (gsize) n;
    }
  return g_bytes_new_take (g_steal_pointer (&buf), got);
}

static void
index_file (Scan *sc, const char *rel, const DsDirEntry *e, const Known *old)
{
  DsExtracted doc = { 0 };
  gboolean indexed = FALSE;

  if (ds_extract_kind_for_name (e->name, NULL) != DS_DOC_SKIP)
    {
      g_autoptr (GBytes) data = read_file (sc, rel);
      if (data != NULL)
        {
          gsize len = 0;
          const guint8 *p = g_bytes_get_data (data, &len);
          indexed = ds_extract_document (e->name, p, len, &doc);
        }
    }

  gint64 id;
  if (old != NULL)
    {
      id = old->id;
      sqlite3_bind_int64 (sc->upd_doc, 1, (sqlite3_int64) e->size);
      sqlite3_bind_int64 (sc->upd_doc, 2, e->mtime);
      sqlite3_bind_int (sc->upd_doc, 3, indexed);
      sqlite3_bind_int64 (sc->upd_doc, 4, id);
      sqlite3_bind_int64 (sc->del_fts, 1, id);
      if (!step_done (sc, sc->upd_doc) || !step_done (sc, sc->del_fts))
        goto out;
    }
  else
    {
      sqlite3_bind_text (sc->ins_doc, 1, rel, -1, SQLITE_STATIC);
      sqlite3_bind_int64 (sc->ins_doc, 2, (sqlite3_int64) e->size);
      sqlite3_bind_int64 (sc->ins_doc, 3, e->mtime);
      sqlite3_bind_int (sc->ins_doc, 4, indexed);
      if (!step_done (sc, sc->ins_doc))
        goto out;
      id = sqlite3_last_insert_rowid (sc->s->writer);
    }
  if (indexed)
    {
      g_autofree char *enc = ds_path_encode (rel);
      g_autofree char *url = g_strconcat (sc->s->url_prefix, enc + 1, NULL);
      const char *title = doc.title != NULL ? doc.title : e->name;
      g_autofree char *valid_title = g_utf8_make_valid (title, -1);
      sqlite3_bind_int64 (sc->ins_fts, 1, id);
      sqlite3_bind_text (sc->ins_fts, 2, url, -1, SQLITE_STATIC);
      sqlite3_bind_text (sc->ins_fts, 3, valid_title, -1, SQLITE_STATIC);
      sqlite3_bind_text (sc->ins_fts, 4, ds_extract_kind_name (doc.kind), -1, SQLITE_STATIC);
      sqlite3_bind_text (sc->ins_fts, 5, doc.body, -1, SQLITE_STATIC);
      step_done (sc, sc->ins_fts);
    }
  count_change (sc);
out:
  ds_extracted_clear (&doc);
}

static void
delete_doc (Scan *sc, gint64 id)
{
  sqlite3_bind_int64 (sc->del_doc, 1, id);
  sqlite3_bind_int64 (sc->del_fts, 1, id);
  if (step_done (sc, sc->del_doc) && step_done (sc, sc->del_fts))
    count_change (sc);
}

static gboolean
load_known (Scan *sc)
{
  g_autoptr (DsStmt) st
    = prepare (sc->s->writer, "SELECT path, id, size, mtime FROM docs", NULL);
  if (st == NULL)
    return FALSE;
  while (sqlite3_step (st) == SQLITE_ROW)
    {
      Known *k = g_new (Known, 1);
      k->id = sqlite3_column_int64 (st, 1);
      k->size = (guint64) sqlite3_column_int64 (st, 2);
      k->mtime = sqlite3_column_int64 (st, 3);
      g_hash_table_insert (sc->known, g_strdup ((const char *) sqlite3_column_text (st, 0)), k);
    }
  return TRUE;
}

typedef struct
{
  dev_t dev;
  ino_t ino;
} DirId;

static guint
dir_id_hash (gconstpointer p)
{
  const DirId *d = p;
  return g_int64_hash (&(gint64){ (gint64) d->ino }) ^ (guint) d->dev;
}

static gboolean
dir_id_equal (gconstpointer a, gconstpointer b)
{
  const DirId *x = a, *y = b;
  return x->dev == y->dev && x->ino == y->ino;
}

char *
ds_search_man_key (const char *root_path, const char *rel)
{
  return g_strconcat ("//man/", root_path, "//", rel, NULL);
}

/* Writes the row of one document: a new row, or @old's replaced. */
static void
put_doc (Scan *sc, const char *key, guint64 size, gint64 mtime, const Known *old,
         const char *url, const char *title, const char *kind, const char *body)
{
  gboolean indexed = body != NULL;
  gint64 id;
  if (old != NULL)
    {
      id = old->id;
      sqlite3_bind_int64 (sc->upd_doc, 1, (sqlite3_int64) size);
      sqlite3_bind_int64 (sc->upd_doc, 2, mtime);
      sqlite3_bind_int (sc->upd_doc, 3, indexed);
      sqlite3_bind_int64 (sc->upd_doc, 4, id);
      sqlite3_bind_int64 (sc->del_fts, 1, id);
      if (!step_done (sc, sc->upd_doc) || !step_done (sc, sc->del_fts))
        return;
    }
  else
    {
      sqlite3_bind_text (sc->ins_doc, 1, key, -1, SQLITE_STATIC);
      sqlite3_bind_int64 (sc->ins_doc, 2, (sqlite3_int64) size);
      sqlite3_bind_int64 (sc->ins_doc, 3, mtime);
      sqlite3_bind_int (sc->ins_doc, 4, indexed);
      if (!step_done (sc, sc->ins_doc))
        return;
      id = sqlite3_last_insert_rowid (sc->s->writer);
    }
  if (indexed)
    {
      g_autofree char *valid_title = g_utf8_make_valid (title, -1);
      sqlite3_bind_int64 (sc->ins_fts, 1, id);
      sqlite3_bind_text (sc->ins_fts, 2, url, -1, SQLITE_STATIC);
      sqlite3_bind_text (sc->ins_fts, 3, valid_title, -1, SQLITE_STATIC);
      sqlite3_bind_text (sc->ins_fts, 4, kind, -1, SQLITE_STATIC);
      sqlite3_bind_text (sc->ins_fts, 5, body, -1, SQLITE_STATIC);
      step_done (sc, sc->ins_fts);
    }
  count_change (sc);
}

/* One manual page: read beneath its root by manindex.c (gunzipped), its
 * text without requests by extract.c; a page that is only a ".so" link
 * gets a row without text (its target is indexed under its own name). */
static void
index_man_page (Scan *sc, const DsManPage *page, const char *key, const struct stat *st,
                const Known *old)
{
  int err = 0;
  g_autoptr (GBytes) src = ds_manindex_read (sc->s->man, page->root, page->rel,
                                             DS_MANINDEX_MAX_SOURCE, TRUE, NULL, &err);
  g_autofree char *title = NULL, *body = NULL, *url = NULL, *full_title = NULL;
  if (src != NULL)
    {
      gsize len = 0;
      const char *data = g_bytes_get_data (src, &len);
      if (!ds_extract_man (data, len, DS_EXTRACT_MAX_TEXT, &title, &body))
        g_clear_pointer (&body, g_free);
      else if (body == NULL)
        body = g_strdup ("");
      g_autofree char *desc = ds_manname_description (data, len);
      full_title = desc != NULL
                     ? g_strdup_printf ("%s(%s) \xe2\x80\x94 %s", page->name, page->section, desc)
                     : g_strdup_printf ("%s(%s)", page->name, page->section);
    }
  g_autofree char *rel = g_strconcat ("man/", page->section, "/", page->name, NULL);
  url = ds_path_encode (rel);
  put_doc (sc, key, (guint64) st->st_size, (gint64) st->st_mtim.tv_sec, old, url,
           full_title != NULL ? full_title : page->name, "man", body);
}

/* The manual pages pass of a scan: every page manindex.c lists, by its
 * source file's (key, size, mtime). */
static void
scan_man (Scan *sc)
{
  DsSearch *s = sc->s;
  g_autoptr (DsManList) list = ds_manindex_list (s->man, g_get_real_time () / G_USEC_PER_SEC);
  const GPtrArray *all = ds_manlist_all (list);
  for (guint i = 0; all != NULL && i < all->len && !stopping (s) && !sc->failed; i++)
    {
      const DsManPage *page = g_ptr_array_index (all, i);
      /* Only the page man.c serves under this name (the first root). */
      if (ds_manlist_find (list, page->section, page->name) != page)
        continue;
      g_autofree char *key
        = ds_search_man_key (ds_manindex_root_path (s->man, page->root), page->rel);
      struct stat st;
      int err = 0;
      if (!ds_manindex_stat (s->man, page->root, page->rel, &st, &err))
        continue;
      Known *old = g_hash_table_lookup (sc->known, key);
      if (old == NULL || old->size != (guint64) st.st_size || old->mtime != st.st_mtim.tv_sec)
        index_man_page (sc, page, key, &st, old);
      g_hash_table_remove (sc->known, key);
    }
}

char *
ds_search_info_key (const char *root_path, const char *file, const char *node)
{
  return g_strconcat ("//info/", root_path, "//", file, node != NULL ? "\x1f" : "", node, NULL);
}

/* The info pass of a scan: one row per manual file (its size and mtime,
 * no text) and one per node.  An unchanged file's node rows are kept; a
 * changed one's are deleted and the manual read again with info.c's
 * ds_info_read. */
static void
scan_info (Scan *sc)
{
  DsSearch *s = sc->s;
  /* The node rows of each file key, from the rows known. */
  g_autoptr (GHashTable) nodes_of = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                           (GDestroyNotify) g_ptr_array_unref);
  GHashTableIter it;
  gpointer key;
  g_hash_table_iter_init (&it, sc->known);
  while (g_hash_table_iter_next (&it, &key, NULL))
    {
      const char *sep = g_str_has_prefix (key, "//info/") ? strchr (key, 0x1f) : NULL;
      if (sep == NULL)
        continue;
      g_autofree char *file_key = g_strndup (key, (gsize) (sep - (const char *) key));
      GPtrArray *list = g_hash_table_lookup (nodes_of, file_key);
      if (list == NULL)
        {
          list = g_ptr_array_new_with_free_func (g_free);
          g_hash_table_insert (nodes_of, g_steal_pointer (&file_key), list);
        }
      g_ptr_array_add (list, g_strdup (key));
    }

  g_autoptr (GPtrArray) manuals = ds_info_manuals (s->info);
  for (guint i = 0; i < manuals->len && !stopping (s) && !sc->failed; i++)
    {
      const char *manual = g_ptr_array_index (manuals, i);
      guint root = 0;
      g_autofree char *file = NULL;
      struct stat st;
      g_autoptr (DsInfoFile) parsed = ds_info_read (s->info, manual, &root, &file, &st);
      if (parsed == NULL)
        continue;
      g_autofree char *file_key = ds_search_info_key (ds_roots_path (s->info, root), file, NULL);
      Known *old = g_hash_table_lookup (sc->known, file_key);
      GPtrArray *old_nodes = g_hash_table_lookup (nodes_of, file_key);
      gboolean same = old != NULL && old->size == (guint64) st.st_size
                      && old->mtime == (gint64) st.st_mtim.tv_sec;
      for (guint n = 0; old_nodes != NULL && n < old_nodes->len; n++)
        {
          const char *node_key = g_ptr_array_index (old_nodes, n);
          Known *k = g_hash_table_lookup (sc->known, node_key);
          if (k != NULL && !same)
            delete_doc (sc, k->id);
          g_hash_table_remove (sc->known, node_key);
        }
      if (!same)
        {
          put_doc (sc, file_key, (guint64) st.st_size, (gint64) st.st_mtim.tv_sec, old, NULL,
                   NULL, NULL, NULL);
          g_autofree char *manual_rel = g_strconcat ("info/", manual, NULL);
          g_autofree char *manual_url = ds_path_encode (manual_rel);
          g_autoptr (GHashTable) done = g_hash_table_new (g_str_hash, g_str_equal);
          for (guint n = 0; n < ds_infofile_n_nodes (parsed) && !sc->failed; n++)
            {
              const DsInfoNode *node = ds_infofile_node (parsed, n);
              g_autofree char *seg = ds_infofile_encode_node (node->name);
              /* info.c serves the first of nodes with one name. */
              if (*seg == '\0' || !g_hash_table_add (done, (gpointer) node->name))
                continue;
              g_autofree char *node_key
                = ds_search_info_key (ds_roots_path (s->info, root), file, node->name);
              g_autofree char *url = g_strconcat (manual_url, "/", seg, NULL);
              g_autofree char *title = g_strdup_printf ("%s (%s)", node->name, manual);
              g_autofree char *unused_title = NULL, *body = NULL;
              ds_extract_text (node->text, node->text_len, DS_EXTRACT_MAX_TEXT, &unused_title,
                               &body);
              put_doc (sc, node_key, node->text_len, (gint64) st.st_mtim.tv_sec, NULL, url, title,
                       "info", body != NULL ? body : "");
            }
        }
      g_hash_table_remove (sc->known, file_key);
    }
}

/* One whole scan; FALSE if it stopped early or failed (nothing deleted). */
static gboolean
scan (DsSearch *s)
{
  Scan sc = { 0 };
  sc.s = s;
  /* A copy: the site closes its root fds when it is freed, which may be
   * before this thread has seen the request to stop. */
  sc.root_fd = fcntl (g_atomic_int_get (s->root_fd), F_DUPFD_CLOEXEC, 3);
  sc.known = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr (GHashTable) visited = g_hash_table_new_full (dir_id_hash, dir_id_equal, g_free, NULL);
  g_autoptr (GQueue) dirs = g_queue_new (); /* rel (owned), depth in a parallel queue */
  g_autoptr (GQueue) depths = g_queue_new ();
  gboolean complete = FALSE;

  if (sc.root_fd < 0 || !load_known (&sc))
    goto out;
  sc.ins_doc = prepare (s->writer, "INSERT INTO docs (path, size, mtime, indexed) VALUES (?, ?, ?, ?)", NULL);
  sc.upd_doc = prepare (s->writer, "UPDATE docs SET size = ?, mtime = ?, indexed = ? WHERE id = ?", NULL);
  sc.del_doc = prepare (s->writer, "DELETE FROM docs WHERE id = ?", NULL);
  sc.del_fts = prepare (s->writer, "DELETE FROM fts WHERE rowid = ?", NULL);
  sc.ins_fts = prepare (s->writer, "INSERT INTO fts (rowid, url, title, kind, body) VALUES (?, ?, ?, ?, ?)", NULL);
  if (sc.ins_doc == NULL || sc.upd_doc == NULL || sc.del_doc == NULL || sc.del_fts == NULL
      || sc.ins_fts == NULL || !exec (s->writer, "BEGIN", NULL))
    goto out;
  sc.batch_start = g_get_monotonic_time ();

  g_queue_push_tail (dirs, g_strdup (""));
  g_queue_push_tail (depths, GUINT_TO_POINTER (0));
  while (!g_queue_is_empty (dirs) && !stopping (s) && !sc.failed)
    {
      g_autofree char *rel = g_queue_pop_head (dirs);
      guint depth = GPOINTER_TO_UINT (g_queue_pop_head (depths));
      int e = 0;
      int fd = ds_path_open (sc.root_fd, rel, s->symlinks, &e);
      struct stat st;
      if (fd < 0)
        continue;
      if (fstat (fd, &st) != 0 || !S_ISDIR (st.st_mode))
        {
          close (fd);
          continue;
        }
      DirId id = { st.st_dev, st.st_ino };
      if (g_hash_table_contains (visited, &id))
        {
          close (fd);
          continue;
        }
      g_hash_table_add (visited, g_memdup2 (&id, sizeof id));
      g_autoptr (GPtrArray) entries
        = ds_dirlist_read_fd (sc.root_fd, fd, rel, s->dotfiles, s->symlinks, &e);
      if (entries == NULL)
        continue;
      for (guint i = 0; i < entries->len && !stopping (s) && !sc.failed; i++)
        {
          const DsDirEntry *ent = g_ptr_array_index (entries, i);
          char *child = *rel != '\0' ? g_strconcat (rel, "/", ent->name, NULL)
                                     : g_strdup (ent->name);
          if (ent->is_dir)
            {
              if (depth + 1 < MAX_DEPTH)
                {
                  g_queue_push_tail (dirs, child);
                  g_queue_push_tail (depths, GUINT_TO_POINTER (depth + 1));
                }
              else
                g_free (child);
              continue;
            }
          Known *old = g_hash_table_lookup (sc.known, child);
          if (old != NULL && old->size == ent->size && old->mtime == ent->mtime)
            g_hash_table_remove (sc.known, child);
          else
            {
              index_file (&sc, child, ent, old);
              if (old != NULL)
                g_hash_table_remove (sc.known, child);
            }
          g_free (child);
        }
    }
  if (g_queue_is_empty (dirs) && !stopping (s) && !sc.failed && s->man != NULL)
    scan_man (&sc);
  if (g_queue_is_empty (dirs) && !stopping (s) && !sc.failed && s->info != NULL)
    scan_info (&sc);
  if (g_queue_is_empty (dirs) && !stopping (s) && !sc.failed)
    {
      /* Everything not seen is gone (or now refused). */
      GHashTableIter it;
      gpointer value;
      g_hash_table_iter_init (&it, sc.known);
      while (g_hash_table_iter_next (&it, NULL, &value) && !sc.failed)
        delete_doc (&sc, ((Known *) value)->id);
      complete = !sc.failed;
    }
  commit_batch (&sc, FALSE);
out:
  while (!g_queue_is_empty (dirs))
    g_free (g_queue_pop_head (dirs));
  sqlite3_finalize (sc.ins_doc);
  sqlite3_finalize (sc.upd_doc);
  sqlite3_finalize (sc.del_doc);
  sqlite3_finalize (sc.del_fts);
  sqlite3_finalize (sc.ins_fts);
  g_hash_table_unref (sc.known);
  ds_fd_cleanup (&sc.root_fd);
  return complete;
}

static gpointer
indexer_main (gpointer data)
{
  DsSearch *s = data;

  lower_priority ();
  for (;;)
    {
      g_atomic_int_set (&s->indexing, TRUE);
      /* A scan that failed (an SQLite error, a root that cannot be
       * read) counts as done too: "indexing" would otherwise stay on
       * until the next scan. */
      (void) scan (s);
      if (!stopping (s))
        g_atomic_int_set (&s->first_done, TRUE);
      g_atomic_int_set (&s->indexing, FALSE);

      g_mutex_lock (&s->lock);
      gint64 until = g_get_monotonic_time () + (gint64) s->rescan_seconds * G_USEC_PER_SEC;
      while (!s->stop && !s->rescan)
        {
          if (s->rescan_seconds == 0)
            g_cond_wait (&s->cond, &s->lock);
          else if (!g_cond_wait_until (&s->cond, &s->lock, until))
            break;
        }
      gboolean stop = s->stop;
      s->rescan = FALSE;
      g_mutex_unlock (&s->lock);
      if (stop)
        break;
    }
  return NULL;
}

void
ds_search_start (DsSearch *search)
{
  g_return_if_fail (search != NULL && search->thread == NULL);

  g_atomic_int_set (&search->indexing, TRUE);
  search->thread = g_thread_new ("docserve-index", indexer_main, search);
}

void
ds_search_rescan (DsSearch *search)
{
  g_return_if_fail (search != NULL);

  g_mutex_lock (&search->lock);
  search->rescan = TRUE;
  g_cond_signal (&search->cond);
  g_mutex_unlock (&search->lock);
}

void
ds_search_free (DsSearch *search)
{
  if (search == NULL)
    return;
  if (search->thread != NULL)
    {
      g_mutex_lock (&search->lock);
      search->stop = TRUE;
      g_atomic_int_set (&search->stopping, TRUE);
      g_cond_signal (&search->cond);
      g_mutex_unlock (&search->lock);
      g_thread_join (search->thread);
    }
  close_db (&search->reader);
  close_db (&search->writer);
  g_mutex_clear (&search->read_lock);
  g_mutex_clear (&search->lock);
  g_cond_clear (&search->cond);
  g_free (search->index_file);
  g_free (search->memory_uri);
  g_free (search->url_prefix);
  g_free (search->man_path);
  if (search->man != NULL)
    ds_manindex_free (search->man);
  g_free (search->info_path);
  if (search->info != NULL)
    ds_roots_free (search->info);
  g_free (search);
}

gboolean
ds_search_indexing (DsSearch *search)
{
  g_return_val_if_fail (search != NULL, FALSE);

  return g_atomic_int_get (&search->indexing) || !g_atomic_int_get (&search->first_done);
}

guint64
ds_search_generation (DsSearch *search)
{
  g_return_val_if_fail (search != NULL, 0);

  g_mutex_lock (&search->read_lock);
  guint64 g = search->generation;
  g_mutex_unlock (&search->read_lock);
  return g;
}

/* ---- queries ------------------------------------------------------------- */

static void
hit_free (DsSearchHit *h)
{
  g_free (h->url);
  g_free (h->title);
  g_free (h->kind);
  g_free (h->snippet);
  g_free (h);
}

void
ds_search_results_free (DsSearchResults *results)
{
  if (results == NULL)
    return;
  if (results->hits != NULL)
    g_ptr_array_unref (results->hits);
  g_free (results);
}

/* Whether the server would serve @rel now. */
static gboolean
servable (const DsSearch *s, int root_fd, const char *rel)
{
  g_autofree char *enc = ds_path_encode (rel);
  g_autofree char *back = NULL;
  gboolean slash = FALSE;
  if (ds_path_sanitize (enc, strlen (enc), s->dotfiles, &back, &slash) != DS_PATH_OK
      || strcmp (back, rel) != 0)
    return FALSE;
  int e = 0;
  int fd __attribute__ ((cleanup (ds_fd_cleanup))) = ds_path_open (root_fd, rel, s->symlinks, &e);
  struct stat st;
  return fd >= 0 && fstat (fd, &st) == 0 && S_ISREG (st.st_mode);
}

/* Whether the source file of a manual page's or info node's row (key
 * "//man/" or "//info/" ROOT "//" FILE, then 0x1f NODE for a node: see
 * ds_search_man_key) still exists: one removed since the last scan is not
 * offered.  (The rest, which page the name shows, is man.c's and info.c's
 * to answer when the link is followed.) */
static gboolean
source_exists (const char *key)
{
  const char *p = key + (g_str_has_prefix (key, "//man/") ? strlen ("//man/") : strlen ("//info/"));
  const char *node = strchr (p, '\x1f');
  g_autofree char *head = node != NULL ? g_strndup (p, (gsize) (node - p)) : g_strdup (p);
  char *sep = g_strrstr (head, "//");
  if (sep == NULL)
    return FALSE;
  *sep = '\0';
  g_autofree char *path = g_build_filename (head, sep + 2, NULL);
  struct stat st;
  return stat (path, &st) == 0 && S_ISREG (st.st_mode);
}

static gboolean
step_row (sqlite3 *db, sqlite3_stmt *st, int *out_rc, GError **error)
{
  int rc;
  /* In memory (shared cache) a writer's table lock answers SQLITE_LOCKED
   * at once, without the busy handler: wait a little ourselves. */
  for (int tries = 0; (rc = sqlite3_step (st)) == SQLITE_LOCKED && tries < 200; tries++)
    {
      sqlite3_reset (st);
      g_usleep (5000);
    }
  *out_rc = rc;
  if (rc == SQLITE_ROW || rc == SQLITE_DONE)
    return TRUE;
  g_set_error (error, DS_ERROR, DS_ERROR_RUNTIME, "search query: %s", sqlite3_errmsg (db));
  return FALSE;
}

/* Not count(*) of fts: that reads every document's text (half a second
 * on /usr/share/doc); docs is a small table. */
static gboolean
count_documents (sqlite3 *db, guint64 *out, GError **error)
{
  int rc;
  g_autoptr (DsStmt) docs = prepare (db, "SELECT count(*) FROM docs WHERE indexed = 1", error);
  if (docs == NULL || !step_row (db, docs, &rc, error))
    return FALSE;
  *out = rc == SQLITE_ROW ? (guint64) sqlite3_column_int64 (docs, 0) : 0;
  return TRUE;
}

guint64
ds_search_documents (DsSearch *search)
{
  g_return_val_if_fail (search != NULL, 0);

  guint64 n = 0;
  g_mutex_lock (&search->read_lock);
  (void) count_documents (search->reader, &n, NULL);
  g_mutex_unlock (&search->read_lock);
  return n;
}

static DsSearchResults *
query_locked (DsSearch *s, const char *fts_query, guint offset, guint limit, GError **error)
{
  sqlite3 *db = s->reader;
  g_autoptr (DsSearchResults) res = g_new0 (DsSearchResults, 1);
  res->hits = g_ptr_array_new_with_free_func ((GDestroyNotify) hit_free);
  int rc;

  g_autoptr (DsStmt) count = prepare (db, "SELECT count(*) FROM fts WHERE fts MATCH ?", error);
  if (count == NULL)
    return NULL;
  sqlite3_bind_text (count, 1, fts_query, -1, SQLITE_STATIC);
  if (!step_row (db, count, &rc, error))
    return NULL;
  res->total = rc == SQLITE_ROW ? (guint) sqlite3_column_int64 (count, 0) : 0;

  if (!count_documents (db, &res->documents, error))
    return NULL;

  g_autoptr (DsStmt) st = prepare (
    db,
    "SELECT d.path, r.url, r.title, r.kind, d.size, d.mtime, r.snip FROM"
    " (SELECT rowid AS id, url, title, kind, rank AS rk,"
    "   ds_snippet(fts, 3, char(1), char(2), '\xe2\x80\xa6', 24) AS snip"
    "  FROM fts WHERE fts MATCH ?1 ORDER BY rank LIMIT ?2 OFFSET ?3) AS r"
    " JOIN docs d ON d.id = r.id ORDER BY r.rk",
    error);
  if (st == NULL)
    return NULL;
  sqlite3_bind_text (st, 1, fts_query, -1, SQLITE_STATIC);
  sqlite3_bind_int (st, 2, (int) limit);
  sqlite3_bind_int64 (st, 3, offset);
  int root_fd = g_atomic_int_get (s->root_fd);
  for (;;)
    {
      if (!step_row (db, st, &rc, error))
        return NULL;
      if (rc != SQLITE_ROW)
        break;
      const char *rel = (const char *) sqlite3_column_text (st, 0);
      /* Manual pages and info nodes ("//man/", "//info/" keys) are man.c's
       * and info.c's to serve: only their source files are checked. */
      gboolean generated = rel != NULL
                           && (g_str_has_prefix (rel, "//man/") || g_str_has_prefix (rel, "//info/"));
      if (rel == NULL || (generated ? !source_exists (rel) : !servable (s, root_fd, rel)))
        continue;
      DsSearchHit *h = g_new0 (DsSearchHit, 1);
      h->url = g_strdup ((const char *) sqlite3_column_text (st, 1));
      h->title = g_strdup ((const char *) sqlite3_column_text (st, 2));
      h->kind = g_strdup ((const char *) sqlite3_column_text (st, 3));
      h->size = (guint64) sqlite3_column_int64 (st, 4);
      h->mtime = sqlite3_column_int64 (st, 5);
      h->snippet = g_strdup ((const char *) sqlite3_column_text (st, 6));
      if (h->url == NULL || h->title == NULL || h->kind == NULL || h->snippet == NULL)
        {
          hit_free (h);
          continue;
        }
      g_ptr_array_add (res->hits, h);
    }
  return g_steal_pointer (&res);
}

DsSearchResults *
ds_search_query (DsSearch *search, const char *fts_query, guint offset, guint limit,
                 GError **error)
{
  g_return_val_if_fail (search != NULL && fts_query != NULL, NULL);
  g_return_val_if_fail (limit >= 1 && limit <= DS_SEARCH_MAX_LIMIT, NULL);

  g_mutex_lock (&search->read_lock);
  DsSearchResults *res = query_locked (search, fts_query, offset, limit, error);
  g_mutex_unlock (&search->read_lock);
  if (res != NULL)
    res->indexing = ds_search_indexing (search);
  return res;
}
