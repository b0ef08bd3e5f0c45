"""Does flashprep's FSRS-6 optimizer agree with the reference one? And how long does a fit take?

    python benchmarks/optimizer_agreement.py --reference /path/to/python   # the full comparison
    python benchmarks/optimizer_agreement.py                               # flashprep's side only
    python benchmarks/optimizer_agreement.py --home DIR --user NAME        # time `optimize` on DIR

flashprep fits with core/scheduling/optimizer.py (plain Python, no dependency). The reference is
the `Optimizer` of the `fsrs` package (`pip install "fsrs[optimizer]"`, which needs PyTorch: over
a gigabyte, so it is not installed with flashprep). `--reference` names a Python that has it: the
same histories are fitted there in a subprocess, and both parameter sets are scored by both
evaluators (ours over every grade; the reference's own `_compute_batch_loss`, on each card's
first 64). The issue's bar: flashprep's log loss within 2 % of the reference's.

The histories are in benchmarks/data/optimizer_histories.json.gz (`--regenerate` rebuilds them):
- simulated learners (tests/support/fitlearner.py): FSRS-6 memories with parameters unlike the
  defaults, reviewing what the app schedules;
- `anki-import`: an Anki collection made with the real Anki library (the `anki` package of the
  test extra) whose review log is a simulated learner's, exported as .apkg and imported with
  `flashprep import`; its history is read back as the optimizer reads a user's. Anki's own
  optimizer (fsrs-rs inside Anki) fitted the same collection: its parameters are a third opinion.
  No real person's Anki history is available here (the Anki fixtures of the tests have no review
  log), so this measures the import path and a third optimizer, not a real learner.

The results of the last full run are in benchmarks/optimizer_agreement.json (written with
`--write`).
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests" / "support"))

from flashprep.core.scheduling import optimizer  # noqa: E402
from flashprep.core.scheduling.memorymodel import CardReviews  # noqa: E402
from flashprep.core.scheduling.parameters import DEFAULT_PARAMETERS, clamped  # noqa: E402

DATA = HERE / "data" / "optimizer_histories.json.gz"
RESULTS = HERE / "optimizer_agreement.json"
BAR = 0.02
"""The issue's bar: flashprep's log loss within 2 % of the reference's."""

SIMULATED: list[tuple[str, dict[int, float], int, int, int, int]] = [
    ("sim-default", {}, 300, 150, 5, 1),
    ("sim-forgets-fast", {8: 0.6, 10: 0.7, 20: 2.0}, 800, 240, 8, 2),
    ("sim-remembers-well", {8: 1.3, 10: 1.3}, 1000, 300, 8, 3),
    ("sim-first-memories", {0: 4.0, 1: 3.0, 2: 2.0, 3: 0.5, 20: 2.0}, 2000, 300, 15, 4),
]
"""Name, the learner's parameters (defaults times these), cards, days, new cards a day, seed."""
ANKI = ("anki-import", {8: 1.2, 20: 2.5}, 600, 200, 6, 5)

REFERENCE_SCRIPT = r"""
import json, sys, time
from datetime import datetime, timezone
from fsrs import Optimizer, Rating, ReviewLog

job = json.load(open(sys.argv[1]))
out = {}
for data in job["datasets"]:
    logs = [
        ReviewLog(card_id=i + 1, rating=Rating(r),
                  review_datetime=datetime.fromtimestamp(ms / 1000, timezone.utc),
                  review_duration=None)
        for i, (times, ratings) in enumerate(zip(data["ms"], data["ratings"]))
        for ms, r in zip(times, ratings)
    ]
    opt = Optimizer(logs)
    start = time.perf_counter()
    params = [float(x) for x in opt.compute_optimal_parameters()]
    seconds = time.perf_counter() - start
    sets = dict(data["evaluate"], reference=params)
    losses = {name: opt._compute_batch_loss(parameters=list(w)) for name, w in sets.items()}
    out[data["name"]] = {"parameters": params, "seconds": seconds, "losses": losses}
json.dump(out, sys.stdout)
"""


def _encode(cards: list[CardReviews]) -> dict[str, Any]:
    return {"ms": [list(c.ms) for c in cards], "ratings": [list(c.ratings) for c in cards]}


def _decode(data: dict[str, Any]) -> list[CardReviews]:
    return [
        CardReviews(tuple(ms), tuple(r)) for ms, r in zip(data["ms"], data["ratings"], strict=True)
    ]


# --- the histories ---------------------------------------------------------------------------


