"""Find rule packs (built-in by id, or a folder), read them safely and validate their schema."""

from __future__ import annotations

import copy
import difflib
import hashlib
import itertools
import json
import math
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from perfassess.core.problems import Problem, Problems, ProblemsFound, UsageProblem
from perfassess.io.yaml_source import Mark, YamlDocument, YamlError, load_yaml
from perfassess.spec.errors import PackError
from perfassess.spec.pack import STEP_KINDS, Pack

PACK_FILE = "pack.yaml"
CASES_FILE = "cases.yaml"
VERSIONS_DIR = "versions"
# What a pack may expand to (docs/limits.md): checked from the sizes of the lists BEFORE any
# copy is made, so a small file cannot ask for millions of items.
MAX_EXPANDED_ITEMS = 5_000  # inputs, and steps, after for_each (the built-in packs: 58)
MAX_EXPANDED_TEXT = 5_000_000  # characters of every for_each copy together


def builtin_root() -> Path:
    """Where the built-in packs live: inside the wheel, or ``rules/`` of a checkout."""
    shipped = Path(str(resources.files("perfassess"))) / "_rules"
    if shipped.is_dir():
        return shipped
    return Path(__file__).resolve().parents[3] / "rules"


def builtin_ids() -> list[str]:
    root = builtin_root()
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if (p / PACK_FILE).is_file())


