/*
 * Codec throughput: for each representative message, plan the text, encode
 * every part as an SMS-SUBMIT PDU in hex (what goes to AT+CMGS), parse the
 * hex back and decode each PDU (what a +CMGR answer goes through). One
 * "message" below is that whole round trip.
 *
 *   bench-codec [-m NAME] [-n COUNT | -t SECONDS] [-l]
 *
 * -n COUNT    exactly COUNT round trips per message (0 = only the start-up
 *             check; callgrind runs use -n 0 as the baseline)
 * -t SECONDS  time-boxed run per message (default 0.5 s)
 * -m NAME     only this message
 * -l          list the messages with their encoding and part count
 * -x          print each message as NAME HEX-OF-UTF-8 (for bench-gammu.py)
 *
 * Output, one line per message: NAME PARTS MESSAGES_PER_SECOND
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sms.h"

struct bench_msg {
	const char *name;
	const char *text;
};

/* The 3-part GSM text uses extension characters ({ } [ ] ~ | ^ € \) that
 * cost two septets each; the emoji text has ZWJ sequences, flags and skin
 * tones (surrogate pairs) in UCS-2. */
static const struct bench_msg bench_msgs[] = {
	{ "alarm-ascii", "PROBLEM: db01 is DOWN (ping 100% loss) since 2026-11-25 01:22" },
	{ "gsm-160",
	  "RECOVERY: Service HTTP on web-03.example.org is OK - HTTP/1.1 200 OK - 1234 bytes in 0.005 s. "
	  "Duration of outage: 00:12:41. Acknowledged by: Jörg (ÆØÅ) @ NOC!!!" },
	{ "gsm-3part-ext",
	  "[FIRING:3] {alertname=\"DiskFull\", instance=\"nas:9100\", mountpoint=\"/srv\"} ~ value 97% | "
	  "cost 12€ per ^GB^ \\ backup [pending]. {alertname=\"LoadHigh\", instance=\"db01:9100\"} ~ 14.2 | "
	  "{alertname=\"CertExpiry\", instance=\"web-03:443\"} ~ 6 days | runbook: [wiki] ~ok~ "
	  "Summary: 3 alerts firing, 0 resolved; silence with {amtool} or [ui] at |9093| ^_^ € cost "
	  "of downtime 1500€/h. Escalation: on-call ~ Jörg, Åsa, Øyvind. End." },
	{ "ucs2-cyrillic",
	  "АВАРИЯ: сервер db01 недоступен (потеря пакетов 100%) с 01:22. Дежурный: Иванов, тел. 123" },
	{ "emoji-multipart",
	  "🔥 Server down 🔥 👨‍👩‍👧‍👦 family alert 🇩🇪🇫🇷🇵🇱 flags, 👍🏽👍🏿 thumbs; "
	  "🧑🏽‍💻 on call, 🆘 please check rack 42 ☎️ 📟 📈📉 — status: 🔴🔴🟢 (2 of 3 down) 🙏" },
};
#define BENCH_NMSGS (sizeof(bench_msgs) / sizeof(bench_msgs[0]))

/* Keeps the optimiser from dropping the work. */
static volatile size_t bench_sink;

/* One round trip; returns bytes of decoded text, or -errno. With `check`
 * the decoded parts must join to the original text exactly. */
