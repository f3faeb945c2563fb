/* SPDX-License-Identifier: MIT */
/* Writes seed inputs for fuzz-cmd-frame: framed requests and replies. Usage: gen-cmd-corpus DIR */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd-protocol.h"
#include "frame.h"

static void put(const char *dir, const char *name, const uint8_t *p, size_t n)
{
	char path[512];
	uint8_t hdr[FRAME_HEADER_SIZE];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	if (!f)
		exit(1);
	frame_encode_header(hdr, (uint32_t)n);
	fwrite(hdr, 1, sizeof(hdr), f);
	fwrite(p, 1, n, f);
	fclose(f);
}

int main(int argc, char **argv)
{
	struct cmd_bytes args[] = { { "printf", 6 }, { "%s\\n", 4 }, { "", 0 }, { "a b", 3 } };
	struct cmd_bytes env[] = { { "LANG=C.UTF-8", 12 } };
	struct cmd_request req = { .version = 1, .mode = CMD_MODE_PASS_IO, .cwd = "/home/user",
				   .argv = args, .argc = 4, .env = env, .envc = 1 };
	uint8_t *p, buf[2 + CMD_MESSAGE_MAX];
	size_t n;

	if (argc != 2)
		return 2;
	if (cmd_request_encode(&req, &p, &n) < 0)
		return 1;
	put(argv[1], "request", p, n);
	free(p);
	n = cmd_build_error(buf, CMD_ERR_EXEC, "cannot execute 'x': No such file or directory");
	put(argv[1], "error", buf, n);
	n = cmd_build_started(buf, "vmsilo-app-firefox-1234abcd.service");
	put(argv[1], "started", buf, n);
	n = cmd_build_exit(buf, CMD_EXIT_SIGNAL, 15);
	put(argv[1], "exit", buf, n);
	put(argv[1], "stdout", (const uint8_t *)"\x83hello\n", 7);
	put(argv[1], "stdin-eof", (const uint8_t *)"\x03", 1);
	return 0;
}
