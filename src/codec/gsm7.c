/* GSM 7-bit default alphabet and its extension table (TS 23.038 6.2.1,
 * 6.2.1.1), septet packing (TS 23.038 6.1.2.1.1). */
#include <errno.h>
#include <string.h>

#include "sms.h"

/* Code -> Unicode, in code order (0x1B, the escape, maps to nothing). */
static const uint16_t gsm7_default[128] = {
	0x0040, 0x00a3, 0x0024, 0x00a5, 0x00e8, 0x00e9, 0x00f9, 0x00ec,
	0x00f2, 0x00c7, 0x000a, 0x00d8, 0x00f8, 0x000d, 0x00c5, 0x00e5,
	0x0394, 0x005f, 0x03a6, 0x0393, 0x039b, 0x03a9, 0x03a0, 0x03a8,
	0x03a3, 0x0398, 0x039e, 0x001b, 0x00c6, 0x00e6, 0x00df, 0x00c9,
	0x0020, 0x0021, 0x0022, 0x0023, 0x00a4, 0x0025, 0x0026, 0x0027,
	0x0028, 0x0029, 0x002a, 0x002b, 0x002c, 0x002d, 0x002e, 0x002f,
	0x0030, 0x0031, 0x0032, 0x0033, 0x0034, 0x0035, 0x0036, 0x0037,
	0x0038, 0x0039, 0x003a, 0x003b, 0x003c, 0x003d, 0x003e, 0x003f,
	0x00a1, 0x0041, 0x0042, 0x0043, 0x0044, 0x0045, 0x0046, 0x0047,
	0x0048, 0x0049, 0x004a, 0x004b, 0x004c, 0x004d, 0x004e, 0x004f,
	0x0050, 0x0051, 0x0052, 0x0053, 0x0054, 0x0055, 0x0056, 0x0057,
	0x0058, 0x0059, 0x005a, 0x00c4, 0x00d6, 0x00d1, 0x00dc, 0x00a7,
	0x00bf, 0x0061, 0x0062, 0x0063, 0x0064, 0x0065, 0x0066, 0x0067,
	0x0068, 0x0069, 0x006a, 0x006b, 0x006c, 0x006d, 0x006e, 0x006f,
	0x0070, 0x0071, 0x0072, 0x0073, 0x0074, 0x0075, 0x0076, 0x0077,
	0x0078, 0x0079, 0x007a, 0x00e4, 0x00f6, 0x00f1, 0x00fc, 0x00e0,
};

/* Unicode -> code for every character whose code differs from its ASCII
 * value, sorted by code point; 0x1Bxx is ESC xx (the extension table).
 * The printable ASCII ranges that map to themselves are tested first. */
static const struct {
	uint16_t cp;
	uint16_t code;
} gsm7_reverse[] = {
	{ 0x000a, 0x000a }, /* line feed */
	{ 0x000c, 0x1b0a }, /* form feed */
	{ 0x000d, 0x000d }, /* carriage return */
	{ 0x0024, 0x0002 }, /* dollar sign */
	{ 0x0040, 0x0000 }, /* commercial at */
	{ 0x005b, 0x1b3c }, /* left square bracket */
	{ 0x005c, 0x1b2f }, /* reverse solidus */
	{ 0x005d, 0x1b3e }, /* right square bracket */
	{ 0x005e, 0x1b14 }, /* circumflex accent */
	{ 0x005f, 0x0011 }, /* low line */
	{ 0x007b, 0x1b28 }, /* left curly bracket */
	{ 0x007c, 0x1b40 }, /* vertical line */
	{ 0x007d, 0x1b29 }, /* right curly bracket */
	{ 0x007e, 0x1b3d }, /* tilde */
	{ 0x00a1, 0x0040 }, /* inverted exclamation mark */
	{ 0x00a3, 0x0001 }, /* pound sign */
	{ 0x00a4, 0x0024 }, /* currency sign */
	{ 0x00a5, 0x0003 }, /* yen sign */
	{ 0x00a7, 0x005f }, /* section sign */
	{ 0x00bf, 0x0060 }, /* inverted question mark */
	{ 0x00c4, 0x005b }, /* latin capital letter a with diaeresis */
	{ 0x00c5, 0x000e }, /* latin capital letter a with ring above */
	{ 0x00c6, 0x001c }, /* latin capital letter ae */
	{ 0x00c7, 0x0009 }, /* latin capital letter c with cedilla */
	{ 0x00c9, 0x001f }, /* latin capital letter e with acute */
	{ 0x00d1, 0x005d }, /* latin capital letter n with tilde */
	{ 0x00d6, 0x005c }, /* latin capital letter o with diaeresis */
	{ 0x00d8, 0x000b }, /* latin capital letter o with stroke */
	{ 0x00dc, 0x005e }, /* latin capital letter u with diaeresis */
	{ 0x00df, 0x001e }, /* latin small letter sharp s */
	{ 0x00e0, 0x007f }, /* latin small letter a with grave */
	{ 0x00e4, 0x007b }, /* latin small letter a with diaeresis */
	{ 0x00e5, 0x000f }, /* latin small letter a with ring above */
	{ 0x00e6, 0x001d }, /* latin small letter ae */
	{ 0x00e8, 0x0004 }, /* latin small letter e with grave */
	{ 0x00e9, 0x0005 }, /* latin small letter e with acute */
	{ 0x00ec, 0x0007 }, /* latin small letter i with grave */
	{ 0x00f1, 0x007d }, /* latin small letter n with tilde */
	{ 0x00f2, 0x0008 }, /* latin small letter o with grave */
	{ 0x00f6, 0x007c }, /* latin small letter o with diaeresis */
	{ 0x00f8, 0x000c }, /* latin small letter o with stroke */
	{ 0x00f9, 0x0006 }, /* latin small letter u with grave */
	{ 0x00fc, 0x007e }, /* latin small letter u with diaeresis */
	{ 0x0393, 0x0013 }, /* greek capital letter gamma */
	{ 0x0394, 0x0010 }, /* greek capital letter delta */
	{ 0x0398, 0x0019 }, /* greek capital letter theta */
	{ 0x039b, 0x0014 }, /* greek capital letter lamda */
	{ 0x039e, 0x001a }, /* greek capital letter xi */
	{ 0x03a0, 0x0016 }, /* greek capital letter pi */
	{ 0x03a3, 0x0018 }, /* greek capital letter sigma */
	{ 0x03a6, 0x0012 }, /* greek capital letter phi */
	{ 0x03a8, 0x0017 }, /* greek capital letter psi */
	{ 0x03a9, 0x0015 }, /* greek capital letter omega */
	{ 0x20ac, 0x1b65 }, /* euro sign */
};

