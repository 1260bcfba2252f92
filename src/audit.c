/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* audit: see audit.h. */

#include <syslog.h>
#define SD_JOURNAL_SUPPRESS_LOCATION 1
#include <systemd/sd-journal.h>

#include "audit.h"
#include "util.h"

static const char *const message_ids[_AUDIT_KIND_MAX] = {
        [AUDIT_FOUND] = "45b4f1ae89c6485d9657931e7640c45d",
        [AUDIT_TRANSITION] = "36cc4317794f4e698ed89ea14c71e185",
        [AUDIT_ONLINE] = "054c184d721947bdb50c6e84a3dfcd58",
        [AUDIT_DEVDAX] = "0c53fcd9c1804df59e4144dcac0ce24c",
        [AUDIT_UNMANAGED] = "3706ca1e379944ea92c0e907bf99d722",
        [AUDIT_REFUSED] = "4c64a2b54e4045a79d60bfcfd1fe0624",
        [AUDIT_FAILED] = "bc340585fe904f42b131634e0dcb5b57",
        [AUDIT_REMOVED] = "5577d805a2814accb999c273662d2747",
        [AUDIT_REZONED] = "ce03c6bdaeb24cbdade2bed37989381c",
        [AUDIT_AUTO_ONLINE] = "aa8522a1350b41a68a386c24cf5c4bcc",
        [AUDIT_MEMMAP] = "ad9bf17ea3c641ad86a46550e501df4d",
        [AUDIT_BLOCK_STUCK] = "4473891df382414185e91a4611ef210b",
        [AUDIT_POLICY_LOADED] = "6870fcbc8c824e2c9cef24c261fd2978",
        [AUDIT_POLICY_REJECTED] = "fdb30883a1ea4bc09448c851a74ae7e8",
        [AUDIT_CONFIG_ERROR] = "a075839f9728447f9653f0e0231054e7",
        [AUDIT_SECURITY_PASSED] = "9b3f2c61d5a84e0fa1c7e2d4b6a80f13",
        [AUDIT_SECURITY_LOST] = "e41c7a9d2b5f4c8e9a3d6b1f0c2e7a54",
        [AUDIT_SCRUB_DONE] = "7ce4fd2c79704d2faff3b4e156570dcb",
        [AUDIT_SCRUB_UNSUPPORTED] = "f7df9ec8064e4535abd53ce2513f20b7",
        [AUDIT_SCRUB_FAILED] = "918209cfc28c42868cb448977c7bda5e",
        [AUDIT_SCRUB_TIMED_OUT] = "1d6abcef9b8048cbbf571fdb5ee49220",
        [AUDIT_POISON_CLEARED] = "4d17e8ee02aa4e8a86769b01ac594778",
        [AUDIT_POISON_SKIPPED] = "0b81a6aa54044cfcb72aae103f104f03",
        [AUDIT_RUNTIME_POISON] = "4dcb1c0ce5474b00a7a6a5b016ce0a21",
        [AUDIT_REGION_CARVED] = "9f3918ea5efc4dd299712e25ffa015d9",
        [AUDIT_REGION_SATISFIED] = "d8895de84b84419bb89121cbf1fb869a",
        [AUDIT_REGION_REFUSED] = "4d46da31990a4d10a0422ffa75a5d5ce",
        [AUDIT_REGION_FAILED] = "bd6d71c0688747b79352e9dd21e200b1",
        [AUDIT_CXL_REGION_CREATED] = "a304cc6a7e454d0aada7b398ee94a2a8",
        [AUDIT_TIERING_KNOB] = "49744dd9302742ccad6727eea0fb5563",
        [AUDIT_TIERING_UNSUPPORTED] = "b951e19ca6fa4a29b7954f5e588fa15f",
};

static bool debug;

void log_set_debug(bool on) {
        debug = on;
}

const char *audit_message_id(enum audit_kind k) {
        return k < _AUDIT_KIND_MAX ? message_ids[k] : NULL;
}

/* Is stderr connected to the journal (so records need no echo)? */
static bool stderr_is_journal(void) {
        static int cached = -1;
        if (cached < 0)
                cached = getenv("JOURNAL_STREAM") != NULL;
        return cached;
}

void log_msg(int priority, const char *fmt, ...) {
        va_list ap;

        if (priority >= LOG_DEBUG && !debug)
                return;
        if (stderr_is_journal())
                fprintf(stderr, "<%d>", priority);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
}

#define MAX_FIELDS 32

struct fields {
        struct iovec iov[MAX_FIELDS];
        char *mem[MAX_FIELDS];
        size_t n;
};

