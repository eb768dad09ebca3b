"""The offline writer's voice-over lines, one module per language, and how a storyboard's beats use them.

Each language module holds POOLS (lines by beat group), TONES, KINDS and AUDIENCES (extra lines by beat
group for a tone, a kind of product, a kind of audience), SHORT (lines of one to three words for very short
scenes), and how the language writes: JOIN (between sentences), END (a sentence's full stop), SPLIT (what
separates the clauses of a key message). Placeholders: {product}, {audience}, {Audience} (capitalised);
in English "[singular|plural]" picks the form that agrees with the product name.
"""

from __future__ import annotations

import importlib
from types import ModuleType

SUPPORTED = ("en", "de", "fr", "es", "pt", "it", "ja", "ar")
# Beats sharing a group are always within two scenes of each other, so a scene rewrite, which sees two
# neighbours each side, sees every line its group has used.
GROUP = {"hook": "hook", "problem": "problem", "reveal": "reveal", "cta": "cta"}
GROUPS = ("hook", "problem", "reveal", "middle", "cta")


def group(beat: str) -> str:
    """The line group of a beat (benefit, demo and proof share "middle")."""
    return GROUP.get(beat, "middle")


def bank(language: str) -> ModuleType:
    """The lines of a supported language."""
    if language not in SUPPORTED:
        raise KeyError(language)
    return importlib.import_module(f"{__name__}.{language}")
