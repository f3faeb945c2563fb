/* SPDX-License-Identifier: MIT */
#include "unit-job.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "io.h"
#include "log.h"

#define SYSTEMD_DEST "org.freedesktop.systemd1"
#define SYSTEMD_PATH "/org/freedesktop/systemd1"
#define SYSTEMD_MANAGER "org.freedesktop.systemd1.Manager"

struct pending {
	struct unit_job *jobs;
	size_t n;
};

static int on_job_removed(sd_bus_message *m, void *userdata, sd_bus_error *e)
{
	struct pending *p = userdata;
	const char *path, *unit, *result;
	uint32_t id;
	(void)e;
	if (sd_bus_message_read(m, "uoss", &id, &path, &unit, &result) < 0)
		return 0;
	for (size_t i = 0; i < p->n; i++) {
		struct unit_job *j = &p->jobs[i];
		if (!j->path_ || strcmp(path, j->path_) != 0)
			continue;
		snprintf(j->result, sizeof(j->result), "%s", result);
		j->outcome = strcmp(result, "done") == 0 ? UNIT_JOB_DONE : UNIT_JOB_FAILED;
		free(j->path_);
		j->path_ = NULL;
	}
	return 0;
}

static void queue(sd_bus *bus, struct unit_job *j)
{
	sd_bus_error error = SD_BUS_ERROR_NULL;
	sd_bus_message *reply = NULL;
	const char *path;
	int r;

	j->result[0] = j->message[0] = '\0';
	j->path_ = NULL;
	r = sd_bus_call_method(bus, SYSTEMD_DEST, SYSTEMD_PATH, SYSTEMD_MANAGER,
			       j->stop ? "StopUnit" : "StartUnit", &error, &reply, "ss", j->unit, "replace");
	if (r < 0) {
		if (sd_bus_error_has_name(&error, "org.freedesktop.systemd1.NoSuchUnit"))
			j->outcome = UNIT_JOB_NO_UNIT;
		else if (sd_bus_error_has_name(&error, SD_BUS_ERROR_ACCESS_DENIED) ||
			 sd_bus_error_has_name(&error, SD_BUS_ERROR_INTERACTIVE_AUTHORIZATION_REQUIRED))
			j->outcome = UNIT_JOB_DENIED;
		else
			j->outcome = UNIT_JOB_ERROR;
		snprintf(j->message, sizeof(j->message), "%s", error.message ? error.message : strerror(-r));
		sd_bus_error_free(&error);
		return;
	}
	j->outcome = UNIT_JOB_NO_ANSWER;
	if (sd_bus_message_read(reply, "o", &path) >= 0)
		j->path_ = strdup(path);
	sd_bus_message_unref(reply);
}

static bool any_pending(const struct unit_job *jobs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (jobs[i].path_)
			return true;
	return false;
}

int unit_jobs_run(sd_bus *bus, struct unit_job *jobs, size_t n, bool wait, int timeout_ms)
{
	struct pending p = { .jobs = jobs, .n = n };
	int64_t deadline = deadline_after_ms(timeout_ms);
	sd_bus_slot *slot = NULL;
	int r, failed = 0;

	/* subscribe before queueing, so that no job's end can slip past */
	r = sd_bus_match_signal(bus, &slot, SYSTEMD_DEST, SYSTEMD_PATH, SYSTEMD_MANAGER, "JobRemoved",
				on_job_removed, &p);
	if (r < 0) {
		for (size_t i = 0; i < n; i++) {
			jobs[i].outcome = UNIT_JOB_ERROR;
			snprintf(jobs[i].message, sizeof(jobs[i].message),
				 "subscribing to systemd's job signals: %s", strerror(-r));
		}
		return (int)n;
	}
	for (size_t i = 0; i < n; i++)
		queue(bus, &jobs[i]);
	while (wait && any_pending(jobs, n)) {
		int left = deadline_left_ms(deadline);
		if (left == 0)
			break;
		r = sd_bus_process(bus, NULL);
		if (r < 0) {
			log_error_errno(r, "talking to systemd");
			break;
		}
		if (r == 0)
			sd_bus_wait(bus, (uint64_t)left * 1000);
	}
	for (size_t i = 0; i < n; i++) {
		struct unit_job *j = &jobs[i];
		if (j->path_ && !wait)
			j->outcome = UNIT_JOB_QUEUED;
		free(j->path_);
		j->path_ = NULL;
		failed += j->outcome != UNIT_JOB_DONE && j->outcome != UNIT_JOB_QUEUED;
	}
	sd_bus_slot_unref(slot);
	return failed;
}

int unit_job_bus_open(sd_bus **bus)
{
	int r = sd_bus_open_system(bus);
	if (r < 0)
		return log_error_errno(r, "connecting to the system bus (is systemd running?)");
	/* polkit may ask for a password on the terminal, as systemctl lets it */
	sd_bus_set_allow_interactive_authorization(*bus, isatty(STDIN_FILENO) > 0);
	return 0;
}
