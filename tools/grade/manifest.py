"""The exercise manifest: the file `exercises` of a chapter folder.

    exercise 1.1: The countdown's poll     (blank lines separate exercises)
    points: 10
    tests: countdown/pending_exactly_n_times countdown/*
    hint: Which two outcomes can a poll have?    (repeated: a ladder of hints;
      an indented line continues the one above)
    needs: 1.0        (optional: earlier exercises whose code its tests run)
    timeout: 10       (optional: seconds per test)
    tsan: ring        (optional: tests/tsan/ programs it must pass too)
"""

import re
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path

MANIFEST_NAME = "exercises"
ID_RE = r"[0-9]+(?:\.[0-9]+)*[a-z]?"
HEADER = re.compile(r"^exercise\s+(" + ID_RE + r")\s*:\s*(\S.*?)\s*$")
FIELD = re.compile(r"^([a-z]+)\s*:\s*(.*?)\s*$")
FIELDS = ("points", "tests", "hint", "timeout", "needs", "tsan")
REQUIRED = ("points", "tests", "hint")

class ManifestError(Exception):
    """A problem in a manifest or in the exercise regions, with file:line."""

@dataclass
class Exercise:
    id: str
    title: str
    points: int = 0
    tests: list = field(default_factory=list)  # patterns, as written
    hints: list = field(default_factory=list)  # the ladder, nudge first
    timeout: float = 0.0  # 0: the grader's default
    needs: list = field(default_factory=list)  # exercises whose code its tests run too
    tsan: list = field(default_factory=list)  # tests/tsan/ programs it must pass too
    line: int = 0  # where `exercise` is written, for messages

    @property
    def hint(self):
        return self.hints[0] if self.hints else ""

    def matches(self, test_name):
        return any(fnmatchcase(test_name, p) for p in self.tests)

    def resolve(self, test_names):
        """The tests this exercise runs, in the binary's order."""
        return [t for t in test_names if self.matches(t)]

def parse(path):
    """Read a manifest; raises ManifestError naming file:line."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as e:
        raise ManifestError(f"{path}: cannot read the exercise manifest ({e.strerror})")
    exercises, current, last_key, seen = [], None, None, set()

    def fail(lineno, msg):
        raise ManifestError(f"{path}:{lineno}: {msg}")

    def finish():
        if current is None:
            return
        missing = [k + ":" for k in REQUIRED if k not in seen]
        if missing:
            fail(current.line, f"exercise {current.id} has no {' or '.join(missing)} line")
        exercises.append(current)

    for lineno, raw in enumerate(lines, 1):
        line = raw.rstrip()
        if line.lstrip().startswith("#"):
            continue
        if not line.strip():
            finish()
            current, last_key = None, None
            continue
        if raw[:1] in (" ", "\t"):
            if current is None or last_key != "hint":
                fail(lineno, "an indented line continues only a hint")
            current.hints[-1] += " " + line.strip()
            continue
        m = HEADER.match(line)
        if m:
            if current is not None:
                fail(lineno, "put a blank line between two exercises")
            if any(e.id == m.group(1) for e in exercises):
                fail(lineno, f"exercise {m.group(1)} is listed twice")
            current = Exercise(id=m.group(1), title=m.group(2), line=lineno)
            last_key, seen = None, set()
            continue
        if line.startswith("exercise"):
            fail(lineno, "expected 'exercise N.M: Title'")
        m = FIELD.match(line)
        if not m or m.group(1) not in FIELDS:
            fail(lineno, f"expected one of {', '.join(k + ':' for k in FIELDS)} "
                         f"or 'exercise N.M: Title'")
        if current is None:
            fail(lineno, f"'{m.group(1)}:' before any 'exercise N.M: Title' line")
        key, value = m.group(1), m.group(2)
        if key in seen and key != "hint":
            fail(lineno, f"exercise {current.id} has two '{key}:' lines")
        seen.add(key)
        last_key = key
        if key == "points":
            if not re.fullmatch(r"[0-9]+", value) or int(value) <= 0:
                fail(lineno, "points: must be a whole number above 0")
            current.points = int(value)
        elif key == "needs":
            current.needs = value.split()
            for need in current.needs:
                if not re.fullmatch(ID_RE, need):
                    fail(lineno, f"needs: '{need}' is not an exercise id")
        elif key == "tsan":
            current.tsan = value.split()
        elif key == "timeout":
            try:
                current.timeout = float(value)
            except ValueError:
                fail(lineno, "timeout: must be a number of seconds")
            if current.timeout <= 0:
                fail(lineno, "timeout: must be above 0")
        elif key == "tests":
            current.tests = value.split()
            if not current.tests:
                fail(lineno, "tests: names at least one test, as suite/test")
            for pattern in current.tests:
                if "/" not in pattern:
                    fail(lineno, f"test '{pattern}' is not written suite/test")
        elif key == "hint":
            if not value:
                fail(lineno, "hint: is empty")
            current.hints.append(value)
    finish()
    if not exercises:
        raise ManifestError(f"{path}: no exercises in the manifest")
    ids = [e.id for e in exercises]
    for ex in exercises:
        for need in ex.needs:
            if need not in ids[:ids.index(ex.id)]:
                fail(ex.line, f"exercise {ex.id} needs {need}, which is not an earlier exercise")
    return exercises

def check_tests(exercises, test_names, where):
    """Every pattern must match a test of the built binary."""
    problems = []
    for ex in exercises:
        for pattern in ex.tests:
            if not any(fnmatchcase(t, pattern) for t in test_names):
                problems.append(f"{where}:{ex.line}: exercise {ex.id}: no test matches "
                                f"'{pattern}' (the binary has: {', '.join(test_names) or 'none'})")
    return problems
