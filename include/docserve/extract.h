/* extract.h: the searchable text of a document (HTML, plain text, gzip,
 * manual pages), for the search index. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Bytes of text kept per document; the rest is not indexed. */
#define DS_EXTRACT_MAX_TEXT (256 * 1024)
/* Characters kept of a title. */
#define DS_EXTRACT_MAX_TITLE_CHARS 200
/* Bytes a gzip member is inflated to at most; the rest is not read. */
#define DS_EXTRACT_MAX_INFLATED (8 * 1024 * 1024)
/* Bytes of a file's head that decide whether it is text. */
#define DS_EXTRACT_SNIFF_BYTES 4096

typedef enum
{
  DS_DOC_SKIP = 0, /* not indexed: binary, an asset (style, script, image), an alias */
  DS_DOC_TEXT,     /* plain text, Markdown, reStructuredText, a changelog */
  DS_DOC_HTML,
  DS_DOC_MAN       /* a roff manual page (man or mdoc macros) */
} DsDocKind;

/* "text", "html", "man"; "" for DS_DOC_SKIP.  Static. */
const char *ds_extract_kind_name (DsDocKind kind);

/* The text of one document: @kind, @title (NULL: none found, the caller
 * names it by its file name) and @body, both valid UTF-8 without control
 * characters and with white space collapsed to single spaces. */
typedef struct
{
  DsDocKind kind;
  char *title;
  char *body;
} DsExtracted;

void ds_extracted_clear (DsExtracted *doc);

/* What a file is by its @name alone: DS_DOC_SKIP for assets and binary
 * formats (images, fonts, archives, PDF, style sheets, scripts, JSON, XML,
 * .bz2/.xz), DS_DOC_HTML for .html/.htm/.xhtml, DS_DOC_MAN for a name whose
 * last extension is a manual section (".1" .. ".9", "3pm", "8ssl"), else
 * DS_DOC_TEXT (sniffed later).  A trailing ".gz" is looked through once and
 * sets *out_gzip (may be NULL). */
DsDocKind ds_extract_kind_for_name (const char *name, gboolean *out_gzip);

/* Whether @data (@len bytes, a file's head) looks binary: a NUL, or more
 * than 1 % control bytes other than TAB, LF, FF, CR, BS and ESC, in the
 * first DS_EXTRACT_SNIFF_BYTES.  Latin-1 text is not binary. */
gboolean ds_extract_looks_binary (const guint8 *data, gsize len);

/* Inflates the gzip data @data (@len bytes; several members are read one
 * after the other) to at most @max_out bytes.  Data cut short or damaged
 * after a good start gives what was inflated up to there.  Returns the
 * bytes (caller unrefs), or NULL when @data is not gzip or nothing could be
 * inflated. */
GBytes *ds_extract_gunzip (const guint8 *data, gsize len, gsize max_out);

/* HTML: the text outside tags, with the contents of script, style and
 * template elements and comments dropped, character references decoded
 * (the common named ones and all numeric ones), at most @max_text bytes.
 * *out_title is the <title>'s text, else the first h1-h6's, else NULL. */
void ds_extract_html (const char *data, gsize len, gsize max_text, char **out_title,
                      char **out_body);

/* Plain text, at most @max_text bytes; *out_title is a Markdown document's
 * first "# " heading, else NULL.  Invalid UTF-8 is replaced by U+FFFD. */
void ds_extract_text (const char *data, gsize len, gsize max_text, char **out_title,
                      char **out_body);

/* A roff manual page: the text without requests, escapes and comments, at
 * most @max_text bytes; *out_title "NAME(SECTION) — DESCRIPTION" from .TH
 * (or mdoc's .Dt) and the NAME section (or .Nm/.Nd), else NULL.  FALSE for
 * a page that is only a ".so" link to another page (indexed there). */
gboolean ds_extract_man (const char *data, gsize len, gsize max_text, char **out_title,
                         char **out_body);

/* The whole chain for a file named @name (its last path segment or more)
 * with contents @data (@len bytes; callers pass at most a few MiB): the kind
 * by name, gunzip, a sniff (binary is skipped; a "text" file that starts
 * like a roff page is read as one), the extractor.  FALSE (and @out
 * cleared) when the document is not indexed; else @out filled (caller
 * clears). */
gboolean ds_extract_document (const char *name, const guint8 *data, gsize len, DsExtracted *out);

G_END_DECLS
