"""Write docs/reference.md, the reference of bigfoot's public names, from the code and its docstrings.

Run ``python docs/make_reference.py`` from the project root after changing a public name or its docstring;
tests/test_reference.py fails while the page is out of date. ``render()`` returns the page without writing it.

The output is deterministic: names are sorted where their order means nothing, and signatures are printed from the
annotations' source text (every bigfoot module uses ``from __future__ import annotations``) and from default values
with memory addresses removed, so the page is the same on every supported Python.
"""

from __future__ import annotations

import ast
import inspect
import itertools
import re
import sys
import textwrap
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # run as a script from a clone, the package is importable without installing

import bigfoot  # noqa: E402
import bigfoot.plugins.asyncpg as asyncpg_plugin  # noqa: E402
from bigfoot import pytest_plugin  # noqa: E402

PAGE = ROOT / "docs" / "reference.md"
COMMAND = "python docs/make_reference.py"
MISSING = "*(no description yet)*"


# -- text -----------------------------------------------------------------------------------------------------------


class _Shown:
    """Prints as the given text: an annotation's source, a default value's repr without addresses."""

    __module__ = "reference"  # not "typing", which inspect.formatannotation would treat specially

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text


def _annotation(value: Any) -> Any:
    if value is inspect.Parameter.empty:
        return value
    return _Shown(value if isinstance(value, str) else inspect.formatannotation(value))


def _default(value: Any) -> Any:
    if value is inspect.Parameter.empty:
        return value
    return _Shown(re.sub(r" at 0x[0-9a-fA-F]+", "", repr(value)))


def signature(obj: Any, drop_first: bool = False) -> str | None:
    """``(a: int = 1, *, b: str) -> None``, the same on every Python version; None when there is none."""
    try:
        sig = inspect.signature(obj)
    except (TypeError, ValueError):
        return None
    params = list(sig.parameters.values())[1 if drop_first else 0 :]
    shown = sig.replace(
        parameters=[p.replace(annotation=_annotation(p.annotation), default=_default(p.default)) for p in params],
        return_annotation=_annotation(sig.return_annotation),
    )
    return str(shown)


def markdown(doc: str | None) -> str:
    """A docstring as Markdown; none at all is marked as missing.

    reST's double backticks become single ones, a paragraph's closing ``::`` a colon, and doctest lines a fenced
    block with no language (the docs' tests run only ``python`` blocks).
    """
    if not doc:
        return MISSING
    text = re.sub(r"``(.+?)``", r"`\1`", doc.strip())
    text = re.sub(r"::$", ":", text, flags=re.M)
    return re.sub(
        r"^(>>> .*\n(?:(?!\n).*\n?)*)", lambda m: "```\n" + m[1].rstrip("\n") + "\n```\n", text + "\n", flags=re.M
    ).rstrip("\n")


