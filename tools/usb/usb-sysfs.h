/* SPDX-License-Identifier: MIT */
/*
 * The host's USB devices as sysfs shows them, and the state files that say
 * which VM holds which device. Every path is built from a validated bus id
 * under one sysfs root (--sysfs, $VMSILO_SYSFS, default /sys), so tests run
 * against a fake tree of plain files. Functions return -errno.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "paths.h"
#include "usb-proto.h"

#define USB_ATTR_MAX 256u      /* bytes read from one sysfs attribute */
#define USB_DRIVER_NAME_MAX 64u
#define USB_DEVICES_MAX 256u   /* devices vm-usb lists or matches */
#define USB_STATE_MAX 4096u    /* bytes of one state file */
#define USB_HOST_DRIVER "usbip-host"
#define USB_CLASS_HUB 0x09u

struct usb_device_info {
	char busid[USB_BUSID_MAX + 1];
	uint16_t vendor, product;
	uint32_t busnum, devnum, speed;
	unsigned device_class;
	char serial[USB_ATTR_MAX];       /* "" when the device has none */
	char product_name[USB_ATTR_MAX]; /* "" when the device has none */
	char manufacturer[USB_ATTR_MAX];
	char driver[USB_DRIVER_NAME_MAX + 1]; /* "" when unbound */
};

/* --sysfs, else $VMSILO_SYSFS, else "/sys". */
const char *usb_sysfs_root(const char *option);

/* Reads <root>/bus/usb/devices/<busid>/<attr> into buf, without the trailing newline. */
int usb_read_attr(const char *root, const char *busid, const char *attr, char *buf, size_t size);
/* Writes text (plus a newline) to an existing file; never creates one. */
int usb_write_file(const char *path, const char *text);
/* Writes to <root>/bus/usb/<rel>. */
int usb_write_bus(const char *root, const char *rel, const char *text);

/* Fills info from sysfs; -ENOENT when no such device, -EINVAL for an unreadable one. */
int usb_device_read(const char *root, const char *busid, struct usb_device_info *info);
/* The bus ids of all devices (not hubs' interfaces or root hubs), sorted. Returns the count. */
int usb_device_list(const char *root, char (*busids)[USB_BUSID_MAX + 1], size_t max);
bool usb_device_present(const char *root, const char *busid);

/* NULL when name may be a driver's directory name, else why not. */
const char *usb_driver_name_invalid_reason(const char *name);

/* A state file: <runtime>/<vm>/usb/<busid>, "key=value" lines. */
struct usb_state {
	char vm[VM_NAME_MAX + 1];
	char busid[USB_BUSID_MAX + 1];
	char driver[USB_DRIVER_NAME_MAX + 1]; /* the driver to give the device back to */
	pid_t pid;                            /* the vmsilo-usb-host holding it */
	uint16_t vendor, product;
};
int usb_state_path(char *buf, size_t n, const char *vm, const char *busid);
int usb_state_write(const struct usb_state *st);
int usb_state_read(const char *vm, const char *busid, struct usb_state *st);
int usb_state_remove(const char *vm, const char *busid);
/* Finds a state file of busid under any VM; 0 and st, or -ENOENT. */
int usb_state_find(const char *busid, struct usb_state *st);
/* Is the holder recorded in st still running? */
bool usb_state_alive(const struct usb_state *st);
