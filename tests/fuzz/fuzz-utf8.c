/* Arbitrary bytes as message text: invalid UTF-8 must be refused with an
 * offset inside the input; valid text must survive plan -> SUBMIT PDUs ->
 * decode -> join unchanged, byte for byte, in both alphabets. */
#include <stdlib.h>
#include <string.h>

#include "sms.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void round_trip(const char *text, size_t size, unsigned flags)
{
	static struct sms_plan plan;
	static char joined[SMS_CONCAT_MAX * SMS_TEXT_MAX];
	struct sms_submit_opts o = { .concat_ref = 42 };
	size_t out = 0;

	sms_address_parse(&o.to, "+491701234567");
	if (sms_plan_text(&plan, text, size, flags, SMS_CONCAT_MAX, NULL) < 0)
		return; /* too long for 255 parts */
	for (unsigned i = 0; i < plan.nparts; i++) {
		uint8_t pdu[SMS_PDU_MAX];
		struct sms_pdu p;
		size_t tpdu;
		ssize_t n = sms_submit_encode(pdu, sizeof(pdu), &tpdu, &o, &plan, text, i);

		if (n < 0 || sms_pdu_decode(&p, pdu, (size_t)n, true) < 0 || tpdu + 1 != (size_t)n)
			abort();
		if (p.enc != plan.enc || (plan.nparts > 1 && (!p.udh.concat || p.udh.seq != i + 1)))
			abort();
		memcpy(joined + out, p.text, p.text_len);
		out += p.text_len;
	}
	if (out != size || memcmp(joined, text, size) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	size_t bad = (size_t)-1;

	if (utf8_validate(text, size, &bad) < 0) {
		if (bad >= size)
			abort();
		return 0;
	}
	round_trip(text, size, 0);
	round_trip(text, size, SMS_PLAN_FORCE_UCS2);
	return 0;
}
