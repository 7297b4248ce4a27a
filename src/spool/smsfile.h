/*
 * smsgate spool: the smstools3 message file format (docs/spool.md).
 *
 * Pure functions over buffers: no I/O, no allocation, no logging, no
 * globals. Spool files are dropped by anyone, so the parser treats them
 * as untrusted bytes: every length is checked, a bad file is an error
 * with a short reason, never a crash.
 *
 * Returns follow the codec: 0 or a length, else a negative errno value
 * (-EINVAL bad input, -ENOBUFS output buffer too small).
 */
#ifndef SMSGATE_SPOOL_SMSFILE_H
#define SMSGATE_SPOOL_SMSFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "sms.h"

#define SMSFILE_LINE_MAX    4096 /* bytes in one header line, without its line ending */
#define SMSFILE_HEADERS_MAX   64 /* header lines kept; more is refused */
#define SMSFILE_REASON_MAX   112 /* reason string, NUL included */
#define SMSFILE_DATE_MAX      18 /* "yy-mm-dd hh:mm:ss" and NUL (smstools3's default datetime_format) */
#define SMSFILE_TOA_TEXT_MAX  40 /* "91 international, ISDN/telephone" and NUL */
/* A text buffer of this size always holds the converted body of an
 * n-byte file: no source byte becomes more than 3 bytes of UTF-8. */
#define SMSFILE_TEXT_CAP(n) (3 * (size_t)(n) + 1)

/* What the Alphabet: header said (smstools3 reads its first three letters). */
enum smsfile_alphabet {
	SMSFILE_ALPHA_NONE = 0, /* no header: ISO-8859-15, or UTF-8 when the body is valid UTF-8 */
	SMSFILE_ALPHA_GSM,      /* GSM: body bytes are GSM 7-bit default alphabet codes (TS 23.038 6.2.1) */
	SMSFILE_ALPHA_ISO,      /* ISO, Latin, Ansi: as NONE */
	SMSFILE_ALPHA_UTF8,     /* UTF: body is UTF-8 */
	SMSFILE_ALPHA_UCS2,     /* UCS, Unicode, Chinese: body is UTF-16BE; sent as UCS-2 */
};

/* One header line as written; pointers into the parsed buffer. */
struct smsfile_header {
	const char *line;  size_t line_len;   /* whole line, without CR/LF */
	const char *name;  size_t name_len;   /* before the ':' */
	const char *value; size_t value_len;  /* after it, blanks trimmed */
};

struct smsfile_msg {
	struct sms_address to;          /* toa 0x91 "+49..." or 0x81 / 0xA1 digits */
	enum smsfile_alphabet alphabet;
	bool body_was_utf8;             /* NONE/ISO: the body was read as UTF-8 */
	bool flash;                     /* Flash: (class 0) */
	int report;                     /* Report: 1 yes, 0 no, -1 not given (config decides) */
	bool priority_high;             /* Priority: high */
	bool has_validity;              /* Validity: given */
	uint8_t validity_vp;            /* its relative TP-VP (TS 23.040 9.2.3.12.1) */
	unsigned long validity_minutes; /* the same in minutes, for sms_submit_opts */
	unsigned autosplit;             /* Autosplit: 0..3; 3 when not given */
	unsigned plan_flags;            /* for sms_plan_text: SMS_PLAN_FORCE_UCS2 with Alphabet: UCS2 */
	unsigned max_parts;             /* 1 with Autosplit: 0, else SMS_CONCAT_MAX */
	enum sms_enc enc;               /* what the text was planned as */
	unsigned nparts;                /* SMS parts it needs */

	size_t nheaders;
	struct smsfile_header headers[SMSFILE_HEADERS_MAX]; /* every line, in order, known or not */
	const char *body;  size_t body_len;  /* raw bytes after the blank line, as written */
	char *text;        size_t text_len;  /* UTF-8 in the caller's buffer, NUL terminated */

	char reason[SMSFILE_REASON_MAX];     /* why smsfile_parse failed */
};

/* Parses an outgoing file (buf, len bytes: need not be NUL terminated).
 * Header lines are "Name: value" (names compared case-insensitively; LF
 * or CRLF), up to the first blank line; the body follows. The text is
 * converted to UTF-8 into text[textcap] (SMSFILE_TEXT_CAP(len) always
 * suffices) and checked against sms_plan_text. m keeps pointers into buf
 * and text.
 * Returns 0; -EINVAL with m->reason for a file that must not be sent;
 * -ENOBUFS when textcap is too small (m->reason says so too). */
int smsfile_parse(struct smsfile_msg *m, const char *buf, size_t len, char *text, size_t textcap);

