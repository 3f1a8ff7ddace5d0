/* gzfile.h: reading a whole file, gzip-compressed or not, within bounds
 * (manual pages and info manuals are installed compressed). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Reads @fd to its end (at most @max_raw bytes, else EFBIG), inflating it
 * when @gz.  The text may be at most @cap bytes: with @head_only the first
 * @cap bytes are returned, otherwise a longer text fails with EFBIG.  A
 * broken or cut gzip stream fails with EINVAL.  Returns the text (caller
 * unrefs), or NULL with *out_errno set. */
GBytes *ds_gzfile_read (int fd, gboolean gz, gsize max_raw, gsize cap, gboolean head_only,
                        int *out_errno);

G_END_DECLS
