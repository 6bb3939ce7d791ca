"""Turning a record-mode log into Python: the sessions that script it and the assertions that check it.

Values become literals that evaluate back to equal values (``repr`` where that is valid Python, constructors for
asyncpg's own types), with the imports they need. A value that has no literal (a callback, an open file, an
iterator the code handed to COPY) and every secret become ``ANY``, which matches whatever the code passes.
"""

from __future__ import annotations

import datetime
import decimal
import ipaddress
import math
import sys
import uuid
from typing import TYPE_CHECKING, Any

import asyncpg

from ..._recording import RecordedCode
from ..._render import is_masked
from .described import pg_type
from .faults import LOST_MESSAGE
from .steps import SPECS

__unittest = True  # unittest leaves bigfoot's frames out of failure tracebacks
__tracebackhide__ = True  # and pytest too

if TYPE_CHECKING:
    from .recording import Entry, Recorder

WIDTH = 120
INDENT = "    "

# The steps whose returns hold a list of rows, and the one whose returns is one row (or None).
ROWS = frozenset({"fetch", "fetchmany", "cursor"})
ROW = frozenset({"fetchrow"})

# The fields of a server error, in the order postgres_error() takes them; sqlstate and message come first.
ERROR_FIELDS = (
    "detail",
    "hint",
    "position",
    "internal_position",
    "internal_query",
    "context",
    "schema_name",
    "table_name",
    "column_name",
    "data_type_name",
    "constraint_name",
    "server_source_filename",
    "server_source_line",
    "server_source_function",
)


class Unrenderable(Exception):
    """The value has no literal form."""


