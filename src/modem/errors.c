#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "errors.h"
#include "util.h"

struct error_entry {
	int code;
	const char *name;
	enum send_verdict verdict;
};

#define T SEND_TEMPORARY
#define M SEND_MODEM
#define P SEND_PERMANENT

/* TS 24.011 8.2.5.4 RP causes (0..127), TS 23.040 9.2.3.22 TP-FCS
 * (128..255) and TS 27.005 3.2.5 (300..).  Verdicts: the number, the
 * network's subscription for it, or our message is wrong -> permanent; our
 * SIM/modem/network access is wrong -> modem; the rest -> temporary. */
static const struct error_entry cms_errors[] = {
	{ 1, "unassigned (unallocated) number", P },
	{ 8, "operator determined barring", M },
	{ 10, "call barred", M },
	{ 21, "short message transfer rejected", P },
	{ 27, "destination out of service", T },
	{ 28, "unidentified subscriber", P },
	{ 29, "facility rejected", P },
	{ 30, "unknown subscriber", P },
	{ 38, "network out of order", T },
	{ 41, "temporary failure", T },
	{ 42, "congestion", T },
	{ 47, "resources unavailable, unspecified", T },
	{ 50, "requested facility not subscribed", M },
	{ 69, "requested facility not implemented", P },
	{ 81, "invalid short message transfer reference value", T },
	{ 95, "invalid message, unspecified", P },
	{ 96, "invalid mandatory information", P },
	{ 97, "message type non-existent or not implemented", P },
	{ 98, "message not compatible with short message protocol state", P },
	{ 99, "information element non-existent or not implemented", P },
	{ 111, "protocol error, unspecified", T },
	{ 127, "interworking, unspecified", T },
	{ 128, "telematic interworking not supported", P },
	{ 129, "short message type 0 not supported", P },
	{ 130, "cannot replace short message", P },
	{ 143, "unspecified TP-PID error", P },
	{ 144, "data coding scheme (alphabet) not supported", P },
	{ 145, "message class not supported", P },
	{ 159, "unspecified TP-DCS error", P },
	{ 160, "command cannot be actioned", P },
	{ 161, "command unsupported", P },
	{ 175, "unspecified TP-Command error", P },
	{ 176, "TPDU not supported", P },
	{ 192, "SC busy", T },
	{ 193, "no SC subscription", M },
	{ 194, "SC system failure", T },
	{ 195, "invalid SME address", P },
	{ 196, "destination SME barred", P },
	{ 197, "SM rejected-duplicate SM", P },
	{ 198, "TP-VPF not supported", P },
	{ 199, "TP-VP not supported", P },
	{ 208, "SIM SMS storage full", M },
	{ 209, "no SMS storage capability in SIM", M },
	{ 210, "error in MS", M },
	{ 211, "memory capacity exceeded", M },
	{ 212, "SIM application toolkit busy", T },
	{ 213, "SIM data download error", M },
	{ 255, "unspecified error cause", T },
	{ 300, "ME failure", M },
	{ 301, "SMS service of ME reserved", M },
	{ 302, "operation not allowed", M },
	{ 303, "operation not supported", P },
	{ 304, "invalid PDU mode parameter", P },
	{ 305, "invalid text mode parameter", P },
	{ 310, "SIM not inserted", M },
	{ 311, "SIM PIN required", M },
	{ 312, "PH-SIM PIN required", M },
	{ 313, "SIM failure", M },
	{ 314, "SIM busy", T },
	{ 315, "SIM wrong", M },
	{ 316, "SIM PUK required", M },
	{ 317, "SIM PIN2 required", M },
	{ 318, "SIM PUK2 required", M },
	{ 320, "memory failure", M },
	{ 321, "invalid memory index", P },
	{ 322, "memory full", M },
	{ 330, "SMSC address unknown", M },
	{ 331, "no network service", M },
	{ 332, "network timeout", T },
	{ 340, "no +CNMA acknowledgement expected", T },
	{ 500, "unknown error", T },
};

