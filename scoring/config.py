"""candor.yaml, the scoreboard maintainer's settings -> CandorConfig, or problems."""

from __future__ import annotations

from pathlib import Path

from .load import read_yaml
from .metrics import CandorConfig, Thresholds
from .problems import Problem
from .validate import check_config

DEFAULT_CONFIG = Path(__file__).resolve().parent.parent / "candor.yaml"


class ConfigError(Exception):
    """candor.yaml is missing or invalid: a usage error of the build, never a traceback."""

    def __init__(self, problems: list[Problem]):
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


def read_config(path: Path = DEFAULT_CONFIG) -> CandorConfig:
    """The settings in `path`, validated like data; ConfigError lists every problem."""
    if not path.is_file():
        raise ConfigError([Problem(path.name, None, None, "missing_config",
                                   f"{path} does not exist",
                                   "copy candor.yaml from the repository root")])
    document, where, _, problems = read_yaml(path, path.parent)
    problems = problems or check_config(document, where)
    if problems:
        raise ConfigError(problems)
    return CandorConfig({k: float(v) for k, v in document["weights"].items()},
                        float(document["prior_strength"]), float(document["min_weight_share"]),
                        Thresholds(**document.get("thresholds") or {}))

