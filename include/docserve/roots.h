/* roots.h: a list of directories (--man-path, --info-path) opened once as
 * fds, and files opened beneath them: a symlink that leaves its directory
 * is followed only when its target resolves into one of the list (Debian
 * routes man pages and info manuals through /etc/alternatives). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _DsRoots DsRoots;

/* Opens the directories of the colon-separated @list; ones that do not
 * exist are left out silently, others that cannot be opened with a
 * warning naming @what.  Never NULL. */
DsRoots *ds_roots_new (const char *list, const char *what);
void ds_roots_free (DsRoots *roots);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DsRoots, ds_roots_free)

guint ds_roots_count (const DsRoots *roots);
/* The directory's path as configured (borrowed), and its fd (borrowed). */
const char *ds_roots_path (const DsRoots *roots, guint i);
int ds_roots_fd (const DsRoots *roots, guint i);

/* Opens @rel (normalised, as from ds_path_sanitize) below directory @i with
 * ds_path_open (DS_SYMLINKS_INSIDE); when that fails because a symlink
 * leaves the directory, the path is resolved and, if it lands inside one
 * of the directories (compared as resolved paths, whole components),
 * opened beneath that directory's fd.  Returns the fd (caller closes) or
 * -1 with *out_errno (ENOENT for anything outside). */
int ds_roots_open (const DsRoots *roots, guint i, const char *rel, int *out_errno);

G_END_DECLS
