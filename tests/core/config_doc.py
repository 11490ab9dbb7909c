"""docs/configuration.md's tables, generated from the config Structs so that they cannot drift.

Every table sits between ``<!-- config-table: NAME -->`` and ``<!-- /config-table -->`` (``client`` for
:class:`~tt_connect.config.ClientOptions`, else a driver name) and is rendered from the Struct's fields
(name, type, default) and the ``Attributes`` section of its docstring. ``tests/core/test_configuration_doc.py``
fails when the doc and the Structs disagree; ``python tests/core/config_doc.py`` rewrites the tables
(and appends a section for a driver the doc does not have yet).
"""

from __future__ import annotations

import enum
import inspect
import re
import sys
import types
import typing
from pathlib import Path
from typing import Any

import msgspec

DOC = Path(__file__).resolve().parents[2] / "docs" / "configuration.md"
_BLOCK = re.compile(r"(<!-- config-table: (?P<name>[\w-]+) -->\n)(?P<body>.*?)(<!-- /config-table -->)", re.S)


def attribute_docs(cls: type) -> dict[str, str]:
    """Field name -> its description, from the numpydoc ``Attributes`` sections of ``cls`` and its bases.

    A subclass that only changes defaults (``ShoonyaConfig(NorenConfig)``) inherits the descriptions.
    """
    found: dict[str, str] = {}
    for klass in reversed(cls.__mro__):
        found.update(_own_attribute_docs(klass))
    return found


def _own_attribute_docs(cls: type) -> dict[str, str]:
    doc = cls.__dict__.get("__doc__") or ""
    doc = inspect.cleandoc(doc)
    lines = doc.splitlines()
    try:
        start = next(i for i, line in enumerate(lines) if line.strip() == "Attributes") + 2
    except StopIteration:
        return {}
    found: dict[str, str] = {}
    names: list[str] = []
    for line in lines[start:]:
        if line and not line.startswith(" "):
            if line.strip() in ("Examples", "Notes", "See Also", "Parameters"):
                break
            names = [n.strip() for n in line.split(",") if n.strip()]
            for name in names:
                found[name] = ""
        elif line.strip():
            for name in names:
                found[name] = (found[name] + " " + line.strip()).strip()
    return found


def _type(annotation: Any) -> str:
    if typing.get_origin(annotation) is typing.Literal:
        return " \\| ".join(f"`{value}`" for value in typing.get_args(annotation))
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return " \\| ".join(_type(arg) for arg in typing.get_args(annotation))
    if annotation is type(None):
        return "`None`"
    return f"`{getattr(annotation, '__name__', str(annotation))}`"


def _default(field: msgspec.structs.FieldInfo) -> str:
    if field.required:
        return "required"
    value = field.default
    if value is msgspec.NODEFAULT and field.default_factory is not msgspec.NODEFAULT:
        return "empty"
    if isinstance(value, enum.Enum):
        value = value.value
    if value is None:
        return "unset"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, str):
        return f'`"{value}"`' if value else '`""`'
    return f"`{value}`"


def render(cls: type[msgspec.Struct]) -> str:
    """The markdown table of one config Struct."""
    from tt_connect.config import must_be_referenced

    described = attribute_docs(cls)
    hints = typing.get_type_hints(cls)
    rows = ["| setting | type | default | meaning |", "|---|---|---|---|"]
    for field in msgspec.structs.fields(cls):
        description = described.get(field.name)
        if not description:
            raise AssertionError(f"{cls.__qualname__}.{field.name} has no description in the Attributes section of "
                                 "its docstring: document it there, the table is generated from it")
        secret = " **Secret**: in a file, `{ env = \"...\" }` or `{ keyring = \"...\" }`." \
            if must_be_referenced(field.name) and hints[field.name] in (str, str | None) else ""
        text = description.replace("``", "`").replace("|", "\\|")  # reST literals as markdown code
        rows.append(f"| `{field.name}` | {_type(hints[field.name])} | {_default(field)} | {text}{secret} |")
    return "\n".join(rows) + "\n"


def table_names() -> list[str]:
    """``client``, ``paper`` and every driver this project ships (the core's extras).

    Third-party drivers installed beside them (the example driver, say) document themselves.
    """
    from tt_connect.drivers import _first_party_drivers

    return ["client", "paper", *sorted(_first_party_drivers())]


def table(name: str) -> str:
    """The generated table of ``client`` (the client options) or of a driver's config."""
    from tt_connect.config import ClientOptions
    from tt_connect.drivers import load_driver

    return render(ClientOptions if name == "client" else load_driver(name).description.config_type)


def tables() -> dict[str, str]:
    """Every table the doc holds, generated."""
    return {name: table(name) for name in table_names()}


def documented(text: str) -> dict[str, str]:
    """The tables the doc holds now, by name."""
    return {m.group("name"): m.group("body") for m in _BLOCK.finditer(text)}


def rewrite(text: str, wanted: dict[str, str]) -> str:
    """Replace each table with its generated form; append a section for each table the doc lacks."""
    text = _BLOCK.sub(lambda m: m.group(1) + wanted.get(m.group("name"), m.group("body")) + m.group(4), text)
    for name in sorted(set(wanted) - set(documented(text))):
        text += (f"\n### `{name}`\n\n<!-- config-table: {name} -->\n{wanted[name]}<!-- /config-table -->\n")
    return text


if __name__ == "__main__":
    from tt_connect.errors import TTConnectError

    generated: dict[str, str] = {}
    for wanted in table_names():
        try:
            generated[wanted] = table(wanted)
        except TTConnectError as exc:  # a driver that does not load here keeps its table as it is
            sys.stderr.write(f"kept the {wanted} table: {exc}\n")
    DOC.write_text(rewrite(DOC.read_text(encoding="utf-8"), generated), encoding="utf-8")
    sys.stdout.write(f"rewrote the tables of {DOC}\n")
