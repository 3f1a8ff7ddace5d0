/* docbase.h: the doc-base catalogue (/usr/share/doc-base): its control
 * files parsed into entries, and a thread-safe snapshot of a directory of
 * them that is read again when the directory changes. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* One format stanza ("Format: HTML", "Index: ...", "Files: ..."). */
typedef struct
{
  char *format;  /* lower-cased, e.g. "html", "info", "pdf", "text" */
  char *index;   /* the Index field, or NULL */
  char **files;  /* NULL-terminated, never NULL: the Files field split at
                  * white space (each a shell glob, as written) */
} DsDocBaseFormat;

/* One registered document.  Every string is valid UTF-8 (invalid bytes in
 * the file are replaced), possibly empty, never NULL except where noted. */
typedef struct
{
  char *name;      /* the control file's name */
  char *document;  /* Document: */
  char *title;     /* Title: */
  char *author;    /* Author:, or NULL */
  char *abstract;  /* Abstract:, lines joined by '\n' (" ." is an empty
                    * line), or NULL */
  char *section;   /* Section:, "" when missing */
  GPtrArray *formats; /* DsDocBaseFormat, at least one */
} DsDocBaseEntry;

/* Parses one control file (@len bytes of @text, no NUL needed), named
 * @name.  Stanzas are separated by blank lines (white space only); a line
 * starting with a space or tab continues the field above it; field names
 * are case-insensitive; lines starting with '#' are comments; unknown
 * fields are ignored.  The first stanza describes the document; the others
 * are formats (a format without Files is dropped).  Returns the entry
 * (caller frees with ds_docbase_entry_free), or NULL with a G_KEY_FILE_ERROR_PARSE
 * error naming the line when the file is malformed: a line that is not a
 * field, a continuation before any field, no Document or Title, no usable
 * format. */
DsDocBaseEntry *ds_docbase_parse (const char *text, gsize len, const char *name,
                                  GError **error);

void ds_docbase_entry_free (DsDocBaseEntry *entry);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DsDocBaseEntry, ds_docbase_entry_free)

/* A directory of control files, read lazily and again when its mtime
 * changes (checked at most once a second).  Thread-safe. */
typedef struct _DsDocBase DsDocBase;

/* A read of the directory: entries sorted by section, then title, then
 * name; @identity changes whenever the entries may have (the directory's
 * mtime and the files' names, sizes and mtimes).  Immutable, reference
 * counted. */
typedef struct
{
  GPtrArray *entries; /* DsDocBaseEntry */
  char *identity;
  guint skipped;      /* malformed or unreadable files left out */
} DsDocBaseSnapshot;

/* @dir is copied.  Nothing is read until ds_docbase_get. */
DsDocBase *ds_docbase_new (const char *dir);
void ds_docbase_free (DsDocBase *db);

/* The current catalogue, read again if more than a second has passed since
 * the last check (@now, seconds) and the directory's mtime differs.  A
 * missing or unreadable directory gives an empty catalogue.  A malformed
 * file is left out with one log message (g_message) per file name and
 * DsDocBase, never an error.  Returns a new reference: release with
 * ds_docbase_snapshot_unref. */
DsDocBaseSnapshot *ds_docbase_get (DsDocBase *db, gint64 now);

void ds_docbase_snapshot_unref (DsDocBaseSnapshot *snap);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DsDocBase, ds_docbase_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DsDocBaseSnapshot, ds_docbase_snapshot_unref)

G_END_DECLS
