/*
 * smsgated's private header: the gateway ties the spool to the modems.
 * Only daemon/ knows both sides (STYLE.md: modem never includes spool).
 */
#ifndef SMSGATE_DAEMON_GATEWAY_H
#define SMSGATE_DAEMON_GATEWAY_H

#include <stdbool.h>
#include <stdint.h>

#include <json-c/json.h>

#include "config.h"
#include "event.h"
#include "loop.h"
#include "modem.h"
#include "proc.h"
#include "queue.h"
#include "sms.h"

/* A message as the dispatcher needs it, read from its queue file. */
struct outmsg {
	char to[24];
	char *text;                     /* UTF-8, malloc'd */
	size_t text_len;
	bool flash, report, high;
	unsigned plan_flags;            /* SMS_PLAN_FORCE_UCS2 for Alphabet: UCS2 */
	unsigned max_parts;             /* 1 for Autosplit: 0 */
	unsigned validity_minutes;
	int64_t expires;                /* unix seconds, 0 = never */
	bool from_pool;                 /* "Pool: yes": taken from the MQTT pool, never forwarded to it */
};

/* One pending message in memory: the text stays on disk. */
struct qmsg {
	struct qmsg *next;
	char id[SPOOL_ID_LEN + 1];
	bool high;
	bool from_pool;                 /* taken from the MQTT pool: this gateway's modems send it */
	bool forwarding;                /* published to the pool, its PUBACK awaited */
	uint64_t fwd_token;
	int64_t next_try;               /* loop_now() ms; 0 = at once */
	int64_t expires;                /* unix seconds; 0 = never */
	struct gw_modem *on;            /* the modem sending it, or NULL */
	char avoid[32];                 /* a modem that failed it for its own reasons */
	/* Finished (sent or failed) but its final files could not be written
	 * yet (a full disk): malloc'd, retried from gw_dispatch. */
	struct msg_record *final;
	const struct modem *final_modem;
};

struct gw_modem {
	struct modem m;
	struct gateway *gw;
	struct qmsg *cur;
	struct msg_record rec;
	struct outmsg msg;
	struct sms_plan plan;
	struct sms_submit_opts opts;
	struct proc reset;
};

#define GW_LATENCY_BUCKETS { 1, 2, 5, 10, 30, 60, 300, 1800 } /* seconds */
#define GW_LATENCY_NBUCKETS 8

#define GW_REPORTS_MAX 4096     /* sent parts awaiting a status report */

struct pending_report {
	char id[SPOOL_ID_LEN + 1];
	char to[24];
	uint8_t mr;
	int64_t sent_at;
};

/* Alert-storm control (limit.c): small fixed tables, bounded memory. A
 * recipient's slot keeps the times of its last rate_limit.count admitted
 * messages (a ring); a fingerprint of recipient and text keeps the time
 * its text was last admitted. Both are hashed with linear probing over a
 * short run; a full run gives up its stalest entry. */
#define GW_LIMIT_RECIPIENTS 256
#define GW_LIMIT_TEXTS 1024
#define GW_LIMIT_PROBE 16

enum gw_verdict { GW_ADMIT = 0, GW_SUPPRESS_RATE, GW_SUPPRESS_DUPLICATE };

struct gw_limit_rcpt {
	char to[24];                    /* "" when free */
	int64_t last;                   /* ms of the newest admitted message */
	uint8_t head, n;
	int64_t at[CONFIG_RATE_MAX];    /* ms, ring */
};

struct gw_limit_text {
	uint64_t fp;                    /* 0 when free */
	int64_t at;                     /* ms */
};

struct gw_limit {
	struct gw_limit_rcpt rcpt[GW_LIMIT_RECIPIENTS];
	struct gw_limit_text text[GW_LIMIT_TEXTS];
	uint64_t suppressed_rate, suppressed_duplicate;
};

