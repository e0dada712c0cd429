"""Before the bot starts: one bot process per database file, and a clean refusal when the file
cannot be used.

``claim(path)`` runs before anything touches the database or the network (bot/cli.py's
``run_claimed``, from the entry point):

1. it creates the database's directory if needed;
2. it takes an exclusive ``flock`` on ``<database>.lock`` beside the database, held for the
   process's life (the kernel drops it when the process ends, kill -9 included), and writes
   the process id into it for the refusal message. A second bot on the same file stops here,
   instead of polling Telegram beside the first (409 Conflict) and sending every reminder
   twice. ``dispute-helper backup`` and ``stats`` do not take it: they run beside the bot;
3. it opens the file with plain sqlite3 and checks that it is a database this code can use
   (not a directory, not some other file, writable, a schema not newer than ours).

Each failure is a ``DatabaseUnavailableError`` whose message is one line naming the file. PTB
logs whatever fails inside ``Application.initialize`` with a traceback, after its HTTP
sessions are open; checking here first keeps the failure to that one line.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import sqlite3
from pathlib import Path
from types import TracebackType

from bot.storage.errors import DatabaseInUseError, DatabaseOpenError, SchemaTooNewError
from bot.storage.schema import latest_schema_version

__all__ = ["InstanceLock", "check_database", "claim", "lock_path"]


def lock_path(database: Path) -> Path:
    return database.with_name(database.name + ".lock")


class InstanceLock:
    """The held lock; ``release()`` (or leaving the ``with`` block) lets the next bot start."""

    def __init__(self, path: Path, fd: int) -> None:
        self.path = path
        self._fd: int | None = fd

    @classmethod
    def acquire(cls, database: Path) -> InstanceLock:
        path = lock_path(database)
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except OSError as error:
            raise DatabaseOpenError(
                f"cannot use {database}: cannot create {path} beside it "
                f"({error.strerror or error}); the bot needs a writable directory"
            ) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_pid(fd)
            os.close(fd)
            by = f" (pid {holder})" if holder else ""
            raise DatabaseInUseError(
                f"{database} is in use by another bot process{by}; one database serves one "
                "bot: stop the other one, or give this one its own DATABASE_PATH"
            ) from None
        except BaseException:
            os.close(fd)
            raise
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        return cls(path, fd)

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            # The file stays: removing it would let two processes lock two different files.
            os.close(fd)

    def __enter__(self) -> InstanceLock:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()


def _read_pid(fd: int) -> int | None:
    with contextlib.suppress(OSError, ValueError):
        return int(os.pread(fd, 32, 0).decode().strip() or 0) or None
    return None


def check_database(database: Path) -> None:
    """Open ``database`` with plain sqlite3 (creating an empty file if there is none) and
    check that the bot can use it; DatabaseOpenError or SchemaTooNewError if not."""
    if database.exists() and not os.access(database, os.W_OK):
        raise DatabaseOpenError(f"{database} is read-only: the bot needs to write it")
    try:
        conn = sqlite3.connect(database, timeout=5)
    except sqlite3.Error as error:
        raise DatabaseOpenError.because(database, error) from None
    try:
        (version,) = conn.execute("PRAGMA user_version").fetchone()
        conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
    except sqlite3.Error as error:
        raise DatabaseOpenError.because(database, error) from None
    finally:
        conn.close()
    latest = latest_schema_version()
    if int(version) > latest:
        raise SchemaTooNewError.found(database, int(version), latest)


def claim(database: Path) -> InstanceLock:
    """The directory, the single-instance lock, then the file's check (see the module)."""
    try:
        database.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise DatabaseOpenError.because(database, error) from None
    if database.is_dir():
        raise DatabaseOpenError.because(database, IsADirectoryError(str(database)))
    lock = InstanceLock.acquire(database)
    try:
        check_database(database)
    except BaseException:
        lock.release()
        raise
    return lock
