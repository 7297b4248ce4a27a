/* The AT engine against a scripted modem on the other end of a socket
 * pair: exact bytes out, exact classification in, however the input is
 * cut into reads. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "at.h"
#include "errors.h"
#include "loop.h"

struct fixture {
	struct loop loop;
	struct at at;
	int fd[2];              /* [0] the engine's, [1] the scripted modem's */
	char infos[8][AT_LINE_MAX + 1];
	int ninfo;
	struct at_result done[8];
	int ndone;
	char urcs[8][AT_LINE_MAX + 1];
	char urc_pdus[8][AT_LINE_MAX + 1];
	int nurc;
	int lost;
};

static void on_urc(void *ctx, const char *line, const char *pdu)
{
	struct fixture *f = ctx;

	snprintf(f->urcs[f->nurc], sizeof(f->urcs[0]), "%s", line);
	snprintf(f->urc_pdus[f->nurc], sizeof(f->urc_pdus[0]), "%s", pdu ? pdu : "");
	f->nurc++;
}

static void on_lost(void *ctx, int err)
{
	struct fixture *f = ctx;

	(void)err;
	f->lost++;
	at_detach(&f->at);
}

static void on_info(void *ctx, const char *line)
{
	struct fixture *f = ctx;

	snprintf(f->infos[f->ninfo++], sizeof(f->infos[0]), "%s", line);
}

static void on_done(void *ctx, const struct at_result *r)
{
	struct fixture *f = ctx;

	f->done[f->ndone++] = *r;
}

static int setup(void **state)
{
	static struct fixture f;

	memset(&f, 0, sizeof(f));
	assert_int_equal(loop_init(&f.loop), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, f.fd), 0);
	at_init(&f.at, &f.loop, on_urc, on_lost, &f);
	assert_int_equal(at_attach(&f.at, f.fd[0]), 0);
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	at_detach(&f->at);
	close(f->fd[0]);
	close(f->fd[1]);
	loop_close(&f->loop);
	return 0;
}

/* Runs the loop until cond holds; a 5 s cap turns a hang into a failure. */
#define RUN_UNTIL(f, cond)                                                                 \
	do {                                                                               \
		int64_t deadline_ = loop_now() + 5000;                                     \
		while (!(cond) && loop_now() < deadline_)                                   \
			loop_once(&(f)->loop, 50);                                          \
		assert_true(cond);                                                         \
	} while (0)

/* What the engine wrote, once `n` bytes are there. */
static void expect_sent(struct fixture *f, const char *want)
{
	char buf[1024];
	size_t n = 0, len = strlen(want);
	int64_t deadline = loop_now() + 5000;

	while (n < len && loop_now() < deadline) {
		ssize_t k = read(f->fd[1], buf + n, len - n);

		if (k > 0)
			n += (size_t)k;
		else
			loop_once(&f->loop, 20);
	}
	buf[n] = '\0';
	assert_string_equal(buf, want);
}

static void modem_says(struct fixture *f, const char *bytes)
{
	assert_int_equal(write(f->fd[1], bytes, strlen(bytes)), (ssize_t)strlen(bytes));
}

/* One byte per read: framing must not depend on how reads cut the stream. */
static void modem_says_slowly(struct fixture *f, const char *bytes)
{
	for (; *bytes; bytes++) {
		assert_int_equal(write(f->fd[1], bytes, 1), 1);
		loop_once(&f->loop, 0);
	}
}

static void send_cmd(struct fixture *f, const char *line, const char *prefix, const char *pdu, int timeout)
{
	struct at_req req = { line, prefix, pdu, timeout, on_info, on_done, f };

	assert_int_equal(at_send(&f->at, &req), 0);
}

static void test_echo_and_info(void **state)
{
	struct fixture *f = *state;

	send_cmd(f, "AT+CSQ", "+CSQ:", NULL, 1000);
	expect_sent(f, "AT+CSQ\r");
	modem_says_slowly(f, "AT+CSQ\r\r\n+CSQ: 17,99\r\n\r\nOK\r\n");
	RUN_UNTIL(f, f->ndone == 1);
	assert_int_equal(f->done[0].final, AT_OK);
	assert_int_equal(f->ninfo, 1);
	assert_string_equal(f->infos[0], "+CSQ: 17,99");
	assert_int_equal(f->nurc, 0);
}

