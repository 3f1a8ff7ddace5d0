/* fuzz_path.c: ds_path_sanitize, ds_path_encode and ds_path_open on
 * arbitrary request-target bytes.
 *
 * Input: the raw path bytes, as the client sent them (not NUL-terminated:
 * copied into an exact-size buffer so ASan sees any over-read).
 *
 * Properties, for both dotfile policies:
 * - DS_PATH_OK gives a normalised rel: no leading or trailing '/', no empty,
 *   "." or ".." segment, valid UTF-8, no control byte or '\'; under
 *   DS_DOTFILES_DENY no segment starts with '.' except a first ".well-known".
 * - The dotfile rule is checked after every 400 rule: DENY's answer is ALLOW's
 *   answer, except that it may turn OK into NOT_FOUND; ALLOW never answers
 *   NOT_FOUND.
 * - ds_path_encode (rel) sanitizes back to the same rel (directory form iff
 *   rel is the root).
 * - ds_path_open (rel) under DS_SYMLINKS_INSIDE and DS_SYMLINKS_NONE: any fd
 *   returned refers to a file inside the root (realpath of /proc/self/fd/N
 *   is the root's realpath or below it), whatever symlinks the tree holds;
 *   under NONE, never through a symlink.  Both resolvers are run: openat2
 *   and the component-by-component walk used without it
 *   (ds_path_use_openat2 (FALSE)); they must agree, under every policy, on
 *   whether the open succeeds, on the file opened (device and inode) and
 *   on the errno.
 *
 * The tree (made once): files, subdirectories, dotfiles, a FIFO, relative
 * symlinks that stay inside, that climb out ("../outside", "../.."), an
 * absolute one to /etc and one back into the root, a loop, chains of 40
 * and 41 links, links to "." and "..", and targets with "..", "//" and a
 * trailing '/' in them. */
#include "config.h"

#include "docserve/path.h"

#include "fuzz_common.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

static char *scratch;   /* removed at exit */
static char *root_real; /* realpath of the root */
static int root_fd = -1;

static void
cleanup (void)
{
  if (root_fd >= 0)
    close (root_fd);
  if (scratch != NULL)
    fuzz_rm_rf (scratch);
}

static void
make_file (const char *dir, const char *rel, const char *content)
{
  g_autofree char *path = g_build_filename (dir, rel, NULL);
  g_autofree char *parent = g_path_get_dirname (path);
  GError *error = NULL;

  if (g_mkdir_with_parents (parent, 0755) != 0
      || !g_file_set_contents (path, content, -1, &error))
    {
      fprintf (stderr, "fuzz_path: cannot create %s\n", path);
      abort ();
    }
}

static void
make_link (const char *dir, const char *rel, const char *target)
{
  g_autofree char *path = g_build_filename (dir, rel, NULL);

  if (symlink (target, path) != 0)
    {
      fprintf (stderr, "fuzz_path: cannot symlink %s: %s\n", path, g_strerror (errno));
      abort ();
    }
}

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  (void) argc;
  (void) argv;
  fuzz_glib_fatal ();

  scratch = g_strdup (fuzz_scratch_dir ());
  atexit (cleanup);

  g_autofree char *root = g_build_filename (scratch, "root", NULL);
  g_autofree char *outside = g_build_filename (scratch, "outside", NULL);

  make_file (outside, "secret", "outside the root\n");
  make_file (root, "index.html", "<p>hi</p>\n");
  make_file (root, "a/b/c.txt", "c\n");
  make_file (root, "a/.hidden", "hidden\n");
  make_file (root, ".well-known/security.txt", "x\n");
  make_file (root, ".git/config", "[core]\n");
  make_file (root, "caf\xc3\xa9 x.txt", "utf-8 name\n");
  make_file (root, "dir/sub/deep.txt", "deep\n");
  make_link (root, "in", "a/b/c.txt");
  make_link (root, "indir", "a");
  make_link (root, "a/up", "..");
  make_link (root, "a/b/upup", "../../index.html");
  make_link (root, "out", "../outside/secret");
  make_link (root, "outdir", "../outside");
  make_link (root, "a/escape", "../..");
  make_link (root, "a/b/escape2", "../../../outside");
  make_link (root, "etc", "/etc");
  make_link (root, "passwd", "/etc/passwd");
  make_link (root, "loop", "loop");
  make_link (root, "dangling", "nothing-here");
  make_link (root, "self", ".");
  make_link (root, "a/b/sneaky", "../../a/../../outside/secret");
  make_link (root, "a/b/roundtrip", "..//b/./../../index.html");
  make_link (root, "a/b/slash", "../b/");
  make_link (root, "a/b/filedir", "c.txt/");
  make_link (root, "a/b/abs-out", "/etc/passwd");
  /* 40 links in a row resolve (Linux's MAXSYMLINKS), 41 do not. */
  for (int i = 0; i < 41; i++)
    {
      g_autofree char *name = g_strdup_printf ("chain/l%02d", i);
      g_autofree char *target = i < 40 ? g_strdup_printf ("l%02d", i + 1)
                                       : g_strdup ("../index.html");
      if (i == 0)
        {
          g_autofree char *dir = g_build_filename (root, "chain", NULL);
          g_mkdir_with_parents (dir, 0755);
        }
      make_link (root, name, target);
    }
  g_autofree char *abs_in = g_build_filename (root, "index.html", NULL);
  make_link (root, "absin", abs_in);
  g_autofree char *fifo = g_build_filename (root, "fifo", NULL);
  if (mkfifo (fifo, 0644) != 0)
    abort ();

  root_fd = open (root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  root_real = realpath (root, NULL);
  if (root_fd < 0 || root_real == NULL)
    abort ();
  return 0;
}

