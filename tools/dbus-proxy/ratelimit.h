/* SPDX-License-Identifier: MIT */
/*
 * A token bucket for what a guest may send per unit of time: up to `count`
 * at once, refilled at `count` per `period_ms`. Pure arithmetic on a clock the
 * caller passes in (milliseconds, monotonic), so it is tested without sleeping.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#define RATE_MAX_COUNT 10000u
#define RATE_MAX_SECONDS 3600u

struct rate_limit {
	uint32_t count;     /* tokens per period, and the bucket's size */
	uint64_t period_ms;
	uint64_t credit;    /* in units of 1/period_ms of a token: a token is period_ms units */
	uint64_t last_ms;
	uint64_t dropped;   /* refused since the last admitted one */
};

/* A full bucket. count 1..RATE_MAX_COUNT, seconds 1..RATE_MAX_SECONDS. */
void rate_limit_init(struct rate_limit *r, uint32_t count, uint32_t seconds, uint64_t now_ms);

/* Takes a token if there is one. A refusal is counted in r->dropped. */
bool rate_limit_take(struct rate_limit *r, uint64_t now_ms);

/* "N" (per second) or "N/SECONDS", within the limits above. Returns 0 or -EINVAL. */
int rate_limit_parse(const char *s, uint32_t *count, uint32_t *seconds);
