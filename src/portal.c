/* portal.c: the documentation portal's home page (portal.h).
 *
 * "/" in --system-docs mode: a search box (a GET form to /search), links to
 * the parts (/doc/, /man/, /info/), and the doc-base catalogue
 * (--doc-base-dir, docbase.c) grouped by Section in the catalogue's order
 * (sections, then titles, case-insensitively).
 *
 * Each document's title links to the first of, in this order:
 *   1. its HTML Index (or, without one, its first HTML file), when that lies
 *      under --doc-dir: /doc/REL;
 *   2. its info manual, when an Info format's Index (or first file) lies in
 *      an --info-path directory: /info/MANUAL/ (MANUAL = the file name
 *      without .gz/.bz2/.xz and .info);
 *   3. the first existing file of its PDF, then text, then any other
 *      format (Files globs expanded with glob(3)), under --doc-dir.
 * The other formats that resolve are listed after it ("also: PDF, text").
 * "Exists" means what the server would serve: a file under --doc-dir is
 * checked by opening it with ds_path_open below the site's root fd, under
 * the site's --symlinks policy and link targets, so a listed link never
 * 404s.  Documents outside --doc-dir and the info path (a gtk-doc manual
 * registered only under /usr/share/gtk-doc/html, say) are not linked, and
 * a document with no resolvable format is left out; the page says how many.
 *
 * The page is rebuilt when the catalogue's identity changes (docbase.c
 * re-reads the directory at most once a second) or when it is older than
 * REBUILD_SECONDS (the files a catalogue names can come and go without the
 * catalogue changing); its ETag is a hash of the body, so it changes
 * exactly when the page does.  One mutex guards the cached page; requests
 * take a reference to it. */
#include "config.h"

#include "docserve/portal.h"

#include "docserve/docbase.h"
#include "docserve/gen.h"
#include "docserve/page.h"
#include "docserve/path.h"
#include "docserve/searchpage.h"

#include <errno.h>
#include <glob.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define REBUILD_SECONDS 10
/* Files a Files glob may expand to before we stop looking. */
#define MAX_GLOB_TRIES 64

/* The parts of the portal, in the order the home page lists them. */
static const struct
{
  const char *href;
  const char *title;
  const char *what;
} parts[] = {
  { "/doc/", "Package documentation", "the files under the documentation directory" },
  { "/man/", "Manual pages", "the manual pages, by section" },
  { "/info/", "Info manuals", "the GNU info manuals" },
};

#define PORTAL_STYLE                                                                          \
  "form.search{margin:0 0 1.5em;display:flex;gap:.5em}\n"                                   \
  "form.search input{flex:1;font:inherit;padding:.35em .5em;color:var(--fg);"              \
  "background:var(--bg);border:1px solid var(--rule);border-radius:4px}\n"                 \
  "form.search button{font:inherit;padding:.35em .9em}\n"                                  \
  "ul.parts{padding-left:1.2em}\n"                                                          \
  "h2{font-size:1.15em;font-weight:600;margin:1.6em 0 .4em;padding-bottom:.2em;"           \
  "border-bottom:1px solid var(--rule)}\n"                                                  \
  "nav.sections{font-size:.9em;color:var(--muted);margin:.5em 0 1em}\n"                   \
  "nav.sections a{margin-right:.8em;white-space:nowrap}\n"                                  \
  "dl.docs dt{margin-top:.8em;font-weight:600}\n"                                           \
  "dl.docs dd{margin:.1em 0 0 1.2em;max-width:45em}\n"                                      \
  "dl.docs dd p{margin:.2em 0}\n"                                                           \
  ".fmt,.also,.by{font-size:.85em;color:var(--muted);font-weight:normal}\n"               \
  "p.note{font-size:.85em;color:var(--muted)}\n"

typedef struct
{
  DsDocBase *docbase;
  char **doc_dir;   /* --doc-dir, as absolute components (given, and real) */
  char **doc_real;
  char **info_dirs; /* --info-path, each absolute */
  GMutex lock;
  GBytes *page;     /* the cached page, or NULL */
  char *etag_seed;  /* hash of the page */
  char *identity;   /* the catalogue identity it was built from */
  gint64 built;     /* when */
} Portal;

