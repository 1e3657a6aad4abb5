"""The layout rule: an experiment's name is the address of its code."""

from __future__ import annotations

import importlib
import pkgutil

from anndl import registry


def test_each_experiment_lives_in_a_module_named_after_it():
    for exp in registry.all_experiments():
        package, module = exp.module.rsplit(".", 1)
        assert module == exp.name, f"{exp.name} is registered in {exp.module}"
        assert package in registry.CHAPTER_PACKAGES


def test_chapter_packages_hold_experiments_and_private_helpers_only():
    names = {exp.name for exp in registry.all_experiments()}
    for package in registry.CHAPTER_PACKAGES:
        path = importlib.import_module(package).__path__
        for info in pkgutil.iter_modules(path):
            assert info.name in names or info.name.startswith("_"), (
                f"{package}.{info.name} is neither an experiment nor a private helper of one: "
                "reusable code belongs in anndl.nn or anndl.data"
            )

