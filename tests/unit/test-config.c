/* The config parser: exact values for good files, the exact
 * "FILE:LINE: reason" for every kind of bad one. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "event.h"
#include "util.h"

static struct config cfg;

static int parse(const char *text, char *err, size_t errlen)
{
	return config_parse(&cfg, "t.conf", text, strlen(text), err, errlen);
}

static void assert_parses(const char *text)
{
	char err[256] = "";

	if (parse(text, err, sizeof(err)) != 0)
		fail_msg("refused: %s", err);
}

#define MIN_GATEWAY "[gateway]\nspool = /tmp/spool\n"
#define MIN_MODEM "[modem usb0]\ndevice = /dev/ttyUSB0\n"

static void test_defaults(void **state)
{
	(void)state;
	config_defaults(&cfg);
	assert_string_equal(cfg.gateway.spool, "");
	assert_int_equal(cfg.gateway.log_level, LOG_LVL_INFO);
	assert_string_equal(cfg.gateway.eventhandler, "");
	assert_int_equal(cfg.gateway.eventhandler_timeout, 60);
	assert_int_equal(cfg.gateway.retry_max, 10);
	assert_int_equal(cfg.gateway.retry_base, 30);
	assert_int_equal(cfg.gateway.retry_cap, 1800);
	assert_int_equal(cfg.gateway.max_parts, 10);
	assert_int_equal(cfg.gateway.incomplete_timeout, 3600);
	assert_int_equal(cfg.gateway.keep_sent, 10000);
	assert_int_equal(cfg.gateway.keep_failed, 10000);
	assert_int_equal(cfg.gateway.keep_incoming, 10000);
	assert_int_equal(cfg.gateway.keep_days, 30);
	assert_string_equal(cfg.gateway.admin, "");
	assert_int_equal(cfg.gateway.rate_limit.count, 0);
	assert_int_equal(cfg.gateway.rate_limit.period, 0);
	assert_int_equal(cfg.gateway.suppress_duplicates, 0);
	assert_int_equal(cfg.gateway.allow_prefixes.n, 0);
	assert_int_equal(cfg.http.nlisten, 0);
	assert_int_equal(cfg.http.ntoken, 0);
	assert_true(cfg.http.legacy_cgi);
	assert_int_equal(cfg.http.max_body, 65536);
	assert_int_equal(cfg.nmodem, 0);
}

static void test_minimal(void **state)
{
	const struct config_modem *m = &cfg.modem[0];

	(void)state;
	/* admin and to may name a group, defined before or after */
	assert_parses(MIN_GATEWAY "admin = ops\n" MIN_MODEM "[heartbeat x]\nto = oncall\nevery = 5m\n"
		      "[group oncall]\nmembers = +49170 +49171\n[group ops]\nmembers = +49172\n");
	assert_string_equal(cfg.gateway.admin, "ops");
	assert_string_equal(cfg.heartbeat[0].to, "oncall");
	assert_parses(MIN_GATEWAY MIN_MODEM);
	assert_string_equal(cfg.gateway.spool, "/tmp/spool");
	assert_int_equal(cfg.gateway.retry_cap, 1800);
	assert_int_equal(cfg.nmodem, 1);
	assert_string_equal(m->name, "usb0");
	assert_string_equal(m->device, "/dev/ttyUSB0");
	assert_int_equal(m->baud, 115200);
	assert_string_equal(m->pin, "");
	assert_string_equal(m->smsc, "");
	assert_string_equal(m->reset_command, "");
	assert_int_equal(m->submit_timeout, 60);
	assert_int_equal(m->poll_interval, 30);
	assert_int_equal(m->line, 3);
	assert_int_equal(cfg.http.nlisten, 0);
}

/* The example of DESIGN.md, as written there. */
static void test_design_example(void **state)
{
	static const char text[] =
		"[gateway]\n"
		"spool = /var/spool/smsgate        ; the queue lives here (see Spool)\n"
		"log_level = info                  ; error|warn|info|debug\n"
		"eventhandler = /usr/local/bin/on-sms   ; optional, smstools3 calling convention\n"
		"\n"
		"[http]\n"
		"listen = 127.0.0.1:8080           ; repeatable; [::]:8080 etc.\n"
		"token = change-me                 ; repeatable. With no token, only loopback addresses may be listened on\n"
		"legacy_cgi = yes                  ; /cgi-bin/sms and /cgi-bin/sendsms\n"
		"\n"
		"[modem usb0]                      ; one section per modem; any name\n"
		"device = /dev/serial/by-id/usb-HUAWEI_...-if00-port0\n"
		"baud = 115200\n"
		"pin = 1234                        ; sent at most once per SIM insertion: a wrong PIN is never retried\n"
		"smsc = +491710760000              ; optional\n";

	(void)state;
	assert_parses(text);
	assert_string_equal(cfg.gateway.spool, "/var/spool/smsgate");
	assert_int_equal(cfg.gateway.log_level, LOG_LVL_INFO);
	assert_string_equal(cfg.gateway.eventhandler, "/usr/local/bin/on-sms");
	assert_int_equal(cfg.http.nlisten, 1);
	assert_int_equal(cfg.http.listen[0].family, AF_INET);
	assert_string_equal(cfg.http.listen[0].addr, "127.0.0.1");
	assert_int_equal(cfg.http.listen[0].port, 8080);
	assert_int_equal(cfg.http.ntoken, 1);
	assert_string_equal(cfg.http.token[0], "change-me");
	assert_true(cfg.http.legacy_cgi);
	assert_int_equal(cfg.nmodem, 1);
	assert_string_equal(cfg.modem[0].name, "usb0");
	assert_string_equal(cfg.modem[0].device, "/dev/serial/by-id/usb-HUAWEI_...-if00-port0");
	assert_int_equal(cfg.modem[0].baud, 115200);
	assert_string_equal(cfg.modem[0].pin, "1234");
	assert_string_equal(cfg.modem[0].smsc, "+491710760000");
	assert_int_equal(cfg.modem[0].line, 11);
}