static void test_submit_with_urcs_everywhere(void **state)
{
	struct fixture *f = *state;

	send_cmd(f, "AT+CMGS=22", "+CMGS:", "0001000C9194711032547600000AE8329BFD4697D9EC37", 5000);
	expect_sent(f, "AT+CMGS=22\r");
	/* A Huawei ^RSSI between the command and the prompt, the prompt cut in two reads. */
	modem_says(f, "\r\n^RSSI: 14\r\n\r\n>");
	modem_says(f, " ");
	expect_sent(f, "0001000C9194711032547600000AE8329BFD4697D9EC37\x1a");
	/* The PDU echoed, a +CMTI and a +CREG between the PDU and the answer. */
	modem_says(f, "0001000C9194711032547600000AE8329BFD4697D9EC37\x1a\r\n+CMTI: \"SM\",3\r\n+CREG: 1\r\n"
		      "\r\n+CMGS: 42\r\n\r\nOK\r\n");
	RUN_UNTIL(f, f->ndone == 1);
	assert_int_equal(f->done[0].final, AT_OK);
	assert_int_equal(f->ninfo, 1);
	assert_string_equal(f->infos[0], "+CMGS: 42");
	assert_int_equal(f->nurc, 3);
	assert_string_equal(f->urcs[0], "^RSSI: 14");
	assert_string_equal(f->urcs[1], "+CMTI: \"SM\",3");
	assert_string_equal(f->urcs[2], "+CREG: 1");
}

static void test_cms_error_instead_of_prompt(void **state)
{
	struct fixture *f = *state;

	send_cmd(f, "AT+CMGS=22", "+CMGS:", "00", 5000);
	expect_sent(f, "AT+CMGS=22\r");
	modem_says(f, "\r\n+CMS ERROR: 331\r\n");
	RUN_UNTIL(f, f->ndone == 1);
	assert_int_equal(f->done[0].final, AT_CMS_ERROR);
	assert_int_equal(f->done[0].code, 331);
	assert_int_equal(send_verdict_of(&f->done[0]), SEND_MODEM);
}

static void test_verbose_errors(void **state)
{
	struct fixture *f = *state;
	struct at_result r;
	char text[96];

	send_cmd(f, "AT+CMGS=10", "+CMGS:", "00", 5000);
	expect_sent(f, "AT+CMGS=10\r");
	modem_says(f, "\r\n+CMS ERROR: invalid PDU mode parameter\r\n");
	RUN_UNTIL(f, f->ndone == 1);
	r = f->done[0];
	assert_int_equal(r.final, AT_CMS_ERROR);
	assert_int_equal(r.code, -1);
	at_result_normalise(&r);
	assert_int_equal(r.code, 304);
	assert_int_equal(send_verdict_of(&r), SEND_PERMANENT);
	at_result_describe(text, sizeof(text), &r);
	assert_string_equal(text, "+CMS ERROR 304: invalid PDU mode parameter");
}

static void test_two_line_urcs(void **state)
{
	struct fixture *f = *state;

	modem_says_slowly(f, "\r\n+CMT: ,24\r\n07919471060040F0040B919471214365F70000622011417551800AE8329BFD4697D9EC37\r\n"
			     "+CDS: 25\r\n07919471060040F006420B919471214365F7622011417551806220114175618000\r\n");
	RUN_UNTIL(f, f->nurc == 2);
	assert_string_equal(f->urcs[0], "+CMT: ,24");
	assert_string_equal(f->urc_pdus[0], "07919471060040F0040B919471214365F70000622011417551800AE8329BFD4697D9EC37");
	assert_string_equal(f->urcs[1], "+CDS: 25");
	assert_string_equal(f->urc_pdus[1], "07919471060040F006420B919471214365F7622011417551806220114175618000");
}

static void test_urc_between_cmt_and_its_pdu(void **state)
{
	struct fixture *f = *state;

	modem_says(f, "\r\n+CMT: ,24\r\n\r\n^RSSI: 12\r\n07919471060040F0040B919471214365F70000622011417551800AE8329BFD4697D9EC37\r\n");
	RUN_UNTIL(f, f->nurc == 2);
	assert_string_equal(f->urcs[0], "^RSSI: 12");
	assert_string_equal(f->urc_pdus[0], "");
	assert_string_equal(f->urcs[1], "+CMT: ,24");
	assert_string_equal(f->urc_pdus[1], "07919471060040F0040B919471214365F70000622011417551800AE8329BFD4697D9EC37");
}

