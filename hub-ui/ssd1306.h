/* SPDX-License-Identifier: MIT */
/*
 * ssd1306.h - 128x64 monochrome OLED controllers (Solomon SSD1306 and
 * Sino Wealth SH1106) over I2C, from user space.
 *
 * The controller's RAM is 8 pages of 8 pixel rows; one byte is a column
 * of 8 pixels of a page, bit 0 at the top (SSD1306 datasheet rev 1.1,
 * section 8.7). ssd1306_show() keeps the last frame it sent and sends only
 * the pages that changed, and in each only the columns from the first to
 * the last changed one: a countdown tick that changes one digit costs a
 * few hundred bytes instead of 1 KiB.
 *
 * Bytes leave through a write callback, one call per I2C transaction, so
 * tests capture them; ssd1306_i2c_open() and ssd1306_i2c_write() are the
 * real transport over /dev/i2c-N.
 *
 * Not thread-safe: one thread owns a struct ssd1306 (gymhub-display's main
 * thread). No GLib.
 */
#ifndef GYMHUB_SSD1306_H
#define GYMHUB_SSD1306_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SSD1306_WIDTH  128
#define SSD1306_HEIGHT 64
#define SSD1306_PAGES  (SSD1306_HEIGHT / 8)

/* The usual 7-bit I2C addresses (SA0 low, high). */
#define SSD1306_ADDR	 0x3c
#define SSD1306_ADDR_ALT 0x3d

/* Control byte (datasheet 8.1.5.2): Co (bit 7) = another control byte
 * follows the next byte; D/C# (bit 6) = data, not commands. */
#define SSD1306_CTRL_CMDS    0x00 /* only commands follow */
#define SSD1306_CTRL_CMD_ONE 0x80 /* one command, then a control byte */
#define SSD1306_CTRL_DATA    0x40 /* only data (display RAM) follows */

enum ssd1306_chip {
	SSD1306_CHIP_SSD1306,
	/* 132-column RAM with the panel on columns 2..129, no horizontal
	 * addressing mode, DC-DC instead of a charge pump command. */
	SSD1306_CHIP_SH1106,
};

/* One frame: SSD1306_PAGES pages of SSD1306_WIDTH column bytes. */
struct ssd1306_frame {
	uint8_t page[SSD1306_PAGES][SSD1306_WIDTH];
};

/* Sends one I2C transaction of @len bytes; 0 or -errno. */
typedef int (*ssd1306_write_fn)(const uint8_t *buf, size_t len,
				void *user_data);

struct ssd1306_config {
	enum ssd1306_chip chip;
	bool rotate180;	  /* panel mounted upside down: flip the scan */
	uint8_t contrast; /* 0..255; 0 takes the default 0xcf */
};

struct ssd1306;

/* @write is called with @user_data for every transaction. */
struct ssd1306 *ssd1306_new(const struct ssd1306_config *cfg,
			    ssd1306_write_fn write, void *user_data);
void ssd1306_free(struct ssd1306 *d); /* accepts NULL */

/* Sends the init sequence, display still off: it is switched on after
 * the first ssd1306_show(), so the random RAM of power-up never shows.
 * 0 or the write callback's -errno. */
int ssd1306_init(struct ssd1306 *d);

/* Sends what differs from the last frame sent (everything after
 * ssd1306_init() or a failed write). *@ret_bytes (optional): bytes
 * written. Returns the number of pages sent, or -errno; after an error
 * the next call sends the whole frame again. */
int ssd1306_show(struct ssd1306 *d, const struct ssd1306_frame *f,
		 size_t *ret_bytes);

/* Switches the panel off (sleep, about 10 uA) or on again. */
int ssd1306_power(struct ssd1306 *d, bool on);

/* Packs a 128x64 image of 32-bit pixels (cairo RGB24/ARGB32: x,r,g,b in
 * native order), @stride bytes a row: a pixel is lit when its green
 * channel is at least 128 (render.c draws mono in pure black and white). */
void ssd1306_pack(const void *pixels, int stride, struct ssd1306_frame *f);

/* The real transport: opens /dev/i2c-N for the device at @addr (7-bit).
 * Returns the fd or -errno. */
int ssd1306_i2c_open(const char *path, int addr);
/* A write callback for an fd from ssd1306_i2c_open(): @user_data points
 * to the int fd. One write(2), so one I2C transaction. */
int ssd1306_i2c_write(const uint8_t *buf, size_t len, void *user_data);

#endif