def _anki_history(folder: Path) -> tuple[list[CardReviews], list[float]]:
    """A simulated learner's log in an Anki collection, exported, imported into flashprep and
    read back; and the parameters Anki's own optimizer fits to that collection."""
    from anki.collection import Collection, ExportAnkiPackageOptions

    from fitlearner import simulate, varied
    from flashprep.cli import main
    from flashprep.core.paths import Home
    from flashprep.core.stats.historycache import load_history
    from flashprep.core.stats.modelfit import card_histories
    from flashprep.core.storage.userstore import UserStore

    _, scale, n_cards, days, per_day, seed = ANKI
    cards = simulate(varied(DEFAULT_PARAMETERS, scale), n_cards, days, per_day, seed)
    col = Collection(str(folder / "sim.anki2"))
    try:
        deck = col.decks.id("Simulated")
        basic = col.models.by_name("Basic")
        for index in range(len(cards)):
            note = col.new_note(basic)
            note["Front"], note["Back"] = f"Question {index}?", f"Answer {index}."
            col.add_note(note, deck)
        card_ids = sorted(col.find_cards("deck:Simulated"))
        next_id: set[int] = set()
        for cid, card in zip(card_ids, cards, strict=True):
            review = False
            for position, (ms, rating) in enumerate(zip(card.ms, card.ratings, strict=True)):
                same_day = position and ms - card.ms[position - 1] < 86_400_000
                kind = (2 if review else 0) if same_day or not position else 1
                review = review or (position > 0 and not same_day) or rating == 4
                row_id = ms
                while row_id in next_id:  # a revlog id is an instant in ms, and unique
                    row_id += 1
                next_id.add(row_id)
                col.db.execute(
                    "INSERT INTO revlog (id, cid, usn, ease, ivl, lastIvl, factor, time, type)"
                    " VALUES (?, ?, -1, ?, 1, 0, 2500, 8000, ?)",
                    row_id,
                    cid,
                    rating,
                    kind,
                )
        response = col._backend.compute_fsrs_params(
            search="deck:Simulated",
            current_params=[],
            ignore_revlogs_before_ms=0,
            num_of_relearning_steps=1,
            health_check=False,
        )
        anki_params = list(clamped(list(response.params)))
        package = folder / "sim.apkg"
        options = ExportAnkiPackageOptions(
            with_scheduling=True, with_deck_configs=False, with_media=False, legacy=False
        )
        col.export_anki_package(out_path=str(package), options=options, limit=None)
    finally:
        if col.db is not None:
            col.close()
    home = folder / "home"
    assert main(["--home", str(home), "--user", "anki", "import", str(package)]) == 0
    store = UserStore(Home(home), "anki")
    return card_histories(load_history(store)), anki_params


def regenerate() -> dict[str, Any]:
    from fitlearner import simulate, varied

    datasets: dict[str, Any] = {}
    for name, scale, cards, days, per_day, seed in SIMULATED:
        truth = varied(DEFAULT_PARAMETERS, scale)
        history = simulate(truth, cards, days, per_day, seed)
        datasets[name] = {"truth": list(truth), **_encode(history)}
    with tempfile.TemporaryDirectory() as tmp:
        history, anki_params = _anki_history(Path(tmp))
    truth = varied(DEFAULT_PARAMETERS, ANKI[1])
    datasets[ANKI[0]] = {"truth": list(truth), "anki": anki_params, **_encode(history)}
    DATA.parent.mkdir(exist_ok=True)
    DATA.write_bytes(gzip.compress(json.dumps(datasets).encode(), mtime=0))
    return datasets


# --- the comparison --------------------------------------------------------------------------


