/*
 * smsgate codec: GSM 03.38 / TS 23.038 alphabets and TS 23.040 PDUs.
 *
 * Pure C11: no allocation, no I/O, no logging. Every buffer travels with
 * its size; functions return a length or 0 on success, a negative errno
 * value on failure (-EINVAL malformed input, -EILSEQ bad text, -ENOBUFS
 * output too small, -EMSGSIZE more parts than allowed, -ENOSPC no room).
 */
#ifndef SMSGATE_CODEC_SMS_H
#define SMSGATE_CODEC_SMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define SMS_UD_MAX          140 /* TS 23.040 9.2.3.16: TP-UDL max octets */
#define SMS_GSM7_SINGLE     160 /* septets in one unsegmented SM */
#define SMS_GSM7_CONCAT     153 /* septets per part after a 6-octet concat UDH */
#define SMS_UCS2_SINGLE      70 /* UTF-16 code units in one unsegmented SM */
#define SMS_UCS2_CONCAT      67 /* UTF-16 code units per part after the UDH */
#define SMS_CONCAT_MAX      255 /* TS 23.040 9.2.3.24.1: octet 2 is 1..255 */
#define SMS_ADDR_DIGITS_MAX  20 /* TS 23.040 9.1.2.5: 2..12 octets, 10 of digits */
#define SMS_ADDR_STR_MAX     48 /* '+', 20 digits, or 11 alphanumeric chars * 3 bytes of UTF-8, NUL */
#define SMS_TPDU_MAX        164 /* SUBMIT with a 7-octet VP and 140 octets of UD */
#define SMS_PDU_MAX         (12 + SMS_TPDU_MAX) /* plus the SMSC address field */
#define SMS_TEXT_MAX        (SMS_GSM7_SINGLE * 3 + 1) /* UTF-8 of one part's text, NUL */

enum sms_enc {
	SMS_ENC_GSM7 = 0,
	SMS_ENC_8BIT = 1,
	SMS_ENC_UCS2 = 2,
};

const char *sms_enc_name(enum sms_enc enc); /* "gsm7", "8bit", "ucs2" */

/* ---- UTF-8 (utf8.c) ----------------------------------------------------- */

/* Decodes the code point at s[*pos] (strict: no overlongs, no surrogates,
 * nothing above U+10FFFF, no truncation) and advances *pos.
 * Returns 0, or -EILSEQ leaving *pos at the offending byte. */
int utf8_next(const char *s, size_t len, size_t *pos, uint32_t *cp);
/* Writes cp as UTF-8. Returns bytes written (1..4), -ENOBUFS, -EINVAL. */
int utf8_put(char *dst, size_t dstlen, uint32_t cp);
/* Returns 0 when s is valid UTF-8, else -EILSEQ with *bad = byte offset. */
int utf8_validate(const char *s, size_t len, size_t *bad);

/* ---- Hex (hex.c) -------------------------------------------------------- */

/* The value of one hex digit (either case), or -1. */
int hex_digit(char c);
/* Strict hex to bytes (either case, no whitespace). Returns the number of
 * bytes, -EINVAL on an odd length or a non-hex digit (*bad = its offset,
 * if bad is not NULL), -ENOBUFS. */
ssize_t hex_decode(uint8_t *dst, size_t dstlen, const char *hex, size_t len, size_t *bad);
/* Upper-case hex, NUL terminated. Returns characters written (2*n) or -ENOBUFS. */
ssize_t hex_encode(char *dst, size_t dstlen, const uint8_t *src, size_t n);

/* ---- GSM 7-bit default alphabet (gsm7.c) -------------------------------- */

#define GSM7_ESC 0x1b

/* Septets needed for cp: 1 (default table), 2 (ESC + extension table) or
 * 0 when cp is in neither. If out is not NULL it receives the septets. */
int gsm7_lookup(uint32_t cp, uint8_t out[2]);
/* UTF-8 to septets. Returns the septet count; -EILSEQ with *bad = byte
 * offset for invalid UTF-8 or a character outside the alphabet;
 * -ENOBUFS. */
