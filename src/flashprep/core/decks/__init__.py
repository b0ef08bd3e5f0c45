"""Decks: the deck file format (models and plain records), the derived deck index that makes
start-up fast, and the library that loads bundled, imported and own decks with their overrides.
Decks are shared by every user; nothing here knows a user's schedule."""
