/* SPDX-License-Identifier: MIT */
/* The balloon policy; see policy.h and docs/balloond.md ("Policy"). */
#include <errno.h>
#include <string.h>

#include "macro.h"
#include "policy.h"

/* Inputs are clamped to this (1 PiB) so that sums over all guests cannot overflow. */
#define POLICY_VALUE_MAX (1ull << 50)

void policy_config_defaults(struct policy_config *cfg)
{
	*cfg = (struct policy_config){
		.critical_host_percent = 5,
		.critical_guest_available = 256 * POLICY_MIB,
		.guest_available_bias = 400 * POLICY_MIB,
		.psi_ceiling = 25,
		.poll_ms = 2000,
		.min_poll_ms = 250,
	};
}

const char *policy_config_invalid(const struct policy_config *cfg)
{
	if (cfg->critical_host_percent > 50)
		return "--critical-host-percent must be 0..50";
	if (cfg->psi_ceiling < 1 || cfg->psi_ceiling > 100)
		return "--psi-ceiling must be 1..100";
	if (cfg->min_poll_ms < 10)
		return "--min-poll-interval must be at least 10ms";
	if (cfg->min_poll_ms > cfg->poll_ms)
		return "--min-poll-interval must not exceed --poll-interval";
	if (cfg->critical_guest_available > POLICY_VALUE_MAX || cfg->guest_available_bias > POLICY_VALUE_MAX)
		return "guest thresholds are larger than 1 PiB";
	return NULL;
}

unsigned policy_poll_interval(const struct policy_config *cfg, double psi)
{
	double ceiling = cfg->psi_ceiling ? (double)cfg->psi_ceiling : 1.0, span;

	if (!(psi > 0.0)) /* also catches NaN */
		return cfg->poll_ms;
	if (psi >= ceiling)
		return cfg->min_poll_ms;
	span = (double)(cfg->poll_ms - cfg->min_poll_ms);
	return cfg->poll_ms - (unsigned)(span * psi / ceiling);
}

static uint64_t clamp_value(uint64_t v)
{
	return v > POLICY_VALUE_MAX ? POLICY_VALUE_MAX : v;
}

/* A guest with its inputs made consistent: available <= memory, balloon <= memory. */
struct sane_guest {
	int64_t memory, balloon, available, floor, bias;
};

static struct sane_guest sanitize(const struct policy_config *cfg, const struct policy_guest *g)
{
	struct sane_guest s;

	s.memory = (int64_t)clamp_value(g->memory);
	s.balloon = (int64_t)MIN(clamp_value(g->balloon), (uint64_t)s.memory);
	s.available = (int64_t)MIN(clamp_value(g->available), (uint64_t)s.memory);
	s.floor = (int64_t)policy_guest_floor(cfg, g);
	s.bias = (int64_t)clamp_value(cfg->guest_available_bias);
	return s;
}

uint64_t policy_guest_floor(const struct policy_config *cfg, const struct policy_guest *g)
{
	uint64_t memory = clamp_value(g->memory), balloon = MIN(clamp_value(g->balloon), memory);
	uint64_t bias = 0;

	if (memory > 0) /* bias * fullness, in integers: both factors are < 2^50 */
		bias = (uint64_t)((unsigned __int128)clamp_value(cfg->guest_available_bias) * balloon / memory);
	return clamp_value(cfg->critical_guest_available) + bias;
}

static int64_t round_down_page(int64_t v)
{
	return v <= 0 ? 0 : v - v % (int64_t)POLICY_BALLOON_PAGE;
}

static void decide(struct policy_decision *d, const struct sane_guest *s, int64_t delta,
		   enum policy_reason reason)
{
	int64_t target = round_down_page(s->balloon + delta);

	if (target > s->memory)
		target = round_down_page(s->memory);
	/* Rounding must not turn "keep" or a small inflation into a deflation. */
	if (delta >= 0 && target < s->balloon)
		target = s->balloon;
	d->target = (uint64_t)target;
	d->reason = reason;
	if (target > s->balloon)
		d->action = POLICY_INFLATE;
	else if (target < s->balloon)
		d->action = POLICY_DEFLATE;
	else {
		d->action = POLICY_KEEP;
		d->reason = reason == POLICY_REASON_DEADBAND ? reason : POLICY_REASON_NONE;
		d->target = (uint64_t)s->balloon;
	}
}

/*
 * How much more the balloon may grow once it has grown by `done` already: the
 * guest must keep its floor *at the new balloon size*, so with x more,
 *   available - done - x >= critical + bias * (balloon + done + x) / memory,
 * i.e. x <= (available - done - floor(balloon + done)) * memory / (memory + bias).
 */
static int64_t inflate_room(const struct sane_guest *s, int64_t done)
{
	int64_t floor_now = s->floor + (int64_t)((__int128)s->bias * done / s->memory);
	int64_t room = s->available - done - floor_now;

	if (room <= 0)
		return 0;
	room = (int64_t)((__int128)room * s->memory / (s->memory + s->bias));
	return MIN(room, s->memory - s->balloon - done);
}

/*
 * Change for one guest in the normal (and, with critical set, the emergency)
 * regime. Positive: inflate.
 */
