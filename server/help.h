/* help.h - the text of `teev --help` and `teev <command> --help`, and the
 * man page built from the same text (`teev help --man`, installed by `make
 * install` as teev(1)), so the two cannot drift apart. */
#ifndef TEEV_HELP_H
#define TEEV_HELP_H

#include <stdio.h>

/* Prints the help of command ("serve", "verify", "certs", "policy", "log",
 * "version"), or the overview for NULL. Returns 0, or -1 for an unknown
 * command (nothing printed). */
int help_print(FILE *out, const char *command);

/* The whole man page, in roff (man macros). */
void help_print_man(FILE *out);

#endif
