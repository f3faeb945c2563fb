# The unit chain under real systemd (PID 1 in a container): the generator
# runs on daemon-reload, vm-run socket-activates the VM through the generated
# socket and per-call service, the proxy logs to the journal, and stopping
# the VM stops every per-VM unit. The VMM is vmsilo-test-vmm (no KVM here),
# which serves the hybrid vsock socket with vmsilo-guest-cmd behind port 5000.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/nspawn-lib.sh"
source "$(dirname "$0")/usb-lib.sh"

nspawn_prepare
# Units name a few vmsilo programs this build may not include yet; give the
# verify step below stand-ins for those (real ones are used where they exist).
for prog in vmsilo-net vmsilo-dbus-proxy vmsilo-wayland-seccontext; do
	[ -e "$STAGE$PREFIX/bin/$prog" ] && continue
	echo "# $prog is not built yet: a stand-in is used for systemd-analyze verify"
	printf '#!/bin/sh\nexit 1\n' >"$STAGE$PREFIX/bin/$prog"
	chmod +x "$STAGE$PREFIX/bin/$prog"
done
mkdir -p "$T/etc" "$T/usbfake"
nspawn_boot vmsilo-units-$$ --bind-ro="$T/etc:/etc/vmsilo" --bind-ro="$VMSILO_SOURCE/tests/data/vm/good:/srv/fixtures" \
	--bind="$T/usbfake:/srv/usbfake"
CLEANUPS+=("nspawn_stop")

cat >"$T/etc/demo.vm" <<VM
[VM]
Kernel=/etc/os-release
RootDisk=/etc/os-release
Memory=512
CPUs=1
[GPU]
Wayland=no
[Sound]
Playback=no
[DBus]
Notifications=no
[Programs]
CloudHypervisor=$PREFIX/libexec/vmsilo/vmsilo-test-vmm
VM
printf '[VM]\nKernel=/k\nRootDisk=/r\nMemroy=1\n' >"$T/etc/broken.vm"

in_ct systemctl daemon-reload
in_ct systemctl list-unit-files 'vmsilo-*' --no-legend >"$T/units"
for u in vmsilo-demo.socket vmsilo-demo@.service vmsilo-demo-prep.service vmsilo-demo-vm.service; do
	grep -q "^$u" "$T/units" || { cat "$T/units"; fail "$u was not generated"; }
done
grep -q broken "$T/units" && fail "a broken .vm file produced units"
in_ct journalctl -b --no-pager -o cat >"$T/boot.log" 2>&1 || true
grep -q "vmsilo-generator: skipping /etc/vmsilo/broken.vm:4: unknown key 'Memroy' in \[VM\]" "$T/boot.log" ||
	{ grep -i -E "vmsilo|generator" "$T/boot.log" | tail -20; cp "$T/boot.log" /tmp/boot.log; fail "the generator's report about broken.vm is not in the journal"; }
pass "daemon-reload runs the generator; the broken file is skipped"

in_ct systemctl start vmsilo-demo.socket
in_ct systemctl is-active -q vmsilo-demo-vm.service && fail "the VM runs before anyone asked for it"
out=$(in_ct "$PREFIX/bin/vm-run" -p demo uname -s) || fail "vm-run through the units failed"
[ "$out" = Linux ] || fail "vm-run returned '$out'"
in_ct systemctl is-active -q vmsilo-demo-vm.service || fail "the VM service is not active after vm-run"
pass "vm-run socket-activates the VM and runs a command"

out=$(in_ct "$PREFIX/bin/vm-run" -p demo sh -c 'printf "%s|" "$@"' sh 'a b' '' 'c') || fail "second vm-run"
[ "$out" = 'a b||c|' ] || fail "argv through the units: '$out'"
pass "a second call reuses the running VM"

