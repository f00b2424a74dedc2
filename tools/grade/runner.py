"""Building a folder's host tests and running them under Criterion.

Everything here runs in a child process with a wall-clock limit, in its own
process group, with output read through a cap: a test that hangs, crashes or
prints forever costs its exercise, never the grader.
"""

import os
import re
import signal
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

BUILD_TIMEOUT = 600  # seconds for one `make host-tests`
OUTPUT_CAP = 256 * 1024  # bytes of a child's output kept


@dataclass
class Completed:
    returncode: int
    output: str
    timed_out: bool
    seconds: float


def child_env(extra=None):
    """The environment for make and tests: no make flags inherited from an
    outer make (its CH=, DIR=, -j jobserver), messages in plain ASCII."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES", "GNUMAKEFLAGS")}
    env["LC_ALL"] = "C"
    env.update(extra or {})
    return env


def run(cmd, cwd=None, env=None, timeout=None, cap=OUTPUT_CAP):
    """Run cmd with stdout+stderr captured (the first `cap` bytes kept) and
    the whole process group killed after `timeout` seconds."""
    start = time.monotonic()
    try:
        proc = subprocess.Popen([str(c) for c in cmd], cwd=cwd, env=env,
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, start_new_session=True)
    except OSError as e:
        return Completed(127, f"cannot run {cmd[0]}: {e.strerror}", False, 0.0)
    kept = bytearray()

    def drain():
        while True:
            chunk = proc.stdout.read1(65536)
            if not chunk:
                return
            if len(kept) < cap:
                kept.extend(chunk[:cap - len(kept)])

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    timed_out = False
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
    finally:
        # Also ends anything the child left behind (Criterion's workers).
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        proc.wait()
    reader.join(timeout=5)
    proc.stdout.close()
    return Completed(proc.returncode, kept.decode("utf-8", "replace"), timed_out,
                     time.monotonic() - start)


# ---- building ---------------------------------------------------------------

ERROR_LINE = re.compile(r"\berror\b|undefined reference|multiple definition|No rule to make "
                        r"target|cannot find|No such file", re.I)
NOISE = re.compile(r"^(make(\[\d+\])?: (Entering|Leaving|\*\*\* \[.*\] Error|\*\*\* Waiting|Target "
                   r"'.*' not remade)"
                   r"|\s+(HOSTCC|CC|LD|AS)\s|cc1: all warnings|collect2: error: ld returned)")


COMPILE_ERROR = re.compile(r"^(\S+?):\d+(?::\d+)?: (?:fatal )?error:", re.M)


def build(folder, build_dir, jobs):
    """`make host-tests` for folder into build_dir. Returns (ok, errors,
    files): the compiler's first error lines when it failed, and the files
    (relative to folder) it reported errors in; empty when the failure is not
    a compile error in the folder's own files (a link error, a timeout)."""
    cmd = ["make", "-C", folder, "--no-print-directory", f"-j{jobs}", "-k", "host-tests",
           f"BUILD={build_dir}"]
    done = run(cmd, env=child_env(), timeout=BUILD_TIMEOUT)
    if done.returncode == 0 and not done.timed_out and (Path(build_dir) / "host-tests").is_file():
        return True, [], []
    if done.timed_out:
        return False, [f"the build did not finish in {BUILD_TIMEOUT} s"], []
    files = {_where(m.group(1), folder) for m in COMPILE_ERROR.finditer(done.output)}
    return False, first_errors(done.output, folder), sorted(files)


def first_errors(output, folder, limit=14):
    """The first error of a failed build, with the lines that explain it."""
    lines = [line.rstrip() for line in output.splitlines()]
    prefix = str(Path(folder).resolve()) + "/"
    lines = [line.replace(prefix, "") for line in lines if not NOISE.match(line)]
    start = next((i for i, line in enumerate(lines) if ERROR_LINE.search(line)), None)
    if start is None:
        return lines[-limit:] or ["the build failed without a message"]
    # Keep the "In function ..." / "In file included from ..." lines above it.
    while start > 0 and re.search(r": In (function|file included)|^\s+from ", lines[start - 1]):
        start -= 1
    return lines[start:start + limit]


# ---- listing and running tests ---------------------------------------------

SUITE_LINE = re.compile(r"^(\S+): \d+ tests?$")
TREE_CHARS = "├└│─|`- \t"


def list_tests(binary, cwd):
    """The tests in a Criterion binary, as suite/test, in its order."""
    done = run([binary, "--list"], cwd=cwd, env=child_env(), timeout=60)
    if done.returncode != 0 or done.timed_out:
        raise RuntimeError(f"{binary} --list failed: {done.output.strip()[:500]}")
    tests, suite = [], None
    for line in done.output.splitlines():
        m = SUITE_LINE.match(line)
        if m:
            suite = m.group(1)
            continue
        name = line.lstrip(TREE_CHARS).strip()
        if suite and name:
            tests.append(f"{suite}/{name.removesuffix(' (skipped)')}")
    return tests


