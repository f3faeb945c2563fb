# The desktop-session sidecars under real systemd (PID 1 in a container): a
# VM with User=alice gets vmsilo-<vm>-wayland-seccontext.service and
# vmsilo-<vm>-dbus-proxy.service running as alice in group vmsilo, reaching
# alice's /run/user/1000 (mode 0700, made by user@1000.service through
# lingering) and creating sockets that a root process without capabilities
# reaches only through group vmsilo, as the GPU and VM units do. The
# compositor is tests/helpers/fake-seccontext-compositor (security-context-v1
# from its published specification), run as alice at /run/user/1000/wayland-0;
# the session bus is alice's own dbus-daemon from her user manager.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/nspawn-lib.sh"

[ -x "$B/tests/helpers/fake-seccontext-compositor" ] ||
	skip "libwayland-server is missing, so the test compositor was not built"
[ -x "$B/tools/wayland-seccontext/vmsilo-wayland-seccontext" ] || skip "vmsilo-wayland-seccontext is not built"
nspawn_prepare
# The container has no libwayland: lend it the host's (the same Debian release).
libs=()
for so in libwayland-client.so.0 libwayland-server.so.0; do
	path=$(ldconfig -p | sed -n "s|^\t$so (libc6,x86-64) => ||p" | head -1)
	[ -n "$path" ] || skip "$so is not installed on the host"
	libs+=("--bind-ro=$(readlink -f "$path"):/usr/lib/x86_64-linux-gnu/$so")
done
mkdir -p "$T/etc" "$T/rec"
chmod 0777 "$T/rec"
nspawn_boot vmsilo-session-$$ --bind-ro="$T/etc:/etc/vmsilo" --bind-ro="$B/tests/helpers:/srv/helpers" \
	--bind="$T/rec:/srv/rec" "${libs[@]}"
CLEANUPS+=("nspawn_stop")

in_ct groupadd -r vmsilo
in_ct useradd -m -u 1000 -G vmsilo alice
GID=$(in_ct getent group vmsilo | cut -d: -f3)
in_ct loginctl enable-linger alice
for ((i = 0; i < 200; i++)); do
	in_ct systemctl is-active -q user@1000.service && in_ct test -S /run/user/1000/bus && break
	sleep 0.05
done
in_ct systemctl is-active -q user@1000.service || fail "alice's user manager did not start"
[ "$(in_ct stat -c '%a %U' /run/user/1000)" = "700 alice" ] || fail "/run/user/1000: $(in_ct stat -c '%a %U' /run/user/1000)"

# the VM appears once alice exists, as on a configured host
cat >"$T/etc/sess.vm" <<VM
[VM]
Kernel=/etc/os-release
RootDisk=/etc/os-release
Color=darkgreen
User=alice
[Sound]
Playback=no
[Programs]
CloudHypervisor=$PREFIX/libexec/vmsilo/vmsilo-test-vmm
VM
in_ct systemctl daemon-reload
in_ct journalctl -b --no-pager -o cat >"$T/boot.log" 2>&1 || true
grep -q "VM 'sess'.*cannot reach the desktop session" "$T/boot.log" &&
	fail "the generator warned although alice and group vmsilo exist"
unit=/run/systemd/generator/vmsilo-sess-wayland-seccontext.service
in_ct grep -qx 'User=alice' $unit || { in_ct cat $unit; fail "the generated unit does not name alice"; }
in_ct sh -c 'cd /run/systemd/generator && systemd-analyze verify --man=no \
	vmsilo-sess-wayland-seccontext.service vmsilo-sess-dbus-proxy.service' >"$T/verify" 2>&1 ||
	{ cat "$T/verify"; fail "systemd-analyze verify refused the session units"; }
grep -v '^$' "$T/verify" && fail "systemd-analyze verify warned about the session units"
pass "alice (uid 1000, group vmsilo) is found without NSS: the session units run as her and pass systemd-analyze verify"

runs_as_alice() { # unit: its main process is alive and alice's; sets $pid
	pid=$(in_ct systemctl show -P MainPID "$1")
	[ "$pid" != 0 ] || { in_ct journalctl --no-pager -o cat -u "$1" | tail; fail "$1 stopped"; }
	[ "$(in_ct stat -c %U "/proc/$pid")" = alice ] || fail "$1 runs as $(in_ct stat -c %U "/proc/$pid")"
}

in_ct systemctl start vmsilo-sess-prep.service || fail "vmsilo-sess-prep.service failed"
[ "$(in_ct stat -c '%a %U %G' /run/vmsilo/sess)" = "770 root vmsilo" ] ||
	fail "/run/vmsilo/sess: $(in_ct stat -c '%a %U %G' /run/vmsilo/sess)"
pass "the prep unit makes /run/vmsilo/sess root:vmsilo 0770"

in_ct systemd-run -q --unit=fake-compositor --uid=alice --gid=alice \
	/srv/helpers/fake-seccontext-compositor --socket /run/user/1000/wayland-0 --record /srv/rec/compositor.rec
wait_for_path "$T/rec/compositor.rec"
for ((i = 0; i < 200; i++)); do grep -qx listening "$T/rec/compositor.rec" && break; sleep 0.05; done
in_ct systemctl start vmsilo-sess-wayland-seccontext.service ||
	{ in_ct journalctl --no-pager -o cat -u vmsilo-sess-wayland-seccontext.service | tail; fail "the security context unit did not start"; }
