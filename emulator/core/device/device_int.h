/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab emulator: what device.c and device_objects.c share (not for other layers). */
#pragma once

#include "crypto/hl_crypto.h"
#include "device/hl_device.h"

/* The token-object cache: id → object (holding one reference each). */
hl_objmap_t *hl_objmap_new(void);
void hl_objmap_free(hl_objmap_t *m);
hl_object_t *hl_objmap_get(hl_objmap_t *m, uint64_t id);
hl_status_t hl_objmap_put(hl_objmap_t *m, hl_object_t *obj); /* takes a reference */
void hl_objmap_del(hl_objmap_t *m, uint64_t id);             /* drops it */
/* Marks every cached object destroyed and empties the map. */
void hl_objmap_clear(hl_objmap_t *m);
