#!/bin/bash
# run.sh SCRIPT [ARG...] : runs SCRIPT (a bash script in the repository) as root inside a qemu
# guest on Debian bookworm's 6.1 kernel, with BPF-LSM on, and exits with its exit status.
#
#   make OUTPUT=build vm                      # the kernel and the initramfs, once
#   OUTPUT=build tests/vm/run.sh tests/vm/guest/compat.sh
#
# The guest (tests/vm/init) sees this machine's root read-only over 9p, so the agent built here
# ($OUTPUT/vigil) and every installed tool run in it as they are; /tmp, /run, /root, /var/tmp
# and /var/log are tmpfs there. SCRIPT runs from the repository's folder with OUTPUT (absolute),
# VIGIL_REPO, VIGIL_VM_RESULTS (a folder of this machine's it can write to) and CI set. Its output
# is relayed as it comes (the guest's serial console, which also shows kernel errors).
#
# Exit status: SCRIPT's; 125 when the guest did not run it to its end (qemu failed, the kernel
# panicked, VM_TIMEOUT passed, or no status came back), with a line that says which.
#
# Environment: OUTPUT (build folder, default build), VM_TIMEOUT (seconds, default 600),
# VM_MEMORY (MiB, default 1024), VM_CPUS (default 2), VM_KEEP=1 keeps the results folder
# ($OUTPUT/vm/results/run.*: env, console, output, status); it is kept anyway when the run fails.

set -u

REPO=$(cd "$(dirname "$0")/../.." && pwd)
OUTPUT=${OUTPUT:-build}
case $OUTPUT in
/*) ;;
*) OUTPUT=$PWD/$OUTPUT ;;
esac
VM_DIR=$OUTPUT/vm
VM_TIMEOUT=${VM_TIMEOUT:-600}
VM_MEMORY=${VM_MEMORY:-1024}
VM_CPUS=${VM_CPUS:-2}
QEMU=qemu-system-x86_64
# Exit status when the guest did not run the script to its end.
VM_FAILED=125

vm_error() {
	echo "vm: $*" >&2
	exit $VM_FAILED
}

[ $# -ge 1 ] || {
	echo "usage: OUTPUT=build tests/vm/run.sh SCRIPT [ARG...]" >&2
	exit 2
}
script=$1
shift
case $script in
/*) ;;
*) script=$PWD/$script ;;
esac
script=$(realpath -m "$script")
[ -f "$script" ] || vm_error "$script: no such script"

[ "$(id -u)" = 0 ] || vm_error "needs root (the guest runs this machine's root file system as root)"
command -v "$QEMU" >/dev/null || vm_error "$QEMU is not installed (make deps installs qemu-system-x86)"
for file in vmlinuz initramfs.cpio.gz; do
	[ -f "$VM_DIR/$file" ] || vm_error "$VM_DIR/$file is missing: make OUTPUT=${OUTPUT#"$REPO"/} vm"
done

mkdir -p "$VM_DIR/results"
RESULTS=$(mktemp -d "$VM_DIR/results/run.XXXXXX") || exit 1
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
	if [ "${VM_KEEP:-}" = 1 ] || [ "${keep:-0}" = 1 ]; then
		echo "vm: the run's files are in $RESULTS" >&2
	else
		rm -rf "$RESULTS"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# What the script sees, sourced by bash in the guest (the kernel command line cannot carry
# arbitrary words).
{
	printf 'export %s=%q\n' VIGIL_REPO "$REPO" OUTPUT "$OUTPUT" VIGIL_VM_RESULTS "$RESULTS" \
		CI "${CI:-}" HOME /root PATH /usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
	printf 'ARGS=('
	printf '%q ' "$@"
	printf ')\n'
} >"$RESULTS/env"

# lsm=: BPF-LSM is compiled in but not in Debian's default list. panic=-1 with -no-reboot
# turns a panic into qemu's exit. loglevel=3: kernel errors only, between the script's lines.
append="console=ttyS0 loglevel=3 panic=-1 edd=off lsm=lockdown,capability,bpf"
append+=" vigil_script=$script vigil_results=$RESULTS vigil_keep=$REPO:$OUTPUT:$(dirname "$script")"

# relay : the console as plain lines, shown and kept in RESULTS/console: no carriage returns, no
# terminal control sequences (the firmware clears the screen), a last line ended.
relay() {
	sed -u -e 's/\r//g' -e 's/\x1b\[[0-9;?]*[A-Za-z]//g' -e 's/\x1b[A-Za-z]//g' | tee "$RESULTS/console"
}

start=$(date +%s%N)
timeout -k 10 "$VM_TIMEOUT" "$QEMU" -accel tcg -cpu max -smp "$VM_CPUS" -m "$VM_MEMORY" \
	-nographic -no-reboot -nic none \
	-kernel "$VM_DIR/vmlinuz" -initrd "$VM_DIR/initramfs.cpio.gz" -append "$append" \
	-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
	-virtfs "local,path=$RESULTS,mount_tag=results,security_model=none,multidevs=remap" \
	</dev/null 2>&1 | relay
qemu_status=${PIPESTATUS[0]}
elapsed=$((($(date +%s%N) - start) / 1000000))
secs=$((elapsed / 1000)).$(printf '%03d' $((elapsed % 1000)))

if [ -f "$RESULTS/status" ]; then
	status=$(cat "$RESULTS/status")
	[ "$status" = 0 ] || keep=1
	echo "vm: $(basename "$script") exited with status $status; the VM ran ${secs} s" >&2
	exit "$status"
fi
keep=1
if grep -q 'Kernel panic' "$RESULTS/console"; then
	vm_error "the guest kernel panicked after ${secs} s (its console is above and in $RESULTS/console)"
elif [ "$qemu_status" = 124 ] || [ "$qemu_status" = 137 ]; then
	vm_error "timed out after $VM_TIMEOUT s (VM_TIMEOUT) with no status from $(basename "$script")"
elif [ "$qemu_status" != 0 ]; then
	vm_error "$QEMU failed with status $qemu_status after ${secs} s"
else
	vm_error "the guest powered off after ${secs} s without writing $(basename "$RESULTS")/status (see its console above)"
fi
