/* SPDX-License-Identifier: MIT */
/*
 * buzzer-pwm.c - a passive buzzer on a sysfs PWM channel: each tone is a
 * square wave at the tone's pitch (50% duty), so every cue can have its
 * own pitch.
 *
 * Interface: Documentation/ABI/testing/sysfs-class-pwm. A channel is
 * exported by writing its number to pwmchipN/export; then pwmM/period and
 * pwmM/duty_cycle take nanoseconds and pwmM/enable takes 0 or 1. The
 * kernel refuses a duty cycle longer than the period (EINVAL), so the two
 * are written in whichever order keeps that true at every step.
 *
 * The three attribute files are opened once in buzzer_new_pwm(); the cue
 * thread only pwrite()s short numbers into them (sysfs attributes ignore
 * the offset). The trailing newline also keeps a plain-file fake tree in
 * tests readable when a shorter number overwrites a longer one.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buzzer-backend.h"

#define PWM_SYSFS_DEFAULT "/sys/class/pwm"
/* Pitch for a tone that asks for none: a typical buzzer's loudest range. */
#define PWM_DEFAULT_HZ 2000u
/* 1 Hz .. 1 MHz: anything outside is not a sound a buzzer makes. */
#define PWM_MAX_HZ 1000000u
/* How long udev may take to create the channel and open its permissions. */
#define PWM_EXPORT_WAIT_MS 1000
#define PWM_EXPORT_POLL_MS 10

struct buzzer_pwm {
	int period_fd;
	int duty_fd;
	int enable_fd;
	uint64_t period_ns; /* as written; 0 = not known to be set */
	int enabled;	    /* 0, 1, or -1 when a write failed */
};

/* Formats @v with a newline into @buf (>= 22 bytes); returns the length. */
static size_t pwm_format(char *buf, uint64_t v)
{
	char tmp[21];
	size_t n = 0, len = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		buf[len++] = tmp[--n];
	buf[len++] = '\n';
	return len;
}

static int pwm_write(int fd, uint64_t v)
{
	char buf[24];
	size_t len = pwm_format(buf, v);
	ssize_t n = pwrite(fd, buf, len, 0);

	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EIO;
}

/*
 * Programs a new period with a 50% duty cycle, keeping duty <= period:
 * a longer period goes first, a shorter one after its duty cycle.
 */
static int pwm_program(struct buzzer_pwm *p, uint64_t period_ns)
{
	uint64_t duty_ns = period_ns / 2;
	int r;

	if (period_ns >= p->period_ns) {
		r = pwm_write(p->period_fd, period_ns);
		/*
		 * With the old state unknown (period_ns 0), the duty cycle
		 * left there may exceed the new period: then duty first.
		 */
		if (r == -EINVAL && p->period_ns == 0) {
			r = pwm_write(p->duty_fd, duty_ns);
			if (r == 0)
				r = pwm_write(p->period_fd, period_ns);
		} else if (r == 0) {
			r = pwm_write(p->duty_fd, duty_ns);
		}
	} else {
		r = pwm_write(p->duty_fd, duty_ns);
		if (r == 0)
			r = pwm_write(p->period_fd, period_ns);
	}
	/* After a partial write the old period is no guide to the order. */
	p->period_ns = r == 0 ? period_ns : 0;
	return r;
}

static int pwm_set(void *ctx, bool on, unsigned int hz)
{
	struct buzzer_pwm *p = ctx;
	uint64_t period_ns;
	int r;

	if (on) {
		if (hz == 0 || hz > PWM_MAX_HZ)
			hz = PWM_DEFAULT_HZ;
		period_ns = UINT64_C(1000000000) / hz;
		if (period_ns != p->period_ns) {
			r = pwm_program(p, period_ns);
			if (r < 0)
				return r;
		}
	}
	if (p->enabled == (int)on)
		return 0;
	r = pwm_write(p->enable_fd, on ? 1 : 0);
	p->enabled = r == 0 ? (int)on : -1;
	return r;
}

static void pwm_free(void *ctx)
{
	struct buzzer_pwm *p = ctx;

	if (!p)
		return;
	if (p->enable_fd >= 0) {
		pwm_write(p->enable_fd, 0);
		close(p->enable_fd);
	}
	if (p->duty_fd >= 0)
		close(p->duty_fd);
	if (p->period_fd >= 0)
		close(p->period_fd);
	free(p);
}

