/* Arbitrary modem output into the AT engine while a command is in flight
 * (first input byte chooses which), and every received line through the
 * parameter parser: no crash, no overrun, whatever the modem sends. */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "at.h"
#include "errors.h"
#include "at_params.h"
#include "log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_line(const char *line)
{
	char buf[64];
	long v;

	for (unsigned i = 0; i < 4; i++) {
		at_field(line, i, buf, sizeof(buf));
		at_field_int(line, i, &v);
	}
}

static void on_urc(void *ctx, const char *line, const char *pdu)
{
	(void)ctx;
	fuzz_line(line);
	if (pdu && strlen(pdu) > AT_LINE_MAX)
		abort();
}

static void on_lost(void *ctx, int err)
{
	(void)err;
	at_detach(ctx);
}

static void on_info(void *ctx, const char *line)
{
	(void)ctx;
	if (strlen(line) > AT_LINE_MAX)
		abort();
	fuzz_line(line);
}

static void on_done(void *ctx, const struct at_result *r)
{
	struct at_result copy = *r;
	char text[128];

	(void)ctx;
	at_result_normalise(&copy);
	at_result_describe(text, sizeof(text), &copy);
	send_verdict_of(&copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct at_req reqs[] = {
		{ "AT+CSQ", "+CSQ:", NULL, 50, on_info, on_done, NULL },
		{ "AT+CREG?", "+CREG:", NULL, 50, on_info, on_done, NULL },
		{ "AT+CMGS=22", "+CMGS:", "0011000B910000000000F00000AA00", 50, on_info, on_done, NULL },
		{ "AT+CMGL=4", "+CMGL:", NULL, 50, on_info, on_done, NULL },
	};
	struct loop loop;
	struct at at;
	int fd[2];

	if (size < 1 || size > 8192)
		return 0;
	log_setup("fuzz", LOG_LVL_ERROR, 0);
	if (loop_init(&loop) < 0 || socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fd) < 0)
		abort();
	at_init(&at, &loop, on_urc, on_lost, &at);
	at_attach(&at, fd[0]);
	at_send(&at, &reqs[data[0] % 4]);
	if (write(fd[1], data + 1, size - 1) != (ssize_t)(size - 1))
		abort();
	for (int i = 0; i < 4; i++)
		loop_once(&loop, 0);
	at_detach(&at);
	close(fd[0]);
	close(fd[1]);
	loop_close(&loop);
	return 0;
}
