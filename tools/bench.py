#!/usr/bin/env python3
"""make bench's driver: run the figures, measure the kernels, report.

  bench.py run --out DIR [--c PROG]... [--rust PROG] [--kernel NN-name]...
               [--flood NAME]... [--quick] [--only SUBSTR] [--count]
               [--rust-lto]
               [--update-book FILE] [--cflags FLAGS]
  bench.py markdown DATA (table|instructions|idle|keys|lost|two|machine|value KEY...)
  bench.py chart DATA OUTDIR

`run` runs every C and Rust figure program (bench/harness.h's protocol:
`name<TAB>ns_per_op` on stdout, min and max on stderr) ROUNDS times, taking
turns, and keeps the median of the rounds; with --count callgrind also counts
instructions per operation. Then it boots the kernels: every chapter's, for
the host CPU QEMU uses while it idles; one whose image prints `bench: ready`
with `bench` on its command line, for the figures of the keys it types itself
from the timer interrupt (`bench: key NAME=VALUE ...`, KEY_COUNT of them,
under -icount shift=0,sleep=off, where the TSC counts guest instructions, so
latency_tsc is recorded as latency_insns); one that prints `bench: batch`
(chapter 06) on two CPUs, for its cross-CPU wakes (`bench: wake ...`) and a
compute batch's speedup, timed again in boots without -icount; and each
--flood kernel, for the wakes from interrupts lost in chapter 05's key-flood
test. It prints one table and writes DIR/results.json and the charts
DIR/*.svg. `markdown` formats a piece of the book page from a results file
(the book's filters/bench-data.lua: the book never runs a benchmark);
`chart` draws a results file's charts with gnuplot.
"""
import argparse
import datetime
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

TOOLS = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(TOOLS)

# Each C figure and the Rust figure that does the same work (bench/rust).
# The target is the C/Rust ratio the C side should reach (measured, never
# tested); a note, printed beside the ratio, says why a pair cannot reach it
# (the costs appendix has the instruction counts and the disassembly).
FENCE_BOUND = "fence-bound: each pop pays Chase-Lev's store-load fence (a locked or), both sides"
PAIRS = [
    ("block_on_yield_0", "block_on_yield_0", 1.0),
    ("block_on_yield_10", "block_on_yield_10", 0.5),
    ("block_on_yield_50", "block_on_yield_50", 0.5),
    ("ring_push_pop", "arrayqueue_push_pop", 0.5),
    ("atomic_waker_register_wake", "atomicwaker_register_wake", 0.5),
    ("executor_spawn_run", "blogos_executor_spawn_run", 0.5),
    ("executor_yield", "blogos_executor_yield", 0.5),
    ("deque_push_pop", "worker_push_pop", 0.5, FENCE_BOUND),
    ("deque_steal", "stealer_steal", 0.5,
     "deque.c fences before the CAS: 2 locked insns, as crossbeam; x86 needs 1 (_seqcst)"),
    # deque.c with the change the appendix recommends (bench/deque_seqcst.c).
    ("deque_push_pop_seqcst", "worker_push_pop", None, FENCE_BOUND),
    ("deque_steal_seqcst", "stealer_steal", 0.5, None),
    # Chapter 06's executor on two host-thread CPUs (bench/spawn2.c).
    ("spawn2_spawn_run", "tokio_spawn_run", 0.5),
    ("spawn2_spawn_run", "async_executor_spawn_run", 0.5),
    ("simple_executor_yield", None, None),
    ("executor_yield_floor", None, None),  # an indirect call and a queue slot: the floor
    # The same C code with SMP-safe atomics (the lock prefix), for the cost of SMP.
    ("ring_push_pop_smp", "arrayqueue_push_pop", None),
    ("atomic_waker_register_wake_smp", "atomicwaker_register_wake", None),
]

