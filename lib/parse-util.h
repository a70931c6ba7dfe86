/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* Setting values as Tetragon's configuration spells them (Go's strconv.ParseBool), so that its
 * files work here: 1 t T TRUE true True, 0 f F FALSE false False; yes/no too (our extension,
 * as systemd's files spell them). 1, 0, or -EINVAL. */
int parse_boolean(const char *s);
