/* smsgate pdu encode|decode: the tool a person reaches for when a modem
 * misbehaves. encode prints one line per part, "<AT+CMGS length> <PDU>",
 * with SMSC field 00 unless --smsc is given. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "cli.h"
#include "sms.h"

static int parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v;

	if (!*s || *s == '-' || *s == '+')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

static int pdu_encode(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "ucs2", no_argument, NULL, 'u' },     { "report", no_argument, NULL, 'r' },
		{ "flash", no_argument, NULL, 'f' },    { "smsc", required_argument, NULL, 's' },
		{ "validity", required_argument, NULL, 'v' }, { "max-parts", required_argument, NULL, 'm' },
		{ "ref", required_argument, NULL, 'R' }, { NULL, 0, NULL, 0 },
	};
	struct sms_submit_opts o = { 0 };
	struct sms_address smsc;
	struct sms_plan plan;
	unsigned flags = 0;
	unsigned long max_parts = SMS_CONCAT_MAX, v;
	unsigned long ref = ((unsigned long)time(NULL) ^ (unsigned long)getpid()) & 0xff;
	char *text;
	size_t bad = 0;
	int c, rc;

	/* "+": options end at NUMBER, so a text may begin with '-'. */
	optind = 1;
	while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		switch (c) {
		case 'u': flags |= SMS_PLAN_FORCE_UCS2; break;
		case 'r': o.report = true; break;
		case 'f': o.flash = true; break;
		case 's':
			if (sms_address_parse(&smsc, optarg) < 0) {
				fprintf(stderr, "smsgate: invalid SMSC number '%s'\n", optarg);
				return CLI_USAGE;
			}
			o.smsc = &smsc;
			break;
		case 'v':
			if (parse_uint(optarg, 63ul * 7 * 24 * 60, &v) < 0 || v == 0) {
				fprintf(stderr, "smsgate: --validity takes minutes, 1 to 635040 (63 weeks)\n");
				return CLI_USAGE;
			}
			o.validity_minutes = (unsigned)v;
			break;
		case 'm':
			if (parse_uint(optarg, SMS_CONCAT_MAX, &max_parts) < 0 || max_parts == 0) {
				fprintf(stderr, "smsgate: --max-parts takes 1 to %d\n", SMS_CONCAT_MAX);
				return CLI_USAGE;
			}
			break;
		case 'R':
			if (parse_uint(optarg, 255, &ref) < 0) {
				fprintf(stderr, "smsgate: --ref takes 0 to 255\n");
				return CLI_USAGE;
			}
			break;
		default:
			return CLI_USAGE;
		}
	}
	if (argc - optind < 2) {
		fprintf(stderr, "usage: smsgate pdu encode [options] NUMBER TEXT...\n");
		return CLI_USAGE;
	}
	if (sms_address_parse(&o.to, argv[optind]) < 0) {
		fprintf(stderr, "smsgate: invalid number '%s': use +<country><number> or national digits, 1 to %d digits\n",
			argv[optind], SMS_ADDR_DIGITS_MAX);
		return CLI_REFUSED;
	}
	o.concat_ref = (uint8_t)ref;
	text = cli_join_words(argc - optind - 1, argv + optind + 1);
	if (!text) {
		perror("smsgate");
		return CLI_REFUSED;
	}
	rc = sms_plan_text(&plan, text, strlen(text), flags, (unsigned)max_parts, &bad);
	if (rc == -EILSEQ) {
		fprintf(stderr, "smsgate: the text is not valid UTF-8 (byte %zu)\n", bad);
		free(text);
		return CLI_REFUSED;
	}
	if (rc == -EMSGSIZE) {
		fprintf(stderr, "smsgate: the text needs %u parts (%zu %s); the maximum is %lu\n", plan.nparts,
			plan.units, plan.enc == SMS_ENC_GSM7 ? "septets" : "UTF-16 units", max_parts);
		free(text);
		return CLI_REFUSED;
	}
	for (unsigned i = 0; i < plan.nparts; i++) {
		uint8_t pdu[SMS_PDU_MAX];
		char hex[2 * SMS_PDU_MAX + 1];
		size_t tpdu_len;
		ssize_t n = sms_submit_encode(pdu, sizeof(pdu), &tpdu_len, &o, &plan, text, i);

		if (n < 0 || hex_encode(hex, sizeof(hex), pdu, (size_t)n) < 0) {
			fprintf(stderr, "smsgate: part %u could not be encoded: %s\n", i + 1, strerror((int)-n));
			free(text);
			return CLI_REFUSED;
		}
		printf("%zu %s\n", tpdu_len, hex);
	}
	free(text);
	return 0;
}

