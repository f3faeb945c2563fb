/* SPDX-License-Identifier: MIT */
/*
 * vmsilo-test-vmm: a stand-in for cloud-hypervisor where no VM can run (no
 * KVM guests, no VMM binary). It accepts cloud-hypervisor's command line as
 * documented in its docs (its docs/ directory: --cpus boot=, --memory size=, --kernel,
 * --disk path=..., --net fd=,mac=, --vsock cid=,socket=, --fs tag=,socket=,
 * ...), refuses anything it does not know, checks that passed TAP
 * descriptors are open, and then serves the --vsock socket like the real
 * VMM's hybrid vsock, with the guest side played by local processes:
 * vmsilo-guest-cmd --direct behind port 5000. It starts no VM and says so.
 *
 * Environment: VMSILO_TEST_PEER (hybrid-vsock-peer), VMSILO_TEST_GUEST_CMD
 * (vmsilo-guest-cmd) override the installed paths. VMSILO_TEST_USB_GUEST_SYSFS
 * (a fake guest sysfs with vhci_hcd.0) adds vmsilo-usb-guest behind port 5002.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vmsilo-config.h"

static const char *const known_keys[][12] = {
	/* option, allowed keys... (NULL-terminated); an empty key list takes a plain value */
	{ "--api-socket", "path", NULL },
	{ "--cpus", "boot", "max", NULL },
	{ "--memory", "size", "shared", "hugepages", NULL },
	{ "--kernel", NULL },
	{ "--initramfs", NULL },
	{ "--cmdline", NULL },
	{ "--disk", "path", "readonly", "direct", "id", NULL },
	{ "--net", "fd", "mac", NULL },
	{ "--vsock", "cid", "socket", NULL },
	{ "--fs", "tag", "socket", NULL },
	{ "--gpu", "socket", NULL },
	{ "--sound", "socket", NULL },
	{ "--vhost-user", "type", "socket", NULL },
	{ "--device", "path", NULL },
	{ "--balloon", "size", "deflate_on_oom", "free_page_reporting", NULL },
	{ "--serial", "socket", NULL },
	{ "--console", NULL },
	{ "--seccomp", NULL },
};

static _Noreturn void refuse(const char *what, const char *arg)
{
	fprintf(stderr, "vmsilo-test-vmm: %s: %s\n", what, arg);
	exit(2);
}

static int option_index(const char *opt)
{
	for (size_t i = 0; i < sizeof(known_keys) / sizeof(known_keys[0]); i++)
		if (strcmp(known_keys[i][0], opt) == 0)
			return (int)i;
	return -1;
}

/* Checks "k=v,k=v" against the option's keys; returns the value of `want` if asked. */
static void check_kv(int idx, const char *value, const char *want, char *out, size_t outlen)
{
	char *copy = strdup(value), *save = NULL;
	if (!known_keys[idx][1]) {
		free(copy);
		return;
	}
	for (char *kv = strtok_r(copy, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(kv, '=');
		int ok = 0;
		if (!eq)
			refuse("expected key=value", kv);
		*eq = '\0';
		for (int k = 1; known_keys[idx][k]; k++)
			if (strcmp(kv, known_keys[idx][k]) == 0)
				ok = 1;
		if (!ok)
			refuse("unknown key for this option", kv);
		if (want && out && strcmp(kv, want) == 0)
			snprintf(out, outlen, "%s", eq + 1);
	}
	free(copy);
}

int main(int argc, char **argv)
{
	char vsock[256] = "", kernel[4096] = "", cid[16] = "", fdbuf[16];
	const char *peer = getenv("VMSILO_TEST_PEER"), *guest = getenv("VMSILO_TEST_GUEST_CMD");
	const char *usb_sysfs = getenv("VMSILO_TEST_USB_GUEST_SYSFS");
	int i = 1;

	if (!peer)
		peer = VMSILO_LIBEXECDIR "/hybrid-vsock-peer";
	if (!guest)
		guest = VMSILO_BINDIR "/vmsilo-guest-cmd";
	while (i < argc) {
		char opt[64];
		const char *val = NULL;
		const char *eq = strchr(argv[i], '=');
		int idx;

		if (strncmp(argv[i], "-v", 2) == 0 && strspn(argv[i] + 1, "v") == strlen(argv[i]) - 1) {
			i++;
			continue;
		}
		if (strncmp(argv[i], "--", 2) != 0)
			refuse("unexpected argument", argv[i]);
		snprintf(opt, sizeof(opt), "%.*s", eq ? (int)(eq - argv[i]) : (int)strlen(argv[i]), argv[i]);
		idx = option_index(opt);
		if (idx < 0)
			refuse("unknown option (not in cloud-hypervisor's grammar)", argv[i]);
		i++;
		/* "--opt=value" or "--opt value [value...]" (--disk takes several) */
		for (int first = 1;; first = 0) {
			if (first && eq)
				val = eq + 1;
			else if (i < argc && strncmp(argv[i], "--", 2) != 0 && (first || strcmp(opt, "--disk") == 0))
				val = argv[i++];
			else
				break;
			check_kv(idx, val, NULL, NULL, 0);
			if (strcmp(opt, "--vsock") == 0) {
				check_kv(idx, val, "socket", vsock, sizeof(vsock));
				check_kv(idx, val, "cid", cid, sizeof(cid));
			} else if (strcmp(opt, "--kernel") == 0)
				snprintf(kernel, sizeof(kernel), "%s", val);
			else if (strcmp(opt, "--net") == 0) {
				fdbuf[0] = '\0';
				check_kv(idx, val, "fd", fdbuf, sizeof(fdbuf));
				if (!*fdbuf || fcntl(atoi(fdbuf), F_GETFD) < 0)
					refuse("--net names a descriptor that is not open", val);
			}
			if (first && eq)
				break;
		}
	}
	if (!*vsock || !*cid)
		refuse("missing", "--vsock cid=N,socket=PATH");
	if (!*kernel || access(kernel, R_OK) < 0)
		refuse("kernel image missing or unreadable", *kernel ? kernel : "(no --kernel)");

	char exec_arg[4200], usb_arg[4200];
	snprintf(exec_arg, sizeof(exec_arg), "exec %s --direct", guest);
	fprintf(stderr, "vmsilo-test-vmm: stand-in for cloud-hypervisor, no VM is started: CID %s, "
			"guest programs run as local processes behind %s\n", cid, vsock);
	if (usb_sysfs) {
		snprintf(usb_arg, sizeof(usb_arg), "exec %s/vmsilo-usb-guest --sysfs %s", VMSILO_BINDIR, usb_sysfs);
		execl(peer, peer, "--socket", vsock, "--exec", "5000", exec_arg, "--exec", "5002", usb_arg,
		      (char *)NULL);
	} else
		execl(peer, peer, "--socket", vsock, "--exec", "5000", exec_arg, (char *)NULL);
	fprintf(stderr, "vmsilo-test-vmm: executing %s: %s\n", peer, strerror(errno));
	return 1;
}