ROUNDS = 3  # runs of each figure program, taking turns with the other side (QUICK: 1)
IDLE_SECONDS, IDLE_SECONDS_QUICK = 10.0, 2.0
KEY_COUNT, KEY_COUNT_QUICK = 20, 5
SPEEDUP_BOOTS, SPEEDUP_BOOTS_QUICK = 3, 1
BOOT_TIMEOUT = 5.0
KEY_TIMEOUT = 60.0
TWO_CPUS_TIMEOUT = 90.0  # two batches of compute, before the keys
ICOUNT = ["-icount", "shift=0,sleep=off"]  # deterministic: a TSC cycle is an instruction
TWO_CPUS = ["-smp", "2"]
FIGURE_LINE = re.compile(r"(\S+)\s+([0-9.]+) ns/op\s+\(min ([0-9.]+), max ([0-9.]+)")
OPS_LINE = re.compile(r"(\S+): \d+ iterations of (\d+) ops")
INSTRUCTIONS_PER_RUN = 2e7  # per figure and run under callgrind: about a second
KEY_LINE, WAKE_LINE, BATCH_LINE = (re.compile(r"bench: %s((?: \w+=-?\d+)+)\s*$" % kind)
                                   for kind in ("key", "wake", "batch"))
FLOOD_TEST = "lost_wakeups_in_a_key_flood"
FLOOD_LINE = re.compile(r"(\d+) of (\d+) wakes from interrupts lost; keyboard task: "
                        r"(\d+) scancodes in (\d+) polls")


def fail(message):
    sys.exit("bench.py: " + message)


def spread(values):
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


# ---- host figures --------------------------------------------------------------

def selection(only):
    """The program arguments for ONLY: the figures it names and their partners."""
    if not only:
        return []
    names = set()
    for c, rust, *_ in PAIRS:
        if only in c or (rust and only in rust):
            names.update(n for n in (c, rust) if n)
    return sorted(names) or [only]


def run_figures(program, args, quick):
    """Runs one figure program; returns {name: {median_ns, min_ns, max_ns}}."""
    env = dict(os.environ, BENCH_QUICK="1" if quick else "0")
    proc = subprocess.run([program] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, env=env)
    sys.stderr.write(proc.stderr)
    if proc.returncode != 0:
        fail("%s exited with %d" % (program, proc.returncode))
    details = {m.group(1): m for m in map(FIGURE_LINE.match, proc.stderr.splitlines()) if m}
    figures = {}
    for line in proc.stdout.splitlines():
        name, ns, *rest = line.split("\t")
        d = details.get(name)
        figures[name] = {"median_ns": float(ns),
                         "min_ns": float(d.group(3)) if d else None,
                         "max_ns": float(d.group(4)) if d else None}
        if rest:  # the C side: cli and sti per operation, counted, not timed
            figures[name]["cli_sti_per_op"] = float(rest[0])
    return figures


def run_rounds(programs, selected, rounds, quick):
    """Runs every program `rounds` times, taking turns (C, Rust, C, Rust...), so
    that both sides sample the same stretch of a busy machine's noise; a
    figure is the median of its rounds' medians, with the extremes of all."""
    runs = {}
    for r in range(rounds):
        if rounds > 1:
            print("== round %d of %d" % (r + 1, rounds), file=sys.stderr)
        for program in programs:
            for name, f in run_figures(program, selected, quick).items():
                runs.setdefault(program, {}).setdefault(name, []).append(f)
    results = {}
    for program, figures in runs.items():
        results[program] = {name: {
            "median_ns": statistics.median(f["median_ns"] for f in fs),
            "min_ns": min((f["min_ns"] for f in fs if f["min_ns"] is not None), default=None),
            "max_ns": max((f["max_ns"] for f in fs if f["max_ns"] is not None), default=None),
            "rounds": [f["median_ns"] for f in fs]} for name, fs in figures.items()}
    return results


def valgrind_instructions(program, figure, iterations):
    env = dict(os.environ, BENCH_ITERATIONS=str(iterations))
    proc = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
                           program, figure], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                          text=True, env=env)
    m = re.search(r"refs:\s+([\d,]+)", proc.stderr)
    if proc.returncode != 0 or not m:
        fail("callgrind on %s %s failed:\n%s" % (program, figure, proc.stderr))
    return int(m.group(1).replace(",", ""))


