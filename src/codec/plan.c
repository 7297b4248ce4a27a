/* Choosing the alphabet and cutting a text into concatenated parts
 * (TS 23.040 9.2.3.24.1): a part boundary never falls inside an escape
 * pair (TS 23.038 6.2.1.1) or a UTF-16 surrogate pair. */
#include <errno.h>

#include "sms.h"

const char *sms_enc_name(enum sms_enc enc)
{
	switch (enc) {
	case SMS_ENC_GSM7: return "gsm7";
	case SMS_ENC_8BIT: return "8bit";
	case SMS_ENC_UCS2: return "ucs2";
	}
	return "unknown";
}

static unsigned plan_units(enum sms_enc enc, uint32_t cp)
{
	if (enc == SMS_ENC_GSM7)
		return (unsigned)gsm7_lookup(cp, NULL);
	return cp >= 0x10000 ? 2 : 1;
}

int sms_plan_text(struct sms_plan *plan, const char *text, size_t len, unsigned flags, unsigned max_parts,
		  size_t *bad)
{
	size_t pos = 0, units = 0, part_units = 0, per_part;
	enum sms_enc enc = (flags & SMS_PLAN_FORCE_UCS2) ? SMS_ENC_UCS2 : SMS_ENC_GSM7;
	uint32_t cp;
	unsigned nparts = 1;

	if (len > UINT32_MAX)
		return -EMSGSIZE;
	while (pos < len) {
		size_t at = pos;

		/* U+0000 is refused as well: it is no text, and a decoder
		 * shows it as U+FFFD. */
		if (utf8_next(text, len, &pos, &cp) < 0 || cp == 0) {
			if (bad)
				*bad = at;
			return -EILSEQ;
		}
		if (enc == SMS_ENC_GSM7 && gsm7_lookup(cp, NULL) == 0)
			enc = SMS_ENC_UCS2;
	}
	/* Second pass with the alphabet known: the units, then the cuts. */
	for (pos = 0; pos < len;) {
		utf8_next(text, len, &pos, &cp);
		units += plan_units(enc, cp);
	}

	if (max_parts == 0 || max_parts > SMS_CONCAT_MAX)
		max_parts = SMS_CONCAT_MAX;
	plan->enc = enc;
	plan->units = units;
	plan->start[0] = 0;
	if (units > (enc == SMS_ENC_GSM7 ? SMS_GSM7_SINGLE : SMS_UCS2_SINGLE)) {
		per_part = enc == SMS_ENC_GSM7 ? SMS_GSM7_CONCAT : SMS_UCS2_CONCAT;
		for (pos = 0; pos < len;) {
			size_t at = pos;
			unsigned u;

			utf8_next(text, len, &pos, &cp);
			u = plan_units(enc, cp);
			if (part_units + u > per_part) {
				if (nparts <= SMS_CONCAT_MAX)
					plan->start[nparts] = (uint32_t)at;
				nparts++;
				part_units = 0;
			}
			part_units += u;
		}
	}
	plan->nparts = nparts;
	if (nparts > max_parts)
		return -EMSGSIZE;
	plan->start[nparts] = (uint32_t)len;
	return 0;
}
