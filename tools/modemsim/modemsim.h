/*
 * smsgate-modemsim: a GSM modem on a pseudo-terminal.
 *
 * One private header for the simulator's modules:
 *   loop.c     poll() loop, monotonic timers, fd handles
 *   line.c     the pty pair, the --link symlink, the non-blocking output ring
 *   at.c       V.250 command-line state machine, result codes, dispatch table
 *   gsm.c      TS 27.007: identification, SIM/PIN, registration, signal
 *   sms.c      TS 27.005: memories, CNMI routing, submit, deliver, reports
 *   profile.c  the device profiles (generic, huawei, simcom, terse)
 *   ctl.c      the control socket and the `ctl` command-line client
 *   log.c      the JSON-lines log
 *   main.c     argv, wiring, signals; the only file with globals
 * Names are prefixed ms_ (exported between modules) and module__verb for
 * file-local helpers.
 */
#ifndef SMSGATE_MODEMSIM_H
#define SMSGATE_MODEMSIM_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <json-c/json.h>

#include "sms.h"
#include "loop.h"

#define MS_PRINTF(a, b) __attribute__((format(printf, a, b)))
#define ms_container_of(ptr, type, member) ((type *)(void *)((char *)(ptr) - offsetof(type, member)))
#define MS_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* The loop is smsgated's own (src/base/loop.h): epoll and timers. */

/* ---- log.c -------------------------------------------------------------- */

struct ms_log {
	int fd;                 /* -1: no log */
};

int ms_log_open(struct ms_log *lg, const char *path);
void ms_log_close(struct ms_log *lg);
/* Adds "ts" and "ev", writes one line, and releases obj. */
void ms_log_event(struct ms_log *lg, const char *ev, json_object *obj);
/* The decoded fields of a PDU, as the log and the ctl replies show them. */
void ms_log_pdu_fields(json_object *obj, const struct sms_pdu *p);

/* ---- profile.c ---------------------------------------------------------- */

struct ms_profile {
	const char *name;
	const char *manufacturer, *model, *revision;
	const char *ati;                /* ATI information text, lines separated by \r\n */
	bool never_echo;                /* terse: no echo, even after ATE1 */
	bool bare_errors;               /* terse: ERROR whatever +CMEE says */
	bool reject_bare_at;            /* terse: "AT" alone gives ERROR */
	bool cmgs_zero;                 /* terse: +CMGS: 0 always */
	bool urc_anytime;               /* URCs are not held back while a command runs */
	bool huawei;                    /* ^RSSI/^MODE/^BOOT URCs, ^CURC, 0-based indexes */
	bool simcom;                    /* RDY ... SMS Ready banners after power-up */
	bool quoted_empty_alpha;        /* +CMGR: 0,"",24 rather than +CMGR: 0,,24 */
	unsigned first_index;           /* index of the first storage slot */
	int act;                        /* access technology for +COPS/+CxREG, -1 to omit */
	int cnmi_default[5];
};

const struct ms_profile *ms_profile_find(const char *name);
const char *ms_profile_names(void);

/* ---- line.c: the pty ---------------------------------------------------- */

#define MS_OUT_CAP_DEFAULT (64 * 1024)

struct ms_line {
	int master;             /* -1 while dropped */
	int keeper;             /* our own slave fd: keeps the pty from HUP and its termios raw */
	char slave_path[128];
	const char *link;       /* NULL: no symlink */
	struct loop_fd h;
	uint8_t *out;           /* ring of out_cap bytes */
	size_t out_cap, out_head, out_len;
	uint64_t out_dropped;   /* bytes dropped because nobody read them */
	void (*on_input)(struct ms_line *l, const uint8_t *buf, size_t n);
	struct loop *loop;
};

int ms_line_init(struct ms_line *l, struct loop *loop, const char *link, size_t out_cap);
int ms_line_open(struct ms_line *l);
void ms_line_close(struct ms_line *l);
void ms_line_free(struct ms_line *l);
bool ms_line_up(const struct ms_line *l);
void ms_line_write(struct ms_line *l, const void *buf, size_t n);

/* ---- the modem ---------------------------------------------------------- */