def instructions(program, figures):
    """Instructions per operation of each figure, counted by callgrind: the
    same on every run (times are not), so the book can explain a figure by
    them. Counted for N and 2N iterations; the difference is N iterations'
    worth, without the program's start-up and the harness."""
    counts = {}
    for name, f in figures.items():
        probe = subprocess.run([program, name], stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True,
                               env=dict(os.environ, BENCH_ITERATIONS="0"))
        m = OPS_LINE.search(probe.stderr)
        ops = int(m.group(2)) if m else 1
        # About INSTRUCTIONS_PER_RUN instructions, judging by the median time.
        per_iteration = max(f["median_ns"] * ops, 1.0)
        iterations = max(2, int(INSTRUCTIONS_PER_RUN / (per_iteration * 3)))
        a = valgrind_instructions(program, name, iterations)
        b = valgrind_instructions(program, name, 2 * iterations)
        counts[name] = round((b - a) / (iterations * ops), 1)
        print("instructions %-28s %8.1f per op (callgrind)" % (name, counts[name]),
              file=sys.stderr)
    return counts


def pair_figures(c, rust):
    pairs = []
    for c_name, rust_name, target, *note in PAIRS:
        cf, rf = c.get(c_name, {}), rust.get(rust_name, {})
        c_ns, rust_ns = cf.get("median_ns"), rf.get("median_ns")
        if c_ns is None and rust_ns is None:
            continue
        pairs.append({"c": c_name, "rust": rust_name, "c_ns": c_ns, "rust_ns": rust_ns,
                      "ratio": round(c_ns / rust_ns, 3) if c_ns is not None and rust_ns else None,
                      "target": target, "note": note[0] if note else None,
                      "c_instructions": cf.get("instructions"),
                      "rust_instructions": rf.get("instructions")})
    return pairs


# ---- the kernels in QEMU ------------------------------------------------------------

