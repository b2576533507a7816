#!/bin/bash
# initramfs.sh MODULES_DIR OUT : builds the guest's initramfs (a gzip'd newc cpio) into OUT.
#
# It holds busybox-static, tests/vm/init as /init, and the modules that mounting a 9p share
# over virtio-pci needs, with their dependencies, in the order they load (/modules/load).
# MODULES_DIR is the kernel's lib/modules/<release>/ (tests/vm/kernel.sh unpacks it).

set -eu

MODULES_DIR=$1
OUT=$2
HERE=$(cd "$(dirname "$0")" && pwd)
BUSYBOX=/bin/busybox
# What /init modprobes, in effect: the 9p file system and its virtio transport on virtio-pci.
WANTED="virtio_pci 9pnet_virtio 9p"

if ! "$BUSYBOX" --list 2>/dev/null | grep -qx insmod || LC_ALL=C readelf -l "$BUSYBOX" 2>/dev/null |
	grep -q 'program interpreter'; then
	echo "initramfs.sh: $BUSYBOX is not busybox-static (apt-get install busybox-static)" >&2
	exit 1
fi

declare -A PATHS=() LOADED=()
while IFS= read -r path; do
	name=$(basename "$path" .ko)
	PATHS[${name//-/_}]=$path
done < <(find "$MODULES_DIR/kernel" -name '*.ko')

ORDER=()
# add NAME : appends NAME after its dependencies (read from the module's .modinfo strings).
add() {
	local name=${1//-/_} path dep deps
	[ -z "${LOADED[$name]:-}" ] || return 0
	path=${PATHS[$name]:-}
	if [ -z "$path" ]; then
		# Built in (modules.builtin lists it) needs nothing; anything else is an error.
		if grep -q "/${1}.ko\$" "$MODULES_DIR/modules.builtin" 2>/dev/null; then
			LOADED[$name]=builtin
			return 0
		fi
		echo "initramfs.sh: module $1 is neither in $MODULES_DIR/kernel nor built in" >&2
		exit 1
	fi
	LOADED[$name]=1
	deps=$(tr '\0' '\n' <"$path" | sed -n 's/^depends=//p' | head -n 1)
	for dep in ${deps//,/ }; do
		add "$dep"
	done
	ORDER+=("$name")
}
for module in $WANTED; do
	add "$module"
done

STAGE=$(mktemp -d "${OUT%/*}/initramfs.XXXXXX")
trap 'rm -rf "$STAGE"' EXIT
mkdir -p "$STAGE"/{bin,dev,proc,sys,modules,host,results,keep}
# The kernel opens /dev/console for /init's stdin and stdout before anything is mounted.
mknod "$STAGE/dev/console" c 5 1 2>/dev/null || echo "initramfs.sh: cannot mknod /dev/console (not root?): the kernel's own is used" >&2
cp "$BUSYBOX" "$STAGE/bin/busybox"
ln -s busybox "$STAGE/bin/sh"
cp "$HERE/init" "$STAGE/init"
chmod 755 "$STAGE/init"
for name in "${ORDER[@]}"; do
	cp "${PATHS[$name]}" "$STAGE/modules/$name.ko"
	echo "$name" >>"$STAGE/modules/load"
done
(cd "$STAGE" && find . -mindepth 1 | LC_ALL=C sort | "$BUSYBOX" cpio -o -H newc 2>/dev/null) | gzip -1 >"$OUT.tmp"
mv "$OUT.tmp" "$OUT"
echo "  INITRD   $OUT (modules: ${ORDER[*]})"
