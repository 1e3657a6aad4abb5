"""Strict YAML configs: a safe-loaded mapping becomes an experiment's typed dataclass.

A config file names its experiment and sets that experiment's fields::

    experiment: pca
    seed: 0
    n_gaussian: 500
    quick: {tsne_iterations: 250}

Unknown keys, wrong types and out-of-range values raise :class:`ConfigError` naming the file, the
key and what is allowed. Floats must be finite and lists non-empty unless a field says otherwise;
duplicate keys and YAML aliases are refused. Dotted ``KEY=VALUE`` overrides are typed by the dataclass. The ``quick``
mapping holds the overrides that ``--quick`` applies (a fast variant declared by the config itself).

Sizes are bounded before anything is parsed or built, with limits far above any real config: a
config file of at most :data:`MAX_FILE_BYTES`, an override of at most as many characters, a value
(string or number) of at most :data:`MAX_TEXT` characters, a list or mapping of at most
:data:`MAX_ITEMS` entries. Error lines quote a value cut to about 80 characters (:func:`shown`).
"""

from __future__ import annotations

import ast
import dataclasses
import difflib
import inspect
import math
import textwrap
import types
import typing
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

import yaml

from anndl.errors import ConfigError

_BOUNDS = ("ge", "gt", "le", "lt")
MAX_FILE_BYTES = 200_000
"""The largest config file (and override) anndl reads, in bytes (the shipped ones are under 2 kB)."""
MAX_TEXT = 10_000
"""The most characters one value (a string, a number, a path) of a config may have."""
MAX_ITEMS = 10_000
"""The most entries one list or mapping of a config may have."""


def shown(value: Any, limit: int = 80) -> str:
    """``repr(value)`` for an error line, cut to about ``limit`` characters (with the full length)."""
    try:
        if isinstance(value, str | list | dict | tuple) and len(value) > limit:
            text = repr(value[:limit] if isinstance(value, str | list | tuple) else dict(list(value.items())[:limit]))
        else:
            text = repr(value)
    except ValueError:  # an int too long for str()
        return f"a number of about {value.bit_length() * 0.30103:.0f} digits" if isinstance(value, int) else "?"
    if len(text) <= limit:
        return text
    if not hasattr(value, "__len__"):
        return text[:limit] + "..."
    return f"{text[:limit]}... ({len(value)} {'characters' if isinstance(value, str) else 'entries'})"


def param(default: Any, *, ge: float | None = None, gt: float | None = None,
          le: float | None = None, lt: float | None = None, finite: bool = True, empty_ok: bool = False) -> Any:
    """A dataclass field with numeric bounds checked on load; a list default is copied per instance.

    ``finite``: a float must not be inf or nan; ``empty_ok``: a list may be empty.
    """
    bounds = {k: v for k, v in {"ge": ge, "gt": gt, "le": le, "lt": lt}.items() if v is not None}
    metadata = {"bounds": bounds, "finite": finite, "empty_ok": empty_ok}
    if isinstance(default, list | dict):
        return dataclasses.field(default_factory=lambda: _deepcopy(default), metadata=metadata)
    return dataclasses.field(default=default, metadata=metadata)


def _deepcopy(value: Any) -> Any:
    if isinstance(value, list):
        return [_deepcopy(v) for v in value]
    if isinstance(value, dict):
        return {k: _deepcopy(v) for k, v in value.items()}
    return value


@dataclasses.dataclass(kw_only=True)
class ExperimentConfig:
    """Fields every experiment has."""

    seed: int = param(0, ge=0, lt=2**32)
    """Root seed, 0 <= seed < 2^32: repetitions and workers get children of numpy.random.SeedSequence(seed)."""
    quick: dict = dataclasses.field(default_factory=dict)
    """Overrides (dotted keys) applied by --quick: the config's own fast variant."""


