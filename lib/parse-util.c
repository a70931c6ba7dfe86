/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <string.h>

#include "macro.h"
#include "parse-util.h"

int parse_boolean(const char *s) {
        static const char *const yes[] = { "1", "t", "T", "TRUE", "true", "True", "yes" };
        static const char *const no[] = { "0", "f", "F", "FALSE", "false", "False", "no" };

        for (size_t k = 0; k < ELEMENTSOF(yes); k++) {
                if (streq(s, yes[k]))
                        return 1;
                if (streq(s, no[k]))
                        return 0;
        }
        return -EINVAL;
}
