/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* A clock's time in nanoseconds: CLOCK_REALTIME (Unix ns), CLOCK_BOOTTIME (events' own), CLOCK_MONOTONIC. */
#ifndef VIGIL_CLOCK_H
#define VIGIL_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline int64_t clock_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

#endif /* VIGIL_CLOCK_H */
