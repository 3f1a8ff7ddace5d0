/* manname.h: which file names are manual pages, which request segments may
 * name a section or a page, man's section order, natural order, and the
 * two facts read from a page's roff source (its NAME line, a ".so"
 * redirection).  Pure: strings in, strings out. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Longest page name and section accepted (bytes). */
#define DS_MANNAME_MAX_NAME 200
#define DS_MANNAME_MAX_SECTION 16

/* Whether @section may be a section: one of 0-9, n, l, then at most
 * DS_MANNAME_MAX_SECTION - 1 more of [a-z0-9] ("1", "3ssl", "1p", "3pm",
 * "n"). */
gboolean ds_manname_valid_section (const char *section);

/* Whether @name may be a page name: 1..DS_MANNAME_MAX_NAME bytes of
 * printable ASCII or UTF-8 (no control byte, space, '/', '\\'), not starting
 * with '.' (so never "." or ".."), valid UTF-8. */
gboolean ds_manname_valid_name (const char *name);

/* Whether @dir is a section directory "manS" (S a valid section); sets
 * *out_section to S (borrowed: points into @dir). */
gboolean ds_manname_parse_dir (const char *dir, const char **out_section);

/* Splits the file name @file found in directory "man@dir_section" into
 * NAME.SECTION[.gz]: SECTION must be valid and start with @dir_section's
 * first character (man3/SSL_new.3ssl.gz, not man3/x.1), NAME valid.
 * TRUE with *out_name and *out_section (caller frees) and *out_gz; FALSE
 * (out parameters untouched) for any other file. */
gboolean ds_manname_parse_file (const char *file, const char *dir_section, char **out_name,
                                char **out_section, gboolean *out_gz);

/* man's search order of sections (1 n l 8 3 0 2 5 4 9 6 7 by the first
 * character, then the plain section before its sub-sections, which sort
 * alphabetically): negative, 0 or positive as strcmp. */
int ds_manname_section_compare (const char *a, const char *b);


/* Levenshtein distance between @a and @b (bytes), or @limit + 1 when it is
 * larger than @limit (computed no further). */
guint ds_manname_distance (const char *a, const char *b, guint limit);

/* If the roff source @src (@len bytes) is a ".so" redirection (its first
 * request line, after comments, is ".so manS/NAME.SECTION[.gz]" with a
 * valid section directory and file name), returns "manS/FILE" (caller
 * frees); else NULL.  Anything else after ".so" (absolute paths, "..",
 * other directories) gives NULL. */
char *ds_manname_so_target (const char *src, gsize len);

/* The one-line description from the NAME section of roff source @src:
 * man(7) ".SH NAME" then "name, name \- text", or mdoc(7) ".Nd text".  Font
 * and character escapes are removed.  Returns the text after the dash
 * (caller frees), or NULL when there is none. */
char *ds_manname_description (const char *src, gsize len);

G_END_DECLS