static const char *class_text(int c)
{
	static const char *const names[] = { "class 0 (flash)", "class 1", "class 2 (SIM)", "class 3" };

	return c >= 0 && c <= 3 ? names[c] : "no class";
}

static void print_time(const char *label, const struct sms_time *t)
{
	char buf[40];

	if (!t->present)
		return;
	sms_time_format(buf, sizeof(buf), t);
	printf("%-12s %s%s\n", label, buf, t->valid ? "" : " (invalid digits)");
}

static void print_text(const struct sms_pdu *p)
{
	if (p->compressed) {
		printf("%-12s compressed (TS 23.042), %zu octets not shown as text\n", "text:", p->data_len);
	} else if (p->enc == SMS_ENC_8BIT) {
		char hex[2 * SMS_UD_MAX + 1];

		hex_encode(hex, sizeof(hex), p->data, p->data_len);
		printf("%-12s %s\n", "data:", hex);
	} else {
		printf("%-12s %s\n", "text:", p->text);
		if (p->replaced)
			printf("%-12s %u undecodable UTF-16 units shown as U+FFFD\n", "warning:", p->replaced);
	}
}

static void print_human(const struct sms_pdu *p)
{
	static const char *const addr_label[] = { [SMS_DELIVER] = "from:", [SMS_SUBMIT] = "to:",
						   [SMS_STATUS_REPORT] = "recipient:" };

	printf("%-12s %s\n", "type:", sms_type_name(p->type));
	if (p->has_smsc)
		printf("%-12s %s\n", "smsc:", p->smsc.str[0] ? p->smsc.str : "(the SIM's)");
	else
		printf("%-12s %s\n", "smsc:", "(no SMSC field in this PDU)");
	if (p->type != SMS_DELIVER)
		printf("%-12s %u\n", "reference:", p->mr);
	printf("%-12s %s (type of address %02X)\n", addr_label[p->type], p->addr.str, p->addr.toa);
	if (p->type == SMS_STATUS_REPORT) {
		print_time("sent:", &p->scts);
		print_time("discharged:", &p->discharge);
		printf("%-12s %02X (%s)\n", "status:", p->status, sms_status_class_name(sms_status_classify(p->status)));
		if (!p->has_dcs && !p->udl)
			return;
	} else {
		printf("%-12s %02X\n", "pid:", p->pid);
	}
	printf("%-12s %02X (%s, %s%s)\n", "dcs:", p->dcs, sms_enc_name(p->enc), class_text(p->msg_class),
	       p->compressed ? ", compressed" : "");
	if (p->type == SMS_DELIVER)
		print_time("sent:", &p->scts);
	if (p->type == SMS_SUBMIT) {
		printf("%-12s %s\n", "report:", p->srr ? "requested" : "no");
		if (p->vpf == 2)
			printf("%-12s %lu minutes (relative %u)\n", "validity:", sms_vp_to_minutes(p->vp[0]), p->vp[0]);
		else if (p->vpf == 3)
			print_time("valid until:", &p->scts);
		else if (p->vpf == 1)
			printf("%-12s enhanced format\n", "validity:");
	}
	if (p->udh.present) {
		printf("%-12s %u octets", "udh:", p->udh.length);
		if (p->udh.concat)
			printf(", part %u of %u, reference %u%s", p->udh.seq, p->udh.total, p->udh.ref,
			       p->udh.concat16 ? " (16-bit)" : "");
		if (p->udh.ports)
			printf(", ports %u -> %u", p->udh.src_port, p->udh.dst_port);
		putchar('\n');
	}
	print_text(p);
}

static json_object *json_time(const struct sms_time *t)
{
	char buf[40];

	if (!t->present || !t->valid || sms_time_format(buf, sizeof(buf), t) < 0)
		return NULL;
	return json_object_new_string(buf);
}

