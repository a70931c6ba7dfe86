/* SPDX-License-Identifier: Apache-2.0 */
#include <limits.h>
#include <sys/stat.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-daemon.h>

#include "bus-api.h"
#include "kernel-facts.h"
#include "log.h"
#include "metrics.h"
#include "policy-check.h"
#include "policy-dir.h"
#include "tetragond-bus.h"

#define DEFAULT_SYSTEM_BUS_ADDRESS "unix:path=/run/dbus/system_bus_socket"
#define RECONNECT_USEC (1000ULL * 1000)
#define NAME_RETRY_MIN_USEC (1000ULL * 1000)
#define READY_WAIT_USEC (5ULL * 1000 * 1000)
#define NAME_RETRY_MAX_USEC (30ULL * 1000 * 1000)

#define POLKIT_NAME "org.freedesktop.PolicyKit1"
#define POLKIT_PATH "/org/freedesktop/PolicyKit1/Authority"
#define POLKIT_INTERFACE "org.freedesktop.PolicyKit1.Authority"
#define POLKIT_ALLOW_USER_INTERACTION 1U
/* An answer whose method call did not come back for it (its arguments stopped being valid
 * in between) is dropped after this long. */
#define AUTH_ANSWER_MAX_AGE_USEC (60ULL * 1000 * 1000)

/* One question to polkit about one method call. */
typedef struct AuthQuery AuthQuery;
struct AuthQuery {
        AuthQuery *next;
        TetragondBus *owner;
        sd_bus_message *request; /* the method call, re-queued once the answer is in */
        sd_bus_slot *slot;       /* the CheckAuthorization call in flight */
        char *action;
        bool answered;
        uint64_t answered_usec; /* CLOCK_MONOTONIC */
        bool authorized;
        bool challenge;      /* polkit would ask the user, if an agent could */
        bool polkit_missing; /* polkit is neither running nor activatable */
        sd_bus_error error;  /* the call to polkit itself failed */
};

struct TetragondBus {
        sd_event *event;
        sd_bus *bus;
        Manager *manager;
        PolicyRegistry *registry;
        AuthQuery *queries;
        sd_event_source *reconnect_timer;
        sd_event_source *name_timer; /* asks for BUS_NAME again after a refusal */
        uint64_t name_retry_usec;
        bool name_owned, name_answered;
        sd_event_source *ready_timer;    /* READY=1 waits for the name's answer, this long */
        sd_event_source *counts_changed; /* deferred emission of the Manager's policy counts */
};

static AuthQuery *auth_query_free(AuthQuery *q) {
        if (!q)
                return NULL;
        sd_bus_slot_unref(q->slot);
        sd_bus_message_unref(q->request);
        sd_bus_error_free(&q->error);
        free(q->action);
        return mfree(q);
}

static void auth_query_unlink(TetragondBus *b, AuthQuery *q) {
        for (AuthQuery **p = &b->queries; *p; p = &(*p)->next)
                if (*p == q) {
                        *p = q->next;
                        return;
                }
}

static void auth_queries_drop_stale(TetragondBus *b) {
        uint64_t now;

        if (sd_event_now(b->event, CLOCK_MONOTONIC, &now) < 0)
                return;
        for (AuthQuery **p = &b->queries; *p;) {
                AuthQuery *q = *p;

                if (q->answered && now > q->answered_usec + AUTH_ANSWER_MAX_AGE_USEC) {
                        *p = q->next;
                        auth_query_free(q);
                } else
                        p = &q->next;
        }
}

/* What each action lets the caller do, for the refusal sentence. */
static const char *action_description(const char *action) {
        static const struct {
                const char *action, *description;
        } table[] = {
                { POLKIT_ACTION_RELOAD, "reloading the policies" },
                { POLKIT_ACTION_ADD_POLICY, "adding a policy" },
                { POLKIT_ACTION_REMOVE_POLICY, "removing a policy" },
                { POLKIT_ACTION_ENABLE_POLICY, "enabling a policy" },
                { POLKIT_ACTION_DISABLE_POLICY, "disabling a policy" },
                { POLKIT_ACTION_SET_POLICY_MODE, "changing a policy's mode" },
                { POLKIT_ACTION_READ_POLICY, "reading a policy's source and errors" },
                { POLKIT_ACTION_LOCKDOWN, "locking the policies down" },
        };
        for (size_t i = 0; i < ELEMENTSOF(table); i++)
                if (streq(table[i].action, action))
                        return table[i].description;
        return "this";
}

static int on_polkit_reply(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        AuthQuery *q = userdata;
        const sd_bus_error *e;
        int authorized = 0, challenge = 0;
        int r;

        q->slot = sd_bus_slot_unref(q->slot);
        e = sd_bus_message_get_error(reply);
        if (e) {
                if (sd_bus_error_has_names(e, SD_BUS_ERROR_NAME_HAS_NO_OWNER,
                                           SD_BUS_ERROR_SERVICE_UNKNOWN))
                        q->polkit_missing = true;
                else
                        sd_bus_error_copy(&q->error, e);
        } else {
                r = sd_bus_message_enter_container(reply, 'r', "bba{ss}");
                if (r >= 0)
                        r = sd_bus_message_read(reply, "bb", &authorized, &challenge);
                if (r < 0)
                        sd_bus_error_set_errnof(&q->error, r, "Unexpected reply from polkit: %m");
                q->authorized = authorized;
                q->challenge = challenge;
        }
        q->answered = true;
        (void) sd_event_now(q->owner->event, CLOCK_MONOTONIC, &q->answered_usec);

        /* Run the method handler again: it finds this answer. */
        r = sd_bus_enqueue_for_read(sd_bus_message_get_bus(q->request), q->request);
        if (r < 0) {
                log_warning_errno(r, "Failed to resume a method call after polkit's answer: %m, "
                                     "ignoring.");
                auth_query_unlink(q->owner, q);
                auth_query_free(q);
        }
        return 0;
}

static int polkit_ask(TetragondBus *b, sd_bus_message *m, const char *action) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL;
        AuthQuery *q;
        unsigned flags = 0;
        int r;

        q = calloc(1, sizeof(*q));
        if (!q)
                return -ENOMEM;
        q->owner = b;
        q->error = SD_BUS_ERROR_NULL;
        q->request = sd_bus_message_ref(m);
        q->action = strdup(action);
        if (!q->action) {
                auth_query_free(q);
                return -ENOMEM;
        }
        if (sd_bus_message_get_allow_interactive_authorization(m) > 0)
                flags |= POLKIT_ALLOW_USER_INTERACTION;

        r = sd_bus_message_new_method_call(sd_bus_message_get_bus(m), &call, POLKIT_NAME,
                                           POLKIT_PATH, POLKIT_INTERFACE, "CheckAuthorization");
        /* Auto-start stays on: an installed polkitd that is not running yet is started by
         * the bus; where none is installed the bus answers ServiceUnknown at once. */
        if (r >= 0)
                r = sd_bus_message_append(call, "(sa{sv})sa{ss}us", "system-bus-name", 1, "name",
                                          "s", sd_bus_message_get_sender(m), action, 0, flags, "");
        if (r >= 0)
                r = sd_bus_call_async(sd_bus_message_get_bus(m), &q->slot, call, on_polkit_reply, q,
                                      0);
        if (r < 0) {
                auth_query_free(q);
                return r;
        }
        q->next = b->queries;
        b->queries = q;
        return 0;
}

