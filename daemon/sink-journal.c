/* SPDX-License-Identifier: Apache-2.0 */
#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* CODE_FILE= and CODE_LINE= of this file would only add bytes to every event. */
#define SD_JOURNAL_SUPPRESS_LOCATION 1
#include <syslog.h>
#include <systemd/sd-journal.h>

#include "event-json.h"
#include "json-write.h"
#include "macro.h"
#include "message-ids.h"
#include "sink-journal.h"

#define JSON_SIZE_GUESS 2048
#define U64_DIGITS_MAX 20

static const char *message_id_field(EventType t) {
        switch (t) {
        case EVENT_PROCESS_EXEC:
                return "MESSAGE_ID=" TETRAGON_MESSAGE_PROCESS_EXEC_STR;
        case EVENT_PROCESS_EXIT:
                return "MESSAGE_ID=" TETRAGON_MESSAGE_PROCESS_EXIT_STR;
        case EVENT_PROCESS_KPROBE:
                return "MESSAGE_ID=" TETRAGON_MESSAGE_PROCESS_KPROBE_STR;
        case EVENT_PROCESS_LSM:
                return "MESSAGE_ID=" TETRAGON_MESSAGE_PROCESS_LSM_STR;
        case EVENT_PROCESS_UPROBE:
                return "MESSAGE_ID=" TETRAGON_MESSAGE_PROCESS_UPROBE_STR;
        case EVENT_PROCESS_TRACEPOINT:
                return "MESSAGE_ID=" TETRAGON_MESSAGE_PROCESS_TRACEPOINT_STR;
        case EVENT_PROCESS_USDT:
                return "MESSAGE_ID=" TETRAGON_MESSAGE_PROCESS_USDT_STR;
        case EVENT_PROCESS_LOADER:
                return "MESSAGE_ID=" TETRAGON_MESSAGE_PROCESS_LOADER_STR;
        case _EVENT_TYPE_MAX:
                break;
        }
        return NULL;
}

/* Enforcement is what an administrator must see: a warning when it was done, a
 * notice when monitor mode only reported it. */
static const char *priority_field(const Event *e) {
        switch (e->type) {
        case EVENT_PROCESS_EXEC:
        case EVENT_PROCESS_EXIT:
        case EVENT_PROCESS_LOADER:
                return "PRIORITY=6"; /* LOG_INFO */
        case EVENT_PROCESS_KPROBE:
        case EVENT_PROCESS_LSM:
        case EVENT_PROCESS_UPROBE:
        case EVENT_PROCESS_TRACEPOINT:
        case EVENT_PROCESS_USDT:
                if (e->kprobe.action == EVENT_ACTION_POST)
                        return "PRIORITY=6";
                return e->kprobe.monitor ? "PRIORITY=5"  /* LOG_NOTICE */
                                         : "PRIORITY=4"; /* LOG_WARNING */
        case _EVENT_TYPE_MAX:
                break;
        }
        return NULL;
}

/* "SIGKILL": the action without Tetragon's prefix. */
static const char *action_field_value(EventAction a) {
        const char *s = event_action_to_string(a), *rest;

        if (!s)
                return NULL;
        rest = startswith(s, "KPROBE_ACTION_");
        return rest ?: s;
}

static int fields_reserve(JournalFields *f, size_t n) {
        size_t want;
        char *p;

        if (f->buf_size - f->buf_used >= n)
                return 0;
        if (n > SIZE_MAX / 2 - f->buf_used)
                return -ENOMEM;
        want = MAX(f->buf_used + n, f->buf_size * 2);
        p = realloc(f->buf, want);
        if (!p)
                return -ENOMEM;
        f->buf = p;
        f->buf_size = want;
        return 0;
}

/* A field outside buf: a constant, or the caller's JsonLine. */
static void fields_add_ref(JournalFields *f, const char *field, size_t len) {
        f->iov[f->n_iov] = (struct iovec){ .iov_base = (char *) field, .iov_len = len };
        f->offset[f->n_iov] = SIZE_MAX;
        f->n_iov++;
}

static void fields_add_const(JournalFields *f, const char *field) {
        fields_add_ref(f, field, strlen(field));
}

/* Start "NAME=" in buf with room for value_max more bytes; returns where the
 * value goes. The buffer may move until fields_finish() has set the pointers. */
static char *fields_begin(JournalFields *f, const char *name, size_t value_max) {
        size_t l = strlen(name);
        char *p;

        if (value_max > SIZE_MAX - l - 1 || fields_reserve(f, l + 1 + value_max) < 0)
                return NULL;
        p = f->buf + f->buf_used;
        memcpy(p, name, l);
        p[l] = '=';
        f->offset[f->n_iov] = f->buf_used;
        f->iov[f->n_iov].iov_len = l + 1;
        return p + l + 1;
}

static void fields_end(JournalFields *f, size_t value_len) {
        f->iov[f->n_iov].iov_len += value_len;
        f->buf_used += f->iov[f->n_iov].iov_len;
        f->n_iov++;
}

