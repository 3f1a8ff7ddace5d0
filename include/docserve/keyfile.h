/* keyfile.h: a strict reader for docserve's key file (--config): one
 * group, known keys only, each at most once, and the line of every key for
 * messages.  What the keys mean is the caller's (conf.c's option table). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* How a key's value is written, as the caller's table says. */
typedef enum
{
  DS_KEY_UNKNOWN, /* not a key: refused with its line */
  DS_KEY_STRING,  /* one value */
  DS_KEY_LIST,    /* values separated by ';' */
  DS_KEY_BOOLEAN  /* true or false (GKeyFile also takes 1 and 0) */
} DsKeyType;

typedef DsKeyType (*DsKeyTypeFunc) (const char *key);

typedef struct DsKeyFile DsKeyFile;

/* Reads key file @path, whose only group is @group and whose keys are those
 * for which @key_type says other than DS_KEY_UNKNOWN.  NULL with
 * DS_ERROR_USAGE "PATH: REASON" if it cannot be read, is a directory, is
 * larger than 1 MiB, holds a NUL byte or is not a key file for GKeyFile;
 * "PATH:LINE: PROBLEM" for a malformed line, an unknown group or key, a key
 * before the group line or a key given twice.  Free with ds_keyfile_free. */
DsKeyFile *ds_keyfile_load (const char *path, const char *group, DsKeyTypeFunc key_type,
                            GError **error);

/* The number of keys, and the name (borrowed) and line of the @i-th, in
 * file order. */
guint ds_keyfile_n_keys (const DsKeyFile *kf);
const char *ds_keyfile_key (const DsKeyFile *kf, guint i);
guint ds_keyfile_line (const DsKeyFile *kf, guint i);

/* The value of @key (one that ds_keyfile_key names) with GKeyFile's escapes
 * (\s \n \t \r \\, and \; in lists) decoded: into *@out_value (caller
 * frees), or split at unescaped ';' into *@out_values (caller frees; a
 * trailing ';' ends the list), or as a boolean.  FALSE with DS_ERROR_USAGE
 * "KEY: ..." for an invalid escape, a value GKeyFile cannot read (not UTF-8)
 * or a boolean other than true or false; the caller adds "PATH:LINE: ". */
gboolean ds_keyfile_get_string (const DsKeyFile *kf, const char *key, char **out_value,
                                GError **error);
gboolean ds_keyfile_get_list (const DsKeyFile *kf, const char *key, char ***out_values,
                              GError **error);
gboolean ds_keyfile_get_boolean (const DsKeyFile *kf, const char *key, gboolean *out_value,
                                 GError **error);

void ds_keyfile_free (DsKeyFile *kf);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DsKeyFile, ds_keyfile_free)

G_END_DECLS
