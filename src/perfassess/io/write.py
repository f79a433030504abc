"""Write a run's outputs atomically: build beside the old, then switch every one or none."""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import threading
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from itertools import chain
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

import pandas as pd

from perfassess.core.problems import Problem, Problems, ProblemsFound
from perfassess.core.workers import in_worker
from perfassess.io.spreadsheet import spreadsheet_safe

if TYPE_CHECKING:
    import pyarrow as pa
    import pyarrow.csv as pacsv

# Outputs built inside an `atomic_batch`, (new, target), waiting for the whole batch.
_PENDING: ContextVar[list[tuple[Path, Path]] | None] = ContextVar("_PENDING", default=None)

JOURNAL = ".perfassess-publish.json"
# What a run leaves beside its targets while it works: `.<name>.tmp-<pid>-<hex>` (new, being
# built) and `.<name>.old-<pid>-<hex>` (replaced, kept until the switch is committed).
_LEFT = re.compile(r"^\.(?P<name>.+)\.(?P<kind>tmp|old)-(?P<pid>\d+)(?:-[0-9a-f]+)?$")
# A test hook, never set by users: "STAGE:SIGNAL" sends SIGNAL to this process at STAGE, so
# tests can interrupt publishing at each step (see docs/publishing.md for the stages).
TEST_HOOK = "PERFASSESS_TEST_KILL_AT"


class Terminated(BaseException):
    """SIGTERM while publishing: unwinds like Ctrl-C, so nothing half-built is left."""


def _fresh(target: Path, kind: str) -> Path:
    return target.parent / f".{target.name}.{kind}-{os.getpid()}-{secrets.token_hex(4)}"


def output_error(exc: OSError, where: Path) -> ProblemsFound:
    """A file-system error while publishing, as the problem E-OUTPUT-WRITE naming its path
    (the file the system names, else ``where``)."""
    path = exc.filename if isinstance(exc.filename, str) else str(where)
    reason = exc.strerror or str(exc) or type(exc).__name__
    problems = Problems()
    problems.add(Problem("E-OUTPUT-WRITE", f"could not write the outputs: {reason}",
                         file=path))
    return ProblemsFound(problems)


@contextmanager
def atomic_folder(target: Path) -> Iterator[Path]:
    """Yield a fresh folder beside ``target``; on success it replaces ``target`` whole.

    On any failure (an exception, Ctrl-C, SIGTERM) the new folder is removed and ``target``
    is left as it was; a file-system error becomes the problem E-OUTPUT-WRITE. Inside
    :func:`atomic_batch` the switch waits for the whole batch.
    """
    with atomic_folders([target]) as works:
        yield works[0]


@contextmanager
def atomic_folders(targets: list[Path]) -> Iterator[list[Path]]:
    """:func:`atomic_folder` for several targets at once (filled side by side): a fresh
    folder for each; all are removed on any failure, and on success each replaces its
    target as ``atomic_folder``'s would, in the order given."""
    works: list[Path] = []
    where = targets[0] if targets else Path()
    try:
        for where in targets:
            where.parent.mkdir(parents=True, exist_ok=True)
            work = _fresh(where, "tmp")
            work.mkdir()  # with the user's umask (0755 under 022), as any folder they make
            works.append(work)
    except OSError as exc:
        for work in works:
            _remove(work)
        raise output_error(exc, where) from exc
    with _built(works, targets):
        yield works


@contextmanager
def atomic_file(target: Path) -> Iterator[Path]:
    """Yield a fresh path beside ``target`` to write a file at; published as a folder is."""
    work = _fresh(target, "tmp")
    with _built([work], [target]):
        yield work


@contextmanager
def _built(works: list[Path], targets: list[Path]) -> Iterator[None]:
    """Outputs being built: all removed if the building fails (a file-system error becomes
    E-OUTPUT-WRITE, on the first target), else each registered for its switch."""
    try:
        yield
    except BaseException as exc:
        for work in works:
            _remove(work)
        if isinstance(exc, OSError):
            raise output_error(exc, targets[0]) from exc
        raise
    for work, target in zip(works, targets, strict=True):
        _register(work, target)


def _register(work: Path, target: Path) -> None:
    """A built output: switched in with its batch, or now if there is none."""
    pending = _PENDING.get()
    if pending is not None:
        pending.append((work, target))
        kill_hook(f"built-{len(pending)}")
    else:
        _publish([(work, target)])


