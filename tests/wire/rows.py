"""Varied rows (unsaved ORM objects) of jobs, scenes, assets, clients, campaigns: every status, odd values."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta, timezone

from sqlalchemy.orm.attributes import set_committed_value

from storyboard.models import (
    ASSET_STATUSES,
    ASSET_TYPES,
    CAMPAIGN_STATUSES,
    JOB_STATUSES,
    Asset,
    Campaign,
    Client,
    Job,
    Scene,
)

_WHEN = (
    None,
    datetime(2024, 5, 1, 12, 0, 0, 123456, tzinfo=UTC),
    datetime(2024, 5, 1, 12, 0, 0),
    datetime(2023, 12, 31, 23, 59, 59, 999999, tzinfo=timezone(timedelta(hours=-5))),
)
_LOADED_BRIEF = {
    "context": {"client_id": "c-1", "campaign_id": None, "user_id": "u-1"},
    "ad_basics": {
        "product": "Aurora Smart Bottle",
        "target_audience": "busy commuters",
        "key_message": "Stay hydrated, café-style ☕",
        "call_to_action": "Order today",
    },
    "creative": {
        "video_specs": {"duration": 30.0, "format": "16:9", "resolution": "720p"},
        "direction": {"style": "modern", "tone": None, "visual_elements": ["city", "sun"], "music_style": "lofi"},
        "assets": [
            {"url": "https://media.test/a.png", "type": "image", "name": "logo", "role": None},
            {"asset_id": "a-1", "url": None},
        ],
        "storyboard": {"scenes": [{"description": "x", "duration": 5}]},
    },
    "advanced": {"duration": 30, "resolution": "1080p", "model_preferences": ["m1", "m2"]},
    "generate_audio": True,
    "callback_url": "https://hooks.test/cb",
}
# What the factories store: the request body as sent (camelCase keys, which the dump does not read).
_SENT_BRIEF = {
    "context": {"clientId": "c-1"},
    "adBasics": {"product": "p", "targetAudience": "t", "keyMessage": "k", "callToAction": "c"},
    "creative": {"videoSpecs": {"duration": 30, "format": "16:9"}, "direction": {"style": "modern"}},
}
# Values of the wrong type, which each field converts on dump (str(5), float(12), int(29.7)).
_ODD_BRIEF = {
    "context": {"client_id": 1, "campaign_id": 2},
    "ad_basics": {"product": 7, "target_audience": 8.5, "key_message": True, "call_to_action": ["x"]},
    "creative": {
        "video_specs": {"duration": 12, "format": 169, "resolution": 720},
        "direction": {"style": 1, "tone": 5, "visual_elements": [1, None, "x"], "music_style": 0},
        "assets": [{"url": 1, "asset_id": 2, "type": 3, "name": 4, "role": 5}],
        "storyboard": {},
    },
    "advanced": {"duration": "30", "resolution": 1080, "model_preferences": [1, 2]},
    "generate_audio": "yes",
    "callback_url": 0,
}
REQUESTS = (
    _ODD_BRIEF,
    None,
    {},
    _LOADED_BRIEF,
    _SENT_BRIEF,
    {"context": None, "ad_basics": {"product": 7}, "advanced": None, "generate_audio": False, "extra": 1},
    {"creative": {"video_specs": None, "direction": {}, "assets": [], "storyboard": None}},
    {"creative": {"video_specs": {"duration": 12}, "assets": [None, {"type": "video"}], "storyboard": {}}},
    {"advanced": {"duration": 29.7, "model_preferences": None}, "callback_url": None, "generate_audio": None},
    {"context": "not an object", "creative": {"direction": ["odd"], "assets": None}},
)
# What a completed render stored in jobs.audio (the renderer's report), and odd values a hand-made row may hold.
AUDIO = (
    None,
    {
        "voice": {"engine": "espeak-ng", "version": "1.52.0", "language": "de", "voice": "de"},
        "music": True,
        "reason": None,
    },
    {"voice": None, "music": False, "reason": "engine unavailable: libespeak-ng not found"},
    {"voice": None, "music": True, "reason": "synthesis failed: timeout"},
    {"voice": None, "music": False, "reason": "synthesis failed: timeout"},
    {"voice": None, "music": False, "reason": "no script"},
    {"voice": {"engine": 3, "language": None}, "music": "yes", "reason": 5},
    {},
    ["not", "a", "dict"],
)
PROGRESS = (
    None,
    {},
    {"current_stage": "pending", "scenes_total": 0, "scenes_completed": 0, "percent": 0},
    {
        "current_stage": "rendering",
        "scenes_total": 5,
        "scenes_completed": 2,
        "current_scene": 3,
        "estimated_completion_seconds": 40,
        "message": "Rendering scene 3",
        "percent": 47,
    },
    {"current_stage": "rendering", "current_scene": None, "estimated_completion_seconds": None, "message": None},
    {"percent": 33.7, "scenes_total": 5.0, "estimated_completion_seconds": 1.5, "unknown": "kept out"},
    {
        "current_stage": 3,
        "scenes_total": "5",
        "scenes_completed": 1.9,
        "current_scene": 2.0,
        "estimated_completion_seconds": 4,
        "message": 404,
        "percent": "50",
    },
)


def _pick(rng: random.Random, options):
    return options[rng.randrange(len(options))]


def make_scene(rng: random.Random, job_id: str, number: int) -> Scene:
    return Scene(
        id=f"s-{job_id}-{number}",
        job_id=_pick(rng, (job_id, None)),
        scene_number=_pick(rng, (number, None)),
        duration=_pick(rng, (5.0, 6, 2.5, None)),
        description=_pick(rng, ("A wide shot of the city at dawn", "", None, 'Ünïcode — "quoted"\n')),
        script=_pick(rng, ("Words on screen", None, "", 12)),
        on_screen_text=_pick(rng, ("Order today", "", None, 'Ünïcode — "super"\n', 7)),
        shot_type=_pick(rng, ("wide", "close-up", None)),
        transition=_pick(rng, ("cut", "fade", None)),
        assets=_pick(rng, ([], ["a-1", "a-2"], None)),
        meta=_pick(rng, ({}, {"mood": "calm", "nested": {"k": [1, 2.0]}}, None)),
        version=_pick(rng, (1, 4, None)),
        created_at=_pick(rng, _WHEN),
        updated_at=_pick(rng, _WHEN),
    )


def make_job(rng: random.Random, index: int, status: str | None = None) -> Job:
    job = Job(
        id=f"job-{index}",
        user_id="u-1",
        client_id=_pick(rng, ("c-1", None)),
        campaign_id=_pick(rng, ("camp-1", None)),
        status=status or _pick(rng, (*JOB_STATUSES, "an_old_status", None)),
        progress=_pick(rng, PROGRESS),
        request=_pick(rng, REQUESTS),
        asset_ids=_pick(rng, (None, [], ["a-1", "a-2"])),
        generate_audio=_pick(rng, (True, False, None)),
        estimated_cost=_pick(rng, (3.015, 3, 0, None)),
        actual_cost=_pick(rng, (None, 2.5, 4)),
        error=_pick(rng, (None, "Failed to render: ffmpeg exited 1")),
        error_detail=_pick(rng, (None, {}, {"stage": "render", "retryable": False, "attempts": 2})),
        feedback=_pick(rng, (None, "more blue", 42)),
        callback_url=_pick(rng, (None, "https://hooks.test/cb")),
        video_blob_id=_pick(rng, (None, "b-video")),
        poster_blob_id=_pick(rng, (None, "b-poster")),
        audio=_pick(rng, AUDIO),
        version=_pick(rng, (1, 3, None, 2.0)),
        approved_at=_pick(rng, _WHEN),
        created_at=_pick(rng, _WHEN),
        updated_at=_pick(rng, _WHEN),
    )
    scenes = [make_scene(rng, job.id, n) for n in range(1, _pick(rng, (0, 1, 5)) + 1)]
    set_committed_value(job, "scenes", _pick(rng, (scenes, scenes, None)))
    # Totals that match the brief (30 s, or 12 s in the odd one), drift from it, or are unknown (no scenes).
    job.scenes_duration = _pick(rng, (None, 30.0, 27.5, 12, 29.96, 30.04, 0.0, 121.25))
    return job


def jobs(count: int = 400, seed: int = 9) -> list[Job]:
    """Every status with every progress and request variant, then random mixes of all fields."""
    rng = random.Random(seed)
    rows = [make_job(rng, i, status) for i, status in enumerate(JOB_STATUSES)]
    rows += [make_job(rng, len(rows) + i) for i in range(count)]
    for i, (progress, request) in enumerate((p, r) for p in PROGRESS for r in REQUESTS):
        job = make_job(rng, 10_000 + i, JOB_STATUSES[i % len(JOB_STATUSES)])
        job.progress, job.request = progress, request
        rows.append(job)
    return rows


def assets(count: int = 200, seed: int = 9) -> list[Asset]:
    rng = random.Random(seed)
    return [
        Asset(
            id=f"a-{i}",
            user_id=_pick(rng, ("u-1", None)),
            client_id=_pick(rng, ("c-1", None)),
            campaign_id=_pick(rng, ("camp-1", None)),
            name=_pick(rng, ("logo.png", "", None)),
            type=ASSET_TYPES[i % len(ASSET_TYPES)] if i < 40 else _pick(rng, (*ASSET_TYPES, "other", None)),
            format=_pick(rng, ("png", None)),
            content_type=_pick(rng, ("image/png", None)),
            size=_pick(rng, (None, 0, 1234567890123, 10.0)),
            width=_pick(rng, (None, 0, 1920)),
            height=_pick(rng, (None, 0, 1080)),
            duration=_pick(rng, (None, 0, 0.0, 12.34567, 3)),
            tags=_pick(rng, (None, [], ["a", "b"])),
            role=_pick(rng, (None, "logo", 3)),
            blob_id=_pick(rng, (None, "b-1")),
            thumbnail_blob_id=_pick(rng, (None, "b-thumb")),
            source_url=_pick(rng, (None, "https://media.test/x.png")),
            status=_pick(rng, (*ASSET_STATUSES, None)),
            error=_pick(rng, (None, "Download failed")),
            uploaded_at=_pick(rng, _WHEN),
        )
        for i in range(count)
    ]


_BRANDS = (
    None,
    {},
    {"colors": ["#E63946", "#1D3557"], "fonts": ["Inter"], "tone": "warm", "restrictions": [], "examples": None},
    {"tone": None, "colors": None, "unknown": "kept out"},
    {"colors": [1, None, "x"], "tone": 5, "examples": ["a", 2]},
)
_META = (None, {}, {"tier": "gold", "n": 3, "nested": {"a": [1, 2.5, None, True]}, "é": "ü ☕"})


def clients(count: int = 200, seed: int = 9) -> list[Client]:
    rng = random.Random(seed)
    return [
        Client(
            id=f"c-{i}",
            user_id="u-1",
            name=_pick(rng, ("Acme", "", None, 7)),
            description=_pick(rng, (None, "", "Shoes ☕")),
            homepage=_pick(rng, (None, "https://acme.test")),
            brand_guidelines=_BRANDS[i % len(_BRANDS)] if i < 20 else _pick(rng, _BRANDS),
            meta=_pick(rng, _META),
            created_at=_pick(rng, _WHEN),
            updated_at=_pick(rng, _WHEN),
        )
        for i in range(count)
    ]


def campaigns(count: int = 200, seed: int = 9) -> list[Campaign]:
    rng = random.Random(seed)
    return [
        Campaign(
            id=f"camp-{i}",
            user_id="u-1",
            client_id=_pick(rng, ("c-1", None)),
            name=_pick(rng, ("Launch", "", None)),
            goal=_pick(rng, ("awareness", None, 3)),
            status=_pick(rng, (*CAMPAIGN_STATUSES, None)),
            product_url=_pick(rng, (None, "https://acme.test/p")),
            brief=_pick(rng, _META),
            meta=_pick(rng, _META),
            created_at=_pick(rng, _WHEN),
            updated_at=_pick(rng, _WHEN),
        )
        for i in range(count)
    ]
