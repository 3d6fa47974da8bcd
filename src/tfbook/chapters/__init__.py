"""Code the chapters teach, generated from their cells marked ``#| export``.

Each module is named after its chapter (``chapters/metrics.ipynb`` gives
:mod:`tfbook.chapters.metrics`) and is written by ``make export``
(:mod:`tfbook.export`); the chapter is the source, and a test fails when a
module and its chapter disagree. Do not edit these modules by hand.
"""
