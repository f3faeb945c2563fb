# vmsilo-net in network namespaces: "host", "vm1", "vm2" and "outside". Each
# VM is a namespace behind a veth whose other end lies in an address-less
# "wire" namespace (so the host's kernel sees the VM's frames only through
# the TAP); frame-pump joins that end to the VM's TAP, holding the TAP as the
# VMM would, with its descriptor from vmsilo-tap-open in the host namespace.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/net-lib.sh"

P=vmsilo-$$
H=$P-host O=$P-out V1=$P-vm1 V2=$P-vm2 W=$P-wire
netns_add $H $O $V1 $V2 $W
inh() { ip netns exec $H "$@"; }
export VMSILO_CONFIG_DIR=$T/etc
mkdir -p "$T/etc"
for vm in vm1 vm2; do
	printf '[VM]\nKernel=/k\nRootDisk=/r\n[Network]\nNetvm=host\n' >"$T/etc/$vm.vm"
done

# the outside world: a veth to "outside" with documentation addresses
ip -n $H link add out0 type veth peer name eth0 netns $O
ip -n $H addr add 198.51.100.1/24 dev out0 && ip -n $H link set out0 up
ip -n $O addr add 198.51.100.2/24 dev eth0 && ip -n $O link set eth0 up

before=$(inh nft list ruleset)
inh "$NET" up vm1 && inh "$NET" up vm1 || fail "up (twice) failed"
inh "$NET" up vm2 || fail "up vm2 failed"
pass "up, and up again, succeed"

# wire each VM namespace to its TAP: plan addresses come from status
guest() { # vm ns
	local line tap host
	line=$(inh "$NET" status "$1" | grep 'netvm host')
	tap=$(echo "$line" | awk '{print $2}')
	host=$(echo "$line" | grep -o 'inet [0-9./]*' | cut -d' ' -f2)
	local odd=${host%/31} even
	even=$(echo "$odd" | awk -F. '{printf "%d.%d.%d.%d", $1, $2, $3, $4 - 1}')
	ip -n $W link add "p-$1" type veth peer name eth0 netns "$2"
	ip -n $W link set "p-$1" up
	ip -n "$2" addr add "$even/31" dev eth0 && ip -n "$2" link set eth0 up
	# the pump writes plain frames: checksums must be complete, not left to offload
	ip netns exec "$2" ethtool -K eth0 tx off >/dev/null
	ip netns exec $W ethtool -K "p-$1" tx off >/dev/null
	ip -n "$2" route add default via "$odd"
	bg ip netns exec $H "$B/tools/tap-open/vmsilo-tap-open" "$tap" -- \
		ip netns exec $W "$B/tests/helpers/frame-pump" '{fd}' "p-$1"
	echo "$even $odd $tap"
}
read -r VM1_IP HOST1_IP TAP1 < <(guest vm1 $V1)
read -r VM2_IP HOST2_IP TAP2 < <(guest vm2 $V2)

ip netns exec $V1 ping -c 1 -W 5 198.51.100.2 >"$T/ping" || { cat "$T/ping"; fail "vm1 cannot ping outside"; }
pass "vm1 pings outside through the host"

# anti-spoofing: a packet from vm1 with a source other than its own address
# is dropped on the host, where without the rule it would be forwarded as is
ip -n $V1 addr add 203.0.113.77/32 dev eth0
ip netns exec $O nft -f - <<'NFT' || fail "cannot set up the counters in outside"
table ip spoofcheck {
	chain in {
		type filter hook input priority 0;
		ip saddr 203.0.113.77 counter
		ip saddr 198.51.100.1 counter
	}
}
NFT
ip netns exec $V1 ping -c 2 -W 1 -I 203.0.113.77 198.51.100.2 >/dev/null 2>&1 && fail "a spoofed ping was answered"
ip netns exec $V1 ping -c 1 -W 5 198.51.100.2 >/dev/null || fail "vm1 cannot ping outside after the spoof attempt"
counters=$(ip netns exec $O nft list chain ip spoofcheck in)
echo "$counters" | grepq 'ip saddr 203.0.113.77 counter packets 0 ' || { echo "$counters"; fail "spoofed packets reached outside"; }
echo "$counters" | grepq 'ip saddr 198.51.100.1 counter packets [1-9]' || { echo "$counters"; fail "the control ping did not reach outside"; }
ip -n $V1 addr del 203.0.113.77/32 dev eth0
pass "packets from vm1 with a forged source address are dropped on the host"

