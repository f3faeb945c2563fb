/* SPDX-License-Identifier: MIT */
/*
 * The measuring end of bench/notify-latency: one process on both buses. On
 * the host bus it is the notification server; on the guest bus it is the
 * application calling Notify. Each of N notifications is sent, then the probe
 * waits for it to arrive at its server and records the time in between.
 *
 *   notify-latency-probe GUEST_BUS_ADDRESS HOST_BUS_ADDRESS COUNT
 *
 * Prints median, p99 and max in microseconds.
 */
#include <dbus/dbus.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PROBE_WAIT_MS 5000 /* one notification that takes longer fails the run */

static int64_t now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static DBusConnection *open_bus(const char *addr)
{
	DBusError e = DBUS_ERROR_INIT;
	DBusConnection *c = dbus_connection_open_private(addr, &e);
	if (!c || !dbus_bus_register(c, &e)) {
		fprintf(stderr, "notify-latency-probe: cannot connect to %s: %s\n", addr, e.message);
		exit(1);
	}
	return c;
}

static int cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

/* Waits for the next Notify on the host bus, answers it, returns its summary's sequence number. */
static long serve_one(DBusConnection *host, uint32_t reply_id)
{
	int64_t deadline = now_us() + PROBE_WAIT_MS * 1000LL;

	while (now_us() < deadline) {
		dbus_connection_read_write(host, 10);
		DBusMessage *m;
		while ((m = dbus_connection_pop_message(host))) {
			long seq = -1;
			if (dbus_message_is_method_call(m, "org.freedesktop.Notifications", "Notify")) {
				DBusMessageIter it;
				const char *summary;
				dbus_message_iter_init(m, &it);
				for (int i = 0; i < 3; i++)
					dbus_message_iter_next(&it);
				dbus_message_iter_get_basic(&it, &summary);
				const char *p = strrchr(summary, '#');
				seq = p ? strtol(p + 1, NULL, 10) : -1;
				DBusMessage *r = dbus_message_new_method_return(m);
				dbus_message_append_args(r, DBUS_TYPE_UINT32, &reply_id, DBUS_TYPE_INVALID);
				dbus_connection_send(host, r, NULL);
				dbus_message_unref(r);
			}
			dbus_message_unref(m);
			if (seq >= 0)
				return seq;
		}
	}
	return -1;
}

int main(int argc, char **argv)
{
	DBusError e = DBUS_ERROR_INIT;
	DBusConnection *guest, *host;
	int64_t *lat;
	long n;

	if (argc != 4 || (n = strtol(argv[3], NULL, 10)) < 1 || n > 1000000) {
		fprintf(stderr, "usage: notify-latency-probe GUEST_BUS HOST_BUS COUNT\n");
		return 2;
	}
	guest = open_bus(argv[1]);
	host = open_bus(argv[2]);
	if (dbus_bus_request_name(host, "org.freedesktop.Notifications", DBUS_NAME_FLAG_DO_NOT_QUEUE, &e) !=
	    DBUS_REQUEST_NAME_REPLY_PRIMARY_OWNER) {
		fprintf(stderr, "notify-latency-probe: cannot own the host notification server name\n");
		return 1;
	}
	lat = calloc((size_t)n, sizeof(*lat));
	for (long i = 0; i < n; i++) {
		char summary[64];
		const char *app = "bench", *icon = "", *body = "body text", *s = summary;
		uint32_t replaces = 0;
		int32_t expire = -1;
		DBusMessageIter it, arr;
		snprintf(summary, sizeof(summary), "latency #%ld", i);
		DBusMessage *m = dbus_message_new_method_call("org.freedesktop.Notifications",
							      "/org/freedesktop/Notifications",
							      "org.freedesktop.Notifications", "Notify");
		dbus_message_iter_init_append(m, &it);
		dbus_message_iter_append_basic(&it, DBUS_TYPE_STRING, &app);
		dbus_message_iter_append_basic(&it, DBUS_TYPE_UINT32, &replaces);
		dbus_message_iter_append_basic(&it, DBUS_TYPE_STRING, &icon);
		dbus_message_iter_append_basic(&it, DBUS_TYPE_STRING, &s);
		dbus_message_iter_append_basic(&it, DBUS_TYPE_STRING, &body);
		dbus_message_iter_open_container(&it, DBUS_TYPE_ARRAY, "s", &arr);
		dbus_message_iter_close_container(&it, &arr);
		dbus_message_iter_open_container(&it, DBUS_TYPE_ARRAY, "{sv}", &arr);
		dbus_message_iter_close_container(&it, &arr);
		dbus_message_iter_append_basic(&it, DBUS_TYPE_INT32, &expire);
		dbus_message_set_no_reply(m, TRUE);
		int64_t t0 = now_us();
		dbus_connection_send(guest, m, NULL);
		dbus_connection_flush(guest);
		dbus_message_unref(m);
		long got = serve_one(host, (uint32_t)i + 1);
		if (got != i) {
			fprintf(stderr, "notify-latency-probe: notification %ld did not arrive (got %ld)\n", i, got);
			return 1;
		}
		lat[i] = now_us() - t0;
		/* drain the guest side (NameAcquired and such) */
		dbus_connection_read_write(guest, 0);
		while ((m = dbus_connection_pop_message(guest)))
			dbus_message_unref(m);
	}
	qsort(lat, (size_t)n, sizeof(*lat), cmp);
	printf("notifications: %ld\n", n);
	printf("latency median: %.3f ms\n", lat[n / 2] / 1000.0);
	printf("latency p99:    %.3f ms\n", lat[(n * 99) / 100 < n ? (n * 99) / 100 : n - 1] / 1000.0);
	printf("latency max:    %.3f ms\n", lat[n - 1] / 1000.0);
	free(lat);
	return 0;
}