/* Self-alarms (alarm.c): each condition raises one alarm and stays
 * raised until it clears. Times are loop_now() ms; 0 = not so. */
struct gw_alarm_modem {
	int64_t down_since;             /* stopped being able to send */
	char down_why[96];
	bool down_raised, sim_raised, resets_raised;
	uint64_t reconnects_seen;
	int64_t resets_at[CONFIG_RATE_MAX]; /* ring of line losses */
	uint8_t resets_head, resets_n;
};

struct gw_alarms {
	struct gw_alarm_modem modem[CONFIG_MODEMS_MAX];
	int64_t nosend_since;           /* no modem could send */
	char nosend_why[192];
	bool nosend_raised;
	unsigned nosend_alarms;         /* alarms queued while nothing could send: not "delayed" */
	int64_t stuck_since;            /* queued work, a modem able to send, no progress */
	uint64_t progress_seen;         /* sent + failed at the last look */
	bool stuck_raised, spool_raised;
	bool checking;                  /* gw_alarms_check is running */
	int64_t spool_next;             /* the next statvfs */
	struct loop_timer timer;
};

/* Dead-man's switches (heartbeat.c). In memory on the monotonic clock;
 * on disk (heartbeat/NAME) in wall-clock milliseconds, so a restart or a
 * reboot continues the silence where it was. */
struct gw_heartbeat {
	char name[CONFIG_NAME_SIZE];
	const struct config_heartbeat *cfg;
	int64_t since;                  /* start of the silence: the last beat, or its first configuration */
	bool beaten;                    /* since is a beat */
	bool alarm_sent;                /* the alarm of this silence is queued */
	int64_t alarm_at;
};

struct gw_heartbeats {
	struct gw_heartbeat hb[CONFIG_HEARTBEATS_MAX];
	unsigned n;
	int dirfd;                      /* spool/heartbeat */
	int64_t offset;                 /* wall-clock ms minus loop_now() at the last look */
	struct loop_timer timer;
};

struct gateway {
	struct config cfg;
	const char *config_path;
	struct loop loop;
	struct spool spool;
	struct gw_modem modems[CONFIG_MODEMS_MAX];
	unsigned nmodems;

	/* The queue: two FIFO lists, high priority first. */
	struct qmsg *head[2], **tail[2];
	unsigned queued;
	struct loop_timer retry_timer;
	int64_t sweep_due;              /* loop_now() when the waiting messages need a look; 0 at start */

	struct loop_fd inotify;
	struct loop_timer empty_timer;  /* a second look at empty files in outgoing/ */
	struct pending_report reports[GW_REPORTS_MAX];
	unsigned nreports, reports_next;

	struct sms_reasm reasm;
	struct sms_reasm_slot *reasm_slots;
	struct loop_timer reasm_timer;

	struct hooks *hooks;
	struct webhooks *webhooks;      /* NULL: none configured */
	struct pool *pool;              /* [mqtt]; NULL: none */
	struct http_server *http;
	/* Acceptance to sent, for /metrics: counts per bucket, the last one +Inf. */
	uint64_t latency_count[GW_LATENCY_NBUCKETS + 1];
	double latency_sum;
	int64_t last_progress;          /* loop_now() of the last message sent or failed */
	struct loop_timer status_timer;
	struct loop_timer retention_timer;
	int64_t status_written;
	bool stopping;
	bool restart_pending;           /* SIGHUP changed the modems: no new submits until they restart */
	int64_t started;
	uint64_t sent_total, failed_total, received_total;
	struct gw_limit limit;
	struct gw_alarms alarms;
	struct gw_heartbeats heartbeats;
};

/* dispatcher.c */
void gw_dispatch(struct gateway *gw);
/* Takes a message that is now in queue/ (ID and maybe ID.st). */
int gw_enqueue(struct gateway *gw, const char *id, const struct msg_record *rec, const struct outmsg *m);
void gw_modem_state_changed(void *ctx, struct modem *m);
bool gw_busy(const struct gateway *gw);
/* A message in queue/ that is finished already (rec: sent, or failed with
 * last_error the reason, e.g. a refused file): its final files now, or as
 * soon as the disk allows. */
