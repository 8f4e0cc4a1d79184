"""Running git for the commands that read history (diff, audit): one helper, one error type."""

from __future__ import annotations

import subprocess
from pathlib import Path


class GitError(ValueError):
    """git is missing, the folder is not in a repository, or a revision does not exist."""


def git(args: list[str], cwd: Path, stdin: bytes | None = None) -> bytes:
    """git's standard output (given `stdin`); its error message, cleaned, as a GitError."""
    try:
        return subprocess.run(["git", *args], cwd=cwd, input=stdin, capture_output=True,
                              check=True, timeout=300).stdout
    except FileNotFoundError as error:
        raise GitError("git is not installed") from error
    except subprocess.CalledProcessError as error:
        raise GitError(error.stderr.decode(errors="replace").strip()) from None