@dataclasses.dataclass
class LoadedConfig:
    """An experiment's name, its validated config, and where the config came from."""

    experiment: str
    config: ExperimentConfig
    source: str
    course: Any = None
    """With ``--data DIR``: the :class:`anndl.data.course.CourseChoice` applied (None without)."""


def field_docs(cls: type) -> dict[str, str]:
    """Map field name -> the docstring written on the line after the field, over the class's MRO."""
    docs: dict[str, str] = {}
    for klass in reversed(cls.__mro__):
        if klass is object:
            continue
        docs.update(_class_field_docs(klass))
    return docs


@cache
def _class_field_docs(klass: type) -> dict[str, str]:
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(klass)))
    except (OSError, TypeError, SyntaxError):
        return {}
    body = tree.body[0].body if tree.body and isinstance(tree.body[0], ast.ClassDef) else []
    docs = {}
    for node, nxt in zip(body, body[1:], strict=False):
        if (isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)
                and isinstance(nxt, ast.Expr) and isinstance(nxt.value, ast.Constant)
                and isinstance(nxt.value.value, str)):
            docs[node.target.id] = " ".join(nxt.value.value.split())
    return docs


def type_name(tp: Any) -> str:
    """A readable name for a field type: ``int``, ``list[float]``, ``one of 'a', 'b'``."""
    origin = get_origin(tp)
    if origin is Literal:
        return "one of " + ", ".join(repr(a) for a in get_args(tp))
    if origin in (typing.Union, types.UnionType):
        return " or ".join(type_name(a) for a in get_args(tp))
    if origin is list:
        return f"list[{', '.join(type_name(a) for a in get_args(tp))}]"
    if tp is type(None):
        return "null"
    if dataclasses.is_dataclass(tp):
        return "mapping"
    return getattr(tp, "__name__", str(tp))


