#!/usr/bin/env python3
"""Run a kernel's QEMU tests and report each (`N passed, N failed`).

1. Boot with `test`: the kernel runs every KTEST and prints `NAME ... ok`.
2. Boot once per KTEST_PANICS test with `test=NAME`, and once per
   KTEST_ICOUNT test alone under -icount.
3. --golden FILE: boot normally and compare the serial output line by line
   with FILE (`re: PATTERN` matches a whole line; `send: TEXT` types TEXT
   into the serial port once the lines before it were seen); every line must
   fit the 80-column screen.
--cdrom IMAGE boots make iso's image through GRUB (step 1 only). Every boot
has a time limit; serial logs are kept under the kernel's build folder.
"""
import argparse
import os
import re
import shlex
import subprocess
import sys
import time

EXIT_SUCCESS = (0x10 << 1) | 1  # KTEST_EXIT_SUCCESS through isa-debug-exit
EXIT_FAILURE = (0x11 << 1) | 1

# Guest time follows the instructions executed (one nanosecond each), and
# idle time is skipped: a run is the same whatever the host's speed or load.
ICOUNT = ["-icount", "shift=0,sleep=off"]
# Set by main() from --cpus, --qemu-args and --append; nothing for a
# one-CPU kernel.
EXTRA_ARGS = []
EXTRA_APPEND = []

def icount_possible():
    """QEMU cannot count instructions with a host thread per CPU."""
    return not any("thread=multi" in a for a in EXTRA_ARGS)

def qemu_command(kernel, append, icount=False):
    """append None: kernel is a CD image whose boot loader sets the command line."""
    if append is None:
        load = ["-cdrom", kernel]
    else:
        load = ["-kernel", kernel, "-append", " ".join([append] + EXTRA_APPEND).strip()]
    icount = icount and icount_possible() and "-icount" not in EXTRA_ARGS
    return ["qemu-system-x86_64", *load,
            "-serial", "stdio", "-display", "none", "-monitor", "none",
            "-no-reboot", "-nic", "none", "-m", "128M",
            "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"] + \
        (ICOUNT if icount else []) + EXTRA_ARGS

def boot(kernel, append, timeout, log_path, stop_when=None, feed=None, icount=False):
    """Boot once; return (exit code or None on timeout, output lines).
    stop_when(lines) -> True stops QEMU early (for kernels that never exit).
    feed(lines) -> bytes to type into the serial port now, or None."""
    proc = subprocess.Popen(qemu_command(kernel, append, icount), stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT,
                            stdin=subprocess.PIPE if feed else subprocess.DEVNULL)
    os.set_blocking(proc.stdout.fileno(), False)
    data, code = b"", None
    deadline = time.monotonic() + timeout
    while True:
        data += proc.stdout.read() or b""
        lines = data.decode("utf-8", "replace").replace("\r", "").split("\n")[:-1]
        typed = feed(lines) if feed else None
        if typed:
            proc.stdin.write(typed)
            proc.stdin.flush()
        stopped = stop_when is not None and stop_when(lines)
        if stopped or (proc.poll() is None and time.monotonic() > deadline):
            proc.kill()
            proc.wait()
            code = "stopped" if stopped else None
            break
        if proc.poll() is not None:
            data += proc.stdout.read() or b""
            code = proc.returncode
            break
        time.sleep(0.01)
    text = data.decode("utf-8", "replace").replace("\r", "")
    with open(log_path, "w") as log:
        log.write(text)
    return code, text.split("\n")

class Report:
    def __init__(self, name):
        self.name, self.passed, self.failed = name, 0, 0

    def ok(self, test, detail=""):
        self.passed += 1
        print(f"{self.name}: {test} ... ok{detail}")

    def fail(self, test, why, log_path=None, lines=None):
        self.failed += 1
        print(f"{self.name}: {test} ... FAILED: {why}")
        for line in [l for l in lines or [] if l.strip()][-12:]:
            print(f"    | {line}")
        if log_path:
            print(f"    (serial log: {log_path})")

def describe_exit(code, timeout):
    if code is None:
        return f"timed out after {timeout}s"
    if code == 0:
        return "QEMU exited with 0: a triple fault (the CPU reset)"
    if code == EXIT_FAILURE:
        return "the kernel reported a failure"
    return f"QEMU exited with {code}"

def run_ktests(args, report, logs):
    image, append = (args.cdrom, None) if args.cdrom else (args.kernel, "test")
    log = os.path.join(logs, "cdrom-ktest.log" if args.cdrom else "ktest.log")
    code, lines = boot(image, append, args.timeout, log)
    alone = {"panic": [], "icount": []}  # the tests that get a boot of their own
    for line in lines:
        m = re.fullmatch(r"(\w+) \.\.\. ok", line)
        if m:
            report.ok(m.group(1))
        m = re.match(r"ktest: (panic|icount) tests:(.*)", line)
        if m:
            alone[m.group(1)] = m.group(2).split()
    if code != EXIT_SUCCESS:
        started = [l for l in lines if " ... " in l and not l.endswith(" ok")]
        test = started[-1].split(" ... ")[0] if started else "ktest run"
        report.fail(test, describe_exit(code, args.timeout), log, lines)
    return alone

