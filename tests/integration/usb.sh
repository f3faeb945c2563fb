# USB passthrough end to end, without USB: vmsilo-usb-host and
# vmsilo-usb-guest work on fake sysfs trees of plain files (the host's device,
# its driver, usbip-host; the guest's vhci_hcd.0), so the test reads back
# exactly what each program wrote, in order. The two talk through the hybrid
# vsock test peer (standing in for cloud-hypervisor) on port 5002. The fake
# vhci status follows drivers/usb/usbip/vhci_sysfs.c; the stub's files follow
# drivers/usb/usbip/stub_dev.c and stub_main.c (match_busid "add"/"del").
source "$(dirname "$0")/lib.sh"

export VMSILO_RUNTIME_DIR=$T/run VMSILO_CONFIG_DIR=$T/etc
mkdir -p "$T/etc" "$T/run/demo"
HOST=$B/tools/usb/vmsilo-usb-host
GUEST=$B/tools/usb/vmsilo-usb-guest
PEER=$B/tests/helpers/hybrid-vsock-peer
S=$T/sys
G=$T/guest-sys
DEV=$S/bus/usb/devices/1-2

# A host device 1-2 (17ef:60e0, high speed, bus 1 device 5) bound to the generic driver "usb".
fake_host() {
	rm -rf "$S"
	mkdir -p "$S/devices/pci0000:00/0000:00:14.0/usb1/1-2" "$S/bus/usb/devices" \
		"$S/bus/usb/drivers/usb" "$S/bus/usb/drivers/usbip-host"
	ln -s ../../../devices/pci0000:00/0000:00:14.0/usb1/1-2 "$DEV"
	local a
	for a in idVendor:17ef idProduct:60e0 serial:SN0001 product:'Test Keyboard' speed:480 \
		busnum:1 devnum:5 bDeviceClass:00 usbip_status:1; do
		echo "${a#*:}" >"$DEV/${a%%:*}"
	done
	: >"$DEV/usbip_sockfd"
	ln -s ../../../../bus/usb/drivers/usb "$DEV/driver"
	: >"$S/bus/usb/drivers/usb/bind"; : >"$S/bus/usb/drivers/usb/unbind"
	: >"$S/bus/usb/drivers/usbip-host/match_busid"
	: >"$S/bus/usb/drivers/usbip-host/bind"; : >"$S/bus/usb/drivers/usbip-host/unbind"
	: >"$S/bus/usb/drivers_probe"
	# a root hub and an interface, which are not devices to pass
	mkdir -p "$S/bus/usb/devices/usb1" "$S/bus/usb/devices/1-2:1.0"
}

# The guest's vhci_hcd.0 with 8 + 8 ports: hs port 0 and ss port 8 in use.
fake_guest() {
	rm -rf "$G"
	local d=$G/devices/platform/vhci_hcd.0 i
	mkdir -p "$d"
	{
		echo "hub port sta spd dev      sockfd local_busid"
		echo "hs  0000 006 003 00030002 000003 3-1"
		for i in 1 2 3 4 5 6 7; do printf 'hs  %04u 004 000 00000000 000000 0-0\n' $i; done
		echo "ss  0008 006 005 00040002 000004 4-1"
		for i in 9 10 11 12 13 14 15; do printf 'ss  %04u 004 000 00000000 000000 0-0\n' $i; done
	} >"$d/status"
	: >"$d/attach"; : >"$d/detach"
}

PEER_PID=
# start_peer HANDLER-ARGS...: the VM's hybrid vsock socket with a handler on 5002
start_peer() {
	[ -z "$PEER_PID" ] || { kill "$PEER_PID"; wait "$PEER_PID" 2>/dev/null || true; }
	rm -f "$T/run/demo/vsock.socket"
	"$PEER" --socket "$T/run/demo/vsock.socket" "$@" 2>>"$T/peer.log" &
	PEER_PID=$!
	PIDS+=($PEER_PID)
	wait_for_path "$T/run/demo/vsock.socket"
}

wait_nonempty() { # file [seconds]
	local i
	for ((i = 0; i < ${2:-10} * 20; i++)); do [ -s "$1" ] && return 0; sleep 0.05; done
	fail "timed out waiting for $1 to be written"
}

want() { # file expected-content
	local got; got=$(cat "$1")
	[ "$got" = "$2" ] || fail "$1 holds '$got', expected '$2'"
}