static void test_every_key(void **state)
{
	static const char text[] =
		"\xef\xbb\xbf; written by an editor that adds a BOM and CRLF\r\n"
		"# full-line comments of both kinds\r\n"
		"  [ gateway ]  # indented, spaced\r\n"
		"\tspool=/data/sms\r\n"
		"log_level = debug\r\n"
		"eventhandler = \"/opt/hooks/on sms;1\"\r\n"
		"eventhandler_timeout = 3600\r\n"
		"retry_max = 0\r\n"
		"retry_base = 1\r\n"
		"retry_cap = 86400\r\n"
		"max_parts = 255\r\n"
		"incomplete_timeout = 604800\r\n"
		"keep_sent = 0\r\n"
		"keep_failed = 10000000\r\n"
		"keep_incoming = 5\r\n"
		"keep_days = 3650\r\n"
		"admin = 01711234567\r\n"
		"[http]\r\n"
		"listen = 0.0.0.0:80\r\n"
		"listen = [::]:8080\r\n"
		"listen = [0:0:0:0:0:0:0:1]:1\r\n"
		"listen = 192.168.1.1:65535\r\n"
		"token = a;b#c\r\n"
		"token = \"#x;y\"   ; the quotes keep a '#' after a space\r\n"
		"legacy_cgi = off\r\n"
		"max_body = 1024\r\n"
		"[modem a.b-c_D9]\r\n"
		"device = /dev/ttyACM0\r\n"
		"baud = 921600\r\n"
		"pin = 12345678\r\n"
		"smsc = 491710760000\r\n"
		"reset_command = /usr/sbin/usbreset \"HUAWEI Mobile\" -v   ; power cycle\r\n"
		"submit_timeout = 600\r\n"
		"poll_interval = 1\r\n"
		"[modem b]\r\n"
		"device = /dev/ttyACM1\r\n"
		"baud = 9600\r\n"
		"submit_timeout = 5\r\n"
		"poll_interval = 3600";         /* no newline at the end */
	const struct config_http *h = &cfg.http;

	(void)state;
	assert_parses(text);
	assert_string_equal(cfg.gateway.spool, "/data/sms");
	assert_int_equal(cfg.gateway.log_level, LOG_LVL_DEBUG);
	assert_string_equal(cfg.gateway.eventhandler, "/opt/hooks/on sms;1");
	assert_int_equal(cfg.gateway.eventhandler_timeout, 3600);
	assert_int_equal(cfg.gateway.retry_max, 0);
	assert_int_equal(cfg.gateway.retry_base, 1);
	assert_int_equal(cfg.gateway.retry_cap, 86400);
	assert_int_equal(cfg.gateway.max_parts, 255);
	assert_int_equal(cfg.gateway.incomplete_timeout, 604800);
	assert_int_equal(cfg.gateway.keep_sent, 0);
	assert_int_equal(cfg.gateway.keep_failed, 10000000);
	assert_int_equal(cfg.gateway.keep_incoming, 5);
	assert_int_equal(cfg.gateway.keep_days, 3650);
	assert_string_equal(cfg.gateway.admin, "01711234567");

	assert_int_equal(h->nlisten, 4);
	assert_int_equal(h->listen[0].family, AF_INET);
	assert_string_equal(h->listen[0].addr, "0.0.0.0");
	assert_int_equal(h->listen[0].port, 80);
	assert_int_equal(h->listen[1].family, AF_INET6);
	assert_string_equal(h->listen[1].addr, "::");
	assert_int_equal(h->listen[1].port, 8080);
	assert_string_equal(h->listen[2].addr, "::1");
	assert_int_equal(h->listen[2].port, 1);
	assert_string_equal(h->listen[3].addr, "192.168.1.1");
	assert_int_equal(h->listen[3].port, 65535);
	assert_int_equal(h->ntoken, 2);
	assert_string_equal(h->token[0], "a;b#c");
	assert_string_equal(h->token[1], "#x;y");
	assert_false(h->legacy_cgi);
	assert_int_equal(h->max_body, 1024);

	assert_int_equal(cfg.nmodem, 2);
	assert_string_equal(cfg.modem[0].name, "a.b-c_D9");
	assert_string_equal(cfg.modem[0].device, "/dev/ttyACM0");
	assert_int_equal(cfg.modem[0].baud, 921600);
	assert_string_equal(cfg.modem[0].pin, "12345678");
	assert_string_equal(cfg.modem[0].smsc, "491710760000");
	assert_string_equal(cfg.modem[0].reset_command, "/usr/sbin/usbreset \"HUAWEI Mobile\" -v");
	assert_int_equal(cfg.modem[0].submit_timeout, 600);
	assert_int_equal(cfg.modem[0].poll_interval, 1);
	assert_int_equal(cfg.modem[0].line, 27);
	assert_string_equal(cfg.modem[1].name, "b");
	assert_int_equal(cfg.modem[1].baud, 9600);
	assert_int_equal(cfg.modem[1].submit_timeout, 5);
	assert_int_equal(cfg.modem[1].poll_interval, 3600);
	assert_string_equal(cfg.modem[1].pin, "");
}

static void test_bools(void **state)
{
	static const struct {
		const char *v;
		bool b;
	} cases[] = {
		{ "yes", true }, { "no", false }, { "true", true }, { "false", false },
		{ "on", true },  { "off", false }, { "1", true },   { "0", false },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char text[256];

		snprintf(text, sizeof(text), MIN_GATEWAY "[http]\nlegacy_cgi = %s\n" MIN_MODEM, cases[i].v);
		assert_parses(text);
		assert_int_equal(cfg.http.legacy_cgi, cases[i].b);
	}
}

