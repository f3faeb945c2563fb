# USB passthrough end to end, without USB: vmsilo-usb-host and
# vmsilo-usb-guest work on fake sysfs trees of plain files (usb-lib.sh: the
# host's device, its driver, usbip-host; the guest's vhci_hcd.0), so the test
# reads back exactly what each program wrote, in order. The two talk through
# the hybrid vsock test peer (standing in for cloud-hypervisor) on port 5002.
# vm-usb's list and its checks before systemd are here; its D-Bus path runs
# under real systemd in nspawn-units.sh.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/usb-lib.sh"

export VMSILO_RUNTIME_DIR=$T/run VMSILO_CONFIG_DIR=$T/etc
mkdir -p "$T/etc" "$T/run/demo"
HOST=$B/tools/usb/vmsilo-usb-host
GUEST=$B/tools/usb/vmsilo-usb-guest
PEER=$B/tests/helpers/hybrid-vsock-peer
S=$T/sys
G=$T/guest-sys
DEV=$S/bus/usb/devices/1-2

fake_host() { usb_fake_host "$S"; }
fake_guest() { usb_fake_guest "$G"; }

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

# --- usage errors
expect_fail 2 "--vm and --device are required" "$HOST" --vm demo
expect_fail 2 "invalid bus id '1-2/../x'" "$HOST" --vm demo --device 1-2/../x
expect_fail 2 "invalid VM name" "$HOST" --vm Demo --device 1-2
expect_fail 2 "unexpected argument" "$GUEST" extra
"$HOST" --help | grepq "Usage: vmsilo-usb-host" || fail "--help"
"$GUEST" --version | grepq "vmsilo-usb-guest" || fail "--version"
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

# --- vm-usb: the list, with holders from the state files
VMUSB=$B/tools/usb/vm-usb
fake_host
mkdir -p "$S/devices/pci0000:00/0000:00:14.0/usb1/1-3"
ln -s ../../../devices/pci0000:00/0000:00:14.0/usb1/1-3 "$S/bus/usb/devices/1-3"
for a in idVendor:046d idProduct:c52b speed:12 busnum:1 devnum:7 bDeviceClass:00 \
	manufacturer:Logitech product:$'USB\x1bReceiver'; do
	printf '%s\n' "${a#*:}" >"$S/bus/usb/devices/1-3/${a%%:*}"
done
# a hub behind the root hub: never listed or passed
mkdir -p "$S/devices/pci0000:00/0000:00:14.0/usb1/1-4"
ln -s ../../../devices/pci0000:00/0000:00:14.0/usb1/1-4 "$S/bus/usb/devices/1-4"
for a in idVendor:05e3 idProduct:0608 speed:480 busnum:1 devnum:8 bDeviceClass:09 product:Hub; do
	printf '%s\n' "${a#*:}" >"$S/bus/usb/devices/1-4/${a%%:*}"
done
echo "Lenovo" >"$DEV/manufacturer"
printf 'vm=other\nbusid=1-2\ndriver=usb\npid=%d\nid=17ef:60e0\n' $HOLDER >"$T/run/other/usb/1-2"
"$VMUSB" --sysfs "$S" >"$T/list" || fail "vm-usb failed"
grep -q '^BUSID  *ID  *VM  *DEVICE$' "$T/list" || { cat "$T/list"; fail "no header"; }
grep -q '^1-2  *17ef:60e0  *other  *Lenovo Test Keyboard$' "$T/list" || { cat "$T/list"; fail "1-2 and its holder are not listed"; }
grep -q '^1-3  *046d:c52b  *-  *Logitech USB\\x1bReceiver$' "$T/list" || { cat "$T/list"; fail "1-3 is not listed (escaped)"; }
[ "$(wc -l <"$T/list")" = 3 ] || { cat "$T/list"; fail "root hubs or interfaces are listed"; }
expect_fail 1 "1-2 is attached to VM 'other', not to 'demo': vm-usb detach other 1-2" "$VMUSB" detach demo 1-2
kill $HOLDER
wait $HOLDER 2>/dev/null || true
VMSILO_SYSFS=$S "$VMUSB" list >"$T/list"
grep -q '^1-2  *17ef:60e0  *other (stale)' "$T/list" || fail "a dead holder is not marked stale"
pass "vm-usb lists devices (not hubs or interfaces), their holders, stale holders, escaped names; detach names the holder"

# --- vm-usb: usage errors, and absent devices before systemd is asked
expect_fail 2 "unknown command 'frob'" "$VMUSB" frob
expect_fail 2 "attach takes a VM name and a device" "$VMUSB" attach demo
expect_fail 2 "invalid VM name 'Demo'" "$VMUSB" attach Demo 1-2
expect_fail 2 "'17ef' is neither a bus id .* nor vid:pid" "$VMUSB" attach demo 17ef
expect_fail 2 "detach takes a bus id .* '17ef:60e0' is not one" "$VMUSB" detach demo 17ef:60e0
expect_fail 2 "detach takes a VM name and a bus id" "$VMUSB" detach demo
expect_fail 2 "attach --configured takes one VM name" "$VMUSB" attach --configured demo 1-2
expect_fail 2 "list takes no arguments" "$VMUSB" list x
"$VMUSB" --help >"$T/help"
grep -q "attach --configured" "$T/help" || fail "vm-usb --help"
export DBUS_SYSTEM_BUS_ADDRESS=unix:path=$T/no-bus
expect_fail 1 "there is no USB device 9-9" "$VMUSB" --sysfs "$S" attach demo 9-9
expect_fail 1 "no plugged-in USB device matches dead:beef" "$VMUSB" --sysfs "$S" attach demo dead:beef
expect_fail 1 "1-4 is a USB hub, which is not passed" "$VMUSB" --sysfs "$S" attach demo 1-4
expect_fail 1 "no plugged-in USB device matches 05e3:0608" "$VMUSB" --sysfs "$S" attach demo 05e3:0608
expect_fail 1 "connecting to the system bus" "$VMUSB" --sysfs "$S" attach demo 17ef:60e0
expect_fail 1 "connecting to the system bus" "$VMUSB" --sysfs "$S" detach demo 1-2
pass "vm-usb: usage errors exit 2; absent devices and hubs exit 1 before systemd is asked"

# --- vm-usb attach --configured: absent devices are logged, not fatal
printf '[VM]\nKernel=/k\nRootDisk=/r\n[Devices]\nUSB=dead:beef\nUSB=17ef:60e0:OTHERSERIAL\n' >"$T/etc/demo.vm"
"$VMUSB" --sysfs "$S" attach --configured demo 2>"$T/err" || { cat "$T/err"; fail "absent devices failed --configured"; }
grep -q "USB=dead:beef of VM 'demo' is not plugged in; skipped" "$T/err" || { cat "$T/err"; fail "absent device not logged"; }
grep -q "USB=17ef:60e0:OTHERSERIAL of VM 'demo' is not plugged in" "$T/err" || fail "the serial is not matched"
printf '[VM]\nKernel=/k\nRootDisk=/r\n[Devices]\nUSB=17ef:60e0:SN0001\n' >"$T/etc/demo.vm"
expect_fail 1 "connecting to the system bus" "$VMUSB" --sysfs "$S" attach --configured demo
expect_fail 1 "cannot read VM 'ghost'" "$VMUSB" --sysfs "$S" attach --configured ghost
pass "attach --configured: absent devices logged and skipped, a present one (serial matched) goes to systemd"
