/* SPDX-License-Identifier: MIT */
/*
 * hrs.c - Heart Rate Service decoder: see hrs.h for the wire format and
 * for what is rejected and why.
 */
#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "hrs.h"

#define HRS_FLAG_VALUE_U16 0x01
#define HRS_FLAG_CONTACT   0x06 /* bits 1-2 */
#define HRS_FLAG_ENERGY	   0x08
#define HRS_FLAG_RR	   0x10

static uint16_t get_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (p[1] << 8));
}

static enum hrs_contact contact_from_flags(uint8_t flags)
{
	switch ((flags & HRS_FLAG_CONTACT) >> 1) {
	case 2:
		return HRS_CONTACT_NOT_DETECTED;
	case 3:
		return HRS_CONTACT_DETECTED;
	default:
		/* 0 and 1 both mean "not supported in this connection" */
		return HRS_CONTACT_UNSUPPORTED;
	}
}

bool hrs_rr_plausible(uint16_t rr_1024)
{
	/* ms = rr * 1000 / 1024, compared exactly in integers */
	uint32_t scaled = (uint32_t)rr_1024 * 1000;

	return scaled >= (uint32_t)HRS_RR_MIN_MS * 1024 &&
	       scaled <= (uint32_t)HRS_RR_MAX_MS * 1024;
}

uint32_t hrs_rr_ms(uint16_t rr_1024)
{
	return ((uint32_t)rr_1024 * 1000 + 512) / 1024;
}

int hrs_parse(const uint8_t *buf, size_t len, struct hrs_measurement *ret)
{
	struct hrs_measurement m;
	size_t off = 1, i;
	uint8_t flags;

	assert(ret);
	if (!buf || len < 2 || len > HRS_ATT_VALUE_MAX)
		return -EBADMSG;
	/* Built aside and copied at the end: *ret is untouched on error. */
	memset(&m, 0, sizeof(m));
	flags = buf[0];
	m.contact = contact_from_flags(flags);
	if (flags & HRS_FLAG_VALUE_U16) {
		if (len < off + 2)
			return -EBADMSG;
		m.bpm = get_le16(buf + off);
		off += 2;
	} else {
		m.bpm = buf[off++];
	}
	if (flags & HRS_FLAG_ENERGY) {
		if (len < off + 2)
			return -EBADMSG;
		m.has_energy = true;
		m.energy_kj = get_le16(buf + off);
		off += 2;
	}
	if (flags & HRS_FLAG_RR) {
		/* the RR field runs to the end: its length gives the count */
		if ((len - off) % 2)
			return -EBADMSG;
		m.n_rr = (uint16_t)((len - off) / 2);
		for (i = 0; i < m.n_rr; i++) {
			m.rr_1024[i] = get_le16(buf + off + 2 * i);
			if (!hrs_rr_plausible(m.rr_1024[i])) {
				m.rr_implausible[i / 32] |= 1u << (i % 32);
				m.n_rr_implausible++;
			}
		}
	}
	*ret = m;
	return 0;
}

bool hrs_rr_is_implausible(const struct hrs_measurement *m, size_t i)
{
	if (i >= m->n_rr)
		return false;
	return m->rr_implausible[i / 32] & (1u << (i % 32));
}

const char *hrs_contact_to_string(enum hrs_contact c)
{
	switch (c) {
	case HRS_CONTACT_UNSUPPORTED:
		return "unsupported";
	case HRS_CONTACT_NOT_DETECTED:
		return "not-detected";
	case HRS_CONTACT_DETECTED:
		return "detected";
	}
	return "invalid";
}

int hrs_parse_location(const uint8_t *buf, size_t len, enum hrs_location *ret)
{
	assert(ret);
	if (!buf || len != 1)
		return -EBADMSG;
	*ret = (enum hrs_location)buf[0];
	return 0;
}

