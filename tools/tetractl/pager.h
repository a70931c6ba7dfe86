/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * Long output through a pager on a terminal, as systemctl and journalctl do:
 * $SYSTEMD_PAGER, else $PAGER, else less (LESS=FRSXMK unless set); "" or "cat"
 * turns it off, and so does --no-pager. Colour decisions follow the terminal.
 */

#include <stdbool.h>

/* Puts a pager behind stdout when stdout is a terminal and no_pager is false.
 * Returns 0 (also when no pager was started) or a negative errno. */
int pager_open(bool no_pager);

/* Flushes stdout, lets the pager finish and waits for it. Safe without pager_open(). */
void pager_close(void);

/* --color: "auto" (a terminal, not TERM=dumb, no NO_COLOR), "always" or "never".
 * Returns 0, or -EINVAL for another word. */
int color_mode_parse(const char *s);
bool color_enabled(void);