static int64_t guest_delta(const struct sane_guest *s, double fraction, bool critical,
			   enum policy_reason *reason)
{
	int64_t want_available = (int64_t)(fraction * (double)s->memory);
	int64_t delta = s->available - want_available;
	int64_t step = MAX((int64_t)POLICY_STEP_MIN, s->memory / (int64_t)POLICY_STEP_DIV);
	int64_t deadband = MAX((int64_t)POLICY_DEADBAND_MIN, s->memory / (int64_t)POLICY_DEADBAND_DIV);
	int64_t slack = s->available - s->floor;

	if (slack < 0) { /* below the floor: give back what is missing, whatever the host says */
		*reason = POLICY_REASON_FLOOR;
		return MAX(slack, -s->balloon);
	}
	*reason = POLICY_REASON_EQUALIZE;
	if (delta > inflate_room(s, 0))
		delta = inflate_room(s, 0);
	if (delta < 0 && critical)
		delta = 0; /* the host is short: nothing flows back */
	if (delta < -s->balloon)
		delta = -s->balloon;
	if (!critical && delta > step)
		delta = step;
	if (!critical && delta < -step)
		delta = -step;
	if (delta != 0 && delta > -deadband && delta < deadband) {
		*reason = POLICY_REASON_DEADBAND;
		delta = 0;
	}
	return delta;
}

int policy_evaluate(const struct policy_config *cfg, const struct policy_host *host,
		    const struct policy_guest *guests, unsigned n, struct policy_decision *out,
		    struct policy_summary *summary)
{
	struct sane_guest sane[POLICY_MAX_GUESTS];
	int64_t delta[POLICY_MAX_GUESTS];
	enum policy_reason reason[POLICY_MAX_GUESTS];
	int64_t host_total = (int64_t)clamp_value(host->total);
	int64_t host_available = (int64_t)MIN(clamp_value(host->available), (uint64_t)host_total);
	int64_t critical_line = host_total / 100 * (int64_t)cfg->critical_host_percent;
	int64_t pool_free = host_available, pool_size = host_total, reclaimed = 0, need;
	bool critical = host_available < critical_line;
	double fraction;

	if (n > POLICY_MAX_GUESTS)
		return -EINVAL;

	for (unsigned i = 0; i < n; i++) {
		sane[i] = sanitize(cfg, &guests[i]);
		out[i] = (struct policy_decision){ .action = POLICY_STALE, .reason = POLICY_REASON_NO_REPORT,
						   .target = guests[i].balloon, .floor = (uint64_t)sane[i].floor };
		if (!guests[i].fresh || sane[i].memory == 0)
			continue;
		pool_free += sane[i].available;
		pool_size += sane[i].memory;
	}
	fraction = pool_size > 0 ? (double)pool_free / (double)pool_size : 0.0;

	for (unsigned i = 0; i < n; i++) {
		delta[i] = 0;
		if (!guests[i].fresh || sane[i].memory == 0)
			continue;
		delta[i] = guest_delta(&sane[i], fraction, critical, &reason[i]);
		if (delta[i] > 0)
			reclaimed += delta[i];
	}

	/* Emergency: take the rest from the guests with the most slack first. */
	need = critical ? critical_line * (int64_t)POLICY_CRITICAL_RECOVER_MUL - host_available - reclaimed : 0;
	for (unsigned round = 0; need > 0 && round <= n; round++) {
		int best = -1;
		int64_t best_slack = 0;
		for (unsigned i = 0; i < n; i++) {
			int64_t slack;
			if (!guests[i].fresh || sane[i].memory == 0 || reason[i] == POLICY_REASON_FLOOR)
				continue;
			slack = inflate_room(&sane[i], MAX(delta[i], 0));
			if (slack >= (int64_t)POLICY_BALLOON_PAGE && slack > best_slack) {
				best = (int)i;
				best_slack = slack;
			}
		}
		if (best < 0)
			break; /* every guest is at its floor: nothing more to take */
		best_slack = MIN(best_slack, need);
		if (delta[best] < 0)
			delta[best] = 0;
		delta[best] += best_slack;
		reason[best] = POLICY_REASON_CRITICAL;
		need -= best_slack;
	}

	for (unsigned i = 0; i < n; i++)
		if (guests[i].fresh && sane[i].memory > 0)
			decide(&out[i], &sane[i], delta[i], reason[i]);

	if (summary) {
		summary->host_critical = critical;
		summary->free_fraction = fraction;
		summary->next_poll_ms = critical ? cfg->min_poll_ms : policy_poll_interval(cfg, host->psi_some_avg10);
	}
	return 0;
}

const char *policy_action_name(enum policy_action a)
{
	static const char *const names[] = { "keep", "inflate", "deflate", "stale" };
	return (unsigned)a < ARRAY_SIZE(names) ? names[a] : "?";
}

const char *policy_reason_name(enum policy_reason r)
{
	static const char *const names[] = { "-", "equalize", "critical", "floor", "deadband", "no-report" };
	return (unsigned)r < ARRAY_SIZE(names) ? names[r] : "?";
}