const char *hrs_location_to_string(enum hrs_location loc)
{
	static const char *const names[] = {
		[HRS_LOCATION_OTHER] = "other",
		[HRS_LOCATION_CHEST] = "chest",
		[HRS_LOCATION_WRIST] = "wrist",
		[HRS_LOCATION_FINGER] = "finger",
		[HRS_LOCATION_HAND] = "hand",
		[HRS_LOCATION_EAR_LOBE] = "ear-lobe",
		[HRS_LOCATION_FOOT] = "foot",
	};

	if ((unsigned int)loc >= sizeof(names) / sizeof(names[0]))
		return "reserved";
	return names[loc];
}

int hrs_parse_battery(const uint8_t *buf, size_t len, uint8_t *ret_percent)
{
	assert(ret_percent);
	/* BAS 1.0 §3.1: 101-255 are reserved, so not a level to show */
	if (!buf || len != 1 || buf[0] > 100)
		return -EBADMSG;
	*ret_percent = buf[0];
	return 0;
}

/* Appends to a bounded buffer; remembers overflow instead of failing. */
struct out {
	char *buf;
	size_t len, pos;
	bool full;
};

static void out_printf(struct out *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void out_printf(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->full)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->buf + o->pos, o->len - o->pos, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= o->len - o->pos)
		o->full = true;
	else
		o->pos += (size_t)n;
}

int hrs_format_json(const struct hrs_measurement *m, char *buf, size_t len)
{
	struct out o = {.buf = buf, .len = len};
	size_t i;

	assert(m && buf);
	if (len == 0)
		return -ENOBUFS;
	out_printf(&o, "{\"bpm\":%u,\"contact\":\"%s\",\"energy_kj\":", m->bpm,
		   hrs_contact_to_string(m->contact));
	if (m->has_energy)
		out_printf(&o, "%u", m->energy_kj);
	else
		out_printf(&o, "null");
	out_printf(&o, ",\"rr_1024\":[");
	for (i = 0; i < m->n_rr; i++)
		out_printf(&o, "%s%u", i ? "," : "", m->rr_1024[i]);
	out_printf(&o, "],\"rr_ms\":[");
	for (i = 0; i < m->n_rr; i++)
		out_printf(&o, "%s%u", i ? "," : "", hrs_rr_ms(m->rr_1024[i]));
	out_printf(&o, "],\"rr_implausible\":[");
	for (i = 0; i < m->n_rr; i++)
		out_printf(&o, "%s%s", i ? "," : "",
			   hrs_rr_is_implausible(m, i) ? "true" : "false");
	out_printf(&o, "]}");
	if (o.full) {
		buf[0] = '\0';
		return -ENOBUFS;
	}
	return (int)o.pos;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static bool is_separator(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ':' ||
	       c == '-' || c == ',';
}

/*
 * One pass that validates and counts, a second that writes: @out is only
 * written once the whole string is known good.
 */
static int hex_walk(const char *hex, uint8_t *out, size_t max, size_t *ret_len)
{
	size_t n = 0;
	int hi = -1, d;
	const char *p;

	for (p = hex; *p; p++) {
		/* a "0x" opening a group, as in "0x16 0x4a", is decoration */
		if (hi < 0 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X') &&
		    (p == hex || is_separator(p[-1]))) {
			p++;
			continue;
		}
		if (is_separator(*p)) {
			if (hi >= 0)
				return -EINVAL; /* "1 6" is no byte */
			continue;
		}
		d = hex_digit(*p);
		if (d < 0)
			return -EINVAL;
		if (hi < 0) {
			hi = d;
			continue;
		}
		if (n >= max)
			return -ENOBUFS;
		if (out)
			out[n] = (uint8_t)(hi << 4 | d);
		n++;
		hi = -1;
	}
	if (hi >= 0)
		return -EINVAL;
	*ret_len = n;
	return 0;
}

int hrs_hex_decode(const char *hex, uint8_t *out, size_t max, size_t *ret_len)
{
	size_t n;
	int r;

	assert(hex && ret_len);
	r = hex_walk(hex, NULL, max, &n);
	if (r < 0)
		return r;
	hex_walk(hex, out, max, &n);
	*ret_len = n;
	return 0;
}