static void field_add(struct fields *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void field_add(struct fields *f, const char *fmt, ...) {
        va_list ap;
        char *s;

        if (f->n >= MAX_FIELDS)
                return;
        va_start(ap, fmt);
        if (vasprintf(&s, fmt, ap) < 0)
                s = NULL;
        va_end(ap);
        if (!s)
                return;
        f->mem[f->n] = s;
        f->iov[f->n] = (struct iovec) { .iov_base = s, .iov_len = strlen(s) };
        f->n++;
}

static void fields_send(struct fields *f, const char *message) {
        int r = sd_journal_sendv(f->iov, (int) f->n);
        /* A terminal, or no journal at all: say it where someone looks. */
        if (r < 0 || !stderr_is_journal())
                fprintf(stderr, "%s\n", message);
        for (size_t i = 0; i < f->n; i++)
                free(f->mem[i]);
        f->n = 0;
}

static void device_fields(struct fields *f, const struct device *d) {
        field_add(f, "DAXTIER_DEVICE=%s", d->name);
        field_add(f, "DAXTIER_RULE=%s", d->want.rule);
        if (d->facts_valid) {
                field_add(f, "DAXTIER_SOURCE=%s", dt_source_to_string(d->facts.source));
                field_add(f, "DAXTIER_SIZE=%llu", (unsigned long long) d->facts.size);
                field_add(f, "DAXTIER_NODE=%d", d->facts.target_node);
                field_add(f, "DAXTIER_DRIVER=%s", dax_driver_to_string(d->facts.driver));
                field_add(f, "DAXTIER_BLOCKS=%u", d->total_blocks);
                field_add(f, "DAXTIER_ONLINE_BLOCKS=%u", d->online_blocks);
                if (d->zone[0])
                        field_add(f, "DAXTIER_ZONE=%s", d->zone);
                if (d->online_path)
                        field_add(f, "DAXTIER_ONLINE_PATH=%s", d->online_path);
                if (d->facts.memmap_on_memory >= 0)
                        field_add(f, "DAXTIER_MEMMAP_ON_MEMORY=%d", d->facts.memmap_on_memory);
                if (d->facts.source == DT_SOURCE_PMEM) {
                        field_add(f, "DAXTIER_SECURITY=%s", d->security);
                        field_add(f, "DAXTIER_BADBLOCKS=%u", d->badblocks);
                        field_add(f, "DAXTIER_CLEARED_BYTES=%llu", (unsigned long long) d->cleared_bytes);
                        field_add(f, "DAXTIER_SKIPPED_BLOCKS=%u", d->skipped_blocks);
                        field_add(f, "DAXTIER_SCRUB=%s", scrub_outcome_to_string(d->scrub_outcome));
                }
        }
        if (d->want.mode != DT_MODE_IGNORE || d->want.rule[0])
                field_add(f, "DAXTIER_MODE=%s", dt_mode_to_string(d->want.mode));
}

static enum audit_kind kind_of_state(enum dev_state s) {
        switch (s) {
        case DEV_ONLINE: return AUDIT_ONLINE;
        case DEV_DEVDAX: return AUDIT_DEVDAX;
        case DEV_UNMANAGED: return AUDIT_UNMANAGED;
        case DEV_REFUSED: return AUDIT_REFUSED;
        case DEV_FAILED: return AUDIT_FAILED;
        default: return AUDIT_TRANSITION;
        }
}

static int priority_of_state(enum dev_state s) {
        switch (s) {
        case DEV_REFUSED: return LOG_WARNING;
        case DEV_FAILED: return LOG_ERR;
        case DEV_ONLINE:
        case DEV_DEVDAX: return LOG_NOTICE;
        default: return LOG_INFO;
        }
}

static void describe_memory(char *buf, size_t len, const struct device *d) {
        char sz[32];
        snprintf(buf, len, "%u of %u blocks online%s%s, %s, node %d", d->online_blocks, d->total_blocks,
                 d->zone[0] ? " in " : "", d->zone, format_bytes(sz, sizeof(sz), d->facts.size),
                 d->facts.target_node);
}

void audit_transition(const struct device *d, enum dev_state from, const char *reason) {
        struct fields f = {};
        enum audit_kind k = kind_of_state(d->state);
        _cleanup_free_ char *msg = NULL;
        char mem[128];
        int r;

        describe_memory(mem, sizeof(mem), d);
        if (!reason && (d->state == DEV_ONLINE || d->state == DEV_DEVDAX))
                r = asprintf(&msg, "%s: %s -> %s (%s)", d->name, dev_state_to_string(from),
                             dev_state_to_string(d->state), mem);
        else
                r = asprintf(&msg, "%s: %s -> %s%s%s", d->name, dev_state_to_string(from),
                             dev_state_to_string(d->state), reason ? ": " : "", strempty(reason));
        if (r < 0)
                return;

        field_add(&f, "MESSAGE=%s", msg);
        field_add(&f, "MESSAGE_ID=%s", message_ids[k]);
        field_add(&f, "PRIORITY=%d", priority_of_state(d->state));
        field_add(&f, "DAXTIER_FROM=%s", dev_state_to_string(from));
        field_add(&f, "DAXTIER_TO=%s", dev_state_to_string(d->state));
        if (reason)
                field_add(&f, "DAXTIER_REASON=%s", reason);
        device_fields(&f, d);
        fields_send(&f, msg);
}

void audit_found(const struct device *d) {
        struct fields f = {};
        _cleanup_free_ char *msg = NULL;
        char mem[128];
        const char *verdict;

        describe_memory(mem, sizeof(mem), d);
        if (!d->want.rule[0])
                verdict = "no rule matches; it is left as it is";
        else if (d->want.mode == DT_MODE_IGNORE)
                verdict = "its rule says ignore; it is left as it is";
        else if ((d->want.mode == DT_MODE_SYSTEM_RAM && d->state == DEV_ONLINE) ||
                 (d->want.mode == DT_MODE_DEVDAX && d->state == DEV_DEVDAX))
                verdict = "as its rule wants";
        else
                verdict = d->want.mode == DT_MODE_SYSTEM_RAM ? "its rule wants system-ram" : "its rule wants devdax";
        if (asprintf(&msg, "%s: found %s (%s; driver %s); %s%s%s", d->name, dev_state_to_string(d->state), mem,
                     dax_driver_to_string(d->facts.driver), verdict, d->want.rule[0] ? ", rule " : "",
                     d->want.rule) < 0)
                return;
        field_add(&f, "MESSAGE=%s", msg);
        field_add(&f, "MESSAGE_ID=%s", message_ids[AUDIT_FOUND]);
        field_add(&f, "PRIORITY=%d", LOG_INFO);
        field_add(&f, "DAXTIER_STATE=%s", dev_state_to_string(d->state));
        device_fields(&f, d);
        fields_send(&f, msg);
}

void audit_removed(const struct device *d) {
        struct fields f = {};
        _cleanup_free_ char *msg = NULL;

        if (asprintf(&msg, "%s: removed (was %s)", d->name, dev_state_to_string(d->state)) < 0)
                return;
        field_add(&f, "MESSAGE=%s", msg);
        field_add(&f, "MESSAGE_ID=%s", message_ids[AUDIT_REMOVED]);
        field_add(&f, "PRIORITY=%d", LOG_INFO);
        field_add(&f, "DAXTIER_STATE=%s", dev_state_to_string(d->state));
        device_fields(&f, d);
        fields_send(&f, msg);
}

void audit_note(const struct device *d, enum device_note kind, const char *msg) {
        struct fields f = {};
        enum audit_kind k;
        int prio = LOG_NOTICE;
        _cleanup_free_ char *m = NULL;

        switch (kind) {
        case NOTE_REZONED: k = AUDIT_REZONED; prio = LOG_WARNING; break;
        case NOTE_AUTO_ONLINE_HELD: k = AUDIT_AUTO_ONLINE; break;
        case NOTE_MEMMAP: k = AUDIT_MEMMAP; break;
        case NOTE_SECURITY: k = AUDIT_SECURITY_PASSED; prio = LOG_INFO; break;
        case NOTE_SCRUB_DONE: k = AUDIT_SCRUB_DONE; prio = LOG_INFO; break;
        case NOTE_SCRUB_UNSUPPORTED: k = AUDIT_SCRUB_UNSUPPORTED; break;
        case NOTE_SCRUB_FAILED: k = AUDIT_SCRUB_FAILED; prio = LOG_WARNING; break;
        case NOTE_SCRUB_TIMED_OUT: k = AUDIT_SCRUB_TIMED_OUT; prio = LOG_WARNING; break;
        case NOTE_POISON_CLEARED: k = AUDIT_POISON_CLEARED; break;
        case NOTE_POISON_SKIPPED: k = AUDIT_POISON_SKIPPED; prio = LOG_WARNING; break;
        default: k = AUDIT_BLOCK_STUCK; prio = LOG_WARNING; break;
        }
        if (asprintf(&m, "%s: %s", d->name, msg) < 0)
                return;
        field_add(&f, "MESSAGE=%s", m);
        field_add(&f, "MESSAGE_ID=%s", message_ids[k]);
        field_add(&f, "PRIORITY=%d", prio);
        field_add(&f, "DAXTIER_REASON=%s", msg);
        device_fields(&f, d);
        fields_send(&f, m);
}

void audit_event(enum audit_kind k, int priority, const char *extra[], const char *fmt, ...) {
        struct fields f = {};
        _cleanup_free_ char *msg = NULL;
        va_list ap;

        va_start(ap, fmt);
        if (vasprintf(&msg, fmt, ap) < 0)
                msg = NULL;
        va_end(ap);
        if (!msg)
                return;
        field_add(&f, "MESSAGE=%s", msg);
        field_add(&f, "MESSAGE_ID=%s", message_ids[k]);
        field_add(&f, "PRIORITY=%d", priority);
        for (size_t i = 0; extra && extra[i]; i++)
                field_add(&f, "%s", extra[i]);
        fields_send(&f, msg);
}

void audit_security_lost(const struct device *d, const char *why) {
        struct fields f = {};
        _cleanup_free_ char *msg = NULL;

        if (asprintf(&msg, "%s: online, but %s; it stays online (daxtierd never offlines memory on security grounds)",
                     d->name, why) < 0)
                return;
        field_add(&f, "MESSAGE=%s", msg);
        field_add(&f, "MESSAGE_ID=%s", message_ids[AUDIT_SECURITY_LOST]);
        field_add(&f, "PRIORITY=%d", LOG_WARNING);
        field_add(&f, "DAXTIER_REASON=%s", why);
        field_add(&f, "DAXTIER_SECURITY=%s", d->security);
        device_fields(&f, d);
        fields_send(&f, msg);
}

void audit_runtime_poison(const struct device *d, int priority, const char *msg) {
        struct fields f = {};
        _cleanup_free_ char *m = NULL;

        if (asprintf(&m, "%s: %s", d->name, msg) < 0)
                return;
        field_add(&f, "MESSAGE=%s", m);
        field_add(&f, "MESSAGE_ID=%s", message_ids[AUDIT_RUNTIME_POISON]);
        field_add(&f, "PRIORITY=%d", priority);
        field_add(&f, "DAXTIER_REASON=%s", msg);
        device_fields(&f, d);
        fields_send(&f, m);
}

void audit_config_error(const char *msg) {
        char field[1100];

        snprintf(field, sizeof(field), "DAXTIER_REASON=%s", msg);
        const char *f[] = { field, NULL };
        audit_event(AUDIT_CONFIG_ERROR, LOG_ERR, f, "configuration error: %s", msg);
}

void audit_policy_loaded(const struct policy *p, const char *how) {
        struct strbuf files = {};
        char field[2048], regions[64] = "";

        for (size_t i = 0; i < p->n_files; i++)
                strbuf_appendf(&files, "%s%s", i ? " " : "", p->files[i]);
        snprintf(field, sizeof(field), "DAXTIER_CONFIG_FILES=%s", strbuf_str(&files));
        const char *f[] = { field, NULL };
        if (p->n_region_rules > 0)
                snprintf(regions, sizeof(regions), ", %zu region rule%s", p->n_region_rules,
                         p->n_region_rules == 1 ? "" : "s");
        audit_event(AUDIT_POLICY_LOADED, LOG_INFO, f, "policy %s: %zu rule%s%s from %s", how, p->n_rules,
                    p->n_rules == 1 ? "" : "s", regions, files.len ? strbuf_str(&files) : "(no files)");
        strbuf_free(&files);
}

void audit_policy_rejected(void) {
        audit_event(AUDIT_POLICY_REJECTED, LOG_ERR, NULL,
                    "reload rejected: the configuration has errors (listed above); the previous policy stays in force");
}

void audit_auto_online_taken(const char *from) {
        char f_from[64];

        snprintf(f_from, sizeof(f_from), "DAXTIER_FROM=%s", from);
        const char *f[] = { f_from, "DAXTIER_TO=offline", NULL };
        audit_event(AUDIT_AUTO_ONLINE, LOG_NOTICE, f,
                    "kernel auto_online_blocks changed from %s to offline ([daemon] auto_online_blocks = offline): daxtierd decides each block's zone",
                    from);
}

void audit_auto_online_restored(const char *to) {
        char f_to[64];

        snprintf(f_to, sizeof(f_to), "DAXTIER_TO=%s", to);
        const char *f[] = { "DAXTIER_FROM=offline", f_to, NULL };
        audit_event(AUDIT_AUTO_ONLINE, LOG_NOTICE, f, "kernel auto_online_blocks restored to %s ([daemon] auto_online_blocks = keep)",
                    to);
}
