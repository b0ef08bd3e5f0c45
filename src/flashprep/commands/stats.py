"""`flashprep stats`: this user's statistics."""

from __future__ import annotations

import argparse
import json
from typing import Any

from flashprep.commands.common import add_common_options, open_user
from flashprep.core.plan import interview_stats
from flashprep.core.stats import basic_stats


def register(sub: Any) -> None:
    parser = sub.add_parser("stats", help="this user's review statistics")
    parser.add_argument("--json", action="store_true", help="print JSON for scripts")
    add_common_options(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    opened = open_user(args)
    summary = basic_stats(opened.library, opened.store)
    if args.json:
        # interview practice (issue 7): interview_date and readiness per topic
        summary.update(interview_stats(opened.library, opened.store))
        print(json.dumps(summary, indent=2))
    else:
        for key, value in summary.items():
            print(f"{key:>14}: {value}")
    return 0
