/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

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

static int parse_bounded(const char *s, const char *end, uint32_t max, uint32_t *out)
{
	unsigned long v = 0;

	if (s == end || end - s > 10)
		return -EINVAL;
	for (const char *p = s; p < end; p++) {
		if (*p < '0' || *p > '9')
			return -EINVAL;
		v = v * 10 + (unsigned long)(*p - '0');
	}
	if (v < 1 || v > max)
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}

int rate_limit_parse(const char *s, uint32_t *count, uint32_t *seconds)
{
	const char *slash = strchr(s, '/');

	if (parse_bounded(s, slash ? slash : s + strlen(s), RATE_MAX_COUNT, count) < 0)
		return -EINVAL;
	if (!slash) {
		*seconds = 1;
		return 0;
	}
	return parse_bounded(slash + 1, slash + 1 + strlen(slash + 1), RATE_MAX_SECONDS, seconds);
}
