/* SPDX-License-Identifier: MIT */
/* One VM's units: template variables, sandboxing blocks and the files themselves. */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "accounts.h"
#include "generator.h"
#include "log.h"
#include "macro.h"
#include "templates.h"

/* Growing text buffer for multi-line values. */
struct text {
	char *s;
	size_t len;
};

static void add(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add(struct text *t, const char *fmt, ...)
{
	va_list ap;
	char *piece;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&piece, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	char *grown = realloc(t->s, t->len + (size_t)n + 2);
	if (grown) {
		t->s = grown;
		if (t->len)
			t->s[t->len++] = '\n';
		memcpy(t->s + t->len, piece, (size_t)n + 1);
		t->len += (size_t)n;
	}
	free(piece);
}

static const char *text(const struct text *t)
{
	return t->s ? t->s : "";
}

static const char *const hardening[] = {
	"NoNewPrivileges=yes",	    "ProtectSystem=strict",	  "ProtectHome=yes",
	"PrivateTmp=yes",	    "ProtectKernelTunables=yes",  "ProtectKernelModules=yes",
	"ProtectKernelLogs=yes",    "ProtectControlGroups=yes",	  "ProtectClock=yes",
	"ProtectHostname=yes",	    "RestrictRealtime=yes",	  "RestrictSUIDSGID=yes",
	"LockPersonality=yes",	    "SystemCallArchitectures=native",
};

static void add_hardening(struct text *t)
{
	for (size_t i = 0; i < ARRAY_SIZE(hardening); i++)
		add(t, "%s", hardening[i]);
}

static void add_syscall_filter(struct text *t, enum seccomp_policy p)
{
	/* "log" keeps the program running and records what the filter would refuse */
	if (p == SECCOMP_LOG)
		add(t, "SystemCallLog=~@system-service");
	else
		add(t, "SystemCallFilter=@system-service\nSystemCallErrorNumber=EPERM");
}

static void vm_sandbox(const struct vm_config *vm, const struct gen_paths *p, struct text *t)
{
	if (vm->disable_sandbox)
		return;
	add_hardening(t);
	add(t, "ReadWritePaths=%s/%s", p->runtime_dir, vm->name);
	add(t, "DevicePolicy=closed\nDeviceAllow=/dev/kvm rw");
	if (vm->n_interfaces || vm->netvm || vm->is_netvm)
		add(t, "DeviceAllow=/dev/net/tun rw");
	else
		add(t, "PrivateNetwork=yes");
	if (vm->pci_devices.n)
		add(t, "DeviceAllow=char-vfio rw\nReadWritePaths=/dev/vfio");
	if (vm->hugepages)
		add(t, "ReadWritePaths=/dev/hugepages");
	if (vm->hypervisor == HV_CLOUD_HYPERVISOR) {
		add(t, "CapabilityBoundingSet=\nRestrictNamespaces=yes\nPrivateIPC=yes");
		add(t, "RestrictAddressFamilies=AF_UNIX AF_VSOCK");
		add_syscall_filter(t, vm->seccomp);
	} else {
		/* crosvm jails its devices itself (minijail) and needs these to do so */
		add(t, "DeviceAllow=/dev/vhost-vsock rw\nDeviceAllow=/dev/vhost-net rw");
		add(t, "CapabilityBoundingSet=CAP_SETUID CAP_SETGID CAP_SYS_ADMIN CAP_SYS_CHROOT "
		       "CAP_NET_ADMIN CAP_CHOWN CAP_DAC_OVERRIDE CAP_FOWNER CAP_SYS_RESOURCE CAP_IPC_LOCK");
		add(t, "RestrictAddressFamilies=AF_UNIX AF_VSOCK AF_NETLINK");
	}
}

static void proxy_sandbox(struct text *t)
{
	add_hardening(t);
	add(t, "PrivateDevices=yes\nCapabilityBoundingSet=\nRestrictNamespaces=yes\nPrivateIPC=yes");
	add(t, "MemoryDenyWriteExecute=yes\nRestrictAddressFamilies=AF_UNIX AF_VSOCK");
	add(t, "SystemCallFilter=@system-service\nSystemCallErrorNumber=EPERM");
}

static void sidecar_sandbox(const struct vm_config *vm, const struct gen_paths *p, bool disabled,
			    bool allow_wx, enum seccomp_policy pol, struct text *t)
{
	if (disabled)
		return;
	add_hardening(t);
	add(t, "ReadWritePaths=%s/%s", p->runtime_dir, vm->name);
	add(t, "CapabilityBoundingSet=\nRestrictNamespaces=yes\nPrivateNetwork=yes");
	add(t, "RestrictAddressFamilies=AF_UNIX");
	if (!allow_wx)
		add(t, "MemoryDenyWriteExecute=yes");
	add_syscall_filter(t, pol);
}

static void gpu_command(const struct vm_config *vm, const struct gen_paths *p, struct text *t)
{
	const char *dir = p->runtime_dir;
	if (vm->gpu_backend == GPU_CROSVM) {
		add(t, "%s --log-level %s device gpu --socket %s/%s/gpu.socket --wayland-sock "
		       "%s/%s/wayland.socket --params {\"context-types\":\"%s%s%s\"}",
		    vm->programs.crosvm, vm->gpu_log_level, dir, vm->name, dir, vm->name, vm->gpu_wayland ? "cross-domain" : "",
		    vm->gpu_opengl ? ":virgl2" : "", vm->gpu_vulkan ? ":venus" : "");
		return;
	}
	add(t, "%s --socket-path %s/%s/gpu.socket --gpu-mode rutabaga --capset %s%s%s "
	       "--wayland-socket %s/%s/wayland.socket",
	    vm->programs.vhost_device_gpu, dir, vm->name, vm->gpu_wayland ? "cross-domain" : "",
	    vm->gpu_opengl ? ",virgl2" : "",
	    vm->gpu_vulkan ? ",venus" : "", dir, vm->name);
}

static void virtiofsd_command(const struct vm_config *vm, const struct vm_share *s,
			      const struct gen_paths *p, struct text *t)
{
	struct text c = { 0 };
	add(&c, "%s --socket-path=%s/%s/virtiofs-%s/virtiofsd.sock --shared-dir=%s", vm->programs.virtiofsd,
	    p->runtime_dir, vm->name, s->tag, s->path);
	add(&c, " --cache=%s --inode-file-handles=%s --thread-pool-size=%u --log-level=%s", s->cache,
	    s->inode_file_handles, s->thread_pool_size, s->log_level);
	add(&c, " --sandbox=%s --seccomp=%s --announce-submounts",
	    vm->virtiofs_disable_sandbox ? "none" : "namespace",
	    vm->virtiofs_seccomp == SECCOMP_LOG ? "log" : "kill");
	struct {
		bool on;
		const char *flag;
	} flags[] = {
		{ s->xattr, " --xattr" },		{ s->posix_acl, " --posix-acl" },
		{ s->read_only, " --readonly" },	{ s->allow_mmap, " --allow-mmap" },
		{ !s->readdirplus, " --no-readdirplus" }, { s->writeback, " --writeback" },
		{ s->allow_direct_io, " --allow-direct-io" }, { !s->killpriv_v2, " --no-killpriv-v2" },
		{ s->preserve_noatime, " --preserve-noatime" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(flags); i++)
		if (flags[i].on)
			add(&c, "%s", flags[i].flag);
	if (s->uid_map)
		add(&c, " --uid-map=%s", s->uid_map);
	if (s->gid_map)
		add(&c, " --gid-map=%s", s->gid_map);
	if (s->translate_uid)
		add(&c, " --translate-uid=%s", s->translate_uid);
	if (s->translate_gid)
		add(&c, " --translate-gid=%s", s->translate_gid);
	/* the pieces above were added as lines; a command is one line */
	for (size_t i = 0; i < c.len; i++)
		if (c.s[i] == '\n')
			memmove(c.s + i, c.s + i + 1, c.len-- - i);
	add(t, "%s", text(&c));
	free(c.s);
}

/* The sidecars that talk to the desktop session, named for the warning below; NULL if none. */
static const char *session_sidecars(const struct vm_config *vm, char *buf, size_t n)
{
	const char *parts[3];
	size_t k = 0, len = 0;

	if (vm_gpu_enabled(vm))
		parts[k++] = "GPU";
	if (vm_sound_enabled(vm))
		parts[k++] = "sound";
	if (vm->dbus_notifications || vm->dbus_tray)
		parts[k++] = "D-Bus proxy";
	if (!k)
		return NULL;
	buf[0] = '\0';
	for (size_t i = 0; i < k && len < n; i++)
		len += (size_t)snprintf(buf + len, n - len, "%s%s", i == 0 ? "" : i + 1 == k ? " and " : ", ",
					parts[i]);
	return buf;
}

/*
 * The desktop user whose session (compositor, PipeWire, session bus) the
 * VM's sidecars talk to: found when [VM] User= is in the passwd file and the
 * vmsilo group exists. Otherwise they run as root as before, which cannot
 * reach /run/user/<uid>, and one warning per VM says so.
 */
static bool find_session(const struct vm_config *vm, const struct gen_paths *p, uid_t *uid)
{
	char why[512], what[128];
	const char *sidecars = session_sidecars(vm, what, sizeof(what));
	gid_t gid;
	int r;

	if (!sidecars)
		return false;
	if (!vm->user)
		snprintf(why, sizeof(why), "has no [VM] User=");
	else if ((r = passwd_file_uid(p->passwd_file, vm->user, uid)) == -ENOENT)
		snprintf(why, sizeof(why), "has User=%s, who is not in %s", vm->user, p->passwd_file);
	else if (r < 0)
		snprintf(why, sizeof(why), "has User=%s, but %s: %s", vm->user, p->passwd_file, strerror(-r));
	else if ((r = group_file_gid(p->group_file, VMSILO_GROUP, &gid)) == -ENOENT)
		snprintf(why, sizeof(why), "needs the group '" VMSILO_GROUP "', which is not in %s", p->group_file);
	else if (r < 0)
		snprintf(why, sizeof(why), "needs the group '" VMSILO_GROUP "', but %s: %s", p->group_file,
			 strerror(-r));
	else
		return true;
	log_warn("VM '%s' %s: its %s cannot reach the desktop session (they run as root without it; "
		 "see units.md, \"Desktop session\")", vm->name, why, sidecars);
	return false;
}

/*
 * Who runs a session sidecar and who may reach what it creates: the desktop
 * user in group vmsilo makes its sockets user:vmsilo, group-writable (UMask),
 * and the VMM and GPU units join vmsilo to connect without capabilities.
 * extra: one more line for this sidecar, or NULL.
 */
static void set_session(const struct vm_config *vm, bool found, uid_t uid, const char *extra, struct tvars *v)
{
	tvars_set(v, "SESSION_AFTER", "");
	tvars_set(v, "SESSION", "");
	tvars_set(v, "SESSION_GROUP", "");
	if (!found)
		return;
	/* ordering only: at shutdown they stop before the user's manager; no session is started */
	tvars_setf(v, "SESSION_AFTER", "After=user@%u.service", (unsigned)uid);
	/* after the sandbox lines: ProtectHome=read-only replaces its ProtectHome=yes */
	tvars_setf(v, "SESSION", "User=%s\nGroup=" VMSILO_GROUP "\nUMask=0007\n"
		   "Environment=XDG_RUNTIME_DIR=/run/user/%u\nProtectHome=read-only%s%s", vm->user, (unsigned)uid,
		   extra ? "\n" : "", extra ? extra : "");
	tvars_set(v, "SESSION_GROUP", "SupplementaryGroups=" VMSILO_GROUP);
}

static int write_unit(const char *dir, const char *file, const char *tpl_name, const struct tvars *v,
		      char *err, size_t errlen)
{
	char path[4096];
	const char *tpl = template_find(tpl_name);
	FILE *f;
	int r;

	if (!tpl)
		return snprintf(err, errlen, "no template %s", tpl_name), -ENOENT;
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	f = fopen(path, "we");
	if (!f)
		return snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno)), -errno;
	r = template_render(tpl, v, f, err, errlen);
	if (fclose(f) != 0 && r == 0)
		r = -errno;
	return r;
}

