/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vigil-helper: the network subcommands. They open a socket or connect one
 * and print how it ended (report_result); they never send a byte. The tests
 * connect only to loopback, to a unix socket, or from a `--network none`
 * container, whose only interface is its own loopback.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "helper.h"

/* connect() a stream socket to the unix socket at PATH, as given (relative stays relative). */
static int cmd_connect_unix(int argc, char **argv)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd;

	if (argc != 2) {
		fprintf(stderr, "vigil-helper connect_unix: expected PATH\n");
		return 2;
	}
	if (strlen(argv[1]) >= sizeof(addr.sun_path)) {
		fprintf(stderr, "vigil-helper connect_unix: '%s' is longer than a socket path can be\n", argv[1]);
		return 2;
	}
	strcpy(addr.sun_path, argv[1]);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		perror("vigil-helper connect_unix: socket");
		return 1;
	}
	report_result(connect(fd, (struct sockaddr *)&addr, sizeof(addr)));
	close(fd);
	return 0;
}

/* connect() a TCP socket to ADDRESS (IPv4 or IPv6, numeric) and PORT. */
static int cmd_connect_inet(int argc, char **argv)
{
	struct sockaddr_in in4 = { .sin_family = AF_INET };
	struct sockaddr_in6 in6 = { .sin6_family = AF_INET6 };
	struct sockaddr *addr;
	socklen_t addr_len;
	long port;
	int fd;

	if (argc != 3) {
		fprintf(stderr, "vigil-helper connect_inet: expected ADDRESS PORT\n");
		return 2;
	}
	if (parse_long("port", argv[2], 0, 65535, &port))
		return 2;
	if (inet_pton(AF_INET, argv[1], &in4.sin_addr) == 1) {
		in4.sin_port = htons((uint16_t)port);
		addr = (struct sockaddr *)&in4;
		addr_len = sizeof(in4);
	} else if (inet_pton(AF_INET6, argv[1], &in6.sin6_addr) == 1) {
		in6.sin6_port = htons((uint16_t)port);
		addr = (struct sockaddr *)&in6;
		addr_len = sizeof(in6);
	} else {
		fprintf(stderr, "vigil-helper connect_inet: '%s' is not a numeric IPv4 or IPv6 address\n", argv[1]);
		return 2;
	}
	fd = socket(addr->sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		perror("vigil-helper connect_inet: socket");
		return 1;
	}
	report_result(connect(fd, addr, addr_len));
	close(fd);
	return 0;
}

struct socket_name {
	const char *name;
	int value;
};

static const struct socket_name socket_families[] = {
	{ "unix", AF_UNIX }, { "inet", AF_INET }, { "inet6", AF_INET6 }, { "packet", AF_PACKET },
};

static const struct socket_name socket_types[] = {
	{ "stream", SOCK_STREAM }, { "dgram", SOCK_DGRAM }, { "raw", SOCK_RAW },
};

static int socket_name_value(const struct socket_name *names, size_t n, const char *what, const char *name,
			     int *value)
{
	for (size_t i = 0; i < n; i++) {
		if (strcmp(names[i].name, name) == 0) {
			*value = names[i].value;
			return 0;
		}
	}
	fprintf(stderr, "vigil-helper socket: unknown %s '%s'\n", what, name);
	return -1;
}

/*
 * socket(FAMILY, TYPE, 0). Protocol 0 on a packet socket means it receives
 * and sends nothing until bound to a protocol: the call is made, no traffic
 * is seen.
 */
static int cmd_socket(int argc, char **argv)
{
	int family, type, fd;

	if (argc != 3) {
		fprintf(stderr, "vigil-helper socket: expected FAMILY TYPE\n");
		return 2;
	}
	if (socket_name_value(socket_families, sizeof(socket_families) / sizeof(socket_families[0]), "family",
			      argv[1], &family) ||
	    socket_name_value(socket_types, sizeof(socket_types) / sizeof(socket_types[0]), "type", argv[2], &type))
		return 2;
	fd = socket(family, type, 0);
	report_result(fd);
	if (fd >= 0)
		close(fd);
	return 0;
}

HELPER_SUBCOMMAND(connect_unix, "PATH", "connect to the unix stream socket PATH", cmd_connect_unix);
HELPER_SUBCOMMAND(connect_inet, "ADDRESS PORT", "TCP connect to ADDRESS (v4 or v6) PORT", cmd_connect_inet);
HELPER_SUBCOMMAND(socket, "FAMILY TYPE", "socket(unix|inet|inet6|packet, stream|dgram|raw, 0)", cmd_socket);
