/* SPDX-License-Identifier: MIT */
/*
 * Runs a libFuzzer-style harness over files without libFuzzer: every file
 * named on the command line (directories are walked one level) is passed to
 * LLVMFuzzerTestOneInput once. The normal (gcc) build uses it to replay the
 * seed corpora and past crashes as ordinary tests.
 */
#include <dirent.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define STANDALONE_MAX_INPUT (4u * 1024u * 1024u)

static int run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	size_t n;

	if (!f) {
		perror(path);
		return 1;
	}
	buf = malloc(STANDALONE_MAX_INPUT);
	if (!buf) {
		fclose(f);
		return 1;
	}
	n = fread(buf, 1, STANDALONE_MAX_INPUT, f);
	fclose(f);
	LLVMFuzzerTestOneInput(buf, n);
	free(buf);
	return 0;
}

int main(int argc, char **argv)
{
	unsigned count = 0;

	for (int i = 1; i < argc; i++) {
		struct stat st;
		if (stat(argv[i], &st) < 0) {
			perror(argv[i]);
			return 1;
		}
		if (!S_ISDIR(st.st_mode)) {
			if (run_file(argv[i]))
				return 1;
			count++;
			continue;
		}
		DIR *d = opendir(argv[i]);
		struct dirent *e;
		if (!d) {
			perror(argv[i]);
			return 1;
		}
		while ((e = readdir(d))) {
			char p[4096];
			if (e->d_name[0] == '.')
				continue;
			snprintf(p, sizeof(p), "%s/%s", argv[i], e->d_name);
			if (run_file(p)) {
				closedir(d);
				return 1;
			}
			count++;
		}
		closedir(d);
	}
	if (count == 0) {
		fprintf(stderr, "standalone: no inputs found; a replay that runs nothing proves nothing\n");
		return 1;
	}
	printf("%u inputs replayed without a crash\n", count);
	return 0;
}
