"""Study: a drill, the queue of cards one session works through (reviews due, new cards under the
day's limits, learning steps), with undo, bury and suspend. Built on decks and storage."""
