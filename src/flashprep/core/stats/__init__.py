"""Statistics: the review history read from the log (with its derived cache), and the report that
the statistics screen and `flashprep stats --json` show: streaks, retention, forecast, readiness."""
