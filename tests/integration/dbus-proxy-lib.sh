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
