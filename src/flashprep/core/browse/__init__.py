"""The card browser's core: the query language (query.py), what every card holds for searching
(catalog.py), the search itself and its rows (search.py), and what can be done to the cards found.

Screens and commands only present it: `flashprep cards` and the browser screen ask the same
`find_cards`, so a query means the same thing everywhere (docs/query-language.md).
"""
