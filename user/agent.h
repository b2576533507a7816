/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* `vigil run`: load, attach, and feed the ring buffer's records to the pipeline until told to stop. */
#ifndef VIGIL_AGENT_H
#define VIGIL_AGENT_H

#include <stdbool.h>
#include <stdint.h>

#include "engine.h"

struct agent_options {
	bool print_events;      /* --events: every event as a JSON line on stdout */
	bool monitor_host;      /* --host */
	uint32_t ringbuf_bytes; /* --ringbuf-size */
	bool verbose;
	const char *cgroup_mount; /* NULL: find it */
	bool no_engine;           /* --no-engine: name containers by id alone */
	struct engine_options engine;
};

/* Returns the process exit status: 0 after a clean stop, 1 on failure. */
int agent_run(const struct agent_options *o);

#endif /* VIGIL_AGENT_H */
