/*
 * Test scaffolding: the modem driver alone on a loop, driven by lines on
 * stdin and reporting JSON lines on stdout, so the integration tests can
 * put it against smsgate-modemsim without the daemon.
 *
 * stdin:  send [--report] [--flash] [--ucs2] NUMBER TEXT...  |  status  |  quit
 * stdout: {"event":"state",...} {"event":"sent",...} {"event":"done",...}
 *         {"event":"received",...} {"event":"report",...} {"event":"status",...}
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <json-c/json.h>

#include "log.h"
#include "loop.h"
#include "modem.h"
#include "modem_json.h"
#include "util.h"

struct harness {
	struct loop loop;
	struct modem modem;
	struct loop_fd in;
	char inbuf[4096];
	size_t inlen;
	const char *reset_file;

	/* The message being sent, one at a time. */
	bool active;
	bool inflight;                  /* a part is with the modem */
	unsigned id, next_id, part;
	struct sms_plan plan;
	struct sms_submit_opts opts;
	char text[2048];
	json_object *mrs;
	struct {
		char line[4096];
	} queue[16];
	unsigned qhead, qcount;
};

static void emit(json_object *o)
{
	puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	fflush(stdout);
	json_object_put(o);
}

static json_object *event(const char *name)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "event", json_object_new_string(name));
	return o;
}

static void done(struct harness *h, bool ok, const char *error, const char *verdict)
{
	json_object *o = event("done");

	json_object_object_add(o, "id", json_object_new_int((int)h->id));
	json_object_object_add(o, "ok", json_object_new_boolean(ok));
	json_object_object_add(o, "mrs", h->mrs);
	if (error)
		json_object_object_add(o, "error", json_object_new_string(error));
	if (verdict)
		json_object_object_add(o, "verdict", json_object_new_string(verdict));
	h->mrs = NULL;
	h->active = false;
	emit(o);
}

static void pump(struct harness *h);

static void submit_cb(void *ctx, struct modem *m, int mr, const struct at_result *err, enum send_verdict v)
{
	struct harness *h = ctx;
	json_object *o;

	(void)m;
	h->inflight = false;
	if (mr < 0) {
		char what[96];

		at_result_describe(what, sizeof(what), err);
		done(h, false, what, send_verdict_name(v));
		pump(h);
		return;
	}
	json_object_array_add(h->mrs, json_object_new_int(mr));
	o = event("sent");
	json_object_object_add(o, "id", json_object_new_int((int)h->id));
	json_object_object_add(o, "part", json_object_new_int((int)h->part + 1));
	json_object_object_add(o, "parts", json_object_new_int((int)h->plan.nparts));
	json_object_object_add(o, "mr", json_object_new_int(mr));
	emit(o);
	if (++h->part == h->plan.nparts)
		done(h, true, NULL, NULL);
	pump(h);
}

/* Parses the next queued "send" line into the active message. */
static int start_message(struct harness *h, char *line)
{
	char *save = NULL, *tok, *number = NULL, *text;
	unsigned flags = 0;

	memset(&h->opts, 0, sizeof(h->opts));
	tok = strtok_r(line, " ", &save); /* "send" */
	while ((tok = strtok_r(NULL, " ", &save))) {
		if (strcmp(tok, "--report") == 0)
			h->opts.report = true;
		else if (strcmp(tok, "--flash") == 0)
			h->opts.flash = true;
		else if (strcmp(tok, "--ucs2") == 0)
			flags |= SMS_PLAN_FORCE_UCS2;
		else {
			number = tok;
			break;
		}
	}
	text = save ? save : "";
	h->id = ++h->next_id;
	h->mrs = json_object_new_array();
	h->active = true;
	h->part = 0;
	h->opts.concat_ref = (uint8_t)h->id;
	if (!number || sms_address_parse(&h->opts.to, number) < 0) {
		done(h, false, "invalid number", "permanent");
		return -1;
	}
	snprintf(h->text, sizeof(h->text), "%s", text);
	if (sms_plan_text(&h->plan, h->text, strlen(h->text), flags, 20, NULL) < 0) {
		done(h, false, "text refused", "permanent");
		return -1;
	}
	return 0;
}

