"""Build progress: a bar per stage on a terminal once the build has run 2 s, plain lines in CI
logs (stderr is not a terminal there)."""

from __future__ import annotations

import io

import publish


class Stream(io.StringIO):
    def __init__(self, tty: bool):
        super().__init__()
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_ci_logs_get_one_plain_line_as_each_stage_starts_and_ends():
    stream, clock = Stream(tty=False), Clock()
    progress = publish.Progress(stream, clock)
    for done in range(4):
        progress("companies", done, 3)
        clock.now += 0.5
    progress("render", 0, 1)
    clock.now += 2
    progress("render", 1, 1)
    assert stream.getvalue().splitlines() == [
        "companies: 0/3", "companies: 3/3 done in 1.5 s",
        "render: 0/1", "render: 1/1 done in 2.0 s",
    ]
    assert "\r" not in stream.getvalue()


def test_a_terminal_gets_a_bar_only_once_the_build_is_longer_than_two_seconds():
    stream, clock = Stream(tty=True), Clock()
    progress = publish.Progress(stream, clock)
    progress("companies", 0, 4)
    clock.now += 1
    progress("companies", 1, 4)
    assert stream.getvalue() == ""  # a quick build stays quiet
    clock.now += 1.5
    progress("companies", 2, 4)
    bar = "#" * 15 + "." * 15
    assert stream.getvalue() == f"\rcompanies  [{bar}] 2/4   2.5 s"
    progress("companies", 4, 4)
    assert stream.getvalue().endswith(f"\rcompanies  [{'#' * 30}] 4/4   2.5 s\n")
