/* SPDX-License-Identifier: MIT */
/*
 * Socket activation without linking libsystemd (whose start-up cost shows in
 * every per-connection process): the sd_listen_fds(3) protocol, where systemd
 * passes $LISTEN_PID and $LISTEN_FDS and the descriptors from 3 on.
 */
#pragma once

#define LISTEN_FDS_START 3

/* Number of passed descriptors (0 if none or not for us); unsets the variables. */
int listen_fds(void);
