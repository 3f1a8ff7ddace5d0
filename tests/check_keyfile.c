/* check_keyfile.c: the strict key-file reader (keyfile.c) on its own,
 * with a small key table of its own: which files load and the line of each
 * key, which are refused and with what "FILE:LINE: ..." message, and the
 * values read back (escapes, lists, booleans).  check_conf covers the same
 * reader through the option table. */
#include "config.h"

#include "docserve/keyfile.h"

#include "docserve/common.h"

#include "scratch.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#define GROUP "docserve"
#define BAD_ESCAPE "has an invalid escape (a backslash before a letter other than s, n, t, r)"

static DsKeyType
key_type (const char *key)
{
  static const struct
  {
    const char *name;
    DsKeyType type;
  } keys[] = {
    { "root", DS_KEY_STRING },     { "port", DS_KEY_STRING },
    { "index", DS_KEY_LIST },      { "header", DS_KEY_LIST },
    { "listing", DS_KEY_BOOLEAN }, { "no-cache", DS_KEY_BOOLEAN },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (keys); i++)
    if (strcmp (keys[i].name, key) == 0)
      return keys[i].type;
  return DS_KEY_UNKNOWN;
}

/* Writes @len bytes of @text (-1: up to its NUL) to a key file and loads
 * it; *@out_path (caller frees) names the file. */
static DsKeyFile *
load_text (const char *text, gssize len, char **out_path, GError **error)
{
  *out_path = scratch_write (scratch_dir, "test.conf", text, len);
  return ds_keyfile_load (*out_path, GROUP, key_type, error);
}

/* "key:line key:line ..." for the keys of @kf, in order; caller frees. */
static char *
keys_to_string (const DsKeyFile *kf)
{
  GString *s = g_string_new ("");

  for (guint i = 0; i < ds_keyfile_n_keys (kf); i++)
    g_string_append_printf (s, "%s%s:%u", i > 0 ? " " : "", ds_keyfile_key (kf, i),
                            ds_keyfile_line (kf, i));
  return g_string_free (s, FALSE);
}

/* ---- files that load --------------------------------------------------- */

typedef struct
{
  const char *text;
  const char *want; /* keys_to_string */
} LoadOkRow;

static const LoadOkRow load_ok_rows[] = {
  { "", "" },
  { "[docserve]\n", "" },
  { "# comment\n\n[docserve]\nroot=/srv\nport=80\n", "root:4 port:5" },
  /* File order, not the table's or the alphabet's. */
  { "[docserve]\nport=1\nindex=a\nroot=x\n", "port:2 index:3 root:4" },
  /* Blank lines and comments count as lines. */
  { "\n\n\n[docserve]\n\n# x\nlisting=true\n", "listing:7" },
  /* Blanks before a line, around '=' and after "]". */
  { "  [docserve]  \n\t root   =   x\n", "root:2" },
  { "[docserve]\r\nroot=x\r\n\r\nport=1\r\n", "root:2 port:4" },
  /* A last line without '\n'. */
  { "[docserve]\nroot=x", "root:2" },
  /* A commented-out key is no key. */
  { "[docserve]\n# root=x\n   # port = 2\nport=1\n", "port:4" },
  /* '=' and '#' inside a value belong to it. */
  { "[docserve]\nheader=X-A: a=b # c\n", "header:2" },
  { "[docserve]\nroot=\n", "root:2" },
  /* The group given twice is still the one group. */
  { "[docserve]\nroot=x\n[docserve]\nport=1\n", "root:2 port:4" },
  { "[docserve]\nno-cache=true\n", "no-cache:2" }, /* itself a key, not "no-" + "cache" */
};

START_TEST (test_load_ok)
{
  const LoadOkRow *row = &load_ok_rows[_i];
  g_autofree char *path = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (DsKeyFile) kf = load_text (row->text, -1, &path, &error);

  ck_assert_msg (kf != NULL, "\"%s\": refused: %s", row->text,
                 error != NULL ? error->message : "(no error set)");
  ck_assert_msg (error == NULL, "\"%s\": loaded but an error is set", row->text);
  g_autofree char *got = keys_to_string (kf);
  ck_assert_msg (strcmp (got, row->want) == 0, "\"%s\": keys \"%s\", want \"%s\"", row->text,
                 got, row->want);
}
END_TEST

/* ---- files that are refused -------------------------------------------- */

typedef struct
{
  const char *text;
  gssize len;              /* -1: up to the NUL */
  const char *want;        /* the whole message, "@FILE@" for the path */
} LoadBadRow;

