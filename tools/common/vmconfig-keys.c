/* SPDX-License-Identifier: MIT */
/* Every key of a .vm file, declared once. docs/vm-config.md documents each. */
#include "vmconfig-keys.h"

#include "macro.h"
#include "vmconfig.h"

const char *const vm_section_names[SEC__COUNT] = {
	[SEC_VM] = "VM",	     [SEC_ROOT_OVERLAY] = "RootOverlay", [SEC_NETWORK] = "Network",
	[SEC_INTERFACE] = "Interface", [SEC_SHARE] = "Share",		 [SEC_VIRTIOFS] = "Virtiofs",
	[SEC_DISK] = "Disk",	     [SEC_GPU] = "GPU",			 [SEC_SOUND] = "Sound",
	[SEC_DBUS] = "DBus",	     [SEC_DEVICES] = "Devices",
	[SEC_PROGRAMS] = "Programs",
};

static const char *const hypervisors[] = { "cloud-hypervisor", "crosvm", NULL };
static const char *const seccomp_policies[] = { "enforcing", "log", NULL };
static const char *const overlay_types[] = { "raw", "tmpfs", NULL };
static const char *const gpu_backends[] = { "vhost-device-gpu", "crosvm", NULL };
static const char *const caches[] = { "auto", "always", "never", "metadata", NULL };
static const char *const inode_modes[] = { "never", "prefer", "mandatory", NULL };
static const char *const scheduler_isolations[] = { "vm", "full", "off", NULL };

#define VM(k, kind, field, ...) { SEC_VM, k, kind, offsetof(struct vm_config, field), __VA_ARGS__ }
#define TOP(sec, k, kind, field, ...) { sec, k, kind, offsetof(struct vm_config, field), __VA_ARGS__ }
#define IF(k, kind, field, ...) { SEC_INTERFACE, k, kind, offsetof(struct vm_interface, field), __VA_ARGS__ }
#define SH(k, kind, field, ...) { SEC_SHARE, k, kind, offsetof(struct vm_share, field), __VA_ARGS__ }
#define DK(k, kind, field, ...) { SEC_DISK, k, kind, offsetof(struct vm_disk, field), __VA_ARGS__ }

