"""The feed registry: the departments' delivery contracts as typed, validated data."""

from shouwang.registry.model import CHANGE_TYPES, Column, Feed, Registry, RegistryError, load_registry

__all__ = ["CHANGE_TYPES", "Column", "Feed", "Registry", "RegistryError", "load_registry"]
