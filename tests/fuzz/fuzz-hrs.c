/* SPDX-License-Identifier: MIT */
/*
 * fuzz-hrs.c - libFuzzer target: Heart Rate Measurement notifications as
 * outside bytes (a strap, or a stranger pretending to be one), and the
 * same bytes as the hex a user pastes into `gymhubctl decode hrs`.
 *
 * Beyond "no crash, no UB": what is decoded is exactly what the flags and
 * length say, a rejected packet leaves the output untouched, and the JSON
 * of anything decoded fits HRS_JSON_MAX.
 */
#include <assert.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hrs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_decoded(const uint8_t *data, size_t size,
			  const struct hrs_measurement *m)
{
	static char json[HRS_JSON_MAX];
	uint8_t flags = data[0];
	size_t hdr = 1, i, flagged = 0;
	int n;

	assert(size >= 2 && size <= HRS_ATT_VALUE_MAX);
	assert(m->n_rr <= HRS_MAX_RR);
	if (flags & 0x01) {
		assert(m->bpm == (data[1] | data[2] << 8));
		hdr += 2;
	} else {
		assert(m->bpm == data[1]);
		hdr += 1;
	}
	assert(m->has_energy == !!(flags & 0x08));
	if (m->has_energy) {
		assert(m->energy_kj == (data[hdr] | data[hdr + 1] << 8));
		hdr += 2;
	}
	assert(hdr <= size);
	assert(m->contact == HRS_CONTACT_UNSUPPORTED ||
	       m->contact == HRS_CONTACT_NOT_DETECTED ||
	       m->contact == HRS_CONTACT_DETECTED);
	if (flags & 0x10)
		assert(hdr + 2 * (size_t)m->n_rr == size);
	else
		assert(m->n_rr == 0);
	for (i = 0; i < m->n_rr; i++) {
		assert(m->rr_1024[i] ==
		       (data[hdr + 2 * i] | data[hdr + 2 * i + 1] << 8));
		assert(hrs_rr_is_implausible(m, i) ==
		       !hrs_rr_plausible(m->rr_1024[i]));
		flagged += hrs_rr_is_implausible(m, i);
	}
	assert(flagged == m->n_rr_implausible);
	n = hrs_format_json(m, json, sizeof(json));
	assert(n > 0 && (size_t)n == strlen(json));
}

static void fuzz_hex(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	uint8_t out[64];
	size_t len = 12345;
	int r;

	assert(s);
	memcpy(s, data, size);
	s[size] = '\0';
	r = hrs_hex_decode(s, out, sizeof(out), &len);
	assert(r == 0 || r == -EINVAL || r == -ENOBUFS);
	if (r == 0)
		assert(len <= sizeof(out) && 2 * len <= size);
	else
		assert(len == 12345);
	free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hrs_measurement m, untouched;
	enum hrs_location loc = HRS_LOCATION_FOOT;
	uint8_t pct = 200;
	int r;

	memset(&m, 0x5a, sizeof(m));
	untouched = m;
	r = hrs_parse(data, size, &m);
	assert(r == 0 || r == -EBADMSG);
	if (r == 0)
		check_decoded(data, size, &m);
	else
		assert(memcmp(&m, &untouched, sizeof(m)) == 0);

	r = hrs_parse_location(data, size, &loc);
	assert(r == 0 ? (size == 1 && loc == data[0])
		      : loc == HRS_LOCATION_FOOT);
	assert(hrs_location_to_string(loc));
	r = hrs_parse_battery(data, size, &pct);
	assert(r == 0 ? pct <= 100 : pct == 200);

	fuzz_hex(data, size);
	return 0;
}
