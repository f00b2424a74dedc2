"""Building a folder's host tests and running them under Criterion, each
child in its own process group with time and output limits (grade-all: in
a Sandbox): a test that hangs, crashes or floods costs its exercise only."""

import collections
import os
import re
import shutil
import signal
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

BUILD_TIMEOUT = 600  # seconds for one `make host-tests`
OUTPUT_KEPT = 256 * 1024  # bytes of a child's output kept
OUTPUT_LIMIT = 8 * 1024 * 1024  # bytes a child may print before it is stopped
RSS_LIMIT_MB = 256  # memory a test process may use (every test here needs under 96)

@dataclass
class Completed:
    returncode: int
    output: str
    timed_out: bool
    seconds: float
    flooded: bool = False  # it printed more than OUTPUT_LIMIT, and was stopped

def child_env(extra=None):
    """The environment for make and tests: no make flags inherited from an
    outer make (its CH=, DIR=, -j jobserver), messages in plain ASCII."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES", "GNUMAKEFLAGS")}
    env["LC_ALL"] = "C"
    env.update(extra or {})
    return env

# Seconds spent and processes started, by program (make, clang, a test
# binary, a stress program): make bench-grading says where its time went.
SPENT, STARTED, _tally = collections.Counter(), collections.Counter(), threading.Lock()

def program_kind(cmd):
    name = Path(cmd[0]).name
    return "tsan program" if "/tsan/" in cmd[0] else "criterion" if name == "host-tests" \
        else f"clang {'compile' if '-c' in cmd else 'link'}" if name == "clang" else name

def run(cmd, cwd=None, env=None, timeout=None, box=None, on_line=None):
    """cmd's output (OUTPUT_KEPT bytes of it), its process group killed after
    timeout or OUTPUT_LIMIT bytes, or when on_line(a line) returns True.
    box: (Sandbox, build folder, writable)."""
    start = time.monotonic()
    cmd = [str(c) for c in cmd]
    try:
        proc = subprocess.Popen(box[0].wrap(cmd, cwd, *box[1:]) if box else cmd, cwd=cwd,
                                env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, start_new_session=True)
    except OSError as e:
        return Completed(127, f"cannot run {cmd[0]}: {e.strerror}", False, 0.0)
    flooded, kept = threading.Event(), bytearray()

    def stop():
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass

    def drain():
        total, rest = 0, b""
        while chunk := proc.stdout.read1(65536):
            total += len(chunk)
            kept.extend(chunk[:max(0, OUTPUT_KEPT - len(kept))])
            if total > OUTPUT_LIMIT:
                flooded.set()
                return stop()
            *lines, rest = (rest + chunk).split(b"\n") if on_line else [b""]
            if any(on_line(line.decode("utf-8", "replace")) for line in lines):
                return stop()

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    timed_out = False
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
    finally:
        stop()  # also ends anything the child left behind (Criterion's workers)
        proc.wait()
    reader.join(timeout=5)
    proc.stdout.close()
    kind = program_kind(cmd)
    with _tally:
        SPENT[kind] += time.monotonic() - start
        STARTED[kind] += 1
    return Completed(proc.returncode, kept.decode("utf-8", "replace"), timed_out,
                     time.monotonic() - start, flooded.is_set())

class Sandbox:
    """Where grade-all builds and tests a submission. bubblewrap: no network,
    no other process, all read-only but the build folder; the home, /tmp,
    build/ and the submissions hidden. prlimit: CPU, file size, processes
    (per sandbox; root is exempt, so root's runs as nobody), the build's
    memory (tests: ASan's hard_rss_limit_mb). Without user namespaces, or
    with GRADE_SANDBOX=rlimits, only the limits."""

    LIMITS = ["--cpu=120", f"--fsize={64 << 20}"]
    NPROC, BUILD_MEMORY, TMP_SIZE = 64, 4 << 30, 64 << 20
    NOBODY = 65534

    def __init__(self, root, hide=()):
        self.root = Path(root).resolve()
        self.hide = [Path(p).resolve() for p in [Path.home(), *hide, "/tmp", "/etc/ssl"]]
        self.user = [f"--reuid={self.NOBODY}", f"--regid={self.NOBODY}",
                     "--clear-groups"] if os.getuid() == 0 else []
        self.mode, self.why = "bwrap", ""
        if os.environ.get("GRADE_SANDBOX") == "rlimits":
            self.why = "GRADE_SANDBOX=rlimits"
        elif not shutil.which("bwrap"):
            self.why = "bwrap is not installed (Debian package: bubblewrap)"
        else:
            base = self.root / "kernel-base"
            probe = run(["test", "-r", "build.mk"], base, timeout=60, box=(self, base, False))
            self.why = probe.returncode and (probe.output.strip() or "bwrap failed") or ""
        if self.why:
            self.mode, self.user = "rlimits", []

    def wrap(self, cmd, cwd, build, writable):
        """cmd run in the sandbox, in cwd, with build (a folder) visible, and
        writable if asked."""
        limits = ["prlimit", *self.LIMITS] + (["--as=%d" % self.BUILD_MEMORY] if writable else [])
        if self.mode != "bwrap":
            return limits + ["--", *cmd]
        # Hidden: each folder of self.hide not already under another (unless
        # that one holds the workbook, which is shown again); /tmp is empty.
        root, hide = self.root, self.hide + [self.root / "build"]
        hidden = [p for p in hide if p.is_dir() and not any(
            q in p.parents and q not in root.parents for q in hide)]
        args = ["setpriv", *self.user, "bwrap"] if self.user else ["bwrap"]
        args += ["--unshare-all", "--die-with-parent", "--new-session",
                "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc"]
        for inside in (False, True):
            for p in hidden:
                args += ["--size", self.TMP_SIZE, "--tmpfs", p] if inside == (root in p.parents) \
                    else []
            args += [] if inside else ["--ro-bind", root, root]
        args += ["--ro-bind", cwd, cwd, "--bind" if writable else "--ro-bind", build, build]
        for p in hidden:
            args += [] if p == Path("/tmp") else ["--remount-ro", p]
        args += ["--chdir", cwd]
        return [str(a) for a in args] + limits + [f"--nproc={self.NPROC}", "--", *cmd]

    def own(self, folder):
        """Let the sandbox's user (nobody, for root) write to folder."""
        if self.user:
            for path in [Path(folder), *Path(folder).rglob("*")]:
                os.lchown(path, self.NOBODY, self.NOBODY)

# ---- building ---------------------------------------------------------------

ERROR_LINE = re.compile(r"\berror\b|undefined reference|multiple definition|No rule to make "
                        r"target|cannot find|No such file", re.I)
NOISE = re.compile(r"^(make(\[\d+\])?: (Entering|Leaving|\*\*\* \[.*\] Error|\*\*\* Waiting|Target "
                   r"'.*' not remade)"
                   r"|\s+(HOSTCC|CC|LD|AS)\s|cc1: all warnings|collect2: error: ld returned)")

GOLD = " -fuse-ld=gold" if shutil.which("ld.gold") else ""
COMPILE_ERROR = re.compile(r"^(\S+?):\d+(?::\d+)?: (?:fatal )?error:", re.M)

def build(folder, build_dir, jobs, box=None):
    """`make host-tests` for folder into build_dir: (ok, the compiler's first
    error lines, the files that did not compile, how many it compiled).
    Objects do not depend on where the folder is (-ffile-prefix-map); gold
    and static sanitizers make linking and each test's start faster."""
    cc = f"gcc -pipe -ffile-prefix-map={Path(folder).resolve()}=. -static-libasan -static-libubsan"
    cmd = ["make", "-C", folder, "--no-print-directory", f"-j{jobs}", "-k", "host-tests",
           f"BUILD={build_dir}", f"CC={cc}{GOLD}"]
    done = run(cmd, folder, child_env(), BUILD_TIMEOUT, box and (box, build_dir, True))
    compiled = done.output.count("  HOSTCC  ")
    if done.returncode == 0 and not done.timed_out and (Path(build_dir) / "host-tests").is_file():
        return True, [], [], compiled
    if done.timed_out:
        return False, [f"the build did not finish in {BUILD_TIMEOUT} s"], [], compiled
    return False, first_errors(done.output, folder), error_files(done.output, folder), compiled

UNIT = re.compile(r"^(?:In file included from |\s+from )(\S+?):\d+[:,]$|^(\S+\.c): (?:In "
                  r"function|At top level)")

def error_files(output, folder):
    """The files being compiled at each error (a header's error counts
    against the source including it: a katomic_* macro), and the folder's
    own headers with an error."""
    files, unit = set(), None
    for line in output.splitlines():
        m = UNIT.match(line)
        if m:
            unit = m.group(1) or m.group(2)
            continue
        m = COMPILE_ERROR.match(line)
        if not m:
            continue
        named = _where(m.group(1), folder)
        if named.endswith(".c") or not unit:
            files.add(named)
        else:
            files.add(_where(unit, folder))
            if not Path(named).is_absolute() and not named.startswith(".."):
                files.add(named)
        unit = None if named.endswith(".c") else unit
    return sorted(files)

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

def list_tests(binary, cwd, box=None):
    """The tests in a Criterion binary, as suite/test, in its order."""
    done = run([binary, "--list"], cwd, child_env(), 60, box and (box, Path(binary).parent, False))
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
    status: str  # PASSED, FAILED, ERRORED, SKIPPED, MISSING (never reported), NOT RUN
    seconds: float = 0.0
    error: str = ""  # crash, timeout; or output (printed too much)
    messages: list = field(default_factory=list)  # why a test that never reported failed
    output: str = ""  # what it printed

    @property
    def failed(self):
        return self.status not in ("PASSED", "SKIPPED", "NOT RUN")

def filter_pattern(patterns):
    """A Criterion --filter for these names or globs (globs are cheaper:
    Criterion matches the filter for every test in every process)."""
    return patterns[0] if len(patterns) == 1 else "@(" + "|".join(patterns) + ")"

def test_env(seed, asan=""):
    """No LeakSanitizer (Criterion hides leaks anyway, and it doubles each
    test's cost) nor allocation stacks; an RSS limit; the environment's
    ASAN_OPTIONS last, overriding these."""
    asan = f"detect_leaks=0:malloc_context_size=0:hard_rss_limit_mb={RSS_LIMIT_MB}:{asan}"
    return child_env({"TEST_SEED": str(seed),
                      "ASAN_OPTIONS": asan + os.environ.get("ASAN_OPTIONS", ""),
                      "UBSAN_OPTIONS": "print_stacktrace=1:" + os.environ.get("UBSAN_OPTIONS", "")})

def run_tests(binary, tests, cwd, timeout, seed, box=None, stop_at_failure=False, globs=None):
    """{name: TestResult} of the tests, run one at a time by Criterion,
    each with what it printed. globs match exactly these tests. The run
    stops at a timeout or endless printing (or any failure, with
    stop_at_failure): the tests after it are NOT RUN."""
    wall = timeout * len(tests) + 30 + 0.5 * len(tests)
    seen = Progress(tests, stop_at_failure)
    cmd = [binary, "--filter", filter_pattern(globs or tests), "--timeout", f"{timeout:g}",
           "-j1", "--verbose", "--color=never"]
    done = run(cmd, cwd, test_env(seed), wall, box and (box, Path(binary).parent, False),
               on_line=seen.line)
    if done.flooded and seen.current:
        seen.results[seen.current] = TestResult(seen.current, "FAILED", 0.0, "output", [
            f"the tests printed more than {OUTPUT_LIMIT >> 20} MiB, and were stopped"])
    why = (f"the test run was stopped after {wall:.0f} s" if done.timed_out
           else "the test run ended before this test reported")
    for name in tests:
        if name not in seen.results:
            seen.results[name] = (TestResult(name, "NOT RUN") if done.flooded or seen.stuck else
                                  TestResult(name, "MISSING", 0.0,
                                             "timeout" if done.timed_out else "", [why]))
    return seen.results

class Progress:
    """Criterion's --verbose output, line by line: each test's result, with
    what it printed."""
    END = re.compile(r"\[(PASS|FAIL|SKIP)\] (\w+)::(\w+)(?:: (.*))?$")
    RUN = re.compile(r"\[RUN \] (\w+)::(\w+)$")

    def __init__(self, tests, stop_at_failure):
        self.tests, self.stop_at_failure, self.results, self.lines = set(tests), stop_at_failure, \
            {}, []
        self.current, self.stuck = None, False

    def line(self, text):
        """Take one line; True when the run is to stop."""
        run, end = self.RUN.match(text), self.END.match(text)
        self.current = f"{run[1]}/{run[2]}" if run else self.current
        name = end and f"{end[2]}/{end[3]}"
        if name not in self.tests:
            self.lines += [text] if len(self.lines) < 4000 else []
            return False
        why = end[4] or ""
        error = "timeout" if why.startswith("Timed out") else "crash" if why == "CRASH!" else ""
        status = {"PASS": "PASSED", "SKIP": "SKIPPED"}.get(end[1], "ERRORED" if error else "FAILED")
        seconds = re.search(r"\(([\d.]+)s\)$", why)
        result = TestResult(name, status, float(seconds[1]) if seconds else 0.0, error,
                            output="\n".join(self.lines))
        self.results[name], self.lines, self.current = result, [], None
        self.stuck = error == "timeout" or (self.stop_at_failure and result.failed)
        return self.stuck

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
RSS_LIMIT = re.compile(r"AddressSanitizer: hard rss limit exhausted \((\d+)Mb")
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

def diagnose(binary, test, cwd, timeout, seed, folder, result=None, box=None):
    """Why a test failed, in a learner's words: from its output in the
    graded run, else from a run of it alone."""
    where = f"(test {test})"
    found = result and result.output and explain(result.output, folder, where)
    if found:
        return found
    env = test_env(seed, "handle_abort=1:handle_sigill=1:handle_sigfpe=1:")
    cmd = [binary, "--filter", test, "--timeout", f"{timeout:g}", "-j1", "--color=never"]
    done = run(cmd, cwd, env, timeout + 30, box and (box, Path(binary).parent, False))
    text = done.output
    found = explain(text, folder, where)
    if found:
        return found
    if "Timed out" in text or done.timed_out:
        return Diagnosis("timed out", f"timed out after {timeout:g}s",
                         [f"an endless loop, or a wait nothing ends? {where}"])
    m = SIGNAL_LINE.search(text) if "CRASH" in text else None
    if m:
        return Diagnosis("crashed", "crashed (a signal)",
                         [f"after {_where(m.group(1), folder)}:{m.group(2)} {where}"])
    if re.search(r"Passing: 1\b", text):
        return Diagnosis("fail", "failed in the graded run",
                         ["but passed when run again alone: does it depend on other tests, "
                          f"the clock or uninitialised memory? {where}"])
    return Diagnosis("fail", "the test stopped without a failed assertion",
                     [f"did the code call exit()? {where}"])

def explain(text, folder, where):
    """The Diagnosis that a test's output gives for sure (a panic, a
    sanitizer's report, a failed assertion), or None."""
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
    m = RSS_LIMIT.search(text)
    if m:
        return Diagnosis("crashed", f"crashed: out of memory (the limit is {m.group(1)} MiB)",
                         [where])
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
    return Diagnosis("fail", asserts[0], asserts[1:3] + [where]) if asserts else None