ssize_t gsm7_from_utf8(uint8_t *septets, size_t cap, const char *s, size_t len, size_t *bad);
/* Septets to UTF-8 (NUL terminated). An ESC before a code with no extension
 * character shows the default-table character (TS 23.038 6.2.1.1); a
 * trailing ESC or ESC ESC shows a space. Returns bytes (without NUL) or
 * -ENOBUFS. */
ssize_t gsm7_to_utf8(char *dst, size_t dstlen, const uint8_t *septets, size_t n);
/* Packs n septets after `fill` zero bits (0..6, the padding after a UDH).
 * Returns octets written = ceil((fill + 7n) / 8), or -ENOBUFS/-EINVAL. */
ssize_t gsm7_pack(uint8_t *dst, size_t dstlen, const uint8_t *septets, size_t n, unsigned fill);
/* Unpacks n septets that start `fill` bits into src. Returns n, or
 * -EINVAL if src (srclen octets) is too short, -ENOBUFS. */
ssize_t gsm7_unpack(uint8_t *septets, size_t cap, const uint8_t *src, size_t srclen, size_t n, unsigned fill);

/* ---- UCS-2 / UTF-16BE (ucs2.c) ------------------------------------------ */

/* UTF-8 to UTF-16BE octets (surrogate pairs for planes 1-16). Returns
 * octets written, -EILSEQ with *bad = byte offset, -ENOBUFS. */
ssize_t ucs2_from_utf8(uint8_t *dst, size_t dstlen, const char *s, size_t len, size_t *bad);
/* UTF-16BE octets to UTF-8 (NUL terminated). A lone surrogate, a
 * trailing odd octet or U+0000 becomes U+FFFD (counted in *replaced if
 * not NULL), so the text never holds a NUL.
 * Returns bytes (without NUL) or -ENOBUFS. */
ssize_t ucs2_to_utf8(char *dst, size_t dstlen, const uint8_t *src, size_t n, unsigned *replaced);

/* ---- Text planning and concatenation (plan.c) --------------------------- */

#define SMS_PLAN_FORCE_UCS2 0x1u

/* How a text becomes parts. start[i] is the byte offset in the UTF-8 text
 * where part i begins; start[nparts] is the text length. Parts never split
 * an escape pair or a surrogate pair. */
struct sms_plan {
	enum sms_enc enc;
	unsigned nparts;   /* parts needed, even when above the cap */
	size_t units;      /* septets (GSM7) or UTF-16 code units (UCS-2), whole text */
	uint32_t start[SMS_CONCAT_MAX + 1];
};

/* Validates the UTF-8 text (U+0000 counts as invalid), chooses GSM7 when every character is in the
 * default alphabet or its extension table (else UCS-2, or UCS-2 when
 * forced), and splits it. An empty text is one empty part.
 * Returns 0; -EILSEQ with *bad = byte offset; -EMSGSIZE when more than
 * max_parts (capped at SMS_CONCAT_MAX) are needed (plan->nparts says how
 * many). */
int sms_plan_text(struct sms_plan *plan, const char *text, size_t len, unsigned flags,
		  unsigned max_parts, size_t *bad);

/* ---- TS 23.040 addresses, times, PDUs (pdu.c) --------------------------- */

#define SMS_TOA_INTERNATIONAL 0x91 /* TON 1, NPI 1 (E.164) */
#define SMS_TOA_UNKNOWN       0x81 /* TON 0, NPI 1 */
#define SMS_TON_ALPHANUMERIC  5

struct sms_address {
	uint8_t toa;                    /* type of address octet */
	char str[SMS_ADDR_STR_MAX];     /* "+4917...", "0170...", or the alphanumeric name in UTF-8 */
};

/* "+<digits>" (international) or "<digits>" (unknown/national), 1..20
 * digits, nothing else. Returns 0 or -EINVAL. */