static const LoadBadRow load_bad_rows[] = {
  { "[docserve]\n\n# x\nbogus=1\n", -1, "@FILE@:4: unknown key \"bogus\"" },
  /* Keys are case-sensitive. */
  { "[docserve]\nRoot=x\n", -1, "@FILE@:2: unknown key \"Root\"" },
  /* "no-X" for a boolean X: the message names the key. */
  { "[docserve]\nno-listing=true\n", -1,
    "@FILE@:2: unknown key \"no-listing\" (the key is \"listing\", true or false)" },
  /* ... but only for a boolean. */
  { "[docserve]\nno-root=x\n", -1, "@FILE@:2: unknown key \"no-root\"" },
  /* A localised key is not a setting. */
  { "[docserve]\nroot[de]=x\n", -1, "@FILE@:2: unknown key \"root[de]\"" },
  /* Control bytes in a name are escaped: the message stays one line. */
  { "[docserve]\nro\001ot=x\n", -1, "@FILE@:2: unknown key \"ro\\001ot\"" },
  { "[docserve]\nro\rot=x\n", -1, "@FILE@:2: unknown key \"ro\\rot\"" },
  { "[other]\n", -1, "@FILE@:1: unknown group [other] (the only group is [docserve])" },
  { "[Docserve]\n", -1, "@FILE@:1: unknown group [Docserve] (the only group is [docserve])" },
  { "[]\n", -1, "@FILE@:1: unknown group [] (the only group is [docserve])" },
  { "[docserve]\nroot=x\n\n[extra]\nport=1\n", -1,
    "@FILE@:4: unknown group [extra] (the only group is [docserve])" },
  { "[do\tcs]\n", -1, "@FILE@:1: unknown group [do\\tcs] (the only group is [docserve])" },
  { "[docserve\n", -1, "@FILE@:1: malformed group line" },
  { "[docserve] x\n", -1, "@FILE@:1: malformed group line" },
  { "[docserve]]\n", -1, "@FILE@:1: malformed group line" },
  { "[docserve] # c\n", -1, "@FILE@:1: malformed group line" }, /* no comments after it */
  /* A CR alone does not end a line. */
  { "[docserve]\rroot=x\r\n", -1, "@FILE@:1: malformed group line" },
  { "root=x\n[docserve]\n", -1, "@FILE@:1: key before the [docserve] line" },
  { "# c\n\nroot=x\n", -1, "@FILE@:3: key before the [docserve] line" },
  { "[docserve]\nroot\n", -1,
    "@FILE@:2: expected \"key = value\", \"[docserve]\" or a # comment" },
  { "[docserve]\n=x\n", -1, "@FILE@:2: expected \"key = value\", \"[docserve]\" or a # comment" },
  { "[docserve]\n   = x\n", -1,
    "@FILE@:2: expected \"key = value\", \"[docserve]\" or a # comment" },
  /* ';' starts no comment in a key file. */
  { "[docserve]\n; note\n", -1,
    "@FILE@:2: expected \"key = value\", \"[docserve]\" or a # comment" },
  /* A repeated key, whatever the blanks, names both lines. */
  { "[docserve]\nroot=a\nport=1\nroot=b\n", -1, "@FILE@:4: root: set again (first set on line 2)" },
  { "[docserve]\nroot=a\n  root =  a\n", -1, "@FILE@:3: root: set again (first set on line 2)" },
  { "[docserve]\nroot=a\n[docserve]\nroot=b\n", -1,
    "@FILE@:4: root: set again (first set on line 2)" },
  /* The first problem is the one reported. */
  { "[docserve]\nbogus=1\n[other]\n", -1, "@FILE@:2: unknown key \"bogus\"" },
  { "[docserve]\nbogus=1\nbogus=2\n", -1, "@FILE@:2: unknown key \"bogus\"" },
  /* Whole-file problems: no line. */
  { "[docserve]\nroot=a\0b\n", 20, "@FILE@: contains a NUL byte" },
  { "\0", 1, "@FILE@: contains a NUL byte" },
  /* Passes the line scan, refused by GKeyFile (the last line keeps its
   * CR there): GLib's reason, escaped. */
  { "[docserve]\r", -1, "@FILE@: " },
};