def resolve_pack_dir(id_or_path: str) -> Path:
    """A pack folder from a built-in id or a path (to the folder or its pack.yaml).

    ``ID@VERSION`` (or ``FOLDER@VERSION``) names an older version kept in the pack's
    ``versions/VERSION/`` folder; the current version is the pack's own folder.
    """
    found = _pack_folder(id_or_path)
    if found is not None:
        return found
    base, at, version = id_or_path.rpartition("@")
    if at and base:
        folder = _pack_folder(base)
        if folder is not None:
            return _version_folder(folder, base, version)
    ids = builtin_ids()
    known = ", ".join(ids) or "none"
    close = difflib.get_close_matches(id_or_path.rpartition("@")[0] or id_or_path, ids, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    raise UsageProblem(f"no rule pack {id_or_path!r}: not a built-in id ({known}) and not a "
                       f"folder with a {PACK_FILE}{hint}")


def _pack_folder(id_or_path: str) -> Path | None:
    candidate = Path(id_or_path)
    if candidate.is_file() and candidate.name == PACK_FILE:
        return candidate.parent
    if candidate.is_dir() and (candidate / PACK_FILE).is_file():
        return candidate
    builtin = builtin_root() / id_or_path
    if "/" not in id_or_path and "@" not in id_or_path and (builtin / PACK_FILE).is_file():
        return builtin
    return None


def _version_folder(folder: Path, name: str, version: str) -> Path:
    if version == declared_version(folder):
        return folder
    kept = folder / VERSIONS_DIR / version
    if (kept / PACK_FILE).is_file():
        return kept
    available = ", ".join(pack_versions(folder)) or "none"
    raise UsageProblem(f"rule pack {name!r} has no version {version!r} (available: "
                       f"{available})")


def declared_version(folder: Path) -> str | None:
    """The ``version`` written in a pack folder's pack.yaml (None if it cannot be read)."""
    try:
        data = load_yaml(folder / PACK_FILE, _display(folder / PACK_FILE)).data
    except (YamlError, OSError):
        return None
    version = data.get("version") if isinstance(data, dict) else None
    return str(version) if version is not None else None


def pack_versions(folder: Path) -> list[str]:
    """Every version of the pack in ``folder``, oldest first: kept older ones, then current."""
    kept_root = folder / VERSIONS_DIR
    kept = [p.name for p in kept_root.iterdir() if (p / PACK_FILE).is_file()] \
        if kept_root.is_dir() else []
    current = declared_version(folder)
    versions = set(kept) | ({current} if current else set())
    return sorted(versions, key=version_key)


def version_key(version: str) -> tuple[int, ...] | tuple[float]:
    """Sort ``1.10.0`` after ``1.9.0``; anything that is not dotted numbers sorts last."""
    try:
        return tuple(int(part) for part in version.split("."))
    except ValueError:
        return (float("inf"),)


@dataclass
class PackSource:
    """A pack read and schema-checked, with what it takes to point a problem at its YAML."""

    pack: Pack
    folder: Path
    content_hash: str
    document: YamlDocument
    # Per section, the index as written of every item after for_each expansion.
    origin: dict[str, list[int]] = field(default_factory=dict)

    def problem(self, code: str, message: str, path: tuple[Any, ...]) -> Problem:
        """A problem at a path of the expanded pack, placed where the YAML says it."""
        written = _yaml_path(path, self.origin)
        return _at(code, f"{_dotted(written)}: {message}", self.document.mark(written))


def read_pack(id_or_path: str) -> PackSource:
    """Read, expand and validate a pack's schema; every problem raises ProblemsFound."""
    folder = resolve_pack_dir(id_or_path)
    display = _display(folder / PACK_FILE)
    try:
        doc = load_yaml(folder / PACK_FILE, display)
    except YamlError as exc:
        problems = Problems()
        problems.add(_at(exc.code, exc.message, exc.mark))
        raise ProblemsFound(problems) from None
    source = _from_document(doc, folder)
    if folder.parent.name == VERSIONS_DIR and source.pack.version != folder.name:
        problems = Problems()
        problems.add(_at("E-PACK-SCHEMA", f"a pack kept in {VERSIONS_DIR}/{folder.name}/ must "
                         f"declare version {folder.name}, not {source.pack.version}",
                         doc.mark(("version",))))
        raise ProblemsFound(problems)
    return source


def source_from_data(data: dict[str, Any], name: str = "<memory>",
                     folder: Path = Path(".")) -> PackSource:
    """A pack from already-parsed data (tests, notebooks); problems point at ``name``;
    reference tables are looked up in ``folder``."""
    return _from_document(YamlDocument(data, {}, name), folder)


def _from_document(doc: YamlDocument, folder: Path) -> PackSource:
    problems = Problems()
    if not isinstance(doc.data, dict):
        problems.add(_at("E-PACK-SCHEMA", "a pack file must be a mapping", doc.mark(())))
        raise ProblemsFound(problems)
    try:
        data, origin = expand_for_each(doc.data)
    except PackError as exc:
        problems.add(_at(exc.code, f"{_dotted(exc.path)}: {exc.message}", doc.mark(exc.path)))
        raise ProblemsFound(problems) from None
    try:
        pack = Pack.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():
            loc = tuple(err["loc"])
            if err.get("type") == "union_tag_invalid":
                loc = (*loc, "kind")
            path = _yaml_path(loc, origin)
            where = _dotted(path)
            code = "E-PACK-LIMIT" if err.get("type") == "too_long" else "E-PACK-SCHEMA"
            problems.add(_at(code, f"{where}: {_pydantic_message(err)}", doc.mark(path)))
        raise ProblemsFound(problems) from None
    return PackSource(pack, folder, canonical_hash(pack), doc, origin)


def canonical_hash(pack: Pack) -> str:
    """Hash of the pack's meaning: formatting, comments, key order and keys spelled out at
    their default value do not change it (nor does a later release adding an optional key).
    Presentation (``display``, an input's ``scale``) is left out: rewording a page is not a
    new version of the rules."""
    dumped = pack.model_dump(mode="json", exclude_defaults=True,
                             exclude={"display": True, "inputs": {"__all__": {"scale"}}})
    text = json.dumps(dumped, sort_keys=True,
                      separators=(",", ":"))
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def expand_for_each(data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, list[int]]]:
    """Expand ``inputs`` and ``steps`` items carrying ``for_each`` into copies.

    ``for_each`` is a list of bindings (name → text) or a mapping of name → list of texts
    (every combination); a list may be given by the name of an entry in the pack's
    top-level ``lists``. Each copy has ``{name}`` replaced in every string; the item's id
    must use a placeholder so copies stay distinct. Returns the data and, per section, the
    original index of every expanded item (to point errors at the YAML as written).

    How many copies, and how much text, the expansion makes is worked out from the lists'
    sizes first: beyond ``MAX_EXPANDED_ITEMS`` items in a section or ``MAX_EXPANDED_TEXT``
    characters of copies, it is an ``E-PACK-LIMIT`` error and nothing is copied.
    """
    origins: dict[str, list[int]] = {}
    lists = data.get("lists", {})
    if not isinstance(lists, dict) or not all(
            isinstance(v, list) and all(isinstance(x, str) for x in v) for v in lists.values()):
        raise PackError("E-PACK-SCHEMA", "lists must map names to lists of text", ("lists",))
    out = {k: v for k, v in data.items() if k != "lists"}
    text = 0
    for section in ("inputs", "steps"):
        items = data.get(section)
        if not isinstance(items, list):
            continue
        expanded: list[Any] = []
        origin: list[int] = []
        count = 0
        for i, item in enumerate(items):
            if not isinstance(item, dict) or "for_each" not in item:
                count += 1
                expanded.append(item)
                origin.append(i)
                continue
            path = (section, i, "for_each")
            spec = _resolved(item["for_each"], lists, path)
            template = {k: v for k, v in item.items() if k != "for_each"}
            if "{" not in str(template.get("id", "")):
                raise PackError("E-PACK-SCHEMA", "a for_each item's id needs a {placeholder}",
                                (section, i, "id"))
            copies, sizes = _copies(spec)
            count += copies
            if count > MAX_EXPANDED_ITEMS:
                raise PackError("E-PACK-LIMIT", f"for_each makes {copies:,} {section} ({sizes})"
                                f", which takes the pack's {section} to {count:,}: a pack may "
                                f"have at most {MAX_EXPANDED_ITEMS:,} {section} after "
                                "for_each (docs/limits.md)", path)
            text += copies * _copy_size(template, spec)
            if text > MAX_EXPANDED_TEXT:
                raise PackError("E-PACK-LIMIT", f"for_each would write about {text:,} "
                                f"characters of copies ({copies:,} of this item, {sizes}): a "
                                f"pack may expand to at most {MAX_EXPANDED_TEXT:,} "
                                "(docs/limits.md)", path)
            for binding in _bindings(spec):
                expanded.append(_substitute(copy.deepcopy(template), _placeholders(binding),
                                            binding))
                origin.append(i)
        if count > MAX_EXPANDED_ITEMS:  # written out by hand, without for_each
            raise PackError("E-PACK-LIMIT", f"the pack has {count:,} {section}: at most "
                            f"{MAX_EXPANDED_ITEMS:,} are allowed (docs/limits.md)", (section,))
        out[section] = expanded
        origins[section] = origin
    return out, origins


