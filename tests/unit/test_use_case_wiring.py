"""A use-case declares the ports it uses and nothing else, and the container gives it exactly those."""

from __future__ import annotations

import ast
import dataclasses
import inspect
from typing import Any

import pytest
from dependency_injector import providers

from arco_entrypoints.container import UseCases

FACTORIES = {name: p for name, p in UseCases.providers.items() if isinstance(p, providers.Factory)}


def attributes_read_on_self(cls: type) -> set[str]:
    """Every `self.<name>` in the class's own source and in its bases' (the shared steps live there)."""
    read: set[str] = set()
    for klass in cls.__mro__:
        if klass is object:
            continue
        tree = ast.parse(inspect.getsource(klass).strip())
        read |= {
            node.attr
            for node in ast.walk(tree)
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "self"
        }
    return read


def required_fields(cls: type) -> set[str]:
    return {
        f.name
        for f in dataclasses.fields(cls)
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
    }


class TestUseCaseWiring:
    def test_the_container_builds_every_use_case(self) -> None:
        assert len(FACTORIES) > 60

    @pytest.mark.parametrize(("name", "factory"), FACTORIES.items(), ids=list(FACTORIES))
    def test_a_use_case_uses_every_port_it_declares(self, name: str, factory: providers.Factory[Any]) -> None:
        declared = {f.name for f in dataclasses.fields(factory.cls)}
        assert declared - attributes_read_on_self(factory.cls) == set()

    @pytest.mark.parametrize(("name", "factory"), FACTORIES.items(), ids=list(FACTORIES))
    def test_the_container_gives_a_use_case_its_ports_and_no_other(
        self, name: str, factory: providers.Factory[Any]
    ) -> None:
        declared = {f.name for f in dataclasses.fields(factory.cls)}
        assert required_fields(factory.cls) <= factory.kwargs.keys() <= declared