static int fields_add(JournalFields *f, const char *name, const char *value, size_t len) {
        char *p = fields_begin(f, name, len);

        if (!p)
                return -ENOMEM;
        memcpy(p, value, len);
        fields_end(f, len);
        return 0;
}

static int fields_add_string(JournalFields *f, const char *name, const char *value) {
        if (!value || !*value)
                return 0;
        return fields_add(f, name, value, strlen(value));
}

/* The items of a JSON list, space-separated: strings as they are, objects by their key (an
 * integer). Nothing when the list is absent or empty: the JSON says what the user asked. */
static int fields_add_json_list(JournalFields *f, const char *name, json_t *list, const char *key) {
        size_t max = 0, len = 0, i;
        json_t *item;
        char *p;

        if (!json_is_array(list) || json_array_size(list) == 0)
                return 0;
        json_array_foreach(list, i, item) {
                const char *s = json_string_value(item);

                max += (s ? strlen(s) : U64_DIGITS_MAX) + 1;
        }
        p = fields_begin(f, name, max);
        if (!p)
                return -ENOMEM;
        json_array_foreach(list, i, item) {
                json_t *v = key ? json_object_get(item, key) : item;

                if (len > 0)
                        p[len++] = ' ';
                if (json_is_string(v)) {
                        memcpy(p + len, json_string_value(v), strlen(json_string_value(v)));
                        len += strlen(json_string_value(v));
                } else if (json_is_integer(v))
                        len += snprintf(p + len, max - len + 1, "%" PRIu64,
                                        (uint64_t) json_integer_value(v));
        }
        fields_end(f, len);
        return 0;
}

static int fields_add_u64(JournalFields *f, const char *name, uint64_t value) {
        char *p = fields_begin(f, name, U64_DIGITS_MAX + 1);

        if (!p)
                return -ENOMEM;
        fields_end(f, (size_t) snprintf(p, U64_DIGITS_MAX + 1, "%" PRIu64, value));
        return 0;
}

static int fields_add_json(JournalFields *f, json_t *json) {
        const char *name = "TETRAGON_JSON";
        size_t room, need, start = f->buf_used;
        char *v;

        /* Dump straight into the buffer; dump again only when it had to grow. */
        v = fields_begin(f, name, JSON_SIZE_GUESS);
        if (!v)
                return -ENOMEM;
        room = f->buf_size - f->buf_used - strlen(name) - 1;
        need = json_write_compact(json, v, room);
        if (need == 0)
                return -EINVAL;
        if (need > room) {
                if (fields_reserve(f, strlen(name) + 1 + need) < 0)
                        return -ENOMEM;
                v = f->buf + start + strlen(name) + 1;
                if (json_write_compact(json, v, need) != need)
                        return -EINVAL;
        }
        fields_end(f, need);
        return 0;
}

/* The constants point to static strings, the rest into buf, which is final now. */
static void fields_finish(JournalFields *f) {
        for (size_t i = 0; i < f->n_iov; i++)
                if (f->offset[i] != SIZE_MAX)
                        f->iov[i].iov_base = f->buf + f->offset[i];
}

int json_line_format(JsonLine *l, json_t *json) {
        const size_t prefix = JSON_LINE_PREFIX_LEN;
        size_t need;

        if (!l->buf) {
                l->buf = malloc(JSON_SIZE_GUESS);
                if (!l->buf)
                        return -ENOMEM;
                l->size = JSON_SIZE_GUESS;
                memcpy(l->buf, JSON_LINE_PREFIX, prefix);
        }
        /* Dump straight into the buffer; dump again only when it had to grow. */
        need = json_write_compact(json, l->buf + prefix, l->size - prefix - 1);
        if (need == 0)
                return -EINVAL;
        if (need > l->size - prefix - 1) {
                char *p = realloc(l->buf, prefix + need + 1);

                if (!p)
                        return -ENOMEM;
                l->buf = p;
                l->size = prefix + need + 1;
                if (json_write_compact(json, l->buf + prefix, need) != need)
                        return -EINVAL;
        }
        l->buf[prefix + need] = '\n';
        l->len = need;
        return 0;
}

void json_line_done(JsonLine *l) {
        l->buf = mfree(l->buf);
        l->size = l->len = 0;
}

/* The build id as readelf -n and debuginfod write it: lower-case hex. NULL when none. */
static const char *build_id_hex(const EventLoader *l, char *buf) {
        if (l->build_id_size == 0)
                return NULL;
        for (size_t i = 0; i < l->build_id_size; i++)
                sprintf(buf + 2 * i, "%02x", l->build_id[i]);
        return buf;
}

