/* SPDX-License-Identifier: MIT */
/* Unit tests for the INI reader and the .vm model. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "ini.h"
#include "vmconfig.h"

#define BASE "[VM]\nKernel=/k\nRootDisk=/r\n"

static int parse(const char *name, const char *text, struct vm_config *vm, struct vm_error *err)
{
	return vm_config_parse(name, text, strlen(text), vm, err);
}

static void expect_error(const char *name, const char *text, const char *message)
{
	struct vm_config vm;
	struct vm_error err = { "" };
	int r = parse(name, text, &vm, &err);
	if (r >= 0 || strcmp(err.text, message) != 0)
		fail_msg("for:\n%s\nexpected error: %s\ngot (%d): %s", text, message, r, err.text);
	vm_config_free(&vm);
}

static void test_ini_syntax(void **state)
{
	const char *text = "# c\n; c\n[A]\n  Key = value with spaces  \nL=1\nL=2\n"
			   "Cont=one \\\n# skipped comment\n  two\n[B arg x]\n[C]\n";
	struct ini_file f;
	struct ini_error err;
	(void)state;
	assert_int_equal(ini_parse_buffer("t.ini", text, strlen(text), &f, &err), 0);
	assert_int_equal(f.n, 4);
	assert_string_equal(f.entries[0].key, "Key");
	assert_string_equal(f.entries[0].value, "value with spaces");
	assert_int_equal(f.entries[0].line, 4);
	assert_string_equal(f.entries[3].value, "one    two");
	assert_int_equal(f.entries[3].line, 7);
	assert_int_equal(f.nsections, 3);
	assert_string_equal(f.sections[1].section, "B");
	assert_string_equal(f.sections[1].arg, "arg x");
	assert_null(f.sections[2].arg);
	ini_free(&f);

	assert_int_equal(ini_parse_buffer("t.ini", "K=v\n", 4, &f, &err), -EINVAL);
	assert_string_equal(err.text, "t.ini:1: 'K=' appears before any [Section]");
	ini_free(&f);
	assert_int_equal(ini_parse_buffer("t.ini", "[A]\nnoequals\n", 12, &f, &err), -EINVAL);
	assert_string_equal(err.text, "t.ini:2: expected Key=value or [Section], got 'noequals'");
	ini_free(&f);
	assert_int_equal(ini_parse_buffer("t.ini", "[A\n", 3, &f, &err), -EINVAL);
	ini_free(&f);
	assert_int_equal(ini_parse_buffer("t.ini", "[A]\n\0", 5, &f, &err), -EINVAL);
	ini_free(&f);
}

static void test_defaults(void **state)
{
	struct vm_config vm;
	struct vm_error err;
	(void)state;
	assert_int_equal(parse("/etc/vmsilo/banking.vm", BASE, &vm, &err), 0);
	assert_string_equal(vm.name, "banking");
	assert_int_equal(vm.memory_mib, 1024);
	assert_int_equal(vm.cpus, 2);
	assert_string_equal(vm.color, "darkred");
	assert_int_equal(vm.hypervisor, HV_CLOUD_HYPERVISOR);
	assert_true(vm.root_disk_read_only);
	assert_true(vm_gpu_enabled(&vm));
	assert_true(vm.sound_playback);
	assert_false(vm.sound_capture);
	assert_true(vm.dbus_notifications);
	assert_false(vm.dbus_tray);
	assert_string_equal(vm.overlay_size, "10G");
	assert_int_equal(vm.overlay_type, OVERLAY_RAW);
	assert_string_equal(vm.netvm_range, "10.200.0.0/16");
	assert_int_equal(vm.n_interfaces, 0);
	vm_config_free(&vm);
}

static void test_full(void **state)
{
	struct vm_config vm;
	struct vm_error err = { "" };
	const char *text = BASE "Memory=4096\nCPUs=4\nColor=#2ecc71\nHypervisor=crosvm\n"
			   "KernelParam=quiet\nKernelParam=loglevel=3\nDependsOn=netvm\n"
			   "[Network]\nNetvm=netvm\nNameserver=9.9.9.9\n"
			   "[Interface wan]\nHostAddress=10.0.0.254/24\nAddress=10.0.0.1/24\n"
			   "Route=0.0.0.0/0 via 10.0.0.254\nMTU=1400\n"
			   "[Interface lan]\nBridge=br0\nTapName=mytap\nMACAddress=02:00:00:00:00:01\n"
			   "[Share data]\nPath=/shared/data\nMountPath=/mnt/data\nCache=never\n"
			   "[Disk scratch]\nPath=/var/scratch.img\nOption=sparse=true\n"
			   "[GPU]\nWayland=no\n[Sound]\nCapture=yes\n[DBus]\nTray=yes\n"
			   "[Devices]\nUSB=17ef:60e0\nPCI=01:00.0\n";
	(void)state;
	assert_int_equal(parse("/x/banking.vm", text, &vm, &err), 0);
	assert_int_equal(vm.memory_mib, 4096);
	assert_int_equal(vm.hypervisor, HV_CROSVM);
	assert_int_equal(vm.kernel_params.n, 2);
	assert_string_equal(vm.kernel_params.v[1], "loglevel=3");
	assert_string_equal(vm.netvm, "netvm");
	assert_int_equal(vm.n_interfaces, 2);
	assert_string_equal(vm.interfaces[0].name, "wan");
	assert_string_equal(vm.interfaces[0].tap_name, "banking-0");
	assert_string_equal(vm.interfaces[0].host_address, "10.0.0.254/24");
	assert_int_equal(vm.interfaces[0].mtu, 1400);
	assert_int_equal(strlen(vm.interfaces[0].mac), 17);
	assert_string_equal(vm.interfaces[1].tap_name, "mytap");
	assert_string_equal(vm.interfaces[1].bridge, "br0");
	assert_int_equal(vm.n_shares, 1);
	assert_string_equal(vm.shares[0].cache, "never");
	assert_string_equal(vm.shares[0].inode_file_handles, "prefer");
	assert_true(vm.shares[0].xattr);
	assert_int_equal(vm.n_disks, 1);
	assert_string_equal(vm.disks[0].options.v[0], "sparse=true");
	assert_false(vm_gpu_enabled(&vm));
	assert_true(vm.sound_capture);
	assert_true(vm.dbus_tray);
	assert_string_equal(vm.usb_devices.v[0], "17ef:60e0");
	vm_config_free(&vm);
}

static void test_errors(void **state)
{
	(void)state;
	expect_error("/x/v.vm", BASE "Memroy=1\n", "/x/v.vm:4: unknown key 'Memroy' in [VM]");
	expect_error("/x/v.vm", BASE "Memory=lots\n",
		     "/x/v.vm:4: Memory=lots: expected a whole number from 64 to 4194304");
	expect_error("/x/v.vm", BASE "Memory=63\n",
		     "/x/v.vm:4: Memory=63: expected a whole number from 64 to 4194304");
	expect_error("/x/v.vm", BASE "Memory=1024\nMemory=2048\n",
		     "/x/v.vm:5: Memory= given twice in this section (first at line 4)");
	expect_error("/x/v.vm", BASE "[Share a]\nPath=/a\n[Share a]\nPath=/b\n",
		     "/x/v.vm:6: duplicate share tag 'a'");
	expect_error("/x/host.vm", BASE, "/x/host.vm: invalid VM name 'host': 'host' is reserved for the host itself");
	expect_error("/x/Bad.vm", BASE, "/x/Bad.vm: invalid VM name 'Bad': must start with a lowercase letter or digit");
	expect_error("/x/v.vm", "[VM]\nRootDisk=/r\n", "/x/v.vm: [VM] Kernel= is required");
	expect_error("/x/v.vm", BASE "[Bogus]\n", "/x/v.vm:4: unknown section [Bogus]");
	expect_error("/x/v.vm", BASE "[VM x]\n", "/x/v.vm:4: [VM] takes no name");
	expect_error("/x/v.vm", BASE "[Share]\nPath=/a\n", "/x/v.vm:4: [Share] needs a name, like [Share data]");
	expect_error("/x/v.vm", BASE "Color=ultraviolet\n",
		     "/x/v.vm:4: Color=ultraviolet: expected a color name, #rrggbb or rgb(r,g,b)");
	expect_error("/x/v.vm", BASE "Hypervisor=qemu\n",
		     "/x/v.vm:4: Hypervisor=qemu: expected one of cloud-hypervisor, crosvm");
	expect_error("/x/v.vm", BASE "Kernel2=/k\n", "/x/v.vm:4: unknown key 'Kernel2' in [VM]");
	expect_error("/x/v.vm", BASE "[Interface wan]\nHostAddress=10.0.0.1/24\nBridge=br0\n",
		     "/x/v.vm: [Interface wan] HostAddress= and Bridge= exclude each other: a TAP "
		     "is either routed by the host or bridged");
	expect_error("/x/v.vm", BASE "[Network]\nNetvm=r\n[Interface upstream]\n",
		     "/x/v.vm: [Interface upstream] is created by Netvm=r; remove one of them");
	expect_error("/x/v.vm", BASE "[Network]\nNetvm=v\n", "/x/v.vm: [Network] Netvm= names the VM itself");
	expect_error("/x/v.vm", BASE "[Network]\nNetvmSubnet=10.0.0.300/31\n",
		     "/x/v.vm:5: NetvmSubnet=10.0.0.300/31: expected an IPv4 address with prefix, like 10.0.0.1/24");
	expect_error("/x/v.vm", BASE "[Share s]\nPath=/s\nTranslateUID=squash-guest:0:1000:1\n",
		     "/x/v.vm: [Share s] PosixACL=yes cannot be combined with TranslateUID=/TranslateGID=; set PosixACL=no");
	expect_error("/x/v.vm", BASE "[Share s]\nReadOnly=yes\n", "/x/v.vm: [Share s] Path= is required");
	expect_error("/x/v.vm", BASE "[Interface a]\nMACAddress=01:00:00:00:00:01\n",
		     "/x/v.vm:5: MACAddress=01:00:00:00:00:01: expected a unicast MAC address like 02:00:00:00:00:01");
	/* sscanf would have read a sign as part of the first byte */
	expect_error("/x/v.vm", BASE "[Interface a]\nMACAddress=+2:00:00:00:00:01\n",
		     "/x/v.vm:5: MACAddress=+2:00:00:00:00:01: expected a unicast MAC address like 02:00:00:00:00:01");
	expect_error("/x/v.vm", BASE "AutoStart=maybe\n", "/x/v.vm:4: AutoStart=maybe: expected yes or no");
	expect_error("/x/v.vm", "[VM]\nKernel=relative\nRootDisk=/r\n", "/x/v.vm:2: Kernel=relative: expected an absolute path");
}

