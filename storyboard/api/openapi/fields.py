"""What apispec does not say about our fields: the shape of a computed value, and exclusive bounds."""

from __future__ import annotations

from marshmallow import validate


def shape2properties(self, field, ret, **kwargs) -> dict:
    """A field whose metadata names a `shape` (wire.base.Computed, or a loosely loaded field documented more
    precisely) is documented as that shape, in place of what apispec made of the field itself."""
    shape = field.metadata.get("shape")
    if shape is None:
        return {}
    prop = self.field2property(shape)
    for key in ("description", "x-optional"):
        if key in field.metadata:
            prop[key] = field.metadata[key]
    ret.clear()
    return prop


def range2exclusive(self, field, ret, **kwargs) -> dict:
    """`exclusiveMinimum`/`exclusiveMaximum` (OpenAPI 3.0's booleans) for a Range that leaves its bound out:
    apispec writes `minimum: 0` for Range(min=0, min_inclusive=False), which would let a client send 0."""
    out = {}
    for validator in field.validators:
        if not isinstance(validator, validate.Range):
            continue
        if validator.min is not None and not validator.min_inclusive:
            out["exclusiveMinimum"] = True
        if validator.max is not None and not validator.max_inclusive:
            out["exclusiveMaximum"] = True
    return out


def install(converter) -> None:
    """Add both to apispec's field converter (before any schema is documented)."""
    converter.add_attribute_function(range2exclusive)
    converter.add_attribute_function(shape2properties)
