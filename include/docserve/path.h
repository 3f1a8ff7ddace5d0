/* path.h: request-target path to a safe relative path under the root.
 *
 * The raw path is what the client sent, before any percent-decoding
 * (libmicrohttpd is given an identity unescape callback).  Decoding is strict;
 * see path.c for the rules and the RFC 3986 / RFC 9112 sections behind them. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  DS_PATH_OK = 0,
  DS_PATH_BAD_REQUEST, /* 400: malformed escape, %00, control byte, encoded '/' or '\',
                          raw '\', '..' above the root, not origin- or absolute-form */
  DS_PATH_NOT_FOUND    /* 404: a dotfile segment while dotfiles are denied */
} DsPathResult;

typedef enum
{
  DS_DOTFILES_DENY = 0, /* 404 for any segment starting with '.', except a first
                           segment ".well-known" (RFC 8615) */
  DS_DOTFILES_ALLOW
} DsDotfiles;

typedef enum
{
  DS_SYMLINKS_INSIDE = 0, /* follow symlinks only while they stay under the root */
  DS_SYMLINKS_FOLLOW,     /* follow any symlink (the root's owner trusts its links) */
  DS_SYMLINKS_NONE        /* never follow a symlink, anywhere in the path */
} DsSymlinks;

/* Decodes and normalises @raw (the target's path part, @raw_len bytes, not
 * necessarily NUL-terminated; absolute-form "http://host/p" is accepted and its
 * scheme and authority dropped).  On DS_PATH_OK sets *out_rel to the decoded
 * path relative to the root, segments joined by '/', no leading or trailing
 * '/', "" for the root itself (caller frees), and *out_dir_slash to whether the
 * path names a directory form (ends in '/', or is the root).  On failure the
 * out parameters are left untouched. */
DsPathResult ds_path_sanitize (const char *raw, gsize raw_len, DsDotfiles dotfiles,
                               char **out_rel, gboolean *out_dir_slash);

/* Percent-encodes @rel (as produced by ds_path_sanitize) for use in a
 * Location header or an href: every byte outside RFC 3986 unreserved and
 * sub-delims safe for a path segment is encoded, '/' separators are kept.
 * Returns "/" + encoded path; caller frees. */
char *ds_path_encode (const char *rel);

/* Opens @rel below @root_fd with openat2(2) (read-only, close-on-exec,
 * non-blocking so a FIFO never stalls the thread), honouring @symlinks.
 * @rel "" opens the root itself.  Returns the fd, or -1 with *out_errno set:
 * a path that would leave the root, or a symlink refused by the policy, gives
 * ENOENT (the server answers 404, revealing nothing).  Under
 * DS_SYMLINKS_INSIDE a symlink into a link target (ds_path_set_link_targets)
 * is followed into it. */
int ds_path_open (int root_fd, const char *rel, DsSymlinks symlinks, int *out_errno);

/* Whether ds_path_open() may use openat2(2) (default TRUE).  It switches to
 * its own component-by-component walk by itself when openat2 is missing
 * (ENOSYS: old kernel, or a seccomp filter such as systemd's
 * RestrictSUIDSGID=); tests call this to run the walk on purpose. */
void ds_path_use_openat2 (gboolean use);

/* Trusted directories outside the root (--link-target): a symlink met while
 * opening a path under DS_SYMLINKS_INSIDE whose target resolves into one
 * of them is followed, and the rest of the path is opened beneath that
 * directory's fd with the same rules (RESOLVE_BENEATH, or the walk).  See
 * path.c for how the target is matched. */
typedef struct _DsLinkTargets DsLinkTargets;

/* Opens each of @dirs (NULL-terminated) and keeps its real path.  NULL
 * with DS_ERROR_RUNTIME "--link-target: DIR: reason" when one cannot be
 * opened as a directory.  Free with ds_link_targets_free. */
DsLinkTargets *ds_link_targets_new (const char *const *dirs, GError **error);
void ds_link_targets_free (DsLinkTargets *targets);

/* Makes every ds_path_open() under DS_SYMLINKS_INSIDE honour @targets
 * (NULL: none, the default), process-wide, as ds_path_use_openat2 does;
 * takes ownership and frees the targets set before.  Call before serving
 * (no request may be opening files meanwhile). */
void ds_path_set_link_targets (DsLinkTargets *targets);

/* ds_link_targets_new (@dirs) then ds_path_set_link_targets; an empty
 * @dirs sets none.  FALSE with the error of ds_link_targets_new (the
 * targets set before stay). */
gboolean ds_path_set_link_target_dirs (const char *const *dirs, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DsLinkTargets, ds_link_targets_free)

G_END_DECLS
