"""The one benchmark: every figure next to its anchor measured in the same run, printed as one table.

    make bench                                  # = .venv/bin/python bench/run.py $(BENCH_ARGS)
    .venv/bin/python bench/run.py [--only reads,blobs,team,render,scale] [--rounds 3] [--baseline 9ec90ef|none]
                                  [--seconds 3] [--blob-seconds 2] [--team-jobs 60] [--scale-jobs 80]

Sections (see the docstring of each module, and bench/README.md):

- reads  (bench/reads.py): wrk on the read routes, SQLite and Postgres, against clients?limit=50 on the same
  server, against the same routes of the baseline revision's tree, and p99 against p50;
- blobs  (bench/blobs.py): the 100 MB asset served whole and as 1 MiB ranges against nginx serving the same
  file, URL ingest against curl of the same URL, worker RSS growth; filesystem store (SQLite), postgres store,
  s3 store (against a moto S3 server; also a 100 MB upload, and the reads against the S3 server itself);
- team   (bench/team.py): job creations per second, Postgres + Redis + 2 RQ workers, against local mode;
- render (bench/bench_render.py): seconds to render a 30 s animatic against the video's 30 s;
- scale  (bench/scale.py, also runnable alone): job creates/s, storyboards/s and blob GETs/s of two API instances
  + two RQ workers against one + one on the same Postgres + Redis + S3 server; the ratio is the scaling factor.

Every figure is the median of `--rounds` rounds, and within a round a figure and its anchor are measured back
to back (the baseline and the current tree alternate, their order swapped every round); the ratio is the
median figure over the median anchor (each round's own ratio is in the JSON). The table goes to stdout,
bench/out/latest.md and, with every sample, to bench/out/bench-<time>.json and bench/out/latest.json.
Numbers are printed, never asserted: the exit status is 0 even when a target is missed (1 only when a row
could not be measured).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import blobs  # noqa: E402
import reads  # noqa: E402
import scale  # noqa: E402
import team  # noqa: E402
from harness import (  # noqa: E402
    APT_LINE,
    OUT,
    ROOT,
    Row,
    cleanup_all,
    export_tree,
    git,
    install_signal_handlers,
    load_text,
    log,
    median,
    table,
    tool,
)

SECTIONS = ("reads", "blobs", "team", "render", "scale")
DEFAULT_BASELINE = "9ec90ef"


def busy_processes(limit: int = 5) -> list[str]:
    """The processes using the most CPU right now (top's second sample, over 1 s), to say what ran beside."""
    try:
        out = subprocess.run(
            ["top", "-b", "-n", "2", "-d", "1", "-o", "%CPU", "-w", "200"], capture_output=True, text=True, timeout=10
        ).stdout
    except (OSError, subprocess.TimeoutExpired):
        return []
    second = out.split("\ntop -")[-1].splitlines()
    try:
        start = next(i for i, line in enumerate(second) if line.lstrip().startswith("PID")) + 1
    except StopIteration:
        return []
    busy = []
    for line in second[start:]:
        parts = line.split(None, 11)
        if len(parts) == 12 and float(parts[8]) >= 5.0:
            busy.append(f"{parts[11]} {float(parts[8]):.0f}%")
    return busy[:limit]


def render_rows(args, rows: list[Row], results: dict) -> None:
    row = Row("render", "Render a 30 s 5-scene 720p animatic (bench_render.py), wall seconds", "s",
              "the video's duration (real time)")  # fmt: skip
    samples = []
    try:
        for round_no in range(args.rounds):
            done = subprocess.run(
                [sys.executable, str(ROOT / "bench" / "bench_render.py"), "--json"],
                cwd=ROOT, capture_output=True, text=True, timeout=900,
            )  # fmt: skip
            if done.returncode:
                raise RuntimeError(f"bench_render.py failed: {done.stderr[-500:]}")
            got = json.loads(done.stdout.strip().splitlines()[-1])
            samples.append(got)
            row.add(got["wall_s"], got["video_s"])
            log(f"render: round {round_no + 1}: {got['wall_s']:.1f} s for {got['video_s']:.0f} s of video")
        row.note = "voice: espeak-ng" if samples[0]["voice"] else "voice: silent (espeak-ng not installed)"
        row.figure += f" ({'espeak voice' if samples[0]['voice'] else 'no espeak-ng: silent'})"
    except Exception as error:  # noqa: BLE001
        log(f"render: FAILED: {error}")
        row.error = str(error).splitlines()[0][:120]
    rows.append(row)
    results["render"] = {
        "samples": samples,
        "child_cpu_s": median([s["child_cpu_s"] for s in samples]),
        "child_peak_rss_MB": median([s["child_peak_rss_MB"] for s in samples]),
    }


def describe_tree() -> str:
    commit = git("rev-parse", "--short", "HEAD")
    dirty = git("status", "--porcelain", "--untracked-files=no", "--", "storyboard", "migrations", "config.py",
                "wsgi.py", "gunicorn.conf.py", "requirements.txt")  # fmt: skip
    return commit + (" + uncommitted changes" if dirty else "")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default=",".join(SECTIONS), help=f"comma list of {', '.join(SECTIONS)}")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds per figure (median; >= 3)")
    parser.add_argument("--baseline", default=DEFAULT_BASELINE, help="revision the read routes are compared to "
                        "('none' to skip)")  # fmt: skip
    parser.add_argument("--seconds", type=int, default=3, help="wrk duration of one measurement (whole seconds)")
    parser.add_argument("--blob-seconds", type=float, default=2, help="duration of one blob measurement")
    parser.add_argument("--team-jobs", type=int, default=60, help="jobs per round in the team section")
    parser.add_argument("--scale-jobs", type=int, default=80, help="jobs per set-up and round in the scale section")
    args = parser.parse_args()
    args.apt_line = APT_LINE
    sections = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = set(sections) - set(SECTIONS)
    if unknown:
        parser.error(f"unknown section(s): {', '.join(sorted(unknown))}")
    install_signal_handlers()

    started, load_start = time.time(), load_text()
    tree = describe_tree()
    busy = busy_processes()
    missing = [name for name in ("nginx", "wrk") if not tool(name)]
    if missing:
        print(f"!! {' and '.join(missing)} not found: rows that need {'them' if len(missing) > 1 else 'it'} are "
              f"skipped. Install with:\n!!     {APT_LINE}", flush=True)  # fmt: skip
    log(f"bench: {tree}, sections {','.join(sections)}, {args.rounds} rounds; busy beside: {', '.join(busy) or '-'}")
    rows: list[Row] = []
    results: dict = {}
    baseline_rev = baseline_root = None
    try:
        if "reads" in sections:
            if args.baseline and args.baseline.lower() != "none":
                baseline_rev = git("rev-parse", "--short", args.baseline)
                log(f"baseline: git archive {baseline_rev} into a temporary folder")
                baseline_root = export_tree(baseline_rev)
            reads.run(args, rows, results, baseline_root, baseline_rev or "")
        if "blobs" in sections:
            blobs.run(args, rows, results)
        if "team" in sections:
            team.run(args, rows, results)
        if "render" in sections:
            render_rows(args, rows, results)
        if "scale" in sections:
            scale.run(args, rows, results)
    finally:
        cleanup_all()

    seconds = time.time() - started
    busy_end = busy_processes()
    header = (
        f"{time.strftime('%Y-%m-%d %H:%M %Z')} | commit {tree}"
        + (f" | baseline {baseline_rev}" if baseline_rev else "")
        + f" | nproc {os.cpu_count()} | load average at start {load_start}, at end {load_text()}"
        + f" | {args.rounds} rounds | {seconds / 60:.1f} min"
    )
    text = header + "\n\n" + table(rows)
    text += "\n\nbusy beside the bench (CPU % over 1 s): "
    text += f"at start {', '.join(busy) or '-'}; at end {', '.join(busy_end) or '-'}"
    if missing:
        text += f"\n\n{' and '.join(missing)} not found, their rows skipped: {APT_LINE}"
    print("\n" + text, flush=True)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "latest.md").write_text(text + "\n")
    document = {
        "header": header,
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "commit": tree,
        "baseline": baseline_rev,
        "nproc": os.cpu_count(),
        "load_start": load_start,
        "load_end": load_text(),
        "busy_at_start": busy,
        "busy_at_end": busy_end,
        "python": platform.python_version(),
        "seconds": seconds,
        "args": {k: v for k, v in vars(args).items() if k != "apt_line"},
        "rows": [row.as_json() for row in rows],
        "sections": results,
    }
    name = f"bench-{time.strftime('%Y%m%d-%H%M%S')}.json"
    for path in (OUT / name, OUT / "latest.json"):
        path.write_text(json.dumps(document, indent=2, default=str))
    print(f"\n(written to bench/out/latest.md, bench/out/{name} and bench/out/latest.json)")
    return 1 if any(row.error for row in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