in_ct journalctl --no-pager -o cat -u 'vmsilo-demo@*' >"$T/journal"
grep -q "running 'uname' (1 argument) in VM 'demo'" "$T/journal" || { cat "$T/journal"; fail "proxy log not in journalctl -u 'vmsilo-demo@*'"; }
pass "the proxy's log is in journalctl -u 'vmsilo-demo@*'"

in_ct systemctl stop vmsilo-demo-vm.service
sleep 0.2
active=$(in_ct systemctl list-units 'vmsilo-demo*' --state=active --no-legend | grep -v '\.socket' || true)
[ -z "$active" ] || fail "still active after stopping the VM: $active"
in_ct test -e /run/vmsilo/demo/vsock.socket && fail "the VM's runtime files were not cleaned up"
pass "stopping the VM stops every per-VM unit and cleans up"

out=$(in_ct "$PREFIX/bin/vm-run" -p demo echo again) || fail "restart through the socket failed"
[ "$out" = again ] || fail "restart returned '$out'"
pass "the next vm-run starts the VM again"

# vm-start / vm-stop through systemd's D-Bus API (the container's dbus runs)
in_ct "$PREFIX/bin/vm-stop" demo || fail "vm-stop demo failed"
in_ct systemctl is-active -q vmsilo-demo-vm.service && fail "vm-stop left the VM running"
in_ct "$PREFIX/bin/vm-start" demo || fail "vm-start demo failed"
in_ct systemctl is-active -q vmsilo-demo-vm.service || fail "vm-start did not start the VM"
in_ct "$PREFIX/bin/vm-stop" --all || fail "vm-stop --all failed"
in_ct systemctl is-active -q vmsilo-demo-vm.service && fail "vm-stop --all left the VM running"
rc=0; in_ct "$PREFIX/bin/vm-start" ghost 2>"$T/err" || rc=$?
[ $rc = 1 ] && grep -q "there is no VM named 'ghost'" "$T/err" || { cat "$T/err"; fail "vm-start ghost: rc=$rc"; }
pass "vm-start, vm-stop and vm-stop --all drive the VM unit"

# vm-usb through systemd: the generated usb@ and usb-attach units, with
# vmsilo-usb-host on a fake host sysfs and the test VMM serving
# vmsilo-usb-guest (on a fake guest sysfs) behind vsock port 5002. Drop-ins
# point the units at the fake trees; everything else is as generated.
usb_fake_host "$T/usbfake/sys"
usb_fake_guest "$T/usbfake/guest"
USBDEV=$T/usbfake/sys/bus/usb/devices/1-2
VHCI=$T/usbfake/guest/devices/platform/vhci_hcd.0
sed '/^\[GPU\]/,$d' "$T/etc/demo.vm" >"$T/etc/other.vm"
printf '[GPU]\nWayland=no\n[Sound]\nPlayback=no\n[DBus]\nNotifications=no\n[Programs]\nCloudHypervisor=%s\n' \
	"$PREFIX/libexec/vmsilo/vmsilo-test-vmm" >>"$T/etc/other.vm"
in_ct sh -c 'for u in demo-vm demo-usb@ demo-usb-attach other-vm other-usb@; do
	mkdir -p /etc/systemd/system/vmsilo-$u.service.d
	printf "[Service]\nEnvironment=VMSILO_SYSFS=/srv/usbfake/sys VMSILO_TEST_USB_GUEST_SYSFS=/srv/usbfake/guest\nReadWritePaths=/srv/usbfake\n" \
		>/etc/systemd/system/vmsilo-$u.service.d/fake-sysfs.conf
