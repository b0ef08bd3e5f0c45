"""One user's storage: the append-only review log (the truth), the state checkpoint and its binary
cache, the profile and its settings, backups, and the UserStore that replays the log into card
states and records each grade durably before the next card is shown."""
