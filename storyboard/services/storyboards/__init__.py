"""Storyboards: the first one written in the background, rewrites after feedback, and editing scenes.

Modules: `generate` (first storyboard, regenerate all), `writer` (ask the LLM, repair, one retry), `rules`
(what a storyboard must satisfy), `briefs` (what the LLM is told), `editing` (the scenes API), `records`
(scenes as rows, drafts, revisions, versions). The layer above may call the functions re-exported here.
"""

from storyboard.services.storyboards.editing import (
    delete_scene,
    get_scene,
    list_revisions,
    list_scenes,
    regenerate_scene,
    restore_revision,
    update_scene,
)
from storyboard.services.storyboards.generate import fail_generation, generate_storyboard

__all__ = [
    "delete_scene",
    "fail_generation",
    "generate_storyboard",
    "get_scene",
    "list_revisions",
    "list_scenes",
    "regenerate_scene",
    "restore_revision",
    "update_scene",
]
