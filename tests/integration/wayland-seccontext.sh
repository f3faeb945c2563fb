# vmsilo-wayland-seccontext against a test compositor that implements
# security-context-v1 from its published specification
# (tests/helpers/fake-seccontext-compositor.c; no installable compositor here
# offers the protocol). Checks: the context carries engine "vmsilo", app_id
# the VM and instance_id its color; READY=1 reaches $NOTIFY_SOCKET; a client
# connects through the VM socket and does not see the manager; SIGTERM closes
# close_fd and removes the socket; a compositor without the protocol, one
# that rejects the context, and one that dies all end the program with 1.
# The program runs under its default system call filter (--seccomp enforce)
# throughout, so a call missing from its allow-list fails the test.
source "$(dirname "$0")/lib.sh"
S=$B/tools/wayland-seccontext/vmsilo-wayland-seccontext
P=$B/tests/helpers/fake-seccontext-compositor
C=$B/tests/helpers/wl-test-client
[ -x "$P" ] || skip "libwayland-server is missing, so the test compositor was not built"
command -v socat >/dev/null || skip "socat is missing (it receives the sd_notify messages)"
export XDG_RUNTIME_DIR=$T
unset WAYLAND_DISPLAY

wait_for_line() { # file pattern: waits (bounded) until a line of file matches
	local i
	for ((i = 0; i < 200; i++)); do grep -qE -- "$2" "$1" 2>/dev/null && return 0; sleep 0.05; done
	cat "$1" >&2 2>/dev/null || true
	fail "timed out waiting for /$2/ in $1"
}
start_compositor() { # name [options]: the test compositor at $T/<name>.sock, recording to <name>.rec
	local name=$1; shift
	bg "$P" --socket "$T/$name.sock" --record "$T/$name.rec" "$@"
	wait_for_line "$T/$name.rec" '^listening$'
}
start_notify() { # name: a notify socket at $T/<name>.notify, datagrams appended to <name>.ready
	bg socat -u "UNIX-RECV:$T/$1.notify" "OPEN:$T/$1.ready,creat,append"
	wait_for_path "$T/$1.notify"
}
run_seccontext() { # name vm color: in the background, stderr to $T/<name>.err; sets $sc
	NOTIFY_SOCKET=$T/$1.notify "$S" --vm "$2" --color "$3" --socket "$T/$2/wayland.socket" \
		--display "$T/$1.sock" 2>"$T/$1.err" &
	sc=$!; PIDS+=($sc)
}

"$S" --help | grepq -- '--display' || fail "--help lacks --display"
"$S" --version | grepq '^vmsilo-wayland-seccontext ' || fail "--version"
expect_fail 2 'are required' "$S" --vm banking --color red
expect_fail 2 "invalid --color 'nocolor'" "$S" --vm banking --color nocolor --socket "$T/x.sock"
expect_fail 2 'invalid VM name' "$S" --vm 'bad name' --color red --socket "$T/x.sock"
expect_fail 2 'absolute path' "$S" --vm banking --color red --socket x.sock
expect_fail 2 "invalid --seccomp 'strict'" "$S" --vm banking --color red --socket "$T/x.sock" --seccomp strict
expect_fail 2 'unexpected argument' "$S" --vm banking --color red --socket "$T/x.sock" extra
pass "usage errors exit 2"

expect_fail 1 'cannot connect to the host compositor .*--display' \
	"$S" --vm banking --color red --socket "$T/x.sock" --display "$T/nothing.sock"
pass "no compositor: a clear error, exit 1"

# The main path, over a stale socket left by an earlier run.
mkdir -m 0700 "$T/banking"
python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$T/banking/wayland.socket"
start_compositor host
host_compositor=${PIDS[-1]}
start_notify host
run_seccontext host banking darkgreen
wait_for_line "$T/host.ready" '^READY=1$'
grep -qx 'commit engine=vmsilo app_id=banking instance_id=#006400' "$T/host.rec" \
	|| { cat "$T/host.rec"; fail "the compositor did not get the VM's context"; }
