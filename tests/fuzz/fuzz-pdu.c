/* Any octets as a PDU, with and without the SMSC field: decoding must
 * return an error or a consistent result, never crash or overrun. */
#include <stdlib.h>
#include <string.h>

#include "sms.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sms_pdu p;

	for (int smsc = 0; smsc < 2; smsc++) {
		if (sms_pdu_decode(&p, data, size, smsc) < 0)
			continue;
		if (p.text_len >= sizeof(p.text) || strlen(p.text) != p.text_len ||
		    utf8_validate(p.text, p.text_len, NULL) < 0 || p.data_len > sizeof(p.data))
			abort();
		if (p.udh.concat && (p.udh.seq == 0 || p.udh.seq > p.udh.total))
			abort();
	}
	return 0;
}
