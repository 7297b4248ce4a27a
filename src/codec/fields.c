/* TS 23.040 fields shared by every TPDU: addresses (9.1.2.5), the
 * service-centre time stamp (9.2.3.11), the validity period (9.2.3.12),
 * the data coding scheme (TS 23.038 4) and the status (9.2.3.15). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "fields.h"

int sms_address_parse(struct sms_address *a, const char *number)
{
	size_t i = 0, n;

	memset(a, 0, sizeof(*a));
	a->toa = SMS_TOA_UNKNOWN;
	if (number[0] == '+') {
		a->toa = SMS_TOA_INTERNATIONAL;
		i = 1;
	}
	for (n = 0; number[i + n]; n++) {
		if (number[i + n] < '0' || number[i + n] > '9')
			return -EINVAL;
	}
	if (n == 0 || n > SMS_ADDR_DIGITS_MAX)
		return -EINVAL;
	memcpy(a->str, number, i + n + 1);
	return 0;
}

static const char semi_octet_chars[16] = "0123456789*#abc";

/* Semi-octets, low nibble first (9.1.2.3). Returns octets written. */
static ssize_t put_bcd(uint8_t *dst, size_t dstlen, const char *digits, size_t n)
{
	size_t octets = (n + 1) / 2;

	if (octets > dstlen)
		return -ENOBUFS;
	for (size_t i = 0; i < octets; i++) {
		uint8_t lo = (uint8_t)(digits[2 * i] - '0');
		uint8_t hi = 2 * i + 1 < n ? (uint8_t)(digits[2 * i + 1] - '0') : 0x0f;

		dst[i] = (uint8_t)(hi << 4 | lo);
	}
	return (ssize_t)octets;
}

static const char *address_digits(const struct sms_address *a)
{
	return a->str[0] == '+' ? a->str + 1 : a->str;
}

/* 9.1.2.5: an alphanumeric address (TON 5) is GSM 7-bit packed; its
 * length octet counts the semi-octets used, at most 11 characters. */
static ssize_t put_alphanumeric(uint8_t *dst, size_t dstlen, const struct sms_address *a)
{
	uint8_t septets[SMS_ADDR_DIGITS_MAX * 4 / 7];
	ssize_t n = gsm7_from_utf8(septets, sizeof(septets), a->str, strlen(a->str), NULL), k;

	if (n <= 0)
		return -EINVAL;
	if (dstlen < 2)
		return -ENOBUFS;
	dst[0] = (uint8_t)((n * 7 + 3) / 4);
	dst[1] = a->toa;
	k = gsm7_pack(dst + 2, dstlen - 2, septets, (size_t)n, 0);
	return k < 0 ? k : k + 2;
}

ssize_t sms_put_address(uint8_t *dst, size_t dstlen, const struct sms_address *a)
{
	const char *digits = address_digits(a);
	size_t n = strlen(digits);
	ssize_t k;

	if (((a->toa >> 4) & 7) == SMS_TON_ALPHANUMERIC)
		return put_alphanumeric(dst, dstlen, a);
	for (size_t i = 0; i < n; i++) {
		if (digits[i] < '0' || digits[i] > '9')
			return -EINVAL; /* never a garbled BCD digit */
	}

	if (n > SMS_ADDR_DIGITS_MAX)
		return -EINVAL;
	if (dstlen < 2)
		return -ENOBUFS;
	dst[0] = (uint8_t)n;
	dst[1] = a->str[0] == '+' ? SMS_TOA_INTERNATIONAL : (a->toa ? a->toa : SMS_TOA_UNKNOWN);
	k = put_bcd(dst + 2, dstlen - 2, digits, n);
	return k < 0 ? k : k + 2;
}

ssize_t sms_put_smsc(uint8_t *dst, size_t dstlen, const struct sms_address *a)
{
	const char *digits;
	size_t n;
	ssize_t k;

	if (dstlen < 1)
		return -ENOBUFS;
	if (!a || !a->str[0]) {
		dst[0] = 0;
		return 1;
	}
	digits = address_digits(a);
	n = strlen(digits);
	if (n > SMS_ADDR_DIGITS_MAX)
		return -EINVAL;
	if (dstlen < 2)
		return -ENOBUFS;
	dst[0] = (uint8_t)(1 + (n + 1) / 2);
	dst[1] = a->str[0] == '+' ? SMS_TOA_INTERNATIONAL : (a->toa ? a->toa : SMS_TOA_UNKNOWN);
	k = put_bcd(dst + 2, dstlen - 2, digits, n);
	return k < 0 ? k : k + 2;
}

