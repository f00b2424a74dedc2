#!/bin/sh
# Boot a kernel in QEMU for a person to watch and type at.
#   tools/qemu-run.sh KERNEL32.elf SERIAL_LOG
# Display: a window when $DISPLAY is set; the terminal itself (curses) when
# stdout is a terminal; otherwise, or with HEADLESS=1, serial on stdout.
# QEMU_EXTRA="..." appends QEMU flags. The serial output is also logged.
# QEMU_CPUS=N boots N CPUs and QEMU_ACCEL="..." picks the accelerator (build.mk
# sets both for kernels built with SMP := 1); unset, one CPU as always.
set -eu
kernel=$1
log=$2
mkdir -p "$(dirname "$log")"
: >"$log"

common="-kernel $kernel -m 128M -no-reboot -nic none -device isa-debug-exit,iobase=0xf4,iosize=0x04"
common="$common${QEMU_CPUS:+ -smp $QEMU_CPUS}${QEMU_ACCEL:+ $QEMU_ACCEL}"
# Serial and the QEMU monitor share this terminal: Ctrl-A X quits, Ctrl-A C
# switches between them; everything the kernel prints also goes to the log.
serial_here="-chardev stdio,id=term,mux=on,signal=on,logfile=$log -serial chardev:term -mon chardev=term"

if [ "${HEADLESS:-}" = 1 ] || { [ -z "${DISPLAY:-}" ] && ! [ -t 1 ]; }; then
    echo "QEMU: serial console here (quit: Ctrl-A then X; log: $log)"
    # Nobody sees the screen: the kernel prints its status lines on serial too.
    mode="$serial_here -display none -append status=serial"
elif [ -n "${DISPLAY:-}" ]; then
    echo "QEMU: kernel in a window, serial console here (quit: close the window, or Ctrl-A then X)"
    mode="$serial_here"
else
    echo "QEMU: kernel screen in this terminal (quit: Esc then 2, or Alt-2, for the monitor; type 'quit')"
    echo "      serial output goes to $log"
    sleep 1
    mode="-display curses -serial file:$log"
fi
# shellcheck disable=SC2086
exec qemu-system-x86_64 $common $mode ${QEMU_EXTRA:-}
