/* SPDX-License-Identifier: MIT */
#include "vmconfig.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io.h"
#include "macro.h"
#include "strutil.h"
#include "paths.h"
#include "vmconfig-keys.h"

#define fail(err, path, line, ...) \
	errfmt_at((err) ? (err)->text : NULL, sizeof((err)->text), path, line, -EINVAL, __VA_ARGS__)

const char *hypervisor_name(enum hypervisor h)
{
	return h == HV_CROSVM ? "crosvm" : "cloud-hypervisor";
}

const char *seccomp_policy_name(enum seccomp_policy p)
{
	return p == SECCOMP_LOG ? "log" : "enforcing";
}

static void strv_free(struct strv *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

static int strv_push(struct strv *s, const char *value)
{
	char **v;
	if (s->n >= VM_LIST_MAX)
		return -E2BIG;
	v = realloc(s->v, (s->n + 2) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	s->v = v;
	v[s->n] = strdup(value);
	if (!v[s->n])
		return -ENOMEM;
	v[++s->n] = NULL;
	return 0;
}

/* ---- value parsers ---------------------------------------------------- */

static int parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };
	for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
		if (strcmp(s, yes[i]) == 0)
			return *out = true, 0;
		if (strcmp(s, no[i]) == 0)
			return *out = false, 0;
	}
	return -EINVAL;
}

int parse_ipv4_cidr(const char *s, uint32_t *addr, unsigned *prefix)
{
	unsigned a, b, c, d, p;
	int end = 0;

	if (sscanf(s, "%3u.%3u.%3u.%3u/%2u%n", &a, &b, &c, &d, &p, &end) != 5 || s[end] != '\0')
		return -EINVAL;
	if (a > 255 || b > 255 || c > 255 || d > 255 || p > 32)
		return -ERANGE;
	for (const char *q = s; *q; q++) /* sscanf skips spaces and accepts signs: refuse them */
		if (!((*q >= '0' && *q <= '9') || *q == '.' || *q == '/'))
			return -EINVAL;
	*addr = a << 24 | b << 16 | c << 8 | d;
	*prefix = p;
	return 0;
}

int parse_mac(const char *s)
{
	/* sscanf's %x would take signs and blanks: check every character instead */
	for (size_t i = 0; i < 17; i++)
		if (i % 3 == 2 ? s[i] != ':' : !isxdigit((unsigned char)s[i]))
			return -EINVAL;
	if (s[17] != '\0')
		return -EINVAL;
	if (strtoul(s, NULL, 16) & 1)
		return -ERANGE; /* multicast */
	return 0;
}

static int parse_size(const char *s)
{
	char *end;
	unsigned long long v;

	if (!*s || *s == '-' || *s == '+')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || v == 0)
		return -EINVAL;
	if (*end && !(strchr("KMGT", *end) && end[1] == '\0'))
		return -EINVAL;
	return 0;
}

int check_ifname(const char *name, char *why, size_t whylen)
{
	size_t n = strlen(name);
	bool all_digits = true;

	if (n == 0 || n > IFNAME_MAX)
		return errfmt(why, whylen, -EINVAL, "an interface name has 1 to %d characters", IFNAME_MAX);
	if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return errfmt(why, whylen, -EINVAL, "'.' and '..' are not interface names");
	/* stricter than the kernel: the name also goes into [Match] Name=, where *?[ are globs */
	for (const char *p = name; *p; p++) {
		bool letter = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z');
		if (!letter && !(*p >= '0' && *p <= '9') && *p != '_' && *p != '.' && *p != '-')
			return errfmt(why, whylen, -EINVAL,
				      "an interface name takes only letters, digits, '_', '.' and '-'");
		all_digits = all_digits && (*p >= '0' && *p <= '9');
	}
	if (all_digits) /* networkd would read it as an interface index */
		return errfmt(why, whylen, -EINVAL, "an interface name is not all digits");
	return 0;
}