static void
portal_free (gpointer p)
{
  Portal *portal = p;

  ds_docbase_free (portal->docbase);
  g_strfreev (portal->doc_dir);
  g_strfreev (portal->doc_real);
  g_strfreev (portal->info_dirs);
  g_clear_pointer (&portal->page, g_bytes_unref);
  g_free (portal->etag_seed);
  g_free (portal->identity);
  g_mutex_clear (&portal->lock);
  g_free (portal);
}

/* @path's components, '.' dropped; NULL if it is not absolute or holds a
 * ".." (a catalogue path that is not plain is not linked). */
static char **
plain_components (const char *path)
{
  if (path == NULL || path[0] != '/')
    return NULL;

  g_auto (GStrv) segs = g_strsplit (path, "/", -1);
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; segs[i] != NULL; i++)
    {
      if (segs[i][0] == '\0' || strcmp (segs[i], ".") == 0)
        continue;
      if (strcmp (segs[i], "..") == 0)
        {
          g_ptr_array_unref (out);
          return NULL;
        }
      g_ptr_array_add (out, g_strdup (segs[i]));
    }
  g_ptr_array_set_free_func (out, NULL);
  g_ptr_array_add (out, NULL);
  return (char **) g_ptr_array_free (out, FALSE);
}

/* If @path lies under the directory @dir (components), the rest joined by
 * '/' ("" for @dir itself); else NULL.  Caller frees. */
static char *
below (char **dir, const char *path)
{
  g_auto (GStrv) p = plain_components (path);

  if (dir == NULL || p == NULL)
    return NULL;
  guint n = g_strv_length (dir);
  if (g_strv_length (p) < n)
    return NULL;
  for (guint i = 0; i < n; i++)
    if (strcmp (dir[i], p[i]) != 0)
      return NULL;
  return g_strjoinv ("/", p + n);
}

/* "/doc/REL" (percent-encoded) if @path is under --doc-dir and the site
 * would serve it (a regular file or a directory); else NULL. */
static char *
doc_url (const Portal *portal, const DsSite *site, const char *path)
{
  g_autofree char *rel = below (portal->doc_dir, path);

  if (rel == NULL)
    rel = below (portal->doc_real, path);
  if (rel == NULL)
    return NULL;

  int err = 0;
  int fd = ds_path_open (g_atomic_int_get ((gint *) &site->root_fd), rel, site->conf->symlinks,
                         &err);
  if (fd < 0)
    return NULL;
  struct stat st;
  gboolean ok = fstat (fd, &st) == 0 && (S_ISREG (st.st_mode) || S_ISDIR (st.st_mode));
  gboolean dir = ok && S_ISDIR (st.st_mode);
  close (fd);
  if (!ok)
    return NULL;
  g_autofree char *enc = ds_path_encode (rel);
  return g_strconcat ("/doc", enc, dir && rel[0] != '\0' ? "/" : "", NULL);
}

/* The files @pattern (a Files glob) names, in order; at most
 * MAX_GLOB_TRIES.  Caller frees. */
static char **
expand (const char *pattern)
{
  glob_t g = { 0 };
  GPtrArray *out = g_ptr_array_new ();

  if (glob (pattern, 0, NULL, &g) == 0)
    {
      for (size_t i = 0; i < g.gl_pathc && out->len < MAX_GLOB_TRIES; i++)
        g_ptr_array_add (out, g_strdup (g.gl_pathv[i]));
    }
  globfree (&g);
  g_ptr_array_add (out, NULL);
  return (char **) g_ptr_array_free (out, FALSE);
}

/* The first file of @f, tried in order (its Index first when @index_first),
 * for which @try gives a URL; NULL if none. */
static char *
first_url (const Portal *portal, const DsSite *site, const DsDocBaseFormat *f,
           gboolean index_first, char *(*try) (const Portal *, const DsSite *, const char *))
{
  if (index_first && f->index != NULL)
    {
      char *url = try (portal, site, f->index);
      if (url != NULL || !g_str_equal (f->format, "info"))
        return url; /* an HTML Index that is missing: the manual is broken */
    }
  for (guint i = 0; f->files[i] != NULL; i++)
    {
      g_auto (GStrv) paths = expand (f->files[i]);
      for (guint j = 0; paths[j] != NULL; j++)
        {
          char *url = try (portal, site, paths[j]);
          if (url != NULL)
            return url;
        }
    }
  return NULL;
}

