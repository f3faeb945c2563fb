/* SPDX-License-Identifier: MIT */
/* json-c helpers shared by the VMM clients (cloud-hypervisor and crosvm). */
#pragma once

#include <errno.h>
#include <stdint.h>
#include <json-c/json.h>

/* A non-negative integer member no larger than max. -ENOENT absent or null, -EPROTO wrong type/range. */
static inline int json_get_u64(struct json_object *obj, const char *key, uint64_t max, uint64_t *out)
{
	struct json_object *v = NULL;
	int64_t x;

	if (!json_object_object_get_ex(obj, key, &v) || json_object_is_type(v, json_type_null))
		return -ENOENT;
	if (!json_object_is_type(v, json_type_int))
		return -EPROTO;
	errno = 0;
	x = json_object_get_int64(v);
	if (x < 0 || (uint64_t)x > max || errno)
		return -EPROTO;
	*out = (uint64_t)x;
	return 0;
}
