/* Hex decoding of arbitrary text; valid input must round-trip. */
#include <errno.h>
#include <stdlib.h>
#include <strings.h>

#include "sms.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t bin[256];
	char back[2 * sizeof(bin) + 1];
	size_t bad = (size_t)-1;
	ssize_t n = hex_decode(bin, sizeof(bin), (const char *)data, size, &bad);

	if (n == -EINVAL && bad > size)
		abort();
	if (n < 0)
		return 0;
	if ((size_t)n * 2 != size || hex_encode(back, sizeof(back), bin, (size_t)n) != (ssize_t)size ||
	    strncasecmp(back, (const char *)data, size) != 0)
		abort();
	return 0;
}
