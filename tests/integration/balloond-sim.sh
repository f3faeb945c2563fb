# vmsilo-balloond against a simulated host and guests (tests/helpers/fake-ch-api:
# cloud-hypervisor's REST API as documented in its docs/api.md and OpenAPI
# spec, one crosvm VM behind crosvm's control socket as its vm_control crate
# defines it, guests whose available memory follows the balloon, synthetic
# /proc/meminfo and PSI files). Time is counted in rounds:
# each round is one `vmsilo-balloond --once` evaluation, so nothing here
# depends on how fast this machine is.
source "$(dirname "$0")/lib.sh"
command -v socat >/dev/null || skip "socat is not installed (dev/packages.txt)"

export VMSILO_RUNTIME_DIR=$T/run VMSILO_CONFIG_DIR=$T/etc
mkdir -p "$VMSILO_RUNTIME_DIR" "$VMSILO_CONFIG_DIR"
printf '[VM]\nKernel=/k\nRootDisk=/r\nMemory=2048\nHypervisor=crosvm\n' >"$VMSILO_CONFIG_DIR/legacy.vm"   # crosvm: configured memory from here
D=$B/tools/balloond/vmsilo-balloond
CTL=$T/ctl

bg "$B/tests/helpers/fake-ch-api" --dir "$VMSILO_RUNTIME_DIR" --meminfo "$T/meminfo" --psi "$T/psi" \
	--ctl "$CTL" --host-total 16384 --host-used 3000 \
	--vm banking:4096:1500 --vm shopping:4096:1000 --vm work:2048:800 --vm legacy:2048:400:crosvm
wait_for_path "$CTL"

ctl() { printf '%s\n' "$*" | socat -t 5 - "UNIX-CONNECT:$CTL"; }
total_resizes() { ctl state | awk '/^vm /{for(i=1;i<=NF;i++) if ($i ~ /^resizes=/) {split($i,a,"="); s+=a[2]}} END{print s+0}'; }
balloon_sum() { ctl state | awk '/^vm /{for(i=1;i<=NF;i++) if ($i ~ /^balloon=/) {split($i,a,"="); s+=a[2]}} END{print s+0}'; }
host_available() { ctl state | awk '/^host /{for(i=1;i<=NF;i++) if ($i ~ /^available=/) {split($i,a,"="); print a[2]}}'; }
round() { "$D" --once --meminfo "$T/meminfo" --psi "$T/psi" "$@" >"$T/table" 2>>"$T/daemon.log" || { cat "$T/daemon.log"; fail "--once exited $?"; }; }

# 1. Settle: from boot the balloons converge and then stop moving.
for i in $(seq 1 20); do round; done
before=$(total_resizes)
for i in $(seq 1 5); do round; done
[ "$(total_resizes)" = "$before" ] || { ctl state; fail "still adjusting after 20 rounds"; }
grep -q '^banking ' "$T/table" || { cat "$T/table"; fail "--once table lacks the banking row"; }
pass "balloons converge from boot ($before adjustments), then hold"

# 2. Steady load with small noise: 60 rounds, at most 2 adjustments.
before=$(total_resizes)
for i in $(seq 1 60); do
	if ((i % 2)); then ctl guest banking used 1530 >/dev/null; else ctl guest banking used 1480 >/dev/null; fi
	round
done
n=$(( $(total_resizes) - before ))
[ "$n" -le 2 ] || { ctl state; fail "$n adjustments in 60 steady rounds (oscillation)"; }
pass "steady load: $n adjustments in 60 rounds"

# 3. --dry-run decides but changes nothing. From here on the host is short:
#    its own use grows until only 300 MiB are left.
ctl host-used $(( 3000 + $(host_available) - 300 )) >/dev/null
before=$(total_resizes)
round --dry-run
[ "$(total_resizes)" = "$before" ] || fail "--dry-run changed a balloon"
grep -q 'dry run' "$T/daemon.log" || fail "--dry-run logged no decision"
grep -qE ' inflate ' "$T/table" || { cat "$T/table"; fail "--dry-run table shows no inflation under pressure"; }
pass "--dry-run logs and prints decisions, actuates nothing"

# 4. Host pressure spike: within 2 rounds the balloons inflate and the host recovers
#    above its critical line (5% of 16384 MiB = 819 MiB).
avail0=$(host_available); sum0=$(balloon_sum)
[ "$avail0" -lt 819 ] || fail "scenario error: host not critical ($avail0 MiB)"
round; round
avail2=$(host_available); sum2=$(balloon_sum)
[ "$sum2" -gt "$sum0" ] || { ctl state; fail "no balloon inflated within 2 rounds of the spike"; }
[ "$avail2" -ge 819 ] || { ctl state; fail "host still critical after 2 rounds: $avail2 MiB"; }
pass "pressure spike: host $avail0 -> $avail2 MiB available within 2 rounds (balloons $sum0 -> $sum2 MiB)"

# 5. Pressure gone: balloons deflate again.
ctl host-used 3000 >/dev/null
for i in $(seq 1 10); do round; done
sum3=$(balloon_sum)
[ "$sum3" -lt "$sum2" ] || { ctl state; fail "balloons did not deflate after the pressure ended ($sum2 -> $sum3 MiB)"; }
pass "pressure gone: balloons $sum2 -> $sum3 MiB"

# 6. A guest that needs memory gets it back from its own balloon.
ctl guest shopping used 3300 >/dev/null
for i in $(seq 1 5); do round; done
greedy=$(ctl state | awk '$2 == "shopping" {print}')
avail_greedy=$(sed -n 's/.*available=\([0-9]*\).*/\1/p' <<<"$greedy")
[ "$avail_greedy" -ge 256 ] || { ctl state; fail "greedy guest left below its floor: $greedy"; }
pass "greedy guest got memory back: $greedy"

# 7. The crosvm VM took part like the others.
legacy=$(ctl state | awk '$2 == "legacy" {print}')
grep -qE 'resizes=[1-9]' <<<"$legacy" || { ctl state; fail "the crosvm VM was never adjusted: $legacy"; }
pass "crosvm VM balanced through its control socket: $legacy"

# 8. The floor was never violated by an inflation in any round.
v=$(ctl state | awk '/^vm /{for(i=1;i<=NF;i++) if ($i ~ /^violations=/) {split($i,a,"="); s+=a[2]}} END{print s+0}')
[ "$v" = 0 ] || { ctl state; fail "$v guest floor violations"; }
pass "no guest floor violation in $(total_resizes) adjustments"
