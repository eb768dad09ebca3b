"""render_video: scene pieces, then dissolves, then one stream-copied join muxed with the voice-over."""

from __future__ import annotations

import logging
import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from . import layers, overlays, runner, soundtrack, subtitles, voice
from .clips import Visual, blend_args, pan_size, scene_args, split_frames
from .runner import RenderCancelled
from .spec import RenderResult, RenderScene, RenderSpec, ScenePlan, frame_size, plan_timeline

log = logging.getLogger(__name__)

Progress = Callable[[int, int, str], None]
Cancel = Callable[[], bool]
_MOVING_SHOTS = ("wide", "establishing", "tracking", "aerial", "pan")


def _no_progress(done: int, total: int, message: str) -> None:
    return None


def _never() -> bool:
    return False


@dataclass
class _Job:
    scenes: Sequence[RenderScene]
    spec: RenderSpec
    size: tuple[int, int]
    plans: list[ScenePlan]
    work: Path
    should_cancel: Cancel
    narrator: voice.Narrator | None  # None: voice-over not requested
    segments: list[Path] = field(default_factory=list)
    speech: list[Path | None] = field(default_factory=list)

    def ffmpeg(self, args: list[str], step: str) -> None:
        if self.should_cancel():
            raise RenderCancelled(step)
        runner.run(args, logdir=self.work, step=step, should_cancel=self.should_cancel)


def _visuals(job: _Job, index: int) -> list[Visual]:
    """Each usable medium gets an equal share of the scene; no media means a title card (or the end card)."""
    plan, media = job.plans[index], layers.pictures(job.scenes[index])
    if not media:
        card = job.work / f"card-{index:02d}.png"
        layers.card_png(job.scenes, index, job.spec, job.size, card)
        return [Visual("card", str(card), plan.rendered)]
    visuals = []
    for k, (medium, frames) in enumerate(zip(media, split_frames(plan.rendered, len(media)), strict=True)):
        if medium.type.lower() == "video":
            runner.probe(medium.path)  # fail early, with a clear reason, on a missing or broken file
            visuals.append(Visual("video", medium.path, frames))
            continue
        still = job.work / f"still-{index:02d}-{k}.png"
        overlays.cover_png(medium.path, pan_size(job.size), still)
        visuals.append(Visual("still", str(still), frames))
    return visuals


def _motion(scene: RenderScene, index: int) -> int:
    # Wide shots travel sideways; closer shots drift vertically or diagonally, alternating by scene.
    horizontal = any(word in (scene.shot_type or "").lower() for word in _MOVING_SHOTS)
    return (0 if horizontal else 2) + index % 2


def _render_scene(job: _Job, index: int) -> None:
    if job.should_cancel():
        raise RenderCancelled(f"scene-{index:02d}")
    scene, plan = job.scenes[index], job.plans[index]
    if job.narrator:
        clip = job.work / f"voice-{index:02d}.wav"
        ok = job.narrator.speak(scene.script or "", plan.frames / job.spec.fps, clip)
        job.speech.append(clip if ok else None)
    on_top = layers.scene_layers(job.scenes, index, job.spec, plan, job.size, job.work)
    segment = job.work / f"scene-{index:02d}.mp4"
    visuals, motion = _visuals(job, index), _motion(scene, index)
    args = scene_args(visuals, on_top, plan, job.size, job.spec.fps, motion, segment)
    job.ffmpeg(args, f"scene-{index:02d}")
    job.segments.append(segment)


def _mix_path(job: _Job, index: int) -> Path:
    return job.work / f"mix-{index:02d}.mp4"


def _render_dissolves(job: _Job) -> None:
    """Each dissolve as its own short clip: a scene's extra tail mixed into the next scene's head."""
    for i, plan in enumerate(job.plans):
        if plan.blend_out:
            before, after = job.segments[i], job.segments[i + 1]
            args = blend_args(
                before, after, plan.frames, plan.blend_out, plan.blend_kind, job.spec.fps, _mix_path(job, i)
            )
            job.ffmpeg(args, f"mix-{i:02d}")


