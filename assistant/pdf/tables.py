"""Tables on a PDF page, found from where the words stand: rows of a label and numbers in aligned columns,
with the header cells above them joined per column ("Three Months Ended" / "July 1," / "2023")."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .layout import NUMERIC, Cell, Line

YEAR = re.compile(r"(?:19|20)\d\d")
# Words of a header cell at the left that name the period every column shares ("Three Months Ended June 30,").
_PERIOD_STUB = re.compile(r"\b(ended|ending|months|weeks|quarter|year|as of|fiscal)\b", re.I)
# A month and day as headers print it ("April 30,"), and a date or a year ("April 30,", "2023", "May 1, 2022").
_YEARLESS_DATE = re.compile(r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.? \d{1,2},?", re.I)
_DATE_PART = re.compile(rf"(?:{_YEARLESS_DATE.pattern}(?: {YEAR.pattern})?|{YEAR.pattern})", re.I)
# "(In millions)", "($ in thousands)": how the table counts, not the name of a column.
_UNITS_NOTE = re.compile(r"^\(?\s*(?:\$|dollars|amounts)?\s*in (?:millions|thousands|billions)\b", re.I)
# A row whose label names a total closes the group it stands in ("Total net sales" after "Net sales:").
_TOTAL = re.compile(r"^(sub)?total\b", re.I)
# A page number in a contents table ("15"; up to 999, so that a year is not taken for one).
_PAGE_NUMBER = re.compile(r"[1-9]\d{0,2}")
MAX_HEADER_LINES = 40  # stacked header cells can each be a line of their own
MAX_HEADER_HEIGHT = 8  # em above the first row
MAX_LABEL_WORDS = 14  # a label line between rows is short; a longer one is prose and ends the table
FLUSH = 1.5  # points: a header cell this near a column's left edge is set flush with it
WRAPPED_LINES = 4  # lines of a value cell's text wrapped within its column, at most, between two rows


@dataclass
class Row:
    lines: list[int]  # the page lines it was read from (a wrapped label, then the line with its values)
    label: str
    values: list[str]  # one per column, "" where the row has none
    group: str = ""  # the label of the group it stands in ("Net sales" for "Products" under "Net sales:")


@dataclass
class Table:
    columns: list[tuple[float, float]]
    headers: list[str]  # one per column
    rows: list[Row] = field(default_factory=list)
    header_lines: list[int] = field(default_factory=list)
    group_lines: list[int] = field(default_factory=list)  # label lines that name a group of rows

    @property
    def is_contents(self) -> bool:
        """A table of contents: rows of titles, each ending in the page number where it starts (a row may have
        none), the numbers never decreasing. It is navigation, not content. Its title cells can stand in
        columns of their own ("Item 2. | Management's Discussion ... | 15"): no value but the last may be a
        figure, so a table of figures never qualifies."""
        numbers, rows = [], 0
        for row in self.rows:
            values = [v for v in row.values if v]
            if not values:
                continue
            rows += 1
            *titles, last = values
            if any(NUMERIC.fullmatch(v) for v in titles):
                return False
            if _PAGE_NUMBER.fullmatch(last):
                numbers.append(int(last))
            elif NUMERIC.fullmatch(last):
                return False
        return len(numbers) >= 3 and len(numbers) >= 0.6 * rows and numbers == sorted(numbers)

    @property
    def lines(self) -> set[int]:
        used = set(self.header_lines) | set(self.group_lines)
        for row in self.rows:
            used.update(row.lines)
        return used

    @property
    def first_line(self) -> int:
        return min(self.lines)


def _is_value(cell: Cell) -> bool:
    return cell.numeric


def row_shape(line: Line) -> bool:
    """A line that reads as a table row: several cells, at least one number after its first cell."""
    cells = line.cells
    return len(cells) >= 2 and any(_is_value(c) for c in cells[1:])


def _years_only(line: Line) -> bool:
    """A header line of years, alone ("2022 2023 2022 2023"), after the period its columns share ("Three
    Months Ended September 30, | 2022 | 2021"), or with words among them ("2023 | 2024 | Thereafter | Total"),
    which looks like a row of numbers but is not one."""
    cells = line.cells
    if cells and _PERIOD_STUB.search(cells[0].text) and not YEAR.fullmatch(cells[0].text):
        cells = cells[1:]
    return bool(cells) and YEAR.fullmatch(cells[0].text) is not None and \
        all(YEAR.fullmatch(c.text) or not any(ch.isdigit() for ch in c.text) for c in cells)


def find_tables(lines: list[Line], skip: set[int] = frozenset()) -> list[Table]:
    """The tables on a page, in reading order; lines in skip (headers and footers) are never part of one.

    Lines that may be a table's header must have been split into cells while the page was open
    (PageLines.split); here only their cells are read.
    """
    row_like = [i not in skip and row_shape(line) and not _years_only(line) for i, line in enumerate(lines)]
    continued: set[int] = set()  # lines of a value cell's text wrapped onto lines of their own
    tables: list[Table] = []
    i = 0
    while i < len(lines):
        if not row_like[i]:
            i += 1
            continue
        members = [i]
        k = i + 1
        while k < len(lines) and k not in skip:
            if row_like[k] and _follows(lines[members[-1]], lines[k]):
                members.append(k)
                k += 1
                continue
            # Label lines ("Net sales:", a label wrapped onto two lines) may stand between rows.
            nxt = next((j for j in range(k + 1, min(k + 3, len(lines))) if row_like[j]), None)
            chain = [members[-1], *range(k, nxt)] + [nxt] if nxt is not None else []
            if nxt is not None and all(_label_line(lines[j], lines[i]) and j not in skip for j in range(k, nxt)) \
                    and all(_follows(lines[a], lines[b]) for a, b in zip(chain, chain[1:])):
                members.extend(range(k, nxt))
                k = nxt
                continue
            wrapped = _wrapped_lines(lines, [j for j in members if row_like[j]], row_like, k, skip)
            if wrapped:
                members.extend(wrapped)
                continued.update(wrapped)
                k = wrapped[-1] + 1
                continue
            break
        rows = [j for j in members if row_like[j]]
        if len(rows) >= 2:
            # Label lines just above the first row (a group label such as "Net sales:") belong to the table; a line
            # set larger is the statement's title.
            lead = i
            while lead - 1 >= 0 and lead - 1 not in skip and i - lead < 2 and _label_line(lines[lead - 1], lines[i]) \
                    and _follows(lines[lead - 1], lines[lead]) and lines[lead - 1].size <= 1.3 * lines[i].size:
                lead -= 1
            table = _build(lines, list(range(lead, i)) + members, row_like, skip, continued)
            if table is not None:
                tables.append(table)
        i = k if k > i else i + 1
    # A table that names no column under one of the same columns continues it: a statement cut in two by a label
    # line between its parts ("Commitments and contingencies") keeps its dates.
    for above, below in zip(tables, tables[1:]):
        if not any(below.headers) and any(above.headers) and _same_columns(above.columns, below.columns):
            below.headers = list(above.headers)
    return tables


def _same_columns(a: list[tuple[float, float]], b: list[tuple[float, float]]) -> bool:
    """As many columns, each overlapping its counterpart."""
    return len(a) == len(b) and all(max(x0, u0) < min(x1, u1) for (x0, x1), (u0, u1) in zip(a, b))


def _follows(above: Line, below: Line) -> bool:
    """below stands under above, close enough to be the next line of the same table."""
    gap = above.bottom - below.top
    return below.top <= above.top - 0.3 * above.height and gap < 2.5 * max(above.height, below.height)


def _wrapped_lines(lines: list[Line], rows: list[int], row_like: list[bool], k: int, skip: set[int]) -> list[int]:
    """The lines from k on that carry a value cell's text wrapped within its column (a description of three lines
    beside a one-line label, the label often set level with the middle one): up to WRAPPED_LINES lines, none shaped
    like a row, each right of the label column. Either a row follows them, with every gap between the last row,
    them and that row a table's, top to bottom (pdfium may list a line above the row it belongs to after it), or
    the table ends with them, each then level with the last row or at a paragraph's line spacing under the line
    above it. [] when there are no such lines."""
    last = lines[rows[-1]]
    em = max(last.size, last.height)
    values_from = min(lines[j].cells[1].x0 for j in rows) - 0.5 * em
    nxt = next((j for j in range(k, min(k + WRAPPED_LINES + 1, len(lines))) if row_like[j]), None)
    beside = [c for r in rows + ([nxt] if nxt is not None else []) for c in lines[r].cells[1:]]

    def in_text_column(cell: Cell) -> bool:  # in a column of words, not figures (a header of figures is no cell's);
        # a column the rows' own lines leave empty is one of words that only wrapped lines fill (a description
        # centred beside a label of two lines)
        return not any(c.numeric for c in beside if c.x0 < cell.x1 and cell.x0 < c.x1)

    found: list[int] = []
    j = k
    while j < len(lines) and len(found) < WRAPPED_LINES and j not in skip and not row_like[j]:
        line = lines[j]
        if line.x0 < values_from or line.words > MAX_LABEL_WORDS or line.size > 1.1 * last.size or \
                not all(in_text_column(c) for c in line.cells):
            break
        found.append(j)
        j += 1
    if not found:
        return []
    if j == found[-1] + 1 and j < len(lines) and row_like[j] and j not in skip:
        below = lines[j]
        stack = sorted([last, below, *(lines[f] for f in found)], key=lambda l: -l.top)
        if below.top <= last.top - 0.3 * last.height and \
                all(a.bottom - b.top < 2.5 * max(a.height, b.height) for a, b in zip(stack, stack[1:])):
            return found
    for end in range(len(found), 0, -1):  # the table ends with them: only lines set as closely as a paragraph's
        stack = sorted([last, *(lines[f] for f in found[:end])], key=lambda l: -l.top)
        if all(b.top > a.bottom or a.bottom - b.top <= 0.6 * max(a.height, b.height) for a, b in zip(stack, stack[1:])):
            return found[:end]
    return []


def _label_line(line: Line, row: Line) -> bool:
    return len(line.cells) == 1 and line.words <= MAX_LABEL_WORDS and line.x0 < (row.cells[1].x0 if len(row.cells) > 1
                                                                                 else row.x1)


def _columns(lines: list[Line], rows: list[int], wrapped: list[int] = ()) -> list[tuple[float, float]]:
    """Column spans from the value cells (and the cells of wrapped lines, all values: a column of descriptions
    may stand on them alone): numbers are right-aligned, so cells are grouped by right edge."""
    cells = [c for j in rows for c in lines[j].cells[1:]] + [c for j in wrapped for c in lines[j].cells]
    if not cells:
        return []
    em = max(lines[rows[0]].size, lines[rows[0]].height)
    cells.sort(key=lambda c: c.x1)
    groups: list[list[Cell]] = [[cells[0]]]
    for cell in cells[1:]:
        if cell.x1 - groups[-1][-1].x1 <= 0.6 * em:
            groups[-1].append(cell)
        else:
            groups.append([cell])
    spans = [(min(c.x0 for c in g), max(c.x1 for c in g)) for g in groups]
    # A dash centred in a column, or a stray cell, can make a group of its own inside another's span.
    merged: list[tuple[float, float]] = []
    for span in spans:
        if merged and span[0] < merged[-1][1] - 0.3 * em:
            merged[-1] = (min(merged[-1][0], span[0]), max(merged[-1][1], span[1]))
        else:
            merged.append(span)
    return merged


def _column_of(cell: Cell, columns: list[tuple[float, float]]) -> int:
    middle = (cell.x0 + cell.x1) / 2
    best, distance = 0, float("inf")
    for n, (x0, x1) in enumerate(columns):
        d = 0.0 if x0 <= middle <= x1 else min(abs(middle - x0), abs(middle - x1))
        if d < distance:
            best, distance = n, d
    return best


def _build(lines: list[Line], members: list[int], row_like: list[bool], skip: set[int],
           continued: set[int] = frozenset()) -> Table | None:
    rows_at = [j for j in members if row_like[j]]
    columns = _columns(lines, rows_at, [j for j in members if j in continued])
    if not columns:
        return None
    em = max(lines[rows_at[0]].size, lines[rows_at[0]].height)
    label_end = columns[0][0] - 0.3 * em
    table = Table(columns, [""] * len(columns))
    group, group_x, pending = "", None, []
    set_apart = False  # the group's label is told from its rows by its type, not by their indent
    for j in members:
        line = lines[j]
        if j in continued:
            continue
        if not row_like[j]:
            pending.append(j)
            continue
        cells = line.cells
        label_cells = [c for c in cells if c.x1 <= label_end + em and not (c.numeric and c.x0 >= label_end)]
        label_cells = label_cells[:1] if label_cells and label_cells[0] is cells[0] else []
        values = [""] * len(columns)
        for cell in cells[len(label_cells):]:
            n = _column_of(cell, columns)
            values[n] = f"{values[n]} {cell.text}".strip()
        label = label_cells[0].text if label_cells else ""
        label_x = label_cells[0].x0 if label_cells else line.x0
        wrapped: list[int] = []
        for p in pending:
            text = lines[p].text
            # A label wrapped onto the next line continues in lower case or leaves the row without a label.
            if not text.endswith(":") and (not label or label[:1].islower()) and p == pending[-1]:
                wrapped.append(p)
                label = f"{text} {label}".strip()
                label_x = lines[p].x0
            else:
                group, group_x = text.rstrip(":").strip(), lines[p].x0
                table.group_lines.append(p)
                set_apart = p + 1 == j and _set_apart(lines[p], line, em)
        pending = []
        if group and group_x is not None and label_x <= group_x + 0.1 * em and not wrapped and not set_apart:
            group, group_x = "", None  # a row as far left as the group's label is its sibling, not in it
        in_group = group if group and group.lower() not in label.lower() else ""
        table.rows.append(Row(wrapped + [j], label, values, in_group))
        if group and _TOTAL.match(label):
            group, group_x, set_apart = "", None, False
    _join_wrapped(lines, table, [j for j in members if j in continued])
    _read_headers(lines, table, min(members), max(members), label_end, em, skip)
    return table


def _join_wrapped(lines: list[Line], table: Table, wrapped: list[int]) -> None:
    """Each wrapped line joins the row whose own line stands nearest it, its cells those of their columns, the
    cells of a column read top to bottom."""
    if not wrapped or not table.rows:
        return

    def middle(line: Line) -> float:
        return (line.top + line.bottom) / 2

    joining: dict[int, list[int]] = {}
    for j in wrapped:
        n = min(range(len(table.rows)), key=lambda n: abs(middle(lines[table.rows[n].lines[-1]]) - middle(lines[j])))
        joining.setdefault(n, []).append(j)
    for n, extra in joining.items():
        row = table.rows[n]
        own = lines[row.lines[-1]]
        pieces: list[list[tuple[float, str]]] = [[(own.top, v)] if v else [] for v in row.values]
        for j in extra:
            for cell in lines[j].cells:
                pieces[_column_of(cell, table.columns)].append((lines[j].top, cell.text))
        row.values = [" ".join(text for _, text in sorted(p, key=lambda t: -t[0])) for p in pieces]
        row.lines = sorted(row.lines + extra)


def _set_apart(label: Line, row: Line, em: float) -> bool:
    """A label line over a row as far left as it, set in a smaller size or another weight (a small "Revenue" over
    segment rows that are not indented): it names the group of rows under it, not a sibling row without figures.
    A larger size is a title's."""
    return abs(label.x0 - row.x0) <= 0.1 * em and label.size <= 1.05 * row.size and not _UNITS_NOTE.match(label.text) \
        and (label.size < 0.9 * row.size or abs(label.weight - row.weight) >= 100)


