/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * `vigil health ADDR`: ask a running agent's /healthz (vigil run
 * --metrics-address) whether it is alive, for a container's HEALTHCHECK or a
 * Kubernetes liveness probe, which need a command and not an HTTP client.
 */
#ifndef VIGIL_HEALTH_CLIENT_H
#define VIGIL_HEALTH_CLIENT_H

#include <stddef.h>

/*
 * GET http://address/healthz within timeout_ms. 0 when it answers 200, else
 * -1 with one sentence in err: the agent's own reason (its 503 body), or why
 * it could not be asked. The address is checked as --metrics-address checks it.
 */
int health_check(const char *address, long timeout_ms, char *err, size_t errlen);

#endif /* VIGIL_HEALTH_CLIENT_H */
