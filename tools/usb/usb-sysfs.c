/* SPDX-License-Identifier: MIT */
#include "usb-sysfs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io.h"
#include "macro.h"
#include "strutil.h"

const char *usb_sysfs_root(const char *option)
{
	const char *env = getenv("VMSILO_SYSFS");
	if (option && *option)
		return option;
	return env && *env ? env : "/sys";
}

static int read_small(const char *path, char *buf, size_t size)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read_full(fd, buf, size - 1, 5000);
	if (n < 0)
		return (int)n;
	buf[n] = '\0';
	if (strlen(buf) != (size_t)n)
		return -EINVAL; /* a NUL inside: not a text attribute */
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	return 0;
}

int usb_read_attr(const char *root, const char *busid, const char *attr, char *buf, size_t size)
{
	char path[PATH_MAX];

	if (!usb_busid_valid(busid))
		return -EINVAL;
	if ((size_t)snprintf(path, sizeof(path), "%s/bus/usb/devices/%s/%s", root, busid, attr) >= sizeof(path))
		return -ENAMETOOLONG;
	return read_small(path, buf, size);
}

int usb_write_file(const char *path, const char *text)
{
	/* O_APPEND: sysfs ignores it; a plain file in a test keeps every write in order */
	_cleanup_close_ int fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC | O_NOCTTY);
	char line[256];
	int n;

	if (fd < 0)
		return -errno;
	n = snprintf(line, sizeof(line), "%s\n", text);
	if (n < 0 || (size_t)n >= sizeof(line))
		return -ENAMETOOLONG;
	/* one write(): a sysfs store sees the whole text at once */
	ssize_t w = write(fd, line, (size_t)n);
	if (w < 0)
		return -errno;
	return w == n ? 0 : -EIO;
}

int usb_write_bus(const char *root, const char *rel, const char *text)
{
	char path[PATH_MAX];
	if ((size_t)snprintf(path, sizeof(path), "%s/bus/usb/%s", root, rel) >= sizeof(path))
		return -ENAMETOOLONG;
	return usb_write_file(path, text);
}

const char *usb_driver_name_invalid_reason(const char *name)
{
	size_t len = strlen(name);
	if (len == 0 || len > USB_DRIVER_NAME_MAX)
		return "its length is not 1 to 64";
	if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return "it is a relative directory";
	for (size_t i = 0; i < len; i++) {
		char c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_' || c == '.'))
			return "it has characters other than letters, digits, '-', '_' and '.'";
	}
	return NULL;
}

static int read_driver(const char *root, const char *busid, char *out, size_t size)
{
	char path[PATH_MAX], target[PATH_MAX];
	const char *base;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/bus/usb/devices/%s/driver", root, busid);
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return errno == ENOENT ? (out[0] = '\0', 0) : -errno;
	target[n] = '\0';
	base = strrchr(target, '/');
	base = base ? base + 1 : target;
	/* only the last component is used, and only to name <root>/bus/usb/drivers/<name> */
	if (usb_driver_name_invalid_reason(base) || strlen(base) >= size)
		return -EINVAL;
	strcpy(out, base);
	return 0;
}

/* A decimal attribute (busnum, devnum). */
static int read_dec(const char *root, const char *busid, const char *attr, uint32_t *out)
{
	char buf[32];
	int r = usb_read_attr(root, busid, attr, buf, sizeof(buf));

	if (r < 0)
		return r;
	return parse_u32(buf, out) < 0 ? -EINVAL : 0;
}

/* bDeviceClass: two hex digits. */
static int read_class(const char *root, const char *busid, unsigned *out)
{
	char buf[32];
	int r = usb_read_attr(root, busid, "bDeviceClass", buf, sizeof(buf));

	if (r < 0)
		return r;
	if (strlen(buf) != 2 || hex_digit(buf[0]) < 0 || hex_digit(buf[1]) < 0)
		return -EINVAL;
	*out = (unsigned)(hex_digit(buf[0]) << 4 | hex_digit(buf[1]));
	return 0;
}

int usb_device_read(const char *root, const char *busid_arg, struct usb_device_info *info)
{
	char buf[USB_ATTR_MAX], busid[USB_BUSID_MAX + 1];
	int r;

	if (!usb_busid_valid(busid_arg))
		return -EINVAL;
	strcpy(busid, busid_arg); /* busid_arg may be info->busid */
	memset(info, 0, sizeof(*info));
	strcpy(info->busid, busid);
	if (!usb_device_present(root, busid))
		return -ENOENT;
	if ((r = usb_read_attr(root, busid, "idVendor", buf, sizeof(buf))) < 0 ||
	    (r = usb_parse_hex16(buf, &info->vendor)) < 0)
		return r == -ENOENT ? -EINVAL : r;
	if ((r = usb_read_attr(root, busid, "idProduct", buf, sizeof(buf))) < 0 ||
	    (r = usb_parse_hex16(buf, &info->product)) < 0)
		return r == -ENOENT ? -EINVAL : r;
	if ((r = read_dec(root, busid, "busnum", &info->busnum)) < 0 ||
	    (r = read_dec(root, busid, "devnum", &info->devnum)) < 0)
		return r == -ENOENT ? -EINVAL : r;
	if (info->busnum == 0 || info->busnum > 0xffff || info->devnum == 0 || info->devnum > 0xffff)
		return -EINVAL;
	if ((r = usb_read_attr(root, busid, "speed", buf, sizeof(buf))) < 0 ||
	    (r = usb_speed_from_sysfs(buf, &info->speed)) < 0)
		return r == -ENOENT ? -EINVAL : r;
	(void)read_class(root, busid, &info->device_class);
	/* optional strings, as the device reported them */
	(void)usb_read_attr(root, busid, "serial", info->serial, sizeof(info->serial));
	(void)usb_read_attr(root, busid, "product", info->product_name, sizeof(info->product_name));
	(void)usb_read_attr(root, busid, "manufacturer", info->manufacturer, sizeof(info->manufacturer));
	r = read_driver(root, busid, info->driver, sizeof(info->driver));
	return r < 0 ? r : 0;
}

