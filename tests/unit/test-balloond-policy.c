/* SPDX-License-Identifier: MIT */
/* Unit tests of vmsilo-balloond's policy (a pure function: inputs -> targets). */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "policy.h"

#define MIB POLICY_MIB
#define GIB (1024ull * MIB)

static struct policy_config cfg(void)
{
	struct policy_config c;
	policy_config_defaults(&c);
	return c;
}

static struct policy_guest guest(uint64_t memory, uint64_t balloon, uint64_t available)
{
	return (struct policy_guest){ .fresh = true, .memory = memory, .balloon = balloon, .available = available };
}

/* The floor the guest must keep when its balloon is at `balloon`. */
static uint64_t floor_at(const struct policy_config *c, uint64_t memory, uint64_t balloon)
{
	struct policy_guest g = guest(memory, balloon, 0);
	return policy_guest_floor(c, &g);
}

/* Guest available memory after the decision, assuming it tracks the balloon 1:1. */
static int64_t available_after(const struct policy_guest *g, const struct policy_decision *d)
{
	return (int64_t)g->available - ((int64_t)d->target - (int64_t)g->balloon);
}

static void test_all_calm(void **state)
{
	struct policy_config c = cfg();
	struct policy_host h = { .total = 16 * GIB, .available = 8 * GIB };
	/* host and guests at the same free fraction (1/2), guests a little noisy */
	struct policy_guest g[3] = { guest(4 * GIB, 0, 2 * GIB), guest(4 * GIB, 512 * MIB, 2 * GIB + 40 * MIB),
				     guest(2 * GIB, 0, 1 * GIB - 30 * MIB) };
	struct policy_decision d[3];
	struct policy_summary s;

	assert_int_equal(policy_evaluate(&c, &h, g, 3, d, &s), 0);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(d[i].action, POLICY_KEEP);
		assert_int_equal(d[i].target, g[i].balloon);
	}
	assert_false(s.host_critical);
	assert_int_equal(s.next_poll_ms, 2000);
}

static void test_host_critical(void **state)
{
	struct policy_config c = cfg();
	struct policy_host h = { .total = 64 * GIB, .available = 1 * GIB, .psi_some_avg10 = 40 };
	struct policy_guest g[3] = { guest(4 * GIB, 0, 1536 * MIB), guest(4 * GIB, 0, 3 * GIB),
				     guest(4 * GIB, 2 * GIB, 200 * MIB) /* below its floor */ };
	struct policy_decision d[3];
	struct policy_summary s;

	assert_int_equal(policy_evaluate(&c, &h, g, 3, d, &s), 0);
	assert_true(s.host_critical);
	assert_int_equal(s.next_poll_ms, c.min_poll_ms);
	assert_int_equal(d[0].action, POLICY_INFLATE);
	assert_int_equal(d[1].action, POLICY_INFLATE);
	/* the guest with the most slack gives the most, both exactly down to their floors */
	assert_true(d[1].target - g[1].balloon > d[0].target - g[0].balloon);
	for (int i = 0; i < 2; i++) {
		int64_t after = available_after(&g[i], &d[i]);
		assert_true(after >= (int64_t)floor_at(&c, g[i].memory, d[i].target));
		assert_true(after < (int64_t)floor_at(&c, g[i].memory, d[i].target) + (int64_t)(8 * POLICY_BALLOON_PAGE));
	}
	/* a guest under its floor is given memory back even in an emergency */
	assert_int_equal(d[2].action, POLICY_DEFLATE);
	assert_int_equal(d[2].reason, POLICY_REASON_FLOOR);
}

static void test_host_critical_no_deflate(void **state)
{
	struct policy_config c = cfg();
	struct policy_host h = { .total = 16 * GIB, .available = 300 * MIB };
	/* lots of balloon, guest comfortable but less free than an equal share would give */
	struct policy_guest g = guest(8 * GIB, 4 * GIB, 1 * GIB);
	struct policy_decision d;

	assert_int_equal(policy_evaluate(&c, &h, &g, 1, &d, NULL), 0);
	assert_int_not_equal(d.action, POLICY_DEFLATE);
}