# --- usage errors
expect_fail 2 "--vm and --device are required" "$HOST" --vm demo
expect_fail 2 "invalid bus id '1-2/../x'" "$HOST" --vm demo --device 1-2/../x
expect_fail 2 "invalid VM name" "$HOST" --vm Demo --device 1-2
expect_fail 2 "unexpected argument" "$GUEST" extra
"$HOST" --help | grep -q "Usage: vmsilo-usb-host" || fail "--help"
"$GUEST" --version | grep -q "vmsilo-usb-guest" || fail "--version"
pass "usage errors exit 2; --help and --version work"

# --- a missing device or driver is reported before anything is touched
fake_host
expect_fail 1 "there is no USB device 9-9" "$HOST" --sysfs "$S" --vm demo --device 9-9
rm -rf "$S/bus/usb/drivers/usbip-host"
expect_fail 1 "usbip-host kernel driver is not loaded .modprobe usbip-host" \
	"$HOST" --sysfs "$S" --vm demo --device 1-2
want "$S/bus/usb/drivers/usb/unbind" ""
[ ! -e "$T/run/demo/usb/1-2" ] || fail "a state file was left behind"
fake_host
echo 09 >"$DEV/bDeviceClass"
expect_fail 1 "is a hub" "$HOST" --sysfs "$S" --vm demo --device 1-2
pass "an absent device, a missing usbip-host and a hub are refused untouched"

# --- attach, hold, detach on SIGTERM
fake_host
fake_guest
start_peer --exec 5002 "$GUEST --sysfs $G"
"$HOST" --sysfs "$S" --vm demo --device 1-2 --timeout 10 2>"$T/host.log" &
HOST_PID=$!
PIDS+=($HOST_PID)
wait_nonempty "$DEV/usbip_sockfd"
want "$S/bus/usb/drivers/usb/unbind" "1-2"
want "$S/bus/usb/drivers/usbip-host/match_busid" "add 1-2"
want "$S/bus/usb/drivers/usbip-host/bind" "1-2"
grep -qx '[0-9]\+' "$DEV/usbip_sockfd" || fail "usbip_sockfd holds '$(cat "$DEV/usbip_sockfd")', not an fd"
# the guest: port 1 (the first free hs port), its stdin socket, devid 1<<16|5, high speed
want "$G/devices/platform/vhci_hcd.0/attach" "1 0 65541 3"
grep -qx 'driver=usb' "$T/run/demo/usb/1-2" || fail "the state file lacks the old driver"
grep -qx "pid=$HOST_PID" "$T/run/demo/usb/1-2" || fail "the state file lacks the holder"
pass "attach: unbound, given to usbip-host, guest port 1 with devid and speed, socket to the stub"

kill -TERM $HOST_PID
rc=0; wait $HOST_PID || rc=$?
[ $rc = 0 ] || { cat "$T/host.log"; fail "vmsilo-usb-host exited $rc on SIGTERM"; }
want "$DEV/usbip_sockfd" "$(head -1 "$DEV/usbip_sockfd")"$'\n'"-1"
want "$S/bus/usb/drivers/usbip-host/match_busid" "add 1-2"$'\n'"del 1-2"
want "$S/bus/usb/drivers/usbip-host/unbind" "1-2"
want "$S/bus/usb/drivers/usb/bind" "1-2"
want "$S/bus/usb/drivers_probe" ""
[ ! -e "$T/run/demo/usb/1-2" ] || fail "the state file is left after SIGTERM"
# the guest sees the connection end and frees its port
wait_nonempty "$G/devices/platform/vhci_hcd.0/detach"
want "$G/devices/platform/vhci_hcd.0/detach" "1"
pass "SIGTERM: -1 to the stub, released, back to driver 'usb', state gone, guest detached port 1"

# --- a super-speed device goes to the first free ss port
fake_host
fake_guest
echo 5000 >"$DEV/speed"
"$HOST" --sysfs "$S" --vm demo --device 1-2 --timeout 10 2>"$T/host.log" &
HOST_PID=$!
PIDS+=($HOST_PID)
wait_nonempty "$DEV/usbip_sockfd"
want "$G/devices/platform/vhci_hcd.0/attach" "9 0 65541 5"
kill -TERM $HOST_PID; wait $HOST_PID || fail "vmsilo-usb-host failed to stop"
pass "a super-speed device gets ss port 9"

# --- the guest refuses: no free port, no vhci_hcd
fake_host
fake_guest
sed -i 's/^hs  000\([1-7]\) 004/hs  000\1 006/' "$G/devices/platform/vhci_hcd.0/status"
expect_fail 1 "VM 'demo' refused 1-2: every virtual USB port of the guest is in use" \
	"$HOST" --sysfs "$S" --vm demo --device 1-2 --timeout 10
