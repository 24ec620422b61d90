/* Base64 both ways and hex digits. Any bytes encode (either alphabet)
 * to text of the expected length that decodes back to them; any text
 * that decodes re-encodes to text that decodes to the same bytes (the
 * decoder is lenient: either alphabet, padding optional); and
 * util_hex_digit is exactly 0-9, a-f, A-F for every byte. */
#include <ctype.h>

#include "fuzz.h"

static void
encodes(const uint8_t *data, size_t size, bool url)
{
	char *e = util_b64_encode(data, size, url), *d;
	size_t len, want = url ? (size * 4 + 2) / 3 : (size + 2) / 3 * 4;

	FUZZ_CHECK(strlen(e) == want);
	d = util_b64_decode(e, strlen(e), &len);
	FUZZ_CHECK(d != NULL && len == size && d[len] == '\0');
	FUZZ_CHECK(size == 0 || memcmp(d, data, size) == 0);
	free(d);
	free(e);
}

static void
decodes(const char *text, size_t n)
{
	size_t len, len2;
	char *d = util_b64_decode(text, n, &len), *e, *d2;

	if (d == NULL)
		return;
	FUZZ_CHECK(len <= n / 4 * 3 + 2 && d[len] == '\0');
	e = util_b64_encode(d, len, n > 0 && text[0] == '-');
	d2 = util_b64_decode(e, strlen(e), &len2);
	FUZZ_CHECK(d2 != NULL && len2 == len);
	FUZZ_CHECK(len == 0 || memcmp(d, d2, len) == 0);
	free(d2);
	free(e);
	free(d);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t i;

	encodes(data, size, false);
	encodes(data, size, true);
	decodes((const char *)data, size);
	for (i = 0; i < size; i++) {
		int c = data[i], v = util_hex_digit((char)c);
		char s[2] = {(char)c, '\0'};

		if (isxdigit(c))
			FUZZ_CHECK(v == (int)strtol(s, NULL, 16));
		else
			FUZZ_CHECK(v == -1);
	}
	return 0;
}