bool usb_device_present(const char *root, const char *busid)
{
	char path[PATH_MAX];
	struct stat st;
	if (!usb_busid_valid(busid))
		return false;
	snprintf(path, sizeof(path), "%s/bus/usb/devices/%s", root, busid);
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int busid_cmp(const void *a, const void *b)
{
	return strverscmp(a, b);
}

int usb_device_list(const char *root, char (*busids)[USB_BUSID_MAX + 1], size_t max)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d;
	size_t n = 0;

	snprintf(path, sizeof(path), "%s/bus/usb/devices", root);
	d = opendir(path);
	if (!d)
		return -errno;
	while ((de = readdir(d)) && n < max) {
		/* "usb1" (root hubs) and "1-2:1.0" (interfaces) are not bus ids */
		if (!usb_busid_valid(de->d_name))
			continue;
		strcpy(busids[n++], de->d_name);
	}
	closedir(d);
	qsort(busids, n, sizeof(busids[0]), busid_cmp);
	return (int)n;
}

int usb_state_path(char *buf, size_t n, const char *vm, const char *busid)
{
	char leaf[64];
	snprintf(leaf, sizeof(leaf), "usb/%s", busid);
	return vm_runtime_path(buf, n, vm, leaf);
}

int usb_state_write(const struct usb_state *st)
{
	char path[PATH_MAX], text[512];
	int r, n;

	r = vm_runtime_path(path, sizeof(path), st->vm, "usb");
	if (r < 0)
		return r;
	r = mkdir_parents(path, 0755);
	if (r < 0)
		return r;
	r = usb_state_path(path, sizeof(path), st->vm, st->busid);
	if (r < 0)
		return r;
	n = snprintf(text, sizeof(text), "vm=%s\nbusid=%s\ndriver=%s\npid=%ld\nid=%04x:%04x\n", st->vm, st->busid,
		     st->driver, (long)st->pid, st->vendor, st->product);
	if (n < 0 || (size_t)n >= sizeof(text))
		return -EOVERFLOW;
	return write_file_atomic(path, text, (size_t)n, 0644);
}

int usb_state_read(const char *vm, const char *busid, struct usb_state *st)
{
	char path[PATH_MAX], buf[USB_STATE_MAX], *save = NULL;
	int r;

	memset(st, 0, sizeof(*st));
	r = usb_state_path(path, sizeof(path), vm, busid);
	if (r < 0)
		return r;
	r = read_small(path, buf, sizeof(buf));
	if (r < 0)
		return r;
	snprintf(st->vm, sizeof(st->vm), "%s", vm);
	snprintf(st->busid, sizeof(st->busid), "%s", busid);
	for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		uint32_t v;
		if (strncmp(line, "driver=", 7) == 0 && !usb_driver_name_invalid_reason(line + 7))
			snprintf(st->driver, sizeof(st->driver), "%s", line + 7);
		else if (strncmp(line, "pid=", 4) == 0 && parse_u32(line + 4, &v) == 0 && v > 0 && v <= INT_MAX)
			st->pid = (pid_t)v;
		else if (strncmp(line, "id=", 3) == 0 && strlen(line) == 12 && line[7] == ':') {
			line[7] = '\0';
			(void)usb_parse_hex16(line + 3, &st->vendor);
			(void)usb_parse_hex16(line + 8, &st->product);
		}
	}
	return 0;
}

int usb_state_remove(const char *vm, const char *busid)
{
	char path[PATH_MAX];
	int r = usb_state_path(path, sizeof(path), vm, busid);
	if (r < 0)
		return r;
	return unlink(path) < 0 && errno != ENOENT ? -errno : 0;
}

int usb_state_find(const char *busid, struct usb_state *st)
{
	DIR *d = opendir(vmsilo_runtime_dir());
	struct dirent *de;
	int r = -ENOENT;

	if (!d)
		return -ENOENT;
	while ((de = readdir(d))) {
		if (!vm_name_valid(de->d_name))
			continue;
		if (usb_state_read(de->d_name, busid, st) == 0) {
			r = 0;
			break;
		}
	}
	closedir(d);
	return r;
}

bool usb_state_alive(const struct usb_state *st)
{
	return st->pid > 0 && (kill(st->pid, 0) == 0 || errno == EPERM);
}