@dataclass
class TestResult:
    name: str
    status: str  # PASSED, FAILED, ERRORED, SKIPPED, or MISSING (never reported)
    seconds: float = 0.0
    error: str = ""  # Criterion's error type: crash, timeout
    messages: list = field(default_factory=list)  # assertion messages from the XML

    @property
    def passed(self):
        return self.status in ("PASSED", "SKIPPED")


XML_TOKEN = re.compile(
    r'<testsuite name="(?P<suite>[^"]*)"'
    r'|<testcase name="(?P<test>[^"]*)"[^>]*?status="(?P<status>\w+)"[^>]*?time="(?P<time>[\d.]+)"'
    r'|<error type="(?P<error>\w+)"'
    r"|<!\[CDATA\[(?P<message>.*?)\]\]>", re.S)


def parse_xml(text):
    """Criterion's XML report, read with patterns rather than a parser:
    Criterion does not escape what tests print into it."""
    results, suite, last = {}, None, None
    for m in XML_TOKEN.finditer(text):
        if m.group("suite") is not None:
            suite = m.group("suite")
        elif m.group("test") is not None:
            last = TestResult(f"{suite}/{m.group('test')}", m.group("status"),
                              float(m.group("time")))
            results[last.name] = last
        elif last is not None and m.group("error") is not None:
            last.error = m.group("error")
        elif last is not None and m.group("message") is not None:
            last.messages.append(m.group("message").strip())
    return results


def filter_pattern(tests):
    """A Criterion --filter that matches exactly these tests."""
    return tests[0] if len(tests) == 1 else "@(" + "|".join(tests) + ")"


def test_env(seed, extra=None):
    env = {"TEST_SEED": str(seed)}
    env.update(extra or {})
    return child_env(env)