const struct key_spec vm_keys[] = {
	VM("Memory", K_U32, memory_mib, VM_MEMORY_MIN_MIB, VM_MEMORY_MAX_MIB, NULL),
	VM("CPUs", K_U32, cpus, 1, VM_CPUS_MAX, NULL),
	VM("CID", K_U32, cid, 3, 0xfffffffeu, NULL),
	VM("Color", K_COLOR, color, 0, 0, NULL),
	VM("Hypervisor", K_ENUM, hypervisor, 0, 0, hypervisors),
	VM("User", K_STRING, user, 0, 0, NULL),
	VM("Kernel", K_PATH, kernel, 0, 0, NULL),
	VM("Initramfs", K_PATH, initramfs, 0, 0, NULL),
	VM("RootDisk", K_PATH, root_disk, 0, 0, NULL),
	VM("RootDiskReadOnly", K_BOOL, root_disk_read_only, 0, 0, NULL),
	VM("KernelParam", K_STRV, kernel_params, 0, 0, NULL),
	VM("AutoStart", K_BOOL, auto_start, 0, 0, NULL),
	VM("AutoShutdown", K_BOOL, auto_shutdown, 0, 0, NULL),
	VM("AutoShutdownAfter", K_U32, auto_shutdown_after, 1, 7u * 24u * 3600u, NULL),
	VM("DependsOn", K_STRV, depends_on, 0, 0, NULL),
	VM("LogLevel", K_LOGLEVEL, log_level, 0, 0, NULL),
	VM("SeccompPolicy", K_ENUM, seccomp, 0, 0, seccomp_policies),
	VM("DisableSandbox", K_BOOL, disable_sandbox, 0, 0, NULL),
	VM("Hugepages", K_BOOL, hugepages, 0, 0, NULL),
	VM("ExtraArg", K_STRV, extra_args, 0, 0, NULL),
	VM("ExtraRunArg", K_STRV, extra_run_args, 0, 0, NULL),
	VM("SharedHome", K_PATH, shared_home, 0, 0, NULL),
	VM("ExtraConfig", K_PATH, extra_config, 0, 0, NULL),
	VM("SchedulerIsolation", K_ENUM, scheduler_isolation, 0, 0, scheduler_isolations),

	TOP(SEC_ROOT_OVERLAY, "Type", K_ENUM, overlay_type, 0, 0, overlay_types),
	TOP(SEC_ROOT_OVERLAY, "Size", K_SIZE, overlay_size, 0, 0, NULL),

	TOP(SEC_NETWORK, "Netvm", K_NETVM, netvm, 0, 0, NULL),
	TOP(SEC_NETWORK, "IsNetvm", K_BOOL, is_netvm, 0, 0, NULL),
	TOP(SEC_NETWORK, "NetvmSubnet", K_CIDR4, netvm_subnet, 0, 0, NULL),
	TOP(SEC_NETWORK, "NetvmRange", K_CIDR4, netvm_range, 0, 0, NULL),
	TOP(SEC_NETWORK, "Nameserver", K_STRV, nameservers, 0, 0, NULL),

	IF("TapName", K_IFNAME, tap_name, 0, 0, NULL),
	IF("MACAddress", K_MAC, mac, 0, 0, NULL),
	IF("HostAddress", K_CIDR4, host_address, 0, 0, NULL),
	IF("Bridge", K_IFNAME, bridge, 0, 0, NULL),
	IF("MTU", K_U32, mtu, 68, 65535, NULL),
	IF("DHCP", K_BOOL, dhcp, 0, 0, NULL),
	IF("Address", K_STRV, addresses, 0, 0, NULL),
	IF("Route", K_STRV, routes, 0, 0, NULL),
	IF("Address6", K_STRV, addresses6, 0, 0, NULL),
	IF("Route6", K_STRV, routes6, 0, 0, NULL),

	SH("Path", K_PATH, path, 0, 0, NULL),
	SH("MountPath", K_PATH, mount_path, 0, 0, NULL),
	SH("ReadOnly", K_BOOL, read_only, 0, 0, NULL),
	SH("Xattr", K_BOOL, xattr, 0, 0, NULL),
	SH("PosixACL", K_BOOL, posix_acl, 0, 0, NULL),
	SH("AllowMmap", K_BOOL, allow_mmap, 0, 0, NULL),
	SH("Readdirplus", K_BOOL, readdirplus, 0, 0, NULL),
	SH("Writeback", K_BOOL, writeback, 0, 0, NULL),
	SH("AllowDirectIO", K_BOOL, allow_direct_io, 0, 0, NULL),
	SH("KillprivV2", K_BOOL, killpriv_v2, 0, 0, NULL),
	SH("PreserveNoatime", K_BOOL, preserve_noatime, 0, 0, NULL),
	SH("Cache", K_CHOICE, cache, 0, 0, caches),
	SH("InodeFileHandles", K_CHOICE, inode_file_handles, 0, 0, inode_modes),
	SH("ThreadPoolSize", K_U32, thread_pool_size, 0, 1024, NULL),
	SH("LogLevel", K_LOGLEVEL, log_level, 0, 0, NULL),
	SH("UIDMap", K_STRING, uid_map, 0, 0, NULL),
	SH("GIDMap", K_STRING, gid_map, 0, 0, NULL),
	SH("TranslateUID", K_STRING, translate_uid, 0, 0, NULL),
	SH("TranslateGID", K_STRING, translate_gid, 0, 0, NULL),

	TOP(SEC_VIRTIOFS, "SeccompPolicy", K_ENUM, virtiofs_seccomp, 0, 0, seccomp_policies),
	TOP(SEC_VIRTIOFS, "DisableSandbox", K_BOOL, virtiofs_disable_sandbox, 0, 0, NULL),

	DK("Path", K_PATH, path, 0, 0, NULL),
	DK("ReadOnly", K_BOOL, read_only, 0, 0, NULL),
	DK("Direct", K_BOOL, direct, 0, 0, NULL),
	DK("Option", K_STRV, options, 0, 0, NULL),

	TOP(SEC_GPU, "Wayland", K_BOOL, gpu_wayland, 0, 0, NULL),
	TOP(SEC_GPU, "OpenGL", K_BOOL, gpu_opengl, 0, 0, NULL),
	TOP(SEC_GPU, "Vulkan", K_BOOL, gpu_vulkan, 0, 0, NULL),
	TOP(SEC_GPU, "Backend", K_ENUM, gpu_backend, 0, 0, gpu_backends),
	TOP(SEC_GPU, "AllowWX", K_BOOL, gpu_allow_wx, 0, 0, NULL),
	TOP(SEC_GPU, "LogLevel", K_LOGLEVEL, gpu_log_level, 0, 0, NULL),
	TOP(SEC_GPU, "SeccompPolicy", K_ENUM, gpu_seccomp, 0, 0, seccomp_policies),
	TOP(SEC_GPU, "DisableSandbox", K_BOOL, gpu_disable_sandbox, 0, 0, NULL),

	TOP(SEC_SOUND, "Playback", K_BOOL, sound_playback, 0, 0, NULL),
	TOP(SEC_SOUND, "Capture", K_BOOL, sound_capture, 0, 0, NULL),
	TOP(SEC_SOUND, "LogLevel", K_LOGLEVEL, sound_log_level, 0, 0, NULL),
	TOP(SEC_SOUND, "SeccompPolicy", K_ENUM, sound_seccomp, 0, 0, seccomp_policies),

	TOP(SEC_DBUS, "Notifications", K_BOOL, dbus_notifications, 0, 0, NULL),
	TOP(SEC_DBUS, "Tray", K_BOOL, dbus_tray, 0, 0, NULL),
	TOP(SEC_DBUS, "LogLevel", K_LOGLEVEL, dbus_log_level, 0, 0, NULL),

	TOP(SEC_DEVICES, "PCI", K_STRV, pci_devices, 0, 0, NULL),
	TOP(SEC_DEVICES, "USB", K_STRV, usb_devices, 0, 0, NULL),
	TOP(SEC_DEVICES, "VhostUser", K_STRV, vhost_user, 0, 0, NULL),

	TOP(SEC_PROGRAMS, "CloudHypervisor", K_PROGRAM, programs.cloud_hypervisor, 0, 0, NULL),
	TOP(SEC_PROGRAMS, "Crosvm", K_PROGRAM, programs.crosvm, 0, 0, NULL),
	TOP(SEC_PROGRAMS, "Virtiofsd", K_PROGRAM, programs.virtiofsd, 0, 0, NULL),
	TOP(SEC_PROGRAMS, "VhostDeviceGpu", K_PROGRAM, programs.vhost_device_gpu, 0, 0, NULL),
	TOP(SEC_PROGRAMS, "VhostDeviceSound", K_PROGRAM, programs.vhost_device_sound, 0, 0, NULL),
};
const size_t vm_keys_count = ARRAY_SIZE(vm_keys);
