# The vm suite's files (included by the Makefile): Debian bookworm's 6.1 kernel, unpacked from
# its package (never installed here), and the busybox initramfs that mounts this machine's root
# over 9p. Everything goes under $(OUTPUT)/vm/; tests/vm/run.sh boots them.
#
#   make vm          the kernel and the initramfs
#   make vm-test     boot the guest scripts (tests/vm/guest/*.sh) and count their TAP lines

VM_DIR := $(OUTPUT)/vm
VM_DEPS := qemu-system-x86 busybox-static

.PHONY: vm vm-test

vm: $(VM_DIR)/vmlinuz $(VM_DIR)/initramfs.cpio.gz

# The package's name comes from linux-image-amd64's dependency; once unpacked it stays (make
# clean, or removing $(VM_DIR)/vmlinuz, fetches the current one).
$(VM_DIR)/vmlinuz: tests/vm/kernel.sh
	$(Q)tests/vm/kernel.sh $(VM_DIR)

$(VM_DIR)/initramfs.cpio.gz: $(VM_DIR)/vmlinuz tests/vm/initramfs.sh tests/vm/init
	$(Q)tests/vm/initramfs.sh $(VM_DIR)/modules $@

# make test runs the vm suite (tests/run.sh's default list has it): it needs the guest's files.
test: vm

vm-test: all $(HELPERS) vm
	$(Q)OUTPUT=$(OUTPUT) tests/run.sh vm