/* Eight of each is fine; the ninth is an error. */
static void test_limits(void **state)
{
	char text[2048], err[256];
	size_t n;

	(void)state;
	n = (size_t)snprintf(text, sizeof(text), MIN_GATEWAY "[http]\n");
	for (int i = 0; i < CONFIG_LISTEN_MAX; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "listen = 127.0.0.1:%d\ntoken = t%d\n", 8000 + i, i);
	for (int i = 0; i < CONFIG_MODEMS_MAX; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "[modem m%d]\ndevice = /dev/ttyUSB%d\n", i, i);
	assert_true(n < sizeof(text) - 100);
	assert_parses(text);
	assert_int_equal(cfg.http.nlisten, 8);
	assert_int_equal(cfg.http.ntoken, 8);
	assert_int_equal(cfg.http.listen[7].port, 8007);
	assert_string_equal(cfg.http.token[7], "t7");
	assert_int_equal(cfg.nmodem, 8);
	assert_string_equal(cfg.modem[7].device, "/dev/ttyUSB7");

	snprintf(text + n, sizeof(text) - n, "[modem m8]\ndevice = /dev/ttyUSB8\n");
	assert_int_equal(parse(text, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "t.conf:36: more than 8 [modem] sections");
}

/* Alert-storm control and the allow-list: exact values, exact refusals. */
static void test_storm_keys(void **state)
{
	static const struct {
		const char *line;
		const char *err; /* NULL: accepted */
		unsigned count, period, dup;
	} cases[] = {
		{ "rate_limit = 10/1h", NULL, 10, 3600, 0 },
		{ "rate_limit = 1/30", NULL, 1, 30, 0 },
		{ "rate_limit = 64/7d", NULL, 64, 604800, 0 },
		{ "rate_limit = 5/90s", NULL, 5, 90, 0 },
		{ "rate_limit = 0", NULL, 0, 0, 0 },
		{ "suppress_duplicates = 10m", NULL, 0, 0, 600 },
		{ "suppress_duplicates = 0", NULL, 0, 0, 0 },
		{ "suppress_duplicates = 45", NULL, 0, 0, 45 },
		{ "rate_limit = 65/1h", "t.conf:3: rate_limit: 65 messages is out of range 1..64", 0, 0, 0 },
		{ "rate_limit = 0/1h", "t.conf:3: rate_limit: 0 messages is out of range 1..64", 0, 0, 0 },
		{ "rate_limit = 10", "t.conf:3: rate_limit: \"10\" is not N/PERIOD (e.g. 10/1h) or 0", 0, 0, 0 },
		{ "rate_limit = x/1h", "t.conf:3: rate_limit: \"x/1h\" is not N/PERIOD (e.g. 10/1h) or 0", 0, 0, 0 },
		{ "rate_limit = 10/1w", "t.conf:3: rate_limit: \"1w\" is not a duration (a number with s, m, h or d)", 0,
		  0, 0 },
		{ "rate_limit = 10/0", "t.conf:3: rate_limit: the period must not be 0", 0, 0, 0 },
		{ "rate_limit = 10/8d", "t.conf:3: rate_limit: 8d is out of range 1s..604800s", 0, 0, 0 },
		{ "suppress_duplicates = 10 m", "t.conf:3: suppress_duplicates: \"10 m\" is not a duration (a number with "
						 "s, m, h or d)", 0, 0, 0 },
		{ "suppress_duplicates = -1", "t.conf:3: suppress_duplicates: \"-1\" is not a duration (a number with s, m, "
					      "h or d)", 0, 0, 0 },
	};
	char text[256], err[256];

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		snprintf(text, sizeof(text), MIN_GATEWAY "%s\n" MIN_MODEM, cases[i].line);
		err[0] = '\0';
		if (!cases[i].err) {
			if (parse(text, err, sizeof(err)) != 0)
				fail_msg("%s refused: %s", cases[i].line, err);
			assert_int_equal(cfg.gateway.rate_limit.count, cases[i].count);
			assert_int_equal(cfg.gateway.rate_limit.period, cases[i].period);
			assert_int_equal(cfg.gateway.suppress_duplicates, cases[i].dup);
		} else {
			assert_int_equal(parse(text, err, sizeof(err)), -EINVAL);
			assert_string_equal(err, cases[i].err);
		}
	}

	assert_parses(MIN_GATEWAY "allow_prefixes = +49, +43 ,0\n" MIN_MODEM);
	assert_int_equal(cfg.gateway.allow_prefixes.n, 3);
	assert_string_equal(cfg.gateway.allow_prefixes.p[0], "+49");
	assert_string_equal(cfg.gateway.allow_prefixes.p[1], "+43");
	assert_string_equal(cfg.gateway.allow_prefixes.p[2], "0");
	assert_int_equal(parse(MIN_GATEWAY "allow_prefixes = +49, +4x\n" MIN_MODEM, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "t.conf:3: allow_prefixes: \"+4x\" is not a number prefix (an optional '+' and digits)");
	assert_int_equal(parse(MIN_GATEWAY "allow_prefixes = +49,,+43\n" MIN_MODEM, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "t.conf:3: allow_prefixes: an empty or overlong prefix in \",+43\"");
	assert_int_equal(parse(MIN_GATEWAY "allow_prefixes = 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17\n" MIN_MODEM, err,
			       sizeof(err)), -EINVAL);
	assert_string_equal(err, "t.conf:3: allow_prefixes: more than 16 prefixes");
}

static void test_webhooks_and_tls(void **state)
{
	static const struct {
		const char *lines;
		const char *err;
	} bad[] = {
		{ "[webhook]\nurl = http://x/\n", "t.conf:5: [webhook] needs a name: [webhook NAME]" },
		{ "[webhook .x]\nurl = http://x/\n", "t.conf:5: bad webhook name \".x\" (it names a directory: no leading '.')" },
		{ "[webhook a]\nurl = http://x/\n[webhook a]\n", "t.conf:7: duplicate webhook \"a\" (first on line 5)" },
		{ "[webhook a]\nsecret = s\n", "t.conf:5: [webhook a] has no url" },
		{ "[webhook a]\nurl = ftp://x/\n", "t.conf:6: url: \"ftp://x/\" is not an http:// or https:// URL" },
		{ "[webhook a]\nurl = http:///x\n", "t.conf:6: url: \"http:///x\" has no host" },
		{ "[webhook a]\nurl = \"http://x/a b\"\n", "t.conf:6: url: only printable ASCII without spaces (write %20)" },
		{ "[webhook a]\nurl = http://x/\nevents = sms.sent, sms.lost\n",
		  "t.conf:7: events: unknown event \"sms.lost\" (sms.received, sms.sent, sms.delivered, sms.failed, gateway.alarm, or all)" },
		{ "[webhook a]\nurl = http://x/\ntimeout = 0\n", "t.conf:7: timeout: 0 is out of range 1..300" },
		{ "[webhook a]\nurl = http://x/\n[webhook b]\nurl = http://x/\n[webhook c]\nurl = http://x/\n"
		  "[webhook d]\nurl = http://x/\n[webhook e]\n", "t.conf:13: more than 4 [webhook] sections" },
		{ "[http]\ntls_cert = /etc/c.pem\n", "t.conf:6: [http] has tls_cert but no tls_key: HTTPS needs both" },
		{ "[http]\ntls_key = /etc/k.pem\n", "t.conf:6: [http] has tls_key but no tls_cert: HTTPS needs both" },
	};
	char text[512], err[256];

	(void)state;
	assert_parses(MIN_GATEWAY MIN_MODEM "[webhook ops]\nurl = https://hooks.example.org/sms?x=1\n"
		      "secret = whsec_AAECAwQ=\nevents = sms.failed sms.delivered\ntimeout = 30\nretry_cap = 1h\n"
		      "max_queued = 50\n[webhook all]\nurl = http://127.0.0.1:9000/\n"
		      "[http]\ntls_cert = /etc/smsgate/cert.pem\ntls_key = /etc/smsgate/key.pem\n");
	assert_int_equal(cfg.nwebhook, 2);
	assert_string_equal(cfg.webhook[0].name, "ops");
	assert_string_equal(cfg.webhook[0].url, "https://hooks.example.org/sms?x=1");
	assert_string_equal(cfg.webhook[0].secret, "whsec_AAECAwQ=");
	assert_int_equal(cfg.webhook[0].events, WEBHOOK_FAILED | WEBHOOK_DELIVERED);
	assert_int_equal(cfg.webhook[0].timeout, 30);
	assert_int_equal(cfg.webhook[0].retry_cap, 3600);
	assert_int_equal(cfg.webhook[0].max_queued, 50);
	assert_int_equal(cfg.webhook[0].line, 5);
	/* defaults */
	assert_string_equal(cfg.webhook[1].secret, "");
	assert_int_equal(cfg.webhook[1].events, WEBHOOK_ALL);
	assert_int_equal(cfg.webhook[1].timeout, 10);
	assert_int_equal(cfg.webhook[1].retry_cap, 300);
	assert_int_equal(cfg.webhook[1].max_queued, 10000);
	assert_string_equal(cfg.http.tls_cert, "/etc/smsgate/cert.pem");
	assert_string_equal(cfg.http.tls_key, "/etc/smsgate/key.pem");
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		snprintf(text, sizeof(text), MIN_GATEWAY MIN_MODEM "%s", bad[i].lines);
		err[0] = '\0';
		assert_int_equal(parse(text, err, sizeof(err)), -EINVAL);
		assert_string_equal(err, bad[i].err);
	}
}

/* [heartbeat NAME] sections and the self-alarm keys of [gateway]. */
static void test_oncall(void **state)
{
	static const struct {
		const char *text;
		const char *err;
	} bad[] = {
		{ MIN_GATEWAY MIN_MODEM "[heartbeat]\n", "t.conf:5: [heartbeat] needs a name: [heartbeat NAME]" },
		{ MIN_GATEWAY MIN_MODEM "[heartbeat a/b]\n",
		  "t.conf:5: bad heartbeat name \"a/b\" (1 to 31 of A-Z a-z 0-9 _ . -)" },
		{ MIN_GATEWAY MIN_MODEM "[heartbeat x]\nto = +49170\nevery = 5m\n[heartbeat x]\n",
		  "t.conf:8: duplicate heartbeat \"x\" (first on line 5)" },
		{ MIN_GATEWAY MIN_MODEM "[heartbeat x]\nevery = 5m\n", "t.conf:5: [heartbeat x] has no to" },
		{ MIN_GATEWAY MIN_MODEM "[heartbeat x]\nto = +49170\n", "t.conf:5: [heartbeat x] has no every" },
		{ MIN_GATEWAY MIN_MODEM "[heartbeat x]\nto = +49170\nevery = 0\n", "t.conf:7: every: must be more than 0" },
		{ MIN_GATEWAY MIN_MODEM "[heartbeat x]\nto = +49170\nevery = 5 min\n",
		  "t.conf:7: every: \"5 min\" is not a duration (a number with s, m, h or d)" },
		{ MIN_GATEWAY MIN_MODEM "[heartbeat x]\nto = oncall\nevery = 5m\n",
		  "t.conf:6: [heartbeat x] to: no [group oncall] in the file" },
		{ MIN_GATEWAY MIN_MODEM "[heartbeat x]\nto = on call\nevery = 5m\n",
		  "t.conf:6: to: \"on call\" is neither a phone number (an optional '+' and 1 to 20 digits) nor a group name" },
		{ MIN_GATEWAY "admin = ops\n" MIN_MODEM, "t.conf:3: admin: no [group ops] in the file" },
		{ MIN_GATEWAY MIN_MODEM "[heartbeat x]\nto = +49170\nevery = 5m\nretry = 3\n",
		  "t.conf:8: unknown key \"retry\" in [heartbeat x]" },
		{ MIN_GATEWAY MIN_MODEM "[heartbeat x]\nto = +49170\nevery = 5m\ntext = \xff\xfe\n",
		  "t.conf:8: text: not valid UTF-8" },
		{ "[gateway]\nspool = /s\nmax_parts = 1\n" MIN_MODEM "[heartbeat x]\nto = +49170\nevery = 5m\n"
		  "text = 0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789"
		  "0123456789012345678901234567890123456789012345678901234567890123456789\n",
		  "t.conf:9: [heartbeat x] text needs 2 parts; max_parts allows 1" },
		{ MIN_GATEWAY "alarm_spool_full = 101\n" MIN_MODEM, "t.conf:3: alarm_spool_full: 101 is out of range 0..100" },
		{ MIN_GATEWAY "alarm_no_send = 10 m\n" MIN_MODEM,
		  "t.conf:3: alarm_no_send: \"10 m\" is not a duration (a number with s, m, h or d)" },
		{ MIN_GATEWAY "alarm_resets = 5\n" MIN_MODEM,
		  "t.conf:3: alarm_resets: \"5\" is not N/PERIOD (e.g. 10/1h) or 0" },
	};
	char err[256];

	(void)state;
	assert_parses(MIN_GATEWAY MIN_MODEM);
	assert_int_equal(cfg.gateway.alarm_no_send, 600);
	assert_int_equal(cfg.gateway.alarm_stuck, 1800);
	assert_int_equal(cfg.gateway.alarm_spool_full, 90);
	assert_int_equal(cfg.gateway.alarm_resets.count, 5);
	assert_int_equal(cfg.gateway.alarm_resets.period, 3600);
	assert_int_equal(cfg.nheartbeat, 0);

	assert_parses(MIN_GATEWAY "admin = +4915112345678\nalarm_no_send = 2m\nalarm_stuck = 0\nalarm_spool_full = 0\n"
				  "alarm_resets = 3/10m\n" MIN_MODEM
				  "[heartbeat backup.nas-1]\nto = +491701234567\nevery = 1d\n"
				  "[heartbeat cron]\nto = 0171123\nevery = 90\ntext = the \"nightly\" job is silent\n"
				  "[heartbeat semi]\nto = 0171123\nevery = 1h\ntext = \"backup; nightly\" ; a comment\n");
	assert_string_equal(cfg.gateway.admin, "+4915112345678");
	assert_int_equal(cfg.gateway.alarm_no_send, 120);
	assert_int_equal(cfg.gateway.alarm_stuck, 0);
	assert_int_equal(cfg.gateway.alarm_spool_full, 0);
	assert_int_equal(cfg.gateway.alarm_resets.count, 3);
	assert_int_equal(cfg.gateway.alarm_resets.period, 600);
	assert_int_equal(cfg.nheartbeat, 3);
	assert_string_equal(cfg.heartbeat[0].name, "backup.nas-1");
	assert_string_equal(cfg.heartbeat[0].to, "+491701234567");
	assert_int_equal(cfg.heartbeat[0].every, 86400);
	assert_string_equal(cfg.heartbeat[0].text, "");
	assert_int_equal(cfg.heartbeat[0].line, 10);
	assert_string_equal(cfg.heartbeat[1].name, "cron");
	assert_string_equal(cfg.heartbeat[1].to, "0171123");
	assert_int_equal(cfg.heartbeat[1].every, 90);
	assert_string_equal(cfg.heartbeat[1].text, "the \"nightly\" job is silent");
	assert_string_equal(cfg.heartbeat[2].text, "backup; nightly");

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		err[0] = '\0';
		if (parse(bad[i].text, err, sizeof(err)) != -EINVAL || strcmp(err, bad[i].err) != 0)
			fail_msg("case %zu:\n  got:  %s\n  want: %s", i, err, bad[i].err);
	}
}

