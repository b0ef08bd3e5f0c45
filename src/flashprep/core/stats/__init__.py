"""Statistics: the review history read from the log (with its derived cache), and the report that
the statistics screen and `flashprep stats --json` show: streaks, retention, forecast, readiness;
and FSRS fitted to the history (`optimize`: the CLI command and the settings screen's button)."""