/* What smsd adds to a message file it moves to sent/. */
struct smsfile_sent {
	const char *modem;      /* Modem: */
	time_t sent;            /* Sent: local time */
	long sending_time;      /* Sending_time: seconds; -1 leaves it out */
	int message_id;         /* Message_id: TP-MR (of the last part); -1 leaves it out
				 * (smsd writes it only when a report was requested) */
	const char *imsi;       /* IMSI:, NULL or "" leaves it out */
	const char *imei;       /* IMEI:, likewise */
};

/* The sent/ file: m's header lines (all of m->headers, in order: remove
 * entries first to drop internal ones), the added headers, a blank line,
 * m's body bytes unchanged. Returns the length or -ENOBUFS; -EINVAL when
 * a field holds a control character (it would forge a header line). */
ssize_t smsfile_write_sent(char *dst, size_t cap, const struct smsfile_msg *m, const struct smsfile_sent *s);

/* What smsd adds to a message file it moves to failed/. */
struct smsfile_failed {
	const char *modem;      /* Modem:, NULL or "" when no modem took it */
	const char *imsi;       /* IMSI:, NULL or "" leaves it out */
	const char *imei;       /* IMEI:, likewise */
	const char *reason;     /* Fail_reason: */
	time_t failed;          /* Failed: local time */
	const char *pdu_hex;    /* PDU: the last PDU tried, NULL or "" leaves it out */
};

/* The failed/ file of a parsed message, laid out as smsfile_write_sent. */
ssize_t smsfile_write_failed(char *dst, size_t cap, const struct smsfile_msg *m, const struct smsfile_failed *f);
/* The failed/ file of a file that did not parse: the added headers first,
 * then the original bytes unchanged (they may not have a header block to
 * extend). */
ssize_t smsfile_write_failed_raw(char *dst, size_t cap, const char *orig, size_t len, const struct smsfile_failed *f);

/* A received message, for incoming/. */
struct smsfile_incoming {
	struct sms_address from;        /* From: (written without '+') and From_TOA: */
	const struct sms_address *smsc; /* From_SMSC:, NULL leaves it out */
	struct sms_time sent;           /* Sent: the SC timestamp's own wall clock; left out if !present */
	time_t received;                /* Received: local time */
	const char *modem;              /* Subject: and Modem: */
	const char *imsi, *imei;        /* NULL or "" leaves them out */
	bool report;                    /* Report: TP-SRI */
	bool flash;                     /* class 0: "Flash: yes" */
	const char *text; size_t text_len; /* UTF-8, no NUL inside */
};

/* From, From_TOA, From_SMSC, Sent, Received, Subject, Modem, IMSI, IMEI,
 * Report, [Flash], Alphabet: UTF-8, Length (characters), blank line,
 * text, as smsd with incoming_utf8 = yes writes it.
 * Returns the length, -ENOBUFS, -EINVAL (bad UTF-8 or control
 * character in a field). */
ssize_t smsfile_write_incoming(char *dst, size_t cap, const struct smsfile_incoming *in);

/* A status report, for incoming/ (smsd's "SMS STATUS REPORT" file). */
struct smsfile_report {
	struct sms_address recipient;   /* From: the number the message went to */
	const struct sms_address *smsc; /* From_SMSC:, NULL leaves it out */
	struct sms_time scts;           /* Sent: TP-SCTS */
	time_t received;                /* Received: local time */
	const char *modem;              /* Subject: and Modem: */
	const char *imsi, *imei;
	uint8_t message_id;             /* Message_id: TP-MR */
	struct sms_time discharge;      /* Discharge_timestamp: TP-DT */
	uint8_t status;                 /* Status: TP-ST, with smsd's explanation */
};
ssize_t smsfile_write_report(char *dst, size_t cap, const struct smsfile_report *r);

/* smsd's explanation of a TP-ST value, "Ok,short message received by the
 * SME", or "unknown" (TS 23.040 9.2.3.15). */
const char *smsfile_status_text(uint8_t st);
/* smsd's From_TOA text: "91 international, ISDN/telephone". Returns the
 * length or -ENOBUFS. */
int smsfile_toa_text(char *dst, size_t cap, uint8_t toa);
/* "yy-mm-dd hh:mm:ss" in local time. Returns 17 or -ENOBUFS/-EINVAL. */
int smsfile_date(char *dst, size_t cap, time_t t);

/* The recipient allow-list: does the number (len bytes, '+' and digits)
 * start with one of n prefixes of stride bytes each (NUL-terminated)? An
 * international prefix "+49" also matches "0049..." and "49..." (smstools3
 * writes To: without '+'); a prefix without '+' matches literally. No
 * prefixes: every number. */
bool smsfile_number_allowed(const char *num, size_t len, const char *prefixes, size_t stride, unsigned n);

#endif