class Reference:
    """The page being written, and the names found without a description."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.undocumented: list[str] = []

    def add(self, *lines: str) -> None:
        self.lines.extend(lines)

    def describe(self, qualname: str, doc: str | None) -> None:
        if not doc:
            self.undocumented.append(qualname)
        self.add(markdown(doc), "")

    def text(self) -> str:
        return "\n".join(self.lines).rstrip("\n") + "\n"


# -- what a class offers --------------------------------------------------------------------------------------------


def _attribute_docs(cls: type) -> dict[str, str]:
    """Docstrings written under attributes (``x = ...`` then a string), in the class body and in ``__init__``."""
    docs: dict[str, str] = {}
    for klass in reversed(cls.__mro__):
        if not klass.__module__.startswith("bigfoot"):
            continue
        try:
            tree = ast.parse(textwrap.dedent(inspect.getsource(klass)))
        except (OSError, TypeError, SyntaxError):
            continue
        node = tree.body[0]
        assert isinstance(node, ast.ClassDef)
        bodies = [node.body] + [f.body for f in node.body if isinstance(f, ast.FunctionDef) and f.name == "__init__"]
        for body in bodies:
            for first, second in itertools.pairwise(body):
                if not (
                    isinstance(second, ast.Expr)
                    and isinstance(second.value, ast.Constant)
                    and isinstance(second.value.value, str)
                ):
                    continue
                targets = first.targets if isinstance(first, ast.Assign) else [getattr(first, "target", None)]
                for target in targets:
                    if isinstance(target, ast.Name):
                        docs[target.id] = inspect.cleandoc(second.value.value)
                    elif isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name):
                        docs[target.attr] = inspect.cleandoc(second.value.value)
    return docs


def _members(cls: type) -> Iterable[tuple[str, type, Any]]:
    """Public names a class defines or inherits from bigfoot (not from object or Exception), sorted."""
    names = set(dir(cls))
    for klass in cls.__mro__:
        names.update(getattr(klass, "__slots__", ()) if not isinstance(getattr(klass, "__slots__", ()), str) else ())
    for name in sorted(names):
        if name.startswith("_"):
            continue
        owner = next((k for k in cls.__mro__ if name in vars(k)), None)
        if owner is None or not owner.__module__.startswith("bigfoot") or owner.__name__.startswith("_"):
            continue
        yield name, owner, inspect.getattr_static(owner, name)


def _constructor(cls: type) -> str | None:
    """The signature of the ``__init__`` bigfoot defines for ``cls``: builtins' signatures vary between versions."""
    owner = next((k for k in cls.__mro__ if "__init__" in vars(k)), object)
    if not owner.__module__.startswith("bigfoot"):
        return None
    sig = signature(vars(owner)["__init__"], drop_first=True)
    return sig.removesuffix(" -> None") if sig else None


def write_class(ref: Reference, qualname: str, cls: type, level: str) -> None:
    sig = _constructor(cls)
    ref.add(f"{level} `{qualname}`", "")
    kind = "exception" if issubclass(cls, BaseException) else "class"
    bases = [b for b in cls.__bases__ if b is not object and not b.__name__.startswith("_")]  # private: not shown
    based = f", a subclass of {', '.join(f'`{b.__name__}`' for b in bases)}" if bases else ""
    ref.add(f"{kind}{based}" + (f": `{cls.__name__}{sig}`" if sig else ""), "")
    ref.describe(qualname, cls.__doc__ and inspect.getdoc(cls))
    attribute_docs = _attribute_docs(cls)
    for name, owner, raw in _members(cls):
        member = f"{qualname}.{name}"
        inherited = f" (from `{owner.__name__}`)" if owner is not cls else ""
        if isinstance(raw, (staticmethod, classmethod)) or inspect.isfunction(raw):
            function = raw.__func__ if isinstance(raw, (staticmethod, classmethod)) else raw
            drop = not isinstance(raw, staticmethod)
            prefix = {staticmethod: "static method ", classmethod: "class method "}.get(type(raw), "")
            ref.add(f"- {prefix}`{name}{signature(function, drop_first=drop)}`{inherited}", "")
            doc = inspect.getdoc(function)
        elif isinstance(raw, property):
            ref.add(f"- property `{name}`{inherited}", "")
            doc = inspect.getdoc(raw)
        else:
            ref.add(f"- attribute `{name}`{inherited}", "")
            doc = attribute_docs.get(name)
        text = markdown(doc)
        if not doc:
            ref.undocumented.append(member)
        ref.add("  " + text.replace("\n", "\n  ").replace("\n  \n", "\n\n"), "")


def write_function(ref: Reference, qualname: str, function: Callable[..., Any], level: str) -> None:
    ref.add(f"{level} `{qualname}`", "", f"function: `{function.__name__}{signature(function)}`", "")
    ref.describe(qualname, inspect.getdoc(function))


# -- sections -------------------------------------------------------------------------------------------------------


def write_module(ref: Reference, module: Any, names: Iterable[str], prefix: str) -> None:
    groups: dict[str, list[tuple[str, Any]]] = {"Functions": [], "Classes": [], "Errors": [], "Values": []}
    for name in sorted(names, key=str.lower):
        value = getattr(module, name)
        if isinstance(value, type):
            groups["Errors" if issubclass(value, BaseException) else "Classes"].append((name, value))
        elif inspect.isfunction(value):
            groups["Functions"].append((name, value))
        else:
            groups["Values"].append((name, value))
    for title, members in groups.items():
        if not members:
            continue
        ref.add(f"### {title}", "")
        for name, value in members:
            qualname = f"{prefix}.{name}"
            if isinstance(value, type):
                write_class(ref, qualname, value, "####")
            elif inspect.isfunction(value):
                write_function(ref, qualname, value, "####")
            else:
                kind = type(value)
                ref.add(f"#### `{qualname}`", "", f"a `{kind.__module__}.{kind.__qualname__}` value", "")
                ref.describe(qualname, inspect.getdoc(kind))


