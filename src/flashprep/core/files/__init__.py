"""Files, the lowest layer: writing safely (atomic replace, durable append, file modes, temporary
files tidied after a crash), locks, the staging folder, reading TOML with errors that name the file,
line and field, and the fast TOML writer. Knows nothing of cards or users."""
