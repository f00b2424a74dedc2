#!/bin/sh
# QEMU paused at the first instruction with a gdb stub, and gdb attached with
# the kernel's symbols, stopped at kmain.
#   tools/qemu-debug.sh KERNEL32.elf KERNEL64.elf
#   tools/qemu-debug.sh --monitor BUILD_DIR [COMMAND]
# The second form talks to the QEMU monitor of a running `make debug` (from
# another terminal, while the kernel runs): `sendkey a` types a key, `info
# status` says whether it runs; without COMMAND it reads commands from stdin.
# GDB_PORT (default 1234); GDB_SCRIPT=file runs gdb commands from file after
# the stop at kmain (with GDB_BATCH=1, gdb then exits: for scripts and tests).
# QEMU_CPUS=N and QEMU_ACCEL="..." as in qemu-run.sh (SMP kernels): each CPU
# is a thread in gdb (`info threads`).
set -eu

if [ "${1:-}" = --monitor ]; then
    sock="$2/monitor.sock"
    shift 2
    [ -S "$sock" ] || { echo "no QEMU monitor at $sock: is make debug running?" >&2; exit 1; }
    exec python3 - "$sock" "$@" <<'PY'
import socket, sys, time
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
    text = reply().replace("\r", "")
    # The monitor echoes the command and ends with its prompt: keep the rest.
    print("\n".join(text.split("\n")[1:-1]).strip("\n"), flush=True)
PY
fi

kernel=$1
symbols=$2
port=${GDB_PORT:-1234}
build=$(dirname "$kernel")
log="$build/serial.log"
pidfile="$build/qemu-debug.pid"
monitor="$build/monitor.sock"
rm -f "$pidfile" "$monitor"

# Ctrl-C in gdb stops the kernel; it must not reach QEMU, which would die
# of it ("terminating on signal 2"). So QEMU runs in a session of its own
# (setsid) and is stopped when gdb exits, however gdb exits.
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
trap : INT  # Ctrl-C is for gdb; this script waits for gdb to end

qemu="qemu-system-x86_64 -kernel $kernel -m 128M -no-reboot -nic none \
    -device isa-debug-exit,iobase=0xf4,iosize=0x04 -serial file:$log \
    -monitor unix:$monitor,server=on,wait=off -pidfile $pidfile -gdb tcp::$port -S \
    ${QEMU_CPUS:+-smp $QEMU_CPUS} ${QEMU_ACCEL:-} ${QEMU_EXTRA:-}"
if [ -n "${DISPLAY:-}" ]; then
    where="the kernel's screen is a QEMU window: type keys there"
    # shellcheck disable=SC2086
    setsid $qemu </dev/null >"$build/qemu-debug.log" 2>&1 &
    qemu_job=$!
elif [ -n "${TMUX:-}" ] && [ "${GDB_BATCH:-}" != 1 ]; then
    # No desktop, but tmux: the kernel's screen in a pane beside gdb.
    where="the kernel's screen is in the tmux pane below: type keys there"
    tmux split-window -d -l 27 -c "$PWD" "exec $qemu -display curses"
else
    where="no screen; to type a key while the kernel runs, from another terminal:
  $0 --monitor $build 'sendkey a'   (or, stopped in gdb: monitor sendkey a)"
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
status=0
gdb "$@" || status=$?
exit $status
