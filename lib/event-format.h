/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * Human forms of an event in Tetragon's export JSON, shared by the daemon
 * (journal MESSAGE=) and tetractl (getevents -o compact), so both print the
 * same line: "🚀 process /usr/bin/curl https://ebpf.io/",
 * "💥 exit /usr/bin/curl https://ebpf.io/ 0", "💥 exit /usr/bin/sleep 10 SIGKILL",
 * "📝 write /usr/bin/sh /tmp/passwd 5 bytes [SIGKILL]". The words and emojis
 * are those of `tetra getevents -o compact`, without its column padding and
 * node name, with tetra's " 🛑 CAP_SYS_ADMIN" when the effective set holds it.
 * Our extension follows: " (user NAME, unit UNIT, ancestors PARENT < ...)", each
 * part only when the event has the field. An enforcing action (SIGKILL, OVERRIDE,
 * SIGNAL, NOTIFYENFORCER) ends the line in brackets. Pure: no I/O.
 */

#include <jansson.h>
#include <stdint.h>

/* The event type key of an export object ("process_exec", ...), or NULL. */
const char *event_json_type(json_t *event);

/* The event type for a name as tetractl and tetra take it ("process_exec" or
 * "PROCESS_EXEC"), in the export key's spelling, or NULL for an unknown name. */
const char *event_type_from_name(const char *name);

/* The known event types, comma-separated, for messages. */
const char *event_type_list(void);

/* The compact line for an export object. Every byte of a value that is not
 * printable UTF-8 (controls such as newline or ESC, C1 controls, line
 * separators, bidi overrides, invalid sequences) is written as \xNN, so one
 * event is always one printable line. Returns 0 or a negative errno (-EINVAL
 * for an object that is not a known event or lacks its process). */
int event_format_compact(json_t *event, char **ret);

/* The stack traces of a policy event (kernel_stack_trace, user_stack_trace) as tetra's
 * compact output prints them after the line: "Kernel:" then "  SYMBOL+0xOFFSET" per frame
 * (" [MODULE]" for a kernel module's), "User:" then "  SYMBOL (MODULE+0xOFFSET)"; each frame
 * starts with "   0xADDRESS:" when the event has addresses. "" for an event without
 * stacks. Values escaped as in the compact line. Returns 0 or a negative errno. */
int event_format_stack_traces(json_t *event, char **ret);

/* The longest ima_hash: "streebog512:" and 64 bytes in hex, and its NUL. */
#define EVENT_IMA_HASH_MAX 144

/* A file's IMA hash as Tetragon's ProcessLsm ima_hash shows it, "ALGO:HEX", from
 * bpf_ima_file_hash()'s result: algo the kernel's enum hash_algo (4 is sha256), named as
 * the kernel names it, and that algorithm's digest size of digest. Returns 0, or -EINVAL
 * for an error (algo < 0) or an algorithm not known here (ret is then ""). */
int event_format_ima_hash(int32_t algo, const uint8_t *digest, char ret[EVENT_IMA_HASH_MAX]);
