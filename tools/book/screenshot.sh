#!/bin/sh
# screenshot.sh KERNEL OUT.png [KEYS...]
# Boot KERNEL (a 32-bit multiboot image) headless in QEMU, type KEYS, and save
# the VGA screen as OUT.png. KEYS are QEMU sendkey names (a, shift-a, ret, spc)
# or text:WORD. The work is done by screenshot.py (Python standard library only);
# see it for the details and the environment variables it reads.
set -eu
here=$(dirname "$0")
if [ $# -lt 2 ]; then
    echo "usage: $0 KERNEL OUT.png [KEYS...]" >&2
    exit 2
fi
command -v python3 >/dev/null 2>&1 || { echo "$0: python3 is needed (Debian package python3)" >&2; exit 1; }
exec python3 "$here/screenshot.py" "$@"
