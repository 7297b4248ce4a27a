/* Any bytes as an outgoing spool file: parsing must return an error with
 * a reason or a consistent message, never crash or overrun; a parsed
 * message written to sent/ must parse again to the same number and text. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "smsfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char text[SMSFILE_TEXT_CAP(1 << 16)], text2[SMSFILE_TEXT_CAP(1 << 16)];
static char out[(1 << 16) + 4096];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct smsfile_msg m, m2;
	struct smsfile_sent s = { .modem = "GSM1", .sent = 0, .sending_time = 1, .message_id = 7,
				  .imsi = "001010123456789", .imei = "356938035643809" };
	ssize_t n;
	int r;

	if (size > (1 << 16))
		return 0;
	r = smsfile_parse(&m, (const char *)data, size, text, sizeof(text));
	if (r < 0) {
		if (r != -EINVAL || m.reason[0] == '\0' || strchr(m.reason, '\n'))
			abort();
		return 0;
	}
	if (m.text_len >= sizeof(text) || strlen(m.text) != m.text_len ||
	    utf8_validate(m.text, m.text_len, NULL) < 0 || m.nheaders > SMSFILE_HEADERS_MAX ||
	    m.nparts < 1 || m.nparts > m.max_parts || m.body + m.body_len != (const char *)data + size)
		abort();
	n = smsfile_write_sent(out, sizeof(out), &m, &s);
	if (n < 0)
		abort();
	if (m.nheaders + 6 > SMSFILE_HEADERS_MAX)
		return 0;
	if (smsfile_parse(&m2, out, (size_t)n, text2, sizeof(text2)) != 0 ||
	    strcmp(m.to.str, m2.to.str) != 0 || m.to.toa != m2.to.toa ||
	    m.text_len != m2.text_len || memcmp(m.text, m2.text, m.text_len) != 0)
		abort();
	return 0;
}
