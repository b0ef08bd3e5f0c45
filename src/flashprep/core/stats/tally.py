"""What the statistics need of the whole history, counted in parts: a beginning counted once
(kept by retentioncache.py at a mark of the history cache), the grades after it added each time.

Beyond the true retention's samples (retention.RetentionTally) that is the grades per study day
(the heatmap, the streaks), each card's Again count (the hardest cards), the cards whose last
grade was Again (recall now) and how many grades there are: with those the report dates only
the grades of the range asked for, not a million.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from itertools import compress

from flashprep.core.stats.retention import RetentionTally
from flashprep.core.stats.studydays import Dated


@dataclass
class Tally:
    retention: RetentionTally = field(default_factory=RetentionTally)
    days: Counter[int] = field(default_factory=Counter)
    """Grades per study day (date ordinal)."""
    agains: Counter[str] = field(default_factory=Counter)
    """Again grades per card."""
    forgotten: set[str] = field(default_factory=set)
    """The cards whose last grade was Again (readiness.forgotten)."""
    total: int = 0

    def add(self, dated: Dated) -> bool:
        """Count the grades that follow; False (nothing counted) when their days go back."""
        if not self.retention.add(dated):
            return False
        h = dated.reviews
        self.days.update(Counter(dated.days))
        again = [rating == 1 for rating in h.rating]
        self.agains.update(compress(h.card, again))
        for card, rating in dict(zip(h.card, h.rating, strict=True)).items():
            if rating == 1:
                self.forgotten.add(card)
            else:
                self.forgotten.discard(card)
        self.total += len(h)
        return True