static gboolean
is_well_formed_rel (const char *rel, DsDotfiles dotfiles, char **out_why)
{
  if (rel[0] == '\0')
    return TRUE;
  if (!g_utf8_validate (rel, -1, NULL))
    return (*out_why = g_strdup ("not UTF-8")), FALSE;

  g_auto (GStrv) segs = g_strsplit (rel, "/", -1);
  for (guint i = 0; segs[i] != NULL; i++)
    {
      const char *s = segs[i];

      if (*s == '\0' || strcmp (s, ".") == 0 || strcmp (s, "..") == 0)
        return (*out_why = g_strdup_printf ("segment %u is \"%s\"", i, s)), FALSE;
      for (const char *c = s; *c != '\0'; c++)
        if ((guchar) *c < 0x20 || *c == 0x7f || *c == '\\')
          return (*out_why = g_strdup_printf ("segment %u holds byte 0x%02x", i, (guchar) *c)),
                 FALSE;
      if (dotfiles == DS_DOTFILES_DENY && s[0] == '.'
          && !(i == 0 && strcmp (s, ".well-known") == 0))
        return (*out_why = g_strdup_printf ("dotfile segment %u \"%s\" under deny", i, s)),
               FALSE;
    }
  return TRUE;
}

/* The fd must name the root or something below it. */
static void
check_fd_inside (int fd, const char *rel, DsSymlinks symlinks, const char *shown)
{
  char link[64];
  g_snprintf (link, sizeof link, "/proc/self/fd/%d", fd);
  char *real = realpath (link, NULL);

  FUZZ_CHECK (real != NULL, "realpath(%s): %s", link, g_strerror (errno));
  gsize n = strlen (root_real);
  gboolean inside = strcmp (real, root_real) == 0
                    || (strncmp (real, root_real, n) == 0 && real[n] == '/');
  FUZZ_CHECK (inside,
              "ds_path_open escaped the root: input \"%s\" rel \"%s\" symlinks %d opened %s "
              "(root %s)",
              shown, rel, (int) symlinks, real, root_real);

  if (symlinks == DS_SYMLINKS_NONE)
    {
      /* No symlink anywhere: the opened file is root/rel itself. */
      g_autofree char *expect = rel[0] != '\0' ? g_build_filename (root_real, rel, NULL)
                                               : g_strdup (root_real);
      FUZZ_CHECK (strcmp (real, expect) == 0,
                  "DS_SYMLINKS_NONE followed a symlink: input \"%s\" rel \"%s\" opened %s",
                  shown, rel, real);
    }
  free (real);
}

/* Opens @rel under @policy with openat2 (@walk FALSE) or the walk. */
static int
open_with (const char *rel, DsSymlinks policy, gboolean walk, int *out_err, const char *shown)
{
  int err = -1;

  ds_path_use_openat2 (!walk);
  int fd = ds_path_open (root_fd, rel, policy, &err);
  ds_path_use_openat2 (TRUE);
  if (fd < 0)
    {
      FUZZ_CHECK (err > 0, "fd -1 with errno %d for rel \"%s\"", err, rel);
      FUZZ_CHECK (err != EXDEV && err != ELOOP && err != ENAMETOOLONG,
                  "errno %d not mapped to ENOENT for rel \"%s\" (%s)", err, rel,
                  walk ? "walk" : "openat2");
    }
  else
    {
      FUZZ_CHECK (err == 0, "fd %d but errno %d", fd, err);
      if (policy != DS_SYMLINKS_FOLLOW)
        check_fd_inside (fd, rel, policy, shown);
    }
  *out_err = err;
  return fd;
}

