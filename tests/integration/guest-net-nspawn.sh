# vmsilo-guest-net.service as installed, under real systemd (PID 1 of a
# systemd-nspawn container standing in for the netvm guest), and real
# systemd-networkd applying the .network files it writes: the router's
# addresses and default route appear and its peers answer.
#
# The container gets the example netvm's vmsilo.* parameters (from
# vmsilo-launch --dry-run) as PID 1's arguments, its "kernel command line"
# here. Its network namespace holds the two NICs, already under the names
# the .link files give (udev, which renames NICs, does not run in a
# container); their veth peers lie in a second namespace. The container
# root has no systemd-resolved (a separate package in Debian 12), so the
# resolved drop-in is checked as text only (see guest-net-golden.sh). Last,
# vmsilo-guest-router.service installs the netvm's NAT and isolation rules.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/nspawn-lib.sh"
for c in systemd-nspawn nsenter ip ping; do command -v $c >/dev/null || skip "$c is not installed"; done
nspawn_prepare
[ -x "$NSPAWN_CACHE/lib/systemd/systemd-networkd" ] || skip "the container root has no systemd-networkd"

export VMSILO_RUNTIME_DIR=/run/vmsilo VMSILO_CONFIG_DIR=$T/etc
mkdir -p "$T/etc" && cp "$VMSILO_SOURCE"/tests/data/vm/good/*.vm "$T/etc/"
"$B/tools/launch/vmsilo-launch" --dry-run --cid 4242 netvm | sed -n 's/^--params=//p; s/^--cmdline=//p' \
	| tr ' ' '\n' | grep '^vmsilo\.' >"$T/cmdline" || fail "no vmsilo.* parameters for netvm"
mac() { sed -n "s/^vmsilo.ifname=$1,//p" "$T/cmdline"; }
[ -n "$(mac upstream)" ] && [ -n "$(mac banking)" ] || fail "netvm lacks its upstream or banking NIC: $(cat "$T/cmdline")"

G=vmsgn-$$-g P=vmsgn-$$-p
for ns in $G $P; do
	ip netns add $ns 2>"$T/err" || skip "cannot create network namespaces: $(cat "$T/err")"
	CLEANUPS+=("ip netns del $ns")
done
ip -n $G link add upstream address "$(mac upstream)" type veth peer name up-peer netns $P
ip -n $G link add banking address "$(mac banking)" type veth peer name bank-peer netns $P
ip -n $P addr add 10.200.81.189/31 dev up-peer && ip -n $P link set up-peer up
ip -n $P addr add 10.200.244.128/31 dev bank-peer && ip -n $P link set bank-peer up
grep -qx 'vmsilo.route=upstream,0.0.0.0/0,10.200.81.189' "$T/cmdline" \
	&& grep -qx 'vmsilo.addr=banking,10.200.244.129/31' "$T/cmdline" \
	|| fail "netvm's addresses changed; adapt the peers: $(cat "$T/cmdline")"

# vmsilo-net's libraries (libnl, libnftnl) are not in the container root: lend it the host's
binds=()
while read -r lib; do
	real=$(readlink -f "$lib")
	[ -e "$NSPAWN_CACHE$(dirname "$real")/${lib##*/}" ] || binds+=("--bind-ro=$real:$(dirname "$real")/${lib##*/}")
done < <(ldd "$B/tools/net/vmsilo-net" | awk '$2 == "=>" && $3 ~ /^\// { print $3 }')
mapfile -t params <"$T/cmdline"
nspawn_boot guestnet --network-namespace-path=/run/netns/$G --capability=CAP_NET_ADMIN "${binds[@]}" \
	-- "${params[@]}"
CLEANUPS+=("nspawn_stop")
pass "the netvm container booted in its own network namespace"

# install_unit UNIT: the unit as installed, taking the command line from PID 1's
# arguments. In a sanitizer build, LeakSanitizer would ptrace the program at
# exit, which the unit's SystemCallFilter= forbids (the program then hangs):
# leaks are the unit test's and the fuzzers' to find.
install_unit() {
	in_ct sh -c "mkdir -p /etc/systemd/system/$1.d && ln -s $PREFIX/lib/systemd/system/$1 /etc/systemd/system/ &&
		printf '[Service]\nEnvironment=VMSILO_KERNEL_CMDLINE=/proc/1/cmdline ASAN_OPTIONS=detect_leaks=0\n' \
			>/etc/systemd/system/$1.d/test.conf && systemctl daemon-reload"
}
install_unit vmsilo-guest-net.service
timeout 60 nsenter -t "$CT_PID" -a systemctl start vmsilo-guest-net.service \
	|| { in_ct journalctl -u vmsilo-guest-net -o cat --no-pager | tail; fail "vmsilo-guest-net.service failed"; }
in_ct journalctl -u vmsilo-guest-net -o cat --no-pager >"$T/journal"
grep -q '2 interfaces, 1 DNS server, answering DNS for clients' "$T/journal" \
	|| { cat "$T/journal"; fail "the unit did not report the netvm's settings"; }
grep -q "ignoring vmsilo" "$T/journal" && { cat "$T/journal"; fail "parameters were skipped"; }
for f in network/10-vmsilo-upstream.link network/10-vmsilo-upstream.network network/10-vmsilo-banking.link \
	network/10-vmsilo-banking.network resolved.conf.d/vmsilo.conf; do
	in_ct test -s /run/systemd/$f || fail "the unit did not write /run/systemd/$f"
done
pass "vmsilo-guest-net.service (sandboxed as shipped) wrote the files from the command line"

in_ct systemctl start systemd-networkd.service \
	|| { in_ct journalctl -u systemd-networkd -o cat --no-pager | tail; fail "systemd-networkd did not start"; }
configured=
for _ in $(seq 100); do
	if ip -n $G -4 addr show dev upstream | grepq 'inet 10.200.81.188/31' &&
		ip -n $G -4 addr show dev banking | grepq 'inet 10.200.244.129/31' &&
		ip -n $G route show default | grepq 'via 10.200.81.189 dev upstream'; then
		configured=1; break
	fi
	sleep 0.1
done
[ -n "$configured" ] || { ip -n $G addr; ip -n $G route; in_ct journalctl -u systemd-networkd -o cat --no-pager | tail;
	fail "networkd did not apply the addresses and the default route"; }
pass "systemd-networkd applied both static addresses and the default route via the host"
ip netns exec $G ping -c 1 -W 2 10.200.81.189 >/dev/null || fail "the host end of upstream does not answer"
ip netns exec $G ping -c 1 -W 2 10.200.244.128 >/dev/null || fail "the client end of banking does not answer"
pass "the netvm reaches its upstream gateway and its client over the configured links"
for link in upstream banking; do
	in_ct networkctl status "$link" --no-pager >"$T/status" 2>&1 || true
	grep -q "Network File: /run/systemd/network/10-vmsilo-$link.network" "$T/status" \
		|| { cat "$T/status"; fail "$link is not configured by vmsilo's .network file"; }
done
pass "networkd configures each link from vmsilo's .network file for it"

# the netvm's router rules, from the installed unit (vmsilo.netvm=1 is among the parameters)
install_unit vmsilo-guest-router.service
# the container's /proc/sys is read-only: turn forwarding on from outside (net.sh
# sees guest-router turn it on itself)
ip netns exec $G sysctl -qw net.ipv4.ip_forward=1
timeout 60 nsenter -t "$CT_PID" -a systemctl start vmsilo-guest-router.service \
	|| { in_ct journalctl -u vmsilo-guest-router -o cat --no-pager | tail; fail "vmsilo-guest-router.service failed"; }
in_ct systemctl is-active -q vmsilo-guest-router.service || fail "the router unit was skipped in a netvm"
ip netns exec $G nft list table inet vmsilo-router | grepq '"banking"' \
	|| { ip netns exec $G nft list ruleset; fail "no router rules for client banking"; }
pass "vmsilo-guest-router.service (sandboxed as shipped) installs the router rules for banking"
