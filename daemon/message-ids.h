/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * MESSAGE_ID= of the journal entries, one per event type, fixed forever
 * (generated once with `systemd-id128 new`). The message catalog uses the
 * same ids: journalctl MESSAGE_ID=... finds every entry of one type.
 * Ids for types the daemon does not emit yet are reserved here already.
 */

#include <systemd/sd-id128.h>

#define TETRAGON_MESSAGE_PROCESS_EXEC                                                              \
        SD_ID128_MAKE(48, 12, ff, 67, 6d, cb, 4d, 7f, a0, 17, a3, 7a, 23, b7, d4, 61)
#define TETRAGON_MESSAGE_PROCESS_EXEC_STR                                                          \
        SD_ID128_MAKE_STR(48, 12, ff, 67, 6d, cb, 4d, 7f, a0, 17, a3, 7a, 23, b7, d4, 61)

#define TETRAGON_MESSAGE_PROCESS_EXIT                                                              \
        SD_ID128_MAKE(42, 61, 6e, e2, 14, 29, 4b, 5f, ba, 2a, 8b, a2, 5c, fb, b9, 4e)
#define TETRAGON_MESSAGE_PROCESS_EXIT_STR                                                          \
        SD_ID128_MAKE_STR(42, 61, 6e, e2, 14, 29, 4b, 5f, ba, 2a, 8b, a2, 5c, fb, b9, 4e)

#define TETRAGON_MESSAGE_PROCESS_KPROBE                                                            \
        SD_ID128_MAKE(e5, d7, fb, e4, d2, b0, 4f, 20, 84, d9, 90, 58, 20, 17, 1c, 41)
#define TETRAGON_MESSAGE_PROCESS_KPROBE_STR                                                        \
        SD_ID128_MAKE_STR(e5, d7, fb, e4, d2, b0, 4f, 20, 84, d9, 90, 58, 20, 17, 1c, 41)

#define TETRAGON_MESSAGE_PROCESS_TRACEPOINT                                                        \
        SD_ID128_MAKE(41, e6, 0d, b4, ad, 54, 4d, 0c, a1, 3b, 79, 75, 0d, 52, 92, 41)
#define TETRAGON_MESSAGE_PROCESS_TRACEPOINT_STR                                                    \
        SD_ID128_MAKE_STR(41, e6, 0d, b4, ad, 54, 4d, 0c, a1, 3b, 79, 75, 0d, 52, 92, 41)

#define TETRAGON_MESSAGE_PROCESS_UPROBE                                                            \
        SD_ID128_MAKE(bd, 0c, 71, d4, 27, 45, 46, b4, b5, 50, f0, 1f, d5, c1, e0, 87)
#define TETRAGON_MESSAGE_PROCESS_UPROBE_STR                                                        \
        SD_ID128_MAKE_STR(bd, 0c, 71, d4, 27, 45, 46, b4, b5, 50, f0, 1f, d5, c1, e0, 87)

#define TETRAGON_MESSAGE_PROCESS_LSM                                                               \
        SD_ID128_MAKE(cc, 87, de, 23, ea, 48, 4b, d9, b4, cb, b3, e8, 26, 9f, e9, 82)
#define TETRAGON_MESSAGE_PROCESS_LSM_STR                                                           \
        SD_ID128_MAKE_STR(cc, 87, de, 23, ea, 48, 4b, d9, b4, cb, b3, e8, 26, 9f, e9, 82)

#define TETRAGON_MESSAGE_PROCESS_USDT                                                              \
        SD_ID128_MAKE(d9, 86, cf, c7, 6d, 96, 40, 73, be, 20, db, 97, 94, b5, c7, 8f)
#define TETRAGON_MESSAGE_PROCESS_USDT_STR                                                          \
        SD_ID128_MAKE_STR(d9, 86, cf, c7, 6d, 96, 40, 73, be, 20, db, 97, 94, b5, c7, 8f)

#define TETRAGON_MESSAGE_PROCESS_LOADER                                                            \
        SD_ID128_MAKE(f7, 85, 7d, 93, fa, 62, 45, cf, b5, 0e, 26, 52, 28, d7, 65, 64)
#define TETRAGON_MESSAGE_PROCESS_LOADER_STR                                                        \
        SD_ID128_MAKE_STR(f7, 85, 7d, 93, fa, 62, 45, cf, b5, 0e, 26, 52, 28, d7, 65, 64)

/* About the event stream, not one process: rate_limit_info, process_throttle. */
#define TETRAGON_MESSAGE_RATE_LIMIT_INFO                                                           \
        SD_ID128_MAKE(9c, ab, 2b, 35, 55, 80, 41, 87, a0, 7d, fc, 42, 20, 66, 07, c1)
#define TETRAGON_MESSAGE_RATE_LIMIT_INFO_STR                                                       \
        SD_ID128_MAKE_STR(9c, ab, 2b, 35, 55, 80, 41, 87, a0, 7d, fc, 42, 20, 66, 07, c1)

#define TETRAGON_MESSAGE_PROCESS_THROTTLE                                                          \
        SD_ID128_MAKE(9c, 73, 75, f9, 1c, a8, 48, bb, bc, 29, 22, e0, a1, c8, 04, 09)
#define TETRAGON_MESSAGE_PROCESS_THROTTLE_STR                                                      \
        SD_ID128_MAKE_STR(9c, 73, 75, f9, 1c, a8, 48, bb, bc, 29, 22, e0, a1, c8, 04, 09)
