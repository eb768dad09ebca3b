"""One cost formula for dry-run estimates, job creation, and actual cost after rendering (contract 4.9)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

SPLIT = {"storyboard_generation": 0.3, "image_generation": 0.5, "video_rendering": 0.2}


def estimate(duration: float, generate_audio: bool, prices: Mapping) -> dict:
    """Estimated cost of a job of `duration` seconds, with its breakdown."""
    base = prices["IMAGES_PER_JOB"] * prices["PRICE_IMAGE"] + duration * prices["PRICE_VIDEO_PER_SECOND"]
    breakdown = {key: round(base * share, 4) for key, share in SPLIT.items()}
    if generate_audio:
        breakdown["audio_generation"] = round(prices["PRICE_AUDIO"], 4)
    return {
        "estimatedCost": round(sum(breakdown.values()), 4),
        "currency": "USD",
        "breakdown": breakdown,
        "validUntil": datetime.now(UTC).strftime("%Y-%m-%dT23:59:59Z"),
    }


def actual(images: int, video_seconds: float, prices: Mapping) -> float:
    """What a finished render cost: the images it used and the seconds it rendered."""
    return round(images * prices["PRICE_IMAGE"] + video_seconds * prices["PRICE_VIDEO_PER_SECOND"], 2)