static void test_registration_answer_vs_urc(void **state)
{
	struct fixture *f = *state;

	send_cmd(f, "AT+CREG?", "+CREG:", NULL, 1000);
	expect_sent(f, "AT+CREG?\r");
	/* n=2 URC (quoted lac) arrives first, then the answer. */
	modem_says(f, "\r\n+CREG: 1,\"1A2B\",\"00C3D4\"\r\n\r\n+CREG: 2,1,\"1A2B\",\"00C3D4\"\r\n\r\nOK\r\n");
	RUN_UNTIL(f, f->ndone == 1);
	assert_int_equal(f->nurc, 1);
	assert_string_equal(f->urcs[0], "+CREG: 1,\"1A2B\",\"00C3D4\"");
	assert_int_equal(f->ninfo, 1);
	assert_string_equal(f->infos[0], "+CREG: 2,1,\"1A2B\",\"00C3D4\"");
}

static void test_timeout_then_quiet(void **state)
{
	struct fixture *f = *state;

	send_cmd(f, "AT+CSQ", "+CSQ:", NULL, 100);
	send_cmd(f, "AT+CGMI", NULL, NULL, 1000);
	expect_sent(f, "AT+CSQ\r");
	RUN_UNTIL(f, f->ndone == 1);
	assert_int_equal(f->done[0].final, AT_TIMEOUT);
	/* The late answer to AT+CSQ must not become AT+CGMI's: the engine
	 * waits for silence before sending it. */
	modem_says(f, "\r\n+CSQ: 5,99\r\n\r\nOK\r\n");
	expect_sent(f, "AT+CGMI\r");
	assert_int_equal(f->ndone, 1);
	modem_says(f, "\r\nQuectel\r\n\r\nOK\r\n");
	RUN_UNTIL(f, f->ndone == 2);
	assert_int_equal(f->done[1].final, AT_OK);
	assert_int_equal(f->ninfo, 1);
	assert_string_equal(f->infos[0], "Quectel");
	assert_int_equal(f->at.stats.unexpected, 2); /* the late +CSQ and its OK */
}

static void test_prompt_timeout_sends_escape(void **state)
{
	struct fixture *f = *state;

	send_cmd(f, "AT+CMGS=5", "+CMGS:", "0011", 100);
	expect_sent(f, "AT+CMGS=5\r");
	RUN_UNTIL(f, f->ndone == 1);
	assert_int_equal(f->done[0].final, AT_TIMEOUT);
	/* ESC leaves the PDU input mode; the PDU itself is never written. */
	expect_sent(f, "\x1b");
	send_cmd(f, "AT", NULL, NULL, 1000);
	expect_sent(f, "AT\r");
}

static void test_error_instead_of_prompt_writes_no_pdu(void **state)
{
	struct fixture *f = *state;

	send_cmd(f, "AT+CMGS=5", "+CMGS:", "0011", 1000);
	expect_sent(f, "AT+CMGS=5\r");
	modem_says(f, "\r\nERROR\r\n");
	RUN_UNTIL(f, f->ndone == 1);
	assert_int_equal(f->done[0].final, AT_ERROR);
	send_cmd(f, "AT", NULL, NULL, 1000);
	expect_sent(f, "AT\r");
}

