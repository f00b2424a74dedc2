"""What the tools share: where the clone is, its programs, and running a
command apart (own process group, no outer make's settings, a time limit)."""
import glob
import os
import re
import shutil
import signal
import subprocess

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
GENERATED = shutil.ignore_patterns("build", "workspace", ".git", "__pycache__")
# The outer make's settings would send a build back to this tree (ROOT,
# BUILD) or into its jobserver.
CLEAN_ENV = {k: v for k, v in os.environ.items()
             if k not in ("ROOT", "BUILD", "MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES",
                          "CRITERION_FLAGS")}

def chapters(tree=ROOT):
    """chapters/NN-name of every chapter with a Makefile, relative to tree."""
    return sorted(os.path.dirname(os.path.relpath(m, tree)) for m in
                  glob.glob(os.path.join(tree, "chapters", "[0-9][0-9]-*", "Makefile")))

def programs(tree=ROOT):
    return ["kernel-base"] + chapters(tree)

def program_name(tree, program):
    """A program's NAME (its folder under build/), from its Makefile."""
    with open(os.path.join(tree, program, "Makefile")) as f:
        m = re.search(r"^NAME\s*:?=\s*(\S+)", f.read(), re.M)
    return m.group(1) if m else os.path.basename(program)

def sh(cmd, cwd=ROOT, timeout=None):
    """(exit code, output) of cmd (a list, or a shell line); code None when
    it outlived timeout, and then what it started is killed with it."""
    proc = subprocess.Popen(cmd, cwd=cwd, env=CLEAN_ENV, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, errors="replace",
                            shell=isinstance(cmd, str), start_new_session=True)
    try:
        out, _ = proc.communicate(timeout=timeout)
        return proc.returncode, out
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, _ = proc.communicate()
        return None, out + f"\nkilled after {timeout} s\n"

def tail(output, n=15):
    return "\n".join("    | " + line for line in output.strip().splitlines()[-n:])
