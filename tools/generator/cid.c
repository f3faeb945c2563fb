/* SPDX-License-Identifier: MIT */
#include <stdbool.h>
#include <stdlib.h>

#include "generator.h"
#include "log.h"

static uint32_t fnv1a(const char *s)
{
	uint32_t h = 2166136261u;
	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	return h;
}

static bool taken(const uint32_t *cids, size_t n, uint32_t cid)
{
	for (size_t i = 0; i < n; i++)
		if (cids[i] == cid)
			return true;
	return false;
}

void allocate_cids(struct vm_config *const *vms, size_t n, uint32_t *cids)
{
	for (size_t i = 0; i < n; i++) {
		cids[i] = 0;
		if (!vms[i]->cid)
			continue;
		if (taken(cids, n, vms[i]->cid)) {
			log_error("skipping %s: CID %u is already pinned by another VM", vms[i]->path,
				  vms[i]->cid);
			continue;
		}
		cids[i] = vms[i]->cid;
	}
	for (size_t i = 0; i < n; i++) {
		uint32_t off;
		if (vms[i]->cid)
			continue;
		off = fnv1a(vms[i]->name) % GEN_CID_SPAN;
		/* at most n probes can hit taken CIDs, so this ends */
		while (taken(cids, n, GEN_CID_FIRST + off))
			off = (off + 1) % GEN_CID_SPAN;
		cids[i] = GEN_CID_FIRST + off;
	}
}
