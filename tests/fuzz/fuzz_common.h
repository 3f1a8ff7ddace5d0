/* fuzz_common.h: small helpers shared by the libFuzzer harnesses.
 *
 * Header-only (static functions), so each harness is one translation unit
 * linked against the project's sources and nothing else.
 *
 * Conventions for every harness:
 * - A property violation calls FUZZ_CHECK, which prints the reason and
 *   abort()s, so libFuzzer reports it as a crash and saves the input.
 * - GLib criticals and warnings (g_return_val_if_fail, g_warning) are made
 *   fatal: a pure module hitting one on client bytes is a bug.
 * - Temporary files live under $TMPDIR (run.sh points it at its own
 *   scratch directory) and are removed at exit. */
#pragma once

#include <ftw.h>
#include <glib.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_CHECK(cond, ...)                                                                    \
  do                                                                                             \
    {                                                                                            \
      if (!(cond))                                                                               \
        {                                                                                        \
          fprintf (stderr, "\nFUZZ PROPERTY FAILED at %s:%d: %s\n  ", __FILE__, __LINE__, #cond); \
          fprintf (stderr, __VA_ARGS__);                                                         \
          fprintf (stderr, "\n");                                                                \
          abort ();                                                                              \
        }                                                                                        \
    }                                                                                            \
  while (0)

static inline void
fuzz_log_handler (const char *domain, GLogLevelFlags level, const char *message, gpointer data)
{
  (void) data;
  if ((level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING)) == 0)
    return;
  fprintf (stderr, "\nFUZZ GLIB %s: %s: %s\n",
           (level & G_LOG_LEVEL_ERROR) ? "ERROR" : (level & G_LOG_LEVEL_CRITICAL) ? "CRITICAL" : "WARNING",
           domain != NULL ? domain : "(no domain)", message);
  /* abort(), not GLib's fatal path: that raises SIGTRAP, which libFuzzer
   * does not catch. */
  abort ();
}

/* Makes g_critical/g_warning/g_error abort; call once from
 * LLVMFuzzerInitialize.  Messages and debug output are dropped. */
static inline void
fuzz_glib_fatal (void)
{
  g_log_set_default_handler (fuzz_log_handler, NULL);
  g_log_set_handler (NULL, G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING
                               | G_LOG_FLAG_FATAL | G_LOG_FLAG_RECURSION,
                     fuzz_log_handler, NULL);
}

/* libFuzzer's entry points (every harness defines both). */
int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* The LLVMFuzzerInitialize of a harness that needs no set-up of its own:
 * GLib's warnings made fatal (fuzz_glib_fatal). */
#define FUZZ_DEFAULT_INITIALIZE                                                                  \
  int LLVMFuzzerInitialize (int *argc, char ***argv)                                             \
  {                                                                                              \
    (void) argc;                                                                                 \
    (void) argv;                                                                                 \
    fuzz_glib_fatal ();                                                                          \
    return 0;                                                                                    \
  }

/* @len bytes of @data as a C string literal body, for messages; caller
 * frees. */
static inline char *
fuzz_show (const void *data, size_t len)
{
  const unsigned char *p = data;
  GString *out = g_string_new (NULL);

  for (size_t i = 0; i < len; i++)
    {
      if (p[i] == '"' || p[i] == '\\')
        g_string_append_printf (out, "\\%c", p[i]);
      else if (p[i] >= 0x20 && p[i] < 0x7f)
        g_string_append_c (out, (char) p[i]);
      else
        /* Octal, always three digits: never merges with a following digit. */
        g_string_append_printf (out, "\\%03o", p[i]);
    }
  return g_string_free (out, FALSE);
}

/* A cursor over the fuzzer's input. */
typedef struct
{
  const uint8_t *p;
  size_t left;
} FuzzInput;

/* Up to 8 bytes, little-endian; missing bytes are 0. */
static inline uint64_t
fuzz_take_u64 (FuzzInput *in, size_t nbytes)
{
  uint64_t v = 0;

  for (size_t i = 0; i < nbytes && in->left > 0; i++, in->p++, in->left--)
    v |= (uint64_t) *in->p << (8 * i);
  return v;
}

/* The bytes up to the next @sep (or the end) as a new NUL-terminated
 * string, and moves past the separator.  An embedded NUL (when @sep is not
 * NUL) ends the C string early, as it would for a header from the server.
 * Returns NULL when the input is exhausted (so absent fields are NULL);
 * caller frees. */
static inline char *
fuzz_take_field (FuzzInput *in, uint8_t sep)
{
  if (in->left == 0)
    return NULL;

  const uint8_t *end = memchr (in->p, sep, in->left);
  size_t len = end != NULL ? (size_t) (end - in->p) : in->left;
  char *s = g_strndup ((const char *) in->p, len);

  in->p += len;
  in->left -= len;
  if (end != NULL)
    {
      in->p++;
      in->left--;
    }
  return s;
}

/* A private scratch directory below $TMPDIR (or /tmp), made once. */
static inline const char *
fuzz_scratch_dir (void)
{
  static char *dir;

  if (dir == NULL)
    {
      GError *error = NULL;
      dir = g_dir_make_tmp ("docserve-fuzz-XXXXXX", &error);
      if (dir == NULL)
        {
          fprintf (stderr, "fuzz: cannot make a scratch directory: %s\n", error->message);
          abort ();
        }
    }
  return dir;
}

