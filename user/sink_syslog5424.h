/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * RFC 5424 messages for the remote syslog sinks (syslog-udp, syslog-tcp).
 * The formatter is a pure function, so that the tests and the fuzzer see
 * exactly the bytes that go on the wire:
 *
 *	<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID [vigil@32473 rule="..."
 *	priority="..." container_id="..." container_name="..." image="..."] MSG
 *
 * PRI is facility * 8 + the syslog severity of the rule's priority; MSGID is
 * "alert", or "internal" for vigil's own health alerts; every PARAM-VALUE and
 * MSG (the alert's output text) go through text_escape, so a message is one
 * line of printable ASCII and valid UTF-8 whatever a container put into its
 * strings. MSG has no BOM: it is MSG-ANY, which a receiver takes as it is.
 */
#ifndef VIGIL_SINK_SYSLOG5424_H
#define VIGIL_SINK_SYSLOG5424_H

#include <stdbool.h>
#include <stddef.h>

#include "sink.h"

/* A datagram: at most this many bytes (RFC 5426 says any receiver takes 480, and 2048 SHOULD be taken). */
#define SYSLOG5424_UDP_MAX 2048
/*
 * A message over TCP: rsyslog's default maxMessageSize, a little under the
 * 8192 RFC 5425 asks receivers to take. rsyslog cuts a longer frame there and
 * takes the rest of it for a message of its own: a text that reached past
 * this could forge a record.
 */
#define SYSLOG5424_TCP_MAX 8096
/* The buffer syslog5424_frame writes: the longest message, its "LEN " prefix, a NUL. */
#define SYSLOG5424_FRAME_MAX (SYSLOG5424_TCP_MAX + 16)

#define SYSLOG5424_HOSTNAME_MAX 255
#define SYSLOG5424_APP_NAME_MAX 48
/* One escaped PARAM-VALUE at most (cut at a whole escape), so that the header always leaves room for MSG. */
#define SYSLOG5424_SD_VALUE_MAX 256
/*
 * The SD-ID. RFC 5424 wants a private enterprise number after the '@'; vigil
 * has none of its own and uses 32473, the one RFC 5612 sets aside for examples.
 */
#define SYSLOG5424_SD_ID "vigil@32473"

/* What a sink puts into every header: the same for all its records. */
struct syslog5424_origin {
	int facility;                                 /* a <syslog.h> LOG_* facility (already times 8) */
	char hostname[SYSLOG5424_HOSTNAME_MAX + 1];   /* PRINTUSASCII, or "-" */
	char app_name[SYSLOG5424_APP_NAME_MAX + 1];   /* PRINTUSASCII, or "-" */
	char procid[24];
};

/*
 * Fill origin. hostname and app_name keep only their PRINTUSASCII bytes
 * (33..126), at most 255 and 48 of them; "-" (the NILVALUE) when none is left.
 */
void syslog5424_origin_init(struct syslog5424_origin *origin, int facility, const char *hostname,
			    const char *app_name, long pid);

/* Whether name is 1..48 PRINTUSASCII bytes, as APP-NAME must be. */
bool syslog5424_app_name_valid(const char *name);

/*
 * rec as it goes on the wire, into buf (SYSLOG5424_FRAME_MAX bytes, NUL
 * terminated): for UDP one datagram of at most SYSLOG5424_UDP_MAX bytes, for
 * TCP "LEN SP MSG" (RFC 6587 octet counting) with a message of at most
 * SYSLOG5424_TCP_MAX bytes. An output text that does not fit is cut at a
 * whole escape. Returns the length written.
 */
size_t syslog5424_frame(const struct syslog5424_origin *origin, const struct alert_record *rec, bool tcp, char *buf);

#endif /* VIGIL_SINK_SYSLOG5424_H */
