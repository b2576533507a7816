/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vigil-helper: the moves of Falco's stable rules that busybox cannot make on its own
 * (tests/integration/test_falco_rules.sh). Copied under another name (/tmp/nginx, /tmp/ssh),
 * the helper becomes the process a rule names: its comm and argv[0] are the copy's.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helper.h"

/*
 * Forks, execs COMMAND with its arguments (PATH searched) and waits: a child whose parent is
 * this program, whatever name it was started under (a shell started by "nginx"). Exits with
 * the child's status, 128 + the signal when a signal ended it.
 */
static int cmd_run(int argc, char **argv)
{
	int status;
	pid_t child;

	if (argc < 2) {
		fprintf(stderr, "vigil-helper run: expected COMMAND [ARG...]\n");
		return 2;
	}
	child = fork();
	if (child < 0) {
		perror("vigil-helper run: fork");
		return 1;
	}
	if (child == 0) {
		execvp(argv[1], argv + 1);
		fprintf(stderr, "vigil-helper run: exec %s: %s\n", argv[1], strerror(errno));
		_exit(127);
	}
	while (waitpid(child, &status, 0) < 0) {
		if (errno != EINTR) {
			perror("vigil-helper run: waitpid");
			return 1;
		}
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/*
 * Listens on the IPv4 ADDRESS:PORT, then connects a second TCP socket to it: a connect that
 * succeeds (to an address the container gave its own loopback) without a peer that must be
 * started first. Prints the connect's result.
 */
static int cmd_connect_listening(int argc, char **argv)
{
	struct sockaddr_in addr = { .sin_family = AF_INET };
	int one = 1, server, client;
	long port;

	if (argc != 3) {
		fprintf(stderr, "vigil-helper connect_listening: expected ADDRESS PORT\n");
		return 2;
	}
	if (parse_long("port", argv[2], 1, 65535, &port))
		return 2;
	if (inet_pton(AF_INET, argv[1], &addr.sin_addr) != 1) {
		fprintf(stderr, "vigil-helper connect_listening: '%s' is not a numeric IPv4 address\n", argv[1]);
		return 2;
	}
	addr.sin_port = htons((uint16_t)port);
	server = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (server < 0 || setsockopt(server, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(server, (struct sockaddr *)&addr, sizeof(addr)) || listen(server, 1)) {
		perror("vigil-helper connect_listening: listen");
		return 1;
	}
	client = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (client < 0) {
		perror("vigil-helper connect_listening: socket");
		return 1;
	}
	report_result(connect(client, (struct sockaddr *)&addr, sizeof(addr)));
	close(client);
	close(server);
	return 0;
}

HELPER_SUBCOMMAND(run, "COMMAND [ARG...]", "fork, exec COMMAND, wait; exits with its status", cmd_run);
HELPER_SUBCOMMAND(connect_listening, "ADDRESS PORT", "listen on IPv4 ADDRESS:PORT, TCP connect to it",
		  cmd_connect_listening);