static int valid_loglevel(const char *s)
{
	static const char *const levels[] = { "error", "warn", "info", "debug", "trace", "off" };
	for (size_t i = 0; i < ARRAY_SIZE(levels); i++)
		if (strcmp(s, levels[i]) == 0)
			return 1;
	return 0;
}

void vm_default_mac(const char *vm, const char *ifname, char out[18])
{
	/* FNV-1a over "<vm>-<ifname>": stable across rebuilds and hosts. */
	uint64_t h = 1469598103934665603ull;
	for (const char *p = vm; *p; p++)
		h = (h ^ (uint8_t)*p) * 1099511628211ull;
	h = (h ^ '-') * 1099511628211ull;
	for (const char *p = ifname; *p; p++)
		h = (h ^ (uint8_t)*p) * 1099511628211ull;
	snprintf(out, 18, "02:%02x:%02x:%02x:%02x:%02x", (unsigned)(h >> 32) & 0xff,
		 (unsigned)(h >> 24) & 0xff, (unsigned)(h >> 16) & 0xff, (unsigned)(h >> 8) & 0xff,
		 (unsigned)h & 0xff);
}

/* ---- assignment --------------------------------------------------------- */

static int set_string(char **field, const char *value)
{
	char *c = strdup(value);
	if (!c)
		return -ENOMEM;
	free(*field);
	*field = c;
	return 0;
}

static int assign(const struct key_spec *k, void *base, const char *value, const struct ini_file *f,
		  const struct ini_entry *e, struct vm_error *err)
{
	void *field = (char *)base + k->offset;
	const char *path = f->path;
	uint32_t u, addr;
	unsigned prefix;
	bool b;

	if (k->kind != K_STRV && !*value)
		return fail(err, path, e->line, "%s= needs a value", k->key);
	switch (k->kind) {
	case K_STRING:
		return set_string(field, value);
	case K_PATH:
		if (value[0] != '/')
			return fail(err, path, e->line, "%s=%s: expected an absolute path", k->key, value);
		return set_string(field, value);
	case K_BOOL:
		if (parse_bool(value, &b) < 0)
			return fail(err, path, e->line, "%s=%s: expected yes or no", k->key, value);
		*(bool *)field = b;
		return 0;
	case K_U32:
		if (parse_u32(value, &u) < 0 || u < k->min || u > k->max)
			return fail(err, path, e->line, "%s=%s: expected a whole number from %u to %u",
				    k->key, value, k->min, k->max);
		*(uint32_t *)field = u;
		return 0;
	case K_ENUM:
	case K_CHOICE:
		for (int i = 0; k->choices[i]; i++)
			if (strcmp(value, k->choices[i]) == 0) {
				if (k->kind == K_ENUM)
					*(int *)field = i;
				else
					*(const char **)field = k->choices[i];
				return 0;
			}
		{
			char list[160] = "";
			for (int i = 0; k->choices[i]; i++) {
				strncat(list, i ? ", " : "", sizeof(list) - strlen(list) - 1);
				strncat(list, k->choices[i], sizeof(list) - strlen(list) - 1);
			}
			return fail(err, path, e->line, "%s=%s: expected one of %s", k->key, value, list);
		}
	case K_STRV:
		if (!*value)
			return 0;
		if (strv_push(field, value) < 0)
			return fail(err, path, e->line, "%s= given more than %d times", k->key, VM_LIST_MAX);
		return 0;
	case K_LOGLEVEL:
		if (!valid_loglevel(value))
			return fail(err, path, e->line,
				    "%s=%s: expected error, warn, info, debug, trace or off", k->key, value);
		return set_string(field, value);
	case K_VMNAME:
	case K_NETVM:
		if (k->kind == K_NETVM && strcmp(value, "host") == 0)
			return set_string(field, value);
		if (vm_name_invalid_reason(value))
			return fail(err, path, e->line, "%s=%s: invalid VM name: %s", k->key, value,
				    vm_name_invalid_reason(value));
		return set_string(field, value);
	case K_CIDR4:
		if (parse_ipv4_cidr(value, &addr, &prefix) < 0)
			return fail(err, path, e->line, "%s=%s: expected an IPv4 address with prefix, "
				    "like 10.0.0.1/24", k->key, value);
		return set_string(field, value);
	case K_COLOR:
		if (parse_color(value, &u) < 0)
			return fail(err, path, e->line, "%s=%s: expected a color name, #rrggbb or "
				    "rgb(r,g,b)", k->key, value);
		return set_string(field, value);
	case K_MAC:
		if (parse_mac(value) < 0)
			return fail(err, path, e->line, "%s=%s: expected a unicast MAC address like "
				    "02:00:00:00:00:01", k->key, value);
		return set_string(field, value);
	case K_SIZE:
		if (parse_size(value) < 0)
			return fail(err, path, e->line, "%s=%s: expected a size like 512M or 10G", k->key,
				    value);
		return set_string(field, value);
	case K_PROGRAM:
		if (strpbrk(value, " \t") || (strchr(value, '/') && value[0] != '/'))
			return fail(err, path, e->line, "%s=%s: expected a program name or an absolute path "
				    "without spaces", k->key, value);
		return set_string(field, value);
	case K_IFNAME: {
		char why[96];
		if (check_ifname(value, why, sizeof(why)) < 0)
			return fail(err, path, e->line, "%s=%s: %s", k->key, value, why);
		return set_string(field, value);
	}
	}
	return -EINVAL;
}