class _Builder:
    """Builds a dataclass from a mapping, reporting the first problem as a ConfigError."""

    def __init__(self, source: str):
        self.source = source

    def fail(self, key: str, message: str) -> typing.NoReturn:
        where = f"{self.source}: key '{key}'" if key else self.source
        raise ConfigError(f"{where}: {message}")

    def build(self, cls: type, data: Any, prefix: str = "") -> Any:
        if not isinstance(data, Mapping):
            self.fail(prefix.rstrip("."), f"expected a mapping of {cls.__name__} fields, got {shown(data)}")
        fields = {f.name: f for f in dataclasses.fields(cls) if f.init}
        hints = typing.get_type_hints(cls)
        kwargs = {}
        for key, value in data.items():
            if not isinstance(key, str) or key not in fields:
                self.fail(prefix + str(key), _unknown_key_message(str(key), fields, prefix))
            kwargs[key] = self.coerce(value, hints[key], prefix + key, fields[key].metadata)
        try:
            return cls(**kwargs)
        except (ValueError, TypeError) as exc:
            key, _, message = str(exc).partition(": ")
            if message and key in fields:
                self.fail(prefix + key, message)
            self.fail(prefix.rstrip("."), str(exc))

    def coerce(self, value: Any, tp: Any, key: str, meta: Mapping[str, Any]) -> Any:
        """``value`` checked against type ``tp`` and the field's ``meta`` (bounds, finite, empty_ok)."""
        origin = get_origin(tp)
        if dataclasses.is_dataclass(tp):
            return self.build(tp, value, key + ".")
        if origin in (typing.Union, types.UnionType):
            options = get_args(tp)
            if value is None and type(None) in options:
                return None
            for option in options:
                if option is type(None):
                    continue
                try:
                    return self.coerce(value, option, key, meta)
                except ConfigError:
                    continue
            self.fail(key, f"expected {type_name(tp)}, got {shown(value)}")
        if origin is Literal:
            allowed = get_args(tp)
            if value not in allowed:
                # a suggestion only for a likely typo ('cgff'); 'gpu' is not a misspelt 'cpu'
                close = difflib.get_close_matches(str(value), [str(a) for a in allowed], n=1, cutoff=0.75)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                self.fail(key, f"expected one of {', '.join(repr(a) for a in allowed)}, got {shown(value)}{hint}")
            return value
        if origin is list:
            (item_tp,) = get_args(tp) or (Any,)
            if not isinstance(value, list):
                self.fail(key, f"expected {type_name(tp)}, got {shown(value)}")
            if len(value) > MAX_ITEMS:
                self.fail(key, f"a list of {len(value)} entries, configs allow at most {MAX_ITEMS}")
            if not value and not meta.get("empty_ok", False):
                self.fail(key, f"expected a non-empty {type_name(tp)}, got []")
            return [self.coerce(v, item_tp, f"{key}[{i}]", meta) for i, v in enumerate(value)]
        if tp is dict or origin is dict:
            if not isinstance(value, Mapping):
                self.fail(key, f"expected a mapping, got {shown(value)}")
            return dict(value)
        if tp is Any:
            return value
        return self._scalar(value, tp, key, meta)

    def _scalar(self, value: Any, tp: type, key: str, meta: Mapping[str, Any]) -> Any:
        if tp is bool:
            if not isinstance(value, bool):
                self.fail(key, f"expected true or false, got {shown(value)}")
            return value
        if tp is int:
            if isinstance(value, bool) or not isinstance(value, int):
                self.fail(key, f"expected an integer, got {shown(value)}")
        elif tp is float:
            if isinstance(value, str):
                try:
                    value = float(value)
                except ValueError:
                    self.fail(key, f"expected a number, got {shown(value)}")
            if isinstance(value, bool) or not isinstance(value, int | float):
                self.fail(key, f"expected a number, got {shown(value)}")
            value = float(value)
            if value != value:
                self.fail(key, "expected a number, got nan")
            if math.isinf(value) and meta.get("finite", True):
                self.fail(key, f"expected a finite number, got {shown(value)}")
        elif tp is str:
            if not isinstance(value, str):
                self.fail(key, f"expected a string, got {shown(value)}")
            if len(value) > MAX_TEXT:
                self.fail(key, f"a string of {len(value)} characters, configs allow at most {MAX_TEXT}: {shown(value)}")
        else:
            self.fail(key, f"unsupported field type {tp!r}")
        _check_bounds(self, key, value, meta.get("bounds", {}))
        return value


def _check_bounds(builder: _Builder, key: str, value: float, bounds: Mapping[str, float]) -> None:
    tests = {"ge": (lambda v, b: v >= b, ">="), "gt": (lambda v, b: v > b, ">"),
             "le": (lambda v, b: v <= b, "<="), "lt": (lambda v, b: v < b, "<")}
    for name, bound in bounds.items():
        ok, symbol = tests[name]
        if not ok(value, bound):
            allowed = " and ".join(f"{tests[n][1]} {b}" for n, b in bounds.items())
            builder.fail(key, f"must be {allowed}, got {shown(value)}")


def _unknown_key_message(key: str, fields: Mapping[str, dataclasses.Field], prefix: str = "") -> str:
    """``unknown key; did you mean 'training.epochs'? allowed keys: ...`` (the suggestion as a full
    dotted key, ready to paste; ``prefix`` is the mapping's own dotted path with its trailing dot)."""
    close = difflib.get_close_matches(key, list(fields), n=1, cutoff=0.5)
    hint = f"did you mean '{prefix}{close[0]}'? " if close else ""
    return f"unknown key; {hint}allowed keys: {', '.join(fields)}"


def parse_override(text: str, source: str = "override") -> tuple[str, str]:
    """Split ``a.b=value`` into (``a.b``, ``value``)."""
    if len(text) > MAX_FILE_BYTES:
        raise ConfigError(f"{source} {shown(text)}: {len(text)} characters, an override may have at most "
                          f"{MAX_FILE_BYTES}")
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise ConfigError(f"{source} {shown(text)}: expected KEY=VALUE, e.g. seed=3 or data.path=my.mat")
    return key.strip(), value.strip()


