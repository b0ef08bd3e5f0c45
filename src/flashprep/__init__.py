"""flashprep: a terminal flashcard trainer for job-interview questions."""

__version__ = "0.1.0"