static void test_one_greedy_guest(void **state)
{
	struct policy_config c = cfg();
	struct policy_host h = { .total = 16 * GIB, .available = 6 * GIB };
	struct policy_guest g[2] = { guest(4 * GIB, 1 * GIB, 600 * MIB) /* greedy */, guest(4 * GIB, 0, 3 * GIB) };
	struct policy_decision d[2];

	assert_int_equal(policy_evaluate(&c, &h, g, 2, d, NULL), 0);
	assert_int_equal(d[0].action, POLICY_DEFLATE);
	assert_int_equal(d[1].action, POLICY_INFLATE);
	/* step limit: at most max(128 MiB, memory / 8) per round outside an emergency */
	assert_true(g[0].balloon - d[0].target <= 512 * MIB);
	assert_true(d[1].target - g[1].balloon <= 512 * MIB);
}

static void test_guest_below_floor(void **state)
{
	struct policy_config c = cfg();
	struct policy_host h = { .total = 16 * GIB, .available = 8 * GIB };
	struct policy_guest g = guest(4 * GIB, 1 * GIB, 300 * MIB); /* floor: 256 + 100 MiB */
	struct policy_decision d;

	assert_int_equal(policy_evaluate(&c, &h, &g, 1, &d, NULL), 0);
	assert_int_equal(d.action, POLICY_DEFLATE);
	assert_true(available_after(&g, &d) >= (int64_t)d.floor);
}

static void test_reporter_gone(void **state)
{
	struct policy_config c = cfg();
	struct policy_host h = { .total = 16 * GIB, .available = 100 * MIB }; /* even in an emergency */
	struct policy_guest g[2] = { guest(4 * GIB, 1 * GIB, 3 * GIB), guest(4 * GIB, 0, 3 * GIB) };
	struct policy_decision d[2];

	g[0].fresh = false;
	assert_int_equal(policy_evaluate(&c, &h, g, 2, d, NULL), 0);
	assert_int_equal(d[0].action, POLICY_STALE);
	assert_int_equal(d[0].reason, POLICY_REASON_NO_REPORT);
	assert_int_equal(d[0].target, 1 * GIB);
	assert_int_equal(d[1].action, POLICY_INFLATE);
}

static void test_limits_and_rounding(void **state)
{
	struct policy_config c = cfg();
	struct policy_host h = { .total = 16 * GIB + 12345, .available = 123457 };
	struct policy_guest g[4] = {
		guest(4 * GIB + 4097, 3, 3 * GIB + 777),     /* odd sizes */
		guest(1 * GIB, 5 * GIB, 9 * GIB),            /* balloon and available above memory */
		guest(0, 0, 0),                              /* memory unknown */
		guest(UINT64_MAX, UINT64_MAX, UINT64_MAX),   /* absurd */
	};
	struct policy_decision d[4];
	struct policy_guest many[POLICY_MAX_GUESTS + 1] = { 0 };
	struct policy_decision many_d[POLICY_MAX_GUESTS + 1];

	assert_int_equal(policy_evaluate(&c, &h, g, 4, d, NULL), 0);
	for (int i = 0; i < 4; i++) {
		if (d[i].action == POLICY_INFLATE || d[i].action == POLICY_DEFLATE) {
			assert_int_equal(d[i].target % POLICY_BALLOON_PAGE, 0);
			assert_true(d[i].target <= g[i].memory);
		}
	}
	assert_int_equal(d[2].action, POLICY_STALE);
	assert_int_equal(policy_evaluate(&c, &h, many, POLICY_MAX_GUESTS + 1, many_d, NULL), -EINVAL);

	/* floor scales with balloon fullness */
	assert_int_equal(floor_at(&c, 4 * GIB, 0), 256 * MIB);
	assert_int_equal(floor_at(&c, 4 * GIB, 2 * GIB), 456 * MIB);
	assert_int_equal(floor_at(&c, 4 * GIB, 4 * GIB), 656 * MIB);
	/* poll interval follows PSI linearly up to the ceiling */
	assert_int_equal(policy_poll_interval(&c, 0), 2000);
	assert_int_equal(policy_poll_interval(&c, 12.5), 1125);
	assert_int_equal(policy_poll_interval(&c, 25), 250);
	assert_int_equal(policy_poll_interval(&c, 90), 250);
	assert_int_equal(policy_poll_interval(&c, NAN), 2000);
	assert_int_equal(policy_poll_interval(&c, -3), 2000);
}

