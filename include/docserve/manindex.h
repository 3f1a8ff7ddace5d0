/* manindex.h: the manual pages under the man roots (--man-path): which
 * sections there are and which pages each holds, with their NAME-line
 * descriptions, and reading a page's source beneath its root's fd.
 * Thread-safe. */
#pragma once

#include <glib.h>
#include <sys/stat.h>

G_BEGIN_DECLS

typedef struct
{
  char *name;    /* "ls" */
  char *section; /* "1", "3ssl" */
  guint root;    /* index of the root in the man path */
  char *rel;     /* file below the root: "man1/ls.1.gz" */
} DsManPage;

typedef struct _DsManIndex DsManIndex;
/* One scan of the roots: immutable, reference-counted. */
typedef struct _DsManList DsManList;

/* Source files larger than this (compressed or not) are refused. */
#define DS_MANINDEX_MAX_SOURCE ((gsize) 8 * 1024 * 1024)

/* An index of the roots in @man_path (colon-separated; roots that cannot
 * be opened are left out, with a warning).  Nothing is scanned yet. */
DsManIndex *ds_manindex_new (const char *man_path);
void ds_manindex_free (DsManIndex *idx);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DsManIndex, ds_manindex_free)

/* Number of roots opened. */
guint ds_manindex_n_roots (const DsManIndex *idx);

/* The current scan (caller unrefs).  The roots are scanned on the first
 * call and again when a root or section directory's mtime changed, which
 * is checked at most once per second @now. */
DsManList *ds_manindex_list (DsManIndex *idx, gint64 now);
DsManList *ds_manlist_ref (DsManList *list);
void ds_manlist_unref (DsManList *list);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DsManList, ds_manlist_unref)

/* The sections that have pages, in man's order (borrowed strings). */
const GPtrArray *ds_manlist_sections (const DsManList *list);
/* The pages of @section in natural order of their names, or NULL. */
const GPtrArray *ds_manlist_pages (const DsManList *list, const char *section);
/* The page @name in @section (the first root that has it), or NULL. */
const DsManPage *ds_manlist_find (const DsManList *list, const char *section, const char *name);
/* Every page named @name, in man's section order, or NULL. */
const GPtrArray *ds_manlist_named (const DsManList *list, const char *name);
/* Every page, sections in man's order, names in natural order. */
const GPtrArray *ds_manlist_all (const DsManList *list);
/* A number that changes with every scan (for validators). */
guint64 ds_manlist_generation (const DsManList *list);

/* Reads @rel below root @root: opened with ds_path_open beneath the
 * root's fd; a symlink that leaves the root is followed only when its
 * target resolves into one of the man roots, and the file is then opened
 * beneath that root.  Decompressed when @rel ends in ".gz".  At most @cap
 * bytes of text: with @head_only the first @cap bytes, otherwise a longer
 * text (or a file over DS_MANINDEX_MAX_SOURCE) fails with EFBIG.  A text
 * holding a NUL byte or a broken gzip stream fails with EINVAL.  Returns
 * the text (caller unrefs) and its file's status, or NULL with errno in
 * *out_errno (ENOENT for what is not a regular file below a root). */
GBytes *ds_manindex_read (DsManIndex *idx, guint root, const char *rel, gsize cap,
                          gboolean head_only, struct stat *out_st, int *out_errno);

/* The status of @rel below root @root, opened as ds_manindex_read opens
 * it; FALSE with errno in *out_errno (ENOENT for what is not a regular
 * file). */
gboolean ds_manindex_stat (DsManIndex *idx, guint root, const char *rel, struct stat *out_st,
                           int *out_errno);

/* The NAME-line description of @page (read once, then remembered until
 * the next scan), or NULL.  Caller frees. */
char *ds_manindex_description (DsManIndex *idx, const DsManPage *page);

/* The file of @page's translation into language directory @lang ("de",
 * "pt_BR") when one exists below the same root ("de/man1/ls.1.gz", or the
 * same name compressed or not), else NULL.  Caller frees. */
char *ds_manindex_translation (DsManIndex *idx, const DsManPage *page, const char *lang);

/* The path of root @root as configured (borrowed). */
const char *ds_manindex_root_path (const DsManIndex *idx, guint root);

G_END_DECLS