/* Digits of `octets` semi-octet pairs, at most `ndigits`; an F nibble
 * ends the number (the filler of an odd count). */
static void get_bcd(struct sms_address *a, const uint8_t *src, size_t octets, size_t ndigits)
{
	size_t out = strlen(a->str);

	for (size_t i = 0; i < 2 * octets && i < ndigits; i++) {
		uint8_t v = (i % 2) ? src[i / 2] >> 4 : src[i / 2] & 0x0f;

		if (v == 0x0f)
			break;
		a->str[out++] = semi_octet_chars[v];
	}
	a->str[out] = '\0';
}

static void address_prefix(struct sms_address *a, uint8_t toa)
{
	memset(a, 0, sizeof(*a));
	a->toa = toa;
	if (((toa >> 4) & 7) == 1)
		a->str[0] = '+';
}

int sms_get_address(struct cursor *c, struct sms_address *a)
{
	uint8_t n, toa;
	const uint8_t *p;
	size_t octets;

	if (cursor_u8(c, &n) < 0 || cursor_u8(c, &toa) < 0 || n > SMS_ADDR_DIGITS_MAX)
		return -EINVAL;
	octets = (n + 1u) / 2;
	if (cursor_take(c, &p, octets) < 0)
		return -EINVAL;
	address_prefix(a, toa);
	if (((toa >> 4) & 7) == SMS_TON_ALPHANUMERIC) {
		/* 9.1.2.5: GSM 7-bit packed; n counts the semi-octets used. */
		uint8_t septets[SMS_ADDR_DIGITS_MAX * 4 / 7];
		size_t ns = n * 4u / 7;

		a->str[0] = '\0';
		if (gsm7_unpack(septets, sizeof(septets), p, octets, ns, 0) < 0 ||
		    gsm7_to_utf8(a->str, sizeof(a->str), septets, ns) < 0)
			return -EINVAL;
		return 0;
	}
	get_bcd(a, p, octets, n);
	return 0;
}

int sms_get_smsc(struct cursor *c, struct sms_address *a)
{
	uint8_t n, toa;
	const uint8_t *p;

	memset(a, 0, sizeof(*a));
	if (cursor_u8(c, &n) < 0)
		return -EINVAL;
	if (n == 0)
		return 0;
	/* TS 24.011 8.2.5.1: the RP address is at most 12 octets with its length. */
	if (n > 11 || cursor_u8(c, &toa) < 0 || cursor_take(c, &p, n - 1u) < 0)
		return -EINVAL;
	address_prefix(a, toa);
	get_bcd(a, p, n - 1u, 2 * (n - 1u));
	return 0;
}

static int bcd_swapped(uint8_t o, bool *valid)
{
	int lo = o & 0x0f, hi = o >> 4;

	if (lo > 9 || hi > 9)
		*valid = false;
	return lo * 10 + hi;
}

int sms_get_time(struct cursor *c, struct sms_time *t)
{
	const uint8_t *p;
	int tz;

	memset(t, 0, sizeof(*t));
	if (cursor_take(c, &p, 7) < 0)
		return -EINVAL;
	t->present = true;
	t->valid = true;
	t->year = 2000 + bcd_swapped(p[0], &t->valid);
	t->month = bcd_swapped(p[1], &t->valid);
	t->day = bcd_swapped(p[2], &t->valid);
	t->hour = bcd_swapped(p[3], &t->valid);
	t->minute = bcd_swapped(p[4], &t->valid);
	t->second = bcd_swapped(p[5], &t->valid);
	/* 9.2.3.11: bit 3 of the time zone octet is the sign. */
	tz = bcd_swapped(p[6] & 0xf7, &t->valid);
	t->tz_quarters = (p[6] & 0x08) ? -tz : tz;
	if (t->month < 1 || t->month > 12 || t->day < 1 || t->day > 31 || t->hour > 23 || t->minute > 59 ||
	    t->second > 59 || tz > 4 * 18)
		t->valid = false;
	return 0;
}

static uint8_t swapped_bcd(int v)
{
	return (uint8_t)((v % 10) << 4 | (v / 10 % 10));
}

