/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "io.h"
#include "ratelimit.h"

void rate_limit_init(struct rate_limit *r, uint32_t count, uint32_t seconds, uint64_t now_ms)
{
	*r = (struct rate_limit){ .count = count, .period_ms = (uint64_t)seconds * 1000u, .last_ms = now_ms };
	r->credit = (uint64_t)count * r->period_ms;
}

bool rate_limit_take(struct rate_limit *r, uint64_t now_ms)
{
	uint64_t max = (uint64_t)r->count * r->period_ms;

	/* each millisecond earns `count` units; the clock never runs backwards here */
	if (now_ms > r->last_ms) {
		uint64_t elapsed = now_ms - r->last_ms;
		if (elapsed > r->period_ms)
			elapsed = r->period_ms; /* a full refill; keeps the product small */
		r->credit += elapsed * r->count;
		if (r->credit > max)
			r->credit = max;
		r->last_ms = now_ms;
	}
	if (r->credit < r->period_ms) {
		r->dropped++;
		return false;
	}
	r->credit -= r->period_ms;
	return true;
}

/* A decimal in 1..max. */
static int parse_bounded(const char *s, uint32_t max, uint32_t *out)
{
	uint32_t v;

	if (parse_u32(s, &v) < 0 || v < 1 || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

int rate_limit_parse(const char *s, uint32_t *count, uint32_t *seconds)
{
	char n[16];
	const char *slash = strchr(s, '/');
	size_t len = slash ? (size_t)(slash - s) : strlen(s);

	if (len >= sizeof(n))
		return -EINVAL;
	memcpy(n, s, len);
	n[len] = '\0';
	if (parse_bounded(n, RATE_MAX_COUNT, count) < 0)
		return -EINVAL;
	*seconds = 1;
	return slash ? parse_bounded(slash + 1, RATE_MAX_SECONDS, seconds) : 0;
}