Spec = dict[str, list[str]] | list[dict[str, str]]


def _resolved(spec: Any, lists: dict[str, list[str]], path: tuple[str | int, ...]) -> Spec:
    """A for_each as a mapping of names to lists (list names looked up), or a list of
    bindings; anything else is a schema error."""
    if isinstance(spec, dict):
        for name, values in spec.items():
            if isinstance(values, str):
                if values not in lists:
                    raise PackError("E-PACK-REF", f"for_each names unknown list {values!r}",
                                    (*path, name))
                spec = {**spec, name: lists[values]}
    if isinstance(spec, dict) and all(
            isinstance(v, list) and all(isinstance(x, str) for x in v) for v in spec.values()):
        return spec
    if isinstance(spec, list) and all(
            isinstance(b, dict) and all(isinstance(v, str) for v in b.values()) for b in spec):
        return spec
    raise PackError("E-PACK-SCHEMA", "for_each must be a list of mappings (name: text) or a "
                    "mapping of names to lists of text", path)


def _copies(spec: Spec) -> tuple[int, str]:
    """How many copies a for_each makes (without making them), and how, for a message."""
    if isinstance(spec, dict):
        sizes = [len(v) for v in spec.values()]
        return math.prod(sizes), " × ".join(f"{n:,}" for n in sizes) or "no lists"
    return len(spec), f"{len(spec):,} bindings"