/* ---- the file ------------------------------------------------------------ */

static int section_of(const char *name)
{
	for (int i = 0; i < SEC__COUNT; i++)
		if (strcmp(name, vm_section_names[i]) == 0)
			return i;
	return -1;
}

static bool section_named(int sec)
{
	return sec == SEC_INTERFACE || sec == SEC_SHARE || sec == SEC_DISK;
}

static void set_defaults(struct vm_config *vm)
{
	vm->memory_mib = 1024;
	vm->cpus = 2;
	vm->hypervisor = HV_CLOUD_HYPERVISOR;
	vm->root_disk_read_only = true;
	vm->auto_shutdown_after = 60;
	vm->gpu_wayland = true;
	vm->sound_playback = true;
	vm->dbus_notifications = true;
}

static void share_defaults(struct vm_share *s)
{
	s->xattr = s->posix_acl = s->readdirplus = s->killpriv_v2 = true;
	s->cache = "auto";
	s->inode_file_handles = "prefer";
}

/* Creates the element for a named section; rejects a repeated name. */
static void *named_element(struct vm_config *vm, const struct ini_file *f, const struct ini_entry *s,
			   int sec, struct vm_error *err)
{
	const char *path = f->path, *name = s->arg;
	char **slot;

	if (!name)
		return fail(err, path, s->line, "[%s] needs a name, like [%s data]", s->section,
			    s->section), NULL;
	if (sec == SEC_INTERFACE) {
		for (size_t i = 0; i < vm->n_interfaces; i++)
			if (strcmp(vm->interfaces[i].name, name) == 0)
				return fail(err, path, s->line, "duplicate interface '%s'", name), NULL;
		if (vm->n_interfaces == VM_INTERFACES_MAX)
			return fail(err, path, s->line, "more than %d interfaces", VM_INTERFACES_MAX), NULL;
		char why[96];
		if (check_ifname(name, why, sizeof(why)) < 0)
			return fail(err, path, s->line, "[Interface %s]: %s", name, why), NULL;
		vm->interfaces[vm->n_interfaces].index = (unsigned)vm->n_interfaces;
		slot = &vm->interfaces[vm->n_interfaces].name;
		vm->n_interfaces++;
	} else if (sec == SEC_SHARE) {
		for (size_t i = 0; i < vm->n_shares; i++)
			if (strcmp(vm->shares[i].tag, name) == 0)
				return fail(err, path, s->line, "duplicate share tag '%s'", name), NULL;
		if (vm->n_shares == VM_SHARES_MAX)
			return fail(err, path, s->line, "more than %d shares", VM_SHARES_MAX), NULL;
		if (strlen(name) > 36 || strpbrk(name, " /\\\"'"))
			return fail(err, path, s->line, "share tag '%s': at most 36 characters, no "
				    "spaces, slashes or quotes", name), NULL;
		share_defaults(&vm->shares[vm->n_shares]);
		slot = &vm->shares[vm->n_shares].tag;
		vm->n_shares++;
	} else {
		for (size_t i = 0; i < vm->n_disks; i++)
			if (strcmp(vm->disks[i].name, name) == 0)
				return fail(err, path, s->line, "duplicate disk '%s'", name), NULL;
		if (vm->n_disks == VM_DISKS_MAX)
			return fail(err, path, s->line, "more than %d disks", VM_DISKS_MAX), NULL;
		if (strpbrk(name, ",= /"))
			return fail(err, path, s->line, "disk name '%s' must not contain ',', '=', "
				    "'/' or spaces", name), NULL;
		slot = &vm->disks[vm->n_disks].name;
		vm->n_disks++;
	}
	*slot = strdup(name);
	if (!*slot)
		return NULL;
	if (sec == SEC_INTERFACE)
		return &vm->interfaces[vm->n_interfaces - 1];
	if (sec == SEC_SHARE)
		return &vm->shares[vm->n_shares - 1];
	return &vm->disks[vm->n_disks - 1];
}