class Writer:
    """Renders values as Python source and collects the imports that source needs."""

    def __init__(self) -> None:
        self.imports: set[str] = set()

    # -- one value on one line --------------------------------------------------------------------------------

    def atom(self, value: Any) -> str:
        """The literal of a value that is not a container."""
        if value is None or isinstance(value, (bool, str, bytes)):
            return repr(value)
        if isinstance(value, int):
            return repr(int(value))
        if isinstance(value, float):
            if math.isfinite(value):
                return repr(value)
            return f"float({str(value)!r})"
        if isinstance(value, decimal.Decimal):
            self.imports.add("import decimal")
            return f"decimal.Decimal({str(value)!r})"
        if isinstance(value, (datetime.date, datetime.time, datetime.timedelta, datetime.timezone)):
            self.imports.add("import datetime")
            text = repr(value)
            if not text.startswith("datetime."):
                raise Unrenderable(value)
            return text
        if isinstance(value, uuid.UUID):
            self.imports.add("import uuid")
            return f"uuid.UUID({str(value)!r})"
        if isinstance(
            value,
            (
                ipaddress.IPv4Address,
                ipaddress.IPv6Address,
                ipaddress.IPv4Network,
                ipaddress.IPv6Network,
                ipaddress.IPv4Interface,
                ipaddress.IPv6Interface,
            ),
        ):
            self.imports.add("import ipaddress")
            return f"ipaddress.{type(value).__name__}({str(value)!r})"
        return self._asyncpg_type(value)

    def _asyncpg_type(self, value: Any) -> str:
        types = asyncpg.types
        if isinstance(value, types.Range):
            self.imports.add("import asyncpg")
            if value.isempty:
                return "asyncpg.Range(empty=True)"
            parts = [self.inline(value.lower), self.inline(value.upper)]
            parts.append(f"lower_inc={value.lower_inc!r}")
            parts.append(f"upper_inc={value.upper_inc!r}")
            return f"asyncpg.Range({', '.join(parts)})"
        if isinstance(value, types.BitString):
            self.imports.add("import asyncpg")
            return f"asyncpg.BitString({value.as_string().replace(' ', '')!r})"
        if isinstance(value, types.Point):
            self.imports.add("import asyncpg")
            return f"asyncpg.Point({value.x!r}, {value.y!r})"
        if isinstance(value, types.Circle):
            self.imports.add("import asyncpg")
            center = value[0]
            return f"asyncpg.Circle(({center[0]!r}, {center[1]!r}), {value[1]!r})"
        if isinstance(value, (types.Box, types.LineSegment)):
            self.imports.add("import asyncpg")
            return f"asyncpg.{type(value).__name__}({self.atom(value[0])}, {self.atom(value[1])})"
        if isinstance(value, types.Line):
            self.imports.add("import asyncpg")
            return f"asyncpg.Line({value[0]!r}, {value[1]!r}, {value[2]!r})"
        if isinstance(value, (types.Path, types.Polygon)):
            self.imports.add("import asyncpg")
            points = ", ".join(self.atom(point) for point in value)
            closed = "" if isinstance(value, types.Polygon) else f", is_closed={value.is_closed!r}"
            return f"asyncpg.{type(value).__name__}({points}{closed})"
        raise Unrenderable(value)

    def inline(self, value: Any) -> str:
        """The literal of ``value`` on one line."""
        if _is_row(value):
            return self.record(value)
        if isinstance(value, dict):
            return "{" + ", ".join(f"{self.inline(k)}: {self.inline(v)}" for k, v in value.items()) + "}"
        if isinstance(value, list):
            return "[" + ", ".join(self.inline(item) for item in value) + "]"
        if isinstance(value, tuple) and type(value) is tuple:
            inner = ", ".join(self.inline(item) for item in value)
            return f"({inner},)" if len(value) == 1 else f"({inner})"
        return self.atom(value)

    def record(self, row: Any, scripted: bool = False) -> str:
        """A row: a mapping where a step's ``returns`` holds one (``scripted``) and its names are unique; else a
        ``bigfoot.Record``, which keeps every column of a row whose names repeat (``SELECT 1, 2`` has two columns named
        ``?column?``) and stays a row where it is a value (a composite type's column)."""
        pairs = list(row.items())
        body = ", ".join(f"{self.inline(name)}: {self.inline(item)}" for name, item in pairs)
        unique = len({name for name, _ in pairs}) == len(pairs)
        if scripted and unique:
            return "{" + body + "}"
        self.imports.add("import bigfoot")
        if unique:
            return f"bigfoot.Record({{{body}}})"
        listed = ", ".join(f"({self.inline(name)}, {self.inline(item)})" for name, item in pairs)
        return f"bigfoot.Record([{listed}])"

    def answer(self, method: str, value: Any) -> str:
        """A step's ``returns``: rows as mappings where they can be, other values as ``value()`` writes them."""
        try:
            if method in ROWS and isinstance(value, list):
                return "[" + ", ".join(self._scripted_row(row) for row in value) + "]"
            if method in ROW and value is not None:
                return self._scripted_row(value)
        except Unrenderable:
            return self.any()
        return self.value(value)

    def _scripted_row(self, row: Any) -> str:
        return self.record(row, scripted=True) if _is_row(row) else self.inline(row)

    def described_type(self, value: Any) -> str:
        """A type the server described: its name when it is a builtin asyncpg knows, else ``asyncpg.types.Type``."""
        try:
            if pg_type(value.name) == value:
                return repr(value.name)
        except ValueError:
            pass
        self.imports.add("import asyncpg")
        return f"asyncpg.types.Type({value.oid!r}, {value.name!r}, {value.kind!r}, {value.schema!r})"

    def types(self, values: Any) -> str:
        """A prepare step's ``parameters=``: the types of ``$1``, ``$2``, ..."""
        return "[" + ", ".join(self.described_type(value) for value in values) + "]"

    def attributes(self, values: Any) -> str:
        """A prepare step's ``attributes=``: a mapping of column names to types, or pairs where names repeat."""
        pairs = [(self.inline(value.name), self.described_type(value.type)) for value in values]
        if len({value.name for value in values}) == len(pairs):
            return "{" + ", ".join(f"{name}: {kind}" for name, kind in pairs) + "}"
        return "[" + ", ".join(f"({name}, {kind})" for name, kind in pairs) + "]"

    def value(self, value: Any, name: str = "") -> str:
        """The literal of a field or answer: ``ANY`` for secrets and for what has no literal."""
        if name and is_masked(name, value):
            return self.any()
        try:
            return self.inline(value)
        except Unrenderable:
            return self.any()

    def any(self) -> str:
        self.imports.add("from unittest.mock import ANY")
        return "ANY"

    # -- layout -----------------------------------------------------------------------------------------------

    def call(self, head: str, arguments: list[str], indent: str = "", tail: str = "") -> list[str]:
        """``head(arg, ...)`` on one line when it fits, else one argument per line (each one split when long)."""
        one = f"{indent}{head}({', '.join(arguments)}){tail}"
        if len(one) <= WIDTH:
            return [one]
        lines = [f"{indent}{head}("]
        for argument in arguments:
            lines += _split(argument, indent + INDENT, ",")
        lines.append(f"{indent}){tail}")
        return lines