runs_as_alice vmsilo-sess-wayland-seccontext.service
grep -qx 'commit engine=vmsilo app_id=sess instance_id=#006400' "$T/rec/compositor.rec" ||
	{ cat "$T/rec/compositor.rec"; fail "the compositor did not get the VM's context"; }
sock=/run/vmsilo/sess/wayland.socket
[ "$(in_ct stat -c '%a %U %G %F' $sock)" = "660 alice vmsilo socket" ] ||
	fail "$sock: $(in_ct stat -c '%a %U %G %F' $sock)"
pass "the security context unit runs as alice, reaches her compositor; wayland.socket is alice:vmsilo 0660"

# uid 0 without capabilities, as the GPU and VM units run: group vmsilo decides
as_capless_root() { # groups cmd...: uid 0, the given supplementary groups, no capabilities
	local groups=$1; shift
	in_ct setpriv --reuid=0 --regid=0 --groups="$groups" --inh-caps=-all --bounding-set=-all -- "$@"
}
connect='use IO::Socket::UNIX; IO::Socket::UNIX->new(Peer => $ARGV[0]) or die "connect: $!\n"'
as_capless_root "$GID" grep -q '^CapEff:\s*0*$' /proc/self/status || fail "setpriv left capabilities"
as_capless_root "$GID" /srv/helpers/wl-test-client globals $sock >"$T/globals" ||
	fail "uid 0 without capabilities, in group vmsilo, cannot use wayland.socket"
grep -qx wl_output "$T/globals" || fail "no globals through wayland.socket: $(cat "$T/globals")"
for ((i = 0; i < 200; i++)); do grep -qx 'accepted app_id=sess' "$T/rec/compositor.rec" && break; sleep 0.05; done
grep -qx 'accepted app_id=sess' "$T/rec/compositor.rec" || fail "the compositor did not label the client"
rc=0; as_capless_root 0 perl -e "$connect" $sock 2>"$T/err" || rc=$?
[ $rc != 0 ] && grep -q 'Permission denied' "$T/err" || { cat "$T/err"; fail "uid 0 without capabilities or group vmsilo reached wayland.socket"; }
pass "uid 0 without capabilities connects through group vmsilo (labelled by the compositor), and not without it"

in_ct systemctl stop vmsilo-sess-wayland-seccontext.service
in_ct test -e $sock && fail "wayland.socket stayed after the unit stopped"
for ((i = 0; i < 200; i++)); do grep -q '^close_fd closed' "$T/rec/compositor.rec" && break; sleep 0.05; done
grep -qx 'close_fd closed app_id=sess' "$T/rec/compositor.rec" || fail "the context was not closed"
pass "stopping the unit closes the context and removes the socket"

# The D-Bus proxy: alice's session bus (her user manager's dbus.socket)
in_ct systemctl start vmsilo-sess-dbus-proxy.service ||
	{ in_ct journalctl --no-pager -o cat -u vmsilo-sess-dbus-proxy.service | tail; fail "the D-Bus proxy unit did not start"; }
sock=/run/vmsilo/sess/vsock.socket_5001
for ((i = 0; i < 200; i++)); do in_ct test -S $sock && break; sleep 0.05; done
[ "$(in_ct stat -c '%U %G %F' $sock)" = "alice vmsilo socket" ] || fail "$sock: $(in_ct stat -c '%U %G %F' $sock)"
in_ct stat -c %A $sock | grepq '^s...rw' || fail "$sock is not group-writable: $(in_ct stat -c %A $sock)"
runs_as_alice vmsilo-sess-dbus-proxy.service
in_ct runuser -u alice -- env DBUS_SESSION_BUS_ADDRESS=unix:path=/run/user/1000/bus busctl --user list --no-legend \
	>"$T/names" || fail "busctl --user list as alice failed"
awk -v pid="$pid" '$2 == pid' "$T/names" | grepq . ||
	{ cat "$T/names"; fail "the proxy (pid $pid) is not on alice's session bus"; }
pass "the D-Bus proxy unit runs as alice on her session bus; vsock.socket_5001 is alice:vmsilo, group-writable"

as_capless_root "$GID" perl -e "$connect" $sock 2>"$T/err" ||
	{ cat "$T/err"; fail "uid 0 without capabilities, in group vmsilo, cannot reach vsock.socket_5001"; }
for ((i = 0; i < 200; i++)); do
	in_ct journalctl --no-pager -o cat -u vmsilo-sess-dbus-proxy.service | grepq "guest of VM 'sess' connected" && break
	sleep 0.05
done
in_ct journalctl --no-pager -o cat -u vmsilo-sess-dbus-proxy.service | grepq "guest of VM 'sess' connected" ||
	fail "the proxy did not see the connection"
rc=0; as_capless_root 0 perl -e "$connect" $sock 2>"$T/err" || rc=$?
[ $rc != 0 ] && grep -q 'Permission denied' "$T/err" || { cat "$T/err"; fail "uid 0 without group vmsilo reached vsock.socket_5001"; }
pass "the VMM's way in (uid 0, no capabilities, group vmsilo) reaches vsock.socket_5001; without the group it cannot"