int sms_address_parse(struct sms_address *a, const char *number);

struct sms_time {
	bool present;
	bool valid;         /* false when a BCD digit was out of range */
	int year, month, day, hour, minute, second;
	int tz_quarters;    /* signed quarter hours east of UTC */
};

/* "2026-11-25T01:22:07+01:00" (NUL terminated). Returns length, -ENOBUFS. */
int sms_time_format(char *dst, size_t dstlen, const struct sms_time *t);

/* TS 23.040 9.2.3.12.1: minutes to the relative TP-VP octet, rounded up to
 * the next representable period (never expiring earlier than asked);
 * above 63 weeks gives 255. */
uint8_t sms_vp_from_minutes(unsigned long minutes);
unsigned long sms_vp_to_minutes(uint8_t vp);

struct sms_submit_opts {
	struct sms_address to;
	const struct sms_address *smsc; /* NULL: SMSC field 00, the SIM's SMSC */
	bool report;                    /* TP-SRR */
	bool flash;                     /* message class 0 */
	unsigned validity_minutes;      /* 0: no TP-VP */
	uint8_t concat_ref;             /* 8-bit concatenation reference */
};

/* Encodes part `part` (0-based) of a planned text as a full PDU (SMSC
 * field + TPDU) with TP-MR 0. *tpdu_len receives the length to give
 * AT+CMGS. Returns the PDU length or -errno. */
ssize_t sms_submit_encode(uint8_t *pdu, size_t cap, size_t *tpdu_len, const struct sms_submit_opts *o,
			  const struct sms_plan *plan, const char *text, unsigned part);

/* The network side, for the modem simulator and tests: an SMS-DELIVER
 * part of a planned text (concatenation UDH with an 8-bit reference when
 * the plan has several parts). */
struct sms_deliver_opts {
	struct sms_address from;
	const struct sms_address *smsc; /* NULL: SMSC field 00 */
	struct sms_time scts;
	bool flash;
	bool status_report_indication;  /* TP-SRI */
	uint8_t concat_ref;
};
ssize_t sms_deliver_encode(uint8_t *pdu, size_t cap, size_t *tpdu_len, const struct sms_deliver_opts *o,
			   const struct sms_plan *plan, const char *text, unsigned part);

struct sms_status_report_opts {
	const struct sms_address *smsc; /* NULL: SMSC field 00 */
	uint8_t mr;
	struct sms_address recipient;
	struct sms_time scts, discharge;
	uint8_t status;                 /* TP-ST */
};
ssize_t sms_status_report_encode(uint8_t *pdu, size_t cap, size_t *tpdu_len,
				 const struct sms_status_report_opts *o);

enum sms_type {
	SMS_DELIVER = 0,        /* TP-MTI 00 */
	SMS_SUBMIT = 1,         /* TP-MTI 01 (as stored on a SIM / seen by a debugger) */
	SMS_STATUS_REPORT = 2,  /* TP-MTI 10 */
};
const char *sms_type_name(enum sms_type t); /* "deliver", "submit", "status-report" */

enum sms_status_class {
	SMS_ST_DELIVERED = 0,   /* 0x00..0x1F: transaction completed */
	SMS_ST_TRYING,          /* 0x20..0x3F: temporary error, SC still trying */
	SMS_ST_PERMANENT,       /* 0x40..0x5F: permanent error, SC not trying */
	SMS_ST_TEMPORARY,       /* 0x60..0x7F: temporary error, SC gave up */
	SMS_ST_RESERVED,        /* 0x80..0xFF */
};
enum sms_status_class sms_status_classify(uint8_t st);
const char *sms_status_class_name(enum sms_status_class c);

struct sms_udh {
	bool present;
	uint8_t length;         /* UDHL */
	bool concat;            /* a valid concatenation IE was found */
	bool concat16;          /* IEI 08: 16-bit reference */
	uint16_t ref;
	uint8_t total, seq;
	bool ports;             /* IEI 04/05 application port addressing */
	uint16_t dst_port, src_port;
};

