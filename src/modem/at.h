/*
 * The AT engine: frames the modem's byte stream into lines, tells final
 * result codes from information lines and from unsolicited result codes
 * (which may arrive at any moment, also between AT+CMGS and the "> "
 * prompt), runs one command at a time from a small queue, and times each
 * out. It owns no file descriptor: the modem attaches an open one.
 */
#ifndef SMSGATE_MODEM_AT_H
#define SMSGATE_MODEM_AT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "loop.h"

#define AT_LINE_MAX   1024      /* longest line kept; a PDU line is at most 2 * 176 */
#define AT_CMD_MAX    160       /* command text without the CR */
#define AT_PDU_HEX_MAX 356      /* 2 * (12 + 164) hex digits, NUL */
#define AT_QUEUE_MAX  8
#define AT_OUT_MAX    1024
#define AT_QUIET_MS   1000      /* silence needed after a timeout before the next command */

enum at_final {
	AT_OK = 0,
	AT_ERROR,               /* bare ERROR */
	AT_CMS_ERROR,           /* +CMS ERROR: code (TS 27.005 3.2.5) */
	AT_CME_ERROR,           /* +CME ERROR: code (TS 27.007 9.2) */
	AT_NO_CARRIER,          /* NO CARRIER, BUSY, NO ANSWER, NO DIALTONE */
	AT_TIMEOUT,             /* no final result in time */
	AT_CLOSED,              /* the line was detached or lost */
};

struct at_result {
	enum at_final final;
	int code;               /* +CMS/+CME number, -1 when verbose or absent */
	char text[64];          /* the final line as received ("+CMS ERROR: 331") */
};

const char *at_final_name(enum at_final f);

struct at_req {
	const char *line;       /* "AT+CSQ" (no CR) */
	const char *prefix;     /* the information prefix this command answers with ("+CSQ:"), or NULL */
	const char *pdu;        /* hex sent after the "> " prompt, then Ctrl-Z; NULL for none */
	int timeout_ms;
	void (*on_info)(void *ctx, const char *line);
	void (*on_done)(void *ctx, const struct at_result *r);
	void *ctx;
};

struct at_stats {
	uint64_t commands, timeouts, urcs, unexpected, overlong;
};

struct at {
	struct loop *loop;
	struct loop_fd io;
	struct loop_timer timer;        /* command timeout, or the quiet period */
	bool attached;
	bool quiet;                     /* waiting for silence after a timeout */
	int64_t quiet_until;
	int quiet_ms;                   /* the silence asked for */

	/* Receive side. */
	char line[AT_LINE_MAX + 1];
	size_t line_len;
	bool line_overlong;
	char urc_head[AT_LINE_MAX + 1]; /* +CMT:/+CDS: waiting for its PDU line */
	bool urc_wants_pdu;

	/* Command queue; [head] is in flight once `busy`. */
	struct {
		char line[AT_CMD_MAX + 1];
		char prefix[24];
		char pdu[AT_PDU_HEX_MAX + 1];
		bool has_pdu;
		int timeout_ms;
		void (*on_info)(void *, const char *);
		void (*on_done)(void *, const struct at_result *);
		void *ctx;
	} q[AT_QUEUE_MAX];
	unsigned head, count;
	bool busy, prompt_wait, pdu_sent;
	bool stale_final;               /* a stale answer's final result is due */

	/* Transmit side. */
	char out[AT_OUT_MAX];
	size_t out_len;

	void (*on_urc)(void *ctx, const char *line, const char *pdu);
	void (*on_lost)(void *ctx, int err);    /* the fd reported EOF/HUP/EIO: detach it */
	void *ctx;
	struct at_stats stats;
};

void at_init(struct at *a, struct loop *l, void (*on_urc)(void *, const char *, const char *),
	     void (*on_lost)(void *, int), void *ctx);
/* Starts using fd (non-blocking). */
int at_attach(struct at *a, int fd);
/* Stops using the fd (the caller closes it); queued commands end with AT_CLOSED. */
void at_detach(struct at *a);
/* Queues a command. -EBUSY when the queue is full, -ENOTCONN when detached,
 * -EINVAL for a command or PDU that does not fit. */
int at_send(struct at *a, const struct at_req *req);
bool at_idle(const struct at *a);
/* The next command waits until the line has been silent for ms; what
 * arrives meanwhile is discarded (URCs still count). After the first
 * answer on a freshly opened line, this lets a stale answer drain. */
void at_settle(struct at *a, int ms);

/* What a received line is, given the command in flight (exposed for tests
 * and the fuzz target). */
enum at_line_kind {
	AT_LINE_EMPTY,
	AT_LINE_FINAL,
	AT_LINE_URC,
	AT_LINE_URC_PDU,        /* a URC whose PDU follows on the next line */
	AT_LINE_INFO,
};
enum at_line_kind at_classify(const char *line, const char *pending_prefix, struct at_result *final);

#endif
