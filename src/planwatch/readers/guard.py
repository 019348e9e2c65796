"""Read a file in a child process with a memory and time budget, so no file costs more."""

from __future__ import annotations

import multiprocessing
import os
import resource
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any, TypeVar

from planwatch.errors import PlanReadError

T = TypeVar("T")


def _env_number(name: str, default: float) -> float:
    try:
        return float(os.environ.get(name, default))
    except ValueError:
        return default


@dataclass(frozen=True)
class Limits:
    """What reading one file may cost. The sizes are set so that the largest file they let
    through stays within the memory budget (an XML part parses to about 16 times its size),
    and are far above any published plan (a 40-page plan's document.xml is under 2 MB)."""

    memory_bytes: int = int(_env_number("PLANWATCH_READ_MEMORY_MB", 256) * 1_000_000)
    seconds: float = _env_number("PLANWATCH_READ_SECONDS", 10)
    zip_members: int = 1000
    unpacked_bytes: int = 64_000_000  # all of a DOCX's or ODT's members together
    xml_bytes: int = 10_000_000  # any one XML member
    compression_ratio: int = 100  # odfdo refuses above 200; XML compresses 5 to 20 times
    pdf_pages: int = 1000
    pdf_decoded_bytes: int = 10_000_000  # content streams, decoded (pdfium holds drawing
    # operators at about 20 times their size; a 40-page plan has about 1 MB of them)
    pdf_font_bytes: int = 40_000_000  # embedded font programs, decoded (pdfium unpacks each
    # whole when the page's text is loaded and holds it twice over; a plan's fonts come
    # to well under 1 MB, a whole CJK font to about 20 MB)
    rows: int = 2_000  # table rows of one document (the largest published plans have 300)
    cells: int = 64  # cells of one table row, merged cells counted


# The limits in force; tests replace it to try the checks with small files. It is sent to the
# child with each file, so a replacement applies there too.
LIMITS = Limits()
# Set in the child: reading there happens in place, never in a grandchild.
_IN_CHILD = False


@dataclass
class Usage:
    """What reading one file cost: wall-clock seconds and the peak memory above the child's
    starting point (the fuzz benchmark reports these)."""

    seconds: float = 0.0
    peak_bytes: int = 0
    cpu_seconds: float = 0.0  # the child's own processor time (fair on a busy machine)
    extra: dict[str, Any] = field(default_factory=dict)


class ReaderFailure(PlanReadError):
    """A reader stopped on an error of its own (a defect to fix), reported as one line."""


class NeedsOcr(PlanReadError):
    """A PDF with no text layer, found within the budget: it is read through OCR outside it,
    since OCR runs other programs (ocrmypdf, Tesseract) for minutes, with a time limit and
    memory of their own (planwatch.readers.pdf_scan)."""


def in_child() -> bool:
    """Whether this process is a budgeted reading child."""
    return _IN_CHILD


def _mb(count: float) -> str:
    return f"{count / 1_000_000:.0f} MB"


def over_memory(name: str, limits: Limits) -> PlanReadError:
    return PlanReadError(
        f"{name} needs more than {_mb(limits.memory_bytes)} of memory to read, far more than "
        "any plan: check it is the right file, or open it and save it again"
    )


def over_time(name: str, limits: Limits) -> PlanReadError:
    return PlanReadError(
        f"{name} took longer than {limits.seconds:g} seconds to read, far longer than any "
        "plan: check it is the right file, or open it and save it again"
    )


def _status(key: str) -> int:
    """A /proc/self/status figure in bytes (0 where there is no /proc)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith(key + ":"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _start_measuring() -> int:
    """Reset the peak resident size to the current one (Linux), and return it."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as clear:
            clear.write("5")
    except OSError:
        pass
    return _status("VmRSS")