def _is_row(value: Any) -> bool:
    from .record import Record

    return isinstance(value, (asyncpg.Record, Record))


def _split(code: str, indent: str, tail: str) -> list[str]:
    """``code`` (one rendered argument) on lines no wider than WIDTH, breaking its outermost brackets if needed."""
    if len(indent) + len(code) + len(tail) <= WIDTH:
        return [indent + code + tail]
    pieces = _top_level(code)
    if pieces is None:
        return [indent + code + tail]
    head, items, close = pieces
    lines = [indent + head]
    for item in items:
        lines += _split(item, indent + INDENT, ",")
    lines.append(indent + close + tail)
    return lines


def _top_level(code: str) -> tuple[str, list[str], str] | None:
    """Split ``name=[a, b]`` / ``[a, b]`` / ``f(a, b)`` into its opening, its items and its closing bracket."""
    opens = {"[": "]", "{": "}", "(": ")"}
    start = -1
    quote = ""
    escaped = False
    for i, char in enumerate(code):
        if quote:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == quote:
                quote = ""
        elif char in "'\"":
            quote = char
        elif char in opens:
            start = i
            break
    if start < 0 or code[-1] != opens[code[start]]:
        return None
    body = code[start + 1 : -1]
    items: list[str] = []
    depth = 0
    quote = ""
    current = ""
    for char in body:
        current += char
        if quote:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == quote:
                quote = ""
            continue
        if char in "'\"":
            quote = char
        elif char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        elif char == "," and depth == 0:
            items.append(current[:-1].strip())
            current = ""
    if current.strip():
        items.append(current.strip())
    if depth != 0 or quote:
        return None
    return code[: start + 1], items, code[-1]


def _server_hint(exc: asyncpg.PostgresError, hint: str) -> str | None:
    """The hint as the server sent it: asyncpg appends a note about pgbouncer to the hint of the two errors about
    named prepared statements, and ``postgres_error()`` builds the error through asyncpg, which appends it again."""
    bare = asyncpg.PostgresError.new({"C": exc.sqlstate, "M": "", "S": "ERROR"}).hint
    if bare and hint.endswith(bare):
        return hint[: -len(bare)] or None
    return hint


def error_literal(writer: Writer, prefix: str, exc: BaseException) -> str:
    """``postgres_error("23505", "...", detail=..., ...)`` with every field the server sent."""
    fields = exc.as_dict() if isinstance(exc, asyncpg.PostgresError) else {}
    if fields.get("hint"):
        fields["hint"] = _server_hint(exc, fields["hint"])
    arguments = [writer.value(fields.get("sqlstate", "XX000")), writer.value(fields.get("message", str(exc)))]
    for name in ERROR_FIELDS:
        if fields.get(name) is not None:
            arguments.append(f"{name}={writer.value(fields[name])}")
    severity = fields.get("severity")
    if severity is not None and severity != "ERROR":
        arguments.append(f"severity={writer.value(severity)}")
    severity_en = fields.get("severity_en")
    if severity_en is not None and severity_en != (severity or "ERROR"):
        arguments.append(f"severity_en={writer.value(severity_en)}")
    return f"{prefix}postgres_error({', '.join(arguments)})"


