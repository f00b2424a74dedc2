#!/bin/sh
# QEMU paused at the first instruction with a gdb stub, and gdb attached with
# the kernel's symbols, stopped at kmain.
#   tools/qemu-debug.sh KERNEL32.elf KERNEL64.elf
set -eu
kernel=$1
symbols=$2
port=${GDB_PORT:-1234}
log="$(dirname "$kernel")/serial.log"

qemu-system-x86_64 -kernel "$kernel" -m 128M -no-reboot -nic none \
    -device isa-debug-exit,iobase=0xf4,iosize=0x04 -serial "file:$log" \
    -gdb "tcp::$port" -S ${QEMU_EXTRA:-} &
qemu=$!
trap 'kill $qemu 2>/dev/null || true' EXIT INT TERM
echo "QEMU is paused (pid $qemu); serial output goes to $log"

# Symbols come from the 64-bit ELF. A hardware breakpoint survives the boot
# loader copying the kernel over the memory where a software one would sit.
gdb -q "$symbols" \
    -ex "set architecture i386:x86-64" \
    -ex "target remote localhost:$port" \
    -ex "hbreak kmain" \
    -ex "continue" \
    ${GDB_EXTRA:-}