/*
 * 1: the caller may go on. 0: polkit was asked; return 1 from the handler now, it runs again
 * with the answer. <0: refused or failed, with *error set.
 */
static int bus_authorize(TetragondBus *b, sd_bus_message *m, const char *action,
                         sd_bus_error *error) {
        _cleanup_(sd_bus_creds_unrefp) sd_bus_creds *creds = NULL;
        uid_t uid;
        int r;

        r = sd_bus_query_sender_creds(m, SD_BUS_CREDS_EUID, &creds);
        if (r >= 0)
                r = sd_bus_creds_get_euid(creds, &uid);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "Failed to identify the caller: %m");
        if (uid == 0)
                return 1;

        auth_queries_drop_stale(b);
        for (AuthQuery *q = b->queries; q; q = q->next) {
                if (q->request != m || !streq(q->action, action))
                        continue;
                if (!q->answered)
                        return 0; /* still waiting: the call was queued twice */
                auth_query_unlink(b, q);
                if (sd_bus_error_is_set(&q->error))
                        r = sd_bus_error_setf(error, SD_BUS_ERROR_ACCESS_DENIED,
                                              "Permission denied: %s needs root, and asking "
                                              "polkit for %s failed: %s",
                                              action_description(action), action,
                                              q->error.message ?: q->error.name);
                else if (q->polkit_missing)
                        r = sd_bus_error_setf(error, SD_BUS_ERROR_ACCESS_DENIED,
                                              "Permission denied: %s needs root (polkit is not "
                                              "available to authorize %s).",
                                              action_description(action), action);
                else if (q->authorized)
                        r = 1;
                else if (q->challenge)
                        r = sd_bus_error_setf(error,
                                              SD_BUS_ERROR_INTERACTIVE_AUTHORIZATION_REQUIRED,
                                              "Permission denied: %s needs authentication as "
                                              "an administrator (polkit action %s).",
                                              action_description(action), action);
                else
                        r = sd_bus_error_setf(error, SD_BUS_ERROR_ACCESS_DENIED,
                                              "Permission denied: %s needs root, or the polkit "
                                              "authorization %s.",
                                              action_description(action), action);
                auth_query_free(q);
                return r;
        }

        r = polkit_ask(b, m, action);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "Failed to ask polkit: %m");
        return 0;
}

/* Whether the sender of m has effective uid 0: the only callers that see what quotes a policy
 * file (Source, Error) without asking polkit. Unknown counts as no. */
static bool sender_is_root(sd_bus_message *m) {
        _cleanup_(sd_bus_creds_unrefp) sd_bus_creds *creds = NULL;
        uid_t uid;

        return m && sd_bus_query_sender_creds(m, SD_BUS_CREDS_EUID, &creds) >= 0 &&
               sd_bus_creds_get_euid(creds, &uid) >= 0 && uid == 0;
}

/* Arguments. */

static int read_policy(TetragondBus *b, sd_bus_message *m, sd_bus_error *error, PolicyEntry **ret) {
        const char *name;
        int r;

        r = sd_bus_message_read(m, "s", &name);
        if (r < 0)
                return r;
        *ret = policy_registry_find(b->registry, name);
        if (!*ret)
                return sd_bus_error_setf(error, BUS_ERROR_NO_SUCH_POLICY, "No policy named \"%s\".",
                                         name);
        return 0;
}

static int check_text(const char *text, sd_bus_error *error) {
        if (strlen(text) > BUS_POLICY_TEXT_MAX)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                         "The policy text is larger than %u bytes.",
                                         BUS_POLICY_TEXT_MAX);
        return 0;
}

static int policy_path(PolicyEntry *e, char **ret) {
        return sd_bus_path_encode(BUS_POLICY_PATH_PREFIX, policy_entry_name(e), ret);
}

/* Replies. */

static int locked_error(sd_bus_error *error, const char *what, PolicyEntry *e) {
        return sd_bus_error_setf(error, BUS_ERROR_LOCKED,
                                 "Refused: the policies are locked down until reboot; %s policy "
                                 "%s is not allowed.",
                                 what, policy_entry_name(e));
}

static int append_names(sd_bus_message *m, const PolicyReloadSummary *s, PolicyReloadOutcome o) {
        int r;

        r = sd_bus_message_open_container(m, 'a', "s");
        for (size_t i = 0; r >= 0 && i < s->n_items[o]; i++)
                r = sd_bus_message_append(m, "s", s->items[o][i].name);
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        return r;
}

static int append_summary(sd_bus_message *m, const PolicyReloadSummary *s) {
        int r;

        r = append_names(m, s, POLICY_RELOAD_ADDED);
        if (r >= 0)
                r = append_names(m, s, POLICY_RELOAD_CHANGED);
        if (r >= 0)
                r = append_names(m, s, POLICY_RELOAD_REMOVED);
        if (r >= 0)
                r = append_names(m, s, POLICY_RELOAD_UNCHANGED);
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'a', "(ss)");
        for (size_t i = 0; r >= 0 && i < s->n_items[POLICY_RELOAD_FAILED]; i++)
                r = sd_bus_message_append(m, "(ss)", s->items[POLICY_RELOAD_FAILED][i].name,
                                          strempty(s->items[POLICY_RELOAD_FAILED][i].error));
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        return r;
}

/* Manager methods. */

static int method_reload(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(policy_reload_summary_clear) PolicyReloadSummary summary = {};
        TetragondBus *b = userdata;
        int r;

        r = bus_authorize(b, m, POLKIT_ACTION_RELOAD, error);
        if (r <= 0)
                return r < 0 ? r : 1;

        r = policy_registry_reload(b->registry, &summary);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "Failed to reload the policies: %m");

        r = sd_bus_message_new_method_return(m, &reply);
        if (r >= 0)
                r = append_summary(reply, &summary);
        if (r >= 0)
                r = sd_bus_send(NULL, reply, NULL);
        return r;
}

static int method_list_policies(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        TetragondBus *b = userdata;
        PolicyEntry *const *entries;
        size_t n;
        int r;

        bool privileged = sender_is_root(m);

        entries = policy_registry_entries(b->registry, &n);
        r = sd_bus_message_new_method_return(m, &reply);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "(ssssbso)");
        for (size_t i = 0; r >= 0 && i < n; i++) {
                _cleanup_free_ char *path = NULL;
                PolicyEntryInfo info;

                policy_entry_get_info(entries[i], &info);
                r = policy_path(entries[i], &path);
                if (r >= 0)
                        r = sd_bus_message_append(reply, "(ssssbso)", info.name, info.path,
                                                  policy_state_to_string(info.state),
                                                  policy_mode_to_string(info.mode), info.installed,
                                                  privileged ? strempty(info.error) : "", path);
        }
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r >= 0)
                r = sd_bus_send(NULL, reply, NULL);
        return r;
}

