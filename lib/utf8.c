/* SPDX-License-Identifier: Apache-2.0 */
#include "utf8.h"

size_t utf8_decode(const char *s, size_t n, uint32_t *ret_cp) {
        const unsigned char *u = (const unsigned char *) s;
        uint32_t cp, min;
        size_t len;

        if (n == 0)
                return 0;

        if (u[0] < 0x80) {
                *ret_cp = u[0];
                return 1;
        }
        if (u[0] >= 0xc2 && u[0] <= 0xdf) {
                len = 2;
                cp = u[0] & 0x1f;
                min = 0x80;
        } else if (u[0] >= 0xe0 && u[0] <= 0xef) {
                len = 3;
                cp = u[0] & 0x0f;
                min = 0x800;
        } else if (u[0] >= 0xf0 && u[0] <= 0xf4) {
                len = 4;
                cp = u[0] & 0x07;
                min = 0x10000;
        } else
                return 0; /* continuation byte, or a lead byte of an overlong/too large form */

        if (n < len)
                return 0;
        for (size_t i = 1; i < len; i++) {
                if ((u[i] & 0xc0) != 0x80)
                        return 0;
                cp = (cp << 6) | (u[i] & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
                return 0;

        *ret_cp = cp;
        return len;
}

bool utf8_is_valid(const char *s, size_t n) {
        uint32_t cp;

        while (n > 0) {
                /* ASCII runs are the common case: skip the decoder for them. */
                if ((unsigned char) *s < 0x80) {
                        s++;
                        n--;
                        continue;
                }

                size_t len = utf8_decode(s, n, &cp);
                if (len == 0)
                        return false;
                s += len;
                n -= len;
        }
        return true;
}