def _join_list(job: _Job) -> Path:
    """Concat-demuxer list: each scene cut to its own frames, with the dissolve clips in between."""
    fps, lines = job.spec.fps, []
    for i, (plan, segment) in enumerate(zip(job.plans, job.segments, strict=True)):
        lines.append(f"file '{segment.name}'")
        if plan.blend_in:
            lines.append(f"inpoint {plan.blend_in / fps:.6f}")
        if plan.blend_out:
            lines += [f"outpoint {plan.frames / fps:.6f}", f"file '{_mix_path(job, i).name}'"]
    listing = job.work / "segments.txt"
    listing.write_text("\n".join(lines) + "\n")
    return listing


def _audio_input(job: _Job, seconds: float) -> soundtrack.Soundtrack:
    """The narration WAV (when any scene spoke), the music under it, and what the soundtrack carries."""
    narration, spans = None, []
    if any(job.speech):
        narration = job.work / "narration.wav"
        samples = voice.sample_counts([p.frames for p in job.plans], job.spec.fps)
        spans = voice.write_narration(job.speech, samples, narration)
    spoken = job.narrator.summary() if job.narrator else (None, "voice-over not requested")
    return soundtrack.build(narration, spans, job.spec.music, seconds, spoken)


def _finish(job: _Job, out_path: str) -> RenderResult:
    _render_dissolves(job)
    audio = _audio_input(job, sum(p.frames for p in job.plans) / job.spec.fps)
    final = job.work / "final.mp4"
    inputs = ["-f", "concat", "-i", str(_join_list(job)), *audio.inputs]
    # The scripts as a soft subtitle track, from the same cues as the subtitle routes.
    srt = job.work / "subtitles.srt"
    subs_in, subs_out = subtitles.mux_args(job.scenes, job.spec.fps, job.spec.language, srt, inputs.count("-i"))
    job.ffmpeg([*inputs, *subs_in, *audio.output, *subs_out, "-movflags", "+faststart", str(final)], "join")
    probed = runner.probe(str(final))
    Path(out_path).parent.mkdir(parents=True, exist_ok=True)
    try:
        shutil.move(final, out_path)
    except OSError as exc:
        Path(out_path).unlink(missing_ok=True)  # a copy across file systems can stop half way
        log.error("moving the render to %s failed: %s", out_path, exc)
        raise runner.failure("the video could not be saved", "Check free space where videos are stored.") from exc
    return RenderResult(out_path, job.size[0], job.size[1], round(probed.duration, 3), audio.voiced, audio.audio)


def render_video(
    scenes: Sequence[RenderScene],
    spec: RenderSpec,
    out_path: str,
    *,
    workdir: str,
    on_progress: Progress = _no_progress,
    should_cancel: Cancel = _never,
) -> RenderResult:
    """Render the storyboard to an H.264/AAC MP4 at `out_path`; temp files live under `workdir`.

    Raises RenderCancelled when should_cancel() turns true, errors.UpstreamFailed when ffmpeg fails,
    errors.InvalidInput for an unusable spec. Nothing is left at `out_path` unless it succeeds.
    """
    size, plans = frame_size(spec.format, spec.resolution), plan_timeline(scenes, spec.fps)
    Path(workdir).mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="render-", dir=workdir))
    narrator = voice.Narrator(spec.language) if spec.voice else None
    job = _Job(scenes, spec, size, plans, work, should_cancel, narrator)
    try:
        for index in range(len(scenes)):
            on_progress(index, len(scenes), f"Rendering scene {index + 1} of {len(scenes)}")
            _render_scene(job, index)
        on_progress(len(scenes), len(scenes), "Finalizing video")
        result = _finish(job, out_path)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    on_progress(len(scenes), len(scenes), "Video rendering complete")
    return result