static int append_hooks(sd_bus_message *m, PolicyEntry *e) {
        PolicyHookStatus *hooks = NULL;
        size_t n = 0;
        int r;

        r = policy_entry_get_hooks(e, &hooks, &n);
        if (r < 0)
                n = 0; /* an engine that cannot tell is not an error of the caller's */
        r = sd_bus_message_open_container(m, 'a', "(ss)");
        for (size_t i = 0; r >= 0 && i < n; i++)
                r = sd_bus_message_append(m, "(ss)", strempty(hooks[i].hook),
                                          strempty(hooks[i].mechanism));
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        policy_hook_status_free_many(hooks, n);
        return r;
}

static int append_units(sd_bus_message *m, PolicyEntry *e) {
        PolicyUnitStatus *units = NULL;
        size_t n = 0;
        int r;

        r = policy_entry_get_units(e, &units, &n);
        if (r < 0)
                n = 0; /* as for Hooks: not the caller's error */
        r = sd_bus_message_open_container(m, 'a', "(sss)");
        for (size_t i = 0; r >= 0 && i < n; i++)
                r = sd_bus_message_append(m, "(sss)", units[i].not_in ? "NotIn" : "In",
                                          strempty(units[i].unit), strempty(units[i].cgroup));
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        policy_unit_status_free_many(units, n);
        return r;
}

static int append_counter_dict(sd_bus_message *m, const PolicyCounters *c) {
        return sd_bus_message_append(m, "a{st}", 6, "matched", c->matched, "posted", c->posted,
                                     "actions", c->actions, "rate_limited", c->rate_limited, "lost",
                                     c->lost, "monitored", c->monitored);
}

static int append_counters(sd_bus_message *m, PolicyEntry *e) {
        PolicyCounters c = {};

        (void) policy_entry_get_counters(e, &c);
        return append_counter_dict(m, &c);
}

static int append_selector_counters(sd_bus_message *m, PolicyEntry *e) {
        PolicySelectorCounters *selectors = NULL;
        size_t n = 0;
        int r;

        r = policy_entry_get_selector_counters(e, &selectors, &n);
        if (r < 0)
                n = 0; /* as for Hooks: not the caller's error */
        r = sd_bus_message_open_container(m, 'a', "(suua{st})");
        for (size_t i = 0; r >= 0 && i < n; i++) {
                r = sd_bus_message_open_container(m, 'r', "suua{st}");
                if (r >= 0)
                        r = sd_bus_message_append(m, "suu", selectors[i].hook,
                                                  selectors[i].hook_index,
                                                  selectors[i].selector_index);
                if (r >= 0)
                        r = append_counter_dict(m, &selectors[i].counters);
                if (r >= 0)
                        r = sd_bus_message_close_container(m);
        }
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        policy_selector_counters_free_many(selectors, n);
        return r;
}

static int append_strv(sd_bus_message *m, char *const *v, size_t n) {
        int r;

        r = sd_bus_message_open_container(m, 'a', "s");
        for (size_t i = 0; r >= 0 && i < n; i++)
                r = sd_bus_message_append(m, "s", v[i]);
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        return r;
}

static int method_get_policy(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        TetragondBus *b = userdata;
        PolicyEntryInfo info;
        PolicyEntry *e;
        bool privileged;
        int r;

        r = read_policy(b, m, error, &e);
        if (r < 0)
                return r;

        policy_entry_get_info(e, &info);
        privileged = sender_is_root(m);
        r = sd_bus_message_new_method_return(m, &reply);
        if (r >= 0)
                r = sd_bus_message_append(reply, "sssssbbs", info.name, info.path,
                                          privileged ? strempty(info.source) : "",
                                          policy_state_to_string(info.state),
                                          policy_mode_to_string(info.mode), info.mode_overridden,
                                          info.installed, privileged ? strempty(info.error) : "");
        if (r >= 0)
                r = append_strv(reply, info.policy_names, info.n_policy_names);
        if (r >= 0)
                r = append_hooks(reply, e);
        if (r >= 0)
                r = append_counters(reply, e);
        if (r >= 0)
                r = sd_bus_send(NULL, reply, NULL);
        return r;
}

static int method_get_policy_source(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        TetragondBus *b = userdata;
        PolicyEntryInfo info;
        PolicyEntry *e;
        int r;

        r = read_policy(b, m, error, &e);
        if (r < 0)
                return r;

        r = bus_authorize(b, m, POLKIT_ACTION_READ_POLICY, error);
        if (r <= 0)
                return r < 0 ? r : 1;

        policy_entry_get_info(e, &info);
        return sd_bus_reply_method_return(m, "ss", strempty(info.source), strempty(info.error));
}

/* The same text as the policy's Error property would show. */
static int diagnostics_to_error(const DiagnosticList *diags, sd_bus_error *error,
                                const char *name) {
        _cleanup_free_ char *text = NULL;
        int r;

        r = policy_check_format_errors(diags, POLICY_REGISTRY_ERROR_MAX_DIAGNOSTICS, true, &text);
        if (r < 0)
                return r;
        return sd_bus_error_set(error, name, text ?: "The policy is not valid.");
}

static int method_add_policy(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        _cleanup_(diagnostic_list_clear) DiagnosticList diags = DIAGNOSTIC_LIST_INIT;
        _cleanup_free_ char *path = NULL;
        TetragondBus *b = userdata;
        const char *name, *text;
        PolicyEntryInfo info;
        PolicyEntry *e;
        int replace, r;

        r = sd_bus_message_read(m, "ssb", &name, &text, &replace);
        if (r < 0)
                return r;
        if (!policy_check_name(name))
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                         "Invalid policy name \"%s\": " POLICY_NAME_RULE ".", name);
        r = check_text(text, error);
        if (r < 0)
                return r;

        r = bus_authorize(b, m, POLKIT_ACTION_ADD_POLICY, error);
        if (r <= 0)
                return r < 0 ? r : 1;

        r = policy_registry_add(b->registry, name, text, strlen(text), replace, &diags, &e);
        if (r == -EPERM)
                return sd_bus_error_setf(error, BUS_ERROR_LOCKED,
                                         "Refused: the policies are locked down until reboot; "
                                         "replacing policy %s is not allowed (add it under "
                                         "a new name).",
                                         name);
        if (r == -EINVAL)
                return diagnostics_to_error(&diags, error, BUS_ERROR_INVALID_POLICY);
        if (r == -EEXIST)
                return sd_bus_error_setf(error, BUS_ERROR_POLICY_EXISTS,
                                         "A policy named \"%s\" exists already.", name);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "Failed to add the policy %s to %s: %m",
                                               name, policy_registry_dir(b->registry));

        policy_entry_get_info(e, &info);
        r = policy_path(e, &path);
        if (r < 0)
                return r;
        return sd_bus_reply_method_return(m, "oss", path, policy_state_to_string(info.state),
                                          strempty(info.error));
}

static int method_remove_policy(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        TetragondBus *b = userdata;
        PolicyEntry *e;
        int r;

        r = read_policy(b, m, error, &e);
        if (r < 0)
                return r;

        r = bus_authorize(b, m, POLKIT_ACTION_REMOVE_POLICY, error);
        if (r <= 0)
                return r < 0 ? r : 1;

        r = policy_registry_remove(b->registry, e);
        if (r == -EPERM)
                return locked_error(error, "removing", e);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "Failed to remove the policy file: %m");
        return sd_bus_reply_method_return(m, NULL);
}

