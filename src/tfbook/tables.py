"""The book's one text-table formatter, for results and for weights."""

from __future__ import annotations

import numpy as np

from tfbook._checks import check_int


def format_table(rows, columns=None, digits: int = 4, rule: bool = True) -> str:
    """Format rows of results (dicts) as a fixed-width text table.

    Floats are printed with ``digits`` decimals, other values with ``str``;
    text is left-aligned, numbers right-aligned; a missing value is blank.

    Args:
        rows: a non-empty list of dicts.
        columns: the keys to show, in order; by default every key, in the
            order they first appear.
        digits: decimals of floats (an integer from 0 to 8).
        rule: draw a rule of dashes under the header.

    Returns:
        The table as one string (header, a rule, one line per row).

    Raises:
        ValueError: on empty ``rows``, a row that is not a dict, or bad ``digits``.

    Example:
        >>> print(format_table([{"variant": "a", "val_acc": 0.81234}, {"variant": "bb"}]))
        variant  val_acc
        -------  -------
        a         0.8123
        bb
    """
    if not isinstance(rows, (list, tuple)) or not rows or not all(isinstance(r, dict) for r in rows):
        raise ValueError(
            "Received an invalid value for `rows`, expected a non-empty list of dicts. "
            f"Received: rows={rows!r}"
        )
    check_int("digits", digits, minimum=0, maximum=8)
    if columns is None:
        columns = list(dict.fromkeys(key for row in rows for key in row))

    def cell(value):
        if value is None:
            return ""
        if isinstance(value, (float, np.floating)):
            return f"{float(value):.{digits}f}"
        return str(value)

    def numeric(column):
        return all(
            isinstance(r.get(column), (int, float, np.number)) and not isinstance(r.get(column), bool)
            for r in rows
            if r.get(column) is not None
        )

    cells = [[cell(row.get(c)) for c in columns] for row in rows]
    widths = [max(len(str(c)), *(len(r[i]) for r in cells)) for i, c in enumerate(columns)]
    right = [numeric(c) for c in columns]

    def line(values):
        parts = [v.rjust(w) if r else v.ljust(w) for v, w, r in zip(values, widths, right, strict=True)]
        return "  ".join(parts).rstrip()

    out = [line([str(c) for c in columns])]
    if rule:
        out.append("  ".join("-" * w for w in widths))
    out += [line(r) for r in cells]
    return "\n".join(out)
