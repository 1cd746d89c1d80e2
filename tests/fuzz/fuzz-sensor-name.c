/* SPDX-License-Identifier: MIT */
/*
 * fuzz-sensor-name.c - libFuzzer target: advertised names as outside
 * bytes. Beyond "no crash": what comes out is valid UTF-8 without a
 * control, separator or bidi character, without leading, trailing or
 * doubled spaces, and within SENSOR_NAME_MAX bytes.
 */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sensor-name.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char out[SENSOR_NAME_MAX + 1], again[SENSOR_NAME_MAX + 1];
	const unsigned char *p = (const unsigned char *)out;
	size_t n = sensor_name_sanitize((const char *)data, size, out,
					sizeof(out));
	size_t i = 0;

	assert(n <= SENSOR_NAME_MAX && n == strlen(out));
	assert(n == 0 || (out[0] != ' ' && out[n - 1] != ' '));
	assert(!strstr(out, "  "));
	while (i < n) {
		uint32_t cp;
		size_t len = p[i] < 0x80   ? 1
			     : p[i] < 0xe0 ? 2
			     : p[i] < 0xf0 ? 3
					   : 4;

		assert(p[i] < 0x80 || p[i] >= 0xc2);
		assert(i + len <= n);
		cp = len == 1 ? p[i] : p[i] & (0x7f >> len);
		for (size_t k = 1; k < len; k++) {
			assert((p[i + k] & 0xc0) == 0x80);
			cp = cp << 6 | (p[i + k] & 0x3f);
		}
		assert(cp >= 0x20 && !(cp >= 0x7f && cp < 0xa0));
		assert(cp != 0x2028 && cp != 0x2029);
		assert(!(cp >= 0x202a && cp <= 0x202e));
		assert(!(cp >= 0xd800 && cp <= 0xdfff) && cp <= 0x10ffff);
		i += len;
	}
	/* sanitising a sanitised name changes nothing */
	assert(sensor_name_sanitize(out, n, again, sizeof(again)) == n);
	assert(!memcmp(out, again, n));
	return 0;
}