[ "$(stat -c '%a %F' "$T/banking/wayland.socket")" = "660 socket" ] \
	|| fail "VM socket: $(stat -c '%a %F' "$T/banking/wayland.socket")"
pass "READY=1 after commit: engine vmsilo, app_id banking, instance_id #006400, socket mode 0660"

"$C" globals "$T/banking/wayland.socket" >"$T/vm-globals" || fail "a client cannot connect through the VM socket"
wait_for_line "$T/host.rec" '^accepted app_id=banking$'
grep -qx wl_output "$T/vm-globals" || fail "the VM client saw no globals: $(cat "$T/vm-globals")"
grep -q security_context "$T/vm-globals" && fail "the VM client sees the security context manager"
"$C" globals "$T/host.sock" | grepq -x wp_security_context_manager_v1 || fail "the host client lacks the manager"
pass "a client connects through the VM socket, tagged, without the manager global"

kill -TERM $sc
rc=0; wait $sc || rc=$?
[ $rc = 0 ] || { cat "$T/host.err"; fail "SIGTERM: exit $rc"; }
[ ! -e "$T/banking/wayland.socket" ] || fail "the VM socket is still there after SIGTERM"
wait_for_line "$T/host.rec" '^close_fd closed app_id=banking$'
pass "SIGTERM: exit 0, close_fd closed, socket removed"
for m in set-twice:'wp_security_context_v1 already_set' after-commit:'wp_security_context_v1 already_used' \
	 commit-twice:'wp_security_context_v1 already_used' \
	 not-a-socket:'wp_security_context_manager_v1 invalid_listen_fd' \
	 not-listening:'wp_security_context_manager_v1 invalid_listen_fd'; do
	got=$("$C" "${m%%:*}" "$T/host.sock") || fail "wl-test-client ${m%%:*} failed"
	[ "$got" = "${m#*:}" ] || fail "test compositor, ${m%%:*}: got '$got', want '${m#*:}'"
done
pass "the test compositor enforces the protocol's rules (already_set, already_used, invalid_listen_fd)"
kill -TERM "$host_compositor"
rc=0; wait "$host_compositor" || rc=$?
[ $rc = 0 ] || fail "the test compositor exited $rc (a sanitizer report?)"

start_compositor plain --no-manager
expect_fail 1 'does not offer wp_security_context_manager_v1.*refusing' \
	"$S" --vm shopping --color blue --socket "$T/shopping.sock" --display "$T/plain.sock"
[ ! -e "$T/shopping.sock" ] || fail "a socket was created without a security context"
pass "compositor without security-context-v1: a clear error, exit 1, no socket"

mkdir -m 0700 "$T/picky-vm"
start_compositor picky --reject-app-id picky-vm
expect_fail 1 'rejected the security context.*invalid_metadata' \
	"$S" --vm picky-vm --color red --socket "$T/picky-vm/wayland.socket" --display "$T/picky.sock"
[ ! -e "$T/picky-vm/wayland.socket" ] || fail "the socket stayed after the context was rejected"
pass "a rejected context: the protocol error named, exit 1, socket removed"

echo 'not a socket' >"$T/file-in-way"
start_compositor way
expect_fail 1 'not a socket is in the way' \
	"$S" --vm banking --color red --socket "$T/file-in-way" --display "$T/way.sock"
[ "$(cat "$T/file-in-way")" = 'not a socket' ] || fail "a regular file at --socket was replaced"
pass "a regular file at --socket is left alone: exit 1"

mkdir -m 0700 "$T/untrusted"
start_compositor dying
compositor=${PIDS[-1]}
start_notify dying
run_seccontext dying untrusted red
wait_for_line "$T/dying.ready" '^READY=1$'
kill -KILL "$compositor"
rc=0; wait $sc || rc=$?
[ $rc = 1 ] && grep -q 'lost the connection to the compositor' "$T/dying.err" \
	|| { cat "$T/dying.err"; fail "compositor died: exit $rc"; }
[ ! -e "$T/untrusted/wayland.socket" ] || fail "the VM socket stayed after the compositor died"
pass "the compositor dies: exit 1 with a message, socket removed"