done'
in_ct systemctl daemon-reload
VMUSB="env VMSILO_SYSFS=/srv/usbfake/sys $PREFIX/bin/vm-usb"
in_ct $VMUSB attach demo 17ef:60e0 2>"$T/err" || { cat "$T/err"; in_ct journalctl --no-pager -o cat -u 'vmsilo-demo-usb@*' | tail; fail "vm-usb attach failed"; }
grep -q "1-2 is attached to VM 'demo'" "$T/err" || { cat "$T/err"; fail "vm-usb attach did not say so"; }
in_ct systemctl is-active -q vmsilo-demo-vm.service || fail "attaching to a stopped VM did not start it"
in_ct systemctl is-active -q vmsilo-demo-usb@1-2.service || fail "vmsilo-demo-usb@1-2.service is not active"
want "$VHCI/attach" "1 0 65541 3"
want "$T/usbfake/sys/bus/usb/drivers/usbip-host/bind" "1-2"
in_ct $VMUSB list >"$T/usblist"
grep -q '^1-2  *17ef:60e0  *demo  *Test Keyboard$' "$T/usblist" || { cat "$T/usblist"; fail "vm-usb list does not show demo"; }
pass "vm-usb attach (by vid:pid) starts the VM and vmsilo-demo-usb@1-2.service; the guest attached it; list shows it"

# to another VM: detached from demo first, then attached there
in_ct $VMUSB attach other 1-2 2>"$T/err" || { cat "$T/err"; fail "vm-usb attach other failed"; }
grep -q "1-2 is attached to VM 'demo'; detaching it from there first" "$T/err" || { cat "$T/err"; fail "no word of the move"; }
in_ct systemctl is-active -q vmsilo-demo-usb@1-2.service && fail "demo still holds 1-2"
in_ct systemctl is-active -q vmsilo-other-usb@1-2.service || fail "other does not hold 1-2"
in_ct $VMUSB list >"$T/usblist"
grep -q '^1-2  *17ef:60e0  *other ' "$T/usblist" || fail "vm-usb list does not show the move"
pass "vm-usb attach moves a device: demo's unit stops before other's starts"
in_ct $VMUSB detach other 1-2 2>"$T/err" || { cat "$T/err"; fail "vm-usb detach other failed"; }
in_ct "$PREFIX/bin/vm-stop" other || fail "vm-stop other failed"
in_ct $VMUSB attach demo 1-2 2>"$T/err" || { cat "$T/err"; fail "vm-usb attach (by bus id) failed"; }
: >"$VHCI/detach"; : >"$T/usbfake/sys/bus/usb/drivers/usb/bind"

in_ct $VMUSB detach demo 1-2 2>"$T/err" || { cat "$T/err"; fail "vm-usb detach failed"; }
in_ct systemctl is-active -q vmsilo-demo-usb@1-2.service && fail "the usb@ unit is still active after detach"
want "$T/usbfake/sys/bus/usb/drivers/usb/bind" "1-2"
wait_nonempty "$VHCI/detach"
want "$VHCI/detach" "1"
in_ct test -e /run/vmsilo/demo/usb/1-2 && fail "the state file is left after detach"
pass "vm-usb detach stops the unit: the device is back with driver 'usb', the guest freed its port"

# a failing start is reported with the unit to read; a VM without units too
rm -rf "$T/usbfake/sys/bus/usb/drivers/usbip-host"
rc=0; in_ct $VMUSB attach demo 1-2 2>"$T/err" || rc=$?
[ $rc = 1 ] && grep -q "attaching 1-2 to VM 'demo' failed (job result 'failed'); see: journalctl -u vmsilo-demo-usb@1-2.service" "$T/err" ||
	{ cat "$T/err"; fail "a failing usb@ start: rc=$rc"; }
in_ct journalctl --no-pager -o cat -u vmsilo-demo-usb@1-2.service >"$T/usbjournal"
grep -q "usbip-host kernel driver is not loaded" "$T/usbjournal" ||
	fail "vmsilo-usb-host's reason is not in the unit's journal"
rc=0; in_ct $VMUSB attach ghost 1-2 2>"$T/err" || rc=$?
[ $rc = 1 ] && grep -q "VM 'ghost' has no USB unit (vmsilo-ghost-usb@1-2.service)" "$T/err" || { cat "$T/err"; fail "attach to ghost: rc=$rc"; }
pass "vm-usb: a failed start names the unit's journal (which holds the reason); an unknown VM is named"