def _child(
    sender: Connection, limits: Limits, function: Callable[..., Any], args: tuple[Any, ...]
) -> None:
    global LIMITS, _IN_CHILD
    LIMITS, _IN_CHILD = limits, True
    start = _start_measuring()
    # The address space may grow by the budget from here (the file itself is already in).
    room = _status("VmSize") + limits.memory_bytes
    resource.setrlimit(resource.RLIMIT_AS, (room, room))
    cpu = int(limits.seconds) + 2  # a backstop: the parent stops the child on wall-clock time
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    began, cpu_began = time.monotonic(), time.process_time()
    try:
        outcome: tuple[str, Any] = ("value", function(*args))
    except NeedsOcr:
        outcome = ("scan", None)
    except PlanReadError as error:
        outcome = ("refused", str(error))
    except MemoryError:
        outcome = ("memory", None)
    except Exception as error:
        outcome = ("failed", " ".join(f"{type(error).__name__}: {error}".split())[:300])
    usage = Usage(
        time.monotonic() - began,
        max(_status("VmHWM") - start, 0),
        time.process_time() - cpu_began,
    )
    try:
        sender.send((outcome, usage))
    except MemoryError:
        sender.send((("memory", None), usage))
    except OSError:
        pass  # the parent stopped waiting (its time ran out) and will stop this process


_context: Any = None


def _forkserver() -> Any:
    """A fork server with the readers already imported: each file is read in a fresh fork of
    it (about 20 ms), never in a fork of the caller, which may be a threaded web worker."""
    global _context
    if _context is None:
        _context = multiprocessing.get_context("forkserver")
        # The caller's main module too, so that no child has to run it again.
        _context.set_forkserver_preload(["__main__", "planwatch.pipeline"])
    return _context


def measure(
    function: Callable[..., T], args: tuple[Any, ...], name: str, limits: Limits | None = None
) -> tuple[T, Usage]:
    """`function(*args)` in a child process held to `limits`: its result and what it cost.
    Whatever goes wrong in the child comes back as a PlanReadError with one line."""
    limits = limits or LIMITS
    context = _forkserver()
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=_child, args=(sender, limits, function, args), daemon=True)
    began = time.monotonic()
    try:
        process.start()
    except OSError:
        # No process to be had (a process limit, say): read here, with the checks alone.
        sender.close()
        receiver.close()
        return function(*args), Usage()
    sender.close()
    try:
        if not receiver.poll(limits.seconds):
            raise over_time(name, limits)
        (kind, value), usage = receiver.recv()
    except EOFError:
        # The child died without a word: killed for its CPU time or memory, or crashed.
        process.join()
        code = -(process.exitcode or 0)
        if code == signal.SIGXCPU:
            raise over_time(name, limits) from None
        try:
            stop = signal.Signals(code).name
        except ValueError:
            stop = f"exit {process.exitcode}"
        # A native library that cannot allocate within the limit aborts or faults.
        raise ReaderFailure(
            f"{name} could not be read: the reader stopped on it ({stop}), perhaps for want of "
            "memory: open it and save it again, or give it in another format"
        ) from None
    finally:
        receiver.close()
        if process.is_alive():
            process.kill()
        process.join()
    usage.seconds = time.monotonic() - began
    if kind == "value":
        return value, usage
    if kind == "scan":
        raise NeedsOcr(f"{name} is a scan: it is read through OCR")
    if kind == "refused":
        raise PlanReadError(value)
    if kind == "memory":
        raise over_memory(name, limits)
    raise ReaderFailure(
        f"{name} could not be read: the reader failed on it ({value}); please report it "
        "with the file"
    )


def bounded(function: Callable[..., T], args: tuple[Any, ...], name: str) -> T:
    """`function(*args)` held to the reading budget: in a child process, unless this is
    already one (or the platform has no fork server, where the bounded checks alone apply)."""
    if _IN_CHILD or os.environ.get("PLANWATCH_READ_IN_PROCESS") == "1":
        return function(*args)
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return function(*args)
    return measure(function, args, name)[0]