def run_alone(args, report, logs, test, icount=False, panics=False):
    """Boot with test=NAME: one KTEST alone (one that panics, or under -icount)."""
    log = os.path.join(logs, f"{test}.log")
    code, lines = boot(args.kernel, f"test={test}", args.timeout, log, icount=icount)
    said = " (panicked as expected)" if panics else " (under -icount)" if icount else ""
    if code == EXIT_SUCCESS and f"{test} ... ok{said if panics else ''}" in lines:
        report.ok(test, said)
    else:
        report.fail(test, describe_exit(code, args.timeout), log, lines)

SCREEN_COLUMNS = 80

def run_golden(args, report, logs):
    expected, sends = [], {}  # sends: {number of lines seen first: bytes}
    with open(args.golden) as f:
        golden = [line.rstrip("\n") for line in f]
    for line in golden:
        if line.startswith("send: "):
            text = line[6:].replace("\\r", "\r").replace("\\n", "\n")
            sends[len(expected)] = sends.get(len(expected), b"") + text.encode()
        else:
            expected.append(line)
    log = os.path.join(logs, "golden.log")
    mismatch = []

    def feed(lines):
        return sends.pop(len(lines), None)

    def done(lines):
        for i, line in enumerate(lines):
            if i >= len(expected):
                return True
            if not (re.fullmatch(expected[i][4:], line) if expected[i].startswith("re: ")
                    else expected[i] == line):
                mismatch.append((i, line))
                return True
        return len(lines) >= len(expected)

    # Under -icount: a golden line may quote a count that depends on time
    # (chapter 02's polls per tick), and must read the same on every host.
    code, lines = boot(args.kernel, "", args.timeout, log, stop_when=done,
                       feed=feed if sends else None, icount=True)
    if mismatch:
        i, line = mismatch[0]
        report.fail("golden output", f"line {i + 1}: expected {expected[i]!r}, got {line!r}",
                    log, lines)
    elif code != "stopped":
        seen = len([l for l in lines if l]) if lines else 0
        missing = expected[min(seen, len(expected) - 1)]
        report.fail("golden output", f"{describe_exit(code, args.timeout)}; still waiting "
                    f"for line {seen + 1}: {missing!r}", log, lines)
    else:
        report.ok("golden output", f" ({len(expected)} lines)")
    wide = [(i + 1, len(line.expandtabs(8)), line) for i, line in enumerate(lines)
            if len(line.expandtabs(8)) > SCREEN_COLUMNS]
    if wide:
        n, width, line = wide[0]
        report.fail(f"{SCREEN_COLUMNS} columns", f"line {n} is {width} columns wide, more than "
                    f"the {SCREEN_COLUMNS} of the VGA screen (it wraps there): {line!r}"
                    + (f"; {len(wide) - 1} more" if len(wide) > 1 else ""), log)
    else:
        report.ok(f"{SCREEN_COLUMNS} columns", " (every line of the boot fits the screen)")

def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    image = parser.add_mutually_exclusive_group(required=True)
    image.add_argument("--kernel", help="the 32-bit Multiboot image")
    image.add_argument("--cdrom", help="a CD image (make iso) that boots with `test`")
    parser.add_argument("--name", required=True, help="prefix for the report lines")
    parser.add_argument("--golden", help="expected serial output of a normal boot")
    parser.add_argument("--timeout", type=float, default=20, help="seconds per boot")
    parser.add_argument("--no-ktests", action="store_true", help="only the golden test")
    parser.add_argument("--ktest", action="append", default=[],
                        help="boot with test=NAME and run only that KTEST (repeatable)")
    parser.add_argument("--icount", action="store_true",
                        help="boot the --ktest tests under -icount (for KTEST_ICOUNT tests)")
    parser.add_argument("--cpus", type=int, help="boot this many CPUs (-smp)")
    parser.add_argument("--qemu-args", default="", help="more QEMU flags for every boot")
    parser.add_argument("--append", default="", help="more words for every boot's command line")
    parser.add_argument("--logs", help="folder for the serial logs (default: qemu-test/ "
                        "beside the kernel)")
    args = parser.parse_args()
    if args.cdrom and (args.golden or args.ktest or args.no_ktests):
        parser.error("--cdrom runs the KTESTs its image's command line asks for, nothing else")

    EXTRA_ARGS[:] = (["-smp", str(args.cpus)] if args.cpus else []) + shlex.split(args.qemu_args)
    EXTRA_APPEND[:] = args.append.split()
    logs = args.logs or os.path.join(os.path.dirname(os.path.abspath(args.kernel or args.cdrom)),
                                     "qemu-test")
    os.makedirs(logs, exist_ok=True)
    report = Report(args.name)
    for test in args.ktest:
        run_alone(args, report, logs, test, args.icount)
    if args.cdrom:
        run_ktests(args, report, logs)
    elif not args.no_ktests and not args.ktest:
        alone = run_ktests(args, report, logs)
        for test in alone["panic"]:
            run_alone(args, report, logs, test, panics=True)
        for test in alone["icount"]:
            if icount_possible():
                run_alone(args, report, logs, test, icount=True)
            else:  # its verdict hangs on timing: the -icount pass runs it
                print(f"{args.name}: {test} ... skipped: it needs -icount, which a host thread "
                      "per CPU rules out")
    if args.golden:
        run_golden(args, report, logs)
    print(f"{report.passed} passed, {report.failed} failed")
    return 1 if report.failed or not report.passed else 0

if __name__ == "__main__":
    sys.exit(main())