def qemu_command(kernel, append):
    """tools/qemu-test.py's QEMU command line, so the bench boots what the tests boot."""
    import importlib.util
    spec = importlib.util.spec_from_file_location("qemu_test", os.path.join(TOOLS, "qemu-test.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.qemu_command(kernel, append)


class Qemu:
    """One QEMU process, its serial output collected by a thread (a kernel that
    prints a lot must never block on a full pipe)."""

    def __init__(self, kernel, append="", extra=()):
        self.proc = subprocess.Popen(qemu_command(kernel, append) + list(extra),
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL)
        self.output = b""
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for chunk in iter(lambda: self.proc.stdout.read1(4096), b""):
            self.output += chunk

    def lines(self):
        """The lines printed so far, each whole: one still being printed is
        left out (a key line cut short would count with its figures missing)."""
        return self.output.decode("utf-8", "replace").replace("\r", "").split("\n")[:-1]

    def wait_for(self, predicate, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.proc.poll() is None:
            if predicate(self):
                return True
            time.sleep(0.01)
        return predicate(self)

    def cpu_seconds(self):
        """utime + stime of the QEMU process, all its threads, from /proc/PID/stat."""
        with open("/proc/%d/stat" % self.proc.pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        self.reader.join(timeout=1)


def kernel_image(chapter):
    """A private copy of the chapter's image: build/NN-name/ is shared with
    every other build of the tree, and an image being rewritten while QEMU
    loads it does not boot."""
    source = os.path.join(ROOT, "build", chapter, "kernel32.elf")
    copy = os.path.join(ROOT, "build", "bench", "kernels", chapter + ".elf")
    os.makedirs(os.path.dirname(copy), exist_ok=True)
    shutil.copyfile(source, copy)
    return copy


def image_has(chapter, text):
    """Whether the kernel can print `text`: one that cannot needs no boot (and
    no time-out waiting for a line that never comes)."""
    with open(kernel_image(chapter), "rb") as f:
        return text.encode() in f.read()


def line_values(regex, lines):
    """NAME=VALUE pairs of every line that matches, as a list of dicts."""
    return [dict((n, int(v)) for n, v in (pair.split("=") for pair in m.group(1).split()))
            for m in map(regex.search, lines) if m]


def idle_cpu(chapter, seconds):
    """Host CPU time of QEMU over `seconds` after the kernel's first serial line,
    as a percentage of one core: ~100 % for a kernel that polls, well under 2 %
    for one that halts."""
    for attempt in range(2):  # a second try, for a machine too busy to boot in time
        qemu = Qemu(kernel_image(chapter))
        if qemu.wait_for(lambda q: b"\n" in q.output, BOOT_TIMEOUT):
            break
        qemu.stop()
    else:
        print("bench: %s printed nothing in %.0f s; no idle figure" % (chapter, BOOT_TIMEOUT),
              file=sys.stderr)
        return None
    try:
        cpu0, wall0 = qemu.cpu_seconds(), time.monotonic()
        time.sleep(seconds)
        if qemu.proc.poll() is not None:
            print("bench: %s exited while idling; no idle figure" % chapter, file=sys.stderr)
            return None
        cpu1, wall1 = qemu.cpu_seconds(), time.monotonic()
    finally:
        qemu.stop()
    percent = 100.0 * (cpu1 - cpu0) / (wall1 - wall0)
    print("idle_cpu %-20s %6.1f %% of a core over %.0f s" % (chapter, percent, seconds),
          file=sys.stderr)
    return {"percent": round(percent, 2), "seconds": seconds}


def key_figures(chapter, keys):
    """The per-key figures of a kernel that prints `bench: ready`, or None; and
    for a kernel of two CPUs the lines of that boot (for two_cpus), or None."""
    if not image_has(chapter, "bench: ready"):
        return None, None
    two = image_has(chapter, "bench: batch")
    qemu = Qemu(kernel_image(chapter), "bench", ICOUNT + (TWO_CPUS if two else []))
    try:
        if not qemu.wait_for(lambda q: "bench: ready" in q.lines(),
                             TWO_CPUS_TIMEOUT if two else BOOT_TIMEOUT):
            return None, None
        # The kernel types the keys itself (kernel-base's bench_keys.c).
        typed = qemu.wait_for(lambda q: len(line_values(KEY_LINE, q.lines())) >= keys,
                              KEY_TIMEOUT)
    finally:
        qemu.stop()
    values = {}
    for line in line_values(KEY_LINE, qemu.lines()):
        for name, value in line.items():
            # Under ICOUNT the TSC counts instructions.
            values.setdefault("latency_insns" if name == "latency_tsc" else name, []).append(value)
    if not typed:
        fail("%s: %d of %d keys in %.0f s" % (chapter, len(values.get("polls", [])), keys,
                                              KEY_TIMEOUT))
    figures = {name: dict(spread(v[:keys]), keys=len(v[:keys])) for name, v in values.items()}
    for name, f in sorted(figures.items()):
        print("key %-8s %-20s median %s (min %s, max %s; %d keys)" % (
            name, chapter, f["median"], f["min"], f["max"], f["keys"]), file=sys.stderr)
    return figures, (qemu.lines() if two else None)


def two_cpus(chapter, lines, boots):
    """Chapter 06's figures of two CPUs (None for another kernel): the guest
    instructions from a wake on CPU 0 to the poll on CPU 1 and the IPIs per
    wake, from `lines` (key_figures' boot under ICOUNT); and a compute batch's
    speedup on two CPUs against one, from `boots` boots without ICOUNT (under
    it QEMU runs both CPUs in one host thread, so the speedup would be 1)."""
    if lines is None:
        return None
    figures = {}
    wakes = line_values(WAKE_LINE, lines)
    if wakes:
        figures["wake"] = {"latency_insns": spread([w["latency_tsc"] for w in wakes]),
                           "ipis_per_wake": sum(w["ipis"] for w in wakes) / len(wakes),
                           "on_other_cpu": sum(1 for w in wakes if w["cpu"] != 0),
                           "wakes": len(wakes)}
    batch = line_values(BATCH_LINE, lines)
    if batch:
        figures["batch_icount"] = batch[0]
    runs = []
    for _ in range(boots):
        qemu = Qemu(kernel_image(chapter), "bench", TWO_CPUS)
        try:
            qemu.wait_for(lambda q: any(BATCH_LINE.search(l) for l in q.lines()),
                          TWO_CPUS_TIMEOUT)
            runs += line_values(BATCH_LINE, qemu.lines())[:1]
        finally:
            qemu.stop()
    if runs:
        figures["batch"] = {"speedup": spread([r["speedup_x100"] / 100 for r in runs]),
                            "boots": len(runs), "runs": runs,
                            "load_average": round(os.getloadavg()[0], 2)}
    for line in two_cpus_lines(chapter, figures):
        print("two_cpus" + line, file=sys.stderr)
    return figures or None


def lost_wakeups(kernel):
    """The key flood of chapter 05's kernel test, booted alone under ICOUNT:
    the wakes from interrupts the executor slept through, of all it had, and
    the keyboard task's scancodes and polls. None for a kernel without it."""
    if not image_has(kernel, FLOOD_TEST):
        return None
    qemu = Qemu(kernel_image(kernel), "test=" + FLOOD_TEST, ICOUNT)
    try:
        qemu.wait_for(lambda q: q.proc.poll() is not None, 30.0)
        m = next(filter(None, map(FLOOD_LINE.search, qemu.lines())), None)
        passed = any(FLOOD_TEST + " ... ok" in line for line in qemu.lines())
    finally:
        qemu.stop()
    if not m or not passed:
        fail("%s: the %s test did not pass:\n%s" % (kernel, FLOOD_TEST, "\n".join(qemu.lines())))
    lost, wakes, scancodes, polls = map(int, m.groups())
    figures = {"lost": lost, "irq_wakes": wakes, "scancodes": scancodes, "polls": polls}
    print("lost_wakeups" + flood_line(kernel, figures), file=sys.stderr)
    return figures


# ---- the machine -------------------------------------------------------------------

def first_line(command):
    try:
        out = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                             text=True).stdout
        return out.splitlines()[0].strip() if out else None
    except OSError:
        return None


def machine(cflags, rustc, rust_lto):
    with open("/proc/cpuinfo") as f:
        cpu = next((line.split(":", 1)[1].strip() for line in f
                    if line.startswith("model name")), None)
    return {
        "cpu": cpu or platform.processor(),
        "cores": os.cpu_count(),
        "os": first_line(["sh", "-c", ". /etc/os-release && echo \"$PRETTY_NAME\""]),
        "compiler": first_line(["gcc", "--version"]),
        "cflags": cflags.replace(ROOT + "/", ""),
        "build": "C %s; Rust with cargo's release profile%s" % (
            "with link-time optimisation" if "-flto" in cflags else "a file at a time",
            ", fat LTO in one codegen unit" if rust_lto else ""),
        "rustc": first_line([rustc, "--version"]) if rustc else None,
        "qemu": first_line(["qemu-system-x86_64", "--version"]),
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        # Other work on the machine during the run: the noise in the times.
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


# ---- presentation ------------------------------------------------------------------

def fmt(value, digits=2):
    return "–" if value is None else "%.*f" % (digits, value)


def pair_name(p):
    return p["c"] if p["rust"] in (None, p["c"]) else "%s / %s" % (p["c"], p["rust"])


def table_rows(results, instructions=False):
    rows = []
    for p in results["pairs"]:
        target = "" if p["target"] is None else "≤ %.1f" % p["target"]
        row = (pair_name(p), fmt(p["c_ns"]), fmt(p["rust_ns"]), fmt(p["ratio"]), target)
        if instructions:
            row += (fmt(p.get("c_instructions"), 0), fmt(p.get("rust_instructions"), 0))
        rows.append(row)
    return rows


def two_cpus_lines(chapter, f):
    """The two-CPU figures of one chapter, for the table (and the run's log)."""
    w, b = f.get("wake"), f.get("batch")
    lines = []
    if w:
        lines.append("  %-20s cross-CPU wake to poll: %g guest instructions (%g-%g), "
                     "%.2f IPIs per wake" % (chapter, w["latency_insns"]["median"],
                                             w["latency_insns"]["min"],
                                             w["latency_insns"]["max"], w["ipis_per_wake"]))
    if b:
        lines.append("  %-20s compute batch, 2 CPUs against 1: speedup %.2f (%.2f-%.2f, "
                     "%d boots; load average %.1f)" % (
                         chapter, b["speedup"]["median"], b["speedup"]["min"],
                         b["speedup"]["max"], b["boots"], b["load_average"]))
    return lines


def flood_line(kernel, f):
    return "  %-20s %d of %d wakes from interrupts lost; %d scancodes in %d polls" % (
        kernel, f["lost"], f["irq_wakes"], f["scancodes"], f["polls"])


def print_table(results):
    header = ("figure (C / Rust)", "C ns/op", "Rust ns/op", "C/Rust", "target", "C insns",
              "Rust insns")
    rows = [header] + table_rows(results, instructions=True)
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    notes = [None] + [p.get("note") for p in results["pairs"]]
    for i, row in enumerate(rows if len(rows) > 1 else []):
        print("  ".join(c.ljust(widths[0]) if j == 0 else c.rjust(widths[j])
                        for j, c in enumerate(row)).rstrip()
              + ("  " + notes[i] if notes[i] else ""))
        if i == 0:
            print("  ".join("-" * w for w in widths))
    qemu, icount = results["qemu"], " ".join(ICOUNT)
    if qemu["idle_cpu"]:
        print("\nQEMU, host CPU while the kernel idles (% of one core):")
        for chapter, f in sorted(qemu["idle_cpu"].items()):
            print("  %-20s %s" % (chapter, "–" if f is None else "%.1f %%" % f["percent"]))
    keys = qemu["key"]
    if keys:
        count = max(f["keys"] for figures in keys.values() for f in figures.values())
        print("\nQEMU, per key (%s; median, min-max of %d keys):" % (icount, count))
        names = sorted({n for figures in keys.values() for n in figures})
        print("  %-20s %s" % ("", "".join("%24s" % n for n in names)))
        for chapter, figures in sorted(keys.items()):
            print("  %-20s %s" % (chapter, "".join("%24s" % (
                "%g (%g-%g)" % (figures[n]["median"], figures[n]["min"], figures[n]["max"])
                if n in figures else "–") for n in names)))
    if qemu.get("two_cpus"):
        print("\nQEMU, two CPUs (wakes under %s; the batch without it, median of boots):"
              % icount)
        for chapter, f in sorted(qemu["two_cpus"].items()):
            print("\n".join(two_cpus_lines(chapter, f)))
    if qemu.get("lost_wakeups"):
        print("\nQEMU, a key flood while the executor idles (%s):" % icount)
        for kernel, f in sorted(qemu["lost_wakeups"].items()):
            print(flood_line(kernel, f))


def md_table(header, dashes, rows):
    """A pandoc pipe table; the dashes set the columns' relative widths."""
    return "\n".join(["| %s |" % " | ".join(header),
                      "|:%s|%s" % ("-" * dashes[0], "".join("%s:|" % ("-" * d)
                                                             for d in dashes[1:]))]
                     + ["| %s |" % " | ".join(row) for row in rows])


def span(f, digits=0):
    return "%s (%s to %s)" % tuple(fmt(f[k], digits) for k in ("median", "min", "max"))


def markdown(results, what, keys):
    qemu = results["qemu"]
    if what == "table":
        return md_table(("figure (C / Rust)", "C ns/op", "Rust ns/op", "C/Rust", "target"),
                        (44, 9, 10, 8, 8),
                        [("`%s`" % row[0].replace(" / ", "` / `"),) + row[1:]
                         for row in table_rows(results)])
    if what == "instructions":
        return md_table(("figure (C / Rust)", "C instructions/op", "Rust instructions/op"),
                        (44, 14, 14),
                        [("`%s`" % pair_name(p).replace(" / ", "` / `"),
                          fmt(p.get("c_instructions"), 0), fmt(p.get("rust_instructions"), 0))
                         for p in results["pairs"] if p.get("c_instructions") is not None
                         or p.get("rust_instructions") is not None])
    if what == "idle":
        return md_table(("chapter", "host CPU while idle"), (30, 20),
                        [(chapter, "–" if f is None else "%.1f %%" % f["percent"])
                         for chapter, f in sorted(qemu["idle_cpu"].items())])
    if what == "keys":
        return md_table(("chapter", "polls per key", "interrupt to task (guest instructions)"),
                        (24, 24, 30),
                        [(chapter,) + tuple(span(f[n]) if n in f else "–"
                                            for n in ("polls", "latency_insns"))
                         for chapter, f in sorted(qemu["key"].items())])
    if what == "lost":
        return md_table(("kernel", "wakes from interrupts lost",
                         "keyboard task: scancodes, polls"), (24, 28, 30),
                        [(kernel, "%d of %d" % (f["lost"], f["irq_wakes"]),
                          "%d, %d" % (f["scancodes"], f["polls"]))
                         for kernel, f in sorted((qemu.get("lost_wakeups") or {}).items())])
    if what == "two":
        two = qemu.get("two_cpus") or {}
        if not two:
            return ("*(No two-CPU figures in this results file yet: "
                    "`make bench UPDATE_BOOK=1` measures them.)*")
        rows = []
        for chapter, f in sorted(two.items()):
            w, b = f.get("wake"), f.get("batch")
            rows.append((chapter, span(w["latency_insns"]) if w else "–",
                         fmt(w["ipis_per_wake"]) if w else "–",
                         "%s× (%s to %s, %d boots)" % (
                             fmt(b["speedup"]["median"]), fmt(b["speedup"]["min"]),
                             fmt(b["speedup"]["max"]), b["boots"]) if b else "–"))
        return md_table(("chapter", "cross-CPU wake to poll (guest instructions)",
                         "IPIs per wake", "compute batch, 2 CPUs against 1"),
                        (16, 30, 12, 30), rows)
    if what == "machine":
        m = results["machine"]
        load = m.get("load_average")
        return ("Measured on %s (%d cores), %s, %s; %s; %s, on %s; %s%s." % (
            m["cpu"], m["cores"], m["os"], m["compiler"], m["rustc"] or "no Rust",
            m["qemu"], m["date"][:10], m.get("build", "C with link-time optimisation"),
            " (load average %.1f: a shared machine)" % load[0] if load and load[0] > 1.5 else ""))
    value = results  # what == "value": the value at keys, as the tables show it
    for key in keys:
        if not isinstance(value, dict) or key not in value:
            fail("no %s in the results" % "/".join(keys))
        value = value[key]
    if isinstance(value, float):  # one decimal at most, as the tables show them
        return "%d" % value if value == int(value) else "%.1f" % value
    return str(value)


SVG_TERMINAL = ('set terminal svg size 760,380 dynamic noenhanced font "Helvetica,12" '
                'background rgb "white"\n')
PAIRS_CHART = SVG_TERMINAL + """
set output 'OUTPUT'
set datafile missing '-'
set style data histogram
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set logscale y
set ylabel 'ns per operation (log scale; lower is better)'
set xtics rotate by -30 scale 0
set key outside top center horizontal
set grid ytics
plot PLOTS
"""
IDLE_CHART = SVG_TERMINAL + """
set output 'OUTPUT'
set style data histogram
set style fill solid 0.85 border -1
set yrange [0:110]
set ylabel 'host CPU of QEMU while idle (% of one core)'
set xtics scale 0
set grid ytics
unset key
plot 'DATA' using 2:xtic(1) lc rgb '#c0392b', '' using 0:2:(sprintf('%.1f %%', $2)) \
     with labels offset 0,0.8 notitle
"""


def charts(results, out):
    """c-vs-rust.svg: both sides per figure (log scale: the figures span two
    orders of magnitude); idle-cpu.svg: QEMU's host CPU per chapter. A chart
    with nothing to draw is removed (it would be an earlier run's)."""
    os.makedirs(out, exist_ok=True)
    # gnuplot warns about a column without a single value (RUST=0, ONLY=...):
    # plot only the sides that were measured.
    sides = [(column, title, colour) for column, key, title, colour in (
        (2, "c_ns", "C (this workbook)", "#1f5fbf"),
        (3, "rust_ns", "Rust (futures, crossbeam, the post)", "#c9a227"))
        if any(p[key] is not None for p in results["pairs"])]
    plots = ", ".join("'%s' using %d%s title '%s' lc rgb '%s'" % (
        "" if i else "DATA", column, "" if i else ":xtic(1)", title, colour)
        for i, (column, title, colour) in enumerate(sides))
    pairs = ['"%s" %s %s\n' % (p["c"], fmt(p["c_ns"], 3).replace("–", "-"),
                               fmt(p["rust_ns"], 3).replace("–", "-")) for p in results["pairs"]]
    idle = ['"%s" %.2f\n' % (chapter, f["percent"])
            for chapter, f in sorted(results["qemu"]["idle_cpu"].items()) if f]
    with tempfile.TemporaryDirectory() as tmp:
        for name, rows, script in (("c-vs-rust.svg", pairs if sides else [],
                                    PAIRS_CHART.replace("PLOTS", plots)),
                                   ("idle-cpu.svg", idle, IDLE_CHART)):
            path, data = os.path.join(out, name), os.path.join(tmp, name + ".dat")
            if not rows:
                if os.path.exists(path):
                    os.remove(path)
                continue
            with open(data, "w") as f:
                f.writelines(rows)
            proc = subprocess.run(["gnuplot"], text=True, stderr=subprocess.PIPE,
                                  input=script.replace("DATA", data).replace("OUTPUT", path))
            if proc.returncode != 0 or proc.stderr.strip():
                fail("gnuplot: " + proc.stderr.strip())


# ---- commands ----------------------------------------------------------------------

def command_run(args):
    programs = args.c + ([args.rust] if args.rust else [])
    measured = run_rounds(programs, selection(args.only), 1 if args.quick else ROUNDS,
                          args.quick)
    c, rust = {}, {}
    for program in programs:
        figures = measured.get(program, {})
        counts = instructions(program, figures) if args.count else {}
        if program == args.rust:
            rust = {name: dict(f, instructions=counts.get(name)) for name, f in figures.items()}
            continue
        chapter_file = program + ".chapter"
        chapter = open(chapter_file).read().strip() if os.path.exists(chapter_file) else None
        for name, f in figures.items():
            c[name] = dict(f, chapter=chapter, instructions=counts.get(name))
    qemu = {"idle_cpu": {}, "key": {}, "lost_wakeups": {}, "two_cpus": {}}
    # ONLY=idle (or idle_cpu) picks these; ONLY=key the per-key figures; ONLY=lost the flood.
    if not args.only or args.only in "idle_cpu":
        for chapter in args.kernel:
            qemu["idle_cpu"][chapter] = idle_cpu(
                chapter, IDLE_SECONDS_QUICK if args.quick else IDLE_SECONDS)
    if not args.only or args.only in "key":
        for chapter in args.kernel:
            figures, lines = key_figures(chapter, KEY_COUNT_QUICK if args.quick else KEY_COUNT)
            two = two_cpus(chapter, lines, SPEEDUP_BOOTS_QUICK if args.quick else SPEEDUP_BOOTS)
            for kind, value in (("key", figures), ("two_cpus", two)):
                if value:
                    qemu[kind][chapter] = value
    if not args.only or args.only in "lost_wakeups":
        for kernel in args.flood:
            figures = lost_wakeups(kernel)
            if figures:
                qemu["lost_wakeups"][kernel] = figures
    results = {"machine": machine(args.cflags, args.rust and args.rustc, args.rust_lto),
               "quick": args.quick,
               "only": args.only, "c": c, "rust": rust, "pairs": pair_figures(c, rust),
               "qemu": qemu}
    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, "results.json")
    with open(path, "w") as f:
        json.dump(results, f, indent=2, ensure_ascii=False)
        f.write("\n")
    charts(results, args.out)
    print("\nbuilt %s" % results["machine"]["build"])
    print_table(results)
    print("\nresults: %s; charts: %s" % (os.path.relpath(path),
                                         os.path.relpath(os.path.join(args.out, "*.svg"))))
    if args.update_book:
        if args.quick or args.only or not args.count or "-flto" not in args.cflags:
            fail("UPDATE_BOOK=1 wants a full run (no QUICK, no ONLY, no LTO=0, COUNT=1): "
                 "the book shows every figure")
        os.makedirs(os.path.dirname(args.update_book), exist_ok=True)
        shutil.copyfile(path, args.update_book)
        print("book data: %s (commit it; `make book` redraws the page from it)"
              % os.path.relpath(args.update_book))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run")  # the options: the module docstring
    run.add_argument("--out", required=True)
    for option in ("--c", "--kernel", "--flood"):
        run.add_argument(option, action="append", default=[])
    for option in ("--quick", "--count", "--rust-lto"):
        run.add_argument(option, action="store_true")
    for option, default in (("--rust", None), ("--rustc", "rustc"), ("--only", ""),
                            ("--update-book", None), ("--cflags", "")):
        run.add_argument(option, default=default)
    md = sub.add_parser("markdown")
    md.add_argument("data")
    md.add_argument("what", choices=["table", "instructions", "idle", "keys", "lost", "two",
                                     "machine", "value"])
    md.add_argument("keys", nargs="*")
    chart = sub.add_parser("chart")
    chart.add_argument("data")
    chart.add_argument("out")
    args = parser.parse_args()
    if args.command == "run":
        command_run(args)
        return
    with open(args.data, encoding="utf-8") as f:
        results = json.load(f)
    if args.command == "markdown":
        print(markdown(results, args.what, args.keys))
    else:
        charts(results, args.out)


if __name__ == "__main__":
    main()
