/*
 * One modem: the state machine from a closed device to ready, the
 * periodic health poll, sending one PDU at a time, receiving, status
 * reports, and recovery (reopen, AT+CFUN cycle, an owner-run reset
 * command) with capped back-off. Everything runs on the caller's loop.
 */
#ifndef SMSGATE_MODEM_MODEM_H
#define SMSGATE_MODEM_MODEM_H

#include <stdbool.h>
#include <stdint.h>

#include "at.h"
#include "errors.h"
#include "loop.h"
#include "sms.h"

enum modem_state {
	MODEM_CLOSED = 0,       /* device not open; reopening after a back-off */
	MODEM_INIT,             /* probing and configuring */
	MODEM_SIM_WAIT,         /* SIM absent or busy; polling */
	MODEM_SIM_LOCKED,       /* needs a human: PIN rejected, PUK, PIN2, no PIN configured */
	MODEM_REGISTERING,      /* waiting for the network */
	MODEM_READY,
	MODEM_SENDING,
};

const char *modem_state_name(enum modem_state s);

struct modem_config {
	char name[32];
	char device[256];
	unsigned baud;
	char pin[16];                   /* empty: none */
	char smsc[24];                  /* empty: the SIM's */
	int cmd_timeout_ms;             /* ordinary commands (default 5000) */
	int submit_timeout_ms;          /* AT+CMGS after the PDU (default 60000: a bad network is slow) */
	int poll_interval_ms;           /* health poll (default 30000) */
	int reg_timeout_ms;             /* not registered this long counts as a failure (default 180000) */
	int reopen_min_ms, reopen_max_ms; /* back-off between reopen attempts (1000 .. 60000) */
};

void modem_config_defaults(struct modem_config *c);

/* Where a received message sits, so the owner can release it once stored. */
struct modem_msg_ref {
	char mem[8];                    /* "SM", "ME", ... ; "" when delivered directly */
	int index;                      /* -1 when delivered directly (+CMT, +CDS) */
};

struct modem;

#define MODEM_JOBS_MAX 64       /* pending reads/deletes; beyond, the next drain finds them */

struct modem_ops {
	void (*state_changed)(void *ctx, struct modem *m);
	/* A received SMS-DELIVER or SMS-STATUS-REPORT. The owner stores it
	 * durably, then calls modem_release(); until then it stays on the SIM. */
	void (*received)(void *ctx, struct modem *m, const struct sms_pdu *pdu, const struct modem_msg_ref *ref);
	/* Optional: run the configured reset command (USB power cycle). */
	void (*reset)(void *ctx, struct modem *m);
};

struct modem_status {
	enum modem_state state;
	char sim[48];                   /* "READY", "SIM PIN", "not inserted", "PIN rejected", ... */
	int reg;                        /* +CREG <stat>: 1 home, 5 roaming, 2 searching, 3 denied, -1 unknown */
	int csq;                        /* 0..31, 99 unknown */
	int dbm;                        /* 0 when unknown */
	char operator_name[64];
	char imei[24], imsi[24], manufacturer[64], model[64], revision[64];
	char last_error[96];
	uint64_t sent, send_failed, received, reports, reconnects, cfun_cycles, resets, timeouts;
	int64_t ready_since;            /* loop_now(), 0 when not ready */
};

typedef void (*modem_submit_cb)(void *ctx, struct modem *m, int mr, const struct at_result *err,
				enum send_verdict verdict);

struct modem {
	struct modem_config cfg;
	const struct modem_ops *ops;
	void *ctx;
	struct loop *loop;
	struct at at;
	int fd;
	struct modem_status st;

	unsigned step;                  /* init script position */
	bool step_inflight;             /* its command is with the AT engine */
	unsigned step_tries;
	int cnmi_choice;
	struct loop_timer timer;        /* reopen back-off, SIM/registration polls, init retries */
	struct loop_timer poll_timer;   /* health poll while ready */
	int64_t reg_wait_since;
	unsigned failures;              /* recoveries since the last time the modem was ready */
	unsigned consecutive_timeouts;
	enum { PIN_UNTRIED, PIN_ACCEPTED, PIN_REJECTED } pin_state;
	bool reinit_pending;            /* a power-up banner came during a submit */
	bool cfun_pending;              /* do an AT+CFUN cycle after the next probe */
	bool ack_needed;                /* +CSMS service 1: +CMT/+CDS need AT+CNMA */
	char read_mem[8];
	bool stopped;

	/* The submit in flight. */
	modem_submit_cb submit_cb;
	void *submit_ctx;
	int submit_mr;
	char submit_pdu[AT_PDU_HEX_MAX + 1];
	char submit_cmd[24];

	/* +CMGL parsing (the drain): a header line, then the PDU line. */
	int list_index;
	/* Reads and deletes of stored messages, one at a time. */
	struct modem_job {
		char kind;              /* 'R' read (AT+CMGR), 'D' delete (AT+CMGD) */
		char mem[8];
		int index;
	} jobs[MODEM_JOBS_MAX], job;
	unsigned job_head, job_count;
	bool job_busy, job_read;
};

void modem_init(struct modem *m, struct loop *l, const struct modem_config *cfg, const struct modem_ops *ops,
		void *ctx);
/* Opens the device and brings the modem up; failures are retried forever. */
void modem_start(struct modem *m);
/* Finishes nothing: closes the line now (the caller waits for idle first). */
void modem_stop(struct modem *m);
bool modem_can_send(const struct modem *m);
bool modem_idle(const struct modem *m);
/* Sends one PDU (hex, with the SMSC field; tpdu_len for AT+CMGS). The
 * callback gets the message reference or the error and its verdict.
 * -EBUSY when the modem cannot send now. */
int modem_submit(struct modem *m, const char *pdu_hex, unsigned tpdu_len, modem_submit_cb cb, void *ctx);
/* The owner has stored a received message: delete it from the SIM. */
void modem_release(struct modem *m, const struct modem_msg_ref *ref);
/* CSQ 0..31 to dBm (TS 27.007 8.5); 0 for 99/unknown. */
int modem_csq_dbm(int csq);

#endif
