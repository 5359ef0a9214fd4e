#!/usr/bin/env python3
"""docs_test.py WINNOW MANPAGE README: winnow's options are the same in
--help, the man page and README's option tables, and the man page renders
without a warning.

--help and the man page are both made from the option table (src/cli/
usage.cpp); README is written by hand, so this test is what keeps it in
step: an option in --help but missing from README's tables (or from the
man page) fails it, and so does one in the tables that winnow does not
have. README's example --explain lines must name rules --list-rules has.
"""

import re
import shutil
import subprocess
import sys

FLAG = re.compile(r"(?<![\w-])(--[a-z][a-z0-9-]*|-[a-zA-Z])(?![\w-])")


def help_flags(winnow):
    text = subprocess.run([winnow, "--help"], check=True, capture_output=True, text=True).stdout
    flags = set()
    for line in text.splitlines():
        # Option lines: "  -j, --threads N   help..."; the synopsis ends at
        # two spaces.
        if line.startswith("  -"):
            flags.update(FLAG.findall(line.strip().split("  ")[0]))
    return flags


def man_flags(manpage):
    flags = set()
    lines = open(manpage, encoding="utf-8").read().splitlines()
    for i, line in enumerate(lines):
        if line == ".TP" and i + 1 < len(lines) and lines[i + 1].startswith("\\fB\\-"):
            tag = lines[i + 1].replace("\\-", "-").replace("\\fB", "").replace("\\fR", "").replace("\\fI", "")
            flags.update(FLAG.findall(tag))
    return flags


def readme_flags(readme):
    flags = set()
    for line in open(readme, encoding="utf-8"):
        # The first cell of an option table's rows: | `--name ARG`, `-x` | ... |
        if line.startswith("| `-"):
            flags.update(FLAG.findall(line.split("|")[1]))
    return flags


def readme_explained_rules(readme):
    # FILE:LINE: rule NAME: or FILE:LINE: rule NAME [K lines]: (and FILE:RECORD:LINE:)
    pattern = re.compile(r"^\S+:\d+(?::\d+)?: rule ([a-z0-9._-]+)(?: \[\d+ lines\])?[:( ]")
    return {m.group(1) for line in open(readme, encoding="utf-8") if (m := pattern.match(line))}


def main():
    winnow, manpage, readme = sys.argv[1:4]
    failures = []
    want = help_flags(winnow)
    if len(want) < 40:
        failures.append(f"--help lists only {len(want)} options: the parser is broken")
    for name, got in (("the man page", man_flags(manpage)), ("README's option tables", readme_flags(readme))):
        for flag in sorted(want - got):
            failures.append(f"{flag} is in --help but not in {name}")
        for flag in sorted(got - want):
            failures.append(f"{flag} is in {name} but winnow --help does not list it")

    # README's example --explain lines (`story.txt:7: rule NAME: TEXT`) name
    # rules winnow has.
    listed = subprocess.run([winnow, "--list-rules"], check=True, capture_output=True, text=True).stdout
    rules = {line.split()[0] for line in listed.splitlines() if line.strip()}
    for name in sorted(readme_explained_rules(readme) - rules):
        failures.append(f"README shows --explain naming 'rule {name}', which --list-rules does not list")

    # The man page renders without warnings.
    if shutil.which("groff"):
        p = subprocess.run(["groff", "-man", "-Tutf8", "-ww", "-z", manpage], capture_output=True, text=True)
        if p.returncode != 0 or p.stderr:
            failures.append("groff -man -ww warns: " + p.stderr.strip())
    if shutil.which("mandoc"):
        p = subprocess.run(["mandoc", "-T", "lint", "-W", "warning", manpage], capture_output=True, text=True)
        if p.returncode != 0 or p.stdout or p.stderr:
            failures.append("mandoc -T lint warns: " + (p.stdout + p.stderr).strip())
    else:
        print("docs_test: mandoc not installed; groff only")

    for f in failures:
        print("FAIL:", f)
    print(f"docs_test: {len(want)} options checked in --help, the man page and README")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