static void test_mqtt(void **state)
{
	static const struct {
		const char *lines;
		const char *err;
	} bad[] = {
		{ "[mqtt]\nprefix = x\n", "t.conf:5: [mqtt] has no url" },
#ifndef SMSGATE_MQTT_TLS
		{ "[mqtt]\nurl = mqtts://b\n",
		  "t.conf:6: url: mqtts:// (TLS) is not supported in this build; use mqtt:// on a trusted network or "
		  "through a TLS tunnel (docs/mqtt.md)" },
		{ "[mqtt]\nurl = http://b\n", "t.conf:6: url: \"http://b\" is not mqtt://HOST[:PORT]" },
#else
		{ "[mqtt]\nurl = http://b\n",
		  "t.conf:6: url: \"http://b\" is not mqtt://HOST[:PORT] or mqtts://HOST[:PORT]" },
		{ "[mqtt]\nurl = mqtts://b:0\n", "t.conf:6: url: bad port in mqtts://b:0" },
		{ "[mqtt]\nurl = mqtts://\n", "t.conf:6: url: no host in mqtts://" },
		{ "[mqtt]\nurl = mqtts:/b\n",
		  "t.conf:6: url: \"mqtts:/b\" is not mqtt://HOST[:PORT] or mqtts://HOST[:PORT]" },
#endif
		{ "[mqtt]\nurl = mqtt://b:0\n", "t.conf:6: url: bad port in mqtt://b:0" },
		{ "[mqtt]\nurl = mqtt://b:1883/x\n", "t.conf:6: url: bad port in mqtt://b:1883/x" },
		{ "[mqtt]\nurl = mqtt://\n", "t.conf:6: url: no host in mqtt://" },
		{ "[mqtt]\nurl = mqtt://b\nprefix = a/+\n",
		  "t.conf:7: prefix: \"a/+\" is not 1 to 128 of A-Z a-z 0-9 _ . - (levels separated by /)" },
		{ "[mqtt]\nurl = mqtt://b\ngroup = a/b\n", "t.conf:7: group: \"a/b\" is not 1 to 64 of A-Z a-z 0-9 _ . -" },
		{ "[mqtt]\nurl = mqtt://b\npassword = p\n", "t.conf:7: [mqtt] has a password but no username" },
		{ "[mqtt]\nurl = mqtt://b\n[mqtt]\n", "t.conf:7: duplicate section [mqtt] (first on line 5)" },
		{ "[mqtt x]\nurl = mqtt://b\n", "t.conf:5: [mqtt] takes no name" },
		{ "[mqtt]\nurl = mqtt://b\nprefetch = 0\n", "t.conf:7: prefetch: 0 is out of range 1..10000" },
	};
	char text[1024], err[256];

	(void)state;
	assert_parses(MIN_GATEWAY MIN_MODEM);
	assert_false(cfg.mqtt.enabled);
	assert_parses(MIN_GATEWAY MIN_MODEM "[mqtt]\nurl = mqtt://[::1]:1884\n");
	assert_true(cfg.mqtt.enabled);
	assert_string_equal(cfg.mqtt.host, "::1");
	assert_int_equal(cfg.mqtt.port, 1884);
	assert_string_equal(cfg.mqtt.prefix, "smsgate");
	assert_string_equal(cfg.mqtt.group, "smsgate");
	assert_string_equal(cfg.mqtt.client_id, "");
	assert_int_equal(cfg.mqtt.keepalive, 60);
	assert_false(cfg.mqtt.forward);
	assert_int_equal(cfg.mqtt.takeover_after, 30);
	assert_int_equal(cfg.mqtt.prefetch, 10);
	assert_int_equal(cfg.mqtt.forward_fallback, 60);
	assert_parses(MIN_GATEWAY MIN_MODEM "[mqtt]\nurl = mqtt://b\nforward = yes\nforward_fallback = 0\nprefetch = 1\n");
	assert_true(cfg.mqtt.forward);
	assert_int_equal(cfg.mqtt.forward_fallback, 0);
	assert_int_equal(cfg.mqtt.prefetch, 1);
	assert_parses(MIN_GATEWAY MIN_MODEM "[mqtt]\nurl = mqtt://b\ntakeover_after = 0\n");
	assert_int_equal(cfg.mqtt.takeover_after, 0);
	assert_parses(MIN_GATEWAY MIN_MODEM "[mqtt]\nurl = mqtt://b\ntakeover_after = 2m\n");
	assert_int_equal(cfg.mqtt.takeover_after, 120);
	assert_parses(MIN_GATEWAY MIN_MODEM "[mqtt]\nurl = mqtt://broker.example.org\nprefix = site/sms\n"
					    "client_id = home-gw\ngateway = home\nusername = u\npassword = p\n");
	assert_string_equal(cfg.mqtt.host, "broker.example.org");
	assert_int_equal(cfg.mqtt.port, 1883);
	assert_string_equal(cfg.mqtt.prefix, "site/sms");
	assert_string_equal(cfg.mqtt.gateway, "home");
	assert_false(cfg.mqtt.tls);
	assert_string_equal(cfg.mqtt.ca_file, "");
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		snprintf(text, sizeof(text), MIN_GATEWAY MIN_MODEM "%s", bad[i].lines);
		assert_int_equal(parse(text, err, sizeof(err)), -EINVAL);
		assert_string_equal(err, bad[i].err);
	}
}