static uint64_t rnd(uint64_t *seed)
{
	*seed = *seed * 6364136223846793005ull + 1442695040888963407ull;
	return *seed >> 20;
}
#define RND() rnd(&seed)

/* Invariants over many pseudo-random inputs (fixed seed: reproducible). */
static void test_invariants_random(void **state)
{
	struct policy_config c = cfg();
	uint64_t seed = 0x9e3779b97f4a7c15ull;
	struct policy_guest g[8];
	struct policy_decision d[8];
	struct policy_summary s;

	for (int iter = 0; iter < 20000; iter++) {
		struct policy_host h;
		unsigned n;
		h.total = (RND() % 64 + 1) * GIB;
		h.available = RND() % h.total;
		h.psi_some_avg10 = (double)(RND() % 100);
		n = (unsigned)(RND() % 8) + 1;
		for (unsigned i = 0; i < n; i++) {
			uint64_t m = (RND() % 16384 + 1) * MIB;
			g[i] = guest(m, RND() % (m + 1), RND() % (m + 1));
			g[i].fresh = RND() % 8 != 0;
		}
		assert_int_equal(policy_evaluate(&c, &h, g, n, d, &s), 0);
		for (unsigned i = 0; i < n; i++) {
			if (!g[i].fresh) {
				assert_int_equal(d[i].action, POLICY_STALE);
				assert_int_equal(d[i].target, g[i].balloon);
				continue;
			}
			if (d[i].action == POLICY_KEEP) {
				assert_int_equal(d[i].target, g[i].balloon);
				continue;
			}
			assert_int_equal(d[i].target % POLICY_BALLOON_PAGE, 0);
			assert_true(d[i].target <= g[i].memory);
			if (d[i].action == POLICY_INFLATE)
				assert_true(available_after(&g[i], &d[i]) >= (int64_t)floor_at(&c, g[i].memory, d[i].target));
			if (d[i].action == POLICY_DEFLATE && s.host_critical)
				assert_int_equal(d[i].reason, POLICY_REASON_FLOOR);
		}
	}
}

/* A closed loop: guests and host respond exactly to the balloon, load is constant. */
static void test_steady_state_no_oscillation(void **state)
{
	struct policy_config c = cfg();
	struct policy_host h = { .total = 32 * GIB, .available = 20 * GIB };
	struct policy_guest g[4] = { guest(4 * GIB, 0, 3 * GIB), guest(8 * GIB, 0, 2 * GIB),
				     guest(2 * GIB, 0, 1800 * MIB), guest(4 * GIB, 0, 700 * MIB) };
	struct policy_decision d[4];
	unsigned changes = 0, changes_late = 0;

	for (int round = 0; round < 60; round++) {
		assert_int_equal(policy_evaluate(&c, &h, g, 4, d, NULL), 0);
		for (int i = 0; i < 4; i++) {
			int64_t delta = (int64_t)d[i].target - (int64_t)g[i].balloon;
			if (delta == 0)
				continue;
			changes++;
			if (round >= 20)
				changes_late++;
			g[i].balloon = d[i].target;
			g[i].available = (uint64_t)((int64_t)g[i].available - delta);
			h.available = (uint64_t)((int64_t)h.available + delta);
		}
	}
	/* it converges, then stays put */
	assert_int_equal(changes_late, 0);
	assert_true(changes > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_all_calm),
		cmocka_unit_test(test_host_critical),
		cmocka_unit_test(test_host_critical_no_deflate),
		cmocka_unit_test(test_one_greedy_guest),
		cmocka_unit_test(test_guest_below_floor),
		cmocka_unit_test(test_reporter_gone),
		cmocka_unit_test(test_limits_and_rounding),
		cmocka_unit_test(test_invariants_random),
		cmocka_unit_test(test_steady_state_no_oscillation),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
