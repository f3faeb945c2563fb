/* SPDX-License-Identifier: MIT */
/*
 * Fuzzes the command protocol as every receiver sees it: a byte stream cut
 * into frames, each frame checked for both directions, requests decoded.
 * Invariants: a decoded request respects every limit and re-encodes to the
 * same bytes; accepted messages are printable ASCII; exits are in range.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cmd-protocol.h"
#include "frame.h"

volatile size_t fuzz_sink;

static void check_request(const uint8_t *p, size_t n)
{
	struct cmd_request req;
	char why[256];
	uint8_t *again;
	size_t len, total = 0;

	if (cmd_request_decode(p, n, &req, why, sizeof(why)) < 0)
		return;
	if (req.argc == 0 || req.argc > CMD_ARGC_MAX || req.envc > CMD_ENV_MAX || req.argv[0].len == 0)
		abort();
	for (size_t i = 0; i < req.argc; i++) {
		if (req.argv[i].len > CMD_ARG_MAX || strlen(req.argv[i].data) != req.argv[i].len)
			abort();
		total += req.argv[i].len;
	}
	if (total > CMD_ARGS_TOTAL_MAX)
		abort();
	for (size_t i = 0; i < req.envc; i++) {
		const char *eq = strchr(req.env[i].data, '=');
		if (!eq || !cmd_env_name_allowed(req.env[i].data, (size_t)(eq - req.env[i].data)))
			abort();
	}
	if (req.cwd && (req.cwd[0] != '/' || strlen(req.cwd) > CMD_CWD_MAX))
		abort();
	if (cmd_request_encode(&req, &again, &len) < 0 || len != n || memcmp(again, p, n) != 0)
		abort();
	free(again);
	fuzz_sink += total;
	cmd_request_free(&req);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t off = 0;
	char why[256];

	while (off < size) {
		const uint8_t *p;
		size_t n;
		ssize_t used = frame_parse(data + off, size - off, CMD_FRAME_MAX, &p, &n);
		if (used <= 0)
			break;
		off += (size_t)used;
		if (cmd_frame_check(p, n, CMD_FROM_GUEST, why, sizeof(why)) == 0) {
			if (p[0] == CMD_REQUEST || p[0] == CMD_STDIN || p[0] == CMD_STDIN_EOF)
				abort();
			if (p[0] == CMD_ERROR || p[0] == CMD_STARTED) {
				size_t skip = p[0] == CMD_ERROR ? 2 : 1;
				for (size_t i = skip; i < n; i++)
					if ((p[i] < 0x20 && p[i] != '\n' && p[i] != '\t') || p[i] >= 0x7f)
						abort();
			}
			if (p[0] == CMD_EXIT) {
				enum cmd_exit_kind kind;
				uint32_t v;
				cmd_parse_exit(p, &kind, &v);
				if (kind == CMD_EXIT_CODE ? v > 255 : (kind != CMD_EXIT_SIGNAL || v < 1 || v > CMD_SIGNAL_MAX))
					abort();
				fuzz_sink += (size_t)cmd_exit_status(kind, v);
			}
		}
		if (cmd_frame_check(p, n, CMD_TO_GUEST, why, sizeof(why)) == 0 && p[0] >= 0x80)
			abort();
		if (n > 0 && p[0] == CMD_REQUEST)
			check_request(p, n);
	}
	return 0;
}