def pending_outputs() -> dict[Path, Path]:
    """The outputs the current batch has built so far: target -> where it is for now."""
    return {target: work for work, target in _PENDING.get() or []}


@contextmanager
def atomic_batch() -> Iterator[None]:
    """Every :func:`atomic_folder` and :func:`atomic_file` inside replaces its target only
    when all succeeded, and then all together: an interruption at any point (Ctrl-C,
    SIGTERM, SIGKILL, power loss) leaves every target old or every target new."""
    pending: list[tuple[Path, Path]] = []
    token = _PENDING.set(pending)
    with _terminate_unwinds():
        try:
            yield
        except BaseException:
            for work, _ in pending:
                _remove(work)
            raise
        finally:
            _PENDING.reset(token)
        _publish(pending)


def _publish(pending: list[tuple[Path, Path]]) -> None:
    try:
        with _terminate_unwinds():
            _switch(pending)
    except BaseException as exc:
        for work, _ in pending:  # whatever stopped it, nothing new is left behind
            _remove(work)
        if isinstance(exc, OSError):
            raise output_error(exc, pending[0][1]) from exc
        raise


def _switch(pending: list[tuple[Path, Path]]) -> None:
    """Replace each target by its new version, all or none, through a journal.

    The journal (in the targets' folder) is written before the first rename and lists each
    (target, new, old) triple. Until it is marked committed, an interruption rolls every
    target back (here, from a signal handler's flag, or by the next run after a SIGKILL);
    after, forward. Signals wait while this runs: each rename is a moment.
    """
    if not pending:
        return
    last = {target: work for work, target in pending}  # the same target twice: the last
    for work, target in pending:
        if last[target] != work:
            _remove(work)
    parent = pending[0][1].parent
    if any(target.parent != parent for target in last):
        raise ValueError("one batch publishes into one folder")
    entries = [{"target": t.name, "new": w.name, "old": _fresh(t, "old").name}
               for t, w in last.items()]
    with _locked(parent), _signals_wait() as caught:
        try:
            _repair(parent)
            kill_hook("built")
            _stop_if(caught)
            os.sync()  # the new files reach the disk before the journal says they are whole
            _write_journal(parent, {"pid": os.getpid(), "state": "switching",
                                    "entries": entries})
            kill_hook("journal")
            for number, entry in enumerate(entries, 1):
                _stop_if(caught)
                target = parent / entry["target"]
                if _exists(target):
                    os.replace(target, parent / entry["old"])
                    kill_hook(f"aside-{number}")
                os.replace(parent / entry["new"], target)
                kill_hook(f"in-{number}")
            _stop_if(caught)
        except BaseException:
            _roll_back(parent, entries)
            raise
        _write_journal(parent, {"pid": os.getpid(), "state": "committed",
                                "entries": entries})
        kill_hook("committed")
        # Committed: the new outputs stand. A signal from here on is too late to stop the
        # run; the old folders are removed and the run ends as it would have.
        _roll_forward(parent, entries)


def _stop_if(caught: list[int]) -> None:
    if caught:
        raise KeyboardInterrupt if caught[0] == signal.SIGINT else Terminated()


def _roll_back(parent: Path, entries: list[dict[str, str]]) -> None:
    for entry in reversed(entries):
        target, new, old = (parent / entry[k] for k in ("target", "new", "old"))
        if not _exists(new) and _exists(target):  # switched in: take it out again
            os.replace(target, new)
        if _exists(old):
            os.replace(old, target)
        _remove(new)
    _sync_folder(parent)
    _remove(parent / JOURNAL)


def _roll_forward(parent: Path, entries: list[dict[str, str]]) -> None:
    for entry in entries:
        _remove(parent / entry["old"])
        _remove(parent / entry["new"])
    _remove(parent / JOURNAL)


def repair(out: Path) -> None:
    """Finish or undo a publish a killed run left in ``out`` (its journal says which), and
    remove what dead runs left being built. Runs still alive are left alone."""
    if not out.is_dir():
        return
    try:
        with _locked(out):
            _repair(out)
    except OSError as exc:
        raise output_error(exc, out) from exc