def _field_type(cls: type, dotted: str, source: str) -> Any:
    """The declared type of a dotted key, or a ConfigError naming the first unknown part."""
    tp: Any = cls
    walked = []
    for part in dotted.split("."):
        if not dataclasses.is_dataclass(tp):
            raise ConfigError(f"{source}: key '{'.'.join(walked)}' is not a mapping, cannot set '{dotted}'")
        fields = {f.name: f for f in dataclasses.fields(tp) if f.init}
        if part not in fields:
            message = _unknown_key_message(part, fields, "".join(f"{w}." for w in walked))
            raise ConfigError(f"{source}: key '{'.'.join([*walked, part])}': {message}")
        tp = typing.get_type_hints(tp)[part]
        walked.append(part)
    return tp


def _parse_value(raw: str, tp: Any) -> Any:
    """Parse an override's text: strings stay verbatim, everything else is read as YAML."""
    if tp is str or (get_origin(tp) is Literal and all(isinstance(a, str) for a in get_args(tp))):
        return raw
    if get_origin(tp) in (typing.Union, types.UnionType) and str in get_args(tp):
        return None if raw in ("", "null", "~") and type(None) in get_args(tp) else raw
    try:
        return load_yaml_text(raw) if raw else None
    except yaml.YAMLError:
        return raw


def apply_overrides(data: dict, cls: type, overrides: Iterable[tuple[str, Any]], source: str) -> dict:
    """Set dotted keys in a nested mapping; text values are typed by the dataclass field."""
    for dotted, value in overrides:
        tp = _field_type(cls, dotted, source)
        if isinstance(value, str):
            value = _parse_value(value, tp)
        node = data
        *parents, last = dotted.split(".")
        for part in parents:
            child = node.get(part)
            if not isinstance(child, dict):
                child = {}
                node[part] = child
            node = child
        node[last] = value
    return data


class _YAMLRefusal(yaml.YAMLError):
    """Valid YAML that a config may not use (an alias, a duplicate key); the message says where."""


class StrictLoader(yaml.SafeLoader):
    """PyYAML's SafeLoader that refuses aliases (no alias bombs) and duplicate keys (no silent last-wins)."""

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            mark = self.peek_event().start_mark
            raise _YAMLRefusal(f"line {mark.line + 1}, column {mark.column + 1}: YAML aliases (*name) are not "
                               f"allowed in configs; write the value out")
        return super().compose_node(parent, index)

    def _check_size(self, node, count: int, limit: int, what: str) -> None:
        """Refuse ``node`` when ``count`` > ``limit``: ``what`` names what has more than ``limit`` entries."""
        if count > limit:
            mark = node.start_mark
            raise _YAMLRefusal(f"line {mark.line + 1}, column {mark.column + 1}: {what} longer than {limit}; "
                               f"configs allow at most {limit}")

    def construct_scalar(self, node):
        self._check_size(node, len(node.value), MAX_TEXT, f"a value of {len(node.value)} characters,")
        return super().construct_scalar(node)

    def compose_sequence_node(self, anchor):
        """As PyYAML's, but stops at the first entry past :data:`MAX_ITEMS` (before reading the rest)."""
        start_event = self.get_event()
        tag = start_event.tag
        if tag is None or tag == "!":
            tag = self.resolve(yaml.SequenceNode, None, start_event.implicit)
        node = yaml.SequenceNode(tag, [], start_event.start_mark, None, flow_style=start_event.flow_style)
        index = 0
        while not self.check_event(yaml.SequenceEndEvent):
            self._check_size(node, index + 1, MAX_ITEMS, "a list")
            node.value.append(self.compose_node(node, index))
            index += 1
        node.end_mark = self.get_event().end_mark
        return node

    def construct_sequence(self, node, deep=False):
        self._check_size(node, len(node.value), MAX_ITEMS, f"a list of {len(node.value)} entries,")
        return super().construct_sequence(node, deep)

    def construct_mapping(self, node, deep=False):
        self._check_size(node, len(node.value), MAX_ITEMS, f"a mapping of {len(node.value)} entries,")
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            try:
                key = self.construct_object(key_node, deep=True)
                hash(key)
            except (TypeError, yaml.YAMLError):
                continue  # an unhashable key: the base class reports it
            line = key_node.start_mark.line + 1
            if key in seen:
                raise _YAMLRefusal(f"key '{key}' appears twice, on lines {seen[key]} and {line}; keep one")
            seen[key] = line
        return super().construct_mapping(node, deep)