# USB= devices are attached at VM start by vmsilo-demo-usb-attach.service,
# and given back when the VM stops
usb_fake_host "$T/usbfake/sys"
usb_fake_guest "$T/usbfake/guest"
in_ct "$PREFIX/bin/vm-stop" demo || fail "vm-stop demo failed"
# two entries match the same device: one start job for it
printf '[Devices]\nUSB=17ef:60e0:SN0001\nUSB=dead:beef\nUSB=17ef:60e0\n' >>"$T/etc/demo.vm"
in_ct systemctl daemon-reload
in_ct "$PREFIX/bin/vm-start" demo || fail "vm-start demo (with USB=) failed"
for ((i = 0; i < 200; i++)); do
	in_ct systemctl is-active -q vmsilo-demo-usb@1-2.service && break
	in_ct systemctl is-failed -q vmsilo-demo-usb-attach.service && break
	sleep 0.05
done
in_ct systemctl is-active -q vmsilo-demo-usb@1-2.service ||
	{ in_ct journalctl --no-pager -o cat -u vmsilo-demo-usb-attach.service -u 'vmsilo-demo-usb@*' | tail; fail "USB= was not attached at VM start"; }
# the attach unit is a oneshot: once it is active, its journal is complete
for ((i = 0; i < 200; i++)); do
	in_ct systemctl is-active -q vmsilo-demo-usb-attach.service && break
	in_ct systemctl is-failed -q vmsilo-demo-usb-attach.service && break
	sleep 0.05
done
in_ct journalctl --no-pager -o cat -u vmsilo-demo-usb-attach.service >"$T/usbjournal"
grep -q "USB=dead:beef of VM 'demo' is not plugged in; skipped" "$T/usbjournal" ||
	fail "the absent USB= device was not logged"
[ "$(grep -c "^1-2 is attached to VM 'demo'" "$T/usbjournal")" = 1 ] ||
	{ cat "$T/usbjournal"; fail "1-2, matched by two USB= entries, was not attached exactly once"; }
in_ct "$PREFIX/bin/vm-stop" demo || fail "vm-stop demo failed"
in_ct systemctl is-active -q vmsilo-demo-usb@1-2.service && fail "the device stayed attached after the VM stopped"
want "$T/usbfake/sys/bus/usb/drivers/usb/bind" "1-2"
pass "USB= devices attach at VM start (absent ones skipped) and return to the host when it stops"

# every generated unit of the fixtures passes systemd-analyze verify, with the
# programs they name present (stand-ins made executable inside the container)
in_ct sh -c 'rm -rf /tmp/gen && mkdir -p /tmp/gen' 
VMSILO_CONFIG_DIR=/srv/fixtures in_ct env VMSILO_CONFIG_DIR=/srv/fixtures \
	"$PREFIX/lib/systemd/system-generators/vmsilo-generator" /tmp/gen /tmp/gen /tmp/gen ||
	fail "generator failed on the fixtures"
in_ct sh -c 'for u in /tmp/gen/*.service; do
	sed -n "s/^Exec[A-Za-z]*=[-+!@:]*\([^ ]*\).*/\1/p" "$u"; done | sort -u' >"$T/programs"
