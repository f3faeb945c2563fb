# The guest units under real systemd (PID 1 of a systemd-nspawn container
# standing in for the guest): a command sent with vm-run reaches
# vmsilo-guest-cmd@.service through the hybrid-vsock test peer and runs as the
# guest user; a launched program runs as a vmsilo-app-*.service of the user's
# manager; vmsilo-idle-watchdog.service keeps the guest up while it runs and
# powers the container off once it has ended. The user unit of
# vmsilo-dbus-proxy's guest role takes what to forward from the command line
# and carries a notification sent on the guest user's session bus to the
# host role and a recording notification server on a host bus.
#
# AF_VSOCK has no loopback here, so the container's vmsilo-guest-cmd.socket
# listens on a unix socket (bound out to the host) instead of vsock::5000;
# the service it starts is the shipped vmsilo-guest-cmd@.service unchanged.
# The guest root is the Debian bookworm root that all container tests share
# (nspawn-lib.sh; $VMSILO_GUEST_ROOT overrides it), created on first use and
# never modified (the container runs with --volatile=overlay).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/nspawn-lib.sh"
source "$(dirname "$0")/dbus-proxy-lib.sh"
for c in systemd-nspawn nsenter socat systemd-socket-activate; do
	command -v $c >/dev/null || skip "$c is not installed"
done
nspawn_root
ROOT=${VMSILO_GUEST_ROOT:-$NSPAWN_CACHE}
# systemd-run --user, as vmsilo-guest-cmd uses it, needs the user's D-Bus
[ -e "$ROOT/usr/lib/systemd/user/dbus.socket" ] \
	|| skip "the guest root $ROOT lacks dbus-user-session (chroot $ROOT apt-get install dbus-user-session)"

# the guest's units: the shipped ones, pointed at the build bound in at /opt/vmsilo
G=/opt/vmsilo
mkdir -p "$T/units" "$T/srv"
sed "s|@bindir@/vmsilo-guest-cmd|$G/tools/cmd/vmsilo-guest-cmd|" \
	"$VMSILO_SOURCE/rootfs/units/vmsilo-guest-cmd@.service.in" >"$T/units/vmsilo-guest-cmd@.service"
sed "s|@bindir@/vmsilo-idle-watchdog|$G/tools/idle-watchdog/vmsilo-idle-watchdog|" \
	"$VMSILO_SOURCE/rootfs/units/vmsilo-idle-watchdog.service.in" >"$T/units/vmsilo-idle-watchdog.service"
sed 's|^ListenStream=vsock::5000|ListenStream=/srv/vmsilo/cmd.sock|' \
	"$VMSILO_SOURCE/rootfs/units/vmsilo-guest-cmd.socket" >"$T/units/vmsilo-guest-cmd.socket"
grep -q '^ListenStream=/srv' "$T/units/vmsilo-guest-cmd.socket" || fail "socket unit not adapted"
# in a container the "kernel command line" of the guest is PID 1's arguments
# the D-Bus proxy's user unit reaches the host role through a unix socket
# bound in, as the hybrid transport would carry its vsock connection
mkdir -p "$T/user-units/vmsilo-dbus-proxy.service.d"
sed "s|@bindir@/vmsilo-dbus-proxy|$G/tools/dbus-proxy/vmsilo-dbus-proxy|" \
	"$VMSILO_SOURCE/rootfs/units/vmsilo-dbus-proxy.service.in" >"$T/user-units/vmsilo-dbus-proxy.service"
{
	printf '[Service]\nEnvironment=VMSILO_KERNEL_CMDLINE=/proc/1/cmdline\nExecStart=\n'
	grep '^ExecStart=.' "$T/user-units/vmsilo-dbus-proxy.service" | sed 's|$| --connect-unix /srv/vmsilo/dbus.sock|'
} >"$T/user-units/vmsilo-dbus-proxy.service.d/test.conf"
grep -q 'guest --kernel-cmdline --connect-unix' "$T/user-units/vmsilo-dbus-proxy.service.d/test.conf" \
	|| fail "the proxy's user unit was not adapted"
mkdir -p "$T/units/vmsilo-idle-watchdog.service.d"
printf '[Service]\nEnvironment=VMSILO_KERNEL_CMDLINE=/proc/1/cmdline\nProtectSystem=no\n' \
	>"$T/units/vmsilo-idle-watchdog.service.d/test.conf"

M=vmsilo-guest-$$
guest() { nsenter -t "$C" -a "$@"; }
# Boots the guest container; one that dies while booting (seen rarely on a
# loaded machine) is reported and booted once more.
boot() {
	systemd-nspawn -D "$ROOT" --volatile=overlay --boot --register=no --keep-unit --console=pipe \
		-M "$M" --bind-ro="$B:$G" --bind="$T/srv:/srv/vmsilo" --bind-ro="$T/units:/run/vmsilo-test-units" \
		--bind-ro="$T/user-units:/run/vmsilo-test-user-units" \
		-- vmsilo.idle_shutdown=3 vmsilo.tray=1 >"$T/console" 2>&1 </dev/null &
	NS=$!; PIDS+=($NS)
	C=
	for _ in $(seq 200); do C=$(pgrep -P $NS | head -1) && [ -n "$C" ] && break; sleep 0.05; done
	[ -n "$C" ] || return 1
	for _ in $(seq 900); do
		state=$(guest systemctl is-system-running 2>/dev/null || true)
		case $state in running|degraded) return 0 ;; esac
		kill -0 $NS 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}
for attempt in 1 2; do
	boot && break
	echo "# the guest container did not boot (attempt $attempt, state '$state'); its console:" >&2
	sed 's/^/#   /' "$T/console" >&2
	kill $NS 2>/dev/null; wait $NS 2>/dev/null
	[ $attempt = 2 ] && fail "guest systemd did not boot ($state)"