struct sms_pdu {
	enum sms_type type;
	bool has_smsc;          /* the PDU began with an SMSC address field */
	struct sms_address smsc;        /* empty when the field was 00 */
	uint8_t first_octet;
	bool udhi, srr, rp, mms;        /* SRR = status report request (SUBMIT) / indication (DELIVER) / qualifier */
	uint8_t mr;                     /* SUBMIT, STATUS-REPORT */
	struct sms_address addr;        /* DA (SUBMIT), OA (DELIVER), RA (STATUS-REPORT) */
	uint8_t pid, dcs;
	bool has_dcs;
	enum sms_enc enc;
	int msg_class;                  /* 0..3, or -1 */
	bool compressed;                /* DCS says compressed: text left empty, data holds UD */
	uint8_t vpf;                    /* SUBMIT: 0 none, 2 relative, 1 enhanced, 3 absolute */
	uint8_t vp[7];
	struct sms_time scts;           /* DELIVER, STATUS-REPORT; SUBMIT with absolute VP */
	struct sms_time discharge;      /* STATUS-REPORT */
	uint8_t status;                 /* STATUS-REPORT TP-ST */
	struct sms_udh udh;
	size_t udl;                     /* TP-UDL as sent */
	size_t text_len;
	char text[SMS_TEXT_MAX];        /* UTF-8, NUL terminated (GSM7, UCS-2) */
	unsigned replaced;              /* characters shown as U+FFFD */
	size_t data_len;
	uint8_t data[SMS_UD_MAX];       /* user data after the UDH, as octets (8-bit, compressed) */
};

/* Decodes one PDU. with_smsc: the PDU begins with the SMSC address field
 * (as in +CMGR/+CMGL/+CMT/+CDS output). Every length is checked against
 * the input: a short or inconsistent PDU is -EINVAL, never a crash. */
int sms_pdu_decode(struct sms_pdu *out, const uint8_t *pdu, size_t len, bool with_smsc);

/* ---- Reassembly of concatenated parts (reasm.c) ------------------------- */

struct sms_reasm_slot {
	bool used;
	char sender[SMS_ADDR_STR_MAX];
	uint16_t ref;
	uint8_t total, seq;
	int64_t arrived;                /* caller's clock */
	uint32_t cookie;                /* caller's tag (e.g. the SIM index) */
	size_t len;
	char text[SMS_TEXT_MAX];
};

struct sms_reasm {
	struct sms_reasm_slot *slots;
	size_t nslots;
};

struct sms_reasm_key {
	char sender[SMS_ADDR_STR_MAX];
	uint16_t ref;
	uint8_t total;
};

void sms_reasm_init(struct sms_reasm *r, struct sms_reasm_slot *slots, size_t nslots);
/* Stores one part. Returns 1 when its set is now complete, 0 when stored
 * (a repeated part replaces the earlier copy), -EINVAL for seq/total out
 * of range or text too long, -ENOSPC when every slot is taken. */
int sms_reasm_add(struct sms_reasm *r, const char *sender, uint16_t ref, uint8_t total, uint8_t seq,
		  const char *text, size_t len, int64_t now, uint32_t cookie);
/* Joins the parts of a set in sequence order into dst (NUL terminated)
 * and frees their slots. Missing parts are skipped and counted in
 * *missing. Returns bytes (without NUL), -ENOENT for no such set, -ENOBUFS
 * (nothing freed). */
ssize_t sms_reasm_take(struct sms_reasm *r, const struct sms_reasm_key *key, char *dst, size_t dstlen,
		       unsigned *missing);
/* Finds a set whose oldest part arrived at or before now - max_age.
 * Returns 1 and fills *key, or 0 when none has expired. */
int sms_reasm_expired(const struct sms_reasm *r, int64_t now, int64_t max_age, struct sms_reasm_key *key);

#endif
