# vmsilo-balloond facing a hostile VMM API and hostile guest reports, plus VM
# discovery while running, the real guest reporter and clean shutdown. Peers:
# tests/helpers/fake-ch-api (cloud-hypervisor's REST API per its docs/api.md
# and OpenAPI spec, with hostile modes) and vmsilo-guest-memstat itself.
source "$(dirname "$0")/lib.sh"
command -v socat >/dev/null || skip "socat is not installed (dev/packages.txt)"

export VMSILO_RUNTIME_DIR=$T/run VMSILO_CONFIG_DIR=$T/etc
mkdir -p "$VMSILO_RUNTIME_DIR" "$VMSILO_CONFIG_DIR"
printf '[VM]\nKernel=/k\nRootDisk=/r\nMemory=2048\n' >"$VMSILO_CONFIG_DIR/oldvm.vm"
D=$B/tools/balloond/vmsilo-balloond
CTL=$T/ctl

bg "$B/tests/helpers/fake-ch-api" --dir "$VMSILO_RUNTIME_DIR" --meminfo "$T/meminfo" --psi "$T/psi" \
	--ctl "$CTL" --host-total 16384 --host-used 9000 --report-interval 200 \
	--vm good:4096:1000 --vm evil:4096:1000 --vm oldvm:2048:300:crosvm
wait_for_path "$CTL"

ctl() { printf '%s\n' "$*" | socat -t 5 - "UNIX-CONNECT:$CTL"; }
resizes() { ctl state | awk -v vm="$1" '$2 == vm {for(i=1;i<=NF;i++) if ($i ~ /^resizes=/) {split($i,a,"="); print a[2]}}'; }
balloons() { ctl state | awk '/^vm /{printf "%s %s\n", $2, $4}'; }
row() { awk -v vm="$1" '$1 == vm' "$T/table"; }

# --- one evaluation per hostile mode: rejected with a log line, the other VM still served
once_with() { # [--vm NAME] mode pattern expected-row-regex
	local evil=evil
	if [ "$1" = --vm ]; then evil=$2; shift 2; fi
	local mode=$1 pattern=$2 want=$3 evil_before
	ctl mode $evil "$mode" >/dev/null
	evil_before=$(resizes $evil)
	"$D" --once --meminfo "$T/meminfo" --psi "$T/psi" >"$T/table" 2>"$T/err" || { cat "$T/err"; fail "$mode: daemon exited $?"; }
	grep -qE -- "$pattern" "$T/err" || { cat "$T/err"; fail "$mode: no log line matching /$pattern/"; }
	row good | grepq -vE ' skip | stale ' || { cat "$T/table"; fail "$mode: the good VM was not evaluated"; }
	row $evil | grepq -E -- "$want" || { cat "$T/table"; fail "$mode: $evil row is not /$want/"; }
	[ "$(resizes $evil)" = "$evil_before" ] || fail "$mode: the hostile VM's balloon was changed"
	ctl mode $evil normal >/dev/null
	pass "$evil: $mode rejected ($(grep -oE -- "$pattern" "$T/err" | head -1)); good VM served"
}
once_with api-garbage "invalid vm.info: body is not one complete JSON value" "skip +api-error"
once_with api-huge "Content-Length 999999999 exceeds" "skip +api-error"
once_with api-hang "no complete answer within the timeout" "skip +api-error"
once_with api-lie-memory "config.memory.size missing or not in" "skip +api-error"
once_with report-lie-total "MemTotal [0-9]+ exceeds the configured" "stale +no-report"
once_with report-lie-avail "MemAvailable [0-9]+ exceeds MemTotal" "stale +no-report"
once_with report-garbage "memstat report rejected: bad magic" "stale +no-report"
once_with --vm oldvm api-garbage "crosvm balloon stats failed: invalid balloon stats: answer is not one complete JSON value" "skip +api-error"
once_with --vm oldvm api-lie-memory "guest total_memory exceeds the configured 2048 MiB" "skip +api-error"
mv "$VMSILO_CONFIG_DIR/oldvm.vm" "$T/oldvm.vm.away"
once_with --vm oldvm normal "no usable \\[VM\\] Memory= in .*/oldvm.vm" "skip +api-error"
mv "$T/oldvm.vm.away" "$VMSILO_CONFIG_DIR/oldvm.vm"
ctl mode evil report-silent >/dev/null
"$D" --once --meminfo "$T/meminfo" --psi "$T/psi" >"$T/table" 2>"$T/err" || fail "silent reporter: daemon exited $?"
row evil | grepq -E "stale +no-report" || { cat "$T/table"; fail "a silent guest was not left alone"; }
pass "a guest that never reports is left alone"
ctl mode evil normal >/dev/null