/* "/info/MANUAL/" if @path is an info file in an --info-path directory. */
static char *
info_url (const Portal *portal, const DsSite *site, const char *path)
{
  (void) site;
  for (guint i = 0; portal->info_dirs[i] != NULL; i++)
    {
      g_auto (GStrv) dir = plain_components (portal->info_dirs[i]);
      g_autofree char *rel = below (dir, path);
      if (rel == NULL || rel[0] == '\0' || strchr (rel, '/') != NULL)
        continue;
      if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
        continue;
      g_autofree char *name = g_strdup (rel);
      static const char *const suffixes[] = { ".gz", ".bz2", ".xz", ".zst" };
      for (gsize s = 0; s < G_N_ELEMENTS (suffixes); s++)
        if (g_str_has_suffix (name, suffixes[s]))
          {
            name[strlen (name) - strlen (suffixes[s])] = '\0';
            break;
          }
      /* Split info files: "x.info-2" is part of "x". */
      char *dash = strstr (name, ".info-");
      if (dash != NULL)
        *dash = '\0';
      if (g_str_has_suffix (name, ".info"))
        name[strlen (name) - 5] = '\0';
      if (name[0] == '\0')
        continue;
      g_autofree char *enc = ds_path_encode (name);
      return g_strconcat ("/info", enc, "/", NULL);
    }
  return NULL;
}

static char *
doc_url_try (const Portal *portal, const DsSite *site, const char *path)
{
  return doc_url (portal, site, path);
}

