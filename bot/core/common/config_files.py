"""Load knowledge/*.yaml into pydantic models, with errors that name the file, the field and the problem."""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ValidationError

ModelT = TypeVar("ModelT", bound=BaseModel)


class ConfigError(Exception):
    """A knowledge file is missing, unreadable or invalid; the message is meant for the dealer's staff."""


# libyaml's parser when PyYAML was built with it (its wheels are): the knowledge base is read at every start,
# and the pure-Python parser took over a second of it.
SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(SafeLoader):  # type: ignore[valid-type,misc]
    """SafeLoader that leaves dates as text, so the model validates them and names the field when one is wrong."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def read_yaml(path: Path) -> object:
    """Parse one YAML file, turning parser errors into a ConfigError that names the line."""
    try:
        with path.open(encoding="utf-8-sig") as handle:
            return yaml.load(handle, Loader=_Loader)  # safe: _Loader is a SafeLoader subclass
    except FileNotFoundError as exc:
        raise ConfigError(f"{path}: file not found") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ConfigError(f"{path}:{where} invalid YAML: {getattr(exc, 'problem', exc)}") from exc


def describe_errors(path: Path, error: ValidationError) -> str:
    """One readable line per problem: `file: field.path: what is wrong`."""
    lines = []
    for item in error.errors():
        field = ".".join(str(part) for part in item["loc"]) or "(top level)"
        lines.append(f"{path}: {field}: {item['msg']}")
    return "\n".join(lines)


def load_model(path: Path, model: type[ModelT]) -> ModelT:
    """Read `path` and validate it as `model`."""
    data = read_yaml(path)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(describe_errors(path, exc)) from exc
