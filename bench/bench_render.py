"""Render a 30 s, 5-scene storyboard at 720p and report speed and the ffmpeg children's peak memory."""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import imageio_ffmpeg
from PIL import Image, ImageDraw

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from storyboard.integrations.render import RenderMedia, RenderScene, RenderSpec, render_video  # noqa: E402
from storyboard.integrations.render.voice import tts_command  # noqa: E402

SCRIPTS = (
    "Mornings start better with Aurora: coffee the way you like it, in under a minute.",
    "Grind, brew and froth in one machine that fits any kitchen.",
    "Every cup tastes like your favourite café — without the queue.",
    "Designed in Lisbon, built to last, and easy to clean.",
    "Aurora. Order today and get free delivery.",
)


def make_media(root: Path) -> tuple[str, str]:
    """A detailed 1600x1200 photo stand-in and a 4 s 1280x720 clip with no audio."""
    size = (1600, 1200)
    img = Image.merge(
        "RGB",
        (
            Image.effect_mandelbrot(size, (-2.0, -1.2, 0.8, 1.2), 80),
            Image.linear_gradient("L").resize(size),
            Image.radial_gradient("L").resize(size),
        ),
    )
    ImageDraw.Draw(img).ellipse((500, 300, 1100, 900), outline=(255, 220, 0), width=12)
    photo, clip = root / "photo.jpg", root / "clip.mp4"
    img.save(photo, quality=90)
    subprocess.run(
        [
            imageio_ffmpeg.get_ffmpeg_exe(),
            "-v",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            "testsrc2=size=1280x720:rate=30:duration=4",
            "-pix_fmt",
            "yuv420p",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            str(clip),
        ],
        check=True,
    )
    return str(photo), str(clip)


def storyboard(photo: str, clip: str) -> list[RenderScene]:
    """Five 6 s scenes: photo, video, title card, photo + video, title card; every transition kind."""
    media = (
        (RenderMedia(photo, "image"),),
        (RenderMedia(clip, "video"),),
        (),
        (RenderMedia(photo, "image"), RenderMedia(clip, "video")),
        (),
    )
    transitions = ("dissolve", "fade", "cut", "dissolve", "fade")
    return [
        RenderScene(i + 1, 6.0, f"Scene {i + 1}: Aurora coffee machine", SCRIPTS[i], transitions[i], "wide", m)
        for i, m in enumerate(media)
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--resolution", default="720p")
    parser.add_argument("--format", default="16:9")
    parser.add_argument("--no-voice", action="store_true")
    parser.add_argument("--json", action="store_true", help="print one JSON object (bench/run.py reads it)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-render-") as tmp:
        root = Path(tmp)
        scenes = storyboard(*make_media(root))
        spec = RenderSpec(
            format=args.format,
            resolution=args.resolution,
            title="Aurora",
            brand_colors=("#1B3A4B", "#F2B134"),
            voice=not args.no_voice,
        )
        start = time.perf_counter()
        result = render_video(scenes, spec, str(root / "out.mp4"), workdir=str(root / "work"))
        elapsed = time.perf_counter() - start
        size_mb = Path(result.path).stat().st_size / 1e6
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    if args.json:
        summary = {
            "wall_s": elapsed,
            "video_s": result.duration,
            "voice": bool(result.has_audio_voice),
            "child_cpu_s": children.ru_utime + children.ru_stime,
            "child_peak_rss_MB": children.ru_maxrss / 1024,
            "size_MB": size_mb,
        }
        print(json.dumps(summary))
        return
    print(
        f"video       {result.width}x{result.height} {result.duration:.2f} s, {size_mb:.1f} MB, "
        f"voice={'espeak' if result.has_audio_voice else 'silent'} ({tts_command() or 'no tts'})"
    )
    print(f"render      {elapsed:.2f} s wall")
    print(f"speed       {elapsed / result.duration:.3f} s of render per s of video")
    print(f"children    {children.ru_utime + children.ru_stime:.2f} s CPU, peak RSS {children.ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
