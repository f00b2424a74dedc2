#!/usr/bin/env python3
"""compile_commands.json for editors (clangd), from a dry run of each
program's build: `make -n -B` prints every compile command without running
it, so nothing is built, rebuilt or overwritten.

  tools/compdb.py --root . -o compile_commands.json kernel-base chapters/01-futures \
      workspace/01-futures
"""
import argparse
import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

def commands(root, folder):
    """The compile commands of one program folder, as compdb entries."""
    folder = (root / folder).resolve()
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MAKELEVEL", "MFLAGS")}
    # A build folder of its own, so the dry run's view of what is up to date
    # cannot depend on (or disturb) the real build.
    build = root / "build" / "compdb" / folder.name
    done = subprocess.run(["make", "-C", str(folder), "-n", "-B", "--no-print-directory", "V=1",
                           f"BUILD={build}", f"WORKBOOK={root}", "kernel", "host-tests"],
                          capture_output=True, text=True, env=env)
    if done.returncode != 0:
        sys.exit(f"compdb: make -n in {folder} failed:\n{done.stderr.strip()}")
    entries = []
    for line in done.stdout.splitlines():
        words = shlex.split(line) if line.lstrip().startswith(("gcc ", "cc ", "clang ")) else []
        if "-c" not in words or "-o" not in words:
            continue
        source = words[-1]
        entries.append({"directory": str(folder), "arguments": words,
                        "file": str((folder / source).resolve())})
    return entries

def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--root", required=True)
    p.add_argument("-o", "--output", required=True)
    p.add_argument("folders", nargs="+")
    args = p.parse_args()
    root = Path(args.root).resolve()
    entries = [e for f in args.folders for e in commands(root, f)]
    Path(args.output).write_text(json.dumps(entries, indent=1) + "\n", encoding="utf-8")
    print(f"compile_commands.json: {len(entries)} files from {len(args.folders)} folders "
          f"({', '.join(args.folders)})")
    return 0

if __name__ == "__main__":
    sys.exit(main())