static int gsm7_ascii_identity(uint32_t cp)
{
	return (cp >= 0x20 && cp <= 0x23) || (cp >= 0x25 && cp <= 0x3f) || (cp >= 0x41 && cp <= 0x5a) ||
	       (cp >= 0x61 && cp <= 0x7a);
}

int gsm7_lookup(uint32_t cp, uint8_t out[2])
{
	size_t lo = 0, hi = sizeof(gsm7_reverse) / sizeof(gsm7_reverse[0]);
	uint16_t code;

	if (gsm7_ascii_identity(cp)) {
		if (out)
			out[0] = (uint8_t)cp;
		return 1;
	}
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (gsm7_reverse[mid].cp < cp) {
			lo = mid + 1;
		} else if (gsm7_reverse[mid].cp > cp) {
			hi = mid;
		} else {
			code = gsm7_reverse[mid].code;
			if (code > 0xff) {
				if (out) {
					out[0] = GSM7_ESC;
					out[1] = (uint8_t)code;
				}
				return 2;
			}
			if (out)
				out[0] = (uint8_t)code;
			return 1;
		}
	}
	return 0;
}

ssize_t gsm7_from_utf8(uint8_t *septets, size_t cap, const char *s, size_t len, size_t *bad)
{
	size_t pos = 0, n = 0;
	uint32_t cp;
	uint8_t code[2];

	while (pos < len) {
		size_t at = pos;
		int k;

		if (utf8_next(s, len, &pos, &cp) < 0 || (k = gsm7_lookup(cp, code)) == 0) {
			if (bad)
				*bad = at;
			return -EILSEQ;
		}
		if (cap - n < (size_t)k)
			return -ENOBUFS;
		memcpy(septets + n, code, (size_t)k);
		n += (size_t)k;
	}
	return (ssize_t)n;
}

/* TS 23.038 6.2.1.1: an unknown extension code shows the default-table
 * character; ESC ESC (reserved for a further table) and a trailing ESC
 * show a space. */
static uint32_t gsm7_extension(uint8_t code)
{
	switch (code) {
	case 0x0a: return 0x000c;
	case 0x14: return '^';
	case 0x28: return '{';
	case 0x29: return '}';
	case 0x2f: return '\\';
	case 0x3c: return '[';
	case 0x3d: return '~';
	case 0x3e: return ']';
	case 0x40: return '|';
	case 0x65: return 0x20ac;
	case GSM7_ESC: return ' ';
	default: return gsm7_default[code & 0x7f];
	}
}

ssize_t gsm7_to_utf8(char *dst, size_t dstlen, const uint8_t *septets, size_t n)
{
	size_t out = 0;

	for (size_t i = 0; i < n; i++) {
		uint8_t c = septets[i] & 0x7f;
		uint32_t cp;
		int k;

		if (c == GSM7_ESC)
			cp = i + 1 < n ? gsm7_extension(septets[++i] & 0x7f) : ' ';
		else
			cp = gsm7_default[c];
		k = utf8_put(dst + out, dstlen - out, cp);
		if (k < 0)
			return -ENOBUFS;
		out += (size_t)k;
	}
	if (out >= dstlen)
		return -ENOBUFS;
	dst[out] = '\0';
	return (ssize_t)out;
}

ssize_t gsm7_pack(uint8_t *dst, size_t dstlen, const uint8_t *septets, size_t n, unsigned fill)
{
	size_t octets, bit = fill;

	if (fill > 6)
		return -EINVAL;
	octets = (fill + 7 * n + 7) / 8;
	if (octets > dstlen)
		return -ENOBUFS;
	memset(dst, 0, octets);
	for (size_t i = 0; i < n; i++, bit += 7) {
		unsigned v = septets[i] & 0x7fu, shift = bit % 8;

		dst[bit / 8] |= (uint8_t)(v << shift);
		if (shift > 1)
			dst[bit / 8 + 1] |= (uint8_t)(v >> (8 - shift));
	}
	return (ssize_t)octets;
}

ssize_t gsm7_unpack(uint8_t *septets, size_t cap, const uint8_t *src, size_t srclen, size_t n, unsigned fill)
{
	size_t bit = fill;

	if (fill > 6 || (fill + 7 * n + 7) / 8 > srclen)
		return -EINVAL;
	if (n > cap)
		return -ENOBUFS;
	for (size_t i = 0; i < n; i++, bit += 7) {
		unsigned shift = bit % 8, v = (unsigned)src[bit / 8] >> shift;

		if (shift > 1)
			v |= (unsigned)src[bit / 8 + 1] << (8 - shift);
		septets[i] = (uint8_t)(v & 0x7f);
	}
	return (ssize_t)n;
}
