"""The rules every file amalgam-rel writes follows, in one place.

- It is never written onto (or into) one of the command's inputs, compared as files, so a
  symlink or a hard link to the source is caught too, nor onto another output of the command.
- An existing output is replaced only with ``--force``; all of this is checked before any work.
- It is built under a temporary name beside it, ``.NAME.amalgam-tmp-PID``, and renamed into
  place only when complete. Temporaries an interrupted run left behind (its process is gone) are
  swept when the next run writes the same output.

>>> import tempfile
>>> folder = Path(tempfile.mkdtemp())
>>> write_atomically(folder / "r.html", "<p>hi</p>", what="the report").read_text()
'<p>hi</p>'
>>> check_output_path(folder / "r.html", option="--report", force=False)  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
amalgam_rel.errors.OutputError: --report .../r.html already exists (pass --force to replace it)
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping
from pathlib import Path

from amalgam_rel.errors import OutputError

TEMP_MARK = ".amalgam-tmp-"
_written: list[Path] = []  # outputs this process has put in place, for the message of an interrupted run


def temp_path(path: Path) -> Path:
    """Where ``path`` is built; the PID tells a later run whether its writer is still alive."""
    return path.with_name(f".{path.name}{TEMP_MARK}{os.getpid()}")


def same_file(a: Path, b: Path) -> bool:
    """The same file, through symlinks and hard links where both exist; else the same resolved path."""
    try:
        return os.path.samefile(a, b)
    except OSError:
        return a.resolve() == b.resolve()


def _inside(path: Path, folder: Path) -> bool:
    return folder.is_dir() and folder.resolve() in path.resolve().parents


def check_output_path(path: Path, *, option: str, force: bool, sources: Mapping[str, Path | str | None] | None = None,
                      others: Mapping[str, Path | None] | None = None, directory: bool = False) -> None:
    """Refuse an output that would destroy data or cannot be written (``option`` names it).

    ``sources`` maps what each input is ("source database") to its path; ``others`` maps the
    options of the command's other outputs to theirs. ``directory``: the output is a folder.
    """
    path = Path(path)
    for label, source in (sources or {}).items():
        if source is not None and same_file(path, Path(source)):
            raise OutputError(f"refusing to write onto the {label} {source}: {option} names it")
        if source is not None and _inside(path, Path(source)):
            raise OutputError(f"refusing to write into the {label} {source}: {option} names a file in it")
    for other_option, other in (others or {}).items():
        if other is not None and same_file(path, Path(other)):
            raise OutputError(f"{option} and {other_option} name the same file {path}")
    if directory and path.exists() and not path.is_dir():
        raise OutputError(f"{option} {path} is not a directory")
    if not directory and path.is_dir():
        raise OutputError(f"{option} {path} is a directory")
    if path.exists() and not force:
        raise OutputError(f"{option} {path} already exists (pass --force to replace it)")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise OutputError(f"cannot write {path}: the folder {parent} does not exist")
    if not os.access(parent, os.W_OK):
        raise OutputError(f"cannot write {path}: the folder {parent} is not writable")


def write_atomically(path: Path, data: str | bytes, *, what: str) -> Path:
    """Write ``data`` to a temporary file beside ``path`` and rename it over ``path``."""
    path = Path(path)
    sweep_stale_temps(path)
    tmp = temp_path(path)
    try:
        if isinstance(data, str):
            tmp.write_text(data, encoding="utf-8")
        else:
            tmp.write_bytes(data)
        os.replace(tmp, path)
    except OSError as err:
        tmp.unlink(missing_ok=True)
        raise OutputError(f"cannot write {what} {path}: {err.strerror or err}") from None
    except BaseException:  # an interruption leaves nothing half-written behind
        tmp.unlink(missing_ok=True)
        raise
    mark_written(path)
    return path


def mark_written(path: Path) -> None:
    _written.append(Path(path))


def written() -> list[Path]:
    """Outputs this process has completed, oldest first."""
    return list(_written)


def _process_alive(pid: int) -> bool:
    if os.name != "posix":  # os.kill(pid, 0) would terminate the process on Windows: assume alive
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):  # someone else's process, or no such PID at all
        return True
    return True


def sweep_stale_temps(path: Path) -> list[Path]:
    """Remove ``.NAME.amalgam-tmp-PID`` (file or folder) and its ``.wal`` beside ``path`` whose
    process is gone; a live one belongs to a run still writing and is left alone."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    prefix = f".{path.name}{TEMP_MARK}"
    removed = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        if not entry.name.startswith(prefix):
            continue
        pid, _, suffix = entry.name[len(prefix):].partition(".")
        if not pid.isdigit() or suffix not in ("", "wal") or int(pid) == os.getpid() or _process_alive(int(pid)):
            continue
        stale = Path(entry.path)
        if entry.is_dir(follow_symlinks=False):
            shutil.rmtree(stale, ignore_errors=True)
        else:
            stale.unlink(missing_ok=True)
        removed.append(stale)
    return removed


def check_outputs(outputs: Mapping[str, Path | None], *, force: bool,
                  sources: Mapping[str, Path | str | None] | None = None) -> None:
    """:func:`check_output_path` for each of a command's file outputs (option -> path; None: not
    asked for), each also against the others."""
    given = {option: Path(path) for option, path in outputs.items() if path is not None}
    for option, path in given.items():
        check_output_path(path, option=option, force=force, sources=sources,
                          others={o: p for o, p in given.items() if o != option})
