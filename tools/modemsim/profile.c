/* Device profiles: what differs between the sticks people own. The
 * behaviour each flag stands for is implemented where it matters (at.c,
 * gsm.c, sms.c); this table only says who has which quirk. "@IMEI@" in
 * the ATI text is replaced by the IMEI. */
#include <string.h>

#include "modemsim.h"

static const struct ms_profile profiles[] = {
	{
		/* A well-behaved modern module, modelled on Quectel's EC25. */
		.name = "generic",
		.manufacturer = "smsgate",
		.model = "modemsim",
		.revision = "modemsim 0.1.0",
		.ati = "smsgate\r\nmodemsim\r\nRevision: modemsim 0.1.0",
		.first_index = 1,
		.act = 7,
		.cnmi_default = { 2, 1, 0, 0, 0 },
	},
	{
		/* Huawei E3372 / E3531 in serial (stick) mode: ^-URCs with no
		 * space after the colon, at any moment; storage indexes from 0. */
		.name = "huawei",
		.manufacturer = "huawei",
		.model = "E3372",
		.revision = "22.315.01.00.00",
		.ati = "Manufacturer: huawei\r\nModel: E3372\r\nRevision: 22.315.01.00.00\r\nIMEI: @IMEI@\r\n"
		       "+GCAP: +CGSM,+DS,+ES",
		.urc_anytime = true,
		.huawei = true,
		.first_index = 0,
		.act = 7,
		.cnmi_default = { 0, 0, 0, 0, 0 },
	},
	{
		/* SIMCom SIM800L: power-up banners, GSM only, +CMGR: 0,"",24. */
		.name = "simcom",
		.manufacturer = "SIMCOM_Ltd",
		.model = "SIMCOM_SIM800L",
		.revision = "Revision:1418B05SIM800L24",
		.ati = "SIM800 R14.18",
		.simcom = true,
		.quoted_empty_alpha = true,
		.first_index = 1,
		.act = -1,
		.cnmi_default = { 2, 1, 0, 0, 0 },
	},
	{
		/* The worst a driver meets: no echo ever, bare ERROR, no bare
		 * "AT", and a message reference that is always 0. */
		.name = "terse",
		.manufacturer = "Generic",
		.model = "GSM MODEM",
		.revision = "V1.0",
		.ati = "GSM MODEM",
		.never_echo = true,
		.bare_errors = true,
		.reject_bare_at = true,
		.cmgs_zero = true,
		.first_index = 1,
		.act = -1,
		.cnmi_default = { 0, 0, 0, 0, 0 },
	},
};

const struct ms_profile *ms_profile_find(const char *name)
{
	for (size_t i = 0; i < MS_ARRAY_SIZE(profiles); i++)
		if (strcmp(profiles[i].name, name) == 0)
			return &profiles[i];
	return NULL;
}

const char *ms_profile_names(void)
{
	return "generic|huawei|simcom|terse";
}
