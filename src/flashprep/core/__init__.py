"""The core: models, scheduling, storage, importers and statistics. Never imports Textual."""
