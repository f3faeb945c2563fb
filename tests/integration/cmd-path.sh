# The command path end to end: vm-run -> command.socket (systemd-socket-activate
# --accept, as the .socket unit does) -> vmsilo-cmd-proxy -> hybrid vsock peer
# standing in for cloud-hypervisor -> vmsilo-guest-cmd --direct behind port 5000.
source "$(dirname "$0")/lib.sh"
command -v systemd-socket-activate >/dev/null || skip "systemd-socket-activate is not installed"

export VMSILO_RUNTIME_DIR=$T/run VMSILO_CONFIG_DIR=$T/etc
mkdir -p "$T/etc"
RUN=$B/tools/cmd/vm-run
PROXY=$B/tools/cmd/vmsilo-cmd-proxy
GUEST=$B/tools/cmd/vmsilo-guest-cmd
PEER=$B/tests/helpers/hybrid-vsock-peer

# start_vm NAME BOOT_TIMEOUT PEER-ARGS...: a "VM" with its command socket
start_vm() {
	local vm=$1 boot=$2; shift 2
	mkdir -p "$VMSILO_RUNTIME_DIR/$vm"
	bg "$PEER" --socket "$VMSILO_RUNTIME_DIR/$vm/vsock.socket" "$@"
	bg systemd-socket-activate -E VMSILO_RUNTIME_DIR --accept \
		-l "$VMSILO_RUNTIME_DIR/$vm/command.socket" "$PROXY" --boot-timeout "$boot" "$vm"
	wait_for_path "$VMSILO_RUNTIME_DIR/$vm/vsock.socket"
	wait_for_path "$VMSILO_RUNTIME_DIR/$vm/command.socket"
}

start_vm demo 20 --exec 5000 "$GUEST --direct"

# argv arrives byte for byte: spaces, quotes, $HOME, empty args, non-UTF-8
args=('a b' "it's" '"dq"' '$HOME' '' '*' $'tab\there' $'\xff\xfe bytes' $'new\nline' '--' '-p')
"$RUN" -p demo printf '%s\0' "${args[@]}" >"$T/argv.out"
printf '%s\0' "${args[@]}" >"$T/argv.want"
cmp "$T/argv.out" "$T/argv.want" || { od -c "$T/argv.out" | head; fail "argv not byte-exact"; }
pass "arguments arrive byte for byte (${#args[@]} tricky ones)"

# vm-run v touch 'a b' creates exactly one file named 'a b'
mkdir "$T/files"
"$RUN" -p --cwd "$T/files" demo touch 'a b' || fail "touch failed"
[ "$(ls "$T/files")" = 'a b' ] || fail "touch 'a b' created: $(ls "$T/files")"
pass "touch 'a b' creates one file named 'a b' (--cwd honoured)"

# stdin -> cat -> stdout, 1 MiB with checksum
head -c 1048576 /dev/urandom >"$T/in"
got=$("$RUN" -p demo cat <"$T/in" | sha256sum)
[ "$got" = "$(sha256sum <"$T/in")" ] || fail "1 MiB through cat differs"
pass "1 MiB through cat, checksum equal"

# a reader that starts late fills the proxy's queue while the guest has already
# hung up: nothing may be lost on the way out
for i in 1 2 3; do
	got=$("$RUN" -p demo cat <"$T/in" | { sleep 0.3; sha256sum; })
	[ "$got" = "$(sha256sum <"$T/in")" ] || fail "1 MiB to a slow reader differs (round $i)"
done
pass "a slow reader still gets every byte after the guest hung up"

# stdout and stderr stay apart
"$RUN" -p demo sh -c 'echo to-out; echo to-err >&2' >"$T/o" 2>"$T/e"
[ "$(cat "$T/o")" = to-out ] && [ "$(cat "$T/e")" = to-err ] || fail "stdout/stderr mixed up"
pass "stdout and stderr are separate"

# exit codes: 0, 7, and a signal (128+15)
"$RUN" -p demo true || fail "true did not exit 0"
rc=0; "$RUN" -p demo sh -c 'exit 7' || rc=$?
[ $rc = 7 ] || fail "exit 7 came back as $rc"
rc=0; "$RUN" -p demo sh -c 'kill -TERM $$' || rc=$?
[ $rc = 143 ] || fail "SIGTERM came back as $rc"
pass "exit codes 0, 7 and 128+SIGTERM"

# launch mode returns once the guest started the program
"$RUN" demo sh -c "echo launched >'$T/launched'" || fail "launch mode failed"
wait_for_path "$T/launched"
pass "launch mode starts a detached program"

# the environment carries only allow-listed variables
out=$(LANG=C.UTF-8 SECRET=leak "$RUN" -p demo sh -c 'echo "${LANG:-unset} ${SECRET:-unset}"')
[ "$out" = "C.UTF-8 unset" ] || fail "environment filtering: '$out'"
pass "only allow-listed environment variables pass"

# errors: missing program, missing VM, configured-but-inactive VM, usage
expect_fail 127 "VM 'demo': cannot execute 'no-such-program'" "$RUN" -p demo no-such-program
expect_fail 127 "cannot execute 'no-such-program'" "$RUN" demo no-such-program
expect_fail 1 "there is no VM named 'ghost'" "$RUN" ghost true
printf '[VM]\nKernel=/k\nRootDisk=/r\n' >"$T/etc/idle.vm"
expect_fail 1 "VM 'idle' is configured .* is its socket unit active" "$RUN" idle true
expect_fail 2 "invalid VM name 'host'" "$RUN" host true
expect_fail 2 "expected a VM name and a command" "$RUN" demo
pass "clear errors with the documented exit codes"

# a guest that boots late: port 5000 appears after 3 s
start_vm late 30 --exec 5000 "$GUEST --direct" --delay 5000 3
out=$("$RUN" -p late echo booted) || fail "late guest: vm-run failed"
[ "$out" = booted ] || fail "late guest answered '$out'"
pass "a guest that starts listening 3 s late still gets the command"

# a guest that never comes up: a timeout error naming the VM
start_vm dead 2
expect_fail 1 "VM 'dead' did not accept commands within 2 s.*journalctl -u vmsilo-dead-vm.service" "$RUN" -p dead true
pass "a guest that never comes up gives a timeout error naming the VM"

# hostile guests: the proxy ends the call with an error, nobody crashes
hostile() { # name reply-bytes-for-printf expected-error
	start_vm "$1" 10 --exec 5000 "cat >/dev/null & printf '$2'; sleep 1"
	expect_fail 1 "$3" "$RUN" -p "$1" true
	grep -q "VM '$1' sent" "$T/err" && fail "client saw no proxy error for $1"
	true
}
hostile oversize '\001\000\000\000' "the guest sent an oversized frame"
hostile badtype '\000\000\000\001\231' "the guest broke the command protocol"
hostile badexit '\000\000\000\006\205\000\000\000\001\000' "the guest broke the command protocol"
hostile ansi '\000\000\000\010\202\003\033[31m!!' "the guest broke the command protocol"
hostile truncated '\000\000\000\020\203abc' "connection to VM 'truncated' ended|the connection to the guest broke"
pass "oversized, unknown-type, bad-exit, escape-sequence and truncated replies are refused"

# the proxy is still serving the good VM afterwards
[ "$("$RUN" -p demo echo still-fine)" = still-fine ] || fail "demo broke"
pass "other calls are unaffected"
