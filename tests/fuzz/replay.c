/* SPDX-License-Identifier: MIT */
/*
 * replay.c - runs a libFuzzer target over corpus files without libFuzzer,
 * so `make check` replays every kept input (built with gcc, and under
 * ASan/UBSan by `make check-sanitize`). Prints a cmocka-like summary.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	long len;

	if (!f)
		return -1;
	if (fseek(f, 0, SEEK_END) == 0 && (len = ftell(f)) >= 0 &&
	    fseek(f, 0, SEEK_SET) == 0) {
		buf = malloc((size_t)len + 1);
		if (buf && fread(buf, 1, (size_t)len, f) == (size_t)len) {
			fclose(f);
			LLVMFuzzerTestOneInput(buf, (size_t)len);
			free(buf);
			return 0;
		}
	}
	free(buf);
	fclose(f);
	return -1;
}

int main(int argc, char **argv)
{
	int i, n = 0, bad = 0;

	for (i = 1; i < argc; i++) {
		DIR *d = opendir(argv[i]);
		struct dirent *de;
		char path[4096];

		if (!d) {
			bad += replay_file(argv[i]) < 0;
			n++;
			continue;
		}
		while ((de = readdir(d))) {
			if (de->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s", argv[i],
				 de->d_name);
			bad += replay_file(path) < 0;
			n++;
		}
		closedir(d);
	}
	/* a crash never gets here: the sanitizer or abort() reports it */
	printf("[  PASSED  ] %d input(s) replayed\n", n - bad);
	if (bad)
		printf("[  FAILED  ] %d input(s) unreadable\n", bad);
	return bad ? 1 : 0;
}
