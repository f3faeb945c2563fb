# Shared pieces of the vmsilo-net namespace tests (sourced after lib.sh).
need_root "network namespaces, TAPs and nftables"
for p in ip nft ping socat ethtool; do command -v $p >/dev/null || skip "$p is not installed"; done
[ -c /dev/net/tun ] || skip "/dev/net/tun is missing"
NET=$B/tools/net/vmsilo-net

# netns_add NS...: fresh namespaces with lo up, removed (with everything
# started inside them) at exit
netns_add() {
	local ns
	for ns in "$@"; do
		ip netns add "$ns" 2>"$T/err" || skip "cannot create network namespaces: $(cat "$T/err")"
		CLEANUPS+=("ip netns pids $ns | xargs -r kill -9; ip netns del $ns")
		ip -n "$ns" link set lo up
	done
}

# serve NS PORT TEXT: a TCP service in NS answering TEXT, up before return
serve() {
	bg ip netns exec "$1" socat TCP-LISTEN:"$2",reuseaddr,fork SYSTEM:"echo $3"
	for _ in $(seq 50); do
		ip netns exec "$1" socat -T 1 - TCP:127.0.0.1:"$2" </dev/null 2>/dev/null | grepq "$3" && return 0
		sleep 0.1
	done
	fail "the service on port $2 in $1 did not come up"
}

# no_tcp NS ADDR PORT WHAT: a connection from NS to ADDR:PORT must fail
no_tcp() {
	if ip netns exec "$1" socat -T 2 - TCP:"$2":"$3",connect-timeout=2 </dev/null >"$T/out" 2>&1; then
		fail "$4: $(cat "$T/out")"
	fi
}

# unreachable NS ADDR PORT WHAT: neither TCP nor ping from NS reach ADDR
unreachable() {
	no_tcp "$@"
	if ip netns exec "$1" ping -c 1 -W 2 "$2" >/dev/null 2>&1; then fail "$4 (ping)"; fi
}