#define MS_LINE_MAX    556      /* command line length (SIMCom's); V.250 5.2.1 asks for at least 40 */
#define MS_ARGS_MAX    16
#define MS_PEND_MAX    2048     /* input held while a command runs */
#define MS_PROMPT_MAX  (2 * SMS_PDU_MAX + 64)
#define MS_URC_QUEUE_MAX 64
#define MS_SLOTS_MAX   1000

enum ms_cmd_type { MS_CMD_ACTION, MS_CMD_READ, MS_CMD_TEST, MS_CMD_SET };

struct ms_arg {
	bool present;
	bool quoted;
	const char *s;          /* NUL terminated, quotes removed, \HH decoded */
	size_t len;
};

struct ms_args {
	unsigned n;
	struct ms_arg a[MS_ARGS_MAX];
	char buf[MS_LINE_MAX + MS_ARGS_MAX + 1];
};

/* Results of a command handler. */
#define MS_OK          0
#define MS_ERROR       (-1)
#define MS_PENDING     (-2)     /* the handler finishes later with ms_at_resume() */
#define MS_NO_CARRIER  (-3)
#define MS_CME(n)      (0x10000 | (n))
#define MS_CMS(n)      (0x20000 | (n))
#define MS_IS_CME(r)   (((r) & 0x30000) == 0x10000)
#define MS_IS_CMS(r)   (((r) & 0x30000) == 0x20000)
#define MS_CODE(r)     ((r) & 0xffff)

/* TS 27.007 9.2.1 */
#define CME_NOT_ALLOWED      3
#define CME_NOT_SUPPORTED    4
#define CME_SIM_NOT_INSERTED 10
#define CME_SIM_PIN          11
#define CME_SIM_PUK          12
#define CME_SIM_FAILURE      13
#define CME_WRONG_PASSWORD   16
#define CME_INVALID_INDEX    21
#define CME_NO_NETWORK       30
#define CME_BAD_PARAM        50
/* TS 27.005 3.2.5 */
#define CMS_NOT_ALLOWED      302
#define CMS_NOT_SUPPORTED    303
#define CMS_BAD_PDU_PARAM    304
#define CMS_BAD_TEXT_PARAM   305
#define CMS_SIM_NOT_INSERTED 310
#define CMS_SIM_PIN          311
#define CMS_SIM_FAILURE      313
#define CMS_SIM_PUK          316
#define CMS_INVALID_INDEX    321
#define CMS_MEMORY_FULL      322
#define CMS_SMSC_UNKNOWN     330
#define CMS_NO_NETWORK       331

struct ms_modem;
struct ms_pending_mt;
typedef int (*ms_cmd_fn)(struct ms_modem *m, enum ms_cmd_type t, const struct ms_args *a);

#define MS_F_SIM     0x1u       /* needs a ready SIM; errors as +CME */
#define MS_F_SMS     0x2u       /* needs a ready SIM; errors as +CMS */
#define MS_F_HUAWEI  0x4u       /* exists only on Huawei firmware */

struct ms_cmd {
	const char *name;       /* "+CMGS", "^CURC" */
	ms_cmd_fn fn;
	unsigned flags;
};

enum ms_in_state {
	MS_IN_SCAN,             /* looking for 'A' */
	MS_IN_A,                /* got 'A', want 'T' or '/' */
	MS_IN_LINE,             /* collecting the command line until S3 */
	MS_IN_BUSY,             /* a command line runs: input is held */
	MS_IN_PROMPT,           /* after "> ": PDU or text until Ctrl-Z / ESC */
	MS_IN_STATES
};

enum ms_prompt_kind { MS_PROMPT_SEND, MS_PROMPT_WRITE };

struct ms_at {
	enum ms_in_state st;
	char line[MS_LINE_MAX + 1];     /* body after "AT", as typed */
	size_t len;
	bool overflow;
	char cmd[MS_LINE_MAX + 1];      /* normalised body being executed */
	size_t cmd_len, pos;
	char last[MS_LINE_MAX + 1];     /* for A/ (V.250 5.2.4) */
	size_t last_len;
	uint8_t pend[MS_PEND_MAX];
	size_t pend_len;
	bool draining;
	/* prompt */
	enum ms_prompt_kind prompt;
	unsigned prompt_len;            /* PDU mode: TPDU length given; text mode: unused */
	int prompt_stat;                /* +CMGW <stat> */
	struct sms_address prompt_da;   /* text mode destination */
	char pbuf[MS_PROMPT_MAX];
	size_t plen;
	bool poverflow;
};