def compare(reference: str | None) -> dict[str, Any]:
    datasets = json.loads(gzip.decompress(DATA.read_bytes()))
    rows: dict[str, dict[str, Any]] = {}
    job = []
    for name, data in datasets.items():
        cards = _decode(data)
        start = time.perf_counter()
        mine = optimizer.fit(cards)
        seconds = time.perf_counter() - start
        sets = {"default": list(DEFAULT_PARAMETERS), "flashprep": list(mine)}
        sets["truth"] = data["truth"]
        if "anki" in data:
            sets["anki"] = data["anki"]
        rows[name] = {
            "cards": len(cards),
            "grades": sum(len(c.ratings) for c in cards),
            "scored": optimizer.scored_count(cards, None),
            "seconds": {"flashprep": round(seconds, 2)},
            "parameters": {"flashprep": [round(v, 6) for v in mine]},
            "sets": sets,
        }
        job.append({"name": name, **_encode(cards), "evaluate": sets})
    if reference:
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
            json.dump({"datasets": job}, f)
        try:
            done = subprocess.run(
                [reference, "-c", REFERENCE_SCRIPT, f.name],
                check=True,
                capture_output=True,
                text=True,
                env={**os.environ, "PYTHONPATH": ""},
            )
        finally:
            os.unlink(f.name)
        for name, result in json.loads(done.stdout).items():
            row = rows[name]
            row["sets"]["reference"] = result["parameters"]
            row["seconds"]["reference"] = round(result["seconds"], 2)
            row["parameters"]["reference"] = [round(v, 6) for v in result["parameters"]]
            row["reference_evaluator"] = {k: round(v, 6) for k, v in result["losses"].items()}
    out: dict[str, Any] = {}
    for name, row in rows.items():
        cards = _decode(datasets[name])
        sets = row.pop("sets")
        row["log_loss"] = {
            k: round(optimizer.log_loss(tuple(w), cards), 6) for k, w in sets.items()
        }
        row["log_loss_first_64"] = {
            k: round(optimizer.log_loss(tuple(w), cards, optimizer.MAX_GRADES), 6)
            for k, w in sets.items()
        }
        if "reference" in sets:
            ours, theirs = row["log_loss"]["flashprep"], row["log_loss"]["reference"]
            row["difference"] = round(ours / theirs - 1, 6)
            row["within_bar"] = abs(ours / theirs - 1) <= BAR
            row["largest_parameter_gap"] = max(
                abs(a - b) for a, b in zip(sets["flashprep"], sets["reference"], strict=True)
            )
        out[name] = row
    return out


def time_home(home: Path, user: str) -> dict[str, Any]:
    """`flashprep optimize` on a copy of `home`: cold (no history cache) and warm."""
    runs: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "home"
        shutil.copytree(home, copy)
        shutil.rmtree(copy / "users" / user / "cache" / "history", ignore_errors=True)
        for label, args in (("cold, dry run", ["--dry-run"]), ("warm, kept", [])):
            start = time.perf_counter()
            done = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "flashprep",
                    "--home",
                    str(copy),
                    "--user",
                    user,
                    "optimize",
                    "--json",
                    *args,
                ],
                check=True,
                capture_output=True,
                text=True,
            )
            result = json.loads(done.stdout)
            runs[label] = {
                "seconds": round(time.perf_counter() - start, 1),
                "reviews": result["reviews"],
                "kept": result["kept"],
                "log_loss": [result["before"]["log_loss"], result["after"]["log_loss"]],
            }
    return runs


def _cell(loss: dict[str, float], key: str) -> str:
    value = loss.get(key)
    return f"{value:8.4f}" if value is not None and not math.isnan(value) else f"{'-':>8}"


def _table(results: dict[str, Any]) -> None:
    print(
        f"{'history':<20} {'grades':>7} {'default':>8} {'ours':>8} {'ref.':>8} {'anki':>8} "
        f"{'truth':>8} {'diff':>7} {'ours s':>7} {'ref. s':>7}"
    )
    for name, row in results.items():
        loss = row["log_loss"]
        cells = " ".join(_cell(loss, k) for k in ("default", "flashprep", "reference", "anki"))
        diff = f"{row['difference']:+7.2%}" if "difference" in row else f"{'-':>7}"
        ref_s = row["seconds"].get("reference")
        print(
            f"{name:<20} {row['grades']:>7} {cells} {_cell(loss, 'truth')} {diff} "
            f"{row['seconds']['flashprep']:>7.2f} {ref_s if ref_s is not None else '-':>7}"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reference", metavar="PYTHON", help="a Python with fsrs[optimizer]")
    parser.add_argument("--regenerate", action="store_true", help="rebuild the histories")
    parser.add_argument("--home", type=Path, help="time `flashprep optimize` on a copy of DIR")
    parser.add_argument("--user", default="bench", help="the user in --home (default: bench)")
    parser.add_argument("--write", action="store_true", help=f"save the results to {RESULTS.name}")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args()
    if args.regenerate or not DATA.exists():
        regenerate()
    results: dict[str, Any] = {"histories": compare(args.reference)}
    if args.home:
        results["optimize_command"] = {"home": args.home.name, **time_home(args.home, args.user)}
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        _table(results["histories"])
        for label, run in results.get("optimize_command", {}).items():
            print(f"optimize ({label}): {run}")
    if args.write:
        RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    misses = [n for n, r in results["histories"].items() if r.get("within_bar") is False]
    return 1 if misses else 0


if __name__ == "__main__":
    sys.exit(main())