static const struct key_spec *find_key(int sec, const char *key)
{
	for (size_t i = 0; i < vm_keys_count; i++)
		if ((int)vm_keys[i].section == sec && strcmp(vm_keys[i].key, key) == 0)
			return &vm_keys[i];
	return NULL;
}

static int fill_string_defaults(struct vm_config *vm)
{
	struct {
		char **field;
		const char *value;
	} defaults[] = {
		{ &vm->color, "darkred" },	   { &vm->log_level, "info" },
		{ &vm->overlay_size, "10G" },	   { &vm->netvm_range, "10.200.0.0/16" },
		{ &vm->gpu_log_level, "info" },	   { &vm->sound_log_level, "info" },
		{ &vm->dbus_log_level, "info" },
		{ &vm->programs.cloud_hypervisor, "cloud-hypervisor" },
		{ &vm->programs.crosvm, "crosvm" },
		{ &vm->programs.virtiofsd, "virtiofsd" },
		{ &vm->programs.vhost_device_gpu, "vhost-device-gpu" },
		{ &vm->programs.vhost_device_sound, "vhost-device-sound" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(defaults); i++)
		if (!*defaults[i].field && set_string(defaults[i].field, defaults[i].value) < 0)
			return -ENOMEM;
	for (size_t i = 0; i < vm->n_shares; i++)
		if (!vm->shares[i].log_level && set_string(&vm->shares[i].log_level, "info") < 0)
			return -ENOMEM;
	return 0;
}

static int validate(struct vm_config *vm, const char *path, struct vm_error *err)
{
	if (fill_string_defaults(vm) < 0)
		return -ENOMEM;
	if (!vm->kernel)
		return fail(err, path, 0, "[VM] Kernel= is required");
	if (!vm->root_disk)
		return fail(err, path, 0, "[VM] RootDisk= is required");
	if (vm->netvm && strcmp(vm->netvm, vm->name) == 0)
		return fail(err, path, 0, "[Network] Netvm= names the VM itself");
	for (size_t i = 0; i < vm->depends_on.n; i++) {
		const char *d = vm->depends_on.v[i];
		if (vm_name_invalid_reason(d))
			return fail(err, path, 0, "[VM] DependsOn=%s: invalid VM name: %s", d,
				    vm_name_invalid_reason(d));
		if (strcmp(d, vm->name) == 0)
			return fail(err, path, 0, "[VM] DependsOn= names the VM itself");
	}
	for (size_t i = 0; i < vm->n_interfaces; i++) {
		struct vm_interface *in = &vm->interfaces[i];
		if (in->host_address && in->bridge)
			return fail(err, path, 0, "[Interface %s] HostAddress= and Bridge= exclude each "
				    "other: a TAP is either routed by the host or bridged", in->name);
		if (vm->netvm && strcmp(in->name, "upstream") == 0)
			return fail(err, path, 0, "[Interface upstream] is created by Netvm=%s; remove "
				    "one of them", vm->netvm);
		if (!in->tap_name) {
			char tap[32];
			snprintf(tap, sizeof(tap), "%.12s-%u", vm->name, in->index);
			if (set_string(&in->tap_name, tap) < 0)
				return -ENOMEM;
		}
		if (!in->mac) {
			char mac[18];
			vm_default_mac(vm->name, in->name, mac);
			if (set_string(&in->mac, mac) < 0)
				return -ENOMEM;
		}
		for (size_t j = 0; j < i; j++)
			if (strcmp(vm->interfaces[j].tap_name, in->tap_name) == 0)
				return fail(err, path, 0, "interfaces '%s' and '%s' both use TAP '%s'; set "
					    "TapName=", vm->interfaces[j].name, in->name, in->tap_name);
	}
	for (size_t i = 0; i < vm->n_shares; i++) {
		struct vm_share *s = &vm->shares[i];
		if (!s->path)
			return fail(err, path, 0, "[Share %s] Path= is required", s->tag);
		if (s->posix_acl && (s->translate_uid || s->translate_gid))
			return fail(err, path, 0, "[Share %s] PosixACL=yes cannot be combined with "
				    "TranslateUID=/TranslateGID=; set PosixACL=no", s->tag);
	}
	for (size_t i = 0; i < vm->n_disks; i++)
		if (!vm->disks[i].path)
			return fail(err, path, 0, "[Disk %s] Path= is required", vm->disks[i].name);
	return 0;
}

static int vm_name_from_path(const char *path, struct vm_config *vm, struct vm_error *err)
{
	const char *base = strrchr(path, '/');
	size_t n;
	char name[VM_NAME_MAX + 2];

	base = base ? base + 1 : path;
	n = strlen(base);
	if (n < 4 || strcmp(base + n - 3, ".vm") != 0)
		return fail(err, path, 0, "a VM file name must end in .vm");
	n -= 3;
	if (n > VM_NAME_MAX)
		return fail(err, path, 0, "invalid VM name: longer than 64 characters");
	memcpy(name, base, n);
	name[n] = '\0';
	if (vm_name_invalid_reason(name))
		return fail(err, path, 0, "invalid VM name '%s': %s", name, vm_name_invalid_reason(name));
	vm->name = strdup(name);
	return vm->name ? 0 : -ENOMEM;
}

int vm_config_parse(const char *path, const char *buf, size_t len, struct vm_config *vm,
		    struct vm_error *err)
{
	struct ini_file f;
	struct ini_error ierr;
	void *element = NULL;
	int r;

	memset(vm, 0, sizeof(*vm));
	set_defaults(vm);
	vm->path = strdup(path);
	if (!vm->path)
		return -ENOMEM;
	r = vm_name_from_path(path, vm, err);
	if (r < 0)
		return r;
	r = ini_parse_buffer(path, buf, len, &f, &ierr);
	if (r < 0) {
		if (err)
			snprintf(err->text, sizeof(err->text), "%s", ierr.text);
		ini_free(&f);
		return r;
	}

	/* Sections first, so empty named sections still exist; then keys in order. */
	size_t ei = 0;
	for (size_t si = 0; si < f.nsections && r == 0; si++) {
		const struct ini_entry *s = &f.sections[si];
		int sec = section_of(s->section);
		if (sec < 0) {
			r = fail(err, path, s->line, "unknown section [%s]", s->section);
			break;
		}
		if (!section_named(sec) && s->arg) {
			r = fail(err, path, s->line, "[%s] takes no name", s->section);
			break;
		}
		element = section_named(sec) ? named_element(vm, &f, s, sec, err) : vm;
		if (!element) {
			r = -EINVAL;
			break;
		}
		/* the entries of this section instance follow in file order */
		size_t first = ei;
		for (; ei < f.n && f.entries[ei].section_line == s->line && r == 0; ei++) {
			const struct ini_entry *e = &f.entries[ei];
			const struct key_spec *k = find_key(sec, e->key);
			if (!k) {
				r = fail(err, path, e->line, "unknown key '%s' in [%s]", e->key, s->section);
				break;
			}
			if (k->kind != K_STRV)
				for (size_t j = first; j < ei; j++)
					if (strcmp(f.entries[j].key, e->key) == 0) {
						r = fail(err, path, e->line, "%s= given twice in this "
							 "section (first at line %u)", e->key,
							 f.entries[j].line);
						break;
					}
			if (r == 0)
				r = assign(k, element, e->value, &f, e, err);
		}
	}
	ini_free(&f);
	if (r < 0)
		return r;
	return validate(vm, path, err);
}

int vm_config_load(const char *path, struct vm_config *vm, struct vm_error *err)
{
	_cleanup_free_ char *buf = NULL;
	struct ini_error ierr;
	size_t len;
	int r;

	memset(vm, 0, sizeof(*vm));
	r = ini_read_file(path, &buf, &len, &ierr);
	if (r < 0) {
		if (err)
			snprintf(err->text, sizeof(err->text), "%s", ierr.text);
		return r;
	}
	return vm_config_parse(path, buf, len, vm, err);
}

void vm_config_free(struct vm_config *vm)
{
	free(vm->name);
	free(vm->path);
	free(vm->color);
	free(vm->user);
	free(vm->kernel);
	free(vm->initramfs);
	free(vm->root_disk);
	strv_free(&vm->kernel_params);
	strv_free(&vm->depends_on);
	free(vm->log_level);
	strv_free(&vm->extra_args);
	strv_free(&vm->extra_run_args);
	free(vm->shared_home);
	free(vm->extra_config);
	free(vm->overlay_size);
	free(vm->netvm);
	free(vm->netvm_subnet);
	free(vm->netvm_range);
	strv_free(&vm->nameservers);
	for (size_t i = 0; i < vm->n_interfaces; i++) {
		struct vm_interface *in = &vm->interfaces[i];
		free(in->name);
		free(in->tap_name);
		free(in->mac);
		free(in->host_address);
		free(in->bridge);
		strv_free(&in->addresses);
		strv_free(&in->routes);
		strv_free(&in->addresses6);
		strv_free(&in->routes6);
	}
	for (size_t i = 0; i < vm->n_shares; i++) {
		struct vm_share *s = &vm->shares[i];
		free(s->tag);
		free(s->path);
		free(s->mount_path);
		free(s->log_level);
		free(s->uid_map);
		free(s->gid_map);
		free(s->translate_uid);
		free(s->translate_gid);
	}
	for (size_t i = 0; i < vm->n_disks; i++) {
		free(vm->disks[i].name);
		free(vm->disks[i].path);
		strv_free(&vm->disks[i].options);
	}
	free(vm->gpu_log_level);
	free(vm->sound_log_level);
	free(vm->dbus_log_level);
	strv_free(&vm->pci_devices);
	strv_free(&vm->usb_devices);
	strv_free(&vm->vhost_user);
	free(vm->programs.cloud_hypervisor);
	free(vm->programs.crosvm);
	free(vm->programs.virtiofsd);
	free(vm->programs.vhost_device_gpu);
	free(vm->programs.vhost_device_sound);
	memset(vm, 0, sizeof(*vm));
}
