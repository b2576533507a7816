#!/bin/bash
# kernel.sh DIR : puts Debian bookworm's 6.1 kernel into DIR without installing it on this machine.
#
# The image package is the one linux-image-amd64 depends on (linux-image-6.1.0-N-amd64); it is
# fetched with `apt-get download` and unpacked with `dpkg-deb -x` into DIR/linux/, and DIR gets:
#   DIR/vmlinuz          the kernel
#   DIR/modules          a symlink to DIR/linux/lib/modules/<release>/ (every module of it)
#   DIR/kernel-release   <release>, e.g. 6.1.0-56-amd64
# Run by tests/vm/vm.mk; does nothing when DIR/vmlinuz is there already.

set -eu

DIR=$1
META=linux-image-amd64

if [ -e "$DIR/vmlinuz" ] && [ -e "$DIR/kernel-release" ]; then
	exit 0
fi

# apt-cache answers from the package lists; stale or missing ones are refreshed once.
image_package() {
	apt-cache depends "$META" 2>/dev/null | sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*-amd64\)$/\1/p' | head -n 1
}
pkg=$(image_package)
if [ -z "$pkg" ]; then
	apt-get update -qq
	pkg=$(image_package)
fi
if [ -z "$pkg" ]; then
	echo "kernel.sh: $META depends on no linux-image-*-amd64 package (apt-cache depends $META)" >&2
	exit 1
fi

mkdir -p "$DIR/deb"
rm -f "$DIR"/deb/*.deb
# APT::Sandbox::User=root: the folder need not be readable by _apt.
download() {
	(cd "$DIR/deb" && apt-get download -q -o APT::Sandbox::User=root "$pkg")
}
if ! download; then
	apt-get update -qq
	download
fi

rm -rf "$DIR/linux"
dpkg-deb -x "$DIR"/deb/"$pkg"_*.deb "$DIR/linux"
release=$(basename "$(echo "$DIR"/linux/lib/modules/*)")
[ -d "$DIR/linux/lib/modules/$release/kernel" ] || {
	echo "kernel.sh: no modules in $DIR/linux/lib/modules after unpacking $pkg" >&2
	exit 1
}
ln -sfn "linux/lib/modules/$release" "$DIR/modules"
echo "$release" >"$DIR/kernel-release"
# The kernel last: its presence says the rest is in place.
cp "$DIR/linux/boot/vmlinuz-$release" "$DIR/vmlinuz.tmp"
mv "$DIR/vmlinuz.tmp" "$DIR/vmlinuz"
rm -rf "$DIR/deb"
echo "  KERNEL   $DIR/vmlinuz ($pkg)"