# --- the long-running daemon
"$D" --poll-interval 0.3s --min-poll-interval 100ms --meminfo "$T/meminfo" --psi "$T/psi" \
	--log-level debug 2>"$T/daemon.log" &
DPID=$!; PIDS+=($DPID)
wait_log() { # pattern [seconds]
	local i
	for ((i = 0; i < ${2:-20} * 20; i++)); do grep -qE -- "$1" "$T/daemon.log" && return 0; sleep 0.05; done
	cat "$T/daemon.log" >&2; fail "daemon never logged /$1/"
}
wait_log "VM 'evil': guest reports"
grep -qE '^Seccomp:[[:space:]]+2' /proc/$DPID/status || fail "the daemon runs without its system call filter"
pass "the daemon runs under its seccomp filter (default --seccomp=enforce)"
ctl mode evil report-flood >/dev/null
wait_log "VM 'evil': memstat report rejected: more than 20 records in one second"
ctl mode evil report-time-back >/dev/null
wait_log "VM 'evil': memstat report rejected: timestamp [0-9]+ ms does not follow"
ctl mode evil normal >/dev/null
kill -0 $DPID || fail "daemon died on hostile reports"
pass "flooding and time-travelling reporters are cut off; daemon keeps running"

# discovery: a VM that appears and disappears while the daemon runs
mkdir -p "$T/late"
bg "$B/tests/helpers/fake-ch-api" --dir "$VMSILO_RUNTIME_DIR" --meminfo "$T/late/meminfo" --psi "$T/late/psi" \
	--ctl "$T/late/ctl" --host-total 16384 --vm late:2048:500
LATE=$!
wait_for_path "$T/late/ctl"
printf 'mode late report-silent\n' | socat -t 5 - "UNIX-CONNECT:$T/late/ctl" >/dev/null
wait_log "VM 'late': found"
wait_for_path "$VMSILO_RUNTIME_DIR/late/vsock.socket_5003"
pass "a new VM is discovered without a restart"

# the real guest reporter talks to the daemon (here over the unix socket the VMM would use)
printf 'MemTotal:        2000000 kB\nMemFree:          100 kB\nMemAvailable:     900000 kB\n' >"$T/guest-meminfo"
"$B/tools/balloond/vmsilo-guest-memstat" --socket "$VMSILO_RUNTIME_DIR/late/vsock.socket_5003" \
	--meminfo "$T/guest-meminfo" --interval 0.1 --count 3 || fail "vmsilo-guest-memstat failed"
wait_log "VM 'late': guest reports 878 MiB available of 1953 MiB"
pass "vmsilo-guest-memstat reports are accepted"

kill $LATE; wait $LATE 2>/dev/null || true
rm -rf "$VMSILO_RUNTIME_DIR/late"
wait_log "VM 'late': gone"
kill -0 $DPID || fail "daemon died"
pass "a removed VM is dropped"

# clean shutdown: balloons stay as they are, our sockets are removed
# (stopped first, so that no evaluation round falls between the sample and the signal)
kill -STOP $DPID
# a resize sent just before the stop may still be on its way to the fake VMM:
# take the sample once two reads in a row agree
before=$(balloons)
for _ in $(seq 50); do
	sleep 0.1
	now=$(balloons)
	[ "$now" = "$before" ] && break
	before=$now
done
kill -TERM $DPID
kill -CONT $DPID
rc=0; wait $DPID || rc=$?
[ "$rc" = 0 ] || { cat "$T/daemon.log"; fail "daemon exited $rc on SIGTERM"; }
grep -q "balloons stay as they are" "$T/daemon.log" || fail "no shutdown message"
[ "$(balloons)" = "$before" ] || fail "balloons changed at shutdown"
[ ! -e "$VMSILO_RUNTIME_DIR/good/vsock.socket_5003" ] || fail "memstat socket left behind"
pass "SIGTERM: exit 0, balloons untouched, sockets removed"

# usage errors
expect_fail 2 "min-poll-interval must not exceed" "$D" --poll-interval 1s --min-poll-interval 2s
expect_fail 2 "invalid --critical-guest-available" "$D" --critical-guest-available lots
expect_fail 2 "invalid --seccomp 'strict'" "$D" --seccomp strict
VMSILO_RUNTIME_DIR=$T/nonexistent expect_fail 1 "cannot read the runtime directory" "$D" --once
"$D" --help | grepq -- "--guest-available-bias" || fail "--help lacks options"
pass "usage errors exit 2, a missing runtime directory exits 1"
