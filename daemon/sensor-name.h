/* SPDX-License-Identifier: MIT */
/*
 * sensor-name.h - a name a sensor advertises, made safe for where gymhubd
 * puts it: log lines, the journal, the Sensors property, the display, the
 * database and exports.
 *
 * A Bluetooth device name is up to 248 octets of whatever the device (or
 * a stranger's device nearby, during a scan) chooses: it should be UTF-8
 * (Core 5.3 Vol 3 Part C §12.1) but nothing enforces it. A newline in it
 * would forge a log line, an escape sequence would drive the terminal of
 * whoever reads `journalctl` or `gymhubctl sensors`, a bidi override would
 * make "Polar H10" display as something else.
 *
 * Pure: no GLib, no allocation. Any thread.
 */
#ifndef GYMHUB_SENSOR_NAME_H
#define GYMHUB_SENSOR_NAME_H

#include <stddef.h>

/* Longest name kept, in bytes (without the NUL); longer ones are cut at a
 * character boundary. A 128-pixel display shows about 21 characters. */
#define SENSOR_NAME_MAX 48

/*
 * Copies @in (@len bytes; may hold NULs) into @out (@size >= 4 bytes,
 * NUL included): invalid UTF-8 (bad or overlong sequences, surrogates,
 * code points past U+10FFFF) becomes U+FFFD; control characters (C0, DEL,
 * C1), line and paragraph separators, bidi controls (U+200E/F, U+202A-E,
 * U+2066-9) and NULs become a space; runs of spaces become one; leading
 * and trailing spaces go; at most min(@size - 1, SENSOR_NAME_MAX) bytes.
 * Returns the length written.
 */
size_t sensor_name_sanitize(const char *in, size_t len, char *out, size_t size);

#endif
