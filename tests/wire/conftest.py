"""Fixtures for the JSON shapes: marshmallow's own dump, to hold the hand-written dumps against."""

from __future__ import annotations

import json

import marshmallow as ma
import pytest

from storyboard.wire.base import Schema


def as_json(value) -> str:
    """Order and type exact (30 and 30.0, True and 1 differ), as on the wire."""
    return json.dumps(value, ensure_ascii=False)


@pytest.fixture
def marshmallow_dump(monkeypatch):
    """dump(schema, obj): what marshmallow alone makes of it, every hand-written dump switched off."""

    def dump(schema, obj):
        with monkeypatch.context() as patch:
            patch.setattr(Schema, "dump", ma.Schema.dump)
            return schema.dump(obj)

    return dump