START_TEST (test_load_bad)
{
  const LoadBadRow *row = &load_bad_rows[_i];
  g_autofree char *path = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *shown = g_strescape (row->text, NULL);
  g_autoptr (DsKeyFile) kf = load_text (row->text, row->len, &path, &error);

  ck_assert_msg (kf == NULL, "\"%s\": loaded, want \"%s\"", shown, row->want);
  ck_assert_msg (g_error_matches (error, DS_ERROR, DS_ERROR_USAGE),
                 "\"%s\": error %s/%d, want DS_ERROR_USAGE", shown,
                 error != NULL ? g_quark_to_string (error->domain) : "none",
                 error != NULL ? error->code : -1);

  g_autoptr (GString) want = g_string_new (row->want);
  g_string_replace (want, "@FILE@", path, 0);
  if (g_str_has_suffix (want->str, ": "))
    ck_assert_msg (g_str_has_prefix (error->message, want->str)
                       && strlen (error->message) > want->len,
                   "\"%s\": message \"%s\", want \"%s...\"", shown, error->message, want->str);
  else
    ck_assert_msg (strcmp (error->message, want->str) == 0, "\"%s\": message \"%s\", want \"%s\"",
                   shown, error->message, want->str);
  ck_assert_msg (strpbrk (error->message, "\r\n") == NULL, "\"%s\": message has a line break: %s",
                 shown, error->message);
}
END_TEST

/* Files that cannot be read as a key file at all. */
START_TEST (test_load_unreadable)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *missing = g_build_filename (scratch_dir, "missing.conf", NULL);
  g_autoptr (DsKeyFile) kf = ds_keyfile_load (missing, GROUP, key_type, &error);
  g_autofree char *want = g_strconcat (missing, ": No such file or directory", NULL);

  ck_assert_msg (kf == NULL && g_error_matches (error, DS_ERROR, DS_ERROR_USAGE)
                     && strcmp (error->message, want) == 0,
                 "%s: %s, want \"%s\"", missing, error != NULL ? error->message : "loaded", want);
  g_clear_error (&error);

  kf = ds_keyfile_load (scratch_dir, GROUP, key_type, &error);
  g_autofree char *want_dir = g_strconcat (scratch_dir, ": Is a directory", NULL);
  ck_assert_msg (kf == NULL && error != NULL && strcmp (error->message, want_dir) == 0,
                 "%s: %s, want \"%s\"", scratch_dir, error != NULL ? error->message : "loaded",
                 want_dir);
}
END_TEST

/* A file name with a line break: every message stays one line. */
START_TEST (test_load_path_escaped)
{
  static const char *const texts[] = { "[docserve]\nbogus=1\n", "[docserve]\r" };

  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autofree char *path = scratch_write (scratch_dir, "a\nb.conf", texts[i], -1);
      g_autoptr (DsKeyFile) kf = ds_keyfile_load (path, GROUP, key_type, &error);

      ck_assert_msg (kf == NULL && error != NULL, "\"%s\": loaded", texts[i]);
      ck_assert_msg (strpbrk (error->message, "\r\n") == NULL && strstr (error->message, "a\\nb.conf"),
                     "message has a line break or no escaped name: %s", error->message);
    }
}
END_TEST

/* 1 MiB is the limit: a file of exactly that loads, one byte more not. */
START_TEST (test_load_size_limit)
{
  const gsize limit = 1024 * 1024;

  for (gsize size = limit; size <= limit + 1; size++)
    {
      /* "[docserve]\n", then comment lines, then "root=x\n" at the end so
       * that the scan provably went through the whole file. */
      g_autoptr (GString) text = g_string_new ("[docserve]\n");
      const char *last = "root=x\n";
      while (text->len + strlen (last) < size)
        {
          gsize room = size - strlen (last) - text->len;
          gsize n = MIN (room, 100);
          if (n == 1)
            g_string_append_c (text, '\n');
          else
            {
              g_string_append_c (text, '#');
              g_string_append_len (text, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
                                         "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
                                   (gssize) n - 2);
              g_string_append_c (text, '\n');
            }
        }
      g_string_append (text, last);
      ck_assert_uint_eq (text->len, size);

      g_autofree char *path = NULL;
      g_autoptr (GError) error = NULL;
      g_autoptr (DsKeyFile) kf = load_text (text->str, (gssize) text->len, &path, &error);
      if (size == limit)
        {
          ck_assert_msg (kf != NULL, "%zu bytes: refused: %s", size,
                         error != NULL ? error->message : "?");
          ck_assert_uint_eq (ds_keyfile_n_keys (kf), 1);
          ck_assert_str_eq (ds_keyfile_key (kf, 0), "root");
        }
      else
        {
          g_autofree char *want = g_strconcat (path, ": larger than 1 MiB", NULL);
          ck_assert_msg (kf == NULL && error != NULL && strcmp (error->message, want) == 0,
                         "%zu bytes: %s, want \"%s\"", size,
                         error != NULL ? error->message : "loaded", want);
        }
    }
}
END_TEST