static int method_enable_policy(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        _cleanup_free_ char *why = NULL;
        TetragondBus *b = userdata;
        PolicyEntry *e;
        int r;

        r = read_policy(b, m, error, &e);
        if (r < 0)
                return r;

        r = bus_authorize(b, m, POLKIT_ACTION_ENABLE_POLICY, error);
        if (r <= 0)
                return r < 0 ? r : 1;

        r = policy_registry_enable(b->registry, e, &why);
        if (r == -EIO)
                return sd_bus_error_set(error, BUS_ERROR_POLICY_FAILED, why);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "Failed to enable the policy: %m");
        return sd_bus_reply_method_return(m, NULL);
}

static int method_disable_policy(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        TetragondBus *b = userdata;
        PolicyEntry *e;
        int r;

        r = read_policy(b, m, error, &e);
        if (r < 0)
                return r;

        r = bus_authorize(b, m, POLKIT_ACTION_DISABLE_POLICY, error);
        if (r <= 0)
                return r < 0 ? r : 1;

        r = policy_registry_disable(b->registry, e);
        if (r == -EPERM)
                return locked_error(error, "disabling", e);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "Failed to disable the policy: %m");
        return sd_bus_reply_method_return(m, NULL);
}

static int method_set_policy_mode(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        _cleanup_free_ char *why = NULL;
        TetragondBus *b = userdata;
        const char *mode_string;
        PolicyEntry *e;
        int mode, r;

        r = read_policy(b, m, error, &e);
        if (r < 0)
                return r;
        r = sd_bus_message_read(m, "s", &mode_string);
        if (r < 0)
                return r;
        mode = policy_mode_from_string(mode_string);
        if (mode < 0)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                         "Invalid mode \"%s\": use enforce or monitor.",
                                         mode_string);

        r = bus_authorize(b, m, POLKIT_ACTION_SET_POLICY_MODE, error);
        if (r <= 0)
                return r < 0 ? r : 1;

        r = policy_registry_set_mode(b->registry, e, mode, &why);
        if (r == -EPERM)
                return locked_error(error, "switching to monitor mode", e);
        if (r == -EIO)
                return sd_bus_error_set(error, BUS_ERROR_POLICY_FAILED, why);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "Failed to change the mode: %m");
        return sd_bus_reply_method_return(m, NULL);
}

static int method_lockdown(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        TetragondBus *b = userdata;
        int r;

        r = bus_authorize(b, m, POLKIT_ACTION_LOCKDOWN, error);
        if (r <= 0)
                return r < 0 ? r : 1;

        r = b->manager ? manager_lock(b->manager) : -EOPNOTSUPP;
        if (r == -EOPNOTSUPP)
                return sd_bus_error_set(error, SD_BUS_ERROR_NOT_SUPPORTED,
                                        "Lockdown needs pinned state, and the daemon pins "
                                        "nothing (no --bpf-dir, or pinning failed at start).");
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "Failed to lock down: %m");
        (void) sd_bus_emit_properties_changed(sd_bus_message_get_bus(m), BUS_MANAGER_PATH,
                                              BUS_MANAGER_INTERFACE, "Locked", "LockedSince",
                                              "KernelProtection", NULL);
        return sd_bus_reply_method_return(m, NULL);
}

static int method_validate(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        _cleanup_(diagnostic_list_clear) DiagnosticList diags = DIAGNOSTIC_LIST_INIT;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const char *file, *text;
        int r, valid;

        r = sd_bus_message_read(m, "ss", &file, &text);
        if (r < 0)
                return r;
        r = check_text(text, error);
        if (r < 0)
                return r;

        r = policy_registry_validate(*file ? file : "<input>", text, strlen(text), &diags);
        if (r < 0 && r != -EINVAL)
                return sd_bus_error_set_errnof(error, r, "Failed to validate: %m");
        valid = r >= 0;

        r = sd_bus_message_new_method_return(m, &reply);
        if (r >= 0)
                r = sd_bus_message_append(reply, "b", valid);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "s");
        for (size_t i = 0; r >= 0 && i < diags.n_items; i++) {
                _cleanup_free_ char *line = NULL;

                r = diagnostic_format(&diags.items[i], &line);
                if (r >= 0)
                        r = sd_bus_message_append(reply, "s", line);
        }
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r >= 0)
                r = sd_bus_send(NULL, reply, NULL);
        return r;
}

static int method_get_kernel_features(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        TetragondBus *b = userdata;
        /* The engine's own facts, read once: the kernel does not change under us. */
        KernelFacts *facts = manager_get_kernel_facts(b->manager);
        const KernelFeature *features;
        size_t n_features;
        int r;

        if (!facts)
                return sd_bus_error_set_errnof(error, ENODATA,
                                               "The kernel's features are not known yet.");
        features = kernel_facts_features(facts, &n_features);

        r = sd_bus_message_new_method_return(m, &reply);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "(sbs)");
        for (size_t i = 0; r >= 0 && i < n_features; i++)
                r = sd_bus_message_append(reply, "(sbs)", features[i].name, features[i].available,
                                          features[i].detail);
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r >= 0)
                r = sd_bus_send(NULL, reply, NULL);
        return r;
}

/* The same text as --metrics-server and the tetragond-metrics service serve: it says no
 * more than the properties, so it is open to anyone. */
static int method_get_metrics(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        _cleanup_free_ char *text = NULL;
        TetragondBus *b = userdata;
        int r;

        r = metrics_format(b->manager, b->registry, &text);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "Failed to gather the metrics: %m");
        return sd_bus_reply_method_return(m, "s", text);
}

/* Manager properties. */

static int property_get_version(sd_bus *bus, const char *path, const char *interface,
                                const char *property, sd_bus_message *reply, void *userdata,
                                sd_bus_error *error) {
        return sd_bus_message_append(reply, "s", PACKAGE_VERSION);
}

static int property_get_policy_dir(sd_bus *bus, const char *path, const char *interface,
                                   const char *property, sd_bus_message *reply, void *userdata,
                                   sd_bus_error *error) {
        TetragondBus *b = userdata;

        return sd_bus_message_append(reply, "s", policy_registry_dir(b->registry));
}

static int property_get_engine(sd_bus *bus, const char *path, const char *interface,
                               const char *property, sd_bus_message *reply, void *userdata,
                               sd_bus_error *error) {
        TetragondBus *b = userdata;

        return sd_bus_message_append(reply, "b", policy_registry_has_backend(b->registry));
}

static int property_get_policy_count(sd_bus *bus, const char *path, const char *interface,
                                     const char *property, sd_bus_message *reply, void *userdata,
                                     sd_bus_error *error) {
        TetragondBus *b = userdata;
        unsigned counts[_POLICY_STATE_MAX];
        PolicyState state;

        policy_registry_count(b->registry, counts);
        if (streq(property, "PoliciesLoaded"))
                state = POLICY_STATE_LOADED;
        else if (streq(property, "PoliciesFailed"))
                state = POLICY_STATE_FAILED;
        else
                state = POLICY_STATE_DISABLED;
        return sd_bus_message_append(reply, "u", counts[state]);
}

