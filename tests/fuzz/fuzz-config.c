/* SPDX-License-Identifier: MIT */
/*
 * fuzz-config.c - libFuzzer target: gymhub.conf as outside bytes. Any
 * input must give a config or an error naming origin and line; never a
 * crash, a leak or undefined behaviour.
 */
#include <assert.h>
#include <stdint.h>
#include <string.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	GError *error = NULL;
	struct config *c;

	c = config_parse((const char *)data, size, "fuzz.conf", &error);
	/* exactly one of a config and an error, and errors say where */
	assert((c == NULL) != (error == NULL));
	if (error)
		assert(strncmp(error->message, "fuzz.conf:", 10) == 0);
	config_free(c);
	g_clear_error(&error);
	return 0;
}