/* ---- values ------------------------------------------------------------ */

typedef enum
{
  GET_STRING,
  GET_LIST,
  GET_BOOLEAN
} GetKind;

typedef struct
{
  const char *line; /* after "[docserve]\n" */
  const char *key;
  GetKind kind;
  const char *want;  /* the string; each item as "<item>"; "1"/"0"; NULL: refused */
  const char *error; /* when refused: the whole message */
} GetRow;

static const GetRow get_rows[] = {
  { "root=plain", "root", GET_STRING, "plain", NULL },
  /* GKeyFile drops blanks after '=', keeps those at the end. */
  { "root =  a b ", "root", GET_STRING, "a b ", NULL },
  { "root=\\sa", "root", GET_STRING, " a", NULL },
  { "root=a\\nb\\tc\\rd\\\\e", "root", GET_STRING, "a\nb\tc\rd\\e", NULL },
  { "root=a;b", "root", GET_STRING, "a;b", NULL }, /* no lists in a string */
  { "root=", "root", GET_STRING, "", NULL },
  { "root=caf\303\251", "root", GET_STRING, "caf\303\251", NULL },
  { "root=\\\\s", "root", GET_STRING, "\\s", NULL },
  /* keyfile.h promises to refuse values that are not UTF-8. */
  { "root=a\377b", "root", GET_STRING, NULL, "root: is not valid UTF-8" },
  { "index=a;\377", "index", GET_LIST, NULL, "index: is not valid UTF-8" },
  /* "\;" is for lists only. */
  { "root=a\\;b", "root", GET_STRING, NULL, "root: \"a\\\\;b\" " BAD_ESCAPE },
  { "root=a\\o", "root", GET_STRING, NULL, "root: \"a\\\\o\" " BAD_ESCAPE },
  { "root=a\\", "root", GET_STRING, NULL, "root: \"a\\\\\" ends with a backslash" },
  /* Two bad escapes: one error (GLib's own getter would set its GError twice). */
  { "root=\\o\\o", "root", GET_STRING, NULL, "root: \"\\\\o\\\\o\" " BAD_ESCAPE },
  { "index=a;b", "index", GET_LIST, "<a><b>", NULL },
  { "index=a;b;", "index", GET_LIST, "<a><b>", NULL }, /* a trailing ';' ends the list */
  { "index=", "index", GET_LIST, "", NULL },           /* no items at all */
  { "index=;", "index", GET_LIST, "<>", NULL },        /* one empty item */
  { "index=a;;b", "index", GET_LIST, "<a><><b>", NULL },
  { "index=a ; b ", "index", GET_LIST, "<a >< b >", NULL }, /* items are not trimmed */
  { "index=a\\;b;c", "index", GET_LIST, "<a;b><c>", NULL },
  { "index=a\\;", "index", GET_LIST, "<a;>", NULL },
  { "index=\\\\;x", "index", GET_LIST, "<\\><x>", NULL }, /* "\\" then a separator */
  { "index=a\\sb;\\tc", "index", GET_LIST, "<a b><\tc>", NULL },
  { "index=a;b\\", "index", GET_LIST, NULL, "index: \"a;b\\\\\" ends with a backslash" },
  { "index=a;\\x", "index", GET_LIST, NULL, "index: \"a;\\\\x\" " BAD_ESCAPE },
  { "listing=true", "listing", GET_BOOLEAN, "1", NULL },
  { "listing=false", "listing", GET_BOOLEAN, "0", NULL },
  { "listing=1", "listing", GET_BOOLEAN, "1", NULL },
  { "listing=0", "listing", GET_BOOLEAN, "0", NULL },
  { "listing=True", "listing", GET_BOOLEAN, NULL, "listing: \"True\" is not true or false" },
  { "listing=yes", "listing", GET_BOOLEAN, NULL, "listing: \"yes\" is not true or false" },
  { "listing=", "listing", GET_BOOLEAN, NULL, "listing: \"\" is not true or false" },
  { "listing=2", "listing", GET_BOOLEAN, NULL, "listing: \"2\" is not true or false" },
  { "listing=tru\\e", "listing", GET_BOOLEAN, NULL,
    "listing: \"tru\\\\e\" is not true or false" },
  { "no-cache=true", "no-cache", GET_BOOLEAN, "1", NULL },
  /* Any key may be read any way: the caller's table decides. */
  { "root=a;b", "root", GET_LIST, "<a><b>", NULL },
};

