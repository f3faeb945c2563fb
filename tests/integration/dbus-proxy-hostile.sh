# vmsilo-dbus-proxy host role against a hostile guest: each crafted message
# (tests/helpers/dbus-proxy-hostile.c) must make the host hang up and log why,
# and nothing from it may reach the host bus, where a recording notification
# server listens. A valid message afterwards still goes through.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/dbus-proxy-lib.sh"
HOSTILE=$B/tests/helpers/dbus-proxy-hostile

start_recorder
start_host_proxy

check() { # case log-pattern
	"$HOSTILE" "$SOCK" "$1" || fail "case $1: host did not hang up"
	wait_for_line "$T/host.log" "$2"
	pass "$1: host disconnected ($2)"
}
check oversized-string 'body is 100000 bytes, over the limit of 16384'
check bad-utf8 'body is not valid UTF-8'
check huge-pixmap 'hint image is 10000x10000, outside 1..256'
check length-mismatch 'hint image data is 1023 bytes, 16x16 ARGB32 needs 1024'
check deep-menu 'menu deeper than 8 levels'
check many-actions '10000 action strings, over the limit of 32'
check odd-actions 'odd action list'
check bad-action-key 'action key #0 does not match'
check unknown-type 'unknown message type 0x42'
check host-only-type 'sent ACTION_INVOKED, which only the host may send'
check bad-version 'protocol version 9, expected 1'
check trailing-bytes 'trailing bytes after NOTIFY'
check truncated-frame 'inside a message .truncated frame.'
check oversized-frame 'announced a message over 3145728 bytes'

"$HOSTILE" "$SOCK" valid || fail "the host hung up on a valid message"
wait_for_line "$T/rec" '"summary": "\[testvm\] GOOD"'
pass "after all that, a valid notification still goes through"

! grep -q EVIL "$T/rec" || fail "crafted data reached the host bus: $(grep EVIL "$T/rec")"
pass "nothing from a malformed message reached the host bus"

# the sanitizer check used at the end of every dbus-proxy test finds reports
mkdir "$T/selftest"
printf '==42==ERROR: AddressSanitizer: heap-use-after-free on address 0x1\n' >"$T/selftest/a.log"
printf 'wire.c:10:5: runtime error: signed integer overflow\n' >"$T/selftest/b.log"
printf '==42==ERROR: LeakSanitizer: detected memory leaks\n' >"$T/selftest/c.log"
echo "guest of VM 'testvm' connected" >"$T/selftest/d.log"
for f in a b c; do
	! sanitizer_reports "$T/selftest/$f.log" 2>/dev/null || fail "sanitizer report in $f.log not detected"
done
sanitizer_reports "$T/selftest/d.log" || fail "a clean log was taken for a sanitizer report"
rm -r "$T/selftest"
pass "sanitizer reports (ASan, UBSan, LSan) in a log are detected"

# A flood of well-formed notifications is cut to the rate limit: with 5 per
# minute, a burst of 200 yields the bucket of 5, the rest is dropped with one
# warning, and the connection stays up.
bg env DBUS_SESSION_BUS_ADDRESS=$HOST_BUS "$PROXY" host --vm testvm --color "#ff0000" \
	--listen-unix "$T/flood.sock" --notify-rate 5/60 2>>"$T/flood.log"
wait_for_path "$T/flood.sock"
"$HOSTILE" "$T/flood.sock" flood || fail "the host hung up on a flood of valid notifications"
wait_for_line "$T/flood.log" "VM 'testvm' sends notifications faster than 5 per 60 s: dropping the excess"
wait_for_line "$T/rec" '"summary": "\[testvm\] FLOOD 4"'
sleep 0.5
n=$(grep -c '\[testvm\] FLOOD' "$T/rec")
[ "$n" = 5 ] || fail "rate limit 5/60: $n of 200 flooding notifications reached the host server"
[ "$(grep -c 'faster than 5 per 60 s' "$T/flood.log")" = 1 ] || fail "more than one rate-limit warning"
pass "a burst of 200 notifications is cut to the 5 that --notify-rate 5/60 allows"
expect_fail 2 "invalid --notify-rate '0/5'" "$PROXY" host --vm testvm --color '#000000' --notify-rate 0/5
expect_fail 2 "invalid --notify-rate '5/x'" "$PROXY" host --vm testvm --color '#000000' --notify-rate 5/x
expect_fail 2 "--notify-rate belongs to the host role" "$PROXY" guest --notify-rate 5
pass "--notify-rate usage errors"

# The other two ways the host role gets its socket; the valid case proves each serves.
export VMSILO_RUNTIME_DIR=$T/run
mkdir -p "$VMSILO_RUNTIME_DIR/testvm"
bg env DBUS_SESSION_BUS_ADDRESS=$HOST_BUS "$PROXY" host --vm testvm --color "#ff0000" 2>>"$T/host2.log"
wait_for_path "$VMSILO_RUNTIME_DIR/testvm/vsock.socket_5001"
"$HOSTILE" "$VMSILO_RUNTIME_DIR/testvm/vsock.socket_5001" valid || fail "default path: valid message refused"
"$HOSTILE" "$VMSILO_RUNTIME_DIR/testvm/vsock.socket_5001" deep-menu || fail "default path: no hang-up"
pass "by default the host role listens on <runtime>/<vm>/vsock.socket_5001"

command -v systemd-socket-activate >/dev/null ||
	{ stop_and_check_sanitizers; skip "systemd-socket-activate is not installed"; }
bg env DBUS_SESSION_BUS_ADDRESS=$HOST_BUS systemd-socket-activate -E DBUS_SESSION_BUS_ADDRESS -l "$T/activated.sock" \
	"$PROXY" host --vm testvm --color "#ff0000" 2>>"$T/host3.log"
wait_for_path "$T/activated.sock"
"$HOSTILE" "$T/activated.sock" valid || fail "socket-activated: valid message refused"
"$HOSTILE" "$T/activated.sock" bad-utf8 || fail "socket-activated: no hang-up"
"$HOSTILE" "$T/activated.sock" valid || fail "socket-activated: second connection refused"
pass "socket-activated, the host role serves connection after connection"
for _ in $(seq 200); do [ "$(grep -c '\[testvm\] GOOD' "$T/rec")" -ge 4 ] && break; sleep 0.05; done
[ "$(grep -c '\[testvm\] GOOD' "$T/rec")" = 4 ] || fail "expected 4 valid notifications at the host server"
! grep -q EVIL "$T/rec" || fail "crafted data reached the host bus"
pass "every valid notification arrived, no crafted one did"
stop_and_check_sanitizers
