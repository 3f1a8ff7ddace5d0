/* scratch.h: temporary files for the unit suites that read the file system
 * (check_keyfile, check_reply, check_site).  A failure to make or remove
 * one is a Check assertion.  Every name here starts with scratch_. */
#pragma once

#include <glib.h>

/* The unchecked fixture of a test case that needs files:
 * scratch_setup makes scratch_dir (with scratch_dir_new), scratch_teardown
 * removes it with everything in it. */
extern char *scratch_dir;
void scratch_setup (void);
void scratch_teardown (void);

/* A new empty directory (mode 0700) under the temporary directory, named
 * after @prefix.  Caller frees the path and removes the directory with
 * scratch_remove. */
char *scratch_dir_new (const char *prefix);

/* Writes @len bytes of @data (-1: up to its NUL) to @dir/@name, replacing
 * what was there.  Returns the file's path; caller frees. */
char *scratch_write (const char *dir, const char *name, const char *data, gssize len);

/* Removes @path and, if it is a directory, everything below it.  A symlink
 * is removed itself, never followed.  A path that does not exist is fine. */
void scratch_remove (const char *path);

/* The number of file descriptors this process has open, to show that a
 * call leaves none behind. */
guint scratch_count_fds (void);