def _repair(out: Path) -> None:
    journal = out / JOURNAL
    if journal.is_file():
        entries, state = _read_journal(journal)
        if state == "committed":
            _roll_forward(out, entries)
        elif state == "switching":
            _roll_back(out, entries)
        else:
            _remove(journal)
    for path in out.iterdir():
        found = _LEFT.match(path.name)
        if found is None or _alive(int(found["pid"])):
            continue
        if found["kind"] == "old" and not _exists(out / found["name"]):
            # An old version with nothing in its place (left by a perfassess before the
            # journal, killed between its two renames): it is the published one.
            os.replace(path, out / found["name"])
        else:
            _remove(path)


def _read_journal(journal: Path) -> tuple[list[dict[str, str]], str]:
    """The journal's entries and state; a journal that is not one of ours has none."""
    try:
        data = json.loads(journal.read_text(encoding="utf-8"))
        entries = [{k: str(e[k]) for k in ("target", "new", "old")} for e in data["entries"]]
        state = str(data["state"])
    except (ValueError, KeyError, TypeError, UnicodeDecodeError):
        return [], "unreadable"
    for entry in entries:  # only names beside the journal, spelt as a run spells them
        for kind in ("new", "old"):
            found = _LEFT.match(entry[kind])
            if "/" in entry["target"] or entry["target"] in ("", ".", "..") \
                    or found is None or found["name"] != entry["target"] \
                    or found["kind"] != ("tmp" if kind == "new" else "old"):
                return [], "unreadable"
    return entries, state


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


# The folders this thread holds locked, so that a holder may take the lock again.
_HELD = threading.local()


@contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """One run at a time publishes in ``folder`` (a lock on the folder itself, so no lock
    file is left in it); released by the kernel if the process dies."""
    import fcntl

    held: set[str] = _HELD.__dict__.setdefault("folders", set())
    key = os.path.realpath(folder)
    if key in held:
        yield
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        with suppress(OSError):  # a file system without locks: publish all the same
            fcntl.flock(fd, fcntl.LOCK_EX)
        held.add(key)
        yield
    finally:
        held.discard(key)
        os.close(fd)