/* ca_file, cert_file and key_file: files that must be there when the
 * config is read; TLS keys need mqtts:// and a certificate its key. */
static void test_mqtt_tls(void **state)
{
	char dir[] = "/tmp/test-config-tls-XXXXXX", ca[64], crt[64], key[64], text[1024], want[512], err[256];
	int fd;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(ca, sizeof(ca), "%s/ca.pem", dir);
	snprintf(crt, sizeof(crt), "%s/gw.pem", dir);
	snprintf(key, sizeof(key), "%s/gw.key", dir);
	/* the parser only looks for the files; their content is the client's */
	for (const char *f = ca; f; f = f == ca ? crt : f == crt ? key : NULL) {
		fd = open(f, O_WRONLY | O_CREAT | O_EXCL, 0600);
		assert_true(fd >= 0);
		close(fd);
	}

#ifdef SMSGATE_MQTT_TLS
	assert_parses(MIN_GATEWAY MIN_MODEM "[mqtt]\nurl = mqtts://broker.example.org\n");
	assert_true(cfg.mqtt.tls);
	assert_string_equal(cfg.mqtt.host, "broker.example.org");
	assert_int_equal(cfg.mqtt.port, 8883);
	assert_string_equal(cfg.mqtt.ca_file, "");
	assert_string_equal(cfg.mqtt.cert_file, "");
	assert_parses(MIN_GATEWAY MIN_MODEM "[mqtt]\nurl = mqtts://[::1]:18883/\n");
	assert_true(cfg.mqtt.tls);
	assert_string_equal(cfg.mqtt.host, "::1");
	assert_int_equal(cfg.mqtt.port, 18883);
	/* the keys may come before the url */
	snprintf(text, sizeof(text), MIN_GATEWAY MIN_MODEM "[mqtt]\nca_file = %s\ncert_file = %s\nkey_file = \"%s\"\n"
		 "url = mqtts://127.0.0.1\n", ca, crt, key);
	assert_parses(text);
	assert_true(cfg.mqtt.tls);
	assert_int_equal(cfg.mqtt.port, 8883);
	assert_string_equal(cfg.mqtt.ca_file, ca);
	assert_string_equal(cfg.mqtt.cert_file, crt);
	assert_string_equal(cfg.mqtt.key_file, key);
	/* the system's trust store and a client certificate */
	snprintf(text, sizeof(text), MIN_GATEWAY MIN_MODEM "[mqtt]\nurl = mqtts://b\ncert_file = %s\nkey_file = %s\n", crt,
		 key);
	assert_parses(text);
	assert_string_equal(cfg.mqtt.ca_file, "");
	assert_string_equal(cfg.mqtt.key_file, key);
#define TLS_URL "mqtts://b"
#else
#define TLS_URL "mqtt://b" /* the file checks hold in every build */
#endif

	/* [mqtt] on line 5, url on 6, the key under test on 7 */
	static const struct {
		const char *key, *value, *err;
	} bad[] = {
		{ "ca_file", "/nonexistent/ca.pem", "t.conf:7: ca_file: /nonexistent/ca.pem: No such file or directory" },
		{ "cert_file", "/nonexistent/gw.pem", "t.conf:7: cert_file: /nonexistent/gw.pem: No such file or directory" },
		{ "key_file", "/", "t.conf:7: key_file: / is not a file" },
		{ "ca_file", "/dev/null", "t.conf:7: ca_file: /dev/null is not a file" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		snprintf(text, sizeof(text), MIN_GATEWAY MIN_MODEM "[mqtt]\nurl = " TLS_URL "\n%s = %s\n", bad[i].key,
			 bad[i].value);
		assert_int_equal(parse(text, err, sizeof(err)), -EINVAL);
		assert_string_equal(err, bad[i].err);
	}
#ifdef SMSGATE_MQTT_TLS
	snprintf(text, sizeof(text), MIN_GATEWAY MIN_MODEM "[mqtt]\nurl = mqtts://b\ncert_file = %s\n", crt);
	assert_int_equal(parse(text, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "t.conf:7: [mqtt] has cert_file but no key_file: a client certificate needs both");
	snprintf(text, sizeof(text), MIN_GATEWAY MIN_MODEM "[mqtt]\nurl = mqtts://b\nca_file = %s\nkey_file = %s\n", ca,
		 key);
	assert_int_equal(parse(text, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "t.conf:8: [mqtt] has key_file but no cert_file: a client certificate needs both");
#endif
	/* TLS keys without TLS: a mistake, said where it is */
	snprintf(text, sizeof(text), MIN_GATEWAY MIN_MODEM "[mqtt]\nurl = mqtt://b\nprefix = p\nca_file = %s\n", ca);
	assert_int_equal(parse(text, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "t.conf:8: [mqtt] ca_file is for TLS, and url is not mqtts://");
	snprintf(text, sizeof(text), MIN_GATEWAY MIN_MODEM "[mqtt]\ncert_file = %s\nkey_file = %s\nurl = mqtt://b\n", crt,
		 key);
	assert_int_equal(parse(text, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "t.conf:6: [mqtt] cert_file is for TLS, and url is not mqtts://");
	/* a file we may not read (root reads everything: nothing to see then) */
	if (geteuid() != 0) {
		assert_int_equal(chmod(key, 0), 0);
		snprintf(text, sizeof(text), MIN_GATEWAY MIN_MODEM "[mqtt]\nurl = " TLS_URL "\nkey_file = %s\n", key);
		assert_int_equal(parse(text, err, sizeof(err)), -EINVAL);
		snprintf(want, sizeof(want), "t.conf:7: key_file: %s: Permission denied", key);
		assert_string_equal(err, want);
	}
	unlink(ca);
	unlink(crt);
	unlink(key);
	rmdir(dir);
}

static void test_errors(void **state)
{
	static const struct {
		const char *text;
		const char *err;
	} cases[] = {
		/* syntax */
		{ MIN_GATEWAY MIN_MODEM "devcie = /dev/ttyUSB1\n",
		  "t.conf:5: unknown key \"devcie\" in [modem usb0]" },
		{ "[gateway]\nspool /var/spool\n", "t.conf:2: missing '=' in \"spool /var/spool\"" },
		{ "[gateway]\n = /var/spool\n", "t.conf:2: missing key before '='" },
		{ "spool = /x\n", "t.conf:1: key \"spool\" outside any section" },
		{ "[gateway]\nSpool = /x\n", "t.conf:2: unknown key \"Spool\" in [gateway]" },
		{ "[gateway]\ntoken = x\n", "t.conf:2: unknown key \"token\" in [gateway]" },
		{ "[smsd]\n", "t.conf:1: unknown section [smsd]" },
		{ "[modems usb0]\n", "t.conf:1: unknown section [modems usb0]" },
		{ "[gateway\n", "t.conf:1: missing ']' in section header" },
		{ "[gateway] x\n", "t.conf:1: unexpected text after ']': x" },
		{ "[gateway x]\n", "t.conf:1: [gateway] takes no name" },
		{ "[gateway]\nspool = /a\n[http]\n[gateway]\n",
		  "t.conf:4: duplicate section [gateway] (first on line 1)" },
		{ MIN_GATEWAY "spool = /b\n", "t.conf:3: duplicate key \"spool\" in [gateway] (first on line 2)" },
		{ MIN_GATEWAY MIN_MODEM "baud = 9600\nbaud = 19200\n",
		  "t.conf:6: duplicate key \"baud\" in [modem usb0] (first on line 5)" },
		{ "[gateway]\nspool = \"/a\n", "t.conf:2: unterminated quote" },
		{ "[gateway]\nspool = /a\"b\n", "t.conf:2: unterminated quote" },
		{ "[gateway]\nspool = \"/a\"b\n", "t.conf:2: spool: stray '\"' in \"/a\"b" },
		{ "[gateway]\nspool = \"/a\" \"/b\"\n", "t.conf:2: spool: stray '\"' in \"/a\" \"/b\"" },
		{ "[gateway]\nspool =\n", "t.conf:2: spool: empty value" },
		{ "[gateway]\nspool = ; nothing\n", "t.conf:2: spool: empty value" },
		{ "[gateway]\nspool = \"\"\n", "t.conf:2: spool: empty value" },
		{ "[gateway]\nspool = /a\x01z\n", "t.conf:2: control character 0x01" },
		{ "[gateway]\nspool = /a\x7fz\n", "t.conf:2: control character 0x7f" },
		{ "[gateway]\n\rspool = /a\n", "t.conf:2: control character 0x0d" },
		/* modem sections */
		{ MIN_GATEWAY "[modem]\n", "t.conf:3: [modem] needs a name: [modem NAME]" },
		{ MIN_GATEWAY "[modem usb 0]\n",
		  "t.conf:3: bad modem name \"usb 0\" (1 to 31 of A-Z a-z 0-9 _ . -)" },
		{ MIN_GATEWAY "[modem usb/0]\n",
		  "t.conf:3: bad modem name \"usb/0\" (1 to 31 of A-Z a-z 0-9 _ . -)" },
		{ MIN_GATEWAY "[modem abcdefghijklmnopqrstuvwxyz012345]\n",
		  "t.conf:3: bad modem name \"abcdefghijklmnopqrstuvwxyz012345\" (1 to 31 of A-Z a-z 0-9 _ . -)" },
		{ MIN_GATEWAY MIN_MODEM "[modem usb0]\n", "t.conf:5: duplicate modem \"usb0\" (first on line 3)" },
		/* numbers */
		{ "[gateway]\nretry_max = ten\n", "t.conf:2: retry_max: \"ten\" is not a number" },
		{ "[gateway]\nretry_max = -1\n", "t.conf:2: retry_max: \"-1\" is not a number" },
		{ "[gateway]\nretry_max = +1\n", "t.conf:2: retry_max: \"+1\" is not a number" },
		{ "[gateway]\nretry_max = 0x10\n", "t.conf:2: retry_max: \"0x10\" is not a number" },
		{ "[gateway]\nretry_max = 1 0\n", "t.conf:2: retry_max: \"1 0\" is not a number" },
		{ "[gateway]\nretry_max = 1001\n", "t.conf:2: retry_max: 1001 is out of range 0..1000" },
		{ "[gateway]\nretry_max = 99999999999999999999\n",
		  "t.conf:2: retry_max: 99999999999999999999 is out of range 0..1000" },
		{ "[gateway]\neventhandler_timeout = 0\n", "t.conf:2: eventhandler_timeout: 0 is out of range 1..3600" },
		{ "[gateway]\nretry_base = 3601\n", "t.conf:2: retry_base: 3601 is out of range 1..3600" },
		{ "[gateway]\nretry_cap = 86401\n", "t.conf:2: retry_cap: 86401 is out of range 1..86400" },
		{ "[gateway]\nmax_parts = 256\n", "t.conf:2: max_parts: 256 is out of range 1..255" },
		{ "[gateway]\nincomplete_timeout = 9\n", "t.conf:2: incomplete_timeout: 9 is out of range 10..604800" },
		{ "[gateway]\nkeep_sent = 10000001\n", "t.conf:2: keep_sent: 10000001 is out of range 0..10000000" },
		{ "[gateway]\nkeep_days = 3651\n", "t.conf:2: keep_days: 3651 is out of range 0..3650" },
		{ "[http]\nmax_body = 1023\n", "t.conf:2: max_body: 1023 is out of range 1024..16777216" },
		{ "[modem a]\nsubmit_timeout = 4\n", "t.conf:2: submit_timeout: 4 is out of range 5..600" },
		{ "[modem a]\npoll_interval = 3601\n", "t.conf:2: poll_interval: 3601 is out of range 1..3600" },
		{ "[modem a]\nbaud = 12345\n",
		  "t.conf:2: baud: 12345 is not one of 9600 19200 38400 57600 115200 230400 460800 921600" },
		{ "[modem a]\nbaud = fast\n", "t.conf:2: baud: \"fast\" is not a number" },
		/* words */
		{ "[gateway]\nlog_level = loud\n",
		  "t.conf:2: log_level: \"loud\" is not one of error, warn, info, debug" },
		{ "[gateway]\nlog_level = INFO\n",
		  "t.conf:2: log_level: \"INFO\" is not one of error, warn, info, debug" },
		{ "[http]\nlegacy_cgi = maybe\n",
		  "t.conf:2: legacy_cgi: \"maybe\" is not yes or no (true/false, on/off, 1/0)" },
		/* numbers people dial */
		{ "[modem a]\npin = 123\n", "t.conf:2: pin: \"123\" is not 4 to 8 digits" },
		{ "[modem a]\npin = 123456789\n", "t.conf:2: pin: \"123456789\" is not 4 to 8 digits" },
		{ "[modem a]\npin = 12a4\n", "t.conf:2: pin: \"12a4\" is not 4 to 8 digits" },
		{ "[modem a]\nsmsc = +49 171 0760000\n",
		  "t.conf:2: smsc: \"+49 171 0760000\" is not a phone number (an optional '+' and 1 to 20 digits)" },
		{ "[modem a]\nsmsc = +\n",
		  "t.conf:2: smsc: \"+\" is not a phone number (an optional '+' and 1 to 20 digits)" },
		{ "[modem a]\nsmsc = ++49\n",
		  "t.conf:2: smsc: \"++49\" is not a phone number (an optional '+' and 1 to 20 digits)" },
		{ "[gateway]\nadmin = +123456789012345678901\n",
		  "t.conf:2: admin: \"+123456789012345678901\" is neither a phone number (an optional '+' and 1 to 20 digits) "
		  "nor a group name" },
		{ "[gateway]\nadmin = 0171-1234\n",
		  "t.conf:2: admin: \"0171-1234\" is neither a phone number (an optional '+' and 1 to 20 digits) nor a group "
		  "name" },
		/* listen and token */
		{ "[http]\nlisten = 8080\n",
		  "t.conf:2: listen: \"8080\" is not IPV4:PORT or [IPV6]:PORT (numeric address)" },
		{ "[http]\nlisten = localhost:8080\n",
		  "t.conf:2: listen: \"localhost:8080\" is not IPV4:PORT or [IPV6]:PORT (numeric address)" },
		{ "[http]\nlisten = :8080\n",
		  "t.conf:2: listen: \":8080\" is not IPV4:PORT or [IPV6]:PORT (numeric address)" },
		{ "[http]\nlisten = ::1:8080\n",
		  "t.conf:2: listen: \"::1:8080\" is not IPV4:PORT or [IPV6]:PORT (numeric address)" },
		{ "[http]\nlisten = [::1]8080\n",
		  "t.conf:2: listen: \"[::1]8080\" is not IPV4:PORT or [IPV6]:PORT (numeric address)" },
		{ "[http]\nlisten = [127.0.0.1]:8080\n",
		  "t.conf:2: listen: \"[127.0.0.1]:8080\" is not IPV4:PORT or [IPV6]:PORT (numeric address)" },
		{ "[http]\nlisten = 127.0.0.1:http\n",
		  "t.conf:2: listen: \"127.0.0.1:http\" is not IPV4:PORT or [IPV6]:PORT (numeric address)" },
		{ "[http]\nlisten = 127.0.0.1:\n",
		  "t.conf:2: listen: \"127.0.0.1:\" is not IPV4:PORT or [IPV6]:PORT (numeric address)" },
		{ "[http]\nlisten = 127.0.0.1:0\n", "t.conf:2: listen: port 0 is out of range 1..65535" },
		{ "[http]\nlisten = [::1]:65536\n", "t.conf:2: listen: port 65536 is out of range 1..65535" },
		{ "[http]\ntoken = \"a b\"\n", "t.conf:2: token: only printable ASCII without spaces" },
		{ "[http]\ntoken = caf\xc3\xa9\n", "t.conf:2: token: only printable ASCII without spaces" },
		{ "[http]\ntoken = 0123456789012345678901234567890123456789012345678901234567890123"
		  "45678901234567890123456789012345678901234567890123456789012345678\n",
		  "t.conf:2: token: longer than 128 bytes" },
		{ "[modem a]\nreset_command = \"\" x\n", "t.conf:2: reset_command: no program" },
		{ "[modem a]\nreset_command = a b c d e f g h i j k l m n o p q\n",
		  "t.conf:2: reset_command: more than 16 words" },
		/* the whole file */
		{ "", "t.conf:1: no [gateway] section (spool is required)" },
		{ "\n; nothing\n\n", "t.conf:3: no [gateway] section (spool is required)" },
		{ MIN_MODEM, "t.conf:2: no [gateway] section (spool is required)" },
		{ "[http]\n[gateway]\nlog_level = warn\n" MIN_MODEM, "t.conf:2: [gateway] has no spool" },
		{ MIN_GATEWAY, "t.conf:2: no [modem NAME] section" },
		{ MIN_GATEWAY MIN_MODEM "[modem usb1]\nbaud = 9600\n", "t.conf:5: [modem usb1] has no device" },
		{ MIN_GATEWAY MIN_MODEM "[modem usb1]\ndevice = /dev/ttyUSB0\n",
		  "t.conf:6: [modem usb1] has the device of [modem usb0]: /dev/ttyUSB0" },
		{ MIN_GATEWAY "retry_cap = 20\n" MIN_MODEM,
		  "t.conf:3: retry_base (30) is greater than retry_cap (20)" },
		{ MIN_GATEWAY "retry_base = 120\nretry_cap = 60\n" MIN_MODEM,
		  "t.conf:4: retry_base (120) is greater than retry_cap (60)" },
		/* the line of [gateway]'s retry_cap, not of the webhook's key of the same name */
		{ "[webhook w]\nurl = http://127.0.0.1/h\nretry_cap = 1m\n" MIN_GATEWAY "retry_base = 120\nretry_cap = 60\n"
		  MIN_MODEM "[webhook v]\nurl = http://127.0.0.1/v\nretry_cap = 2m\n",
		  "t.conf:7: retry_base (120) is greater than retry_cap (60)" },
		{ MIN_GATEWAY "[http]\nlisten = 127.0.0.1:80\nlisten = 0.0.0.0:80\n" MIN_MODEM,
		  "t.conf:5: listen 0.0.0.0:80 is not a loopback address and [http] has no token" },
		{ MIN_GATEWAY "[http]\nlisten = [::]:80\n" MIN_MODEM,
		  "t.conf:4: listen [::]:80 is not a loopback address and [http] has no token" },
		{ MIN_GATEWAY "[http]\ntoken = t\nlisten = [::1]:80\nlisten = [0::1]:80\n" MIN_MODEM,
		  "t.conf:6: listen [::1]:80 given twice (first on line 5)" },
	};

	int bad = 0;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char err[256];
		int rc;

		memset(err, 'X', sizeof(err));
		rc = parse(cases[i].text, err, sizeof(err));
		if (rc != -EINVAL || strcmp(err, cases[i].err) != 0) {
			print_error("case %zu: rc %d\n  got:  %s\n  want: %s\n", i, rc, rc ? err : "", cases[i].err);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

/* Loopback needs no token; IPv4-mapped loopback counts. */
static void test_loopback_without_token(void **state)
{
	(void)state;
	assert_parses(MIN_GATEWAY "[http]\nlisten = 127.0.0.1:80\nlisten = 127.1.2.3:81\n"
		      "listen = [::1]:80\nlisten = [::ffff:127.0.0.1]:82\n" MIN_MODEM);
	assert_int_equal(cfg.http.nlisten, 4);
	assert_string_equal(cfg.http.listen[3].addr, "::ffff:127.0.0.1");
	assert_int_equal(cfg.http.ntoken, 0);
}

static void test_long_lines(void **state)
{
	char text[2100], err[128];
	size_t n;

	(void)state;
	/* A path of 255 bytes fits, 256 does not; a line of 1024 is read, 1025 is not. */
	n = (size_t)snprintf(text, sizeof(text), "[gateway]\nspool = /");
	memset(text + n, 'a', 254);
	snprintf(text + n + 254, sizeof(text) - n - 254, "\n" MIN_MODEM);
	assert_parses(text);
	assert_int_equal(strlen(cfg.gateway.spool), 255);
	memset(text + n, 'a', 255);
	snprintf(text + n + 255, sizeof(text) - n - 255, "\n" MIN_MODEM);
	assert_int_equal(parse(text, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "t.conf:2: spool: longer than 255 bytes");

	n = (size_t)snprintf(text, sizeof(text), MIN_GATEWAY MIN_MODEM ";");
	memset(text + n, 'c', 1023);
	snprintf(text + n + 1023, sizeof(text) - n - 1023, "\n");
	assert_parses(text);
	memset(text + n, 'c', 1024);
	snprintf(text + n + 1024, sizeof(text) - n - 1024, "\n");
	assert_int_equal(parse(text, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "t.conf:5: line longer than 1024 bytes");
}

/* Any bytes, including NUL, with an explicit length. */
static void test_binary(void **state)
{
	static const char text[] = MIN_GATEWAY MIN_MODEM "token\0= x\n";
	char err[128];

	(void)state;
	assert_int_equal(config_parse(&cfg, "t.conf", text, sizeof(text) - 1, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "t.conf:5: control character 0x00");
	/* The length is obeyed: the key cut off at "dev" is unknown. */
	assert_int_equal(config_parse(&cfg, "t.conf", MIN_GATEWAY MIN_MODEM, strlen(MIN_GATEWAY) + 16, err,
				      sizeof(err)), -EINVAL);
	assert_string_equal(err, "t.conf:4: missing '=' in \"dev\"");
}

/* A small err buffer gets a cut message, never an overrun. */
static void test_small_err(void **state)
{
	char err[16];

	(void)state;
	memset(err, 'X', sizeof(err));
	assert_int_equal(config_parse(&cfg, "t.conf", "[x]\n", 4, err, 10), -EINVAL);
	assert_string_equal(err, "t.conf:1:");
	assert_int_equal(err[10], 'X');
	assert_int_equal(config_parse(&cfg, "t.conf", "[x]\n", 4, err, 3), -EINVAL);
	assert_string_equal(err, "t.");
	assert_int_equal(config_parse(&cfg, "t.conf", "[x]\n", 4, NULL, 0), -EINVAL);
}

static void test_load(void **state)
{
	char path[] = "/tmp/test-config-XXXXXX", err[256];
	static const char good[] = MIN_GATEWAY "[http]\nlisten=127.0.0.1:8080\n" MIN_MODEM;
	int fd;

	(void)state;
	assert_int_equal(config_load(&cfg, "/nonexistent/smsgate.conf", err, sizeof(err)), -ENOENT);
	assert_string_equal(err, "/nonexistent/smsgate.conf: No such file or directory");
	assert_int_equal(config_load(&cfg, "/", err, sizeof(err)), -EISDIR);
	assert_string_equal(err, "/: Is a directory");

	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, good, sizeof(good) - 1), (ssize_t)sizeof(good) - 1);
	assert_int_equal(config_load(&cfg, path, err, sizeof(err)), 0);
	assert_int_equal(cfg.http.nlisten, 1);
	assert_string_equal(cfg.modem[0].device, "/dev/ttyUSB0");

	/* The content error names the file as given. */
	assert_int_equal(write(fd, "bogus\n", 6), 6);
	assert_int_equal(config_load(&cfg, path, err, sizeof(err)), -EINVAL);
	{
		char want[128];

		snprintf(want, sizeof(want), "%s:7: missing '=' in \"bogus\"", path);
		assert_string_equal(err, want);
	}

	/* Larger than CONFIG_FILE_MAX: refused before parsing. */
	assert_int_equal(ftruncate(fd, CONFIG_FILE_MAX + 1), 0);
	assert_int_equal(config_load(&cfg, path, err, sizeof(err)), -EFBIG);
	close(fd);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_mqtt),
		cmocka_unit_test(test_mqtt_tls),
		cmocka_unit_test(test_minimal),
		cmocka_unit_test(test_design_example),
		cmocka_unit_test(test_every_key),
		cmocka_unit_test(test_bools),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_storm_keys),
		cmocka_unit_test(test_oncall),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_loopback_without_token),
		cmocka_unit_test(test_long_lines),
		cmocka_unit_test(test_webhooks_and_tls),
		cmocka_unit_test(test_binary),
		cmocka_unit_test(test_small_err),
		cmocka_unit_test(test_load),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