static int want(const char *dir, const char *target, const char *unit, char *err, size_t errlen)
{
	char wants[4096], link[4096 + 512], dest[512];
	snprintf(wants, sizeof(wants), "%s/%s.wants", dir, target);
	if (mkdir(wants, 0755) < 0 && errno != EEXIST)
		return snprintf(err, errlen, "cannot create %s: %s", wants, strerror(errno)), -errno;
	snprintf(link, sizeof(link), "%s/%s", wants, unit);
	snprintf(dest, sizeof(dest), "../%s", unit);
	if (symlink(dest, link) < 0 && errno != EEXIST)
		return snprintf(err, errlen, "cannot link %s: %s", link, strerror(errno)), -errno;
	return 0;
}

static void set_common(const struct vm_config *vm, uint32_t cid, const struct gen_paths *p, struct tvars *v)
{
	tvars_set(v, "VM", vm->name);
	tvars_set(v, "CONFIG", vm->path);
	tvars_set(v, "RUNTIME", p->runtime_dir);
	tvars_set(v, "CONFIGDIR", p->config_dir);
	tvars_set(v, "BINDIR", p->bindir);
	tvars_set(v, "LIBEXECDIR", p->libexecdir);
	tvars_set(v, "DOCDIR", p->docdir);
	tvars_setf(v, "CID", "%u", cid);
	tvars_set(v, "COLOR", vm->color);
	tvars_set(v, "HYPERVISOR", hypervisor_name(vm->hypervisor));
	tvars_set(v, "SOCKET_USER", vm->user ? vm->user : "root");
	tvars_setf(v, "BOOT_TIMEOUT", "%d", GEN_BOOT_TIMEOUT_S);
	/* vmsilo-usb-host waits for the guest to boot, then for its answer */
	tvars_setf(v, "USB_START_TIMEOUT", "%d", GEN_BOOT_TIMEOUT_S + 30);
	tvars_set(v, "SOUND_LOG_LEVEL", vm->sound_log_level);
	tvars_setf(v, "SOUND_STREAMS", "%s%s%s", vm->sound_playback ? "output" : "",
		   vm->sound_playback && vm->sound_capture ? "," : "", vm->sound_capture ? "input" : "");
	tvars_set(v, "DBUS_LOG_LEVEL", vm->dbus_log_level);
	tvars_set(v, "VHOST_DEVICE_SOUND", vm->programs.vhost_device_sound);
	tvars_setf(v, "DBUS_FLAGS", "%s%s", vm->dbus_notifications ? "" : " --no-notifications",
		   vm->dbus_tray ? " --tray" : "");
	/* the proxy takes the color as #rrggbb; the .vm file may name it */
	uint32_t rgb = 0;
	parse_color(vm->color, &rgb);
	tvars_setf(v, "COLOR_HEX", "#%06x", rgb);
}

