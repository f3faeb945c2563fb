/* SPDX-License-Identifier: MIT */
/*
 * Starting and stopping units through systemd's D-Bus API (StartUnit and
 * StopUnit on org.freedesktop.systemd1.Manager, mode "replace"), as vm-start,
 * vm-stop and vm-usb do. The jobs are queued first and then waited for
 * together: systemd sends JobRemoved for a job to the client that queued it.
 * Nothing here logs what the jobs were for; callers say that, knowing why.
 */
#pragma once

#include <stdbool.h>
#include <systemd/sd-bus.h>

enum unit_job_outcome {
	UNIT_JOB_DONE,      /* the job finished with result "done" */
	UNIT_JOB_QUEUED,    /* queued, not waited for */
	UNIT_JOB_FAILED,    /* it finished with another result (failed, dependency, timeout...) */
	UNIT_JOB_NO_ANSWER, /* queued, but no JobRemoved came before the deadline */
	UNIT_JOB_NO_UNIT,   /* systemd knows no such unit */
	UNIT_JOB_DENIED,    /* polkit refused */
	UNIT_JOB_ERROR,     /* another D-Bus error; see message */
};

struct unit_job {
	const char *unit; /* in: the unit's full name */
	bool stop;        /* in: StopUnit, else StartUnit */
	enum unit_job_outcome outcome;
	char result[32];   /* systemd's job result ("done", "failed", ...) or "" */
	char message[256]; /* the D-Bus error text for UNIT_JOB_ERROR */
	char *path_;       /* the job's object path while it is pending */
};

/* The verb for messages: "start" or "stop". */
static inline const char *unit_job_verb(const struct unit_job *j)
{
	return j->stop ? "stop" : "start";
}

/*
 * Queues each of jobs[0..n); with wait, waits up to timeout_ms for all of
 * them. Fills every job's outcome. Returns the number of jobs whose outcome
 * is not DONE or QUEUED (a failure of the bus itself is logged, and leaves
 * the jobs it cut off as NO_ANSWER).
 */
int unit_jobs_run(sd_bus *bus, struct unit_job *jobs, size_t n, bool wait, int timeout_ms);

/* Opens the system bus, letting polkit ask for a password when stdin is a terminal; logs failures. */
int unit_job_bus_open(sd_bus **bus);