def _copy_size(template: dict[str, Any], spec: Spec) -> int:
    """An upper bound on the characters of one copy: the template, each placeholder taken
    at the longest text it may stand for (placeholders are replaced in one pass, so a
    value is never expanded again)."""
    written = json.dumps(template, ensure_ascii=False)
    if isinstance(spec, dict):
        longest = {name: max((len(v) for v in values), default=0)
                   for name, values in spec.items()}
    else:
        longest = {}
        for binding in spec:
            for name, value in binding.items():
                longest[name] = max(longest.get(name, 0), len(value))
    return len(written) + sum(written.count("{" + name + "}") * size
                              for name, size in longest.items())


def _bindings(spec: Spec) -> list[dict[str, str]]:
    if isinstance(spec, dict):
        names = list(spec)
        return [dict(zip(names, combo, strict=True))
                for combo in itertools.product(*(spec[n] for n in names))]
    return list(spec)


def _placeholders(binding: dict[str, str]) -> re.Pattern[str] | None:
    if not binding:
        return None
    return re.compile("|".join(re.escape("{" + name + "}") for name in binding))


def _substitute(value: Any, pattern: re.Pattern[str] | None, binding: dict[str, str]) -> Any:
    """``{name}`` replaced by its text in every string, in one pass (a text that itself
    holds a placeholder is left as written)."""
    if pattern is None:
        return value
    if isinstance(value, str):
        return pattern.sub(lambda m: binding[m.group(0)[1:-1]], value)
    if isinstance(value, list):
        return [_substitute(v, pattern, binding) for v in value]
    if isinstance(value, dict):
        return {_substitute(k, pattern, binding): _substitute(v, pattern, binding)
                for k, v in value.items()}
    return value


def _yaml_path(loc: tuple[Any, ...], origins: dict[str, list[int]]) -> tuple[str | int, ...]:
    """Map a path in the expanded pack back to the YAML as written (drop union tags)."""
    path: list[str | int] = []
    for part in loc:
        if isinstance(part, str) and part in STEP_KINDS and path and path[0] == "steps" \
                and len(path) == 2:
            continue
        path.append(part)
    if len(path) >= 2 and isinstance(path[1], int) and str(path[0]) in origins:
        origin = origins[str(path[0])]
        if path[1] < len(origin):
            path[1] = origin[path[1]]
    return tuple(path)


def _pydantic_message(err: Any) -> str:
    kind = err.get("type", "")
    if kind == "extra_forbidden":
        return "unknown key (not part of the rule-pack schema)"
    if kind == "missing":
        return "required key is missing"
    if kind == "too_long":
        ctx = err.get("ctx", {})
        given, limit = ctx.get("actual_length"), ctx.get("max_length")
        if isinstance(given, int) and isinstance(limit, int):
            return f"{given:,} items: at most {limit:,} are allowed (docs/limits.md)"
    msg = str(err.get("msg", "invalid"))
    return msg.removeprefix("Value error, ")


def _dotted(path: tuple[Any, ...]) -> str:
    """A YAML path as people write it: ``steps.3.rules.1.when``."""
    return ".".join(str(p) for p in path) or "(top)"


def _at(code: str, message: str, mark: Mark) -> Problem:
    return Problem(code, message, file=mark.file, row=mark.line, column=mark.column)


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)

