"""The card browser's core: query language, card rows, details, actions."""
