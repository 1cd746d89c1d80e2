/* SPDX-License-Identifier: MIT */
/*
 * sensor-name.c - sanitising advertised names: a small UTF-8 decoder
 * (RFC 3629 §3-4: shortest form only, no surrogates, at most U+10FFFF)
 * and a filter over the code points it yields.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "sensor-name.h"

#define REPLACEMENT 0xfffd

/*
 * The code point at @p (@n bytes left) and its length in *@ret_len; an
 * invalid sequence is REPLACEMENT, one byte long, so decoding resumes at
 * the next byte.
 */
static uint32_t decode(const unsigned char *p, size_t n, size_t *ret_len)
{
	uint32_t cp, min;
	size_t len, i;

	*ret_len = 1;
	if (p[0] < 0x80)
		return p[0];
	if ((p[0] & 0xe0) == 0xc0) {
		len = 2, cp = p[0] & 0x1f, min = 0x80;
	} else if ((p[0] & 0xf0) == 0xe0) {
		len = 3, cp = p[0] & 0x0f, min = 0x800;
	} else if ((p[0] & 0xf8) == 0xf0) {
		len = 4, cp = p[0] & 0x07, min = 0x10000;
	} else {
		return REPLACEMENT;
	}
	if (len > n)
		return REPLACEMENT;
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return REPLACEMENT;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return REPLACEMENT;
	*ret_len = len;
	return cp;
}

static size_t encode(uint32_t cp, char *out)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | cp >> 6);
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | cp >> 12);
		out[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | cp >> 18);
	out[1] = (char)(0x80 | (cp >> 12 & 0x3f));
	out[2] = (char)(0x80 | (cp >> 6 & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* Characters that move the cursor, end a line or reorder text. */
static bool is_unsafe(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp < 0xa0) || cp == 0x2028 ||
	       cp == 0x2029 || cp == 0x200e || cp == 0x200f ||
	       (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

size_t sensor_name_sanitize(const char *in, size_t len, char *out, size_t size)
{
	const unsigned char *p = (const unsigned char *)in;
	size_t max = size - 1 < SENSOR_NAME_MAX ? size - 1 : SENSOR_NAME_MAX;
	size_t n = 0, i = 0, step, w;
	bool space = false;
	char buf[4];
	uint32_t cp;

	while (i < len) {
		cp = decode(p + i, len - i, &step);
		i += step;
		if (cp == ' ' || is_unsafe(cp)) {
			space = n > 0; /* leading spaces go */
			continue;
		}
		w = encode(cp, buf);
		/* a pending space is written only before something more */
		if (n + space + w > max)
			break;
		if (space)
			out[n++] = ' ';
		space = false;
		memcpy(out + n, buf, w);
		n += w;
	}
	out[n] = '\0';
	return n;
}