static void pump(struct harness *h)
{
	uint8_t pdu[SMS_PDU_MAX];
	char hex[2 * SMS_PDU_MAX + 1];
	size_t tpdu;
	ssize_t n;

	while (!h->active && h->qcount > 0) {
		char *line = h->queue[h->qhead].line;

		h->qhead = (h->qhead + 1) % ARRAY_SIZE(h->queue);
		h->qcount--;
		start_message(h, line);
	}
	if (!h->active || h->inflight || !modem_can_send(&h->modem))
		return;
	n = sms_submit_encode(pdu, sizeof(pdu), &tpdu, &h->opts, &h->plan, h->text, h->part);
	if (n < 0 || hex_encode(hex, sizeof(hex), pdu, (size_t)n) < 0) {
		done(h, false, "encode failed", "permanent");
		return;
	}
	/* When the modem cannot take it, the next state change tries again. */
	if (modem_submit(&h->modem, hex, (unsigned)tpdu, submit_cb, h) == 0)
		h->inflight = true;
}

static void emit_status(struct harness *h)
{
	json_object *o = event("status");

	modem_status_json_add(o, &h->modem.st);
	emit(o);
}

static void on_state(void *ctx, struct modem *m)
{
	struct harness *h = ctx;
	json_object *o = event("state");

	json_object_object_add(o, "state", json_object_new_string(modem_state_name(m->st.state)));
	json_object_object_add(o, "sim", json_object_new_string(m->st.sim));
	json_object_object_add(o, "last_error", json_object_new_string(m->st.last_error));
	emit(o);
	pump(h);
}

static void on_received(void *ctx, struct modem *m, const struct sms_pdu *p, const struct modem_msg_ref *ref)
{
	json_object *o;

	(void)ctx;
	if (p->type == SMS_STATUS_REPORT) {
		o = event("report");
		json_object_object_add(o, "mr", json_object_new_int(p->mr));
		json_object_object_add(o, "recipient", json_object_new_string(p->addr.str));
		json_object_object_add(o, "status", json_object_new_int(p->status));
		json_object_object_add(o, "class",
				       json_object_new_string(sms_status_class_name(sms_status_classify(p->status))));
	} else {
		o = event("received");
		json_object_object_add(o, "from", json_object_new_string(p->addr.str));
		json_object_object_add(o, "text", json_object_new_string_len(p->text, (int)p->text_len));
		json_object_object_add(o, "class", p->msg_class >= 0 ? json_object_new_int(p->msg_class) : NULL);
		if (p->udh.concat) {
			json_object_object_add(o, "ref", json_object_new_int(p->udh.ref));
			json_object_object_add(o, "seq", json_object_new_int(p->udh.seq));
			json_object_object_add(o, "total", json_object_new_int(p->udh.total));
		}
	}
	json_object_object_add(o, "mem", json_object_new_string(ref->mem));
	json_object_object_add(o, "index", json_object_new_int(ref->index));
	emit(o); /* flushed: "stored" for this harness */
	modem_release(m, ref);
}

static void on_reset(void *ctx, struct modem *m)
{
	struct harness *h = ctx;
	FILE *f;

	(void)m;
	if (!h->reset_file)
		return;
	f = fopen(h->reset_file, "a");
	if (f) {
		fputs("reset\n", f);
		fclose(f);
	}
}

static void handle_line(struct harness *h, char *line)
{
	if (strncmp(line, "send ", 5) == 0) {
		if (h->qcount == ARRAY_SIZE(h->queue)) {
			fprintf(stderr, "harness: queue full\n");
			return;
		}
		snprintf(h->queue[(h->qhead + h->qcount) % ARRAY_SIZE(h->queue)].line, sizeof(h->queue[0].line), "%s",
			 line);
		h->qcount++;
		pump(h);
	} else if (strcmp(line, "status") == 0) {
		emit_status(h);
	} else if (strcmp(line, "quit") == 0) {
		loop_stop(&h->loop);
	}
}

