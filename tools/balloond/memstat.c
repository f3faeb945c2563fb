/* SPDX-License-Identifier: MIT */
/* The memstat wire format; see memstat.h. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "memstat.h"

static void put_le(uint8_t *p, uint64_t v, unsigned bytes)
{
	for (unsigned i = 0; i < bytes; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get_le(const uint8_t *p, unsigned bytes)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < bytes; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static __attribute__((format(printf, 3, 4))) int reject(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	if (why && whylen) {
		va_start(ap, fmt);
		vsnprintf(why, whylen, fmt, ap);
		va_end(ap);
	}
	return -EPROTO;
}

void memstat_encode(const struct memstat_record *r, uint8_t out[MEMSTAT_RECORD_SIZE])
{
	memcpy(out, MEMSTAT_MAGIC, 4);
	put_le(out + 4, MEMSTAT_VERSION, 2);
	put_le(out + 6, 0, 2);
	put_le(out + 8, r->seq_ms, 8);
	put_le(out + 16, r->total, 8);
	put_le(out + 24, r->available, 8);
}

int memstat_decode(const uint8_t in[MEMSTAT_RECORD_SIZE], struct memstat_record *untrusted_out,
		   char *why, size_t whylen)
{
	if (memcmp(in, MEMSTAT_MAGIC, 4))
		return reject(why, whylen, "bad magic");
	if (get_le(in + 4, 2) != MEMSTAT_VERSION)
		return reject(why, whylen, "unsupported version %u", (unsigned)get_le(in + 4, 2));
	if (get_le(in + 6, 2) != 0)
		return reject(why, whylen, "reserved flags set");
	untrusted_out->seq_ms = get_le(in + 8, 8);
	untrusted_out->total = get_le(in + 16, 8);
	untrusted_out->available = get_le(in + 24, 8);
	return 0;
}

int memstat_validate(const struct memstat_record *untrusted, const struct memstat_limits *lim,
		     char *why, size_t whylen)
{
	if (untrusted->total == 0)
		return reject(why, whylen, "MemTotal is 0");
	if (lim->configured_memory && untrusted->total > lim->configured_memory)
		return reject(why, whylen, "MemTotal %llu exceeds the configured %llu bytes",
			      (unsigned long long)untrusted->total, (unsigned long long)lim->configured_memory);
	if (untrusted->available > untrusted->total)
		return reject(why, whylen, "MemAvailable %llu exceeds MemTotal %llu",
			      (unsigned long long)untrusted->available, (unsigned long long)untrusted->total);
	if (!lim->have_previous)
		return 0;
	if (untrusted->seq_ms <= lim->previous_seq_ms)
		return reject(why, whylen, "timestamp %llu ms does not follow %llu ms",
			      (unsigned long long)untrusted->seq_ms, (unsigned long long)lim->previous_seq_ms);
	if (untrusted->seq_ms - lim->previous_seq_ms > lim->host_elapsed_ms + MEMSTAT_CLOCK_SLACK_MS)
		return reject(why, whylen, "timestamp jumps %llu ms ahead in %llu ms of host time",
			      (unsigned long long)(untrusted->seq_ms - lim->previous_seq_ms),
			      (unsigned long long)lim->host_elapsed_ms);
	return 0;
}
