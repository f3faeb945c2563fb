/* SPDX-License-Identifier: MIT */
/*
 * USB passthrough: the pure parts shared by vmsilo-usb-host, vmsilo-usb-guest
 * and vm-usb — the handshake on vsock port 5002, bus ids, speeds, vid:pid
 * specs, and the vhci_hcd status table. No I/O here, so every parser can be
 * unit-tested and fuzzed. docs/usb.md describes the wire format.
 *
 * Handshake (all integers big-endian), once per device and connection:
 *   host -> guest  request, USB_REQ_SIZE bytes:
 *       0  magic "VUSQ"   4  u16 version   6  u16 length (= USB_REQ_SIZE)
 *       8  u32 devid (busnum << 16 | devnum)   12 u32 speed (enum usb_speed)
 *      16  u16 idVendor  18  u16 idProduct  20  char busid[32], NUL-padded
 *   guest -> host  reply, USB_REPLY_SIZE bytes:
 *       0  magic "VUSR"   4  u16 version   6  u16 length (= USB_REPLY_SIZE)
 *       8  u16 status (enum usb_status)    10 u16 vhci port (0 unless OK)
 * The guest replies before it attaches: once attached, its vhci_hcd starts
 * sending USB/IP commands on the same stream, and the host must not read
 * past the reply before it hands the socket to the kernel.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define USB_VSOCK_PORT 5002u
#define USB_PROTO_VERSION 1u
#define USB_REQ_SIZE 52u
#define USB_REPLY_SIZE 12u
#define USB_REQ_MAGIC "VUSQ"
#define USB_REPLY_MAGIC "VUSR"

/* A bus id ("1-2.3"): the kernel's BUS_ID_SIZE is 32 with the NUL. */
#define USB_BUSID_MAX 31u
/* vhci_hcd: at most 128 controllers of 2 x 15 ports. */
#define USB_VHCI_PORT_MAX 3839u
#define USB_VHCI_STATUS_MAX (64u * 1024u) /* bytes of one status file we read */
#define USB_VHCI_PORTS_MAX 4096u          /* lines of status we consider */
#define USB_SERIAL_MAX 126u               /* a string descriptor holds 126 UTF-16 units */

/* The kernel's enum usb_device_speed (include/uapi/linux/usb/ch9.h). */
enum usb_speed {
	USB_SPEED_UNKNOWN_ = 0,
	USB_SPEED_LOW_ = 1,
	USB_SPEED_FULL_ = 2,
	USB_SPEED_HIGH_ = 3,
	USB_SPEED_WIRELESS_ = 4,
	USB_SPEED_SUPER_ = 5,
	USB_SPEED_SUPER_PLUS_ = 6,
};

enum usb_status {
	USB_STATUS_OK = 0,
	USB_STATUS_BAD_REQUEST = 1,  /* the request did not parse */
	USB_STATUS_NO_VHCI = 2,      /* vhci_hcd is not loaded in the guest */
	USB_STATUS_NO_PORT = 3,      /* every port of the right speed is in use */
	USB_STATUS_BAD_SPEED = 4,    /* the guest cannot attach a device of that speed */
	USB_STATUS_MAX_ = USB_STATUS_BAD_SPEED,
};

struct usb_request {
	uint32_t devid;
	uint32_t speed; /* enum usb_speed */
	uint16_t vendor, product;
	char busid[USB_BUSID_MAX + 1];
};

struct usb_reply {
	uint16_t status; /* enum usb_status */
	uint16_t port;
};

/* A text for a status, e.g. "no free vhci port". */
const char *usb_status_text(unsigned status);

/* NULL if s is a valid bus id ("1-2", "3-1.4.2"), else why not. */
const char *usb_busid_invalid_reason(const char *s);
static inline bool usb_busid_valid(const char *s)
{
	return usb_busid_invalid_reason(s) == NULL;
}

/* sysfs "speed" text ("480\n") -> enum usb_speed; -EINVAL if unknown. */
int usb_speed_from_sysfs(const char *s, uint32_t *speed);
const char *usb_speed_name(uint32_t speed);

void usb_request_build(const struct usb_request *req, uint8_t out[USB_REQ_SIZE]);
/* Strict: magic, version, length, speed, a valid NUL-padded busid, devid != 0. */
int usb_request_parse(const uint8_t *untrusted, size_t n, struct usb_request *req, char *why,
		      size_t whylen);
void usb_reply_build(const struct usb_reply *rep, uint8_t out[USB_REPLY_SIZE]);
/*
 * Strict parser of the guest's reply (guest-controlled bytes): exactly
 * USB_REPLY_SIZE bytes, magic, version, a length field equal to the size, a
 * known status, and a port within range that is 0 unless the status is OK.
 * Returns 0 or -EPROTO with a reason.
 */
int usb_reply_parse(const uint8_t *untrusted, size_t n, struct usb_reply *rep, char *why,
		    size_t whylen);

/* "vid:pid" or "vid:pid:serial" (USB= of a .vm file, vm-usb's argument). */
struct usb_spec {
	uint16_t vendor, product;
	bool has_serial;
	char serial[USB_SERIAL_MAX + 1];
};
int usb_spec_parse(const char *s, struct usb_spec *spec, char *why, size_t whylen);
/* Does a device with these attributes (serial may be NULL) match the spec? */
bool usb_spec_match(const struct usb_spec *spec, uint16_t vendor, uint16_t product, const char *serial);
/* Four hex digits, as sysfs idVendor/idProduct hold them (one trailing newline allowed). */
int usb_parse_hex16(const char *s, uint16_t *out);

/* vhci_hcd: one line of .../vhci_hcd.0/status[.N] */
enum usb_vhci_hub { USB_VHCI_HS, USB_VHCI_SS };
#define USB_VDEV_ST_NULL 4u /* the kernel's VDEV_ST_NULL: a free port */
#define USB_VDEV_ST_USED 6u

struct usb_vhci_port {
	enum usb_vhci_hub hub;
	unsigned port, status, speed;
	uint32_t devid;
};

/*
 * Parses a vhci status table (the header line, then one line per port, as
 * drivers/usb/usbip/vhci_sysfs.c prints it). Calls fn for each port; stops
 * early when fn returns non-zero and returns that. -EPROTO on a malformed table.
 */
int usb_vhci_status_parse(const char *text, size_t n,
			  int (*fn)(const struct usb_vhci_port *p, void *userdata), void *userdata,
			  char *why, size_t whylen);
/* The hub a device of this speed attaches to: super speed and up on the ss hub. */
enum usb_vhci_hub usb_vhci_hub_for_speed(uint32_t speed);
/* The speed we ask vhci_hcd for: it knows nothing above super speed. */
uint32_t usb_vhci_attach_speed(uint32_t speed);
