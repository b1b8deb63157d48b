"""The ops CLI's human output: tables that fit the terminal, and cells shown as
plain text whatever they hold (rich markup, control or bidi characters)."""

from __future__ import annotations

import io
import shutil
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

#: Between two columns: one space of padding (collapsed) and the box's blank divider.
_GAP = 2
#: A free-text column is never narrower than this.
_SHRUNK_MIN = 12


@dataclass(frozen=True)
class Column:
    header: str
    #: Numbers line up on the right.
    numeric: bool = False
    #: Free text (names) is cut, ending in "…", when the terminal is too narrow.
    shrinks: bool = False


def shown(value: Any) -> str:
    """A cell's text: None as "-", anything unprintable escaped (a name stored before
    names were checked cannot move the cursor or reverse the line)."""
    if value is None:
        return "-"
    text = str(value)
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


def short_time(timestamp: str | None) -> str:
    """``2026-03-08T10:00:00.000000Z`` -> ``2026-03-08 10:00`` (UTC; JSON keeps the full value)."""
    if not timestamp:
        return "-"
    return shown(timestamp[:16].replace("T", " "))


def terminal_width() -> int:
    """The terminal's width ($COLUMNS first; 80 when there is no terminal)."""
    return max(40, shutil.get_terminal_size().columns)


def table(columns: Sequence[Column], rows: Iterable[Sequence[Any]]) -> str:
    """Rows under a header line, as wide as the terminal: free-text columns give way
    (ending in "…"), the others keep the width of their longest cell. A terminal too
    narrow even for those gets the table at the width it needs rather than lose columns."""
    from rich import box
    from rich.cells import cell_len
    from rich.table import Table
    from rich.text import Text

    cells = [[shown(cell) for cell in row] for row in rows]
    widths = [max([len(column.header), *(cell_len(row[i]) for row in cells)]) for i, column in enumerate(columns)]
    shrinking = [i for i, column in enumerate(columns) if column.shrinks]
    fixed = sum(w for i, w in enumerate(widths) if i not in shrinking) + _GAP * (len(columns) - 1)
    room = max(_SHRUNK_MIN, (terminal_width() - fixed) // max(1, len(shrinking)))
    for i in shrinking:
        widths[i] = min(widths[i], room)
    grid = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False, collapse_padding=True)
    for column, size in zip(columns, widths, strict=True):
        grid.add_column(
            column.header,
            justify="right" if column.numeric else "left",
            no_wrap=True,
            overflow="ellipsis",
            width=size,
        )
    for row in cells:
        grid.add_row(*(Text(cell) for cell in row))
    return render(grid, width=max(terminal_width(), sum(widths) + _GAP * (len(columns) - 1)))


def fields(pairs: Iterable[tuple[str, Any]]) -> str:
    """``label  value`` lines, values aligned and wrapped to the terminal."""
    from rich.table import Table
    from rich.text import Text

    grid = Table.grid(padding=(0, 2))
    grid.add_column(no_wrap=True)
    grid.add_column(overflow="fold")
    for label, value in pairs:
        grid.add_row(Text(label), Text(shown(value)))
    return render(grid)


def render(*renderables: Any, width: int | None = None) -> str:
    """Rich renderables as plain text (no colour, no markup), trailing spaces dropped."""
    from rich.console import Console

    out = io.StringIO()
    console = Console(
        file=out, width=width or terminal_width(), color_system=None, markup=False, highlight=False, emoji=False
    )
    for renderable in renderables:
        console.print(renderable)
    return "\n".join(line.rstrip() for line in out.getvalue().rstrip("\n").splitlines())
