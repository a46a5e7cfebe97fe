"""The set-up scripts under `set -o pipefail`: parse, and no pipe into a reader that stops early.

`echo "$urls" | head -1` ended scripts/cluster-up.sh with 141 in CI (stop 33): bash's echo
writes a line at a time, head exits after the first, the next write gets SIGPIPE and pipefail
makes the pipeline fail. The same holds for `grep -q`, `grep -m`, `sed …q` and `awk …exit`.
Read the whole output first (`$(…)`, `awk 'NR == 1'`, `find … -print -quit`, `[[ == *…* ]]`).
"""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = sorted([*ROOT.glob("scripts/*.sh"), ROOT / ".ci" / "run"])

# the last stage of a pipeline that may exit before its writer is done
EARLY_READER = re.compile(
    r"\|\s*(?:head\b|grep\s+(?:[^|;&]*\s)?-(?:[a-zA-Z]*[qm][a-zA-Z]*|-quiet|-max-count)(?![a-zA-Z-])"
    r"|sed\s+(?:-n\s+)?['\"][^'\"]*q|awk\b[^|]*\bexit\b)"
)


def early_readers(text: str) -> list[str]:
    """The lines of a script that pipe into a reader that can stop early (comments ignored)."""
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        code = line.split(" #", 1)[0] if not line.lstrip().startswith("#") else ""
        if EARLY_READER.search(code):
            found.append(f"{number}: {line.strip()}")
    return found


def test_the_check_catches_each_pattern() -> None:
    for bad in ('x=$(echo "$u" | head -1)', "tr a b <f | grep -q gunicorn", "ls | grep -m1 x",
                "pg_lsclusters | awk '{print $3; exit}'", "cat f | sed -n '1p;q'",
                "dpkg-query -W x | grep -Fq ok", "ps | grep --quiet x"):
        assert early_readers(bad), bad
    for good in ('x=${urls%%$\'\\n\'*}', "pg_lsclusters | awk 'NR == 1'", "scripts/x.sh | tail -1",
                 "# echo | head -1 in a comment", "ls | grep -v x | sort", "echo x | sed -E 's/a/q/'"):
        assert not early_readers(good), good


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_script_parses_and_pipes_only_into_readers_that_read_it_all(script: Path) -> None:
    subprocess.run(["bash", "-n", str(script)], check=True, capture_output=True)
    text = script.read_text()
    if "pipefail" in text:
        assert early_readers(text) == [], f"{script.name}: read the whole output first (see this module's docstring)"
