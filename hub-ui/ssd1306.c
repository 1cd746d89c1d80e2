/* SPDX-License-Identifier: MIT */
/*
 * ssd1306.c - SSD1306 / SH1106 over I2C (see ssd1306.h).
 *
 * Page addressing is used on both chips: the SH1106 has no other mode
 * (SH1106 datasheet v2.3, "Set Page Address"), and it lets one I2C write
 * carry a page's address commands and its data, each command behind a
 * control byte with Co set, then 0x40 and the column bytes.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/i2c-dev.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "ssd1306.h"

/* Commands (SSD1306 datasheet section 9, SH1106 datasheet section 8). */
#define CMD_DISPLAY_OFF	   0xae
#define CMD_DISPLAY_ON	   0xaf
#define CMD_CLOCK_DIV	   0xd5
#define CMD_MULTIPLEX	   0xa8
#define CMD_DISPLAY_OFFSET 0xd3
#define CMD_START_LINE	   0x40
#define CMD_CHARGE_PUMP	   0x8d /* SSD1306 only */
#define CMD_DCDC	   0xad /* SH1106 only */
#define CMD_ADDR_MODE	   0x20 /* SSD1306 only */
#define CMD_SEG_REMAP	   0xa0 /* | 1: column 127 drives SEG0 */
#define CMD_COM_SCAN_INC   0xc0
#define CMD_COM_SCAN_DEC   0xc8
#define CMD_COM_PINS	   0xda
#define CMD_CONTRAST	   0x81
#define CMD_PRECHARGE	   0xd9
#define CMD_VCOMH	   0xdb
#define CMD_RESUME_RAM	   0xa4
#define CMD_NORMAL	   0xa6
#define CMD_SCROLL_OFF	   0x2e /* SSD1306 only */
#define CMD_PAGE	   0xb0 /* | page */
#define CMD_COL_LOW	   0x00 /* | low nibble */
#define CMD_COL_HIGH	   0x10 /* | high nibble */

/* The 128 visible columns sit at RAM columns 2..129 of the SH1106. */
#define SH1106_COL_OFFSET 2

/* Three address commands with their control bytes, 0x40, a page. */
#define PAGE_MSG_MAX (6 + 1 + SSD1306_WIDTH)

struct ssd1306 {
	struct ssd1306_config cfg;
	ssd1306_write_fn write;
	void *user_data;
	struct ssd1306_frame last;
	bool last_valid; /* the controller's RAM holds @last */
	bool on;
};

struct ssd1306 *ssd1306_new(const struct ssd1306_config *cfg,
			    ssd1306_write_fn write, void *user_data)
{
	struct ssd1306 *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	d->cfg = *cfg;
	if (!d->cfg.contrast)
		d->cfg.contrast = 0xcf;
	d->write = write;
	d->user_data = user_data;
	return d;
}

void ssd1306_free(struct ssd1306 *d)
{
	free(d);
}

int ssd1306_init(struct ssd1306 *d)
{
	bool sh = d->cfg.chip == SSD1306_CHIP_SH1106;
	uint8_t b[40];
	size_t n = 0;

	b[n++] = SSD1306_CTRL_CMDS;
	b[n++] = CMD_DISPLAY_OFF;
	b[n++] = CMD_CLOCK_DIV;
	b[n++] = 0x80; /* the reset value: ~100 Hz frames */
	b[n++] = CMD_MULTIPLEX;
	b[n++] = SSD1306_HEIGHT - 1;
	b[n++] = CMD_DISPLAY_OFFSET;
	b[n++] = 0;
	b[n++] = CMD_START_LINE | 0;
	if (sh) {
		/* DC-DC on (SH1106 "DC-DC Control Mode Set": 0x8b) */
		b[n++] = CMD_DCDC;
		b[n++] = 0x8b;
	} else {
		/* charge pump on (SSD1306 app note: 0x8d, 0x14) */
		b[n++] = CMD_CHARGE_PUMP;
		b[n++] = 0x14;
		b[n++] = CMD_ADDR_MODE;
		b[n++] = 0x02; /* page addressing */
		b[n++] = CMD_SCROLL_OFF;
	}
	/* Modules are wired so that remap + reverse COM scan is upright. */
	b[n++] = CMD_SEG_REMAP | (d->cfg.rotate180 ? 0 : 1);
	b[n++] = d->cfg.rotate180 ? CMD_COM_SCAN_INC : CMD_COM_SCAN_DEC;
	b[n++] = CMD_COM_PINS;
	b[n++] = 0x12; /* alternative COM pins, as 128x64 panels need */
	b[n++] = CMD_CONTRAST;
	b[n++] = d->cfg.contrast;
	b[n++] = CMD_PRECHARGE;
	b[n++] = sh ? 0x22 : 0xf1;
	b[n++] = CMD_VCOMH;
	b[n++] = sh ? 0x35 : 0x40;
	b[n++] = CMD_RESUME_RAM;
	b[n++] = CMD_NORMAL;

	d->last_valid = false;
	d->on = false;
	return d->write(b, n, d->user_data);
}

