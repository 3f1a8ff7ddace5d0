/* common.h: the error domain and small helpers shared by every module. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define DS_ERROR (ds_error_quark ())

typedef enum
{
  DS_ERROR_USAGE,  /* bad option or configuration value: exit 2 */
  DS_ERROR_RUNTIME /* cannot bind, root not a directory: exit 1 */
} DsErrorCode;

GQuark ds_error_quark (void);

/* @s C-escaped for a one-line message: control bytes, '"' and '\\' escaped,
 * bytes >= 0x80 kept so that UTF-8 names stay readable.  Caller frees. */
char *ds_error_escape (const char *s);

/* Sets a DS_ERROR_USAGE error "NAME: "VALUE" PROBLEM" with VALUE escaped
 * (ds_error_escape), so that the message stays one line whatever the value
 * holds.  Returns FALSE, for "return ds_error_bad_value (...);". */
gboolean ds_error_bad_value (GError **error, const char *name, const char *value,
                             const char *problem);

/* Closes *fd if it is >= 0 and sets it to -1 (errno is preserved).  Usable
 * as a cleanup: int fd __attribute__ ((cleanup (ds_fd_cleanup))) = -1; */
void ds_fd_cleanup (int *fd);

/* Natural order, as listings, man pages and info manuals sort names: runs
 * of digits compare as numbers, other bytes case-insensitively (ASCII),
 * ties broken bytewise ("a2" < "a10", "Ab" and "ab" adjacent).  -1, 0 or 1. */
int ds_natural_compare (const char *a, const char *b);

/* Appends @s as a JSON string (quotes included): invalid UTF-8 becomes
 * U+FFFD, '"' and '\\' are escaped, control bytes and DEL become \u00XX. */
void ds_json_append_string (GString *out, const char *s);

G_END_DECLS