bg ip netns exec $O socat TCP-LISTEN:8080,reuseaddr,fork SYSTEM:'echo seen-from \$SOCAT_PEERADDR'
serve $H 9090 host-service
serve $V2 7070 vm2-service
out=$(ip netns exec $V1 socat -T 5 - TCP:198.51.100.2:8080,connect-timeout=5 </dev/null) || fail "vm1: tcp to outside failed"
[ "$out" = "seen-from 198.51.100.1" ] || fail "outside saw '$out', not the host's address"
pass "vm1 reaches outside over TCP, and outside sees the host's address (NAT)"

no_tcp $V1 "$HOST1_IP" 9090 "vm1 connected to a host service"
no_tcp $V1 198.51.100.1 9090 "vm1 connected to a host service on another address"
pass "vm1 cannot open connections to the host's services"

unreachable $V1 "$VM2_IP" 7070 "vm1 reached vm2"
pass "vm1 cannot reach vm2"

inh "$NET" status >"$T/status"
grep -q "vm1: $TAP1 (netvm host, guest upstream) up" "$T/status" || { cat "$T/status"; fail "status"; }
grep -q "nftables: table inet vmsilo chain nat-$TAP2" "$T/status" || { cat "$T/status"; fail "status lacks rules"; }
pass "status shows the interfaces, addresses and rules"

inh "$NET" down vm1 && inh "$NET" down vm2 || fail "down failed"
[ "$(inh nft list ruleset)" = "$before" ] || { inh nft list ruleset; fail "rules left behind"; }
inh ip -br link | grepq '^vs' && fail "interfaces left behind: $(inh ip -br link)"
pass "down removes every interface, table and rule"

# a VM netvm: client and router TAPs share a generated bridge
printf '[VM]\nKernel=/k\nRootDisk=/r\n[Network]\nIsNetvm=yes\n' >"$T/etc/router.vm"
printf '[VM]\nKernel=/k\nRootDisk=/r\n[Network]\nNetvm=router\n' >"$T/etc/client.vm"
inh "$NET" up router && inh "$NET" up client || fail "router/client up failed"
bridge=$(inh "$NET" status client | grep -o 'bridge [a-z0-9-]*' | cut -d' ' -f2)
[ "$(inh ip -br link show master "$bridge" | wc -l)" = 2 ] || fail "bridge $bridge does not hold both TAPs"
inh "$NET" down client && inh "$NET" down router || fail "router/client down failed"
inh ip -br link | grepq '^vs' && fail "router links left behind"
pass "netvm links: client and router TAPs in one bridge, all removed on down"

expect_fail 1 "VM 'ghost'|ghost.vm" inh "$NET" up ghost
expect_fail 2 "unknown command" "$NET" sideways vm1
pass "errors"

# guest-router inside a "netvm guest" namespace: NAT and isolation for the
# clients named on its kernel command line; running it again replaces the rules
R=$P-router
ip netns add $R && CLEANUPS+=("ip netns del $R")
printf 'console=ttyS0 vmsilo.name=router vmsilo.client=c1 vmsilo.client=c2 quiet\n' >"$T/cmdline"
ip netns exec $R "$NET" guest-router --cmdline "$T/cmdline" || fail "guest-router failed"
ip netns exec $R "$NET" guest-router --cmdline "$T/cmdline" || fail "guest-router failed the second time"
ip netns exec $R nft list table inet vmsilo-router >"$T/router.nft"
for want in 'ct state established,related accept' 'oifname "c1" drop' 'oifname "c2" drop' \
	'iifname "c1" udp dport 53 accept' 'iifname "c2" tcp dport 53 accept' 'iifname "c1" drop' \
	'iifname "c1" oifname != "lo" masquerade' 'iifname "c2" oifname != "lo" masquerade'; do
	grep -qF "$want" "$T/router.nft" || { cat "$T/router.nft"; fail "router rules lack: $want"; }
done
[ "$(grep -c masquerade "$T/router.nft")" = 2 ] || fail "router rules were duplicated by the second run"
[ "$(ip netns exec $R cat /proc/sys/net/ipv4/ip_forward)" = 1 ] || fail "the router does not forward"
pass "guest-router installs NAT, client isolation and DNS-only input, idempotently"