enum ms_sim_state { MS_SIM_READY, MS_SIM_PIN, MS_SIM_PUK, MS_SIM_ABSENT, MS_SIM_BLOCKED };

struct ms_slot {
	bool used;
	uint8_t stat;           /* 0 REC UNREAD, 1 REC READ, 2 STO UNSENT, 3 STO SENT */
	uint8_t len, tpdu_len;
	uint8_t pdu[SMS_PDU_MAX];
};

struct ms_mem {
	const char *name;       /* "SM", "ME" */
	unsigned cap;
	struct ms_slot *slot;
};

enum ms_mem_id { MS_MEM_SM, MS_MEM_ME, MS_MEMS };

struct ms_urc {
	struct ms_urc *next;
	bool sms;               /* subject to +CNMI <mode> */
	size_t len;
	char text[];
};

/* A status report waiting for its moment. */
struct ms_report {
	struct ms_report *next;
	struct loop_timer t;
	struct ms_modem *m;
	uint8_t mr;
	struct sms_address to;
	struct sms_time scts;
};

struct ms_config {
	const char *link, *ctl_path, *log_path;
	const struct ms_profile *profile;
	unsigned send_delay_ms, report_delay_ms, register_delay_ms;
	unsigned urc_min_ms, urc_max_ms, urc_chance;
	const char *pin, *puk, *smsc, *own_number, *imsi, *imei, *operator_name, *operator_short, *plmn;
	unsigned sm_slots, me_slots;
	size_t out_cap;
	unsigned seed;
	int csq;
	uint8_t report_status;
	uint8_t first_mr;
};

struct ms_modem {
	const struct ms_config *cfg;
	const struct ms_profile *prof;
	struct loop *loop;
	struct ms_log *log;
	struct ms_line line;
	struct ms_at at;

	/* V.250 */
	bool echo, quiet, verbose;
	uint8_t s[13];
	int cmee;

	/* SIM */
	enum ms_sim_state sim;
	bool sim_present;
	bool pin_enabled;
	unsigned pin_left, puk_left;
	char pin[9], puk[9];

	/* network */
	bool net_up;            /* false after ctl deregister */
	int net_down_stat;      /* the stat shown while !net_up */
	int reg;                /* 27.007 <stat> */
	int creg_n, cgreg_n, cereg_n;
	int cfun;
	int cops_format;
	int csq;
	bool curc;              /* Huawei ^CURC */
	int portsel;            /* Huawei ^PORTSEL: the port for URCs, accepted and shown */
	int cops_mode;
	bool roaming;
	struct loop_timer reg_timer;

	/* 27.005 */
	int cmgf, csms, csdh;
	char cscs[8];
	struct sms_address smsc;
	int csmp[4];            /* fo, vp, pid, dcs */
	int cnmi[5];
	struct ms_mem mem[MS_MEMS];
	enum ms_mem_id cpms[3];
	uint8_t next_mr;
	uint8_t inject_ref;

	/* submit in flight */
	struct loop_timer send_timer;
	bool sub_active;
	int sub_result;         /* MS_OK or an error */
	uint8_t sub_mr;
	bool sub_srr;
	struct sms_address sub_to;
	bool sub_write;         /* +CMGW: store instead of send */
	int sub_index;          /* +CMSS: the slot sent from; -1 for +CMGS */
	json_object *sub_log;   /* the "submit" log line, written when the answer goes out */
	struct loop_timer retry_timer;    /* the network retries held messages */
	struct ms_pending_mt *pending_mt;
	struct loop_timer reset_timer;    /* +CFUN=1,1 */

	/* faults */
	bool hung;
	int cms_error;
	unsigned cms_count;
	unsigned delay_ms;
	uint8_t report_status;

	struct loop_timer urc_timer;      /* Huawei's random URCs */
	struct loop_timer drop_timer;     /* ctl drop MS: restore later */
	struct ms_report *reports;
	struct ms_urc *urc_head, *urc_tail;
	unsigned urc_count;
	uint64_t rng;
};

