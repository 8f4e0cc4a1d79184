"""Precision and recall of scoring.redact over the labelled comments, per kind and overall.

A predicted span is a true positive when it covers a labelled value; by kind, it must also have
the labelled kind. Overall recall counts a labelled value as caught when any marker covers it,
since that is what keeps it off the site. Run: .venv/bin/python bench/redaction_report.py
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path

from scoring.redact import KINDS, PHONE_POLICIES, PHONE_POLICY, Span, find_personal_data

REPO = Path(__file__).resolve().parent.parent
LABELLED = REPO / "tests" / "fixtures" / "redaction" / "labelled.jsonl"


@dataclass(frozen=True)
class Example:
    line: int
    text: str
    truth: list[Span]  # every occurrence of every labelled value


@dataclass
class Tally:
    truth: int = 0
    caught: int = 0
    predicted: int = 0
    correct: int = 0

    def line(self, name: str) -> str:
        return (f"{name:<9} {_ratio(self.correct, self.predicted):>9} "
                f"{_ratio(self.caught, self.truth):>9} {self.predicted:>6} {self.truth:>6}")


def read_labelled(path: Path = LABELLED) -> list[Example]:
    examples = []
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not raw.strip():
            continue
        row = json.loads(raw)
        truth = set()
        for label in row["spans"]:
            start = row["text"].find(label["value"])
            if start < 0:
                sys.exit(f"{path}:{number}: {label['value']!r} is not in the text")
            while start >= 0:
                truth.add(Span(start, start + len(label["value"]), label["kind"]))
                start = row["text"].find(label["value"], start + 1)
        examples.append(Example(number, row["text"], sorted(truth)))
    return examples


def covers(outer: Span, inner: Span) -> bool:
    return outer.start <= inner.start and inner.end <= outer.end


def evaluate(examples: list[Example], phone_policy: str) -> tuple[dict[str, Tally], list[str]]:
    """Tallies per kind and under "overall", and one line per miss or false positive."""
    tallies = {kind: Tally() for kind in (*KINDS, "overall")}
    problems = []
    for example in examples:
        predicted = find_personal_data(example.text, phone_policy=phone_policy)
        for truth in example.truth:
            by_kind = tallies[truth.kind]
            by_kind.truth += 1
            tallies["overall"].truth += 1
            covering = [span for span in predicted if covers(span, truth)]
            by_kind.caught += any(span.kind == truth.kind for span in covering)
            tallies["overall"].caught += bool(covering)
            value = example.text[truth.start:truth.end]
            if not covering:
                problems.append(f"LEAK  line {example.line}: {truth.kind} {value!r} not covered")
            elif all(span.kind != truth.kind for span in covering):
                problems.append(f"KIND  line {example.line}: {truth.kind} {value!r} "
                                f"redacted as {covering[0].kind}")
        for span in predicted:
            tallies[span.kind].predicted += 1
            tallies["overall"].predicted += 1
            covered = [truth for truth in example.truth if covers(span, truth)]
            tallies[span.kind].correct += any(truth.kind == span.kind for truth in covered)
            tallies["overall"].correct += bool(covered)
            if not covered:
                problems.append(f"FALSE line {example.line}: {span.kind} "
                                f"{example.text[span.start:span.end]!r} in {example.text!r}")
    return tallies, problems


def _ratio(numerator: int, denominator: int) -> str:
    return f"{numerator / denominator:.3f}" if denominator else "-"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--labelled", type=Path, default=LABELLED)
    parser.add_argument("--phone-policy", choices=PHONE_POLICIES, default=PHONE_POLICY)
    args = parser.parse_args(argv)
    examples = read_labelled(args.labelled)
    n_values = sum(len(example.truth) for example in examples)
    print(f"{len(examples)} comments, {n_values} labelled values, phone policy "
          f"{args.phone_policy!r}\n")
    tallies, problems = evaluate(examples, args.phone_policy)
    print(f"{'kind':<9} {'precision':>9} {'recall':>9} {'found':>6} {'truth':>6}")
    for name, tally in tallies.items():
        print(tally.line(name))
    print("\nmisses and false positives:" if problems else "\nno misses, no false positives")
    for problem in problems:
        print(f"  {problem}")
    print("\nphone policies compared (phone kind, then overall):")
    print(f"{'policy':<17} {'phone P':>8} {'phone R':>8} {'all P':>8} {'all R':>8}")
    for policy in PHONE_POLICIES:
        compared, _ = evaluate(examples, policy)
        phone, overall = compared["phone"], compared["overall"]
        print(f"{policy:<17} {_ratio(phone.correct, phone.predicted):>8} "
              f"{_ratio(phone.caught, phone.truth):>8} "
              f"{_ratio(overall.correct, overall.predicted):>8} "
              f"{_ratio(overall.caught, overall.truth):>8}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