def raised_literal(writer: Writer, prefix: str, exc: BaseException) -> str:
    """What a step raises: ``connection_lost(...)`` when the server closed the connection during the call (with the
    reason the server gave), ``postgres_error(...)`` for the server's errors, and the exception itself for one asyncpg
    raised once the server had answered (``asyncpg.DataError("invalid input for query argument $1: ...")``)."""
    text = str(exc)
    if isinstance(exc, asyncpg.ConnectionDoesNotExistError) and text.startswith(LOST_MESSAGE):
        reason = text[len(LOST_MESSAGE) :].removeprefix(": ")
        return f"{prefix}connection_lost({writer.value(reason)})"
    if isinstance(exc, asyncpg.PostgresError) and getattr(exc, "severity", None):  # only the server's have one
        return error_literal(writer, prefix, exc)
    arguments = [writer.value(argument) for argument in exc.args]
    for name in ("detail", "hint"):  # asyncpg's own errors carry these as keywords
        if getattr(exc, name, None) is not None:
            arguments.append(f"{name}={writer.value(getattr(exc, name))}")
    return f"{class_name(writer, type(exc))}({', '.join(arguments)})"


def class_name(writer: Writer, cls: type) -> str:
    """How the recorded code names an exception class: a builtin by its name, else through its package's public
    name when that is the same class (``asyncpg.InterfaceError``, ``asyncio.TimeoutError``), else its module's."""
    module, name = cls.__module__, cls.__qualname__
    if module == "builtins":
        return name
    package = module.partition(".")[0]
    if getattr(sys.modules.get(package), name, None) is cls:
        writer.imports.add(f"import {package}")
        return f"{package}.{name}"
    writer.imports.add(f"import {module}")
    return f"{module}.{name}"


def _step(writer: Writer, prefix: str, entry: Entry) -> str:
    arguments = [repr(entry.method)]
    if entry.raises is not None:
        arguments.append(f"raises={raised_literal(writer, prefix, entry.raises)}")
    elif SPECS[entry.method].convert is not None:
        arguments.append(f"returns={writer.answer(entry.method, entry.returns)}")
    if entry.raises is None:
        if "parameters" in entry.options:
            arguments.append(f"parameters={writer.types(entry.options['parameters'])}")
        if "attributes" in entry.options:
            arguments.append(f"attributes={writer.attributes(entry.options['attributes'])}")
        if "status" in entry.options:
            arguments.append(f"status={writer.value(entry.options['status'])}")
        if "then_raises" in entry.options:
            arguments.append(f"then_raises={raised_literal(writer, prefix, entry.options['then_raises'])}")
    return f".expect({', '.join(arguments)})"


def _assertion(writer: Writer, prefix: str, entry: Entry) -> list[str]:
    arguments = [f"{name}={writer.value(value, name)}" for name, value in entry.fields.items()]
    if entry.raises is not None:
        arguments.append(f"raised={class_name(writer, type(entry.raises))}")
    return writer.call(f"{prefix}assert_{entry.method}", arguments)


def render(recorder: Recorder, prefix: str) -> RecordedCode | None:
    """The recorded code of one test: ``prefix`` is how the test names the plugin (``bigfoot.asyncpg_mock.``)."""
    entries = [entry for entry in recorder.entries if entry.done]
    if not entries:
        return None
    writer = Writer()
    script: list[str] = []
    for session in recorder.sessions:
        steps = [entry for entry in session if entry.done]
        if not steps:
            continue
        script.append(f"({prefix}new_session()")
        for i, entry in enumerate(steps):
            tail = ")" if i == len(steps) - 1 else ""
            script += _split(_step(writer, prefix, entry), INDENT, tail)
    assertions: list[str] = []
    for entry in entries:
        assertions += _assertion(writer, prefix, entry)
    return RecordedCode(sorted(writer.imports), script, assertions)