static void test_overlong_and_garbage(void **state)
{
	struct fixture *f = *state;
	char big[AT_LINE_MAX + 200];

	memset(big, 'Z', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	send_cmd(f, "AT", NULL, NULL, 1000);
	expect_sent(f, "AT\r");
	modem_says(f, "\r\n");
	modem_says(f, big);
	modem_says(f, "\r\n\x01\x02\x7f\r\nOK\r\n");
	RUN_UNTIL(f, f->ndone == 1);
	assert_int_equal(f->done[0].final, AT_OK);
	assert_int_equal(f->at.stats.overlong, 1);
	assert_int_equal(f->ninfo, 0);
}

static void test_line_lost_fails_queue(void **state)
{
	struct fixture *f = *state;

	send_cmd(f, "AT+CSQ", "+CSQ:", NULL, 1000);
	send_cmd(f, "AT+CREG?", "+CREG:", NULL, 1000);
	expect_sent(f, "AT+CSQ\r");
	close(f->fd[1]);
	f->fd[1] = -1;
	RUN_UNTIL(f, f->lost == 1);
	assert_int_equal(f->ndone, 2);
	assert_int_equal(f->done[0].final, AT_CLOSED);
	assert_int_equal(f->done[1].final, AT_CLOSED);
	assert_int_equal(at_send(&f->at, &(struct at_req){ "AT", NULL, NULL, 100, NULL, NULL, NULL }), -ENOTCONN);
}

static void test_stale_submit_answer_skipped(void **state)
{
	struct fixture *f = *state;

	/* A killed process left a submit running: its answer comes out after
	 * our probe went in, before the probe's own OK. */
	send_cmd(f, "AT", NULL, NULL, 1000);
	send_cmd(f, "AT+CGSN", "+CGSN:", NULL, 1000);
	expect_sent(f, "AT\r");
	modem_says(f, "\r\n+CMGS: 7\r\n\r\nOK\r\n");
	modem_says(f, "\r\nOK\r\n");
	expect_sent(f, "AT+CGSN\r");
	modem_says(f, "\r\n356938035643809\r\n\r\nOK\r\n");
	RUN_UNTIL(f, f->ndone == 2);
	assert_int_equal(f->done[0].final, AT_OK);
	assert_int_equal(f->ninfo, 1);
	assert_string_equal(f->infos[0], "356938035643809");
	assert_int_equal(f->at.stats.unexpected, 2);
}

static void test_settle_swallows_a_second_final(void **state)
{
	struct fixture *f = *state;

	/* The stale answer's +CMGS line was flushed at the open, its OK was
	 * taken for the probe's: the probe's own OK must not become the next
	 * command's answer. */
	send_cmd(f, "AT", NULL, NULL, 1000);
	expect_sent(f, "AT\r");
	modem_says(f, "\r\nOK\r\n");
	RUN_UNTIL(f, f->ndone == 1);
	at_settle(&f->at, 200);
	send_cmd(f, "ATE0", NULL, NULL, 1000);
	modem_says(f, "\r\nOK\r\n");
	expect_sent(f, "ATE0\r");
	assert_int_equal(f->ndone, 1);
	modem_says(f, "\r\nERROR\r\n");
	RUN_UNTIL(f, f->ndone == 2);
	assert_int_equal(f->done[1].final, AT_ERROR);
}

static void test_classify_table(void **state)
{
	static const struct {
		const char *line, *prefix;
		enum at_line_kind kind;
	} cases[] = {
		{ "OK", NULL, AT_LINE_FINAL },
		{ "ERROR", "+CSQ:", AT_LINE_FINAL },
		{ "COMMAND NOT SUPPORT", NULL, AT_LINE_FINAL },
		{ "+CME ERROR: 16", NULL, AT_LINE_FINAL },
		{ "NO CARRIER", NULL, AT_LINE_FINAL },
		{ "+CPIN: READY", "+CPIN:", AT_LINE_INFO },
		{ "+CPIN: READY", NULL, AT_LINE_URC },
		{ "+CMTI: \"SM\",1", NULL, AT_LINE_URC },
		{ "+CDSI: \"SM\",2", "+CMGS:", AT_LINE_URC },
		{ "+CMT: ,24", NULL, AT_LINE_URC_PDU },
		{ "+CMGR: 0,,24", "+CMGR:", AT_LINE_INFO },
		{ "+CEREG: 1", "+CEREG:", AT_LINE_URC },
		{ "+CEREG: 0,1", "+CEREG:", AT_LINE_INFO },
		{ "RDY", NULL, AT_LINE_URC },
		{ "SMS Ready", NULL, AT_LINE_URC },
		{ "RINGING", NULL, AT_LINE_INFO },
		{ "351234567890123", NULL, AT_LINE_INFO },
		{ "", NULL, AT_LINE_EMPTY },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum at_line_kind k = at_classify(cases[i].line, cases[i].prefix, NULL);

		if (k != cases[i].kind)
			fail_msg("%s with prefix %s: kind %d, want %d", cases[i].line,
				 cases[i].prefix ? cases[i].prefix : "(none)", k, cases[i].kind);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_echo_and_info, setup, teardown),
		cmocka_unit_test_setup_teardown(test_submit_with_urcs_everywhere, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cms_error_instead_of_prompt, setup, teardown),
		cmocka_unit_test_setup_teardown(test_verbose_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_two_line_urcs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_urc_between_cmt_and_its_pdu, setup, teardown),
		cmocka_unit_test_setup_teardown(test_registration_answer_vs_urc, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timeout_then_quiet, setup, teardown),
		cmocka_unit_test_setup_teardown(test_prompt_timeout_sends_escape, setup, teardown),
		cmocka_unit_test_setup_teardown(test_error_instead_of_prompt_writes_no_pdu, setup, teardown),
		cmocka_unit_test_setup_teardown(test_overlong_and_garbage, setup, teardown),
		cmocka_unit_test_setup_teardown(test_line_lost_fails_queue, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stale_submit_answer_skipped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_settle_swallows_a_second_final, setup, teardown),
		cmocka_unit_test(test_classify_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
