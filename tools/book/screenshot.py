#!/usr/bin/env python3
"""Boot a kernel in QEMU without a display, type keys, and save its screen as PNG.

usage: screenshot.py KERNEL OUT.png [KEYS...]

KEYS are QEMU key names as the monitor's `sendkey` takes them (a, shift-a,
ret, spc, backspace, ...); an argument text:WORD types WORD character by
character. The steps:
  1. start QEMU (TCG, -display none) with a QMP socket and the serial port in a file;
  2. wait until the kernel has printed something (serial output, or a screen
     that is no longer blank), then until the screen stops changing;
  3. type the keys, then wait again until the screen stops changing;
  4. `screendump` the VGA screen (PPM), quit QEMU, convert to PNG.

Environment: QEMU (default qemu-system-x86_64), SCREENSHOT_TIMEOUT (seconds,
default 60), SCREENSHOT_WAIT (text that must appear on the serial port
before the keys are typed), QEMU_EXTRA (more QEMU flags).
Python's standard library only; writing the PNG needs nothing but zlib.
"""
import json
import os
import shlex
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time
import zlib

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
        self.sock = None
        while time.monotonic() < deadline:
            if qemu.poll() is not None:
                raise Failure("QEMU exited before its QMP socket opened")
            try:
                s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                s.connect(path)
                self.sock = s
                break
            except OSError:
                s.close()
                time.sleep(0.05)
        if self.sock is None:
            raise Failure("could not connect to QEMU's QMP socket")
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


def read_ppm(path):
    with open(path, "rb") as f:
        data = f.read()
    fields, pos = [], 0
    while len(fields) < 4:                            # magic, width, height, maxval
        while data[pos:pos + 1].isspace():
            pos += 1
        if data[pos:pos + 1] == b"#":
            pos = data.index(b"\n", pos) + 1
            continue
        end = pos
        while not data[end:end + 1].isspace():
            end += 1
        fields.append(data[pos:end])
        pos = end
    if fields[0] != b"P6" or int(fields[3]) != 255:
        raise Failure("unexpected screendump format %r" % fields[0])
    width, height = int(fields[1]), int(fields[2])
    pixels = data[pos + 1:pos + 1 + 3 * width * height]
    if len(pixels) != 3 * width * height:
        raise Failure("short screendump")
    return width, height, pixels


def write_png(path, width, height, rgb):
    def chunk(kind, body):
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)
    stride = 3 * width
    raw = b"".join(b"\x00" + rgb[y * stride:(y + 1) * stride] for y in range(height))
    png = (b"\x89PNG\r\n\x1a\n"
           + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
           + chunk(b"IDAT", zlib.compress(raw, 9))
           + chunk(b"IEND", b""))
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(png)
    os.replace(tmp, path)


def same_but_cursor(a, b):
    """Equal screens, or screens that differ only inside one character cell
    (the blinking text-mode cursor)."""
    if a is None or b is None or a[:2] != b[:2]:
        return False
    width, height, pa = a
    pb = b[2]
    if pa == pb:
        return True
    stride = 3 * width
    rows = [y for y in range(height) if pa[y * stride:(y + 1) * stride] != pb[y * stride:(y + 1) * stride]]
    if rows[-1] - rows[0] >= 16:
        return False
    left, right = stride, 0
    for y in rows:
        ra, rb = pa[y * stride:(y + 1) * stride], pb[y * stride:(y + 1) * stride]
        x = 0
        while ra[x] == rb[x]:
            x += 1
        left = min(left, x)
        x = stride - 1
        while ra[x] == rb[x]:
            x -= 1
        right = max(right, x)
    return right - left < 3 * 9


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
        self.shots += 1
        path = os.path.join(self.workdir, "screen%d.ppm" % (self.shots % 2))
        self.qmp.command("screendump", filename=path)
        return read_ppm(path)

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
            if text is not None:
                if text in out:
                    return
            elif out:
                return
            else:
                _, _, px = self.screen()
                if px.count(px[:3]) * 3 != len(px):     # not all one colour
                    return
            time.sleep(0.1)

    def wait_until_still(self, doing):
        last, since, start = None, time.monotonic(), time.monotonic()
        while True:
            self.check_alive(doing)
            shot = self.screen()
            if not same_but_cursor(shot, last):
                last, since = shot, time.monotonic()
            elif time.monotonic() - since >= SETTLE:
                return shot
            if time.monotonic() - start >= STILL_MAX:
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
        width, height, pixels = machine.wait_until_still("waiting for the screen to settle")
        machine.quit()
        write_png(out, width, height, pixels)
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