/* How a format is named on the page. */
static const char *
format_label (const char *format)
{
  static const struct
  {
    const char *format, *label;
  } labels[] = {
    { "html", "HTML" }, { "info", "info" },        { "pdf", "PDF" },
    { "text", "text" }, { "postscript", "PostScript" }, { "dvi", "DVI" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (labels); i++)
    if (g_str_equal (format, labels[i].format))
      return labels[i].label;
  return format;
}

/* The rank of a format for the title's link: lower first. */
static int
format_rank (const char *format)
{
  static const char *const order[] = { "html", "info", "pdf", "text" };
  for (gsize i = 0; i < G_N_ELEMENTS (order); i++)
    if (g_str_equal (format, order[i]))
      return (int) i;
  return (int) G_N_ELEMENTS (order);
}

typedef struct
{
  const char *label;
  char *url;
  int rank;
} Link;

static int
link_cmp (gconstpointer a, gconstpointer b)
{
  const Link *x = a, *y = b;
  return x->rank - y->rank;
}

/* Every format of @e that resolves, best first.  Caller frees the URLs. */
static GArray *
resolve (const Portal *portal, const DsSite *site, const DsDocBaseEntry *e)
{
  GArray *links = g_array_new (FALSE, FALSE, sizeof (Link));

  for (guint i = 0; i < e->formats->len; i++)
    {
      const DsDocBaseFormat *f = g_ptr_array_index (e->formats, i);
      char *url = NULL;

      if (g_str_equal (f->format, "info"))
        url = first_url (portal, site, f, TRUE, info_url);
      if (url == NULL)
        url = first_url (portal, site, f, g_str_equal (f->format, "html"), doc_url_try);
      if (url == NULL)
        continue;
      gboolean dup = FALSE;
      for (guint j = 0; j < links->len && !dup; j++)
        dup = g_str_equal (g_array_index (links, Link, j).url, url);
      if (dup)
        {
          g_free (url);
          continue;
        }
      /* An Info format whose files are not in the info path (bzip2-doc's
       * manual.texi.gz) is its Texinfo source under --doc-dir. */
      gboolean source = g_str_equal (f->format, "info") && !g_str_has_prefix (url, "/info/");
      Link l = { source ? "Texinfo" : format_label (f->format), url,
                 source ? format_rank ("") : format_rank (f->format) };
      g_array_append_val (links, l);
    }
  g_array_sort (links, link_cmp);
  return links;
}

static void
links_free (GArray *links)
{
  for (guint i = 0; i < links->len; i++)
    g_free (g_array_index (links, Link, i).url);
  g_array_unref (links);
}

/* @abstract as paragraphs (an empty line separates them). */
static void
append_abstract (GString *out, const char *abstract)
{
  g_auto (GStrv) paras = g_strsplit (abstract, "\n\n", -1);

  for (guint i = 0; paras[i] != NULL; i++)
    {
      g_strstrip (paras[i]);
      if (paras[i][0] == '\0')
        continue;
      g_string_append (out, "<p>");
      ds_page_append_escaped (out, paras[i]);
      g_string_append (out, "</p>");
    }
}

static const char *
section_name (const DsDocBaseEntry *e)
{
  return e->section[0] != '\0' ? e->section : "Unsorted";
}

static GBytes *
home_page (const Portal *portal, const DsSite *site, const DsDocBaseSnapshot *snap)
{
  GString *out = g_string_sized_new (16384);
  GString *body = g_string_sized_new (16384);
  g_autoptr (GPtrArray) sections = g_ptr_array_new ();
  const DsPage page = {
    .title = "Documentation",
    .crumbs = "/",
    .style = PORTAL_STYLE,
    .head = "<link rel=\"icon\" href=\"/.docserve/favicon.svg\" type=\"image/svg+xml\">\n",
  };
  guint shown = 0, left_out = 0;
  const char *open_section = NULL;

  for (guint i = 0; i < snap->entries->len; i++)
    {
      const DsDocBaseEntry *e = g_ptr_array_index (snap->entries, i);
      GArray *links = resolve (portal, site, e);

      if (links->len == 0)
        {
          left_out++;
          links_free (links);
          continue;
        }
      if (open_section == NULL || g_ascii_strcasecmp (open_section, section_name (e)) != 0)
        {
          if (open_section != NULL)
            g_string_append (body, "</dl>\n");
          open_section = section_name (e);
          g_ptr_array_add (sections, (gpointer) open_section);
          g_string_append_printf (body, "<h2 id=\"s%u\">", sections->len);
          ds_page_append_escaped (body, open_section);
          g_string_append (body, "</h2>\n<dl class=\"docs\">\n");
        }
      const Link *main = &g_array_index (links, Link, 0);
      g_string_append (body, "<dt><a href=\"");
      ds_page_append_escaped (body, main->url);
      g_string_append (body, "\">");
      ds_page_append_escaped (body, e->title);
      g_string_append_printf (body, "</a> <span class=\"fmt\">(%s)</span>", main->label);
      if (links->len > 1)
        {
          g_string_append (body, " <span class=\"also\">also:");
          for (guint j = 1; j < links->len; j++)
            {
              const Link *l = &g_array_index (links, Link, j);
              g_string_append_printf (body, "%s <a href=\"", j > 1 ? "," : "");
              ds_page_append_escaped (body, l->url);
              g_string_append_printf (body, "\">%s</a>", l->label);
            }
          g_string_append (body, "</span>");
        }
      g_string_append (body, "</dt>\n<dd>");
      if (e->author != NULL && e->author[0] != '\0')
        {
          g_string_append (body, "<span class=\"by\">by ");
          ds_page_append_escaped (body, e->author);
          g_string_append (body, "</span>");
        }
      if (e->abstract != NULL)
        append_abstract (body, e->abstract);
      g_string_append (body, "</dd>\n");
      shown++;
      links_free (links);
    }
  if (open_section != NULL)
    g_string_append (body, "</dl>\n");

  ds_page_begin (out, &page);
  g_string_append (out, "<h1>Documentation on this machine</h1>\n");
  if (ds_search_url (site->conf) != NULL)
    g_string_append (out, "<form class=\"search\" action=\"/search\" method=\"get\" "
                          "role=\"search\"><input type=\"search\" name=\"q\" "
                          "placeholder=\"Search the documentation\" "
                          "aria-label=\"Search the documentation\" required>"
                          "<button type=\"submit\">Search</button></form>\n");
  g_string_append (out, "<ul class=\"parts\">\n");
  for (gsize i = 0; i < G_N_ELEMENTS (parts); i++)
    {
      g_string_append_printf (out, "<li><a href=\"%s\">", parts[i].href);
      ds_page_append_escaped (out, parts[i].title);
      g_string_append (out, "</a>: ");
      ds_page_append_escaped (out, parts[i].what);
      g_string_append (out, "</li>\n");
    }
  g_string_append (out, "</ul>\n");
  g_string_append_printf (out, "<h2 id=\"catalogue\">Registered manuals (%u)</h2>\n", shown);
  if (sections->len > 0)
    {
      g_string_append (out, "<nav class=\"sections\" aria-label=\"Sections\">");
      for (guint i = 0; i < sections->len; i++)
        {
          g_string_append_printf (out, "<a href=\"#s%u\">", i + 1);
          ds_page_append_escaped (out, g_ptr_array_index (sections, i));
          g_string_append (out, "</a> ");
        }
      g_string_append (out, "</nav>\n");
    }
  else
    g_string_append (out, "<p>No manuals are registered with doc-base here.</p>\n");
  g_string_append_len (out, body->str, (gssize) body->len);
  g_string_free (body, TRUE);
  if (left_out > 0 || snap->skipped > 0)
    {
      g_string_append (out, "<p class=\"note\">");
      if (left_out > 0)
        g_string_append_printf (out, "%u registered document%s not shown: %s files are missing "
                                     "or outside what docserve serves. ",
                                left_out, left_out == 1 ? "" : "s",
                                left_out == 1 ? "its" : "their");
      if (snap->skipped > 0)
        g_string_append_printf (out, "%u doc-base file%s could not be read.", snap->skipped,
                                snap->skipped == 1 ? "" : "s");
      g_string_append (out, "</p>\n");
    }
  ds_page_end (out);
  gsize len = out->len;
  return g_bytes_new_take (g_string_free (out, FALSE), len);
}

/* The current page and its ETag seed (new references / caller frees). */
static GBytes *
current_page (Portal *portal, const DsSite *site, gint64 now, char **out_seed)
{
  g_autoptr (DsDocBaseSnapshot) snap = ds_docbase_get (portal->docbase, now);

  g_mutex_lock (&portal->lock);
  if (portal->page == NULL || g_strcmp0 (portal->identity, snap->identity) != 0
      || now < portal->built || now - portal->built >= REBUILD_SECONDS)
    {
      GBytes *page = home_page (portal, site, snap);
      g_clear_pointer (&portal->page, g_bytes_unref);
      g_free (portal->etag_seed);
      g_free (portal->identity);
      portal->page = page;
      portal->etag_seed = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, page);
      portal->identity = g_strdup (snap->identity);
      portal->built = now;
    }
  GBytes *page = g_bytes_ref (portal->page);
  *out_seed = g_strdup (portal->etag_seed);
  g_mutex_unlock (&portal->lock);
  return page;
}