def write_steps(ref: Reference) -> None:
    plugin = asyncpg_plugin.AsyncpgPlugin
    expect = bigfoot.SessionHandle.expect
    ref.add(
        "## Scripting a step: `SessionHandle.expect`",
        "",
        f"`expect{signature(expect, drop_first=True)}`",
        "",
    )
    ref.describe("bigfoot.SessionHandle.expect", inspect.getdoc(expect))
    ref.add(
        "The steps `AsyncpgPlugin` scripts, with the shape of `returns` each takes and the step's own options "
        "(the keywords besides `returns`, `raises`, `required`, `times` and `delay`):",
        "",
        "| step | `returns` | options |",
        "| --- | --- | --- |",
    )
    option_docs: list[tuple[str, str, Callable[..., Any]]] = []
    for name in sorted(plugin.step_specs):
        spec = plugin.step_specs[name]
        returns = spec.shape if spec.convert is not None else "nothing: omit it"
        known: dict[str, Callable[..., Any]] = (
            inspect.getclosurevars(spec.options).nonlocals.get("known", {}) if spec.options is not None else {}
        )
        options = ", ".join(f"`{option}=`" for option in sorted(known)) or "none"
        ref.add(f"| `{name}` | {returns or 'a value'} | {options} |")
        option_docs += [(option, name, known[option]) for option in sorted(known)]
    ref.add("")
    ref.add("The step options:", "")
    seen: dict[str, list[str]] = {}
    checks: dict[str, Callable[..., Any]] = {}
    for option, step, check in option_docs:
        seen.setdefault(option, []).append(step)
        checks[option] = check
    for option in sorted(seen):
        check = checks[option]
        doc = inspect.getdoc(check)
        steps = ", ".join(f"`{step}`" for step in seen[option])
        ref.add(f"- `{option}=` (on {steps}): {markdown(doc)}", "")
        if not doc:
            ref.undocumented.append(f"{check.__module__}.{check.__qualname__} (the {option}= option)")
    if plugin.recorded_only:
        ref.add(
            "Recorded but never scripted (there is no step; assert them): "
            + ", ".join(f"`{name}`" for name in sorted(plugin.recorded_only))
            + ".",
            "",
        )


class _OptionRecorder:
    """Stands in for pytest's parser and its group, keeping what ``pytest_addoption`` adds."""

    def __init__(self) -> None:
        self.options: list[tuple[tuple[str, ...], dict[str, Any]]] = []
        self.ini: list[tuple[str, str]] = []

    def getgroup(self, *args: Any, **kwargs: Any) -> _OptionRecorder:
        return self

    def addoption(self, *names: str, **settings: Any) -> None:
        self.options.append((names, settings))

    def addini(self, name: str, help: str, **kwargs: Any) -> None:
        self.ini.append((name, help))


def write_pytest(ref: Reference) -> None:
    ref.add("## The pytest plugin", "")
    ref.describe("bigfoot.pytest_plugin", inspect.getdoc(pytest_plugin))
    ref.add("### Fixture", "")
    fixture = pytest_plugin.bigfoot_verifier
    ref.add("#### `bigfoot_verifier`", "", "autouse fixture, yields a `StrictVerifier`", "")
    ref.describe("bigfoot_verifier (fixture)", inspect.getdoc(fixture))
    ref.add("### Command-line options", "")
    recorder = _OptionRecorder()
    pytest_plugin.pytest_addoption(recorder)  # type: ignore[arg-type]
    for names, settings in sorted(recorder.options):
        metavar = settings.get("metavar")
        shown = ", ".join(f"`{name}={metavar}`" if metavar else f"`{name}`" for name in names)
        ref.add(f"#### {shown}", "")
        help_text = settings.get("help")
        if not help_text:
            ref.undocumented.append(f"{names[0]} (pytest option)")
        default = settings.get("default")
        ref.add((help_text or MISSING) + (f" Default: `{default!r}`." if default is not None else ""), "")
    ref.add("### Ini options", "")
    ref.add("The suite's settings (see `bigfoot.settings`); the environment's variables win over them.", "")
    for name, help_text in sorted(recorder.ini):
        ref.add(f"#### `{name}`", "", help_text or MISSING, "")
        if not help_text:
            ref.undocumented.append(f"{name} (pytest ini option)")
    ref.add("### Marker", "")
    ref.add(
        "#### `@pytest.mark.bigfoot(**settings)`",
        "",
        "bigfoot's settings for a test, or for every test of a class or module; the same names and values as "
        "`bigfoot.settings`.",
        "",
    )