static void
check_open (const char *rel, const char *shown)
{
  static const DsSymlinks policies[]
      = { DS_SYMLINKS_INSIDE, DS_SYMLINKS_NONE, DS_SYMLINKS_FOLLOW };
  static const char *const names[] = { "inside", "follow", "none" };

  for (gsize i = 0; i < G_N_ELEMENTS (policies); i++)
    {
      int e2 = 0, ew = 0;
      int fd2 = open_with (rel, policies[i], FALSE, &e2, shown);
      int fdw = open_with (rel, policies[i], TRUE, &ew, shown);

      FUZZ_CHECK ((fd2 >= 0) == (fdw >= 0) && e2 == ew,
                  "resolvers disagree under %s for rel \"%s\": openat2 %s (errno %d), walk %s "
                  "(errno %d); input \"%s\"",
                  names[policies[i]], rel, fd2 >= 0 ? "opened" : "failed", e2,
                  fdw >= 0 ? "opened" : "failed", ew, shown);
      if (fd2 >= 0)
        {
          struct stat s2, sw;
          FUZZ_CHECK (fstat (fd2, &s2) == 0 && fstat (fdw, &sw) == 0 && s2.st_dev == sw.st_dev
                          && s2.st_ino == sw.st_ino,
                      "resolvers opened different files under %s for rel \"%s\"",
                      names[policies[i]], rel);
          close (fd2);
          close (fdw);
        }
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  /* Exact-size copy: no NUL after the bytes, so an over-read is caught. */
  char *raw = g_malloc (size > 0 ? size : 1);
  memcpy (raw, data, size);
  g_autofree char *shown = fuzz_show (data, size);

  char *rel[2] = { NULL, NULL };
  gboolean dir_slash[2] = { FALSE, FALSE };
  DsPathResult res[2];
  static const DsDotfiles policies[2] = { DS_DOTFILES_DENY, DS_DOTFILES_ALLOW };

  for (int i = 0; i < 2; i++)
    {
      res[i] = ds_path_sanitize (raw, size, policies[i], &rel[i], &dir_slash[i]);
      FUZZ_CHECK (res[i] == DS_PATH_OK || res[i] == DS_PATH_BAD_REQUEST
                      || res[i] == DS_PATH_NOT_FOUND,
                  "result %d for \"%s\"", (int) res[i], shown);
      FUZZ_CHECK ((res[i] == DS_PATH_OK) == (rel[i] != NULL),
                  "out_rel set %s result for \"%s\"", rel[i] != NULL ? "without OK" : "missing on OK",
                  shown);
    }

  /* Dotfiles are decided after every 400 rule. */
  FUZZ_CHECK (res[1] != DS_PATH_NOT_FOUND, "ALLOW answered NOT_FOUND for \"%s\"", shown);
  if (res[1] == DS_PATH_BAD_REQUEST)
    FUZZ_CHECK (res[0] == DS_PATH_BAD_REQUEST, "DENY %d but ALLOW 400 for \"%s\"", (int) res[0],
                shown);
  if (res[0] == DS_PATH_OK)
    FUZZ_CHECK (res[1] == DS_PATH_OK && strcmp (rel[0], rel[1]) == 0
                    && dir_slash[0] == dir_slash[1],
                "DENY OK \"%s\" but ALLOW %d for \"%s\"", rel[0], (int) res[1], shown);

  for (int i = 0; i < 2; i++)
    {
      if (res[i] != DS_PATH_OK)
        continue;

      g_autofree char *why = NULL;
      FUZZ_CHECK (is_well_formed_rel (rel[i], policies[i], &why),
                  "bad rel \"%s\" (%s) from \"%s\"", rel[i], why, shown);
      if (rel[i][0] == '\0')
        FUZZ_CHECK (dir_slash[i], "root without dir_slash from \"%s\"", shown);

      /* Round trip through the encoder. */
      g_autofree char *enc = ds_path_encode (rel[i]);
      char *back = NULL;
      gboolean back_slash = FALSE;
      DsPathResult r = ds_path_sanitize (enc, strlen (enc), policies[i], &back, &back_slash);
      FUZZ_CHECK (r == DS_PATH_OK && strcmp (back, rel[i]) == 0
                      && back_slash == (rel[i][0] == '\0'),
                  "encode round trip: rel \"%s\" encoded \"%s\" gave %d \"%s\" (input \"%s\")",
                  rel[i], enc, (int) r, back != NULL ? back : "(null)", shown);
      for (const char *c = enc; *c != '\0'; c++)
        FUZZ_CHECK ((guchar) *c > 0x20 && (guchar) *c < 0x7f && *c != '"' && *c != '<',
                    "encoded \"%s\" holds byte 0x%02x", enc, (guchar) *c);
      g_free (back);
    }

  /* DENY's rel equals ALLOW's when both are OK: open it once. */
  if (res[1] == DS_PATH_OK)
    check_open (rel[1], shown);

  g_free (rel[0]);
  g_free (rel[1]);
  g_free (raw);
  return 0;
}