def _read_headers(lines: list[Line], table: Table, first: int, last: int, label_end: float, em: float,
                  skip: set[int]) -> None:
    """Header cells above the table's first line, joined top to bottom per column: the lines before it or, when none
    heads it, the lines after its last one that stand above it (some PDFs draw a table's header last)."""
    top = lines[first]
    widths = sorted(x1 - x0 for x0, x1 in table.columns)
    near = table.columns[0][0] - widths[len(widths) // 2]  # a date this far left of the first column heads it
    before = range(first - 1, max(-1, first - 1 - MAX_HEADER_LINES), -1)
    after = sorted((k for k in range(last + 1, len(lines)) if lines[k].bottom >= top.top - 0.3 * top.height),
                   key=lambda k: lines[k].bottom)[:MAX_HEADER_LINES]
    for order in (before, after):
        found = _header_lines(lines, table, order, top, near, label_end, em, skip)
        if found:
            break
    if not found:
        return
    dates = [stub for _, cells, stub in found if cells is None]  # a date over the label column alone
    found = [f for f in found if f[1] is not None]
    parts: list[list[str]] = [[] for _ in table.columns]
    span = (table.columns[0][0], table.columns[-1][1])
    reach = 3 * widths[len(widths) // 2]
    for position, (cells, stub) in enumerate(_visual_rows(found)):
        hit_columns: set[int] = set()
        # A single cell centred over the columns at the top of the header names all of them ("September 24, 2022").
        spans_all = position == 0 and len(found) > 1 and len(cells) == 1 and len(table.columns) > 1 and \
            abs((cells[0].x0 + cells[0].x1) / 2 - (span[0] + span[1]) / 2) <= 0.15 * (span[1] - span[0])
        owner = _owners(cells, table.columns, reach) if not spans_all else {n: cells[0] for n in range(len(parts))}
        for n, cell in sorted(owner.items()):
            parts[n].append(cell.text)
            hit_columns.add(n)
        if stub:
            for n in hit_columns:
                parts[n].insert(0, stub)
    table.headers = [" ".join(dates + p) if p else "" for p in parts]


def _header_lines(lines: list[Line], table: Table, order, top: Line, near: float, label_end: float, em: float,
                  skip: set[int]) -> list[tuple[Line, list[Cell] | None, str]]:
    """The table's header lines among lines in this order (nearest the table first), up to the first that is not
    one: each line with its cells over the columns and its period stub, or None and the date for a date standing
    alone over the label column; they join the table's header_lines."""
    found: list[tuple[Line, list[Cell] | None, str]] = []
    for k in order:
        if k in skip:
            break
        line = lines[k]
        nearest = min((f[0] for f in found), key=lambda l: l.bottom, default=top)
        if line.bottom < top.top - 0.3 * top.height or line.bottom - nearest.top > 3 * max(line.height, em):
            break  # beside or below the table, or too far above what was found so far
        if line.size > 1.3 * top.size or line.bottom - top.top > MAX_HEADER_HEIGHT * em:
            break  # a heading, or too far above the table
        if row_shape(line) and not _years_only(line):
            break  # a row of the table above
        cells = line.cells
        # A date set left of its figures, within a column's width of the first column, still heads a column.
        dated = [c for c in cells if c.x0 >= near and _DATE_PART.fullmatch(c.text)]
        over = [c for c in cells if c.x1 > label_end + 0.5 * em or c in dated]
        stub = [c for c in cells if c not in over]
        if not over and all(f[1] is not None for f in found) and _DATE_PART.fullmatch(line.text):
            # "December 31, 2022" alone over the label column, under the column names: the whole table's date
            found.append((line, None, line.text))
            table.header_lines.append(k)
            continue
        if not over or any(c.x0 < label_end - em and c not in dated for c in over):
            break  # text running across the label area into the columns: a title or a sentence
        over = [c for c in over if not _UNITS_NOTE.match(c.text)]
        stub_text = " ".join(c.text for c in stub)
        found.append((line, over, stub_text if _PERIOD_STUB.search(stub_text) else ""))
        table.header_lines.append(k)
    if found and all(cells is None for _, cells, _ in found):  # a date with no column names above it heads nothing
        del table.header_lines[-len(found):]
        return []
    return found


def _visual_rows(found: list[tuple[Line, list[Cell], str]]) -> list[tuple[list[Cell], str]]:
    """Header cells grouped by the height they stand at (pdfium may list stacked cells as lines of their own),
    top row first, cells left to right."""
    rows: list[tuple[float, float, list[Cell], str]] = []  # top, bottom, cells, stub
    for line, cells, stub in sorted(found, key=lambda f: -f[0].top):
        middle = (line.top + line.bottom) / 2
        for i, (top, bottom, row_cells, row_stub) in enumerate(rows):
            if bottom <= middle <= top:
                rows[i] = (top, bottom, row_cells + cells, row_stub or stub)
                break
        else:
            rows.append((line.top, line.bottom, list(cells), stub))
    return [(sorted(cells, key=lambda c: c.x0), stub) for _, _, cells, stub in rows]


def _dates_of_their_own(cells: list[Cell], columns: list[tuple[float, float]], middles: list[float]) -> bool:
    """Dates or years that each stand over a column of their own, two of them over neighbouring columns ("June 25,"
    over "2022" and "June 26," over "2021", or the years "2022" and "2021" themselves, with nothing over
    "Change"): every column that has one has its own, and a column without one is not named by its neighbour's.
    One date per group of columns ("December 31," over the first of "2022 | 2021") names the group."""
    over = []
    for cell in cells:
        if not (_YEARLESS_DATE.fullmatch(cell.text) or YEAR.fullmatch(cell.text)):
            return False
        centre = (cell.x0 + cell.x1) / 2
        n = min(range(len(middles)), key=lambda n: abs(centre - middles[n]))
        x0, x1 = columns[n]
        if not x0 - 0.25 * (x1 - x0) <= centre <= x1 + 0.25 * (x1 - x0) or n in over:
            return False
        over.append(n)
    return any(b - a == 1 for a, b in zip(over, over[1:]))


def _owners(cells: list[Cell], columns: list[tuple[float, float]], reach: float) -> dict[int, Cell]:
    """Which header cell of one row names each column.

    A row with fewer cells than columns that flanks the table at both ends is a row of group headers
    ("Three Months Ended" / "Nine Months Ended", or two dates over four columns each): every column takes
    the cell nearest to it. Otherwise a cell names the columns whose middle it stands over, or, when it is
    narrower than its column, the column it stands in.
    """
    def distance(cell: Cell, middle: float) -> float:
        return 0.0 if cell.x0 <= middle <= cell.x1 else min(abs(middle - cell.x0), abs(middle - cell.x1))

    middles = [(x0 + x1) / 2 for x0, x1 in columns]
    owner: dict[int, Cell] = {}
    if not cells:
        return owner
    grouping = len(cells) < len(columns) and not _dates_of_their_own(cells, columns, middles) and \
        all(min(distance(c, m) for c in cells) <= reach for m in (middles[0], middles[-1]))
    for n, middle in enumerate(middles):
        nearest = min(cells, key=lambda c: distance(c, middle))
        d = distance(nearest, middle)
        if grouping or d == 0.0:
            owner[n] = nearest
    for cell in cells:  # a narrow cell inside a column (a date over a wide column of figures)
        if not any(owner.get(n) is cell for n in owner):
            flush = [n for n, (x0, _) in enumerate(columns) if abs(cell.x0 - x0) <= FLUSH and n not in owner]
            if flush:  # set flush with a column of text's left edge ("Description" over its descriptions)
                owner[flush[0]] = cell
                continue
            n = min(range(len(columns)), key=lambda n: abs((cell.x0 + cell.x1) / 2 - middles[n]))
            x0, x1 = columns[n]
            if x0 - 0.5 * (x1 - x0) <= (cell.x0 + cell.x1) / 2 <= x1 + 0.5 * (x1 - x0):
                owner.setdefault(n, cell)
    return owner
