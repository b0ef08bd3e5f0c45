"""One module per screen; each screen owns its keys and help text."""
