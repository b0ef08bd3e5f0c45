"""One module per screen; each screen owns its keys and help text."""

SHARED_CSS = "shared.tcss"
"""The rules several screens share, in this folder: each of them names it in its CSS_PATH, so that
it is parsed when the first of them opens (app.tcss is parsed before the first screen is drawn)."""
