/* manrender.h: roff source of a manual page to an HTML fragment, by an
 * external renderer: mandoc (-T html) when installed, else groff's
 * terminal output turned into <pre>.  Runs are bounded in time, output and
 * number at once.  Thread-safe. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  DS_MANRENDER_AUTO = 0, /* mandoc if found in PATH, else groff */
  DS_MANRENDER_MANDOC,
  DS_MANRENDER_GROFF
} DsManRenderer;

typedef enum
{
  DS_MANRENDER_OK = 0,
  DS_MANRENDER_BUSY,    /* too many renders at once: 503 */
  DS_MANRENDER_TIMEOUT, /* killed at the time limit: 503 */
  DS_MANRENDER_FAILED   /* no renderer, it failed, or its output was too large: 500 */
} DsManRenderResult;

/* Whether a link to page @name in @section should be made (the page
 * exists). */
typedef gboolean (*DsManLinkFunc) (gpointer data, const char *section, const char *name);

typedef struct _DsManRender DsManRender;

/* A renderer of kind @kind (AUTO looks for mandoc, then groff, in
 * /usr/bin:/bin), killed after @timeout_ms, at most @max_output bytes of
 * output, at most @max_parallel at once. */
DsManRender *ds_manrender_new (DsManRenderer kind, guint timeout_ms, gsize max_output,
                               guint max_parallel);
void ds_manrender_free (DsManRender *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DsManRender, ds_manrender_free)

/* "mandoc", "groff" or NULL when neither was found; with the program's
 * path in ETag seeds, so a switch of renderer changes validators. */
const char *ds_manrender_name (const DsManRender *r);

/* Renders @source (decompressed roff) with the working directory @cwd (a
 * man root, for ".so" lines; may be NULL), the renderer's environment
 * cleared (PATH and LC_ALL=C.UTF-8 only).  Cross-references become
 * /man/SECTION/NAME links when @link says the page exists.  On OK sets
 * *out_html (caller frees); otherwise a reason for the log in
 * *out_reason (caller frees). */
DsManRenderResult ds_manrender_run (DsManRender *r, GBytes *source, const char *cwd,
                                    DsManLinkFunc link, gpointer link_data, char **out_html,
                                    char **out_reason);

/* groff's terminal output (overstrike: "c\bc" bold, "_\bc" italic) as an
 * escaped HTML <pre> with <b>, <i> and "name(section)" links where @link
 * agrees (NULL: none).  Pure; exposed for tests. */
char *ds_manrender_groff_html (const char *text, gsize len, DsManLinkFunc link,
                               gpointer link_data);

/* mandoc's HTML fragment with each "/man/SECTION/NAME" link kept only
 * where @link agrees (otherwise the <a> loses its href).  Pure; exposed
 * for tests. */
char *ds_manrender_filter_links (const char *html, DsManLinkFunc link, gpointer link_data);

G_END_DECLS