int generate_vm(const struct vm_config *vm, uint32_t cid, const char *dir, const struct gen_paths *p,
		char *err, size_t errlen)
{
	struct tvars v = { 0 };
	struct text deps = { 0 }, vmsb = { 0 }, proxysb = { 0 }, side = { 0 }, side_seccomp = { 0 }, gpusb = { 0 },
		    gpucmd = { 0 };
	bool net = vm->n_interfaces || vm->netvm || vm->is_netvm;
	char file[512], bus[128];
	uid_t uid = 0;
	bool session = find_session(vm, p, &uid);
	int r = 0;

	set_common(vm, cid, p, &v);
	set_session(vm, session, uid, NULL, &v);
	vm_sandbox(vm, p, &vmsb);
	proxy_sandbox(&proxysb);
	sidecar_sandbox(vm, p, false, false, SECCOMP_ENFORCING, &side);
	/* for programs that install their own allow-list once ready: they need seccomp(2) */
	sidecar_sandbox(vm, p, false, false, SECCOMP_ENFORCING, &side_seccomp);
	add(&side_seccomp, "SystemCallFilter=seccomp");
	sidecar_sandbox(vm, p, vm->gpu_disable_sandbox, vm->gpu_allow_wx, vm->gpu_seccomp, &gpusb);
	gpu_command(vm, p, &gpucmd);
	tvars_set(&v, "VM_SANDBOX", text(&vmsb));
	tvars_set(&v, "PROXY_SANDBOX", text(&proxysb));
	tvars_set(&v, "GPU_COMMAND", text(&gpucmd));
	tvars_set(&v, "NET_UP", "");
	tvars_set(&v, "NET_DOWN", "");
	if (net) {
		tvars_setf(&v, "NET_UP", "ExecStartPre=%s/vmsilo-net up %s", p->bindir, vm->name);
		tvars_setf(&v, "NET_DOWN", "ExecStopPost=%s/vmsilo-net down %s", p->bindir, vm->name);
	}

	/* What the VMM needs running first, and what it merely likes to have. */
	if (vm_gpu_enabled(vm))
		add(&deps, "Requires=vmsilo-%s-gpu.service\nAfter=vmsilo-%s-gpu.service", vm->name, vm->name);
	if (vm_sound_enabled(vm))
		add(&deps, "Requires=vmsilo-%s-sound.service\nAfter=vmsilo-%s-sound.service", vm->name, vm->name);
	for (size_t i = 0; i < vm->n_shares; i++)
		add(&deps, "Requires=vmsilo-%s-virtiofsd-%s.service\nAfter=vmsilo-%s-virtiofsd-%s.service",
		    vm->name, vm->shares[i].tag, vm->name, vm->shares[i].tag);
	if (vm->dbus_notifications || vm->dbus_tray)
		add(&deps, "Wants=vmsilo-%s-dbus-proxy.service\nAfter=vmsilo-%s-dbus-proxy.service", vm->name,
		    vm->name);
	if (vm->netvm && strcmp(vm->netvm, "host") != 0)
		add(&deps, "Wants=vmsilo-%s-vm.service\nAfter=vmsilo-%s-vm.service", vm->netvm, vm->netvm);
	for (size_t i = 0; i < vm->depends_on.n; i++)
		add(&deps, "Wants=vmsilo-%s-vm.service\nAfter=vmsilo-%s-vm.service", vm->depends_on.v[i],
		    vm->depends_on.v[i]);
	/* ordered after the VM by itself: it attaches to the running VM */
	if (vm->usb_devices.n)
		add(&deps, "Wants=vmsilo-%s-usb-attach.service", vm->name);
	tvars_set(&v, "DEPS", text(&deps));

#define UNIT(fmt, tpl)                                                                              \
	do {                                                                                       \
		snprintf(file, sizeof(file), fmt, vm->name);                                       \
		if (r == 0)                                                                        \
			r = write_unit(dir, file, tpl, &v, err, errlen);                           \
	} while (0)

	UNIT("vmsilo-%s.socket", "command.socket");
	UNIT("vmsilo-%s@.service", "command@.service");
	UNIT("vmsilo-%s-prep.service", "prep.service");
	UNIT("vmsilo-%s-vm.service", "vm.service");
	UNIT("vmsilo-%s-usb@.service", "usb@.service");
	if (vm->usb_devices.n)
		UNIT("vmsilo-%s-usb-attach.service", "usb-attach.service");
	tvars_set(&v, "SIDECAR_SANDBOX", text(&gpusb));
	if (vm_gpu_enabled(vm)) {
		UNIT("vmsilo-%s-gpu.service", "gpu.service");
		tvars_set(&v, "SIDECAR_SANDBOX", text(&side_seccomp));
		/* the program finds the compositor under $XDG_RUNTIME_DIR */
		set_session(vm, session, uid, "Environment=WAYLAND_DISPLAY=wayland-0", &v);
		UNIT("vmsilo-%s-wayland-seccontext.service", "wayland-seccontext.service");
		set_session(vm, session, uid, NULL, &v);
	}
	tvars_set(&v, "SIDECAR_SANDBOX", text(&side));
	if (vm_sound_enabled(vm)) {
		struct text sb = { 0 };
		sidecar_sandbox(vm, p, false, false, vm->sound_seccomp, &sb);
		tvars_set(&v, "SIDECAR_SANDBOX", text(&sb));
		free(sb.s);
		UNIT("vmsilo-%s-sound.service", "sound.service");
		tvars_set(&v, "SIDECAR_SANDBOX", text(&side));
	}
	if (vm->dbus_notifications || vm->dbus_tray) {
		tvars_set(&v, "SIDECAR_SANDBOX", text(&side_seccomp));
		snprintf(bus, sizeof(bus), "Environment=DBUS_SESSION_BUS_ADDRESS=unix:path=/run/user/%u/bus",
			 (unsigned)uid);
		set_session(vm, session, uid, bus, &v);
		UNIT("vmsilo-%s-dbus-proxy.service", "dbus-proxy.service");
	}
	for (size_t i = 0; i < vm->n_shares && r == 0; i++) {
		struct text cmd = { 0 }, sb = { 0 };
		virtiofsd_command(vm, &vm->shares[i], p, &cmd);
		if (!vm->virtiofs_disable_sandbox) {
			/* virtiofsd sandboxes itself (namespaces, seccomp); systemd adds the rest */
			add(&sb, "NoNewPrivileges=yes\nProtectKernelTunables=yes\nProtectKernelModules=yes");
			add(&sb, "ProtectKernelLogs=yes\nProtectClock=yes\nProtectHostname=yes\nPrivateIPC=yes");
			add(&sb, "LockPersonality=yes\nRestrictRealtime=yes\nPrivateNetwork=yes");
			add(&sb, "CapabilityBoundingSet=CAP_CHOWN CAP_DAC_OVERRIDE CAP_FOWNER CAP_FSETID "
				 "CAP_SETGID CAP_SETUID CAP_MKNOD CAP_SETFCAP CAP_SYS_ADMIN CAP_SYS_CHROOT");
		}
		tvars_set(&v, "TAG", vm->shares[i].tag);
		tvars_set(&v, "VIRTIOFSD_COMMAND", text(&cmd));
		tvars_set(&v, "VIRTIOFSD_SANDBOX", text(&sb));
		free(cmd.s);
		free(sb.s);
		snprintf(file, sizeof(file), "vmsilo-%s-virtiofsd-%s.service", vm->name, vm->shares[i].tag);
		r = write_unit(dir, file, "virtiofsd.service", &v, err, errlen);
	}
#undef UNIT

	if (r == 0) {
		snprintf(file, sizeof(file), "vmsilo-%s.socket", vm->name);
		r = want(dir, "sockets.target", file, err, errlen);
	}
	if (r == 0 && vm->auto_start && !vm_gpu_enabled(vm)) {
		/* VMs with a GPU need the desktop session; the session starts those. */
		snprintf(file, sizeof(file), "vmsilo-%s-vm.service", vm->name);
		r = want(dir, "multi-user.target", file, err, errlen);
	}
	free(deps.s);
	free(vmsb.s);
	free(proxysb.s);
	free(side.s);
	free(side_seccomp.s);
	free(gpusb.s);
	free(gpucmd.s);
	tvars_free(&v);
	return r;
}
