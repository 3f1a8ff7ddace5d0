/* mime.h: file name to Content-Type, through one read-only GHashTable.
 *
 * Built once before the server starts from a built-in table of web types,
 * then the system mime.types file, then a user file; later sources override
 * earlier ones, except that a few built-in types browsers enforce (html, css,
 * js, mjs, json, svg, wasm, ...) also beat the system file; the user file
 * always wins.  Textual types get "; charset=<charset>". */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _DsMime DsMime;

/* Longest extension, in bytes, that can be looked up or listed in a file. */
#define DS_MIME_EXT_MAX 32

/* Builds the table.  @system_file (e.g. "/etc/mime.types") may be NULL or
 * missing: a missing system file is not an error.  @user_file may be NULL; if
 * given it must be readable and well-formed, else FALSE with DS_ERROR_USAGE
 * naming the file and line.  @charset (e.g. "utf-8") is appended to textual
 * types (text/ *, JavaScript, JSON, XML, SVG, ...).  @default_type is returned by
 * ds_mime_lookup_or_default() for unknown names.  Returns a new table (free
 * with ds_mime_free) or NULL on error.  @charset NULL means "utf-8" and
 * @default_type NULL "application/octet-stream"; an invalid charset token or a
 * default type that is not type/subtype is a DS_ERROR_USAGE error.  A system
 * file that exists but cannot be read is a DS_ERROR_RUNTIME error. */
DsMime *ds_mime_new (const char *system_file, const char *user_file, const char *charset,
                     const char *default_type, GError **error);

void ds_mime_free (DsMime *mime);

/* Content-Type for @name (a file name or path; only the part after the last
 * '.' of the last segment counts, case-insensitively).  Returns a borrowed
 * string valid until ds_mime_free, or NULL when the extension is unknown or
 * there is none. */
const char *ds_mime_lookup (const DsMime *mime, const char *name);

/* As ds_mime_lookup, but returns the default type for unknown names. */
const char *ds_mime_lookup_or_default (const DsMime *mime, const char *name);

/* Whether @content_type (a full value as returned above) is textual, i.e.
 * would carry a charset. */
gboolean ds_mime_is_text (const char *content_type);

/* Docs mode: whether @buf, the first @len bytes of a file (callers read up
 * to 1024), looks like UTF-8 text: valid UTF-8 with no NUL, no DEL and no C0
 * control other than TAB, LF, FF, CR and ESC.  A multibyte sequence cut
 * off by the end of @buf is allowed (@buf is a prefix); one broken earlier
 * is not.  An empty buffer is text.  @buf may be NULL only if @len is 0. */
gboolean ds_mime_sniff_text (const guint8 *buf, gsize len);

/* Docs mode: whether @name (a file name or path) is a compressed tar archive
 * that must stay a download rather than be served as its inner type with
 * Content-Encoding: gzip, i.e. it ends, ASCII case-insensitively, in ".tgz"
 * or in ".tar.gz".  "changelog.Debian.gz" and "README.gz" are not. */
gboolean ds_mime_is_archive_name (const char *name);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DsMime, ds_mime_free)

G_END_DECLS