static const struct buzzer_ops pwm_ops = {
	.name = "pwm",
	.set = pwm_set,
	.free = pwm_free,
};

static int pwm_path(char *buf, const char *root, unsigned int chip,
		    unsigned int channel, const char *attr)
{
	int n;

	if (attr && channel != UINT_MAX)
		n = snprintf(buf, PATH_MAX, "%s/pwmchip%u/pwm%u/%s", root, chip,
			     channel, attr);
	else if (channel != UINT_MAX)
		n = snprintf(buf, PATH_MAX, "%s/pwmchip%u/pwm%u", root, chip,
			     channel);
	else
		n = snprintf(buf, PATH_MAX, "%s/pwmchip%u/%s", root, chip,
			     attr);
	return n < 0 || n >= PATH_MAX ? -ENAMETOOLONG : 0;
}

static int pwm_export(const char *root, unsigned int chip, unsigned int channel)
{
	char path[PATH_MAX];
	int fd, r;

	r = pwm_path(path, root, chip, UINT_MAX, "export");
	if (r < 0)
		return r;
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	r = pwm_write(fd, channel);
	close(fd);
	/* EBUSY: someone exported it since we looked; that is fine. */
	return r == -EBUSY ? 0 : r;
}

/*
 * Opens an attribute of the channel for writing. Right after an export
 * the files may not exist yet, or udev may not yet have given them to
 * our group, so ENOENT and EACCES are retried for a short while.
 */
static int pwm_open_attr(const char *root, unsigned int chip,
			 unsigned int channel, const char *attr, int *ret_fd)
{
	const struct timespec pause = {0, PWM_EXPORT_POLL_MS * 1000000L};
	char path[PATH_MAX];
	int waited = 0, fd, r;

	r = pwm_path(path, root, chip, channel, attr);
	if (r < 0)
		return r;
	for (;;) {
		fd = open(path, O_WRONLY | O_CLOEXEC);
		if (fd >= 0)
			break;
		r = -errno;
		if ((r != -ENOENT && r != -EACCES) ||
		    waited >= PWM_EXPORT_WAIT_MS)
			return r;
		nanosleep(&pause, NULL);
		waited += PWM_EXPORT_POLL_MS;
	}
	*ret_fd = fd;
	return 0;
}

int buzzer_new_pwm(const char *sysfs_root, unsigned int chip,
		   unsigned int channel, struct buzzer **ret)
{
	const char *root = sysfs_root ? sysfs_root : PWM_SYSFS_DEFAULT;
	char path[PATH_MAX];
	struct buzzer_pwm *p;
	struct stat st;
	int r;

	if (channel == UINT_MAX)
		return -EINVAL;
	r = pwm_path(path, root, chip, channel, NULL);
	if (r < 0)
		return r;
	if (stat(path, &st) < 0) {
		if (errno != ENOENT)
			return -errno;
		r = pwm_export(root, chip, channel);
		if (r < 0)
			return r;
	}

	p = malloc(sizeof(*p));
	if (!p)
		return -ENOMEM;
	*p = (struct buzzer_pwm){-1, -1, -1, 0, -1};
	r = pwm_open_attr(root, chip, channel, "period", &p->period_fd);
	if (r == 0)
		r = pwm_open_attr(root, chip, channel, "duty_cycle",
				  &p->duty_fd);
	if (r == 0)
		r = pwm_open_attr(root, chip, channel, "enable", &p->enable_fd);
	/*
	 * Start from a known state: a valid period first, then silent.
	 * Right after an export the period is 0, and the kernels of
	 * bookworm and Raspberry Pi OS (6.1, 6.6: pwm_apply_state() wants
	 * period != 0) refuse any write, even enable=0, until it is set.
	 */
	if (r == 0)
		r = pwm_program(p, UINT64_C(1000000000) / PWM_DEFAULT_HZ);
	if (r == 0)
		r = pwm_set(p, false, 0);
	if (r < 0) {
		pwm_free(p);
		return r;
	}
	return buzzer_wrap(&pwm_ops, p, ret);
}
