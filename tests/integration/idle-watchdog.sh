# vmsilo-idle-watchdog against a fake cgroup tree: --check tells idle from
# busy, the watch loop ends (with --dry-run instead of a power-off) once no
# program runs, and keeps going while one does. The real power-off is tested
# in the guest container (guest-nspawn).
source "$(dirname "$0")/lib.sh"
W=$B/tools/idle-watchdog/vmsilo-idle-watchdog
R=$T/user.slice
APP=$R/user-1000.slice/user@1000.service/app.slice

"$W" --help | grepq -- '--kernel-cmdline' || fail "--help lacks the options"
expect_fail 2 'invalid --timeout' "$W" --timeout 0
expect_fail 2 'mutually exclusive' "$W" --timeout 5 --kernel-cmdline
expect_fail 2 'unexpected argument' "$W" extra
pass "usage errors exit 2"

mkdir -p "$APP/dbus.service"; echo 5 >"$APP/dbus.service/cgroup.procs"
rc=0; "$W" --check --cgroup-root "$R" >"$T/out" || rc=$?
[ $rc = 0 ] && [ ! -s "$T/out" ] || fail "--check on an idle tree: exit $rc, output $(cat "$T/out")"
mkdir -p "$APP/vmsilo-app-firefox-01234567.service"
echo 42 >"$APP/vmsilo-app-firefox-01234567.service/cgroup.procs"
rc=0; "$W" --check --cgroup-root "$R" >"$T/out" || rc=$?
[ $rc = 3 ] && [ "$(cat "$T/out")" = vmsilo-app-firefox-01234567.service ] \
	|| fail "--check on a busy tree: exit $rc, output $(cat "$T/out")"
pass "--check: exit 0 idle, 3 busy with the unit listed"

# busy: the watcher must still be running after several idle timeouts
"$W" --timeout 1 --interval 1 --dry-run --cgroup-root "$R" >"$T/watch" 2>&1 &
watcher=$!; PIDS+=($watcher)
sleep 3
kill -0 $watcher 2>/dev/null || { cat "$T/watch"; fail "the watchdog gave up while a program ran"; }
pass "no power-off while a program runs"
# the program ends: the watcher reports idleness and exits
: >"$APP/vmsilo-app-firefox-01234567.service/cgroup.procs"
for _ in $(seq 200); do kill -0 $watcher 2>/dev/null || break; sleep 0.1; done
kill -0 $watcher 2>/dev/null && fail "the watchdog did not act after the program ended"
rc=0; wait $watcher || rc=$?
[ $rc = 0 ] && grep -q 'would power off' "$T/watch" || { cat "$T/watch"; fail "dry run exited $rc"; }
pass "idle after the program ended: power-off requested (dry run)"

echo 'quiet root=/dev/vda' >"$T/cmdline"
VMSILO_KERNEL_CMDLINE=$T/cmdline "$W" --kernel-cmdline --cgroup-root "$R" 2>"$T/err" || fail "absent key should exit 0"
grep -q 'auto shutdown is off' "$T/err" || fail "absent key not reported"
echo 'quiet vmsilo.idle_shutdown=1 root=/dev/vda' >"$T/cmdline"
VMSILO_KERNEL_CMDLINE=$T/cmdline "$W" --kernel-cmdline --dry-run --cgroup-root "$R" >"$T/dry" 2>&1
grep -q 'idle for 1 s' "$T/dry" || fail "timeout from the kernel command line not used"
pass "timeout from vmsilo.idle_shutdown= on the kernel command line"