void gw_finish_claimed(struct gateway *gw, struct msg_record *rec);

/* limit.c: every message that joins the queue (HTTP, outgoing/, smsgate
 * send) passes here once. */
bool gw_number_allowed(const struct gateway *gw, const char *to);
/* Decides and records: GW_ADMIT (counted against the limits), or a
 * suppression with the sentence for Fail_reason in why. now: ms. */
enum gw_verdict gw_limit_check(struct gw_limit *l, const struct config_gateway *c, const char *to, const char *text,
			       size_t text_len, int64_t now, char *why, size_t whylen);
/* Admits m (id in queue/ with rec) or finishes it as suppressed/refused:
 * 0 queued, 1 suppressed, 2 refused (allow_prefixes), -ENOMEM. */
int gw_admit(struct gateway *gw, const char *id, struct msg_record *rec, const struct outmsg *m);

/* events.c: webhook events */
int gw_webhooks_start(struct gateway *gw, char *why, size_t whylen);
void gw_webhooks_reload(struct gateway *gw, const struct config *old);
/* sms.sent, sms.delivered or sms.failed, by rec->state. */
void gw_event_message(struct gateway *gw, const struct msg_record *rec);
/* sms.received: the incoming/ file just written (name, its bytes). */
void gw_event_received(struct gateway *gw, const char *name, const char *file, size_t len);
/* gateway.alarm: a self-alarm or heartbeat alarm (kind as gw_alarm_kind_name), to NULL when no admin. */
void gw_event_alarm(struct gateway *gw, const char *kind, const char *to, const char *text);

/* pool.c: the MQTT pool (docs/mqtt.md) */
int gw_pool_start(struct gateway *gw, char *why, size_t whylen);
void gw_pool_stop(struct gateway *gw);
/* Subscribes or unsubscribes as the modems allow; publishes the retained status. */
void gw_pool_update(struct gateway *gw);
void gw_pool_event(struct gateway *gw, enum webhook_event type, json_object *data);
/* A message left the queue: the pool may hand us the next one. */
void gw_pool_release(struct gateway *gw);
/* pool_forward.c, [mqtt] forward = yes: true while q is the pool's to
 * send rather than a local modem's (*soonest: when that ends, loop ms). */
bool gw_pool_holds(struct gateway *gw, const struct qmsg *q, int64_t *soonest);
/* Publishes the queued messages the pool may take. */
void gw_pool_forward(struct gateway *gw);
/* A local modem takes q after all (the fallback): its publish is withdrawn. */
void gw_pool_unforward(struct gateway *gw, struct qmsg *q);
json_object *gw_pool_status_json(struct gateway *gw);

/* api.c: a message file durably in queue/ joins the queue (limits, allow
 * list): 0 queued, else the enum msg_state it was finished in. */
int gw_take_queued(struct gateway *gw, const char *id);

/* intake.c */
int gw_intake_start(struct gateway *gw);
/* Claims every file in outgoing/ (start-up, and after an inotify overflow). */
void gw_intake_sweep(struct gateway *gw);
int gw_recover_queue(struct gateway *gw);
int gw_load_message(struct gateway *gw, const char *id, struct outmsg *m, char *why, size_t whylen);
void outmsg_free(struct outmsg *m);
/* Writes sent/ or failed/ for a finished message (its queue file plus the
 * smstools3 headers) and moves its record to status/. The name taken there
 * is decided once and kept in rec->final; the record is saved with it
 * before the file is written, so a crash at any point finishes the same
 * message under the same name at the next start and never sends it again. */
int gw_finish_files(struct gateway *gw, const struct modem *m, struct msg_record *rec, const char *reason);