def run_tests(binary, tests, cwd, jobs, timeout, seed, xml_path):
    """Run the tests with Criterion (each in its own process, each with
    `timeout` seconds); returns {name: TestResult} for every one asked."""
    xml_path = Path(xml_path)
    xml_path.unlink(missing_ok=True)
    rounds = -(-len(tests) // max(jobs, 1))
    wall = timeout * rounds + 30 + 0.5 * len(tests)
    cmd = [binary, "--filter", filter_pattern(tests), "--timeout", f"{timeout:g}", f"-j{jobs}",
           f"--xml={xml_path}", "-q"]
    done = run(cmd, cwd=cwd, env=test_env(seed), timeout=wall)
    try:
        results = parse_xml(xml_path.read_text(encoding="utf-8", errors="replace"))
    except OSError:
        results = {}
    for name in tests:
        if name not in results:
            why = (f"the test run was stopped after {wall:.0f} s" if done.timed_out
                   else "the test run ended before this test reported")
            results[name] = TestResult(name, "MISSING", 0.0, "timeout" if done.timed_out else "",
                                       [why])
    return results, done


# ---- why one test failed ---------------------------------------------------

@dataclass
class Diagnosis:
    status: str  # "fail", "not done", "crashed", "timed out"
    headline: str  # e.g. "exercise 1.1 is not done yet", "crashed (SIGSEGV)"
    details: list = field(default_factory=list)
    other_exercise: str = ""  # the stub reached belongs to another exercise


PANIC = re.compile(r"PANIC at (\S+):(\d+): (.*)")
NOT_DONE = re.compile(r"exercise (\S+) is not done yet")
UBSAN = re.compile(r"^(\S+?):(\d+):(\d+): runtime error: (.*)$", re.M)
ASAN = re.compile(r"ERROR: AddressSanitizer: ([\w-]+)")
FRAME = re.compile(r"^\s+#\d+ 0x[0-9a-f]+ in (\S+) (\S+?):(\d+)", re.M)
ASSERT_HEAD = re.compile(r"^\[----\] (\S+?):(\d+): Assertion Failed\s*$")
SIGNAL_LINE = re.compile(r"^\[----\] (\S+?):(\d+): Unexpected signal caught below this line")
ASAN_SIGNALS = {"SEGV": "SIGSEGV", "BUS": "SIGBUS", "FPE": "SIGFPE", "ILL": "SIGILL",
                "ABRT": "SIGABRT", "stack-overflow": "SIGSEGV, stack overflow"}
SYSTEM_PATH = re.compile(r"^(\.\./|/usr/|/lib|nptl/|stdlib/|sysdeps/)|libsanitizer|criterion")


def _where(path, folder):
    """A source path as the learner knows it: relative to the folder."""
    path = path.removeprefix("./")
    for base in (Path(folder).resolve(), Path(folder)):
        try:
            return str(Path(path).relative_to(base))
        except ValueError:
            pass
    return path


def _first_own_frame(text, folder, depth=2):
    """'in fn() at file:line, called from ...' for the innermost stack
    frames in our code (not the C library's, not Criterion's)."""
    frames = []
    for m in FRAME.finditer(text):
        fn, path, line = m.groups()
        if SYSTEM_PATH.search(path) or fn.endswith(("_impl", "_jmp")):
            if frames:
                break
            continue
        frames.append(f"{fn}() at {_where(path, folder)}:{line}")
        if len(frames) == depth:
            break
    return "in " + ", called from ".join(frames) if frames else ""


def _assertions(text, folder):
    """Criterion's 'Assertion Failed' blocks: 'file:line: message' each."""
    found, lines, i = [], text.splitlines(), 0
    while i < len(lines):
        m = ASSERT_HEAD.match(lines[i])
        i += 1
        if not m:
            continue
        body = []
        while i < len(lines) and lines[i].startswith("[----]") and not ASSERT_HEAD.match(lines[i]):
            body.append(lines[i][len("[----]"):].strip())
            i += 1
        body = [b for b in body if b]
        where = f"{_where(m.group(1), folder)}:{m.group(2)}"
        found.append(f"{where}: " + (" / ".join(body) if body else "assertion failed"))
    return found


def diagnose(binary, test, cwd, timeout, seed, folder, xml_result=None):
    """Run one failed test again, alone, its output captured, and say why
    it failed in the words a learner needs."""
    env = test_env(seed, {
        "ASAN_OPTIONS": "handle_abort=1:handle_sigill=1:handle_sigfpe=1:detect_leaks=0:"
                        + os.environ.get("ASAN_OPTIONS", ""),
        "UBSAN_OPTIONS": "print_stacktrace=1:" + os.environ.get("UBSAN_OPTIONS", "")})
    cmd = [binary, "--filter", test, "--timeout", f"{timeout:g}", "-j1", "--color=never"]
    done = run(cmd, cwd=cwd, env=env, timeout=timeout + 30)
    text = done.output
    where = f"(test {test})"

    m = PANIC.search(text)
    if m:
        path, line, message = _where(m.group(1), folder), m.group(2), m.group(3).strip()
        nd = NOT_DONE.search(message)
        if nd:
            return Diagnosis("not done", f"exercise {nd.group(1)} is not done yet",
                             [f"the stub at {path}:{line} was reached {where}"],
                             other_exercise=nd.group(1))
        return Diagnosis("crashed", "crashed (SIGABRT): panic",
                         [f"PANIC at {path}:{line}: {message} {where}"])
    m = UBSAN.search(text)
    if m:
        path, line, message = _where(m.group(1), folder), m.group(2), m.group(4).strip()
        frames = _first_own_frame(text, folder)
        details = [f"{path}:{line}: {message}"] + ([frames] if frames else []) + [where]
        if "null pointer" in message:
            return Diagnosis("crashed", "crashed (SIGSEGV): NULL pointer dereference", details)
        return Diagnosis("crashed", "crashed (undefined behaviour)", details)
    m = ASAN.search(text)
    if m:
        kind = m.group(1)
        frame = _first_own_frame(text, folder)
        if kind in ASAN_SIGNALS:
            headline = f"crashed ({ASAN_SIGNALS[kind]})"
            detail = []
            address = re.search(r"on unknown address (0x[0-9a-f]+)", text)
            access = re.search(r"caused by a (READ|WRITE) memory access", text)
            if kind == "SEGV" and address:
                value = int(address.group(1), 16)
                what = f"a {access.group(1)} at address {value:#x}" if access else \
                    f"an access to address {value:#x}"
                detail.append(what + (", near NULL (a NULL pointer?)" if value < 4096 else ""))
        else:
            headline, detail = f"crashed (memory error: {kind})", []
        return Diagnosis("crashed", headline, detail + ([frame] if frame else []) + [where])
    asserts = _assertions(text, folder)
    if asserts:
        return Diagnosis("fail", asserts[0], asserts[1:3] + [where])
    if "Timed out" in text or done.timed_out:
        return Diagnosis("timed out", f"timed out after {timeout:g}s",
                         [f"an endless loop, or a wait nothing ends? {where}"])
    m = SIGNAL_LINE.search(text) if "CRASH" in text else None
    if m:
        return Diagnosis("crashed", "crashed (a signal)",
                         [f"after {_where(m.group(1), folder)}:{m.group(2)} {where}"])
    if re.search(r"Passing: 1\b", text):
        messages = xml_result.messages if xml_result else []
        return Diagnosis("fail", messages[0] if messages else "failed in the graded run",
                         ["but passed when run again alone: does it depend on other tests, "
                          f"the clock or uninitialised memory? {where}"])
    if xml_result and xml_result.messages and xml_result.messages[0] != "(null)":
        return Diagnosis("fail", xml_result.messages[0], [where])
    return Diagnosis("fail", "the test stopped without a failed assertion",
                     [f"did the code call exit()? {where}"])
