"""The feed registry: the departments' delivery contracts as typed, validated data."""

from shouwang.registry.model import Column, Feed, Registry, load_registry

__all__ = ["Column", "Feed", "Registry", "load_registry"]