/* incoming.c */
void gw_received(void *ctx, struct modem *m, const struct sms_pdu *pdu, const struct modem_msg_ref *ref);
int gw_incoming_start(struct gateway *gw);

/* hooks.c */
struct hooks;
struct hooks *hooks_new(struct gateway *gw);
void hooks_free(struct hooks *h);
/* eventhandler EVENT FILE [ID], smstools3's convention; queued, run one at a time. */
void hooks_event(struct hooks *h, const char *event, const char *dir, const char *file, const char *id);
bool hooks_idle(const struct hooks *h);

/* The pool acknowledged q: it is finished here as forwarded. */
void gw_forwarded(struct gateway *gw, struct qmsg *q, const char *how);

/* Cancels a message no modem has taken: 0, -EBUSY (sending), -ENOENT. */
int gw_cancel(struct gateway *gw, const char *id);

/* api.c: the HTTP API's view of the gateway. */
int gw_http_start(struct gateway *gw, char *why, size_t whylen);
/* After a reload: everything but the listeners (those need a restart). */
void gw_http_reload(struct gateway *gw);

/* retention.c: trims sent/, failed/, incoming/, status/ (count and age). */
void gw_retention_run(struct gateway *gw);
void gw_retention_start(struct gateway *gw);

/* alarm.c: the gateway's own trouble and the dead-man's switches end up
 * here as alarms. */
enum gw_alarm_kind {
	GW_ALARM_NO_SEND,               /* no modem can send */
	GW_ALARM_SEND_RESUMED,          /* ...and now one can: the summary */
	GW_ALARM_MODEM_DOWN,            /* one modem cannot send (another can) */
	GW_ALARM_MODEM_UP,
	GW_ALARM_SIM_LOCKED,
	GW_ALARM_SPOOL_FULL,
	GW_ALARM_QUEUE_STUCK,
	GW_ALARM_MODEM_RESETS,
	GW_ALARM_HEARTBEAT_SILENT,
	GW_ALARM_HEARTBEAT_BACK,
};
/* "no-send", "send-resumed", ... (stable: logs and events carry it). */
const char *gw_alarm_kind_name(enum gw_alarm_kind k);
/* Every alarm passes here, once: it is logged (syslog), then queued as a
 * high-priority SMS to `to` (NULL: [gateway] admin; none: logged only)
 * through the same checks as any message. Other outlets of an alarm
 * (webhook events) belong here too. 0, or -errno when the SMS could not
 * be queued (logged). */
int gw_alarm(struct gateway *gw, enum gw_alarm_kind kind, const char *to, const char *text);
/* A message from the gateway itself, built and checked exactly as an HTTP
 * request's (request.h), written durably to queue/ and admitted. */
int gw_queue_text(struct gateway *gw, const char *to, const char *text, bool high, char *why, size_t whylen);
void gw_alarms_start(struct gateway *gw);
/* Looks at the conditions now (modem state changes: before dispatching). */
void gw_alarms_check(struct gateway *gw);
/* Looks at them soon, from the loop (queue and progress changes). */
void gw_alarms_poke(struct gateway *gw);
/* "14 min", "2 h 5 min", "45 s" */
void gw_duration_text(char *buf, size_t n, int64_t secs);

/* heartbeat.c */
int gw_heartbeats_start(struct gateway *gw);
/* After a reload: new sections start their clock, removed ones are forgotten. */
void gw_heartbeats_reload(struct gateway *gw);
/* A beat: 0, -ENOENT (no such heartbeat), or -errno when it could not be recorded. */
int gw_heartbeat_beat(struct gateway *gw, const char *name);
json_object *gw_heartbeat_json(struct gateway *gw, const char *name);
json_object *gw_heartbeats_json(struct gateway *gw);

/* status.c */
json_object *gw_status_json(struct gateway *gw);
void gw_status_write(struct gateway *gw);

#endif