/* One write: page address, start column, then the bytes [@c0, @c1). */
static int send_span(struct ssd1306 *d, int page, int c0, int c1,
		     const uint8_t *cols)
{
	int col = c0 +
		  (d->cfg.chip == SSD1306_CHIP_SH1106 ? SH1106_COL_OFFSET : 0);
	uint8_t b[PAGE_MSG_MAX];
	size_t n = 0;

	b[n++] = SSD1306_CTRL_CMD_ONE;
	b[n++] = CMD_PAGE | page;
	b[n++] = SSD1306_CTRL_CMD_ONE;
	b[n++] = CMD_COL_LOW | (col & 0x0f);
	b[n++] = SSD1306_CTRL_CMD_ONE;
	b[n++] = CMD_COL_HIGH | (col >> 4);
	b[n++] = SSD1306_CTRL_DATA;
	memcpy(b + n, cols + c0, c1 - c0);
	n += c1 - c0;
	return d->write(b, n, d->user_data);
}

int ssd1306_power(struct ssd1306 *d, bool on)
{
	uint8_t b[2] = {SSD1306_CTRL_CMDS,
			on ? CMD_DISPLAY_ON : CMD_DISPLAY_OFF};
	int r = d->write(b, sizeof(b), d->user_data);

	if (r == 0)
		d->on = on;
	return r;
}

int ssd1306_show(struct ssd1306 *d, const struct ssd1306_frame *f,
		 size_t *ret_bytes)
{
	size_t bytes = 0;
	int page, c0, c1, pages = 0, r = 0;

	for (page = 0; page < SSD1306_PAGES; page++) {
		const uint8_t *now = f->page[page], *was = d->last.page[page];

		c0 = 0;
		c1 = SSD1306_WIDTH;
		if (d->last_valid) {
			while (c0 < c1 && now[c0] == was[c0])
				c0++;
			while (c1 > c0 && now[c1 - 1] == was[c1 - 1])
				c1--;
			if (c0 == c1)
				continue;
		}
		r = send_span(d, page, c0, c1, now);
		if (r < 0)
			goto out;
		memcpy(d->last.page[page] + c0, now + c0, c1 - c0);
		bytes += 7 + (size_t)(c1 - c0);
		pages++;
	}
	d->last_valid = true;
	if (!d->on) {
		r = ssd1306_power(d, true);
		if (r < 0)
			goto out;
		bytes += 2;
	}
out:
	if (r < 0)
		d->last_valid = false;
	if (ret_bytes)
		*ret_bytes = bytes;
	return r < 0 ? r : pages;
}

void ssd1306_pack(const void *pixels, int stride, struct ssd1306_frame *f)
{
	const uint8_t *base = pixels;
	int x, y;

	memset(f, 0, sizeof(*f));
	for (y = 0; y < SSD1306_HEIGHT; y++) {
		const uint32_t *row =
			(const uint32_t *)(base + (size_t)y * stride);

		for (x = 0; x < SSD1306_WIDTH; x++)
			if ((row[x] >> 8 & 0xff) >= 128)
				f->page[y / 8][x] |= 1u << (y % 8);
	}
}

int ssd1306_i2c_open(const char *path, int addr)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (ioctl(fd, I2C_SLAVE, (unsigned long)addr) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

int ssd1306_i2c_write(const uint8_t *buf, size_t len, void *user_data)
{
	int fd = *(const int *)user_data;
	ssize_t n;

	do
		n = write(fd, buf, len);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	/* i2c-dev writes all or nothing; short means the device NAKed */
	return (size_t)n == len ? 0 : -EIO;
}