static void
serve_home (gconstpointer data, const DsSite *site, const DsRequest *req, const char *below_,
            gboolean dir_slash, gint64 now, DsReply *reply)
{
  (void) dir_slash;
  if (*below_ != '\0')
    {
      ds_reply_set_status_page (reply, site->error_pages, 404);
      return;
    }
  g_autofree char *seed = NULL;
  g_autoptr (GBytes) page = current_page ((Portal *) data, site, now, &seed);
  const DsGenMeta meta = {
    .content_type = "text/html; charset=utf-8",
    .etag_seed = seed,
  };
  ds_gen_reply (site, req, &meta, page, now, reply);
}

/* @path made absolute against the working directory. */
static char *
absolute (const char *path)
{
  if (g_path_is_absolute (path))
    return g_strdup (path);
  g_autofree char *cwd = g_get_current_dir ();
  return g_build_filename (cwd, path, NULL);
}

gboolean
ds_portal_mount (DsSite *site, GError **error)
{
  const DsConf *conf = site->conf;
  Portal *portal = g_new0 (Portal, 1);

  (void) error;
  g_mutex_init (&portal->lock);
  portal->docbase = ds_docbase_new (conf->doc_base_dir);
  g_autofree char *doc = absolute (conf->doc_dir);
  portal->doc_dir = plain_components (doc);
  char *real = realpath (conf->doc_dir, NULL);
  portal->doc_real = real != NULL ? plain_components (real) : NULL;
  free (real);
  g_auto (GStrv) info = g_strsplit (conf->info_path, ":", -1);
  GPtrArray *dirs = g_ptr_array_new ();
  for (guint i = 0; info[i] != NULL; i++)
    if (info[i][0] != '\0')
      g_ptr_array_add (dirs, absolute (info[i]));
  g_ptr_array_add (dirs, NULL);
  portal->info_dirs = (char **) g_ptr_array_free (dirs, FALSE);

  ds_site_mount (site, "", serve_home, portal, portal_free);
  /* Read the catalogue now, so that malformed files are reported at
   * start-up rather than on the first request. */
  ds_docbase_snapshot_unref (ds_docbase_get (portal->docbase, g_get_real_time () / G_USEC_PER_SEC));
  return TRUE;
}