static void stdin_cb(struct loop *l, struct loop_fd *fd, uint32_t revents)
{
	struct harness *h = container_of(fd, struct harness, in);
	ssize_t n;
	char *nl;

	(void)revents;
	n = read(fd->fd, h->inbuf + h->inlen, sizeof(h->inbuf) - h->inlen - 1);
	if (n <= 0) {
		loop_stop(l);
		return;
	}
	h->inlen += (size_t)n;
	h->inbuf[h->inlen] = '\0';
	while ((nl = strchr(h->inbuf, '\n'))) {
		*nl = '\0';
		handle_line(h, h->inbuf);
		memmove(h->inbuf, nl + 1, h->inlen - (size_t)(nl + 1 - h->inbuf) + 1);
		h->inlen -= (size_t)(nl + 1 - h->inbuf);
	}
}

static int int_arg(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (*end || v < 0 || v > 100000000) {
		fprintf(stderr, "harness: bad number %s\n", s);
		exit(2);
	}
	return (int)v;
}

int main(int argc, char **argv)
{
	static const struct modem_ops ops = { on_state, on_received, on_reset };
	static const struct option opts[] = {
		{ "device", required_argument, NULL, 'd' },       { "pin", required_argument, NULL, 'p' },
		{ "smsc", required_argument, NULL, 's' },         { "poll-ms", required_argument, NULL, 'P' },
		{ "cmd-timeout-ms", required_argument, NULL, 'c' }, { "submit-timeout-ms", required_argument, NULL, 'S' },
		{ "reopen-min-ms", required_argument, NULL, 'r' }, { "reopen-max-ms", required_argument, NULL, 'R' },
		{ "reg-timeout-ms", required_argument, NULL, 'g' }, { "reset-file", required_argument, NULL, 'x' },
		{ "debug", no_argument, NULL, 'D' },              { NULL, 0, NULL, 0 },
	};
	static struct harness h;
	struct modem_config cfg;
	int c;

	modem_config_defaults(&cfg);
	snprintf(cfg.name, sizeof(cfg.name), "sim");
	log_setup("harness", LOG_LVL_INFO, LOG_TO_STDERR);
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'd': snprintf(cfg.device, sizeof(cfg.device), "%s", optarg); break;
		case 'p': snprintf(cfg.pin, sizeof(cfg.pin), "%s", optarg); break;
		case 's': snprintf(cfg.smsc, sizeof(cfg.smsc), "%s", optarg); break;
		case 'P': cfg.poll_interval_ms = int_arg(optarg); break;
		case 'c': cfg.cmd_timeout_ms = int_arg(optarg); break;
		case 'S': cfg.submit_timeout_ms = int_arg(optarg); break;
		case 'r': cfg.reopen_min_ms = int_arg(optarg); break;
		case 'R': cfg.reopen_max_ms = int_arg(optarg); break;
		case 'g': cfg.reg_timeout_ms = int_arg(optarg); break;
		case 'x': h.reset_file = optarg; break;
		case 'D': log_set_level(LOG_LVL_DEBUG); break;
		default: return 2;
		}
	}
	if (!cfg.device[0]) {
		fprintf(stderr, "usage: modem-harness --device PATH [options]\n");
		return 2;
	}
	if (loop_init(&h.loop) < 0)
		return 1;
	loop_fd_init(&h.in, stdin_cb);
	loop_fd_add(&h.loop, &h.in, 0, EPOLLIN);
	modem_init(&h.modem, &h.loop, &cfg, &ops, &h);
	modem_start(&h.modem);
	loop_run(&h.loop);
	modem_stop(&h.modem);
	loop_close(&h.loop);
	return 0;
}