@contextmanager
def publishing(out: Path) -> Iterator[None]:
    """Hold ``out`` while a run checks it and publishes there, so that runs into one folder
    publish one after another, each checking and indexing what the one before left. ``out``
    is made if need be, and removed again if the run fails and leaves it empty."""
    if os.path.lexists(out) and not out.is_dir():
        yield  # not a folder: the run's checks refuse it
        return
    made = not os.path.lexists(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise output_error(exc, out) from exc
    try:
        with _locked(out):
            yield
    except BaseException:
        if made:
            with suppress(OSError):
                out.rmdir()
        raise


def _write_journal(parent: Path, data: dict[str, Any]) -> None:
    temp = _fresh(parent / JOURNAL, "tmp")
    with open(temp, "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=2)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temp, parent / JOURNAL)
    _sync_folder(parent)


def _sync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _exists(path: Path) -> bool:
    return os.path.lexists(path)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with suppress(OSError):  # what cannot be removed now, the next run removes
            path.unlink()


def _on_main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


@contextmanager
def _terminate_unwinds() -> Iterator[None]:
    """While a batch is built, SIGTERM unwinds like Ctrl-C (so what was built is removed);
    then the process ends by SIGTERM as it would have. Ctrl-C is Python's own."""
    if not _on_main_thread() or signal.getsignal(signal.SIGTERM) == signal.SIG_IGN:
        yield
        return

    def unwind(signum: int, frame: FrameType | None) -> None:
        raise Terminated()

    before = signal.signal(signal.SIGTERM, unwind)
    restored = before if before is not None else signal.SIG_DFL
    try:
        yield
    except Terminated:
        signal.signal(signal.SIGTERM, restored)  # and the signal goes where it was going
        os.kill(os.getpid(), signal.SIGTERM)
        raise
    finally:
        signal.signal(signal.SIGTERM, restored)


@contextmanager
def _signals_wait() -> Iterator[list[int]]:
    """Ctrl-C and SIGTERM are noted, not acted on, while outputs are switched."""
    caught: list[int] = []
    if not _on_main_thread():
        yield caught
        return

    def note(signum: int, frame: FrameType | None) -> None:
        caught.append(signum)

    before = {s: signal.signal(s, note) for s in (signal.SIGINT, signal.SIGTERM)
              if signal.getsignal(s) != signal.SIG_IGN}  # a background job ignores Ctrl-C
    try:
        yield caught
    finally:
        for s, handler in before.items():
            signal.signal(s, handler if handler is not None else signal.SIG_DFL)


def kill_hook(stage: str) -> None:
    """Signal this process at ``stage`` when the environment asks (the interruption tests);
    never a worker, which leaves signals to its parent."""
    wanted = os.environ.get(TEST_HOOK)
    if wanted and not in_worker() and wanted.rpartition(":")[0] == stage:
        os.kill(os.getpid(), getattr(signal, wanted.rpartition(":")[2]))


def arrow_table(frame: pd.DataFrame | pa.Table) -> pa.Table:
    """A table as Arrow, without pandas' schema metadata (so bytes depend only on the
    data); convert once when the same table is written in several formats."""
    import pyarrow as pa

    if isinstance(frame, pa.Table):
        return frame
    return pa.Table.from_pandas(frame, preserve_index=False).replace_schema_metadata(None)


def write_csv(frame: pd.DataFrame | pa.Table, path: Path) -> None:
    """CSV through Arrow's writer: fast, quotes only where needed, numbers spelt exactly
    (the shortest text that reads back as the same float), empty cells for missing; text
    that a spreadsheet would run as a formula starts with ``'`` (io/spreadsheet.py)."""
    import pyarrow.csv as pacsv

    pacsv.write_csv(spreadsheet_safe(arrow_table(frame)), path,
                    write_options=_csv_options(header=True))


def write_csv_and_parquet(frame: pd.DataFrame | pa.Table, csv: Path, parquet: Path,
                          rows_at_a_time: int = 1 << 16) -> None:
    """The same table as CSV and as Parquet, the bytes :func:`write_csv` and
    :func:`write_parquet` write, made on every core.

    Arrow's writers let go of the GIL, so the Parquet file is written while other threads
    spell the CSV a slice of rows at a time; slices are written in order, the header with
    the first, which gives the file one pass would (Arrow spells each value on its own).
    """
    table = arrow_table(frame)
    starts = range(0, max(len(table), 1), rows_at_a_time)
    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 1)) as pool:
        written = pool.submit(write_parquet, table, parquet)  # Parquet keeps the exact text
        cells = spreadsheet_safe(table)
        with open(csv, "wb") as handle:
            for text in pool.map(lambda start: _csv_bytes(
                    cells.slice(start, rows_at_a_time), start == 0), starts):
                handle.write(text)
        written.result()


def _csv_bytes(table: pa.Table, header: bool) -> pa.Buffer:
    import pyarrow as pa
    import pyarrow.csv as pacsv

    sink = pa.BufferOutputStream()
    pacsv.write_csv(table, sink, write_options=_csv_options(header=header))
    return sink.getvalue()


def _csv_options(header: bool) -> pacsv.WriteOptions:
    import pyarrow.csv as pacsv

    return pacsv.WriteOptions(quoting_style="needed", delimiter=",", include_header=header)


ROW_GROUP = 1 << 20  # rows in a Parquet row group (Arrow's default, pinned)


def write_parquet(frame: pd.DataFrame | pa.Table | Iterable[pa.Table], path: Path) -> int:
    """Parquet, compressed; the same data always gives the same bytes. Tables given one
    after another (of :data:`ROW_GROUP` rows each, but the last) make the file one table
    of them all makes, while only one is held. Returns the rows written."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    parts: Iterator[pa.Table] = (iter([arrow_table(frame)])
                                 if isinstance(frame, (pa.Table, pd.DataFrame)) else iter(frame))
    first = next(parts)
    with pq.ParquetWriter(path, first.schema, compression="zstd", use_dictionary=True,
                          write_statistics=True) as writer:
        rows = 0
        for part in chain([first], parts):
            writer.write_table(part, row_group_size=ROW_GROUP)
            rows += part.num_rows
    return rows


def write_json(data: object, path: Path) -> None:
    write_text(json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n", path)


def write_text(text: str, path: Path) -> None:
    """Write through a temporary file and rename, so a reader never sees half a file."""
    temp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    temp.write_text(text, encoding="utf-8", newline="\n")
    os.replace(temp, path)