want "$S/bus/usb/drivers/usb/bind" "1-2"
want "$DEV/usbip_sockfd" ""
rm -rf "$G/devices"
fake_host
expect_fail 1 "refused 1-2: the guest has no vhci_hcd" "$HOST" --sysfs "$S" --vm demo --device 1-2 --timeout 10
want "$S/bus/usb/drivers/usb/bind" "1-2"
pass "a refusing guest (no free port, no vhci_hcd): the device goes back, nothing to the stub"

# --- hostile replies: each is refused and the device restored
cat >"$T/hostile.sh" <<'EOF'
#!/bin/bash
# reads the request, answers with the reply named by $1
head -c 52 >/dev/null
case $1 in
magic)     printf 'XUSR\x00\x01\x00\x0c\x00\x00\x00\x01' ;;
version)   printf 'VUSR\x00\x02\x00\x0c\x00\x00\x00\x01' ;;
status)    printf 'VUSR\x00\x01\x00\x0c\x00\x09\x00\x01' ;;
port)      printf 'VUSR\x00\x01\x00\x0c\x00\x00\x7f\xff' ;;
truncated) printf 'VUSR\x00\x01' ;;
oversized) printf 'VUSR\x00\x01\x10\x00\x00\x00\x00\x01'; head -c 4096 /dev/zero ;;
silent)    ;;
esac
EOF
chmod +x "$T/hostile.sh"
for bad in magic:'starts with .XUSR.' version:'version 2' status:'unknown status 9' \
	port:'port 32767 is beyond' truncated:'reply of 6 bytes' oversized:'claims 4096 bytes' \
	silent:'reply of 0 bytes'; do
	fake_host
	start_peer --exec 5002 "$T/hostile.sh ${bad%%:*}"
	expect_fail 1 "VM 'demo' answered with a malformed reply \(.*${bad#*:}.*\); not passing 1-2" \
		"$HOST" --sysfs "$S" --vm demo --device 1-2 --timeout 10
	want "$DEV/usbip_sockfd" ""
	want "$S/bus/usb/drivers/usbip-host/unbind" "1-2"
	want "$S/bus/usb/drivers/usb/bind" "1-2"
	[ ! -e "$T/run/demo/usb/1-2" ] || fail "a state file is left after a ${bad%%:*} reply"
done
pass "hostile replies (magic, version, status, port, truncated, oversized, silent) are refused; device restored"

# --- no guest listening: the host gives up after --timeout and restores the device
fake_host
start_peer --echo 5000
expect_fail 1 "cannot reach vmsilo-usb-guest in VM 'demo' \(vsock port 5002\)" \
	"$HOST" --sysfs "$S" --vm demo --device 1-2 --timeout 0.5
want "$S/bus/usb/drivers/usb/bind" "1-2"
pass "no listener on port 5002: a clear error after the timeout, device restored"

# --- a holder that died: the next start cleans up and uses the recorded driver
fake_host
fake_guest
start_peer --exec 5002 "$GUEST --sysfs $G"
rm "$DEV/driver"; ln -s ../../../../bus/usb/drivers/usbip-host "$DEV/driver"
printf 'vm=demo\nbusid=1-2\ndriver=usb\npid=999999\nid=17ef:60e0\n' >"$T/run/demo/usb/1-2"
"$HOST" --sysfs "$S" --vm demo --device 1-2 --timeout 10 2>"$T/host.log" &
HOST_PID=$!
PIDS+=($HOST_PID)
wait_nonempty "$DEV/usbip_sockfd"
grep -q "cleaning up after an earlier holder" "$T/host.log" || fail "the stale state was not noticed"
want "$S/bus/usb/drivers/usbip-host/bind" ""
kill -TERM $HOST_PID; wait $HOST_PID || fail "vmsilo-usb-host failed to stop"
want "$S/bus/usb/drivers/usb/bind" "1-2"
pass "a stale state file of a dead holder: cleaned up, device given back to the recorded driver"

# --- a live holder blocks a second one
fake_host
sleep 300 & HOLDER=$!
PIDS+=($HOLDER)
mkdir -p "$T/run/other/usb"
printf 'vm=other\nbusid=1-2\ndriver=usb\npid=%d\nid=17ef:60e0\n' $HOLDER >"$T/run/other/usb/1-2"
expect_fail 1 "1-2 is passed to VM 'other' already .* vm-usb detach other 1-2" \
	"$HOST" --sysfs "$S" --vm demo --device 1-2 --timeout 10
[ -e "$T/run/other/usb/1-2" ] || fail "the other VM's state file was removed"
want "$S/bus/usb/drivers/usb/unbind" ""
pass "a device held by a running vmsilo-usb-host of another VM is refused"
