/* fuzz_manname.c: every function of manname.h on arbitrary bytes.
 *
 * Input: up to the first NUL, a string used as a file name (in each section
 * directory of a few), a request segment and roff source; the whole input
 * (exact-size copy) as roff source too.
 *
 * Properties:
 * - a name or section accepted for a request never holds '/', '\\', a
 *   control byte or space, is never "." or "..", never starts with '.', is
 *   valid UTF-8 and within its length bound;
 * - a parsed file name gives a valid name and a valid section whose first
 *   character is the directory's, and NAME.SECTION[.gz] is the input;
 * - the section order and natural order are antisymmetric and reflexive;
 *   the distance is symmetric, 0 only for equal strings, within the limit;
 * - a .so target is "manS/FILE" that parses; a description is valid UTF-8
 *   without control bytes other than none at all. */
#include "config.h"

#include "docserve/common.h"
#include "docserve/manname.h"

#include "fuzz_common.h"

FUZZ_DEFAULT_INITIALIZE

static void
check_segment (const char *s, const char *shown)
{
  gboolean name = ds_manname_valid_name (s), section = ds_manname_valid_section (s);
  if (!name && !section)
    return;
  FUZZ_CHECK (s[0] != '\0' && s[0] != '.' && strchr (s, '/') == NULL && strchr (s, '\\') == NULL
                  && g_utf8_validate (s, -1, NULL),
              "accepted \"%s\"", shown);
  for (const char *c = s; *c != '\0'; c++)
    FUZZ_CHECK ((guchar) *c > 0x20 && *c != 0x7f, "accepted control byte in \"%s\"", shown);
  if (section)
    FUZZ_CHECK (strlen (s) < DS_MANNAME_MAX_SECTION, "long section \"%s\"", shown);
  if (name)
    FUZZ_CHECK (strlen (s) <= DS_MANNAME_MAX_NAME, "long name \"%s\"", shown);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  char *raw = g_malloc (size > 0 ? size : 1);
  memcpy (raw, data, size);
  g_autofree char *str = g_strndup ((const char *) data, size);
  g_autofree char *shown = fuzz_show (data, size);

  check_segment (str, shown);

  static const char *const dirs[] = { "1", "3", "n", "8" };
  for (gsize i = 0; i < G_N_ELEMENTS (dirs); i++)
    {
      char *name = NULL, *section = NULL;
      gboolean gz = FALSE;
      if (!ds_manname_parse_file (str, dirs[i], &name, &section, &gz))
        {
          FUZZ_CHECK (name == NULL && section == NULL, "outputs set on failure");
          continue;
        }
      FUZZ_CHECK (ds_manname_valid_name (name) && ds_manname_valid_section (section)
                      && section[0] == dirs[i][0],
                  "parsed \"%s\" into bad \"%s\" \"%s\"", shown, name, section);
      g_autofree char *again = g_strdup_printf ("%s.%s%s", name, section, gz ? ".gz" : "");
      FUZZ_CHECK (strcmp (again, str) == 0, "\"%s\" is not \"%s\"", again, shown);
      g_free (name);
      g_free (section);
    }

  /* Orders: split the string in two at its middle. */
  gsize half = strlen (str) / 2;
  g_autofree char *a = g_strndup (str, half);
  const char *b = str + half;
  int ab = ds_natural_compare (a, b), ba = ds_natural_compare (b, a);
  FUZZ_CHECK ((ab > 0) - (ab < 0) == -((ba > 0) - (ba < 0)), "natural not antisymmetric: %s",
              shown);
  FUZZ_CHECK (ds_natural_compare (a, a) == 0, "natural not reflexive: %s", shown);
  FUZZ_CHECK ((ab == 0) == (strcmp (a, b) == 0), "natural equal for distinct: %s", shown);
  int sab = ds_manname_section_compare (a, b), sba = ds_manname_section_compare (b, a);
  FUZZ_CHECK ((sab > 0) - (sab < 0) == -((sba > 0) - (sba < 0)), "section order: %s", shown);
  guint d1 = ds_manname_distance (a, b, 8), d2 = ds_manname_distance (b, a, 8);
  FUZZ_CHECK (d1 == d2 && d1 <= 9 && (d1 == 0) == (strcmp (a, b) == 0), "distance %u %u: %s",
              d1, d2, shown);

  g_autofree char *so = ds_manname_so_target (raw, size);
  if (so != NULL)
    {
      const char *slash = strchr (so, '/');
      FUZZ_CHECK (slash != NULL && strchr (slash + 1, '/') == NULL, "so \"%s\"", so);
      g_autofree char *dir = g_strndup (so, (gsize) (slash - so));
      const char *sec = NULL;
      FUZZ_CHECK (ds_manname_parse_dir (dir, &sec)
                      && ds_manname_parse_file (slash + 1, sec, NULL, NULL, NULL),
                  "so target \"%s\" does not parse", so);
    }
  g_autofree char *desc = ds_manname_description (raw, size);
  if (desc != NULL)
    {
      FUZZ_CHECK (g_utf8_validate (desc, -1, NULL) && desc[0] != '\0', "description of %s",
                  shown);
      FUZZ_CHECK (strchr (desc, '\n') == NULL, "newline in description of %s", shown);
    }
  g_free (raw);
  return 0;
}
