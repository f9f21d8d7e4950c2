"""The article: what pressroom archives of one release, declared once.

Example::

    >>> from article.text import render
    >>> render("T", [("p", "Body.", "Body.")])[0]
    'T\\n\\nBody.'

A leaf: imports nothing of pressroom's. Extraction builds articles with it,
the archive stores them by it (tests/test_architecture.py keeps it so).
"""