int journal_fields_build(JournalFields *f, const Event *e, json_t *json, const JsonLine *line,
                         const char *compact) {
        const Process *p;
        const char *type, *message_id, *priority;
        char signal[EVENT_SIGNAL_NAME_MAX];
        char build_id[2 * EVENT_BUILD_ID_MAX + 1];
        int r;

        if (!f || !e || !e->process || !json)
                return -EINVAL;
        p = e->process;
        type = event_type_to_string(e->type);
        message_id = message_id_field(e->type);
        priority = priority_field(e);
        if (!type || !message_id || !priority)
                return -EINVAL;

        f->n_iov = 0;
        f->buf_used = 0;

        /* Without its compact line an event still gets a MESSAGE= that says what it is. */
        r = fields_add_string(f, "MESSAGE", compact ?: type);
        if (r < 0)
                return r;
        fields_add_const(f, message_id);
        fields_add_const(f, priority);
        fields_add_const(f, "SYSLOG_IDENTIFIER=tetragond");

        /* Only what users match on: the rest (ppid, tid, arguments, cwd, exec ids, cgroup id,
         * ancestors) is in TETRAGON_JSON= and in MESSAGE=, and each such field, unique to one
         * event, costs journald a data object of its own. */
        if (fields_add_string(f, "TETRAGON_EVENT", type) < 0 ||
            fields_add_u64(f, "TETRAGON_PID", p->pid) < 0 ||
            fields_add_string(f, "TETRAGON_BINARY", p->binary) < 0 ||
            /* the same uid as "uid" in the JSON: the effective one, as in Tetragon */
            fields_add_u64(f, "TETRAGON_UID", p->euid) < 0 ||
            fields_add_string(f, "TETRAGON_UNIT", p->unit) < 0 ||
            fields_add_string(f, "TETRAGON_USER", p->user_name) < 0)
                return -ENOMEM;

        switch (e->type) {
        case EVENT_PROCESS_EXEC:
                if (fields_add_json_list(
                            f, "TETRAGON_PRIVILEGES_CHANGED",
                            json_object_get(
                                    json_object_get(
                                            json_object_get(json_object_get(json, type), "process"),
                                            "binary_properties"),
                                    "privileges_changed"),
                            NULL) < 0)
                        return -ENOMEM;
                break;
        case EVENT_PROCESS_EXIT:
                if (e->exit.signal != 0)
                        r = fields_add_string(f, "TETRAGON_EXIT_SIGNAL",
                                              event_signal_name(e->exit.signal, signal));
                else
                        r = fields_add_u64(f, "TETRAGON_EXIT_STATUS", e->exit.status);
                if (r < 0)
                        return r;
                break;
        case EVENT_PROCESS_KPROBE:
        case EVENT_PROCESS_LSM:
        case EVENT_PROCESS_UPROBE:
        case EVENT_PROCESS_TRACEPOINT:
        case EVENT_PROCESS_USDT:
                if (fields_add_string(f, "TETRAGON_POLICY", e->kprobe.policy_name) < 0 ||
                    fields_add_string(f, "TETRAGON_FUNCTION", e->kprobe.function_name) < 0 ||
                    fields_add_string(f, "TETRAGON_ACTION", action_field_value(e->kprobe.action)) <
                            0)
                        return -ENOMEM;
                if (e->kprobe.monitor &&
                    fields_add_string(f, "TETRAGON_POLICY_MODE", "monitor") < 0)
                        return -ENOMEM;
                if (e->kprobe.ima_hash[0] &&
                    fields_add_string(f, "TETRAGON_IMA_HASH", e->kprobe.ima_hash) < 0)
                        return -ENOMEM;
                break;
        case EVENT_PROCESS_LOADER:
                if (fields_add_string(f, "TETRAGON_LOADER_PATH", e->loader.path) < 0 ||
                    fields_add_string(f, "TETRAGON_LOADER_BUILDID",
                                      build_id_hex(&e->loader, build_id)) < 0)
                        return -ENOMEM;
                break;
        case _EVENT_TYPE_MAX:
                return -EINVAL;
        }

        if (line)
                fields_add_ref(f, line->buf, JSON_LINE_PREFIX_LEN + line->len);
        else {
                r = fields_add_json(f, json);
                if (r < 0)
                        return r;
        }

        fields_finish(f);
        return 0;
}

void journal_fields_done(JournalFields *f) {
        f->buf = mfree(f->buf);
        f->buf_size = f->buf_used = 0;
        f->n_iov = 0;
}

int journal_sink_write(const Event *e, json_t *json, const JsonLine *line, const char *compact) {
        /* One per process: the daemon sends from its event loop thread only. */
        static JournalFields fields;
        int r;

        r = journal_fields_build(&fields, e, json, line, compact);
        if (r < 0)
                return r;
        return sd_journal_sendv(fields.iov, (int) fields.n_iov);
}

int journal_sink_write_info(const char *type, const char *message_id, const char *message,
                            json_t *json) {
        _cleanup_free_ char *dump = NULL;

        dump = json_dumps(json, JSON_COMPACT);
        if (!dump)
                return -ENOMEM;
        return sd_journal_send("MESSAGE=%s", message, "MESSAGE_ID=%s", message_id, "PRIORITY=%i",
                               LOG_WARNING, "SYSLOG_IDENTIFIER=tetragond", "TETRAGON_EVENT=%s",
                               type, "TETRAGON_JSON=%s", dump, NULL);
}