/* Our extension: how full the policy table is (POLICY_REGISTRY_CAPACITY). */
static int property_get_policy_table(sd_bus *bus, const char *path, const char *interface,
                                     const char *property, sd_bus_message *reply, void *userdata,
                                     sd_bus_error *error) {
        TetragondBus *b = userdata;
        unsigned installed, capacity;

        policy_registry_usage(b->registry, &installed, &capacity);
        return sd_bus_message_append(reply, "u",
                                     streq(property, "PolicyCapacity") ? capacity : installed);
}

/* Our extension: the hooks skip the daemon's own threads (see manager_start()). */
static int property_get_own_events_excluded(sd_bus *bus, const char *path, const char *interface,
                                            const char *property, sd_bus_message *reply,
                                            void *userdata, sd_bus_error *error) {
        return sd_bus_message_append(reply, "b", true);
}

/* "running", or "degraded" while any policy failed: for monitoring, like systemd's
 * SystemState. */
static int property_get_state(sd_bus *bus, const char *path, const char *interface,
                              const char *property, sd_bus_message *reply, void *userdata,
                              sd_bus_error *error) {
        TetragondBus *b = userdata;
        unsigned counts[_POLICY_STATE_MAX];

        policy_registry_count(b->registry, counts);
        return sd_bus_message_append(reply, "s",
                                     counts[POLICY_STATE_FAILED] > 0 ? "degraded" : "running");
}

static int property_get_stat(sd_bus *bus, const char *path, const char *interface,
                             const char *property, sd_bus_message *reply, void *userdata,
                             sd_bus_error *error) {
        static const struct {
                const char *property;
                size_t offset;
        } table[] = {
                { "EventsReceived", offsetof(ManagerStats, received) },
                { "EventsDecoded", offsetof(ManagerStats, decoded) },
                { "EventsMalformed", offsetof(ManagerStats, malformed) },
                { "Events", offsetof(ManagerStats, events) },
                { "SinkErrors", offsetof(ManagerStats, sink_errors) },
                { "EventsLost", offsetof(ManagerStats, lost) },
                { "EventsFiltered", offsetof(ManagerStats, filtered) },
                { "EventsRateLimited", offsetof(ManagerStats, rate_limited) },
                { "EventsThrottled", offsetof(ManagerStats, throttled) },
        };
        TetragondBus *b = userdata;
        ManagerStats stats = {};

        if (b->manager)
                manager_get_stats(b->manager, &stats);
        for (size_t i = 0; i < ELEMENTSOF(table); i++)
                if (streq(property, table[i].property))
                        return sd_bus_message_append(
                                reply, "t", *(uint64_t *) ((uint8_t *) &stats + table[i].offset));
        return -EINVAL;
}

/* Every policy's KernelMemory in one read, for tetractl status. */
static int property_get_policy_kernel_memory(sd_bus *bus, const char *path, const char *interface,
                                             const char *property, sd_bus_message *reply,
                                             void *userdata, sd_bus_error *error) {
        TetragondBus *b = userdata;
        PolicyEntry *const *entries;
        size_t n;
        int r;

        entries = policy_registry_entries(b->registry, &n);
        r = sd_bus_message_open_container(reply, 'a', "{st}");
        for (size_t i = 0; r >= 0 && i < n; i++) {
                uint64_t bytes;

                r = policy_entry_get_kernel_memory(entries[i], &bytes);
                if (r >= 0)
                        r = sd_bus_message_append(reply, "{st}", policy_entry_name(entries[i]),
                                                  bytes);
        }
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        return r;
}

static int property_get_pinned(sd_bus *bus, const char *path, const char *interface,
                               const char *property, sd_bus_message *reply, void *userdata,
                               sd_bus_error *error) {
        TetragondBus *b = userdata;
        ManagerPinnedInfo info = {};

        if (b->manager)
                manager_get_pinned_info(b->manager, &info);
        if (streq(property, "Pinned"))
                return sd_bus_message_append(reply, "b", info.run_dir != NULL);
        if (streq(property, "PinnedRun"))
                return sd_bus_message_append(reply, "s", strempty(info.run_dir));
        if (streq(property, "RunsReplaced"))
                return sd_bus_message_append(reply, "u", info.runs_replaced);
        if (streq(property, "RunsKept"))
                return sd_bus_message_append(reply, "u", info.found.runs_kept);
        if (streq(property, "PinnedPoliciesUnchanged"))
                return sd_bus_message_append(reply, "u",
                                             info.found.policies[PINNED_OUTCOME_UNCHANGED]);
        if (streq(property, "PinnedPoliciesChanged"))
                return sd_bus_message_append(reply, "u",
                                             info.found.policies[PINNED_OUTCOME_CHANGED]);
        if (streq(property, "PinnedPoliciesDeleted"))
                return sd_bus_message_append(reply, "u",
                                             info.found.policies[PINNED_OUTCOME_DELETED]);
        if (streq(property, "PinnedPoliciesAdopted"))
                return sd_bus_message_append(reply, "u", info.policies_adopted);
        if (streq(property, "PolicyEngineAdopted"))
                return sd_bus_message_append(reply, "b", info.engine_adopted);
        if (streq(property, "ProcessMonitorAdopted"))
                return sd_bus_message_append(reply, "b", info.process_monitor_adopted);
        if (streq(property, "Locked"))
                return sd_bus_message_append(reply, "b", info.locked);
        if (streq(property, "LockedSince"))
                return sd_bus_message_append(reply, "t", info.locked ? info.locked_since_usec : 0);
        if (streq(property, "KernelProtection"))
                return sd_bus_message_append(reply, "s", strempty(info.kernel_protection));
        return -EINVAL;
}

