# Shared set-up for the vmsilo-dbus-proxy tests (sourced after lib.sh): two
# private session buses, "guest" and "host", each a real dbus-daemon, and the
# proxy's two roles between them over a unix socket (what a guest-initiated
# hybrid-vsock connection is on the host side).
command -v dbus-daemon >/dev/null || skip "dbus-daemon is not installed"
PY=/usr/bin/python3
$PY -c 'import dbus, gi' 2>/dev/null || skip "python3-dbus and python3-gi are needed for the test peers"

PROXY=$B/tools/dbus-proxy/vmsilo-dbus-proxy
H=$VMSILO_SOURCE/tests/helpers
SOCK=$T/vsock.socket_5001

start_bus() { # name -> sets <NAME>_BUS
	local out
	out=$(dbus-daemon --session --fork --print-address=1 --print-pid=1) || fail "dbus-daemon did not start"
	local addr=${out%%$'\n'*} pid=${out##*$'\n'}
	PIDS+=("$pid")
	printf -v "${1}_BUS" '%s' "$addr"
}
start_bus HOST
start_bus GUEST

on_host() { DBUS_SESSION_BUS_ADDRESS=$HOST_BUS "$@"; }
on_guest() { DBUS_SESSION_BUS_ADDRESS=$GUEST_BUS "$@"; }

wait_for_name() { # bus-address name
	local i
	for ((i = 0; i < 200; i++)); do
		DBUS_SESSION_BUS_ADDRESS=$1 dbus-send --session --print-reply --dest=org.freedesktop.DBus \
			/org/freedesktop/DBus org.freedesktop.DBus.NameHasOwner "string:$2" 2>/dev/null |
			grep -q 'boolean true' && return 0
		sleep 0.05
	done
	fail "timed out waiting for $2 on $1"
}

# wait_for_line FILE PATTERN: waits until a line of FILE matches (grep -E).
wait_for_line() {
	local i
	for ((i = 0; i < 200; i++)); do
		grep -qE -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.05
	done
	cat "$1" >&2 2>/dev/null || true
	fail "timed out waiting for /$2/ in $1"
}

# a JSON field of the last line of FILE matching PATTERN, by a python expression on `e`
json_last() { # file pattern expr
	grep -E -- "$2" "$1" | tail -1 | $PY -c "import json,sys; e=json.loads(sys.stdin.read()); print($3)"
}

start_recorder() {
	bg env DBUS_SESSION_BUS_ADDRESS=$HOST_BUS $PY "$H/notify-recorder.py" "$T/rec"
	wait_for_path "$T/rec.ready"
}

start_host_proxy() { # extra args...
	bg env DBUS_SESSION_BUS_ADDRESS=$HOST_BUS "$PROXY" host --vm testvm --color "#ff0000" \
		--listen-unix "$SOCK" --seccomp enforce --log-level debug "$@" 2>>"$T/host.log"
	wait_for_path "$SOCK"
}

start_guest_proxy() { # extra args...
	bg env DBUS_SESSION_BUS_ADDRESS=$GUEST_BUS "$PROXY" guest --connect-unix "$SOCK" --timeout 10 \
		--log-level debug "$@" 2>>"$T/guest.log"
	wait_for_line "$T/host.log" "guest of VM 'testvm' connected"
}

# sanitizer_reports LOG...: prints what AddressSanitizer, LeakSanitizer or
# UndefinedBehaviorSanitizer wrote into the logs (the daemons' stderr), and
# returns 1 when there is any. In a plain build there never is.
SANITIZER_PATTERN='ERROR: [A-Za-z]*Sanitizer|runtime error:'
sanitizer_reports() {
	local log found=0
	for log in "$@"; do
		[ -f "$log" ] || continue
		if grep -qE -- "$SANITIZER_PATTERN" "$log"; then
			echo "--- sanitizer report in $log:" >&2
			grep -E -A20 -- "$SANITIZER_PATTERN" "$log" >&2
			found=1
		fi
	done
	return $found
}

# stop_and_check_sanitizers: ends every process the test started, newest first
# (the proxies before their buses), with SIGTERM so that each exits through
# its normal path and LeakSanitizer gets to run, then fails the test if any
# log in $T (or the last expect_fail's stderr) carries a sanitizer report or
# a process died of a signal. Every dbus-proxy test ends with it.
stop_and_check_sanitizers() {
	local i p n rc dead=()
	for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
		p=${PIDS[i]}
		kill -TERM "$p" 2>/dev/null || continue
		# only our own children (the proxies, the peers) are waited for: a
		# forked dbus-daemon's exit is not ours to see
		[ "$(awk '{ print $4 }' "/proc/$p/stat" 2>/dev/null)" = $$ ] || continue
		for ((n = 0; n < 100; n++)); do
			[ "$(awk '{ print $3 }' "/proc/$p/stat" 2>/dev/null)" = Z ] && break
			kill -0 "$p" 2>/dev/null || break
			sleep 0.05
		done
		kill -KILL "$p" 2>/dev/null || true
		rc=0
		wait "$p" 2>/dev/null || rc=$?
		# the proxies exit 0 on SIGTERM, the python peers die of it (143);
		# any other signal (SIGSYS from seccomp, SIGABRT from a sanitizer,
		# our SIGKILL after 5 s) is a failure
		[ "$rc" -le 128 ] || [ "$rc" = 143 ] || dead+=("$p: exit status $rc")
	done
	PIDS=()
	sanitizer_reports "$T"/*.log "$T/err" || fail "a sanitizer reported an error in the daemons' logs"
	[ ${#dead[@]} = 0 ] || fail "processes did not stop cleanly on SIGTERM: ${dead[*]}"
	pass "no sanitizer report in the daemons' logs"
}
