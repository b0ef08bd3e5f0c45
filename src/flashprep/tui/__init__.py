"""The Textual user interface: screens that present the core and turn keys into calls."""