static void print_json(const struct sms_pdu *p)
{
	json_object *o = json_object_new_object(), *udh = NULL;
	bool mr = p->type != SMS_DELIVER;

	json_object_object_add(o, "type", json_object_new_string(sms_type_name(p->type)));
	json_object_object_add(o, "smsc", p->smsc.str[0] ? json_object_new_string(p->smsc.str) : NULL);
	json_object_object_add(o, "number", json_object_new_string(p->addr.str));
	json_object_object_add(o, "toa", json_object_new_int(p->addr.toa));
	json_object_object_add(o, "mr", mr ? json_object_new_int(p->mr) : NULL);
	json_object_object_add(o, "pid", json_object_new_int(p->pid));
	json_object_object_add(o, "dcs", json_object_new_int(p->dcs));
	json_object_object_add(o, "encoding", json_object_new_string(sms_enc_name(p->enc)));
	json_object_object_add(o, "class", p->msg_class >= 0 ? json_object_new_int(p->msg_class) : NULL);
	json_object_object_add(o, "compressed", json_object_new_boolean(p->compressed));
	if (p->enc == SMS_ENC_8BIT || p->compressed) {
		char hex[2 * SMS_UD_MAX + 1];

		hex_encode(hex, sizeof(hex), p->data, p->data_len);
		json_object_object_add(o, "text", NULL);
		json_object_object_add(o, "data", json_object_new_string(hex));
	} else {
		json_object_object_add(o, "text", json_object_new_string_len(p->text, (int)p->text_len));
	}
	if (p->udh.present) {
		udh = json_object_new_object();
		json_object_object_add(udh, "length", json_object_new_int(p->udh.length));
		if (p->udh.concat) {
			json_object_object_add(udh, "ref", json_object_new_int(p->udh.ref));
			json_object_object_add(udh, "total", json_object_new_int(p->udh.total));
			json_object_object_add(udh, "seq", json_object_new_int(p->udh.seq));
			json_object_object_add(udh, "ref16", json_object_new_boolean(p->udh.concat16));
		}
		if (p->udh.ports) {
			json_object_object_add(udh, "dst_port", json_object_new_int(p->udh.dst_port));
			json_object_object_add(udh, "src_port", json_object_new_int(p->udh.src_port));
		}
	}
	json_object_object_add(o, "udh", udh);
	json_object_object_add(o, "scts", p->type == SMS_SUBMIT ? NULL : json_time(&p->scts));
	if (p->type == SMS_SUBMIT) {
		json_object_object_add(o, "srr", json_object_new_boolean(p->srr));
		json_object_object_add(o, "validity_minutes",
				       p->vpf == 2 ? json_object_new_int64((int64_t)sms_vp_to_minutes(p->vp[0])) : NULL);
	}
	if (p->type == SMS_STATUS_REPORT) {
		json_object_object_add(o, "discharge", json_time(&p->discharge));
		json_object_object_add(o, "status", json_object_new_int(p->status));
		json_object_object_add(o, "status_class",
				       json_object_new_string(sms_status_class_name(sms_status_classify(p->status))));
	} else {
		json_object_object_add(o, "status", NULL);
	}
	json_object_object_add(o, "smsc_field", json_object_new_boolean(p->has_smsc));
	puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

static int pdu_decode(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "no-smsc", no_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	bool json = false, smsc = true;
	uint8_t pdu[SMS_PDU_MAX + 16];
	char hex[2 * sizeof(pdu) + 1];
	struct sms_pdu p;
	size_t n = 0, bad = 0;
	ssize_t len;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'j')
			json = true;
		else if (c == 'n')
			smsc = false;
		else
			return CLI_USAGE;
	}
	if (argc - optind != 1) {
		fprintf(stderr, "usage: smsgate pdu decode [--json] [--no-smsc] HEX\n");
		return CLI_USAGE;
	}
	/* Spaces and line breaks from a pasted log are dropped. */
	for (const char *s = argv[optind]; *s; s++) {
		if (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
			continue;
		if (n + 1 >= sizeof(hex)) {
			fprintf(stderr, "smsgate: the PDU is longer than %d octets\n", SMS_PDU_MAX);
			return CLI_REFUSED;
		}
		hex[n++] = *s;
	}
	len = hex_decode(pdu, sizeof(pdu), hex, n, &bad);
	if (len < 0) {
		if (bad == n)
			fprintf(stderr, "smsgate: odd number of hex digits (%zu)\n", n);
		else
			fprintf(stderr, "smsgate: not a hex digit at position %zu: '%c'\n", bad, hex[bad]);
		return CLI_REFUSED;
	}
	/* PDU mode output (+CMGR, +CMGL, +CMT, +CDS) starts with the SMSC
	 * field; a bare TPDU is tried when that reading fails. */
	if (sms_pdu_decode(&p, pdu, (size_t)len, smsc) < 0 &&
	    (!smsc || sms_pdu_decode(&p, pdu, (size_t)len, false) < 0)) {
		fprintf(stderr, "smsgate: not a valid SMS PDU (%zd octets): truncated or inconsistent lengths\n", len);
		return CLI_REFUSED;
	}
	if (json)
		print_json(&p);
	else
		print_human(&p);
	return 0;
}

int cli_pdu(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "encode") == 0)
		return pdu_encode(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "decode") == 0)
		return pdu_decode(argc - 1, argv + 1);
	fprintf(stderr, "usage: smsgate pdu encode|decode ...\n");
	return CLI_USAGE;
}
