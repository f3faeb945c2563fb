/* SPDX-License-Identifier: MIT */
/*
 * The command protocol between vm-run, vmsilo-cmd-proxy and vmsilo-guest-cmd
 * (docs/command-protocol.md). Every message is one frame (frame.h: 4-byte
 * big-endian length, then the payload); the payload starts with a type byte.
 *
 *   client -> guest:  REQUEST, then in pass-io mode STDIN* and STDIN_EOF
 *   guest -> client:  STARTED or ERROR; in pass-io mode STDOUT/STDERR* and EXIT
 *
 * The proxy and both ends validate every frame they receive against the
 * limits below and end the connection on the first bad one.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CMD_PROTOCOL_VERSION 1
#define CMD_GUEST_PORT 5000u

/* Limits (hard): a frame over these ends the connection. */
#define CMD_ARGC_MAX 4096u
#define CMD_ARG_MAX (128u * 1024u)       /* one argument, bytes */
#define CMD_ARGS_TOTAL_MAX (1024u * 1024u) /* all arguments together */
#define CMD_ENV_MAX 32u
#define CMD_ENV_ENTRY_MAX 4096u
#define CMD_CWD_MAX 4096u
#define CMD_DATA_MAX (64u * 1024u)  /* STDIN/STDOUT/STDERR payload */
#define CMD_MESSAGE_MAX 1024u       /* ERROR/STARTED text: printable ASCII, \n, \t */
#define CMD_REQUEST_MAX (CMD_ARGS_TOTAL_MAX + CMD_ARGC_MAX * 4u + CMD_ENV_MAX * (CMD_ENV_ENTRY_MAX + 4u) + CMD_CWD_MAX + 64u)
#define CMD_FRAME_MAX CMD_REQUEST_MAX
/* After the request, no frame is larger than a full data frame. */
#define CMD_STREAM_FRAME_MAX (1u + CMD_DATA_MAX)
#define CMD_SIGNAL_MAX 64u

enum cmd_type {
	CMD_REQUEST = 0x01,
	CMD_STDIN = 0x02,
	CMD_STDIN_EOF = 0x03,
	CMD_STARTED = 0x81,
	CMD_ERROR = 0x82,
	CMD_STDOUT = 0x83,
	CMD_STDERR = 0x84,
	CMD_EXIT = 0x85,
};

enum cmd_mode {
	CMD_MODE_LAUNCH = 0,
	CMD_MODE_PASS_IO = 1,
};

enum cmd_error_code {
	CMD_ERR_BAD_REQUEST = 1, /* malformed or over a limit */
	CMD_ERR_VM_UNREACHABLE = 2,
	CMD_ERR_EXEC = 3,        /* the program could not be started */
	CMD_ERR_PROTOCOL = 4,    /* the other side broke the protocol */
	CMD_ERR_INTERNAL = 5,
	CMD_ERR__MAX = CMD_ERR_INTERNAL,
};

enum cmd_exit_kind {
	CMD_EXIT_CODE = 0,
	CMD_EXIT_SIGNAL = 1,
};

struct cmd_bytes {
	char *data; /* NUL-terminated copy; never contains NUL itself */
	size_t len;
};

struct cmd_request {
	uint8_t version;
	uint8_t mode;
	char *cwd; /* NULL: the guest's default */
	struct cmd_bytes *argv;
	size_t argc;
	struct cmd_bytes *env; /* "NAME=value", NAME from the allow-list */
	size_t envc;
};

enum cmd_direction {
	CMD_TO_GUEST,   /* frames written by the client, read by proxy and guest */
	CMD_FROM_GUEST, /* frames written by the guest, read by proxy and client */
};

/* Environment variables a request may carry (all others are refused). */
bool cmd_env_name_allowed(const char *name, size_t len);

/* Builds the REQUEST payload (type byte included). Caller frees *out. */
int cmd_request_encode(const struct cmd_request *req, uint8_t **out, size_t *len);
/*
 * Decodes and validates a REQUEST payload. On error returns -EBADMSG and a
 * reason in why. The result owns copies of every string (cmd_request_free).
 */
int cmd_request_decode(const uint8_t *untrusted, size_t len, struct cmd_request *req, char *why,
		       size_t whylen);
void cmd_request_free(struct cmd_request *req);

/*
 * Checks any frame payload for its direction: known type, lengths within the
 * limits, valid exit kinds and ranges, printable messages. REQUEST payloads
 * are fully decoded. Returns 0 or -EBADMSG with a reason.
 */
int cmd_frame_check(const uint8_t *untrusted, size_t len, enum cmd_direction dir, char *why,
		    size_t whylen);

/* Builders for the small messages (payload including the type byte). */
size_t cmd_build_exit(uint8_t out[6], enum cmd_exit_kind kind, uint32_t value);
/* ERROR: code byte + text (cut to CMD_MESSAGE_MAX). out must hold 2 + CMD_MESSAGE_MAX. */
size_t cmd_build_error(uint8_t *out, enum cmd_error_code code, const char *text);
/* Builds an ERROR frame and writes it to fd (5 s at most); 0 or -errno. */
int cmd_send_error(int fd, enum cmd_error_code code, const char *text);
/* STARTED: text (e.g. the unit name). out must hold 1 + CMD_MESSAGE_MAX. */
size_t cmd_build_started(uint8_t *out, const char *text);

/* Decoders for already-checked frames. */
void cmd_parse_exit(const uint8_t *p, enum cmd_exit_kind *kind, uint32_t *value);
/* Copies the (checked, printable) message text into buf. */
void cmd_parse_text(const uint8_t *p, size_t len, size_t skip, char *buf, size_t buflen);

/* Shell-style exit status for an EXIT frame: the code, or 128 + signal. */
int cmd_exit_status(enum cmd_exit_kind kind, uint32_t value);