static ssize_t bench_round(const char *text, size_t len, int check)
{
	static struct sms_plan plan;
	static struct sms_pdu dec;
	struct sms_submit_opts o;
	uint8_t pdu[SMS_PDU_MAX], back[SMS_PDU_MAX];
	char hex[2 * SMS_PDU_MAX + 1];
	size_t bad, tpdu_len, joined = 0;
	ssize_t n, h, b;
	int rc;

	rc = sms_plan_text(&plan, text, len, 0, SMS_CONCAT_MAX, &bad);
	if (rc < 0)
		return rc;
	memset(&o, 0, sizeof(o));
	if (sms_address_parse(&o.to, "+491701234567") < 0)
		return -EINVAL;
	o.concat_ref = 0x42;
	for (unsigned part = 0; part < plan.nparts; part++) {
		n = sms_submit_encode(pdu, sizeof(pdu), &tpdu_len, &o, &plan, text, part);
		if (n < 0)
			return n;
		h = hex_encode(hex, sizeof(hex), pdu, (size_t)n);
		if (h < 0)
			return h;
		b = hex_decode(back, sizeof(back), hex, (size_t)h, &bad);
		if (b < 0)
			return b;
		rc = sms_pdu_decode(&dec, back, (size_t)b, true);
		if (rc < 0)
			return rc;
		if (check) {
			if (joined + dec.text_len > len || memcmp(text + joined, dec.text, dec.text_len) != 0)
				return -EPROTO;
		}
		joined += dec.text_len;
	}
	if (check && joined != len)
		return -EPROTO;
	return (ssize_t)joined;
}

static double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int bench_one(const struct bench_msg *m, long count, double seconds, int list)
{
	if (list == 2) {
		printf("%s ", m->name);
		for (const unsigned char *p = (const unsigned char *)m->text; *p; p++)
			printf("%02x", *p);
		printf("\n");
		return 0;
	}

	size_t len = strlen(m->text), bad;
	struct sms_plan plan;
	ssize_t r;
	double t0, el;
	long done = 0;

	r = bench_round(m->text, len, 1);
	if (r < 0) {
		fprintf(stderr, "bench-codec: %s: round trip failed: %s\n", m->name, strerror((int)-r));
		return -1;
	}
	if (sms_plan_text(&plan, m->text, len, 0, SMS_CONCAT_MAX, &bad) < 0)
		return -1;
	if (list) {
		printf("%-16s %-4s %u part(s), %zu units, %zu bytes of UTF-8\n", m->name, sms_enc_name(plan.enc),
		       plan.nparts, plan.units, len);
		return 0;
	}
	if (count >= 0) {
		t0 = now_seconds();
		for (done = 0; done < count; done++)
			bench_sink += (size_t)bench_round(m->text, len, 0);
		el = now_seconds() - t0;
	} else {
		t0 = now_seconds();
		do {
			for (int i = 0; i < 1000; i++)
				bench_sink += (size_t)bench_round(m->text, len, 0);
			done += 1000;
			el = now_seconds() - t0;
		} while (el < seconds);
	}
	printf("%s %u %.0f\n", m->name, plan.nparts, el > 0 ? (double)done / el : 0.0);
	return 0;
}

int main(int argc, char **argv)
{
	const char *only = NULL;
	long count = -1;
	double seconds = 0.5;
	int list = 0, found = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-m") && i + 1 < argc) {
			only = argv[++i];
		} else if (!strcmp(argv[i], "-n") && i + 1 < argc) {
			char *end;
			count = strtol(argv[++i], &end, 10);
			if (*end || count < 0)
				goto usage;
		} else if (!strcmp(argv[i], "-t") && i + 1 < argc) {
			char *end;
			seconds = strtod(argv[++i], &end);
			if (*end || seconds <= 0)
				goto usage;
		} else if (!strcmp(argv[i], "-l")) {
			list = 1;
		} else if (!strcmp(argv[i], "-x")) {
			list = 2;
		} else {
			goto usage;
		}
	}
	for (size_t k = 0; k < BENCH_NMSGS; k++) {
		if (only && strcmp(only, bench_msgs[k].name))
			continue;
		found = 1;
		if (bench_one(&bench_msgs[k], count, seconds, list) < 0)
			return 1;
	}
	if (!found) {
		fprintf(stderr, "bench-codec: no message named %s\n", only);
		return 2;
	}
	return 0;
usage:
	fprintf(stderr, "usage: bench-codec [-m NAME] [-n COUNT | -t SECONDS] [-l | -x]\n");
	return 2;
}
