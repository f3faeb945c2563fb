# vmsilo-tap-open inside a private network namespace.
source "$(dirname "$0")/lib.sh"

need_root "creating TAP devices in a network namespace"
command -v ip >/dev/null || skip "iproute2 (ip) not installed"
[ -c /dev/net/tun ] || skip "/dev/net/tun is missing"
NS=vmsilo-tap-$$
ip netns add "$NS" 2>"$T/err" || skip "cannot create network namespaces: $(cat "$T/err")"
CLEANUPS+=("ip netns del $NS")
in_ns() { ip netns exec "$NS" "$@"; }

TO=$B/tools/tap-open/vmsilo-tap-open
CHECK=$B/tests/helpers/tun-check

in_ns ip tuntap add dev vmtap0 mode tap vnet_hdr
in_ns ip tuntap add dev vmtapmq mode tap vnet_hdr multi_queue
in_ns ip tuntap add dev vmtun0 mode tun
in_ns ip link add vmdummy type veth peer name vmdummy2

out=$(in_ns "$TO" vmtap0 -- "$CHECK" '{fd}' vmtap0)
echo "$out" | grepq "^fd 3: vmtap0" || fail "default fd: $out"
pass "opens the TAP as fd 3"

out=$(in_ns "$TO" --fd 7 vmtapmq -- "$CHECK" 7 vmtapmq)
echo "$out" | grepq "^fd 7: vmtapmq .*multi_queue" || fail "--fd 7 multi-queue: $out"
pass "--fd 7 and IFF_MULTI_QUEUE"

out=$(in_ns "$TO" --fd 5 vmtap0 -- sh -c 'echo "$1"' sh 'fd={fd},mac=x,{fd}')
[ "$out" = "fd=5,mac=x,5" ] || fail "{fd} substitution gave '$out'"
pass "{fd} substituted in every argument"

expect_fail 1 "interface 'nosuch' does not exist" in_ns "$TO" nosuch -- true
expect_fail 1 "'vmtun0' is a TUN" in_ns "$TO" vmtun0 -- true
expect_fail 1 "'vmdummy' is not a TAP" in_ns "$TO" vmdummy -- true
expect_fail 1 "executing /nonexistent" in_ns "$TO" vmtap0 -- /nonexistent
expect_fail 2 "Usage" "$TO" vmtap0 true
expect_fail 2 "invalid --fd" "$TO" --fd 1 vmtap0 -- true
pass "errors for missing, TUN, non-TAP devices and bad usage"
