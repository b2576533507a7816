// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Arbitrary bytes as a kernel record (and, later, a capture file's record):
 * the decoder must refuse or accept without reading out of bounds, and an
 * accepted record must go through the whole pipeline without harm.
 */
#include <linux/types.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "pipeline.h"
#include "proctable.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct pipeline pipeline;
	static FILE *sink;
	struct event_view ev;
	char err[256];
	/* An exact-size heap copy: ASan then catches any read past the end. */
	uint8_t *copy = malloc(size ? size : 1);

	if (!copy)
		return 0;
	memcpy(copy, data, size);
	if (!sink) {
		sink = fopen("/dev/null", "w");
		pipeline.procs = proc_table_new(NULL); /* never touches the real /proc */
		pipeline.monitor_host = true;
		pipeline.events_out = sink;
	}
	if (event_decode(copy, size, &ev, err, sizeof(err)) == 0) {
		if (ev.hdr.type == VIGIL_EVENT_EXEC) {
			/* Every string lies inside the record. */
			const uint8_t *end = copy + size;

			if ((const uint8_t *)ev.exec.args.ptr + ev.exec.args.len > end ||
			    (const uint8_t *)ev.exec.cwd.ptr + ev.exec.cwd.len > end ||
			    (const uint8_t *)ev.exec.filename.ptr + ev.exec.filename.len > end)
				abort();
		}
	} else if (!err[0]) {
		abort(); /* a refusal always says why */
	}
	pipeline_handle(&pipeline, copy, size);
	/* Keep the table small across runs. */
	if (proc_table_size(pipeline.procs) > 4096) {
		proc_table_free(pipeline.procs);
		pipeline.procs = proc_table_new(NULL);
	}
	free(copy);
	return 0;
}
