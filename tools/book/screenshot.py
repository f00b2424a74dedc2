#!/usr/bin/env python3
"""Boot a kernel in QEMU without a display, type keys, save its screen as PNG.

usage: screenshot.py KERNEL OUT.png [KEYS...]

KEYS are QEMU sendkey names (a, shift-a, ret, spc, ...); text:WORD types
WORD. It waits for the kernel's first output and for a still screen, types,
waits for a still screen again and takes the VGA screen (screendump).
Environment: QEMU, SCREENSHOT_TIMEOUT (s, 60), SCREENSHOT_WAIT (serial text
to wait for before typing), QEMU_EXTRA.
"""
import json
import os
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import time

TIMEOUT = float(os.environ.get("SCREENSHOT_TIMEOUT", "60"))
SETTLE = 0.4          # the screen must stay the same this long to count as still
STILL_MAX = 4.0       # a screen that keeps changing (a clock, a counter) is taken after this
KEY_GAP = 0.12        # between keys: QEMU holds each key down for 100 ms

# Characters that text:WORD can type, as sendkey names.
KEYS = {" ": "spc", "\n": "ret", "\t": "tab", "-": "minus", "=": "equal", ".": "dot",
        ",": "comma", "/": "slash", ";": "semicolon", "'": "apostrophe", "[": "bracket_left",
        "]": "bracket_right", "\\": "backslash", "`": "grave_accent",
        "!": "shift-1", "@": "shift-2", "#": "shift-3", "$": "shift-4", "%": "shift-5",
        "^": "shift-6", "&": "shift-7", "*": "shift-8", "(": "shift-9", ")": "shift-0",
        "_": "shift-minus", "+": "shift-equal", ":": "shift-semicolon", '"': "shift-apostrophe",
        "<": "shift-comma", ">": "shift-dot", "?": "shift-slash", "{": "shift-bracket_left",
        "}": "shift-bracket_right", "|": "shift-backslash", "~": "shift-grave_accent"}

class Failure(Exception):
    pass

def key_names(args):
    names = []
    for arg in args:
        if arg.startswith("text:"):
            for ch in arg[5:]:
                if ch.isascii() and ch.isalnum():
                    names.append("shift-" + ch.lower() if ch.isupper() else ch)
                elif ch in KEYS:
                    names.append(KEYS[ch])
                else:
                    raise Failure("cannot type %r (in %r)" % (ch, arg))
        else:
            names.append(arg)
    return names

class Qmp:
    """A minimal QMP client: one command at a time, events are skipped."""

    def __init__(self, path, deadline, qemu):
        while True:
            if qemu.poll() is not None:
                raise Failure("QEMU exited before its QMP socket opened")
            if time.monotonic() >= deadline:
                raise Failure("could not connect to QEMU's QMP socket")
            self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                self.sock.connect(path)
                break
            except OSError:
                self.sock.close()
                time.sleep(0.05)
        self.sock.settimeout(max(1.0, deadline - time.monotonic()))
        self.buf = b""
        self.read()                                   # the greeting
        self.command("qmp_capabilities")

    def read(self):
        while b"\n" not in self.buf:
            data = self.sock.recv(65536)
            if not data:
                raise Failure("QEMU closed the QMP connection")
            self.buf += data
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)

    def command(self, name, **arguments):
        msg = {"execute": name}
        if arguments:
            msg["arguments"] = arguments
        self.sock.sendall(json.dumps(msg).encode() + b"\n")
        while True:
            reply = self.read()
            if "return" in reply:
                return reply["return"]
            if "error" in reply:
                raise Failure("QMP %s: %s" % (name, reply["error"].get("desc", reply["error"])))
            # an asynchronous event: ignore it

    def hmp(self, line):
        out = self.command("human-monitor-command", **{"command-line": line})
        if out.strip():
            raise Failure("monitor command %r: %s" % (line, out.strip()))

