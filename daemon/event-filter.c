/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event-filter.h"
#include "event-json.h"
#include "json-lines.h"
#include "policy.h"
#include "regex-list.h"

/* Ancestors ancestor_binary_regex walks: as many as event-json.c lists. */
#define ANCESTORS_MAX 1024U
/* Descendants pid_set remembers; past it, new ones are not learnt. */
#define PID_SET_CHILDREN_MAX 65536U

typedef struct PidList {
        uint32_t *pids;
        size_t n, allocated;
} PidList;

/* A capabilities set's one match, as Tetragon's CapFilterSet has them. */
typedef enum CapMatch {
        CAP_MATCH_UNSET, /* the set is not filtered */
        CAP_MATCH_ANY,   /* one of the capabilities or more */
        CAP_MATCH_ALL,   /* all of them, maybe others */
        CAP_MATCH_EXACTLY,
        CAP_MATCH_NONE, /* none of them */
        _CAP_MATCH_MAX,
} CapMatch;

typedef struct CapFilter {
        CapMatch match;
        uint64_t mask; /* 1 << CAP_* */
} CapFilter;

/* Tetragon's order in a "capabilities" object. */
typedef enum CapSet {
        CAP_SET_PERMITTED,
        CAP_SET_EFFECTIVE,
        CAP_SET_INHERITABLE,
        _CAP_SET_MAX,
} CapSet;

typedef struct FilterLine {
        unsigned event_types; /* 1U << EventType; 0: any */
        RegexList binary, parent_binary, ancestor_binary, arguments, parent_arguments;
        bool has_caps;
        CapFilter caps[_CAP_SET_MAX];
        bool has_pid, has_pid_set;
        PidList pid, pid_set, children;
        char **policy_names; /* NULL: any */
        size_t n_policy_names;
} FilterLine;

struct EventFilter {
        FilterLine *lines;
        size_t n_lines;
        pcre2_match_data *match_data;
        char *args_buf; /* joined arguments, reused from event to event */
        size_t args_buf_size;
};

const char *event_type_to_set_name(EventType t) {
        switch (t) {
        case EVENT_PROCESS_EXEC:
                return "PROCESS_EXEC";
        case EVENT_PROCESS_EXIT:
                return "PROCESS_EXIT";
        case EVENT_PROCESS_KPROBE:
                return "PROCESS_KPROBE";
        case EVENT_PROCESS_LSM:
                return "PROCESS_LSM";
        case EVENT_PROCESS_UPROBE:
                return "PROCESS_UPROBE";
        case EVENT_PROCESS_TRACEPOINT:
                return "PROCESS_TRACEPOINT";
        case EVENT_PROCESS_USDT:
                return "PROCESS_USDT";
        case EVENT_PROCESS_LOADER:
                return "PROCESS_LOADER";
        case _EVENT_TYPE_MAX:
                break;
        }
        return NULL;
}

static void filter_line_done(FilterLine *l) {
        regex_list_done(&l->binary);
        regex_list_done(&l->parent_binary);
        regex_list_done(&l->ancestor_binary);
        regex_list_done(&l->arguments);
        regex_list_done(&l->parent_arguments);
        free(l->pid.pids);
        free(l->pid_set.pids);
        free(l->children.pids);
        for (size_t i = 0; i < l->n_policy_names; i++)
                free(l->policy_names[i]);
        free(l->policy_names);
}

EventFilter *event_filter_free(EventFilter *f) {
        if (!f)
                return NULL;
        for (size_t i = 0; i < f->n_lines; i++)
                filter_line_done(&f->lines[i]);
        free(f->lines);
        pcre2_match_data_free(f->match_data);
        free(f->args_buf);
        return mfree(f);
}

static int pid_list_add(PidList *l, uint32_t pid) {
        if (l->n == l->allocated) {
                size_t n = l->allocated ? l->allocated * 2 : 8;
                uint32_t *p = reallocarray(l->pids, n, sizeof(*p));

                if (!p)
                        return -ENOMEM;
                l->pids = p;
                l->allocated = n;
        }
        l->pids[l->n++] = pid;
        return 0;
}

static bool pid_list_contains(const PidList *l, uint32_t pid) {
        for (size_t i = 0; i < l->n; i++)
                if (l->pids[i] == pid)
                        return true;
        return false;
}