def load_yaml_text(text: str) -> Any:
    """Parse YAML text with :class:`StrictLoader` (safe types only)."""
    loader = StrictLoader(text)
    try:
        return loader.get_single_data()
    except ValueError as exc:  # e.g. an integer of more digits than Python converts
        raise _YAMLRefusal(f"a value that is not a usable number ({str(exc)[:80]})") from None
    finally:
        loader.dispose()


def yaml_problem(exc: Exception) -> str:
    """A one-line description of a YAML error, with line and column when PyYAML knows them."""
    if isinstance(exc, _YAMLRefusal):
        return str(exc)
    if isinstance(exc, yaml.MarkedYAMLError) and exc.problem_mark is not None:
        mark = exc.problem_mark
        what = exc.problem or exc.context or "syntax error"
        return f"not valid YAML at line {mark.line + 1}, column {mark.column + 1}: {what}"
    detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return f"not valid YAML ({detail})"


def read_yaml(path: Path) -> dict:
    """Strictly load a YAML mapping, turning every failure into a ConfigError naming the file."""
    if not path.is_file():
        raise ConfigError(f"{path}: config file not found")
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise ConfigError(f"{path}: {size} bytes; a config file may have at most {MAX_FILE_BYTES} bytes")
    try:
        data = load_yaml_text(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: {yaml_problem(exc)}") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping of keys at the top level, got {type(data).__name__}")
    return data


def build_config(data: Mapping, cls: type, source: str, *, quick: bool = False,
                 overrides: Iterable[str] = (), seed: int | None = None,
                 preset: Iterable[tuple[str, Any]] = ()) -> ExperimentConfig:
    """Validate ``data`` (without the ``experiment`` key) into ``cls``, then apply quick, ``preset``
    (typed ``(dotted key, value)`` pairs, e.g. the course files of ``--data``), overrides, seed.

    The config's own ``quick`` mapping is validated whether or not ``quick`` is set, so that
    ``anndl validate`` catches a broken fast variant.
    """
    data = _deepcopy(dict(data))
    quick_overrides = data.get("quick") or {}
    if not isinstance(quick_overrides, Mapping):
        raise ConfigError(f"{source}: key 'quick': expected a mapping of overrides, got {quick_overrides!r}")
    builder = _Builder(source)
    builder.build(cls, data)
    quick_data = apply_overrides(_deepcopy(data), cls, quick_overrides.items(), f"{source} (quick)")
    builder.build(cls, quick_data)
    if quick:
        data = quick_data
    data = apply_overrides(data, cls, preset, f"{source} (--data)")
    parsed = [parse_override(text) for text in overrides]
    data = apply_overrides(data, cls, parsed, f"{source} (override)")
    if seed is not None:
        data["seed"] = seed
    return builder.build(cls, data)


def config_to_dict(config: Any) -> dict:
    """The config as plain YAML-able data (nested dataclasses become mappings)."""
    return dataclasses.asdict(config)


def dump_yaml(data: Mapping) -> str:
    """YAML text in field order, readable by :func:`read_yaml`."""
    return yaml.safe_dump(dict(data), sort_keys=False, default_flow_style=None, width=100)
