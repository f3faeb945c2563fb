# vm-shell (console and ssh modes) and the bash completion, without systemd.
source "$(dirname "$0")/lib.sh"
export VMSILO_RUNTIME_DIR=$T/run VMSILO_CONFIG_DIR=$T/etc
mkdir -p "$T/run/demo" "$T/etc" "$T/bin"
SHELL_=$B/tools/cmd/vm-shell

# console: a stand-in serial console that answers what it is sent
command -v socat >/dev/null || skip "socat is not installed"
printf '#!/bin/sh\nexec sed -u "s/^/console:/"\n' >"$T/console.sh"
chmod +x "$T/console.sh"
bg socat UNIX-LISTEN:"$T/run/demo/console.socket",fork EXEC:"$T/console.sh"
wait_for_path "$T/run/demo/console.socket"
out=$(echo hello | "$SHELL_" demo)
[ "$out" = console:hello ] || fail "console relay gave '$out'"
pass "vm-shell relays the serial console"
expect_fail 1 "VM 'ghost' has no console at .*is it running" "$SHELL_" ghost

# ssh: a fake ssh records its arguments
cat >"$T/bin/ssh" <<'SSH'
#!/bin/sh
printf '%s\n' "$@"
SSH
chmod +x "$T/bin/ssh"
PATH=$T/bin:$PATH "$SHELL_" --ssh --root demo -- -v >"$T/ssh.args"
grep -q '^ProxyCommand=.*/vsock-connect --timeout 60 demo 22$' "$T/ssh.args" || { cat "$T/ssh.args"; fail "no vsock ProxyCommand"; }
grep -qx 'root@demo' "$T/ssh.args" || fail "not root@demo"
grep -qx -- '-v' "$T/ssh.args" || fail "extra ssh arguments lost"
PATH=$T/bin:$PATH "$SHELL_" --ssh demo >"$T/ssh2.args"
grep -qx 'user@demo' "$T/ssh2.args" || fail "default ssh user"
expect_fail 2 "need --ssh" "$SHELL_" --root demo
expect_fail 2 "exclude each other" "$SHELL_" --ssh --root --user x demo
pass "vm-shell --ssh runs ssh over vsock-connect"

# vm-start/vm-stop usage errors (their D-Bus path is tested under systemd)
expect_fail 2 "expected at least one VM name" "$B/tools/cmd/vm-start"
expect_fail 2 "invalid VM name 'host'" "$B/tools/cmd/vm-start" host
expect_fail 2 "--all takes no VM names" "$B/tools/cmd/vm-stop" --all demo
pass "vm-start/vm-stop usage errors"

# bash completion: VM names from the config dir, options, log levels
printf '[VM]\n' >"$T/etc/banking.vm"
printf '[VM]\n' >"$T/etc/shopping.vm"
comp() { # words... -> completions for the last word
	bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _vmsilo; printf "%s\n" "${COMPREPLY[@]}"' \
		_ "$VMSILO_SOURCE/completions/vmsilo.bash" "$@"
}
[ "$(comp vm-run b)" = banking ] || fail "vm-run VM name completion: $(comp vm-run b)"
[ "$(comp vm-stop banking s)" = shopping ] || fail "vm-stop completes several VMs"
# (into files: with pipefail, grep -q quitting early would fail the producer)
comp vm-run --log-level d >"$T/c1"; grep -qx debug "$T/c1" || fail "log level completion"
comp vm-stop --a >"$T/c2"; grep -qx -- --all "$T/c2" || fail "option completion"
comp vm-run -p banking ls >"$T/c3"; grep -qx ls "$T/c3" || fail "command completion after the VM"
comp_usb() { # words... -> vm-usb's completions for the last word
	PATH=$T/bin:$PATH bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _vmsilo_usb; printf "%s\n" "${COMPREPLY[@]}"' \
		_ "$VMSILO_SOURCE/completions/vmsilo.bash" "$@"
}
# a stand-in vm-usb whose list the completion reads
printf '#!/bin/sh\necho "BUSID ID VM DEVICE"\necho "1-2 17ef:60e0 banking Keyboard"\necho "1-3 046d:c52b - Mouse"\n' >"$T/bin/vm-usb"
chmod +x "$T/bin/vm-usb"
[ "$(comp_usb vm-usb a)" = attach ] || fail "vm-usb command completion: $(comp_usb vm-usb a)"
[ "$(comp_usb vm-usb --log-level debug attach b)" = banking ] || fail "vm-usb VM completion"
[ -z "$(comp_usb vm-usb list b)" ] || fail "list takes no VM"
[ "$(comp_usb vm-usb attach shopping 04)" = 046d:c52b ] || fail "vm-usb attach device completion: $(comp_usb vm-usb attach shopping 04)"
[ "$(comp_usb vm-usb detach banking '')" = 1-2 ] || fail "vm-usb detach offers the VM's devices: $(comp_usb vm-usb detach banking '')"
comp_usb vm-usb --no >"$T/c4"; grep -qx -- --no-wait "$T/c4" || fail "vm-usb option completion"
pass "bash completion (vm-usb: commands, VMs, plugged-in devices, the VM's devices)"
