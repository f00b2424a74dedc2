#!/bin/sh
# QEMU paused at the first instruction with a gdb stub, and gdb attached with
# the kernel's symbols, stopped at kmain.
#   tools/qemu-debug.sh KERNEL32.elf KERNEL64.elf
# GDB_PORT (default 1234); GDB_SCRIPT=file runs gdb commands from file after
# the stop at kmain (with GDB_BATCH=1, gdb then exits: for scripts and tests).
set -eu
kernel=$1
symbols=$2
port=${GDB_PORT:-1234}
build=$(dirname "$kernel")
log="$build/serial.log"

display="-display none"
[ -n "${DISPLAY:-}" ] && display=""
# shellcheck disable=SC2086
qemu-system-x86_64 -kernel "$kernel" -m 128M -no-reboot -nic none \
    -device isa-debug-exit,iobase=0xf4,iosize=0x04 -serial "file:$log" $display \
    -gdb "tcp::$port" -S ${QEMU_EXTRA:-} &
qemu=$!
trap 'kill $qemu 2>/dev/null || true' EXIT INT TERM
echo "QEMU is paused (pid $qemu); serial output goes to $log"

# Symbols come from the 64-bit ELF. A hardware breakpoint, because the boot
# loader copies the kernel over any software breakpoint set before it runs.
cat >"$build/debug.gdb" <<GDB
set architecture i386:x86-64
target remote localhost:$port
hbreak kmain
continue
GDB
set -- -q "$symbols" -x "$build/debug.gdb"
[ -n "${GDB_SCRIPT:-}" ] && set -- "$@" -x "$GDB_SCRIPT"
[ "${GDB_BATCH:-}" = 1 ] && set -- -batch "$@"
gdb "$@"