ssize_t sms_put_time(uint8_t *dst, size_t dstlen, const struct sms_time *t)
{
	int q = t->tz_quarters < 0 ? -t->tz_quarters : t->tz_quarters;

	if (dstlen < 7)
		return -ENOBUFS;
	dst[0] = swapped_bcd(t->year % 100);
	dst[1] = swapped_bcd(t->month);
	dst[2] = swapped_bcd(t->day);
	dst[3] = swapped_bcd(t->hour);
	dst[4] = swapped_bcd(t->minute);
	dst[5] = swapped_bcd(t->second);
	dst[6] = (uint8_t)(swapped_bcd(q) | (t->tz_quarters < 0 ? 0x08 : 0));
	return 7;
}

int sms_time_format(char *dst, size_t dstlen, const struct sms_time *t)
{
	int q = t->tz_quarters < 0 ? -t->tz_quarters : t->tz_quarters;
	int n = snprintf(dst, dstlen, "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d", t->year, t->month, t->day,
			 t->hour, t->minute, t->second, t->tz_quarters < 0 ? '-' : '+', q / 4, q % 4 * 15);

	if (n < 0 || (size_t)n >= dstlen)
		return -ENOBUFS;
	return n;
}

/* 9.2.3.12.1, relative format:
 *   0..143   (VP + 1) x 5 minutes            5 min .. 12 h
 * 144..167   12 h + (VP - 143) x 30 minutes  12 h 30 .. 24 h
 * 168..196   (VP - 166) days                 2 .. 30 days
 * 197..255   (VP - 192) weeks                5 .. 63 weeks */
#define DIV_UP(a, b) (((a) + (b) - 1) / (b))

uint8_t sms_vp_from_minutes(unsigned long m)
{
	if (m <= 5)
		return 0;
	if (m <= 720)
		return (uint8_t)(DIV_UP(m, 5) - 1);
	if (m <= 1440)
		return (uint8_t)(143 + DIV_UP(m - 720, 30));
	if (m <= 30 * 1440)
		return (uint8_t)(166 + DIV_UP(m, 1440));
	if (m <= 63 * 10080)
		return (uint8_t)(192 + DIV_UP(m, 10080));
	return 255;
}

unsigned long sms_vp_to_minutes(uint8_t vp)
{
	if (vp <= 143)
		return (vp + 1ul) * 5;
	if (vp <= 167)
		return 720 + (vp - 143ul) * 30;
	if (vp <= 196)
		return (vp - 166ul) * 1440;
	return (vp - 192ul) * 10080;
}

void sms_dcs_parse(uint8_t dcs, enum sms_enc *enc, int *msg_class, bool *compressed)
{
	*enc = SMS_ENC_GSM7;
	*msg_class = -1;
	*compressed = false;
	switch (dcs >> 4) {
	case 0x0: case 0x1: case 0x2: case 0x3: /* general data coding */
	case 0x4: case 0x5: case 0x6: case 0x7: /* the same, marked for automatic deletion */
		*compressed = dcs & 0x20;
		switch ((dcs >> 2) & 3) {
		case 1: *enc = SMS_ENC_8BIT; break;
		case 2: *enc = SMS_ENC_UCS2; break;
		default: break; /* 3 is reserved: read as the default alphabet */
		}
		if (dcs & 0x10)
			*msg_class = dcs & 3;
		break;
	case 0xe: /* message waiting indication, store, UCS-2 */
		*enc = SMS_ENC_UCS2;
		break;
	case 0xf: /* data coding / message class */
		*enc = (dcs & 0x04) ? SMS_ENC_8BIT : SMS_ENC_GSM7;
		*msg_class = dcs & 3;
		break;
	default: /* 0x8..0xB reserved, 0xC/0xD MWI: the default alphabet (TS 23.038 4) */
		break;
	}
}

enum sms_status_class sms_status_classify(uint8_t st)
{
	if (st <= 0x1f)
		return SMS_ST_DELIVERED;
	if (st <= 0x3f)
		return SMS_ST_TRYING;
	if (st <= 0x5f)
		return SMS_ST_PERMANENT;
	if (st <= 0x7f)
		return SMS_ST_TEMPORARY;
	return SMS_ST_RESERVED;
}

const char *sms_status_class_name(enum sms_status_class c)
{
	switch (c) {
	case SMS_ST_DELIVERED: return "delivered";
	case SMS_ST_TRYING: return "trying";
	case SMS_ST_PERMANENT: return "permanent-failure";
	case SMS_ST_TEMPORARY: return "temporary-failure";
	case SMS_ST_RESERVED: break;
	}
	return "reserved";
}
