#!/bin/sh
# QEMU for a person (make run, make debug); tests boot through qemu-test.py.
#   tools/qemu.sh run KERNEL32.elf SERIAL_LOG: a window with $DISPLAY, else the
#       terminal (curses) on a TTY, else (or HEADLESS=1) serial on stdout.
#   tools/qemu.sh debug KERNEL32.elf KERNEL64.elf
#       Paused at the first instruction with a gdb stub (GDB_PORT, 1234), and
#       gdb attached with the symbols, stopped at kmain; GDB_SCRIPT=file runs
#       after that stop (GDB_BATCH=1: gdb then exits, for tests).
#   tools/qemu.sh monitor BUILD_DIR [COMMAND]
#       The QEMU monitor of a running `make debug`, from another terminal
#       (`sendkey a`, `info status`); without COMMAND, commands from stdin.
# QEMU_EXTRA="..." appends flags; QEMU_CPUS=N and QEMU_ACCEL="..." (set by
# build.mk for SMP kernels) boot N CPUs, each a thread in gdb.
set -eu
what=$1
shift
qemu="qemu-system-x86_64 -kernel $1 -m 128M -no-reboot -nic none \
    -device isa-debug-exit,iobase=0xf4,iosize=0x04 ${QEMU_CPUS:+-smp $QEMU_CPUS} ${QEMU_ACCEL:-}"

case $what in
run)
    log=$2
    mkdir -p "$(dirname "$log")"
    : >"$log"
    # Serial and the monitor share this terminal (Ctrl-A X quits, Ctrl-A C
    # switches); everything the kernel prints also goes to the log.
    here="-chardev stdio,id=term,mux=on,signal=on,logfile=$log -serial chardev:term -mon chardev=term"
    if [ "${HEADLESS:-}" = 1 ] || { [ -z "${DISPLAY:-}" ] && ! [ -t 1 ]; }; then
        echo "QEMU: serial console here (quit: Ctrl-A then X; log: $log)"
        # Nobody sees the screen: the kernel prints its status lines on serial too.
        mode="$here -display none -append status=serial"
    elif [ -n "${DISPLAY:-}" ]; then
        echo "QEMU: kernel in a window, serial console here (quit: close the window, or Ctrl-A then X)"
        mode="$here"
    else
        echo "QEMU: kernel screen in this terminal (quit: Esc then 2, or Alt-2, for the monitor; type 'quit')"
        echo "      serial output goes to $log"
        sleep 1
        mode="-display curses -serial file:$log"
    fi
    # shellcheck disable=SC2086
    exec $qemu $mode ${QEMU_EXTRA:-}
    ;;
monitor)
    sock="$1/monitor.sock"
    shift
    [ -S "$sock" ] || { echo "no QEMU monitor at $sock: is make debug running?" >&2; exit 1; }
    exec python3 - "$sock" "$@" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.settimeout(0.3)

def reply():
    out = b""
    while not out.endswith(b"(qemu) "):
        try:
            chunk = s.recv(4096)
        except socket.timeout:
            break
        if not chunk:
            break
        out += chunk
    return out.decode(errors="replace")

reply()  # the banner
for line in sys.argv[2:] or sys.stdin:
    s.sendall(line.strip().encode() + b"\n")
    # The monitor echoes the command and ends with its prompt: keep the rest.
    print("\n".join(reply().replace("\r", "").split("\n")[1:-1]).strip("\n"), flush=True)
PY
    ;;
debug) ;;
*) echo "usage: $0 run|debug|monitor ..." >&2; exit 2 ;;
esac

symbols=$2
port=${GDB_PORT:-1234}
build=$(dirname "$1")
log="$build/serial.log"
pidfile="$build/qemu-debug.pid"
monitor="$build/monitor.sock"
rm -f "$pidfile" "$monitor"

# Ctrl-C in gdb stops the kernel; it must not reach QEMU, which would die of
# it. So QEMU runs in a session of its own (setsid), stopped when gdb exits.
qemu_job=""
# shellcheck disable=SC2317  # called by the EXIT trap
qemu_stop() {
    if [ -s "$pidfile" ]; then
        pid=$(cat "$pidfile")
        kill "$pid" 2>/dev/null || true
        if [ -n "$qemu_job" ]; then
            wait "$qemu_job" 2>/dev/null || true
        else
            n=0
            while kill -0 "$pid" 2>/dev/null && [ "$n" -lt 40 ]; do sleep 0.05; n=$((n + 1)); done
        fi
    fi
    rm -f "$pidfile" "$monitor"
}
trap qemu_stop EXIT
trap : INT # Ctrl-C is for gdb; this script waits for gdb to end

qemu="$qemu -serial file:$log -monitor unix:$monitor,server=on,wait=off -pidfile $pidfile \
    -gdb tcp::$port -S ${QEMU_EXTRA:-}"
if [ -n "${DISPLAY:-}" ]; then
    where="the kernel's screen is a QEMU window: type keys there"
    # shellcheck disable=SC2086
    setsid $qemu </dev/null >"$build/qemu-debug.log" 2>&1 &
    qemu_job=$!
elif [ -n "${TMUX:-}" ] && [ "${GDB_BATCH:-}" != 1 ]; then
    where="the kernel's screen is in the tmux pane below: type keys there"
    tmux split-window -d -l 27 -c "$PWD" "exec $qemu -display curses"
else
    where="no screen; to type a key while the kernel runs, from another terminal:
  $0 monitor $build 'sendkey a'   (or, stopped in gdb: monitor sendkey a)"
    # shellcheck disable=SC2086
    setsid $qemu -display none </dev/null >"$build/qemu-debug.log" 2>&1 &
    qemu_job=$!
fi
n=0
until [ -s "$pidfile" ] && [ -S "$monitor" ]; do
    n=$((n + 1))
    if [ "$n" -gt 100 ]; then
        echo "QEMU did not start:" >&2
        cat "$build/qemu-debug.log" >&2 2>/dev/null || true
        exit 1
    fi
    sleep 0.05
done
echo "QEMU is paused (pid $(cat "$pidfile")); serial output goes to $log"
echo "$where"

# Symbols from the 64-bit ELF. A hardware breakpoint: the boot loader copies
# the kernel over any software breakpoint set before it runs.
printf 'set architecture i386:x86-64\ntarget remote localhost:%s\nhbreak kmain\ncontinue\n' \
    "$port" >"$build/debug.gdb"
set -- -q "$symbols" -x "$build/debug.gdb"
[ -n "${GDB_SCRIPT:-}" ] && set -- "$@" -x "$GDB_SCRIPT"
[ "${GDB_BATCH:-}" = 1 ] && set -- -batch "$@"
status=0
gdb "$@" || status=$?
exit $status
