/* SPDX-License-Identifier: MIT */
#include "argv.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void argv_add(struct argv *a, const char *s)
{
	if (a->n >= LAUNCH_ARGS_MAX) {
		a->overflow = 1;
		return;
	}
	a->v[a->n] = strdup(s);
	if (!a->v[a->n]) {
		a->overflow = 1;
		return;
	}
	a->v[++a->n] = NULL;
}

void argv_addf(struct argv *a, const char *fmt, ...)
{
	va_list ap;
	char *s;
	va_start(ap, fmt);
	int r = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (r < 0) {
		a->overflow = 1;
		return;
	}
	argv_add(a, s);
	free(s);
}

void argv_free(struct argv *a)
{
	for (size_t i = 0; i < a->n; i++)
		free(a->v[i]);
	a->n = 0;
}

/* Appends " word" to a growing string. */
static void cat(char **s, size_t *len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void cat(char **s, size_t *len, const char *fmt, ...)
{
	va_list ap;
	char *piece;
	va_start(ap, fmt);
	int n = vasprintf(&piece, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	char *g = realloc(*s, *len + (size_t)n + 2);
	if (g) {
		*s = g;
		if (*len)
			(*s)[(*len)++] = ' ';
		memcpy(*s + *len, piece, (size_t)n + 1);
		*len += (size_t)n;
	}
	free(piece);
}

int launch_cmdline(const struct vm_config *vm, const struct net_plan *plan, char **out)
{
	char *s = NULL;
	size_t len = 0;
	bool ch = vm->hypervisor == HV_CLOUD_HYPERVISOR;

	bool own_root = false;

	/* a guest that names its root itself (the NixOS image: root=fstab) keeps it */
	for (size_t i = 0; i < vm->kernel_params.n; i++)
		if (strncmp(vm->kernel_params.v[i], "root=", 5) == 0)
			own_root = true;
	cat(&s, &len, "console=%s", ch ? "ttyS0" : "ttyS0");
	if (!own_root)
		cat(&s, &len, "root=/dev/vda ro");
	cat(&s, &len, "vmsilo.name=%s", vm->name);
	cat(&s, &len, "systemd.hostname=%s", vm->name);
	cat(&s, &len, "vmsilo.overlay=%s", vm->overlay_type == OVERLAY_TMPFS ? "tmpfs" : "/dev/vdb");
	if (vm->auto_shutdown)
		cat(&s, &len, "vmsilo.idle_shutdown=%u", vm->auto_shutdown_after);
	/* what the guest's vmsilo-dbus-proxy offers (--kernel-cmdline); defaults unsaid */
	if (!vm->dbus_notifications)
		cat(&s, &len, "vmsilo.notifications=0");
	if (vm->dbus_tray)
		cat(&s, &len, "vmsilo.tray=1");
	for (size_t i = 0; i < plan->n; i++) {
		const struct plan_tap *t = &plan->taps[i];
		cat(&s, &len, "vmsilo.ifname=%s,%s", t->guest_name, t->mac);
		if (t->guest_address[0])
			cat(&s, &len, "vmsilo.addr=%s,%s", t->guest_name, t->guest_address);
		if (t->guest_gateway[0])
			cat(&s, &len, "vmsilo.route=%s,0.0.0.0/0,%s", t->guest_name, t->guest_gateway);
		if (t->role == TAP_ROUTER)
			cat(&s, &len, "vmsilo.client=%s", t->guest_name);
		/* a client of a VM netvm asks its router for names, unless told otherwise */
		if (t->role == TAP_CLIENT && vm->nameservers.n == 0)
			cat(&s, &len, "vmsilo.dns=%s", t->guest_gateway);
	}
	for (size_t i = 0; i < vm->n_interfaces; i++) {
		const struct vm_interface *in = &vm->interfaces[i];
		if (in->dhcp)
			cat(&s, &len, "vmsilo.dhcp=%s", in->name);
		for (size_t k = 0; k < in->addresses.n; k++)
			cat(&s, &len, "vmsilo.addr=%s,%s", in->name, in->addresses.v[k]);
		for (size_t k = 0; k < in->addresses6.n; k++)
			cat(&s, &len, "vmsilo.addr=%s,%s", in->name, in->addresses6.v[k]);
		for (size_t k = 0; k < in->routes.n; k++) {
			/* "DEST via GW" -> "vmsilo.route=IF,DEST,GW" */
			char dest[64], gw[64];
			if (sscanf(in->routes.v[k], "%63s via %63s", dest, gw) == 2)
				cat(&s, &len, "vmsilo.route=%s,%s,%s", in->name, dest, gw);
		}
		for (size_t k = 0; k < in->routes6.n; k++) {
			char dest[64], gw[64];
			if (sscanf(in->routes6.v[k], "%63s via %63s", dest, gw) == 2)
				cat(&s, &len, "vmsilo.route=%s,%s,%s", in->name, dest, gw);
		}
	}
	for (size_t i = 0; i < vm->nameservers.n; i++)
		cat(&s, &len, "vmsilo.dns=%s", vm->nameservers.v[i]);
	if (vm->is_netvm)
		cat(&s, &len, "vmsilo.netvm=1");
	for (size_t i = 0; i < vm->n_shares; i++)
		if (vm->shares[i].mount_path)
			cat(&s, &len, "systemd.mount-extra=%s:%s:virtiofs:%s", vm->shares[i].tag,
			    vm->shares[i].mount_path, vm->shares[i].read_only ? "ro" : "defaults");
	if (vm->shared_home)
		cat(&s, &len, "systemd.mount-extra=home:/home/user:virtiofs:defaults");
	for (size_t i = 0; i < vm->kernel_params.n; i++)
		cat(&s, &len, "%s", vm->kernel_params.v[i]);
	if (!s)
		return -ENOMEM;
	*out = s;
	return 0;
}

static const char *ch_verbosity(const char *level)
{
	if (strcmp(level, "debug") == 0)
		return "-vv";
	if (strcmp(level, "trace") == 0)
		return "-vvv";
	if (strcmp(level, "info") == 0)
		return "-v";
	return NULL; /* error/warn/off: the default */
}

/* One additional disk as a single comma-separated argument, in the VMM's words. */
static void add_disk(struct argv *a, const char *prefix, const struct vm_disk *d, const char *ro_key,
		     const char *yes, const char *no)
{
	char *spec = NULL;
	size_t len;
	FILE *f = open_memstream(&spec, &len);

	if (!f) {
		a->overflow = 1;
		return;
	}
	fprintf(f, "%spath=%s,id=%s,%s=%s", prefix, d->path, d->name, ro_key, d->read_only ? yes : no);
	if (d->direct)
		fprintf(f, ",direct=%s", yes);
	for (size_t k = 0; k < d->options.n; k++)
		fprintf(f, ",%s", d->options.v[k]);
	if (fclose(f) != 0) {
		a->overflow = 1;
		free(spec);
		return;
	}
	argv_add(a, spec);
	free(spec);
}

static void cloud_hypervisor(const struct vm_config *vm, const struct net_plan *plan, uint32_t cid,
			     const char *rt, const char *cmdline, struct argv *a)
{
	const char *v = ch_verbosity(vm->log_level);

	argv_add(a, vm->programs.cloud_hypervisor);
	if (v)
		argv_add(a, v);
	argv_addf(a, "--api-socket=path=%s/%s/api.socket", rt, vm->name);
	argv_addf(a, "--cpus=boot=%u", vm->cpus);
	/* shared memory lets vhost-user devices (virtiofsd, GPU, sound) map guest RAM */
	argv_addf(a, "--memory=size=%uM,shared=on%s", vm->memory_mib, vm->hugepages ? ",hugepages=on" : "");
	argv_addf(a, "--kernel=%s", vm->kernel);
	if (vm->initramfs)
		argv_addf(a, "--initramfs=%s", vm->initramfs);
	argv_addf(a, "--cmdline=%s", cmdline);
	argv_add(a, "--disk");
	argv_addf(a, "path=%s,readonly=%s,direct=on", vm->root_disk, vm->root_disk_read_only ? "on" : "off");
	if (vm->overlay_type == OVERLAY_RAW)
		argv_addf(a, "path=%s/%s/overlay.img", rt, vm->name);
	for (size_t i = 0; i < vm->n_disks; i++)
		add_disk(a, "", &vm->disks[i], "readonly", "on", "off");
	for (size_t i = 0; i < plan->n; i++)
		argv_addf(a, "--net=fd=%zu,mac=%s", LAUNCH_TAP_FD_FIRST + i, plan->taps[i].mac);
	argv_addf(a, "--vsock=cid=%u,socket=%s/%s/vsock.socket", cid, rt, vm->name);
	for (size_t i = 0; i < vm->n_shares; i++)
		argv_addf(a, "--fs=tag=%s,socket=%s/%s/virtiofs-%s/virtiofsd.sock", vm->shares[i].tag, rt,
			  vm->name, vm->shares[i].tag);
	if (vm_gpu_enabled(vm))
		argv_addf(a, "--gpu=socket=%s/%s/gpu.socket", rt, vm->name);
	if (vm_sound_enabled(vm))
		argv_addf(a, "--sound=socket=%s/%s/sound/sound.socket", rt, vm->name);
	for (size_t i = 0; i < vm->vhost_user.n; i++)
		argv_addf(a, "--vhost-user=%s", vm->vhost_user.v[i]);
	for (size_t i = 0; i < vm->pci_devices.n; i++)
		argv_addf(a, "--device=path=/sys/bus/pci/devices/0000:%s", vm->pci_devices.v[i]);
	argv_add(a, "--balloon=size=0,deflate_on_oom=on,free_page_reporting=on");
	argv_addf(a, "--serial=socket=%s/%s/console.socket", rt, vm->name);
	argv_add(a, "--console=off");
	argv_addf(a, "--seccomp=%s", vm->seccomp == SECCOMP_LOG ? "log" : "true");
	for (size_t i = 0; i < vm->extra_args.n; i++)
		argv_add(a, vm->extra_args.v[i]);
}

static void crosvm(const struct vm_config *vm, const struct net_plan *plan, uint32_t cid, const char *rt,
		   const char *cmdline, struct argv *a)
{
	argv_add(a, vm->programs.crosvm);
	argv_addf(a, "--log-level=%s", vm->log_level);
	for (size_t i = 0; i < vm->extra_args.n; i++)
		argv_add(a, vm->extra_args.v[i]);
	argv_add(a, "run");
	argv_addf(a, "--cpus=%u", vm->cpus);
	argv_addf(a, "--mem=%u", vm->memory_mib);
	if (vm->initramfs)
		argv_addf(a, "--initrd=%s", vm->initramfs);
	argv_addf(a, "--params=%s", cmdline);
	argv_addf(a, "--block=path=%s,ro=%s,direct=true", vm->root_disk, vm->root_disk_read_only ? "true" : "false");
	if (vm->overlay_type == OVERLAY_RAW)
		argv_addf(a, "--block=path=%s/%s/overlay.img", rt, vm->name);
	for (size_t i = 0; i < vm->n_disks; i++)
		add_disk(a, "--block=", &vm->disks[i], "ro", "true", "false");
	for (size_t i = 0; i < plan->n; i++)
		argv_addf(a, "--net=tap-fd=%zu,mac=%s", LAUNCH_TAP_FD_FIRST + i, plan->taps[i].mac);
	argv_addf(a, "--vsock=cid=%u", cid);
	argv_addf(a, "--socket=%s/%s/crosvm.socket", rt, vm->name);
	for (size_t i = 0; i < vm->n_shares; i++)
		argv_addf(a, "--vhost-user=type=fs,socket=%s/%s/virtiofs-%s/virtiofsd.sock", rt, vm->name,
			  vm->shares[i].tag);
	if (vm_gpu_enabled(vm))
		argv_addf(a, "--vhost-user=type=gpu,socket=%s/%s/gpu.socket", rt, vm->name);
	if (vm_sound_enabled(vm))
		argv_addf(a, "--vhost-user=type=sound,socket=%s/%s/sound/sound.socket", rt, vm->name);
	for (size_t i = 0; i < vm->vhost_user.n; i++)
		argv_addf(a, "--vhost-user=%s", vm->vhost_user.v[i]);
	for (size_t i = 0; i < vm->pci_devices.n; i++)
		argv_addf(a, "--vfio=/sys/bus/pci/devices/0000:%s", vm->pci_devices.v[i]);
	argv_addf(a, "--serial=type=unix-stream,path=%s/%s/console.socket,hardware=serial,num=1,console=true",
		  rt, vm->name);
	if (vm->seccomp == SECCOMP_LOG)
		argv_add(a, "--seccomp-log-failures");
	for (size_t i = 0; i < vm->extra_run_args.n; i++)
		argv_add(a, vm->extra_run_args.v[i]);
	argv_add(a, vm->kernel);
}

int launch_argv(const struct vm_config *vm, const struct net_plan *plan, uint32_t cid,
		const char *runtime_dir, const char *tap_open, struct argv *a)
{
	char *cmdline;
	int r = launch_cmdline(vm, plan, &cmdline);
	if (r < 0)
		return r;
	for (size_t i = 0; i < plan->n; i++) {
		argv_add(a, tap_open);
		argv_addf(a, "--fd=%zu", LAUNCH_TAP_FD_FIRST + i);
		argv_add(a, plan->taps[i].ifname);
		argv_add(a, "--");
	}
	if (vm->hypervisor == HV_CLOUD_HYPERVISOR)
		cloud_hypervisor(vm, plan, cid, runtime_dir, cmdline, a);
	else
		crosvm(vm, plan, cid, runtime_dir, cmdline, a);
	free(cmdline);
	return a->overflow ? -E2BIG : 0;
}