def _environment() -> dict[str, tuple[str, Any, Any]]:
    """Every environment variable bigfoot reads: name -> (module, the function reading it, its default)."""
    found: dict[str, tuple[str, Any, Any]] = {}
    for path in sorted((ROOT / "bigfoot").rglob("*.py")):
        tree = ast.parse(path.read_text())
        module_name = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        for function in ast.walk(tree):
            if not isinstance(function, ast.FunctionDef):
                continue
            # `os.environ.get(NAME) or DEFAULT` (or bigfoot's `_environ.read(NAME)`): the default is the other operand
            otherwise = {
                id(node.values[0]): node.values[1]
                for node in ast.walk(function)
                if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.Or)
            }
            for call in ast.walk(function):
                if not isinstance(call, ast.Call) or not call.args:
                    continue
                reader = ast.unparse(call.func)
                if reader not in ("os.environ.get", "os.getenv", "_environ.read"):
                    continue
                module = sys.modules.get(module_name) or __import__(module_name, fromlist=["_"])
                name = eval(ast.unparse(call.args[0]), vars(module))  # a constant of that module
                fallback = call.args[1] if len(call.args) > 1 else otherwise.get(id(call))
                default = eval(ast.unparse(fallback), vars(module)) if fallback is not None else None
                found[name] = (module_name, getattr(module, function.name), default)
    return found


def write_environment(ref: Reference) -> None:
    ref.add("## Environment variables", "")
    ref.add("Read by bigfoot; a command-line option, where there is one, wins over its variable.", "")
    for name, (module_name, function, default) in sorted(_environment().items()):
        ref.add(f"### `{name}`", "")
        ref.add(
            f"read by `{module_name}.{function.__name__}{signature(function)}`"
            + (f", default `{default!r}`" if default else "")
            + ".",
            "",
        )
        ref.describe(f"{name} (read by {module_name}.{function.__name__})", inspect.getdoc(function))


def render() -> tuple[str, list[str]]:
    """The page's text, and the names that have no description yet."""
    ref = Reference()
    ref.add(
        "# Reference",
        "",
        f"<!-- Generated by `{COMMAND}` from the code and its docstrings; do not edit by hand. -->",
        "",
        "Every public name of bigfoot, with its signature and its description, taken from the code. Names marked "
        f"{MISSING} have no docstring yet. Guides: [asyncpg.md](asyncpg.md), [pytest.md](pytest.md), "
        "[unittest.md](unittest.md), [errors.md](errors.md).",
        "",
        "## `bigfoot`",
        "",
    )
    ref.describe("bigfoot", inspect.getdoc(bigfoot))
    write_module(ref, bigfoot, bigfoot.__all__, "bigfoot")
    write_steps(ref)
    ref.add("## `bigfoot.plugins.asyncpg`", "")
    ref.describe("bigfoot.plugins.asyncpg", inspect.getdoc(asyncpg_plugin))
    write_module(ref, asyncpg_plugin, asyncpg_plugin.__all__, "bigfoot.plugins.asyncpg")
    write_pytest(ref)
    write_environment(ref)
    return ref.text(), ref.undocumented


def main() -> None:
    text, undocumented = render()
    PAGE.write_text(text)
    print(f"wrote {PAGE.relative_to(ROOT)}")
    if undocumented:
        print(f"{len(undocumented)} names have no description yet:")
        for name in undocumented:
            print(f"  {name}")


if __name__ == "__main__":
    main()