static const struct error_entry cme_errors[] = {
	{ 0, "phone failure", M },
	{ 1, "no connection to phone", M },
	{ 2, "phone-adaptor link reserved", M },
	{ 3, "operation not allowed", M },
	{ 4, "operation not supported", P },
	{ 5, "PH-SIM PIN required", M },
	{ 6, "PH-FSIM PIN required", M },
	{ 7, "PH-FSIM PUK required", M },
	{ 10, "SIM not inserted", M },
	{ 11, "SIM PIN required", M },
	{ 12, "SIM PUK required", M },
	{ 13, "SIM failure", M },
	{ 14, "SIM busy", T },
	{ 15, "SIM wrong", M },
	{ 16, "incorrect password", M },
	{ 17, "SIM PIN2 required", M },
	{ 18, "SIM PUK2 required", M },
	{ 20, "memory full", M },
	{ 21, "invalid index", P },
	{ 22, "not found", P },
	{ 23, "memory failure", M },
	{ 24, "text string too long", P },
	{ 25, "invalid characters in text string", P },
	{ 26, "dial string too long", P },
	{ 27, "invalid characters in dial string", P },
	{ 30, "no network service", M },
	{ 31, "network timeout", T },
	{ 32, "network not allowed - emergency calls only", M },
	{ 40, "network personalization PIN required", M },
	{ 41, "network personalization PUK required", M },
	{ 100, "unknown", T },
};

#undef T
#undef M
#undef P

static const struct error_entry *find_code(const struct error_entry *t, size_t n, int code)
{
	for (size_t i = 0; i < n; i++) {
		if (t[i].code == code)
			return &t[i];
	}
	return NULL;
}

static int find_name(const struct error_entry *t, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++) {
		if (strcasecmp(t[i].name, name) == 0)
			return t[i].code;
	}
	return -1;
}

const char *send_verdict_name(enum send_verdict v)
{
	switch (v) {
	case SEND_TEMPORARY: return "temporary";
	case SEND_MODEM: return "modem";
	case SEND_PERMANENT: return "permanent";
	}
	return "?";
}

const char *cms_error_name(int code)
{
	const struct error_entry *e = find_code(cms_errors, ARRAY_SIZE(cms_errors), code);

	return e ? e->name : NULL;
}

const char *cme_error_name(int code)
{
	const struct error_entry *e = find_code(cme_errors, ARRAY_SIZE(cme_errors), code);

	return e ? e->name : NULL;
}

int cms_error_code(const char *name)
{
	return find_name(cms_errors, ARRAY_SIZE(cms_errors), name);
}

int cme_error_code(const char *name)
{
	return find_name(cme_errors, ARRAY_SIZE(cme_errors), name);
}

void at_result_normalise(struct at_result *r)
{
	const char *colon;

	if (r->code >= 0 || (r->final != AT_CMS_ERROR && r->final != AT_CME_ERROR))
		return;
	colon = strchr(r->text, ':');
	if (!colon)
		return;
	colon += strspn(colon + 1, " ") + 1;
	r->code = r->final == AT_CMS_ERROR ? cms_error_code(colon) : cme_error_code(colon);
}

enum send_verdict send_verdict_of(const struct at_result *r)
{
	const struct error_entry *e = NULL;

	if (r->final == AT_CMS_ERROR)
		e = find_code(cms_errors, ARRAY_SIZE(cms_errors), r->code);
	else if (r->final == AT_CME_ERROR)
		e = find_code(cme_errors, ARRAY_SIZE(cme_errors), r->code);
	if (e)
		return e->verdict;
	/* Unknown numbers, bare ERROR, timeouts, a lost line: nothing says
	 * the message is bad, so it is tried again (the retry cap ends it). */
	return r->final == AT_TIMEOUT || r->final == AT_CLOSED ? SEND_MODEM : SEND_TEMPORARY;
}

int at_result_describe(char *dst, size_t dstlen, const struct at_result *r)
{
	const char *name = NULL;
	int n;

	if (r->final == AT_CMS_ERROR)
		name = cms_error_name(r->code);
	else if (r->final == AT_CME_ERROR)
		name = cme_error_name(r->code);
	if ((r->final == AT_CMS_ERROR || r->final == AT_CME_ERROR) && r->code >= 0)
		n = snprintf(dst, dstlen, "%s %d: %s", at_final_name(r->final), r->code, name ? name : "unknown code");
	else if (r->final == AT_CMS_ERROR || r->final == AT_CME_ERROR)
		n = snprintf(dst, dstlen, "%s", r->text);
	else
		n = snprintf(dst, dstlen, "%s", at_final_name(r->final));
	return n < 0 || (size_t)n >= dstlen ? -1 : n;
}