class Machine:
    def __init__(self, kernel, workdir):
        self.workdir = workdir
        self.serial = os.path.join(workdir, "serial.log")
        self.log = open(os.path.join(workdir, "qemu.log"), "wb")
        sock = os.path.join(workdir, "qmp.sock")
        qemu = os.environ.get("QEMU", "qemu-system-x86_64")
        if shutil.which(qemu) is None:
            raise Failure("%s not found (Debian package qemu-system-x86)" % qemu)
        cmd = [qemu, "-kernel", kernel, "-m", "128M", "-nic", "none", "-no-reboot",
               "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
               "-display", "none", "-serial", "file:" + self.serial, "-append", "",
               "-qmp", "unix:%s,server=on,wait=off" % sock]
        cmd += shlex.split(os.environ.get("QEMU_EXTRA", ""))
        self.deadline = time.monotonic() + TIMEOUT
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=self.log,
                                     stderr=subprocess.STDOUT)
        self.shots = 0
        try:
            self.qmp = Qmp(sock, self.deadline, self.proc)
        except BaseException:
            self.kill()
            self.log.close()
            raise

    def check_alive(self, doing):
        if self.proc.poll() is not None:
            raise Failure("QEMU exited (status %d) while %s" % (self.proc.returncode, doing))
        if time.monotonic() > self.deadline:
            raise Failure("timed out after %g s while %s" % (TIMEOUT, doing))

    def screen(self):
        """The VGA text buffer (characters and colours): the screen, but for
        the blinking cursor, which is not in it."""
        self.shots += 1
        path = os.path.join(self.workdir, "screen%d" % (self.shots % 2))
        self.qmp.command("pmemsave", val=0xB8000, size=80 * 25 * 2, filename=path)
        with open(path, "rb") as f:
            return f.read()

    def serial_text(self):
        try:
            with open(self.serial, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def wait_for_output(self, text):
        """Until the serial port shows `text` (or anything), or the screen is not blank."""
        while True:
            self.check_alive("waiting for the kernel to print something")
            out = self.serial_text()
            # Or, with no text to wait for, any output, or anything on the screen.
            if (text in out) if text is not None else (out or self.screen().strip(b"\x00\x07 ")):
                return
            time.sleep(0.1)

    def wait_until_still(self, doing):
        last, since, start = None, time.monotonic(), time.monotonic()
        while True:
            self.check_alive(doing)
            shot = self.screen()
            if shot != last:
                last, since = shot, time.monotonic()
            if time.monotonic() - since >= SETTLE or time.monotonic() - start >= STILL_MAX:
                return shot
            time.sleep(0.1)

    def quit(self):
        try:
            self.qmp.command("quit")
        except (Failure, OSError):
            pass
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

def main(argv):
    if len(argv) < 3 or argv[1] in ("-h", "--help"):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    kernel, out, keys = argv[1], argv[2], argv[3:]
    if not os.path.isfile(kernel):
        print("screenshot: %s: no such kernel image" % kernel, file=sys.stderr)
        return 1
    workdir = tempfile.mkdtemp(prefix="book-shot-")
    machine = None
    try:
        names = key_names(keys)
        machine = Machine(kernel, workdir)
        machine.wait_for_output(os.environ.get("SCREENSHOT_WAIT"))
        machine.wait_until_still("waiting for the boot screen to settle")
        for name in names:
            machine.check_alive("typing")
            machine.qmp.hmp("sendkey " + name)
            time.sleep(KEY_GAP)
        machine.wait_until_still("waiting for the screen to settle")
        machine.qmp.command("screendump", filename=os.path.abspath(out) + ".tmp", format="png")
        machine.quit()
        os.replace(out + ".tmp", out)
        return 0
    except (Failure, OSError, ValueError) as e:
        print("screenshot: %s: %s" % (kernel, e), file=sys.stderr)
        if machine is not None:
            machine.kill()
            tail = machine.serial_text()[-2000:]
            if tail:
                print("screenshot: the kernel's serial output ended with:\n" + tail, file=sys.stderr)
        try:
            with open(os.path.join(workdir, "qemu.log"), "rb") as f:
                log = f.read().decode("utf-8", "replace").strip()
        except OSError:
            log = ""
        if log:
            print("screenshot: QEMU said:\n" + log, file=sys.stderr)
        return 1
    finally:
        if machine is not None:
            machine.kill()
            machine.log.close()
        shutil.rmtree(workdir, ignore_errors=True)

if __name__ == "__main__":
    sys.exit(main(sys.argv))