static void test_colors_and_cidr(void **state)
{
	uint32_t rgb, addr;
	unsigned prefix;
	char mac[18], mac2[18];
	(void)state;
	assert_int_equal(parse_color("darkred", &rgb), 0);
	assert_int_equal(rgb, 0x8b0000);
	assert_int_equal(parse_color("DarkGreen", &rgb), 0);
	assert_int_equal(rgb, 0x006400);
	assert_int_equal(parse_color("#2ecc71", &rgb), 0);
	assert_int_equal(rgb, 0x2ecc71);
	assert_int_equal(parse_color("#f00", &rgb), 0);
	assert_int_equal(rgb, 0xff0000);
	assert_int_equal(parse_color("rgb(255,0,16)", &rgb), 0);
	assert_int_equal(rgb, 0xff0010);
	assert_int_equal(parse_color("rgb(256,0,0)", &rgb), -ERANGE);
	assert_int_equal(parse_color("#12345", &rgb), -EINVAL);
	assert_int_equal(parse_color("rgb(1,2,3)x", &rgb), -EINVAL);
	assert_int_equal(parse_ipv4_cidr("10.200.0.0/16", &addr, &prefix), 0);
	assert_int_equal(addr, 0x0ac80000);
	assert_int_equal(prefix, 16);
	assert_int_equal(parse_ipv4_cidr("10.200.0.0/33", &addr, &prefix), -ERANGE);
	assert_int_equal(parse_ipv4_cidr("10.200.0.0", &addr, &prefix), -EINVAL);
	assert_int_equal(parse_ipv4_cidr(" 10.200.0.0/16", &addr, &prefix), -EINVAL);
	vm_default_mac("banking", "wan", mac);
	vm_default_mac("banking", "wan", mac2);
	assert_string_equal(mac, mac2);
	assert_int_equal(strncmp(mac, "02:", 3), 0);
	vm_default_mac("banking", "lan", mac2);
	assert_string_not_equal(mac, mac2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ini_syntax),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_colors_and_cidr),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