static int parse_pids(PidList *l, json_t *v, unsigned line, const char *key, char **ret_error) {
        size_t i;
        json_t *item;
        int r;

        if (!json_is_array(v))
                return json_lines_error(ret_error, "line %u: %s: expected a list of pids", line,
                                        key);
        json_array_foreach(v, i, item) {
                json_int_t pid = json_is_integer(item) ? json_integer_value(item) : -1;

                if (pid < 0 || pid > UINT32_MAX)
                        return json_lines_error(ret_error, "line %u: %s: expected a list of pids",
                                                line, key);
                r = pid_list_add(l, (uint32_t) pid);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int parse_event_set(FilterLine *l, json_t *v, unsigned line, char **ret_error) {
        size_t i;
        json_t *item;

        if (!json_is_array(v))
                return json_lines_error(ret_error,
                                        "line %u: event_set: expected a list of event types", line);
        json_array_foreach(v, i, item) {
                const char *name = json_string_value(item);
                EventType t;

                for (t = 0; t < _EVENT_TYPE_MAX; t++)
                        if (name && streq(name, event_type_to_set_name(t)))
                                break;
                if (t == _EVENT_TYPE_MAX)
                        return json_lines_error(
                                ret_error,
                                "line %u: event_set: unknown event type %s (PROCESS_EXEC, "
                                "PROCESS_EXIT, PROCESS_KPROBE, PROCESS_TRACEPOINT, "
                                "PROCESS_UPROBE, PROCESS_LSM, PROCESS_USDT, PROCESS_LOADER)",
                                line, name ?: "that is not a string");
                l->event_types |= 1U << t;
        }
        return 0;
}

static int parse_policy_names(FilterLine *l, json_t *v, unsigned line, char **ret_error) {
        size_t i;
        json_t *item;

        if (!json_is_array(v))
                return json_lines_error(ret_error,
                                        "line %u: policy_names: expected a list of names", line);
        l->policy_names = calloc(json_array_size(v) ?: 1, sizeof(char *));
        if (!l->policy_names)
                return -ENOMEM;
        json_array_foreach(v, i, item) {
                if (!json_is_string(item))
                        return json_lines_error(
                                ret_error, "line %u: policy_names: expected a list of names", line);
                l->policy_names[l->n_policy_names] = strdup(json_string_value(item));
                if (!l->policy_names[l->n_policy_names])
                        return -ENOMEM;
                l->n_policy_names++;
        }
        return 0;
}

static const char *const cap_set_names[_CAP_SET_MAX] = {
        [CAP_SET_PERMITTED] = "permitted",
        [CAP_SET_EFFECTIVE] = "effective",
        [CAP_SET_INHERITABLE] = "inheritable",
};

static const char *const cap_match_names[_CAP_MATCH_MAX] = {
        [CAP_MATCH_ANY] = "any",
        [CAP_MATCH_ALL] = "all",
        [CAP_MATCH_EXACTLY] = "exactly",
        [CAP_MATCH_NONE] = "none",
};

/* "CAP_SYS_ADMIN"; Tetragon's enum also spells one "DAC_OVERRIDE", so the prefix is optional. */
static int capability_from_name(const char *name) {
        char buf[64];
        int cap = policy_capability_from_string(name);

        if (cap >= 0 || strncasecmp(name, "CAP_", 4) == 0 ||
            (size_t) snprintf(buf, sizeof(buf), "CAP_%s", name) >= sizeof(buf))
                return cap;
        return policy_capability_from_string(buf);
}

/* One set's filter: {"any": ["CAP_SYS_ADMIN", ...]}, exactly one of any, all, exactly, none. */
static int parse_cap_filter(CapFilter *c, json_t *v, unsigned line, const char *set,
                            char **ret_error) {
        const char *key;
        json_t *list;

        if (!json_is_object(v) || json_object_size(v) != 1)
                return json_lines_error(
                        ret_error,
                        "line %u: capabilities: %s: expected one of any, all, exactly, none", line,
                        set);
        json_object_foreach(v, key, list) {
                size_t i;
                json_t *item;

                for (c->match = CAP_MATCH_ANY; c->match < _CAP_MATCH_MAX; c->match++)
                        if (streq(key, cap_match_names[c->match]))
                                break;
                if (c->match == _CAP_MATCH_MAX)
                        return json_lines_error(
                                ret_error,
                                "line %u: capabilities: %s: unknown key %s (any, all, "
                                "exactly, none)",
                                line, set, key);
                if (!json_is_array(list) || json_array_size(list) == 0)
                        return json_lines_error(ret_error,
                                                "line %u: capabilities: %s: %s: expected a list of "
                                                "capabilities",
                                                line, set, key);
                json_array_foreach(list, i, item) {
                        const char *name = json_string_value(item);
                        int cap = name ? capability_from_name(name) : -EINVAL;

                        if (cap < 0)
                                return json_lines_error(ret_error,
                                                        "line %u: capabilities: %s: %s: unknown "
                                                        "capability %s",
                                                        line, set, key,
                                                        name ?: "that is not a string");
                        c->mask |= UINT64_C(1) << cap;
                }
        }
        return 0;
}

static int parse_capabilities(FilterLine *l, json_t *v, unsigned line, char **ret_error) {
        const char *key;
        json_t *set;
        int r;

        if (!json_is_object(v) || json_object_size(v) == 0)
                return json_lines_error(ret_error,
                                        "line %u: capabilities: expected an object with permitted, "
                                        "effective or inheritable",
                                        line);
        json_object_foreach(v, key, set) {
                CapSet s;

                for (s = 0; s < _CAP_SET_MAX; s++)
                        if (streq(key, cap_set_names[s]))
                                break;
                if (s == _CAP_SET_MAX)
                        return json_lines_error(ret_error,
                                                "line %u: capabilities: unknown key %s (permitted, "
                                                "effective, inheritable)",
                                                line, key);
                r = parse_cap_filter(&l->caps[s], set, line, key, ret_error);
                if (r < 0)
                        return r;
        }
        l->has_caps = true;
        return 0;
}

/* Why a key Tetragon knows is refused here; NULL when we do not know it at all. */
static const char *refused_key_reason(const char *key) {
        static const char *const kubernetes[] = {
                "namespace", "pod_regex", "labels", "container_id", "in_init_tree", "health_check",
        };

        for (size_t i = 0; i < ELEMENTSOF(kubernetes); i++)
                if (streq(key, kubernetes[i]))
                        return "it is about Kubernetes pods and containers, which a host daemon "
                               "does not know";
        if (streq(key, "cel_expression"))
                return "CEL expressions are not supported";
        return NULL;
}

static int filter_line_parse(FilterLine *l, json_t *obj, unsigned line, char **ret_error) {
        const char *key;
        json_t *v;
        int r = 0;

        json_object_foreach(obj, key, v) {
                const char *why;

                if (streq(key, "event_set"))
                        r = parse_event_set(l, v, line, ret_error);
                else if (streq(key, "binary_regex"))
                        r = regex_list_parse(&l->binary, v, line, key, ret_error);
                else if (streq(key, "parent_binary_regex"))
                        r = regex_list_parse(&l->parent_binary, v, line, key, ret_error);
                else if (streq(key, "ancestor_binary_regex"))
                        r = regex_list_parse(&l->ancestor_binary, v, line, key, ret_error);
                else if (streq(key, "arguments_regex"))
                        r = regex_list_parse(&l->arguments, v, line, key, ret_error);
                else if (streq(key, "parent_arguments_regex"))
                        r = regex_list_parse(&l->parent_arguments, v, line, key, ret_error);
                else if (streq(key, "pid")) {
                        l->has_pid = true;
                        r = parse_pids(&l->pid, v, line, key, ret_error);
                } else if (streq(key, "pid_set")) {
                        l->has_pid_set = true;
                        r = parse_pids(&l->pid_set, v, line, key, ret_error);
                } else if (streq(key, "policy_names"))
                        r = parse_policy_names(l, v, line, ret_error);
                else if (streq(key, "capabilities"))
                        r = parse_capabilities(l, v, line, ret_error);
                else if ((why = refused_key_reason(key)))
                        r = json_lines_error(ret_error, "line %u: %s is not supported: %s", line,
                                             key, why);
                else
                        r = json_lines_error(ret_error, "line %u: unknown key %s", line, key);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int event_filter_add_line(json_t *obj, unsigned line, void *userdata, char **ret_error) {
        EventFilter *f = userdata;
        FilterLine *lines = reallocarray(f->lines, f->n_lines + 1, sizeof(*lines));

        if (!lines)
                return -ENOMEM;
        f->lines = lines;
        f->lines[f->n_lines++] = (FilterLine){};
        return filter_line_parse(&f->lines[f->n_lines - 1], obj, line, ret_error);
}

int event_filter_new(EventFilter **ret, const char *text, char **ret_error) {
        _cleanup_(event_filter_freep) EventFilter *f = NULL;
        int r;

        f = calloc(1, sizeof(*f));
        if (!f)
                return -ENOMEM;

        r = json_lines_parse(text, event_filter_add_line, f, ret_error);
        if (r < 0)
                return r;

        f->match_data = pcre2_match_data_create(1, NULL);
        if (!f->match_data)
                return -ENOMEM;
        *ret = TAKE_PTR(f);
        return 0;
}

static bool match_arguments(EventFilter *f, const RegexList *l, const Process *p) {
        size_t n;

        if (!p)
                return false;
        n = event_join_arguments(p, NULL);
        if (n + 1 > f->args_buf_size) {
                char *b = realloc(f->args_buf, n + 1);

                if (!b)
                        return false; /* no memory: the event is treated as not matching */
                f->args_buf = b;
                f->args_buf_size = n + 1;
        }
        event_join_arguments(p, f->args_buf);
        f->args_buf[n] = 0;
        return regex_list_match(l, f->args_buf, n, f->match_data);
}

static bool match_pid_set(FilterLine *l, const Event *e) {
        uint32_t pid = e->process->pid;

        if (pid_list_contains(&l->pid_set, pid) || pid_list_contains(&l->children, pid))
                return true;
        if (e->parent && (pid_list_contains(&l->pid_set, e->parent->pid) ||
                          pid_list_contains(&l->children, e->parent->pid))) {
                /* A new descendant: its own children will be known by it. */
                if (l->children.n < PID_SET_CHILDREN_MAX)
                        (void) pid_list_add(&l->children, pid);
                return true;
        }
        return false;
}

/* The parent's ancestors, nearest first, as the event's "ancestors" lists them: a match on
 * any of them. Bounded like the list, in case a chain is broken into a loop. */
static bool match_ancestors(EventFilter *f, const RegexList *l, const Event *e) {
        size_t n = 0;

        for (const Process *a = e->parent ? e->parent->parent : NULL; a && n < ANCESTORS_MAX;
             a = a->parent, n++)
                if (a->binary && regex_list_match(l, a->binary, strlen(a->binary), f->match_data))
                        return true;
        return false;
}

static bool cap_filter_match(const CapFilter *c, uint64_t caps) {
        switch (c->match) {
        case CAP_MATCH_UNSET:
                return true;
        case CAP_MATCH_ANY:
                return (caps & c->mask) != 0;
        case CAP_MATCH_ALL:
                return (caps & c->mask) == c->mask;
        case CAP_MATCH_EXACTLY:
                return caps == c->mask;
        case CAP_MATCH_NONE:
                return (caps & c->mask) == 0;
        case _CAP_MATCH_MAX:
                break;
        }
        return false;
}

static bool match_caps(const FilterLine *l, const Process *p) {
        /* Unknown capabilities match nothing, as in Tetragon when an event has no "cap". */
        return p->has_caps && cap_filter_match(&l->caps[CAP_SET_PERMITTED], p->cap_permitted) &&
               cap_filter_match(&l->caps[CAP_SET_EFFECTIVE], p->cap_effective) &&
               cap_filter_match(&l->caps[CAP_SET_INHERITABLE], p->cap_inheritable);
}

static const char *event_policy_name(const Event *e) {
        switch (e->type) {
        case EVENT_PROCESS_KPROBE:
        case EVENT_PROCESS_LSM:
        case EVENT_PROCESS_UPROBE:
        case EVENT_PROCESS_TRACEPOINT:
        case EVENT_PROCESS_USDT:
                return e->kprobe.policy_name;
        case EVENT_PROCESS_EXEC:
        case EVENT_PROCESS_EXIT:
        case EVENT_PROCESS_LOADER: /* a sensor's, no policy's: Tetragon's has no name */
        case _EVENT_TYPE_MAX:
                break;
        }
        return NULL;
}

static bool filter_line_match(EventFilter *f, FilterLine *l, const Event *e) {
        const Process *p = e->process, *parent = e->parent;

        /* First: it learns descendants from every event, whatever the other keys say. */
        if (l->has_pid_set && !match_pid_set(l, e))
                return false;
        if (l->event_types && !(l->event_types & (1U << e->type)))
                return false;
        if (l->has_pid && !pid_list_contains(&l->pid, p->pid))
                return false;
        if (l->binary.n && !(p->binary && regex_list_match(&l->binary, p->binary, strlen(p->binary),
                                                           f->match_data)))
                return false;
        if (l->parent_binary.n && !(parent && parent->binary &&
                                    regex_list_match(&l->parent_binary, parent->binary,
                                                     strlen(parent->binary), f->match_data)))
                return false;
        if (l->ancestor_binary.n && !match_ancestors(f, &l->ancestor_binary, e))
                return false;
        if (l->has_caps && !match_caps(l, p))
                return false;
        if (l->arguments.n && !match_arguments(f, &l->arguments, p))
                return false;
        if (l->parent_arguments.n && !match_arguments(f, &l->parent_arguments, parent))
                return false;
        if (l->policy_names) {
                const char *name = event_policy_name(e);
                bool found = false;

                for (size_t i = 0; name && i < l->n_policy_names && !found; i++)
                        found = streq(name, l->policy_names[i]);
                if (!found)
                        return false;
        }
        return true;
}

bool event_filter_match(EventFilter *f, const Event *e) {
        for (size_t i = 0; i < f->n_lines; i++)
                if (filter_line_match(f, &f->lines[i], e))
                        return true;
        return false;
}
