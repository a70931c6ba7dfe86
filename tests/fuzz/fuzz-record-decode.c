/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for the record decoder: the bytes of one ring-buffer record, as the
 * kernel side hands them to the daemon (daemon/record-decode*.c). Whatever it accepts, every
 * pointer it returns must stay inside the record: they are all read here, so AddressSanitizer
 * sees any that does not.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "record-decode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile uint8_t sink;

static void touch(const void *p, size_t n) {
        const uint8_t *b = p;

        for (size_t i = 0; i < n; i++)
                sink ^= b[i];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        Record record;
        uint8_t *copy;

        /* An exact-size heap copy: reading one byte past the record is caught. The ring
         * buffer aligns records to 8 bytes; malloc does as much. */
        copy = malloc(size ?: 1);
        if (!copy)
                return 0;
        memcpy(copy, data, size);

        if (record_decode(copy, size, &record) == 0) {
                touch(record.header, sizeof(*record.header));
                /* The decoder accepts only the ops it knows. */
                if (record.op < TG_OP_EXEC || record.op > TG_OP_GENERIC)
                        abort();
                switch (record.op) {
                case TG_OP_EXEC:
                        touch(record.exec.raw, sizeof(*record.exec.raw));
                        touch(record.exec.binary, strlen(record.exec.binary) + 1);
                        touch(record.exec.args, record.exec.args_size);
                        touch(record.exec.cwd, strlen(record.exec.cwd) + 1);
                        touch(record.exec.cgroup, strlen(record.exec.cgroup) + 1);
                        break;
                case TG_OP_EXIT:
                        touch(record.exit.raw, sizeof(*record.exit.raw));
                        break;
                case TG_OP_FORK:
                        touch(record.fork.raw, sizeof(*record.fork.raw));
                        break;
                case TG_OP_GENERIC:
                        touch(record.generic.raw, sizeof(*record.generic.raw));
                        if (record.generic.n_args > TG_POLICY_MAX_ARGS)
                                abort();
                        for (size_t i = 0; i < record.generic.n_args; i++) {
                                touch(record.generic.args[i].raw,
                                      sizeof(*record.generic.args[i].raw));
                                touch(record.generic.args[i].data,
                                      record.generic.args[i].raw->size);
                        }
                        if (record.generic.ret)
                                touch(record.generic.ret, sizeof(*record.generic.ret));
                        break;
                }
        }
        free(copy);
        return 0;
}
