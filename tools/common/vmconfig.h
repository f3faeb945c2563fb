/* SPDX-License-Identifier: MIT */
/*
 * The VM model: one /etc/vmsilo/<vm>.vm file, parsed and validated.
 * docs/vm-config.md is the user-facing reference; vmconfig-keys.c declares
 * every key once (type, default, limits) and this model mirrors it.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ini.h"

#define VM_INTERFACES_MAX 16
#define VM_SHARES_MAX 32
#define VM_DISKS_MAX 16
#define VM_LIST_MAX 64 /* kernel params, nameservers, addresses, devices, ... */
#define VM_MEMORY_MIN_MIB 64u
#define VM_MEMORY_MAX_MIB (4u * 1024u * 1024u)
#define VM_CPUS_MAX 255u

enum hypervisor { HV_CLOUD_HYPERVISOR, HV_CROSVM };
enum seccomp_policy { SECCOMP_ENFORCING, SECCOMP_LOG };
enum overlay_type { OVERLAY_RAW, OVERLAY_TMPFS };
enum gpu_backend { GPU_VHOST_DEVICE_GPU, GPU_CROSVM };
enum scheduler_isolation { SCHED_ISOLATION_VM, SCHED_ISOLATION_FULL, SCHED_ISOLATION_OFF };

/* External programs, by name (PATH) or absolute path: [Programs]. */
struct vm_programs {
	char *cloud_hypervisor, *crosvm, *virtiofsd, *vhost_device_gpu, *vhost_device_sound;
};

struct strv {
	char **v;
	size_t n;
};

struct vm_interface {
	char *name;       /* guest-visible name: the section argument */
	unsigned index;   /* order of appearance */
	char *tap_name;   /* host TAP; default "<vm>-<index>" cut to 15 chars */
	char *mac;        /* default derived from vm and interface name */
	char *host_address; /* "10.0.0.254/24" */
	char *bridge;
	uint32_t mtu;     /* 0: kernel default */
	bool dhcp;
	struct strv addresses, routes, addresses6, routes6;
};

struct vm_share {
	char *tag;
	char *path;
	char *mount_path;
	bool read_only, xattr, posix_acl, allow_mmap, readdirplus, writeback, allow_direct_io,
		killpriv_v2, preserve_noatime;
	const char *cache;              /* auto, always, never, metadata (static string) */
	const char *inode_file_handles; /* never, prefer, mandatory (static string) */
	uint32_t thread_pool_size;
	char *log_level;
	char *uid_map, *gid_map, *translate_uid, *translate_gid;
};

struct vm_disk {
	char *name;
	char *path;
	bool read_only;
	bool direct;
	struct strv options; /* extra key=value for the VMM */
};

struct vm_config {
	char *name;
	char *path; /* the .vm file */
	/* [VM] */
	uint32_t memory_mib, cpus, cid; /* cid 0: allocated by the generator */
	char *color;
	enum hypervisor hypervisor;
	char *user;
	char *kernel, *initramfs, *root_disk;
	bool root_disk_read_only;
	struct strv kernel_params;
	bool auto_start;
	bool auto_shutdown;
	uint32_t auto_shutdown_after;
	struct strv depends_on;
	char *log_level;
	enum seccomp_policy seccomp;
	bool disable_sandbox;
	bool hugepages;
	struct strv extra_args, extra_run_args;
	char *shared_home; /* NULL: none */
	char *extra_config; /* cloud-hypervisor: JSON merged into the VM config; NULL: none */
	enum scheduler_isolation scheduler_isolation;
	/* [RootOverlay] */
	enum overlay_type overlay_type;
	char *overlay_size;
	/* [Network] */
	char *netvm; /* NULL, "host" or a VM name */
	bool is_netvm;
	char *netvm_subnet, *netvm_range;
	struct strv nameservers;
	struct vm_interface interfaces[VM_INTERFACES_MAX];
	size_t n_interfaces;
	/* [Share <tag>] and [Virtiofs] */
	struct vm_share shares[VM_SHARES_MAX];
	size_t n_shares;
	enum seccomp_policy virtiofs_seccomp;
	bool virtiofs_disable_sandbox;
	/* [Disk <name>] */
	struct vm_disk disks[VM_DISKS_MAX];
	size_t n_disks;
	/* [GPU] */
	bool gpu_wayland, gpu_opengl, gpu_vulkan, gpu_allow_wx, gpu_disable_sandbox;
	enum gpu_backend gpu_backend;
	char *gpu_log_level;
	enum seccomp_policy gpu_seccomp;
	/* [Sound] */
	bool sound_playback, sound_capture;
	char *sound_log_level;
	enum seccomp_policy sound_seccomp;
	/* [DBus] */
	bool dbus_notifications, dbus_tray;
	char *dbus_log_level;
	/* [Devices] */
	struct strv pci_devices, usb_devices, vhost_user;
	/* [Programs] */
	struct vm_programs programs;
};

struct vm_error {
	char text[640]; /* "file:line: message" */
};

/* Parses and validates <path>; the VM name is the file name without ".vm". */
int vm_config_load(const char *path, struct vm_config *vm, struct vm_error *err);
int vm_config_parse(const char *path, const char *buf, size_t len, struct vm_config *vm,
		    struct vm_error *err);
void vm_config_free(struct vm_config *vm);

static inline bool vm_gpu_enabled(const struct vm_config *vm)
{
	return vm->gpu_wayland || vm->gpu_opengl || vm->gpu_vulkan;
}
static inline bool vm_sound_enabled(const struct vm_config *vm)
{
	return vm->sound_playback || vm->sound_capture;
}

const char *hypervisor_name(enum hypervisor h);
const char *seccomp_policy_name(enum seccomp_policy p);

/* Locally administered, unicast MAC from a stable hash of "<vm>-<ifname>". */
void vm_default_mac(const char *vm, const char *ifname, char out[18]);
/* 0 for "xx:xx:xx:xx:xx:xx" (hex digits, either case) naming a unicast MAC; -ERANGE for multicast, else -EINVAL. */
int parse_mac(const char *s);
/*
 * 0 for a name vmsilo accepts for a network interface: 1 to IFNAME_MAX of
 * letters, digits, '_', '.' and '-', not "." or "..", not all digits. Stricter
 * than the kernel, as the name also lands in systemd-networkd's [Match]
 * Name=, where *?[ are patterns and a number is an interface index. Else
 * -EINVAL with the reason in why (if given).
 */
#define IFNAME_MAX 15
int check_ifname(const char *name, char *why, size_t whylen);
/* Parses "a.b.c.d/len" (IPv4). */
int parse_ipv4_cidr(const char *s, uint32_t *addr, unsigned *prefix);
/* Accepts CSS-style names of the color table, #rgb, #rrggbb and rgb(r,g,b); returns 0xRRGGBB. */
int parse_color(const char *s, uint32_t *rgb);
