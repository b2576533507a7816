/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vigil-helper: the credential subcommands. Each makes its system call
 * directly (syscall(2)), once, with the ids given on the command line: libc's
 * wrappers may add calls of their own, and the test must know exactly what
 * the agent has to report.
 */
#include <linux/capability.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "helper.h"

/*
 * setuid UID, setreuid RUID EUID, setresuid RUID EUID SUID, setfsuid FSUID
 * and their gid twins: the subcommand's name is the system call's. An id of
 * -1 is "leave unchanged" where the call allows it.
 */
static int cmd_set_ids(int argc, char **argv)
{
	static const struct {
		const char *name;
		long nr;
		int nargs;
	} calls[] = {
		{ "setuid", SYS_setuid, 1 },       { "setgid", SYS_setgid, 1 },
		{ "setreuid", SYS_setreuid, 2 },   { "setregid", SYS_setregid, 2 },
		{ "setresuid", SYS_setresuid, 3 }, { "setresgid", SYS_setresgid, 3 },
		{ "setfsuid", SYS_setfsuid, 1 },   { "setfsgid", SYS_setfsgid, 1 },
	};
	long ids[3] = { 0, 0, 0 };

	for (size_t i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
		if (strcmp(argv[0], calls[i].name) != 0)
			continue;
		if (argc != calls[i].nargs + 1) {
			fprintf(stderr, "vigil-helper %s: expected %d id(s)\n", argv[0], calls[i].nargs);
			return 2;
		}
		for (int n = 0; n < calls[i].nargs; n++)
			if (parse_long("id", argv[n + 1], -1, UINT32_MAX, &ids[n]))
				return 2;
		/* Ids are 32-bit: -1 and 4294967295 are the same argument. syscall() reads longs. */
		return report_result(syscall(calls[i].nr, (unsigned long)(uint32_t)ids[0],
					     (unsigned long)(uint32_t)ids[1], (unsigned long)(uint32_t)ids[2]));
	}
	fprintf(stderr, "vigil-helper: %s is not a set*id subcommand\n", argv[0]);
	return 2;
}

HELPER_SUBCOMMAND(setuid, "UID", "setuid(UID)", cmd_set_ids);
HELPER_SUBCOMMAND(setgid, "GID", "setgid(GID)", cmd_set_ids);
HELPER_SUBCOMMAND(setreuid, "RUID EUID", "setreuid(RUID, EUID)", cmd_set_ids);
HELPER_SUBCOMMAND(setregid, "RGID EGID", "setregid(RGID, EGID)", cmd_set_ids);
HELPER_SUBCOMMAND(setresuid, "RUID EUID SUID", "setresuid(RUID, EUID, SUID)", cmd_set_ids);
HELPER_SUBCOMMAND(setresgid, "RGID EGID SGID", "setresgid(RGID, EGID, SGID)", cmd_set_ids);
HELPER_SUBCOMMAND(setfsuid, "FSUID", "setfsuid(FSUID); ok N is the previous fsuid", cmd_set_ids);
HELPER_SUBCOMMAND(setfsgid, "FSGID", "setfsgid(FSGID); ok N is the previous fsgid", cmd_set_ids);

/*
 * Drops capability CAP from the effective, permitted and inheritable sets:
 * capget, then one capset with the bit cleared. Only the capset is reported;
 * a failed capget prints "capget error ENAME" and makes no capset.
 */
static int cmd_capdrop(int argc, char **argv)
{
	struct __user_cap_header_struct header = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];
	long cap;

	if (argc != 2) {
		fprintf(stderr, "vigil-helper capdrop: expected one capability number\n");
		return 2;
	}
	if (parse_long("capability", argv[1], 0, 32 * _LINUX_CAPABILITY_U32S_3 - 1, &cap))
		return 2;
	if (syscall(SYS_capget, &header, data)) {
		printf("capget ");
		return report_result(-1);
	}
	data[cap / 32].effective &= ~(1u << (cap % 32));
	data[cap / 32].permitted &= ~(1u << (cap % 32));
	data[cap / 32].inheritable &= ~(1u << (cap % 32));
	return report_result(syscall(SYS_capset, &header, data));
}

HELPER_SUBCOMMAND(capdrop, "CAP", "capset() without capability number CAP", cmd_capdrop);