static const sd_bus_vtable manager_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Version", "s", property_get_version, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("PolicyDirectory", "s", property_get_policy_dir, 0,
                        SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("EngineAvailable", "b", property_get_engine, 0,
                        SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("State", "s", property_get_state, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("PoliciesLoaded", "u", property_get_policy_count, 0,
                        SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("PoliciesFailed", "u", property_get_policy_count, 0,
                        SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("PoliciesDisabled", "u", property_get_policy_count, 0,
                        SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("PoliciesInstalled", "u", property_get_policy_table, 0,
                        SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("PolicyCapacity", "u", property_get_policy_table, 0,
                        SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("OwnEventsExcluded", "b", property_get_own_events_excluded, 0,
                        SD_BUS_VTABLE_PROPERTY_CONST),
        /* Counters change with every event: read them, no signal. */
        SD_BUS_PROPERTY("EventsReceived", "t", property_get_stat, 0, 0),
        SD_BUS_PROPERTY("EventsDecoded", "t", property_get_stat, 0, 0),
        SD_BUS_PROPERTY("EventsMalformed", "t", property_get_stat, 0, 0),
        SD_BUS_PROPERTY("Events", "t", property_get_stat, 0, 0),
        SD_BUS_PROPERTY("SinkErrors", "t", property_get_stat, 0, 0),
        SD_BUS_PROPERTY("EventsLost", "t", property_get_stat, 0, 0),
        SD_BUS_PROPERTY("PolicyKernelMemory", "a{st}", property_get_policy_kernel_memory, 0, 0),
        SD_BUS_PROPERTY("EventsFiltered", "t", property_get_stat, 0, 0),
        SD_BUS_PROPERTY("EventsRateLimited", "t", property_get_stat, 0, 0),
        SD_BUS_PROPERTY("EventsThrottled", "t", property_get_stat, 0, 0),
        SD_BUS_PROPERTY("Pinned", "b", property_get_pinned, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("PinnedRun", "s", property_get_pinned, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("RunsReplaced", "u", property_get_pinned, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("RunsKept", "u", property_get_pinned, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("PinnedPoliciesUnchanged", "u", property_get_pinned, 0,
                        SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("PinnedPoliciesChanged", "u", property_get_pinned, 0,
                        SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("PinnedPoliciesDeleted", "u", property_get_pinned, 0,
                        SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("PinnedPoliciesAdopted", "u", property_get_pinned, 0,
                        SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("ProcessMonitorAdopted", "b", property_get_pinned, 0,
                        SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("PolicyEngineAdopted", "b", property_get_pinned, 0,
                        SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Locked", "b", property_get_pinned, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("LockedSince", "t", property_get_pinned, 0,
                        SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("KernelProtection", "s", property_get_pinned, 0,
                        SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),

        SD_BUS_METHOD_WITH_ARGS("Reload", SD_BUS_NO_ARGS,
                                SD_BUS_RESULT("as", added, "as", changed, "as", removed, "as",
                                              unchanged, "a(ss)", failed),
                                method_reload, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("ListPolicies", SD_BUS_NO_ARGS,
                                SD_BUS_RESULT("a(ssssbso)", policies), method_list_policies,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("GetPolicy", SD_BUS_ARGS("s", name),
                                SD_BUS_RESULT("s", resolved_name, "s", file, "s", source, "s",
                                              state, "s", mode, "b", mode_overridden, "b",
                                              installed, "s", error, "as", policy_names, "a(ss)",
                                              hooks, "a{st}", counters),
                                method_get_policy, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("GetPolicySource", SD_BUS_ARGS("s", name),
                                SD_BUS_RESULT("s", source, "s", error), method_get_policy_source,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("AddPolicy", SD_BUS_ARGS("s", name, "s", yaml, "b", replace),
                                SD_BUS_RESULT("o", policy, "s", state, "s", error),
                                method_add_policy, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("RemovePolicy", SD_BUS_ARGS("s", name), SD_BUS_NO_RESULT,
                                method_remove_policy, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("EnablePolicy", SD_BUS_ARGS("s", name), SD_BUS_NO_RESULT,
                                method_enable_policy, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("DisablePolicy", SD_BUS_ARGS("s", name), SD_BUS_NO_RESULT,
                                method_disable_policy, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("SetPolicyMode", SD_BUS_ARGS("s", name, "s", mode),
                                SD_BUS_NO_RESULT, method_set_policy_mode,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("Validate", SD_BUS_ARGS("s", file_name, "s", yaml),
                                SD_BUS_RESULT("b", valid, "as", diagnostics), method_validate,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("GetMetrics", SD_BUS_NO_ARGS, SD_BUS_RESULT("s", text),
                                method_get_metrics, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("GetKernelFeatures", SD_BUS_NO_ARGS,
                                SD_BUS_RESULT("a(sbs)", features), method_get_kernel_features,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("Lockdown", SD_BUS_NO_ARGS, SD_BUS_NO_RESULT, method_lockdown,
                                SD_BUS_VTABLE_UNPRIVILEGED),

        SD_BUS_SIGNAL_WITH_ARGS(
                "PolicyStateChanged",
                SD_BUS_ARGS("s", name, "o", policy, "s", state, "s", mode, "s", error), 0),
        SD_BUS_SIGNAL_WITH_ARGS("ReloadFinished",
                                SD_BUS_ARGS("as", added, "as", changed, "as", removed, "as",
                                            unchanged, "a(ss)", failed),
                                0),
        SD_BUS_VTABLE_END,
};

/* Policy objects: one per registry entry, found through their path. */

static int policy_object_find(sd_bus *bus, const char *path, const char *interface, void *userdata,
                              void **ret_found, sd_bus_error *error) {
        _cleanup_free_ char *name = NULL;
        TetragondBus *b = userdata;
        PolicyEntry *e;
        int r;

        r = sd_bus_path_decode(path, BUS_POLICY_PATH_PREFIX, &name);
        if (r <= 0)
                return r;
        e = policy_registry_find(b->registry, name);
        /* Only by its own name: one object, one path. */
        if (!e || !streq(policy_entry_name(e), name))
                return 0;
        *ret_found = e;
        return 1;
}

static char **strv_free(char **v) {
        for (size_t i = 0; v && v[i]; i++)
                free(v[i]);
        return mfree(v);
}

static int policy_nodes(sd_bus *bus, const char *path, void *userdata, char ***ret_nodes,
                        sd_bus_error *error) {
        TetragondBus *b = userdata;
        PolicyEntry *const *entries;
        char **nodes;
        size_t n;
        int r;

        entries = policy_registry_entries(b->registry, &n);
        nodes = calloc(n + 1, sizeof(char *));
        if (!nodes)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                r = policy_path(entries[i], &nodes[i]);
                if (r < 0) {
                        strv_free(nodes);
                        return r;
                }
        }
        *ret_nodes = nodes;
        return 0;
}

static int property_get_entry(sd_bus *bus, const char *path, const char *interface,
                              const char *property, sd_bus_message *reply, void *userdata,
                              sd_bus_error *error) {
        PolicyEntry *e = userdata;
        PolicyEntryInfo info;

        policy_entry_get_info(e, &info);
        if (streq(property, "Name"))
                return sd_bus_message_append(reply, "s", info.name);
        if (streq(property, "File"))
                return sd_bus_message_append(reply, "s", info.path);
        if (streq(property, "State"))
                return sd_bus_message_append(reply, "s", policy_state_to_string(info.state));
        if (streq(property, "Mode"))
                return sd_bus_message_append(reply, "s", policy_mode_to_string(info.mode));
        if (streq(property, "ModeOverridden"))
                return sd_bus_message_append(reply, "b", info.mode_overridden);
        if (streq(property, "Installed"))
                return sd_bus_message_append(reply, "b", info.installed);
        if (streq(property, "Error") || streq(property, "Source")) {
                sd_bus_message *m = sd_bus_get_current_message(bus);

                if (!sender_is_root(m)) {
                        /* GetAll must still serve the public properties: these stay empty. */
                        if (m && streq_ptr(sd_bus_message_get_member(m), "GetAll"))
                                return sd_bus_message_append(reply, "s", "");
                        return sd_bus_error_setf(error, SD_BUS_ERROR_ACCESS_DENIED,
                                                 "Permission denied: %s quotes the policy file "
                                                 "and needs root; others call GetPolicySource, "
                                                 "authorized by polkit action %s.",
                                                 property, POLKIT_ACTION_READ_POLICY);
                }
                return sd_bus_message_append(
                        reply, "s", strempty(streq(property, "Error") ? info.error : info.source));
        }
        if (streq(property, "PolicyNames"))
                return append_strv(reply, info.policy_names, info.n_policy_names);
        if (streq(property, "Hooks"))
                return append_hooks(reply, e);
        if (streq(property, "Units"))
                return append_units(reply, e);
        if (streq(property, "Counters"))
                return append_counters(reply, e);
        if (streq(property, "SelectorCounters"))
                return append_selector_counters(reply, e);
        if (streq(property, "KernelMemory")) {
                uint64_t bytes;
                int r;

                r = policy_entry_get_kernel_memory(e, &bytes);
                if (r < 0)
                        return r;
                return sd_bus_message_append(reply, "t", bytes);
        }
        return -EINVAL;
}

static const sd_bus_vtable policy_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("Name", "s", property_get_entry, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("File", "s", property_get_entry, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("State", "s", property_get_entry, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Mode", "s", property_get_entry, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("ModeOverridden", "b", property_get_entry, 0,
                        SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Installed", "b", property_get_entry, 0,
                        SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        /* Invalidation only: a signal reaches every subscriber, the value only root. */
        SD_BUS_PROPERTY("Error", "s", property_get_entry, 0,
                        SD_BUS_VTABLE_PROPERTY_EMITS_INVALIDATION),
        SD_BUS_PROPERTY("PolicyNames", "as", property_get_entry, 0,
                        SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Source", "s", property_get_entry, 0,
                        SD_BUS_VTABLE_PROPERTY_EMITS_INVALIDATION),
        SD_BUS_PROPERTY("Hooks", "a(ss)", property_get_entry, 0, 0),
        SD_BUS_PROPERTY("Units", "a(sss)", property_get_entry, 0, 0),
        SD_BUS_PROPERTY("Counters", "a{st}", property_get_entry, 0, 0),
        SD_BUS_PROPERTY("SelectorCounters", "a(suua{st})", property_get_entry, 0, 0),
        SD_BUS_PROPERTY("KernelMemory", "t", property_get_entry, 0, 0),
        SD_BUS_VTABLE_END,
};

/* Signals, from the registry's callbacks. */

/* systemctl status shows STATUS=: keep it as true as tetractl status. */
static void notify_status(TetragondBus *b) {
        unsigned counts[_POLICY_STATE_MAX];

        policy_registry_count(b->registry, counts);
        (void) sd_notifyf(false, "STATUS=%s; policies: %u loaded, %u failed, %u disabled%s",
                          counts[POLICY_STATE_FAILED] > 0 ? "Degraded" : "Running",
                          counts[POLICY_STATE_LOADED], counts[POLICY_STATE_FAILED],
                          counts[POLICY_STATE_DISABLED],
                          b->name_owned ? "." : "; not on the system bus as " BUS_NAME ".");
}

static int on_counts_changed(sd_event_source *s, void *userdata) {
        TetragondBus *b = userdata;

        notify_status(b);
        if (b->bus)
                (void) sd_bus_emit_properties_changed(
                        b->bus, BUS_MANAGER_PATH, BUS_MANAGER_INTERFACE, "State", "PoliciesLoaded",
                        "PoliciesFailed", "PoliciesDisabled", "PoliciesInstalled", NULL);
        return 0;
}

/* After the registry settled: an entry being removed still counts while we are told. */
static void schedule_counts_changed(TetragondBus *b) {
        if (b->counts_changed)
                (void) sd_event_source_set_enabled(b->counts_changed, SD_EVENT_ONESHOT);
}

static void emit_state_changed(TetragondBus *b, PolicyEntry *e, bool removed) {
        _cleanup_free_ char *path = NULL;
        PolicyEntryInfo info;

        schedule_counts_changed(b);
        if (!b->bus || policy_path(e, &path) < 0)
                return;
        policy_entry_get_info(e, &info);
        if (!removed)
                (void) sd_bus_emit_properties_changed(b->bus, path, BUS_POLICY_INTERFACE, "State",
                                                      "Mode", "ModeOverridden", "Installed",
                                                      "Error", "PolicyNames", "Source", NULL);
        (void) sd_bus_emit_signal(b->bus, BUS_MANAGER_PATH, BUS_MANAGER_INTERFACE,
                                  "PolicyStateChanged", "sosss", info.name, path,
                                  removed ? "removed" : policy_state_to_string(info.state),
                                  policy_mode_to_string(info.mode), "");
}

static void on_entry_added(PolicyEntry *e, void *userdata) {
        emit_state_changed(userdata, e, false);
}

static void on_entry_changed(PolicyEntry *e, void *userdata) {
        emit_state_changed(userdata, e, false);
}

static void on_entry_removed(PolicyEntry *e, void *userdata) {
        emit_state_changed(userdata, e, true);
}

static void on_reload_finished(const PolicyReloadSummary *s, void *userdata) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        TetragondBus *b = userdata;
        int r;

        schedule_counts_changed(b);
        if (!b->bus)
                return;
        r = sd_bus_message_new_signal(b->bus, &m, BUS_MANAGER_PATH, BUS_MANAGER_INTERFACE,
                                      "ReloadFinished");
        if (r >= 0)
                r = append_summary(m, s);
        if (r >= 0)
                r = sd_bus_send(b->bus, m, NULL);
        if (r < 0)
                log_debug_errno(r, "Failed to emit ReloadFinished: %m");
}

static const PolicyRegistryCallbacks registry_callbacks = {
        .entry_added = on_entry_added,
        .entry_changed = on_entry_changed,
        .entry_removed = on_entry_removed,
        .reload_finished = on_reload_finished,
};

/* The connection. */

static int bus_connect(TetragondBus *b);
static void schedule_reconnect(TetragondBus *b);

static int on_reconnect_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        TetragondBus *b = userdata;

        b->bus = sd_bus_flush_close_unref(b->bus);
        if (bus_connect(b) < 0)
                schedule_reconnect(b);
        return 0;
}

static void schedule_reconnect(TetragondBus *b) {
        int r;

        if (!b->reconnect_timer) {
                r = sd_event_add_time_relative(b->event, &b->reconnect_timer, CLOCK_MONOTONIC,
                                               RECONNECT_USEC, 0, on_reconnect_timer, b);
                if (r < 0)
                        log_warning_errno(r, "Failed to schedule a reconnection to the bus: %m, "
                                             "ignoring.");
                return;
        }
        (void) sd_event_source_set_time_relative(b->reconnect_timer, RECONNECT_USEC);
        (void) sd_event_source_set_enabled(b->reconnect_timer, SD_EVENT_ONESHOT);
}

static int on_disconnected(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        TetragondBus *b = userdata;

        log_warning("Disconnected from the system bus; connecting again.");
        b->name_owned = false;
        /* Pending polkit questions died with the connection, and so did their callers. */
        while (b->queries) {
                AuthQuery *q = b->queries;

                b->queries = q->next;
                auth_query_free(q);
        }
        schedule_reconnect(b);
        return 0;
}

static int on_name_acquired(sd_bus_message *m, void *userdata, sd_bus_error *error);

static void notify_ready(TetragondBus *b) {
        b->ready_timer = sd_event_source_disable_unref(b->ready_timer);
        (void) sd_notify(false, "READY=1");
        notify_status(b);
}

static int on_ready_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        notify_ready(userdata);
        return 0;
}

/* Whether the bus is a unix socket that is not there yet (early boot): then nobody could
 * call us anyway, and waiting for it would hold the boot. */
static bool bus_socket_missing(void) {
        const char *address = getenv("DBUS_SYSTEM_BUS_ADDRESS") ?: DEFAULT_SYSTEM_BUS_ADDRESS;
        const char *path = startswith(address, "unix:path=");
        char buf[PATH_MAX];
        struct stat st;

        if (!path)
                return false;
        snprintf(buf, sizeof(buf), "%.*s", (int) strcspn(path, ",;"), path);
        return stat(buf, &st) < 0;
}

void tetragond_bus_notify_ready(TetragondBus *b) {
        int r;

        if (!b || !b->bus || b->name_answered || bus_socket_missing()) {
                (void) sd_notify(false, "READY=1");
                return;
        }
        r = sd_event_add_time_relative(b->event, &b->ready_timer, CLOCK_MONOTONIC, READY_WAIT_USEC,
                                       0, on_ready_timer, b);
        if (r < 0)
                (void) sd_notify(false, "READY=1");
}

static int on_name_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        TetragondBus *b = userdata;
        int r;

        if (!b->bus)
                return 0; /* the reconnection asks again */
        r = sd_bus_request_name_async(b->bus, NULL, BUS_NAME, 0, on_name_acquired, b);
        if (r < 0)
                log_debug_errno(r, "Failed to ask for %s again: %m", BUS_NAME);
        return 0;
}

/* dbus-daemon says nothing when its policy changes: ask again, less and less often. */
static void schedule_name_retry(TetragondBus *b) {
        int r;

        b->name_retry_usec =
                MIN(MAX(b->name_retry_usec * 2, NAME_RETRY_MIN_USEC), NAME_RETRY_MAX_USEC);
        if (!b->name_timer) {
                r = sd_event_add_time_relative(b->event, &b->name_timer, CLOCK_MONOTONIC,
                                               b->name_retry_usec, 0, on_name_timer, b);
                if (r < 0)
                        log_warning_errno(r,
                                          "Failed to schedule asking for %s again: %m, "
                                          "ignoring.",
                                          BUS_NAME);
                return;
        }
        (void) sd_event_source_set_time_relative(b->name_timer, b->name_retry_usec);
        (void) sd_event_source_set_enabled(b->name_timer, SD_EVENT_ONESHOT);
}

static int on_name_acquired(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        const sd_bus_error *e = sd_bus_message_get_error(m);
        TetragondBus *b = userdata;

        b->name_answered = true;
        if (b->ready_timer)
                notify_ready(b);
        if (e) {
                /* Said once; the retries are quiet until one succeeds. */
                if (b->name_retry_usec == 0)
                        log_error("Failed to acquire the bus name %s: %s (is the D-Bus policy "
                                  "%s.conf installed where dbus-daemon reads it?). Asking "
                                  "again until it is allowed.",
                                  BUS_NAME, e->message ?: e->name, BUS_NAME);
                b->name_owned = false;
                schedule_name_retry(b);
                notify_status(b);
                return 0;
        }
        log_info("D-Bus API available as %s.", BUS_NAME);
        b->name_owned = true;
        b->name_retry_usec = 0;
        notify_status(b);
        return 0;
}

static int bus_connect(TetragondBus *b) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        const char *address;
        int r;

        address = getenv("DBUS_SYSTEM_BUS_ADDRESS") ?: DEFAULT_SYSTEM_BUS_ADDRESS;
        r = sd_bus_new(&bus);
        if (r < 0)
                return r;
        (void) sd_bus_set_description(bus, "system-bus");
        r = sd_bus_set_address(bus, address);
        if (r < 0)
                return log_error_errno(r, "Invalid system bus address %s: %m", address);
        r = sd_bus_set_bus_client(bus, true);
        /* Early in boot the bus may not be there yet: connect once its socket appears. */
        if (r >= 0)
                r = sd_bus_set_watch_bind(bus, true);
        if (r >= 0)
                r = sd_bus_set_connected_signal(bus, true);
        if (r >= 0)
                r = sd_bus_add_object_vtable(bus, NULL, BUS_MANAGER_PATH, BUS_MANAGER_INTERFACE,
                                             manager_vtable, b);
        if (r >= 0)
                r = sd_bus_add_fallback_vtable(bus, NULL, BUS_POLICY_PATH_PREFIX,
                                               BUS_POLICY_INTERFACE, policy_vtable,
                                               policy_object_find, b);
        if (r >= 0)
                r = sd_bus_add_node_enumerator(bus, NULL, BUS_POLICY_PATH_PREFIX, policy_nodes, b);
        if (r >= 0)
                r = sd_bus_match_signal(bus, NULL, "org.freedesktop.DBus.Local", NULL,
                                        "org.freedesktop.DBus.Local", "Disconnected",
                                        on_disconnected, b);
        if (r < 0)
                return log_error_errno(r, "Failed to set up the bus connection: %m");

        r = sd_bus_start(bus);
        if (r < 0)
                return log_warning_errno(r, "Failed to connect to the system bus at %s: %m",
                                         address);
        r = sd_bus_request_name_async(bus, NULL, BUS_NAME, 0, on_name_acquired, b);
        if (r >= 0)
                r = sd_bus_attach_event(bus, b->event, SD_EVENT_PRIORITY_NORMAL);
        if (r < 0)
                return log_error_errno(r, "Failed to attach the bus connection: %m");

        b->bus = TAKE_PTR(bus);
        return 0;
}

int tetragond_bus_new(TetragondBus **ret, sd_event *event, Manager *manager,
                      PolicyRegistry *registry) {
        _cleanup_(tetragond_bus_freep) TetragondBus *b = NULL;
        int r;

        b = calloc(1, sizeof(*b));
        if (!b)
                return -ENOMEM;
        b->event = sd_event_ref(event);
        b->manager = manager;
        b->registry = registry;

        r = sd_event_add_defer(event, &b->counts_changed, on_counts_changed, b);
        if (r < 0)
                return r;
        /* Once the loop runs: the first STATUS= after the manager's READY=1. */
        (void) sd_event_source_set_enabled(b->counts_changed, SD_EVENT_ONESHOT);

        r = bus_connect(b);
        if (r < 0)
                /* Without the bus the daemon still enforces and records; try again later. */
                schedule_reconnect(b);

        policy_registry_set_callbacks(registry, &registry_callbacks, b);
        *ret = TAKE_PTR(b);
        return 0;
}

TetragondBus *tetragond_bus_free(TetragondBus *b) {
        if (!b)
                return NULL;
        if (b->registry)
                policy_registry_set_callbacks(b->registry, NULL, NULL);
        while (b->queries) {
                AuthQuery *q = b->queries;

                b->queries = q->next;
                auth_query_free(q);
        }
        sd_event_source_disable_unref(b->reconnect_timer);
        sd_event_source_disable_unref(b->name_timer);
        sd_event_source_disable_unref(b->ready_timer);
        sd_event_source_disable_unref(b->counts_changed);
        sd_bus_flush_close_unref(b->bus);
        sd_event_unref(b->event);
        return mfree(b);
}
