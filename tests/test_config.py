"""Strict config loading: unknown keys, types, ranges, overrides, quick variants."""

from __future__ import annotations

import dataclasses
from typing import Literal

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from anndl.config import ExperimentConfig, build_config, field_docs, param, read_yaml
from anndl.errors import ConfigError


@dataclasses.dataclass(kw_only=True)
class Inner:
    path: str = "x.mat"
    """Where the data is."""
    scale: float = param(1.0, gt=0)
    """Scale factor."""


@dataclasses.dataclass(kw_only=True)
class ToyConfig(ExperimentConfig):
    hidden_units: int = param(10, ge=1, le=100)
    """Neurons in the hidden layer."""
    algorithm: Literal["lm", "br"] = "lm"
    """Training algorithm."""
    rates: list[float] = param([0.1, 0.2], gt=0)
    """Learning rates."""
    label: str | None = None
    """An optional label."""
    data: Inner = dataclasses.field(default_factory=Inner)
    """Data settings."""


def build(data, **kwargs):
    return build_config(data, ToyConfig, "toy.yaml", **kwargs)


def test_defaults_and_values_load():
    cfg = build({"hidden_units": 20, "algorithm": "br", "data": {"scale": 2}})
    assert cfg.hidden_units == 20 and cfg.algorithm == "br" and cfg.data.scale == 2.0
    assert isinstance(cfg.data.scale, float)


def test_unknown_key_names_file_key_and_suggestion():
    with pytest.raises(ConfigError) as err:
        build({"hiden_units": 3})
    message = str(err.value)
    assert "toy.yaml" in message and "'hiden_units'" in message and "did you mean 'hidden_units'" in message
    assert "allowed keys" in message


def test_nested_unknown_key_is_dotted():
    with pytest.raises(ConfigError, match=r"'data\.scal'.*did you mean 'data\.scale'"):
        build({"data": {"scal": 1}})


@pytest.mark.parametrize(
    ("data", "pattern"),
    [
        ({"hidden_units": "ten"}, r"'hidden_units': expected an integer"),
        ({"hidden_units": 2.5}, r"'hidden_units': expected an integer"),
        ({"hidden_units": True}, r"'hidden_units': expected an integer"),
        ({"hidden_units": 0}, r"'hidden_units': must be >= 1 and <= 100, got 0"),
        ({"algorithm": "lmm"}, r"'algorithm': expected one of 'lm', 'br'.*did you mean 'lm'"),
        ({"rates": 0.1}, r"'rates': expected list\[float\]"),
        ({"rates": [0.1, -1]}, r"'rates\[1\]': must be > 0"),
        ({"data": 3}, r"'data': expected a mapping"),
        ({"quick": {"nope": 1}}, r"toy.yaml \(quick\).*'nope'"),
        ({"quick": {"hidden_units": 0}}, r"'hidden_units': must be >= 1"),
    ],
)
def test_bad_values_are_config_errors(data, pattern):
    with pytest.raises(ConfigError, match=pattern):
        build(data)


def test_overrides_are_typed_by_the_dataclass():
    cfg = build({}, overrides=["hidden_units=7", "rates=[1e-3, 2]", "data.scale=1e-3", "label=007",
                               "data.path=yes"])
    assert cfg.hidden_units == 7 and cfg.rates == [0.001, 2.0] and cfg.data.scale == 0.001
    assert cfg.label == "007" and cfg.data.path == "yes"


def test_override_errors():
    with pytest.raises(ConfigError, match=r"'nope'.*allowed keys"):
        build({}, overrides=["nope=1"])
    with pytest.raises(ConfigError, match="expected KEY=VALUE"):
        build({}, overrides=["hidden_units"])
    with pytest.raises(ConfigError, match=r"'hidden_units': expected an integer"):
        build({}, overrides=["hidden_units=abc"])


def test_quick_applies_before_overrides_and_seed():
    data = {"hidden_units": 50, "quick": {"hidden_units": 5, "data.scale": 3}}
    assert build(data).hidden_units == 50
    quick = build(data, quick=True, overrides=["data.path=a.mat"], seed=9)
    assert (quick.hidden_units, quick.data.scale, quick.data.path, quick.seed) == (5, 3.0, "a.mat", 9)


def test_field_docs_are_read_from_the_source():
    docs = field_docs(ToyConfig)
    assert docs["hidden_units"] == "Neurons in the hidden layer."
    assert docs["seed"].startswith("Root seed")


def test_read_yaml_errors(tmp_path):
    with pytest.raises(ConfigError, match="config file not found"):
        read_yaml(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("a: [1, 2\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        read_yaml(bad)
    listy = tmp_path / "list.yaml"
    listy.write_text("- 1\n- 2\n")
    with pytest.raises(ConfigError, match="expected a mapping"):
        read_yaml(listy)
    unsafe = tmp_path / "unsafe.yaml"
    unsafe.write_text("a: !!python/object/apply:os.system ['echo hi']\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        read_yaml(unsafe)


yaml_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=8),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=8,
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(document=st.dictionaries(st.sampled_from(["hidden_units", "algorithm", "rates", "label", "data", "quick",
                                                 "seed", "other"]) | st.text(max_size=6), yaml_values,
                                max_size=5),
       overrides=st.lists(st.text(max_size=12), max_size=3))
def test_random_documents_never_crash_the_loader(document, overrides):
    text = yaml.safe_dump(document)
    try:
        build(yaml.safe_load(text) or {}, overrides=overrides)
    except ConfigError:
        pass


@settings(max_examples=100, deadline=None)
@given(text=st.text(max_size=60))
def test_random_yaml_text_gives_config_errors_only(tmp_path_factory, text):
    path = tmp_path_factory.mktemp("y") / "c.yaml"
    path.write_text(text, encoding="utf-8")
    try:
        build(read_yaml(path))
    except ConfigError:
        pass