/* Reads @row->key from @kf as @row->kind; the value formatted as GetRow's
 * want, or NULL with @error set. */
static char *
get_value (const DsKeyFile *kf, const GetRow *row, GError **error)
{
  switch (row->kind)
    {
    case GET_STRING:
      {
        char *v = NULL;
        return ds_keyfile_get_string (kf, row->key, &v, error) ? v : NULL;
      }
    case GET_LIST:
      {
        g_auto (GStrv) items = NULL;
        if (!ds_keyfile_get_list (kf, row->key, &items, error))
          return NULL;
        GString *s = g_string_new ("");
        for (guint i = 0; items[i] != NULL; i++)
          g_string_append_printf (s, "<%s>", items[i]);
        return g_string_free (s, FALSE);
      }
    case GET_BOOLEAN:
    default:
      {
        gboolean b = 2;
        if (!ds_keyfile_get_boolean (kf, row->key, &b, error))
          return NULL;
        ck_assert_msg (b == TRUE || b == FALSE, "boolean %d", b);
        return g_strdup (b ? "1" : "0");
      }
    }
}

START_TEST (test_get)
{
  const GetRow *row = &get_rows[_i];
  g_autofree char *text = g_strconcat ("[docserve]\n", row->line, "\n", NULL);
  g_autofree char *shown = g_strescape (row->line, NULL);
  g_autofree char *path = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (DsKeyFile) kf = load_text (text, -1, &path, &error);

  ck_assert_msg (kf != NULL, "\"%s\": refused: %s", shown, error != NULL ? error->message : "?");
  g_autofree char *got = get_value (kf, row, &error);
  g_autofree char *got_shown = got != NULL ? g_strescape (got, NULL) : NULL;
  g_autofree char *want_shown = row->want != NULL ? g_strescape (row->want, NULL) : NULL;
  if (row->want != NULL)
    {
      ck_assert_msg (got != NULL, "\"%s\": refused: %s", shown,
                     error != NULL ? error->message : "(no error set)");
      ck_assert_msg (strcmp (got, row->want) == 0, "\"%s\": got \"%s\", want \"%s\"", shown,
                     got_shown, want_shown);
    }
  else
    {
      ck_assert_msg (got == NULL, "\"%s\": got \"%s\", want the error \"%s\"", shown, got_shown,
                     row->error);
      ck_assert_msg (g_error_matches (error, DS_ERROR, DS_ERROR_USAGE)
                         && strcmp (error->message, row->error) == 0,
                     "\"%s\": error \"%s\", want \"%s\"", shown,
                     error != NULL ? error->message : "(none)", row->error);
    }
}
END_TEST

/* A key that is in the table but not in the file: an error naming it. */
START_TEST (test_get_absent)
{
  g_autofree char *path = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (DsKeyFile) kf = load_text ("[docserve]\nroot=x\n", -1, &path, &error);
  g_autofree char *value = NULL;
  gboolean b = FALSE;

  ck_assert (kf != NULL);
  ck_assert (!ds_keyfile_get_string (kf, "port", &value, &error));
  ck_assert_msg (error != NULL && g_str_has_prefix (error->message, "port: "), "error \"%s\"",
                 error != NULL ? error->message : "(none)");
  ck_assert_ptr_null (value);
  g_clear_error (&error);
  ck_assert (!ds_keyfile_get_boolean (kf, "listing", &b, &error));
  ck_assert (error != NULL);
}
END_TEST

static Suite *
keyfile_suite (void)
{
  Suite *s = suite_create ("keyfile");
  TCase *tc = tcase_create ("load");

  tcase_add_unchecked_fixture (tc, scratch_setup, scratch_teardown);
  tcase_add_loop_test (tc, test_load_ok, 0, G_N_ELEMENTS (load_ok_rows));
  tcase_add_loop_test (tc, test_load_bad, 0, G_N_ELEMENTS (load_bad_rows));
  tcase_add_test (tc, test_load_unreadable);
  tcase_add_test (tc, test_load_path_escaped);
  tcase_add_test (tc, test_load_size_limit);
  suite_add_tcase (s, tc);

  tc = tcase_create ("get");
  tcase_add_unchecked_fixture (tc, scratch_setup, scratch_teardown);
  tcase_add_loop_test (tc, test_get, 0, G_N_ELEMENTS (get_rows));
  tcase_add_test (tc, test_get_absent);
  suite_add_tcase (s, tc);
  return s;
}

int
main (void)
{
  SRunner *sr = srunner_create (keyfile_suite ());

  srunner_run_all (sr, CK_NORMAL);
  int failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
