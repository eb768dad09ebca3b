"""The shape of an offline storyboard: how long each beat lasts and which scene shows which asset."""

from __future__ import annotations

from collections.abc import Sequence

from ..base import AssetBrief

WEIGHTS = {"hook": 0.8, "problem": 1.0, "reveal": 1.2, "benefit": 1.0, "demo": 1.0, "proof": 0.9, "cta": 1.0}
TENTHS_PER_WORD = 4  # 2.5 words a second
MAX_TENTHS = 600


def durations(total: float, beats: Sequence[str], needs: Sequence[int]) -> list[float]:
    """One-decimal durations by beat weight summing exactly to `total`, each scene long enough to say the
    `needs[i]` words it must say (the last scene gives way first when everything cannot fit)."""
    tenths, n = round(total * 10), len(beats)
    low = min(10, tenths // n)
    need = [min(MAX_TENTHS, max(low, words * TENTHS_PER_WORD)) for words in needs]
    need[-1] = max(low, need[-1] - max(0, sum(need) - tenths))
    while sum(need) > tenths:  # only when the caller could not shorten enough: give way evenly
        need = [max(low, x - 1) for x in need]
    shares = _weighted([WEIGHTS.get(b, 1.0) for b in beats], tenths, need)
    ints = [max(x, int(s)) for x, s in zip(need, shares, strict=True)]
    by_fraction = sorted(range(n), key=lambda i: (-(shares[i] - int(shares[i])), i))
    for i in by_fraction * 2:
        gap = tenths - sum(ints)
        if gap == 0:
            break
        step = 1 if gap > 0 else -1
        if need[i] <= ints[i] + step <= MAX_TENTHS:
            ints[i] += step
    ints[-1] += tenths - sum(ints)
    return [i / 10 for i in ints]


def _weighted(weights: list[float], total: int, floor: list[int]) -> list[float]:
    """Shares of `total` in proportion to `weights`, none below its `floor`."""
    fixed: dict[int, float] = {}
    while True:
        free = [i for i in range(len(weights)) if i not in fixed]
        if not free:
            return [fixed[i] for i in range(len(weights))]
        scale = (total - sum(fixed.values())) / sum(weights[i] for i in free)
        shares = {i: weights[i] * scale for i in free}
        short = {i: float(floor[i]) for i in free if shares[i] < floor[i]}
        if not short:
            return [fixed.get(i, shares.get(i, 0.0)) for i in range(len(weights))]
        fixed.update(short)


def place_assets(assets: Sequence[AssetBrief], beats: Sequence[str]) -> list[list[str]]:
    """Asset ids per scene: logos at the end, product shots at the reveal, backgrounds first, the rest spread."""
    placed: list[list[str]] = [[] for _ in beats]
    for asset in assets:
        placed[_asset_index(asset, beats, placed)].append(asset.id)
    return placed


def _asset_index(asset: AssetBrief, beats: Sequence[str], placed: list[list[str]]) -> int:
    hints = " ".join([asset.role or "", *asset.tags, asset.name]).lower()
    if any(w in hints for w in ("logo", "brand", "closing", "end")):
        wanted: tuple[str, ...] = ("cta",)
    elif any(w in hints for w in ("product", "hero", "subject")):
        wanted = ("reveal", "benefit", "cta")
    elif asset.type == "audio" or any(w in hints for w in ("background", "first_frame", "intro")):
        wanted = ("hook", "problem")
    elif asset.type == "video":
        wanted = ("demo", "benefit", "problem", "hook")
    else:
        wanted = ("benefit", "proof", "problem", "demo", "hook")
    options = [i for i, b in enumerate(beats) if b in wanted] or list(range(len(beats)))
    if wanted[0] in ("cta", "reveal"):
        return options[0]
    # Spread supporting footage instead of piling it all into one scene.
    return min(options, key=lambda i: (len(placed[i]), i))


def beat_at(number: int, neighbours: Sequence[int]) -> str:
    """The beat of a scene that does not say its own: last is the call to action, first the hook."""
    if not neighbours or number > max(neighbours):
        return "cta"
    return "hook" if number < min(neighbours) else "benefit"
