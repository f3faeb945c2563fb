# vsock-connect as an ssh ProxyCommand: a real OpenSSH client reaches a real
# sshd (in inetd mode) behind guest port 22 of the hybrid-vsock peer.
source "$(dirname "$0")/lib.sh"
need_root "sshd refuses to run inetd-style for another user"
for p in ssh ssh-keygen /usr/sbin/sshd; do
	command -v "$p" >/dev/null || skip "$p is not installed (packages openssh-client, openssh-server)"
done
export VMSILO_RUNTIME_DIR=$T/run
mkdir -p "$T/run/demo" /run/sshd
ssh-keygen -q -t ed25519 -N '' -f "$T/hostkey"
ssh-keygen -q -t ed25519 -N '' -f "$T/userkey"
cp "$T/userkey.pub" "$T/authorized_keys"
cat >"$T/sshd_config" <<CFG
HostKey $T/hostkey
AuthorizedKeysFile $T/authorized_keys
StrictModes no
UsePAM no
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
PidFile none
LogLevel ERROR
CFG
bg "$B/tests/helpers/hybrid-vsock-peer" --socket "$T/run/demo/vsock.socket" \
	--exec 22 "/usr/sbin/sshd -i -f $T/sshd_config"
wait_for_path "$T/run/demo/vsock.socket"

sshopts=(-F /dev/null -i "$T/userkey" -o BatchMode=yes -o StrictHostKeyChecking=accept-new
	-o "UserKnownHostsFile=$T/known_hosts" -o "ProxyCommand=$B/tools/vsock/vsock-connect --timeout 5 %n 22")
out=$(echo through-ssh | ssh "${sshopts[@]}" "$(id -un)@demo" 'echo hello from sshd; cat') ||
	fail "ssh through vsock-connect failed"
[ "$out" = $'hello from sshd\nthrough-ssh' ] || fail "ssh session returned '$out'"
pass "ssh with ProxyCommand=vsock-connect reaches sshd behind guest port 22"

head -c 2000000 /dev/urandom >"$T/blob"
got=$(ssh "${sshopts[@]}" "$(id -un)@demo" 'sha256sum' <"$T/blob")
[ "${got%% *}" = "$(sha256sum <"$T/blob" | cut -d' ' -f1)" ] || fail "2 MB through ssh differ"
pass "2 MB through the ssh session arrive intact"
