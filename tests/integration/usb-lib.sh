# Fake sysfs trees for the USB tests (source after lib.sh). USB itself is not
# in this kernel, so vmsilo-usb-host and vmsilo-usb-guest work on trees of
# plain files, and the tests read back exactly what each program wrote. The
# stub's files follow drivers/usb/usbip/stub_dev.c and stub_main.c
# (match_busid "add"/"del"); the vhci status follows
# drivers/usb/usbip/vhci_sysfs.c.

# usb_fake_host DIR: device 1-2 (17ef:60e0, serial SN0001, high speed, bus 1
# device 5) bound to the generic driver "usb", usbip-host loaded, plus a root
# hub and an interface, which are not devices to pass.
usb_fake_host() {
	local s=$1 dev=$1/bus/usb/devices/1-2 a
	rm -rf "$s"
	mkdir -p "$s/devices/pci0000:00/0000:00:14.0/usb1/1-2" "$s/bus/usb/devices" \
		"$s/bus/usb/drivers/usb" "$s/bus/usb/drivers/usbip-host"
	ln -s ../../../devices/pci0000:00/0000:00:14.0/usb1/1-2 "$dev"
	for a in idVendor:17ef idProduct:60e0 serial:SN0001 product:'Test Keyboard' speed:480 \
		busnum:1 devnum:5 bDeviceClass:00 usbip_status:1; do
		echo "${a#*:}" >"$dev/${a%%:*}"
	done
	: >"$dev/usbip_sockfd"
	ln -s ../../../../bus/usb/drivers/usb "$dev/driver"
	: >"$s/bus/usb/drivers/usb/bind"; : >"$s/bus/usb/drivers/usb/unbind"
	: >"$s/bus/usb/drivers/usbip-host/match_busid"
	: >"$s/bus/usb/drivers/usbip-host/bind"; : >"$s/bus/usb/drivers/usbip-host/unbind"
	: >"$s/bus/usb/drivers_probe"
	mkdir -p "$s/bus/usb/devices/usb1" "$s/bus/usb/devices/1-2:1.0"
}

# usb_fake_guest DIR: the guest's vhci_hcd.0 with 8 + 8 ports; hs port 0 and
# ss port 8 in use.
usb_fake_guest() {
	local d=$1/devices/platform/vhci_hcd.0 i
	rm -rf "$1"
	mkdir -p "$d"
	{
		echo "hub port sta spd dev      sockfd local_busid"
		echo "hs  0000 006 003 00030002 000003 3-1"
		for i in 1 2 3 4 5 6 7; do printf 'hs  %04u 004 000 00000000 000000 0-0\n' $i; done
		echo "ss  0008 006 005 00040002 000004 4-1"
		for i in 9 10 11 12 13 14 15; do printf 'ss  %04u 004 000 00000000 000000 0-0\n' $i; done
	} >"$d/status"
	: >"$d/attach"; : >"$d/detach"
}

# want FILE CONTENT: FILE holds exactly CONTENT.
want() {
	local got; got=$(cat "$1")
	[ "$got" = "$2" ] || fail "$1 holds '$got', expected '$2'"
}

# wait_nonempty FILE [SECONDS]
wait_nonempty() {
	local i
	for ((i = 0; i < ${2:-10} * 20; i++)); do [ -s "$1" ] && return 0; sleep 0.05; done
	fail "timed out waiting for $1 to be written"
}