static inline int
fuzz_rm_one (const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
  (void) st;
  (void) flag;
  (void) ftw;
  remove (path);
  return 0;
}

/* Removes @path recursively; symlinks are removed, never followed. */
static inline void
fuzz_rm_rf (const char *path)
{
  nftw (path, fuzz_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* ---- a small RFC 8259 checker, for the JSON the server writes ---- */

typedef struct
{
  const char *p;
  const char *end;
  int depth;
} FuzzJson;

static inline gboolean fuzz_json_value (FuzzJson *j, int *out_keys);

static inline void
fuzz_json_ws (FuzzJson *j)
{
  while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r'))
    j->p++;
}

static inline gboolean
fuzz_json_string (FuzzJson *j)
{
  if (j->p >= j->end || *j->p != '"')
    return FALSE;
  j->p++;
  while (j->p < j->end)
    {
      guchar c = (guchar) *j->p;
      if (c == '"')
        {
          j->p++;
          return TRUE;
        }
      if (c < 0x20)
        return FALSE; /* a raw control character */
      if (c == '\\')
        {
          j->p++;
          if (j->p >= j->end)
            return FALSE;
          if (*j->p == 'u')
            {
              for (int i = 1; i <= 4; i++)
                if (j->p + i >= j->end || !g_ascii_isxdigit (j->p[i]))
                  return FALSE;
              j->p += 5;
              continue;
            }
          if (*j->p == '\0' || strchr ("\"\\/bfnrt", *j->p) == NULL)
            return FALSE;
        }
      j->p++;
    }
  return FALSE;
}

static inline gboolean
fuzz_json_number (FuzzJson *j)
{
  if (j->p < j->end && *j->p == '-')
    j->p++;
  if (j->p >= j->end || !g_ascii_isdigit (*j->p))
    return FALSE;
  if (*j->p == '0' && j->p + 1 < j->end && g_ascii_isdigit (j->p[1]))
    return FALSE; /* leading zero */
  while (j->p < j->end && g_ascii_isdigit (*j->p))
    j->p++;
  if (j->p < j->end && *j->p == '.')
    {
      j->p++;
      if (j->p >= j->end || !g_ascii_isdigit (*j->p))
        return FALSE;
      while (j->p < j->end && g_ascii_isdigit (*j->p))
        j->p++;
    }
  return TRUE;
}

static inline gboolean
fuzz_json_literal (FuzzJson *j, const char *word)
{
  gsize n = strlen (word);
  if ((gsize) (j->end - j->p) < n || memcmp (j->p, word, n) != 0)
    return FALSE;
  j->p += n;
  return TRUE;
}

/* Object or array: members separated by ',', possibly none. */
static inline gboolean
fuzz_json_container (FuzzJson *j, gboolean object, int *out_keys)
{
  char close = object ? '}' : ']';
  int keys = 0;

  j->p++;
  fuzz_json_ws (j);
  if (j->p < j->end && *j->p == close)
    {
      j->p++;
      if (out_keys != NULL)
        *out_keys = 0;
      return TRUE;
    }
  for (;;)
    {
      fuzz_json_ws (j);
      if (object)
        {
          if (!fuzz_json_string (j))
            return FALSE;
          keys++;
          fuzz_json_ws (j);
          if (j->p >= j->end || *j->p != ':')
            return FALSE;
          j->p++;
          fuzz_json_ws (j);
        }
      if (!fuzz_json_value (j, NULL))
        return FALSE;
      fuzz_json_ws (j);
      if (j->p < j->end && *j->p == ',')
        {
          j->p++;
          continue;
        }
      if (j->p < j->end && *j->p == close)
        {
          j->p++;
          if (out_keys != NULL)
            *out_keys = keys;
          return TRUE;
        }
      return FALSE;
    }
}

static inline gboolean
fuzz_json_value (FuzzJson *j, int *out_keys)
{
  fuzz_json_ws (j);
  if (j->p >= j->end || ++j->depth > 64)
    return FALSE;

  gboolean ok;
  switch (*j->p)
    {
    case '{':
      ok = fuzz_json_container (j, TRUE, out_keys);
      break;
    case '[':
      ok = fuzz_json_container (j, FALSE, NULL);
      break;
    case '"':
      ok = fuzz_json_string (j);
      break;
    case 'n':
      ok = fuzz_json_literal (j, "null");
      break;
    case 't':
      ok = fuzz_json_literal (j, "true");
      break;
    case 'f':
      ok = fuzz_json_literal (j, "false");
      break;
    default:
      ok = fuzz_json_number (j);
      break;
    }
  j->depth--;
  return ok;
}

/* Whether @len bytes at @s are one JSON value (surrounding whitespace
 * allowed) in valid UTF-8.  If it is an object, *out_keys (may be NULL) is
 * its number of members. */
static inline gboolean
fuzz_json_valid (const char *s, gsize len, int *out_keys)
{
  FuzzJson j = { s, s + len, 0 };

  if (!g_utf8_validate_len (s, len, NULL))
    return FALSE;
  if (!fuzz_json_value (&j, out_keys))
    return FALSE;
  fuzz_json_ws (&j);
  return j.p == j.end;
}