done
CLEANUPS+=("kill -0 $NS 2>/dev/null && nsenter -t $C -a systemctl poweroff; for _ in \$(seq 100); do kill -0 $NS 2>/dev/null || break; sleep 0.1; done")
pass "guest systemd booted ($state)"

guest useradd -u 1000 -m user
guest sh -c 'cp -r /run/vmsilo-test-units/. /etc/systemd/system/ && systemctl daemon-reload'
guest systemctl start vmsilo-guest-cmd.socket || fail "vmsilo-guest-cmd.socket did not start"
wait_for_path "$T/srv/cmd.sock"

# the host side, as in cmd-path: vm-run -> cmd-proxy -> hybrid peer -> guest
export VMSILO_RUNTIME_DIR=$T/run VMSILO_CONFIG_DIR=$T/etc
mkdir -p "$T/run/guest" "$T/etc"
bg "$B/tests/helpers/hybrid-vsock-peer" --socket "$T/run/guest/vsock.socket" \
	--exec 5000 "socat - UNIX-CONNECT:$T/srv/cmd.sock"
bg systemd-socket-activate -E VMSILO_RUNTIME_DIR --accept -l "$T/run/guest/command.socket" \
	"$B/tools/cmd/vmsilo-cmd-proxy" --boot-timeout 30 guest
wait_for_path "$T/run/guest/vsock.socket"; wait_for_path "$T/run/guest/command.socket"

out=$("$B/tools/cmd/vm-run" -p guest sh -c 'echo "$(id -un) $(id -u)"') \
	|| { guest journalctl -u 'vmsilo-guest-cmd@*' -o cat --no-pager | tail; fail "vm-run -p failed"; }
[ "$out" = "user 1000" ] || fail "command ran as '$out', expected 'user 1000'"
pass "vm-run reaches vmsilo-guest-cmd@.service, which runs the command as the guest user"

"$B/tools/cmd/vm-run" guest sleep 600 \
	|| { guest journalctl -u 'vmsilo-guest-cmd@*' -o cat --no-pager | tail; fail "vm-run launch failed"; }
W=$G/tools/idle-watchdog/vmsilo-idle-watchdog
busy=
for _ in $(seq 100); do
	rc=0; guest "$W" --check >"$T/apps" || rc=$?
	[ $rc = 3 ] && { busy=1; break; }; sleep 0.1
done
[ -n "$busy" ] || fail "the launched program is not seen as a vmsilo-app unit"
grep -q '^vmsilo-app-sleep-[0-9a-f]*\.service$' "$T/apps" || fail "unexpected app units: $(cat "$T/apps")"
pass "the launched program runs as $(cat "$T/apps") in the user's manager"

# the D-Bus proxy: host role and recorder on a host bus, guest role as the
# shipped user unit in the guest user's manager
SOCK=$T/srv/dbus.sock
start_recorder
start_host_proxy
chmod 755 "$T/srv"; chmod 666 "$SOCK"
as_user() { guest runuser -u user -- env XDG_RUNTIME_DIR=/run/user/1000 "$@"; }
guest sh -c 'mkdir -p /etc/systemd/user && cp -r /run/vmsilo-test-user-units/. /etc/systemd/user/'
as_user systemctl --user daemon-reload
as_user systemctl --user start vmsilo-dbus-proxy.service \
	|| { as_user journalctl --user -u vmsilo-dbus-proxy -o cat --no-pager | tail; fail "the proxy's user unit did not start"; }
wait_for_line "$T/host.log" "guest of VM 'testvm' connected"
pass "the proxy's user unit connects to the host role"
for name in org.freedesktop.Notifications org.kde.StatusNotifierWatcher; do
	owned=
	for _ in $(seq 100); do
		as_user busctl --user status "$name" >/dev/null 2>&1 && { owned=1; break; }
		sleep 0.1
	done
	[ -n "$owned" ] || fail "$name is not owned on the guest user's bus"
done
pass "vmsilo.tray=1 on the command line adds the tray watcher to the notification server"
as_user busctl --user call -- org.freedesktop.Notifications /org/freedesktop/Notifications \
	org.freedesktop.Notifications Notify 'susssasa{sv}i' app 0 '' 'From the guest' 'hello' 0 0 -1 \
	>/dev/null || fail "Notify on the guest bus failed"
wait_for_line "$T/rec" '"summary": "\[testvm\] From the guest"'
pass "a notification sent in the guest reaches the host's notification server"

# idle watchdog (timeout 3 s from vmsilo.idle_shutdown=3): no power-off while the program runs
guest systemctl start vmsilo-idle-watchdog.service || fail "the watchdog did not start"
sleep 8
kill -0 $NS 2>/dev/null || fail "the guest powered off while a program ran"
guest systemctl is-active -q vmsilo-idle-watchdog.service || fail "the watchdog is not running"
pass "no power-off while a program runs"

app=$(head -1 "$T/apps")
guest runuser -u user -- env XDG_RUNTIME_DIR=/run/user/1000 systemctl --user stop "$app" \
	|| fail "cannot stop $app"
for _ in $(seq 600); do kill -0 $NS 2>/dev/null || break; sleep 0.1; done
kill -0 $NS 2>/dev/null && { guest journalctl -u vmsilo-idle-watchdog -o cat --no-pager | tail; fail "the guest did not power off after the program ended"; }
rc=0; wait $NS || rc=$?
[ $rc = 0 ] || { tail "$T/console"; fail "the container ended with $rc, not by a clean power-off"; }
pass "the idle watchdog powered the guest off once the program had ended"
