"""The core: everything flashprep knows, without a user interface. Never imports Textual or Rich.

Layers, lowest first (a module imports only from its own layer or lower ones; the contracts in
pyproject.toml check it, docs/architecture.md draws it):

- `clock`, `paths`, `text`: time and the study day, where files live, cleaning untrusted text;
- `files`: safe writes, locks, TOML reading with precise errors;
- `scheduling` and `decks`: a card's state and FSRS; the deck format and the deck library;
- `storage`: one user's review log, checkpoint, profile and the UserStore;
- `study`: a drill;
- `interview` and `stats`: the interview plan, mock rounds and stories; the statistics report;
- `importers` and `exporters`: other tools' formats in and out.
"""
