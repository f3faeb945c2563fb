# A router VM between two client VMs and the host, end to end, with every
# guest configured from the kernel command line vmsilo-launch writes for it.
#
# Namespaces: H is the host (vmsilo-net runs there), R the router guest
# (IsNetvm=yes, Netvm=host), C1 and C2 its clients (Netvm=router), O the
# outside world behind H. Each guest NIC is a veth end named and addressed as
# the guest would from vmsilo.ifname=/addr=/route=; its other end lies in an
# address-less "wire" namespace, where frame-pump joins it to the TAP that
# vmsilo-tap-open opens in H, as the VMM would. `vmsilo-net guest-router`
# runs in R with R's own command line.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/net-lib.sh"

P=vmsr-$$
H=$P-host O=$P-out R=$P-router C1=$P-c1 C2=$P-c2 W=$P-wire
netns_add $H $O $R $C1 $C2 $W
inh() { ip netns exec $H "$@"; }
LAUNCH=$B/tools/launch/vmsilo-launch
export VMSILO_CONFIG_DIR=$T/etc VMSILO_RUNTIME_DIR=$T/run
mkdir -p "$T/etc" "$T/run"
vm() { printf '[VM]\nKernel=/k\nRootDisk=/r\nHypervisor=crosvm\n[Network]\n%s\n' "$2" >"$T/etc/$1.vm"; }
vm router $'Netvm=host\nIsNetvm=yes'
vm c1 'Netvm=router'
vm c2 'Netvm=router'

ip -n $H link add out0 type veth peer name eth0 netns $O
ip -n $H addr add 198.51.100.1/24 dev out0 && ip -n $H link set out0 up
ip -n $O addr add 198.51.100.2/24 dev eth0 && ip -n $O link set eth0 up

before=$(inh nft list ruleset)
for v in router c1 c2; do inh "$NET" up $v || fail "up $v failed"; done
pass "up router, c1 and c2"

# boot VM NS CID: wires and configures the guest from vmsilo-launch's argv
boot() {
	local vm=$1 ns=$2 argv w tap fd mac name rest dest gw
	argv=$("$LAUNCH" --dry-run --cid "$3" "$vm") || fail "vmsilo-launch --dry-run $vm failed"
	mapfile -t w < <(tr ' ' '\n' <<<"$argv" | grep -v '^$')
	printf '%s\n' "${w[@]}" | sed -n 's/^--params=//p; /^vmsilo\./p' >"$T/$vm.cmdline"
	declare -A tapfd=()
	for ((i = 0; i < ${#w[@]}; i++)); do
		[ "${w[$i]##*/}" = vmsilo-tap-open ] || continue
		tapfd[${w[$((i + 1))]#--fd=}]=${w[$((i + 2))]}
	done
	for x in "${w[@]}"; do
		[[ $x == --net=tap-fd=* ]] || continue
		fd=${x#--net=tap-fd=}; fd=${fd%%,*}; mac=${x##*mac=}; tap=${tapfd[$fd]}
		name=$(sed -n "s/^vmsilo.ifname=\(.*\),$mac\$/\1/p" "$T/$vm.cmdline")
		[ -n "$tap" ] && [ -n "$name" ] || fail "$vm: no TAP or guest name for $x"
		ip -n $W link add "p-$tap" type veth peer name "$name" netns "$ns"
		ip -n "$ns" link set "$name" address "$mac"
		ip -n $W link set "p-$tap" up && ip -n "$ns" link set "$name" up
		# the pump writes plain frames: checksums must be complete
		ip netns exec "$ns" ethtool -K "$name" tx off >/dev/null
		ip netns exec $W ethtool -K "p-$tap" tx off >/dev/null
		bg ip netns exec $H "$B/tools/tap-open/vmsilo-tap-open" "$tap" -- \
			ip netns exec $W "$B/tests/helpers/frame-pump" '{fd}' "p-$tap"
	done
	for x in $(sed -n 's/^vmsilo.addr=//p' "$T/$vm.cmdline"); do
		ip -n "$ns" addr add "${x#*,}" dev "${x%%,*}" || fail "$vm: cannot add $x"
	done
	for x in $(sed -n 's/^vmsilo.route=//p' "$T/$vm.cmdline"); do
		IFS=, read -r name dest gw <<<"$x"
		[ "$dest" = 0.0.0.0/0 ] && dest=default
		ip -n "$ns" route add "$dest" via "$gw" dev "$name" || fail "$vm: cannot add route $x"
	done
}
boot router $R 10
boot c1 $C1 11
boot c2 $C2 12
ip netns exec $R "$NET" guest-router --cmdline "$T/router.cmdline" || fail "guest-router failed in the router"
grep -qx 'vmsilo.client=c1' "$T/router.cmdline" || fail "the router's command line names no client c1"
pass "every guest wired and configured from its vmsilo-launch command line; guest-router running"

gw1=$(sed -n 's/^vmsilo.route=upstream,0.0.0.0\/0,//p' "$T/c1.cmdline")
dns1=$(sed -n 's/^vmsilo.dns=//p' "$T/c1.cmdline")
c2addr=$(sed -n 's/^vmsilo.addr=upstream,//p' "$T/c2.cmdline"); c2addr=${c2addr%/*}
[ -n "$gw1" ] && [ "$dns1" = "$gw1" ] || fail "c1's DNS server '$dns1' is not its router '$gw1'"

bg ip netns exec $O socat TCP-LISTEN:8080,reuseaddr,fork SYSTEM:'echo seen-from \$SOCAT_PEERADDR'
serve $R 53 router-dns
serve $R 2222 router-shell
serve $C2 7070 c2-service

for c in $C1 $C2; do
	ip netns exec $c ping -c 1 -W 5 198.51.100.2 >"$T/ping" || { cat "$T/ping"; fail "$c cannot ping outside"; }
done
out=$(ip netns exec $C1 socat -T 5 - TCP:198.51.100.2:8080,connect-timeout=5 </dev/null) || fail "c1: tcp to outside failed"
[ "$out" = "seen-from 198.51.100.1" ] || fail "outside saw '$out', not the host's address"
pass "both clients reach outside through the router and the host (NAT twice)"

out=$(ip netns exec $C1 socat -T 5 - TCP:"$dns1":53,connect-timeout=5 </dev/null) || fail "c1 cannot reach its router's port 53"
[ "$out" = router-dns ] || fail "unexpected answer on the router's port 53: $out"
no_tcp $C1 "$dns1" 2222 "c1 reached another service of the router"
pass "a client reaches its router's name service, and no other service of the router"

unreachable $C1 "$c2addr" 7070 "c1 reached c2"
pass "c1 cannot reach c2"

for v in c1 c2 router; do inh "$NET" down $v || fail "down $v failed"; done
[ "$(inh nft list ruleset)" = "$before" ] || { inh nft list ruleset; fail "rules left behind"; }
inh ip -br link | grepq '^vs' && fail "interfaces left behind: $(inh ip -br link)"
pass "down removes every TAP, bridge and rule"