/* at.c */
void ms_at_input(struct ms_modem *m, const uint8_t *buf, size_t n);
void ms_at_resume(struct ms_modem *m, int res);
void ms_at_reset(struct ms_modem *m);
void ms_out(struct ms_modem *m, const void *buf, size_t n);
void ms_outf(struct ms_modem *m, const char *fmt, ...) MS_PRINTF(2, 3);
/* Information text: header, text (may hold several lines), trailer. */
void ms_info(struct ms_modem *m, const char *text, size_t n);
void ms_infof(struct ms_modem *m, const char *fmt, ...) MS_PRINTF(2, 3);
/* Unsolicited result code: now, held, or dropped, per profile and +CNMI. */
void ms_urc(struct ms_modem *m, bool sms, const char *text, size_t n);
void ms_urcf(struct ms_modem *m, bool sms, const char *fmt, ...) MS_PRINTF(3, 4);
void ms_urc_flush(struct ms_modem *m);
void ms_urc_clear(struct ms_modem *m);
bool ms_at_busy(const struct ms_modem *m);
void ms_prompt_start(struct ms_modem *m, enum ms_prompt_kind kind);

/* Argument helpers: 0, -ENOENT when absent, -EINVAL when malformed or out of range. */
int ms_arg_int(const struct ms_args *a, unsigned i, long lo, long hi, long *v);
const char *ms_arg_str(const struct ms_args *a, unsigned i);

/* gsm.c */
extern const struct ms_cmd ms_gsm_cmds[];
extern const size_t ms_gsm_ncmds;
void ms_gsm_init(struct ms_modem *m);
void ms_gsm_power_on(struct ms_modem *m);
void ms_gsm_set_reg(struct ms_modem *m, int stat);
void ms_gsm_network_changed(struct ms_modem *m);
void ms_gsm_sim_remove(struct ms_modem *m);
void ms_gsm_sim_insert(struct ms_modem *m);
const char *ms_cme_text(int code);
void ms_huawei_urc(struct ms_modem *m);
uint32_t ms_rand(struct ms_modem *m);

/* sms.c */
extern const struct ms_cmd ms_sms_cmds[];
extern const size_t ms_sms_ncmds;
int ms_sms_init(struct ms_modem *m);
void ms_sms_free(struct ms_modem *m);
void ms_sms_defaults(struct ms_modem *m);
void ms_sms_timers_init(struct ms_modem *m);
void ms_sms_network_retry(struct ms_modem *m);
const char *ms_cms_text(int code);
int ms_sms_prompt_done(struct ms_modem *m);   /* Ctrl-Z: returns MS_PENDING or a result */
void ms_sms_abort(struct ms_modem *m);
/* Injection from the control socket; the reply object receives details. */
int ms_sms_inject_text(struct ms_modem *m, const char *from, const char *text, unsigned flags,
		       json_object *reply);
int ms_sms_inject_pdu(struct ms_modem *m, const char *hex, json_object *reply);
int ms_sms_inject_report(struct ms_modem *m, uint8_t mr, const char *to, uint8_t st, json_object *reply);
#define MS_INJ_UCS2    0x1u
#define MS_INJ_FLASH   0x2u
#define MS_INJ_REVERSE 0x4u
#define MS_INJ_SHUFFLE 0x8u

/* main.c wiring, used by ctl.c */
void ms_modem_drop(struct ms_modem *m);
int ms_modem_restore(struct ms_modem *m);
void ms_modem_power_cycle(struct ms_modem *m);

/* ---- ctl.c -------------------------------------------------------------- */

#define MS_CTL_CLIENTS_MAX 8
#define MS_CTL_REQ_MAX     (16 * 1024)

struct ms_ctl_client {
	struct loop_fd h;
	struct ms_ctl *ctl;
	bool used;
	size_t len;
	char buf[MS_CTL_REQ_MAX];
};

struct ms_ctl {
	struct loop_fd h;
	const char *path;
	struct ms_modem *m;
	struct ms_ctl_client c[MS_CTL_CLIENTS_MAX];
};

int ms_ctl_open(struct ms_ctl *ctl, struct ms_modem *m, const char *path);
void ms_ctl_close(struct ms_ctl *ctl);
int ms_ctl_client_main(int argc, char **argv);

#endif
