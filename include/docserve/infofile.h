/* infofile.h: GNU info manuals parsed into nodes, node names to URL
 * segments and back, and one node as linked HTML.  Pure: bytes in, strings
 * out; reading the files is info.c's. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  char *name; /* "Top", "ls invocation" */
  char *next, *prev, *up; /* as written ("(dir)", "Introduction"), or NULL */
  char *text; /* the node's text after its header line (may hold \0\b
               * image markers; NUL-terminated after text_len bytes) */
  gsize text_len;
} DsInfoNode;

typedef struct _DsInfoFile DsInfoFile;

/* The subfile names of a split manual's main file @main (@len bytes): the
 * "Indirect:" table's names in order ("find.info-1"), only plain file names
 * (no '/', not starting with '.', no control byte), at most 64.  NULL when
 * the file is not split.  Caller frees (g_strfreev). */
char **ds_infofile_subfiles (const char *main, gsize len);

/* Parses the manual from its files' contents in order (@parts[0] the main
 * file, then its subfiles), each @n_parts element a GBytes: every chunk
 * between \x1f separators whose first line has "Node:" becomes a node;
 * anything else (tag table, indirect table, garbage) is skipped, so a
 * malformed file gives what can be parsed.  Never fails: no node is an
 * empty manual.  Free with ds_infofile_free. */
DsInfoFile *ds_infofile_parse (GBytes *const *parts, guint n_parts);
void ds_infofile_free (DsInfoFile *file);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DsInfoFile, ds_infofile_free)

/* Number of nodes, and node @i in file order. */
guint ds_infofile_n_nodes (const DsInfoFile *file);
const DsInfoNode *ds_infofile_node (const DsInfoFile *file, guint i);

/* The node named @name (exactly, else ASCII case-insensitively, as info
 * does), or NULL.  Borrowed from @file. */
const DsInfoNode *ds_infofile_lookup (const DsInfoFile *file, const char *name);

/* A node name as one URL path segment, texinfo's HTML cross-reference
 * scheme: ASCII letters and digits as they are, a space as '-', any other
 * character as "_" and 4 lowercase hex digits of its code point ("__" and
 * 6 above U+FFFF), so "ls invocation" is "ls-invocation" and "a-b/c"
 * "a_002db_002fc".  Leading, trailing and repeated white space is dropped
 * first.  Caller frees. */
char *ds_infofile_encode_node (const char *name);

/* The inverse: NULL for anything ds_infofile_encode_node would not write
 * for some name (other bytes, bad hex, an encoded letter, digit, NUL or
 * white space, an invalid code point, empty).  Caller frees. */
char *ds_infofile_decode_node (const char *segment);

/* Whether @manual may name a manual in a URL and a file name: as a man
 * page name (manname.h), at most 100 bytes, and without "..". */
gboolean ds_infofile_valid_manual (const char *manual);

/* Appends the HTML of @node of manual @manual (its URL segment) to @out: a
 * <nav> with Next/Prev/Up links, then the text in <pre>, escaped, with
 * menu entries and "*Note" cross-references as links
 * (/info/MANUAL/NODE, "(other)node" to that manual, "(dir)" to /info/).
 * A reference becomes a link only when @link (NULL: always) agrees.
 * Image and other special \0\b sequences are dropped. */
/* Whether to link node @node ("Top" for a manual itself) of manual
 * @manual ("dir" for the directory). */
typedef gboolean (*DsInfoLinkFunc) (gpointer data, const char *manual, const char *node);

void ds_infofile_render (const DsInfoNode *node, const char *manual, DsInfoLinkFunc link,
                         gpointer link_data, GString *out);

G_END_DECLS
