/* SPDX-License-Identifier: MIT */
/*
 * Fuzzes the USB passthrough handshake: the guest's reply as vmsilo-usb-host
 * reads it (guest-controlled bytes), the host's request as vmsilo-usb-guest
 * reads it, and the vhci_hcd status table parser. Invariants: an accepted
 * frame is exactly its size, within every limit, and builds back to the same
 * bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "usb-proto.h"

volatile uint32_t fuzz_sink;

static int count_port(const struct usb_vhci_port *p, void *userdata)
{
	(void)userdata;
	if (p->port > USB_VHCI_PORT_MAX || (p->hub != USB_VHCI_HS && p->hub != USB_VHCI_SS))
		abort();
	fuzz_sink += p->port + p->status + p->devid;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct usb_reply rep;
	struct usb_request req;
	uint8_t again[USB_REQ_SIZE];
	char why[160];

	if (usb_reply_parse(data, size, &rep, why, sizeof(why)) == 0) {
		if (size != USB_REPLY_SIZE || rep.status > USB_STATUS_MAX_ ||
		    (rep.status == USB_STATUS_OK && rep.port > USB_VHCI_PORT_MAX) ||
		    (rep.status != USB_STATUS_OK && rep.port != 0))
			abort();
		usb_reply_build(&rep, again);
		if (memcmp(again, data, USB_REPLY_SIZE) != 0)
			abort();
		fuzz_sink += rep.port;
	} else if (strlen(why) == 0) {
		abort(); /* every refusal says why */
	}
	if (usb_request_parse(data, size, &req, why, sizeof(why)) == 0) {
		if (size != USB_REQ_SIZE || !usb_busid_valid(req.busid) || req.devid >> 16 == 0 ||
		    req.speed < USB_SPEED_LOW_ || req.speed > USB_SPEED_SUPER_PLUS_)
			abort();
		usb_request_build(&req, again);
		if (memcmp(again, data, USB_REQ_SIZE) != 0)
			abort();
		fuzz_sink += req.devid;
	}
	(void)usb_vhci_status_parse((const char *)data, size, count_port, NULL, why, sizeof(why));
	return 0;
}