while read -r prog; do
	case $prog in
	/*) in_ct sh -c "[ -x '$prog' ] || { mkdir -p '$(dirname "$prog")'; printf '#!/bin/sh\n' >'$prog'; chmod +x '$prog'; }" ;;
	*) in_ct sh -c "command -v '$prog' >/dev/null || { printf '#!/bin/sh\n' >'/usr/bin/$prog'; chmod +x '/usr/bin/$prog'; }" ;;
	esac
done <"$T/programs"
# templates are verified through an instance of each
in_ct sh -c 'cd /tmp/gen && for t in *@.service; do cp "$t" "${t%@.service}@1-2-3.service"; done'
in_ct sh -c 'cd /tmp/gen && systemd-analyze verify --man=no $(ls *.service *.socket | grep -v "@\.service$")' \
	>"$T/verify" 2>&1 || { cat "$T/verify"; fail "systemd-analyze verify refused generated units"; }
sed "s/^/# verify: /" "$T/verify"
grep -v "^$" "$T/verify" >"$T/verify.rest" || true
[ -s "$T/verify.rest" ] && { cat "$T/verify.rest"; fail "systemd-analyze verify warned"; }
pass "systemd-analyze verify accepts every generated unit ($(in_ct sh -c 'ls /tmp/gen/*.service /tmp/gen/*.socket | wc -l') units)"

# the guest-side units shipped for the guest root filesystem parse cleanly too
in_ct sh -c "cd $PREFIX/lib/systemd/system && cp vmsilo-guest-cmd@.service /tmp/vmsilo-guest-cmd@1-2-3.service &&
	cp vmsilo-usb-guest@.service /tmp/vmsilo-usb-guest@1-2-3.service &&
	systemd-analyze verify --man=no vmsilo-guest-cmd.socket /tmp/vmsilo-guest-cmd@1-2-3.service \
		vmsilo-guest-memstat.service vmsilo-idle-watchdog.service \
		vmsilo-usb-guest.socket /tmp/vmsilo-usb-guest@1-2-3.service" >"$T/gverify" 2>&1 ||
	{ cat "$T/gverify"; fail "systemd-analyze verify refused the guest units"; }
grep -v '^$' "$T/gverify" && fail "systemd-analyze verify warned about the guest units"
pass "the guest units (command socket and service, memory reporter, idle watchdog, USB socket and service) pass systemd-analyze verify"

# The guest side under systemd: the shipped vmsilo-guest-cmd.socket/@.service,
# with the socket moved from vsock port 5000 (no vsock here) to a unix path by
# a drop-in. vm-run then talks to vmsilo-guest-cmd directly (the proxy only
# relays frames), and launch mode goes through systemd-run --user.
in_ct useradd -m -u 1000 user
in_ct loginctl enable-linger user
for ((i = 0; i < 200; i++)); do
	in_ct systemctl is-active -q user@1000.service && in_ct test -S /run/user/1000/systemd/private && break
	sleep 0.05
done
in_ct systemctl is-active -q user@1000.service || fail "the guest user's manager did not start"
in_ct mkdir -p /etc/systemd/system/vmsilo-guest-cmd.socket.d
in_ct sh -c 'printf "[Socket]\nListenStream=\nListenStream=/run/vmsilo/guestvm/command.socket\n" \
	>/etc/systemd/system/vmsilo-guest-cmd.socket.d/unix.conf'
in_ct systemctl daemon-reload
in_ct systemctl start vmsilo-guest-cmd.socket || fail "the guest command socket did not start"
out=$(in_ct "$PREFIX/bin/vm-run" -p guestvm id -un) || fail "pass-io through the guest units failed"
[ "$out" = user ] || fail "guest commands run as '$out', not as the desktop user"
in_ct "$PREFIX/bin/vm-run" guestvm sh -c 'echo launched >/home/user/launched' || fail "launch mode failed"
for ((i = 0; i < 100; i++)); do in_ct test -e /home/user/launched && break; sleep 0.05; done
in_ct test -e /home/user/launched || fail "the launched program did not run"
in_ct journalctl --no-pager -o cat _UID=1000 >"$T/userlog" 2>/dev/null || true
in_ct journalctl --no-pager -o cat -u 'vmsilo-guest-cmd@*' >>"$T/userlog"
grep -q "started 'sh' as vmsilo-app-sh-[0-9a-f]*.service" "$T/userlog" || { cat "$T/userlog"; fail "not started as a transient user unit"; }
expect_fail 127 "cannot start 'no-such-program'" in_ct "$PREFIX/bin/vm-run" guestvm no-such-program
pass "guest units: pass-io as the desktop user, launch mode as a transient user unit (systemd-run --user)"
