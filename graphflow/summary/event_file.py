"""Events files: TFRecord files of serialized `Event` protos, as TensorBoard reads them.

Records are framed by tensorboardX's `RecordWriter` (length, masked CRC-32C of the length,
data, masked CRC-32C of the data). `EventFileWriter` serializes every event in the caller's
thread, so a bad event raises there and never reaches the file, and writes it at once to a
buffered file; the buffer goes to disk after `max_queue` pending events, every `flush_secs`
seconds (a daemon thread), on `flush()`/`close()`, and at interpreter exit for writers that
were never closed, so an exception in the user's program loses no event already added.
"""

import atexit
import errno
import os
import socket
import struct
import threading
import time
import weakref

from graphflow import errors
from graphflow.proto import event_pb2


def _record_writer():
    """tensorboardX's record framing, imported on first use: it pulls in boto3 and friends,
    which `import graphflow` should not pay for."""
    from tensorboardX import record_writer
    return record_writer

FILE_VERSION = "brain.Event:2"
SOURCE_WRITER = "graphflow"

_LIVE_WRITERS = weakref.WeakSet()
_ERRNO_CLASSES = {
    errno.ENOENT: errors.NotFoundError,
    errno.EACCES: errors.PermissionDeniedError,
    errno.EPERM: errors.PermissionDeniedError,
    errno.EROFS: errors.PermissionDeniedError,
    errno.ENOSPC: errors.ResourceExhaustedError,
    errno.EEXIST: errors.AlreadyExistsError,
}


def os_error(err, path):
    """An OSError as the OpError TensorFlow raises for it (`{path}; {reason}`)."""
    if err.errno == errno.ENOTDIR or (err.errno == errno.EEXIST and not os.path.isdir(path)):
        return errors.FailedPreconditionError(None, None, f"{path} is not a directory")
    cls = _ERRNO_CLASSES.get(err.errno, errors.UnknownError)
    return cls(None, None, f"{path}; {err.strerror or err}")


def make_logdir(logdir):
    """Creates `logdir` (and parents); raises the matching OpError when that is impossible."""
    try:
        os.makedirs(logdir, exist_ok=True)
    except OSError as err:
        raise os_error(err, logdir) from None
    if not os.path.isdir(logdir):
        raise errors.FailedPreconditionError(None, None, f"{logdir} is not a directory")
    if not os.access(logdir, os.W_OK | os.X_OK):
        raise errors.PermissionDeniedError(None, None, f"{logdir}; Permission denied")


def _claim_file_name(logdir, suffix):
    """A new file `events.out.tfevents.<seconds>.<host><suffix>` (TF's name), created
    exclusively; a second writer in the same second gets `.<n>` before the suffix instead of
    truncating the first one's file."""
    base = os.path.join(logdir, f"events.out.tfevents.{int(time.time()):010d}."
                                f"{socket.gethostname()}")
    for n in range(1000):
        path = base + (f".{n}" if n else "") + suffix
        try:
            with open(path, "xb"):
                return path
        except FileExistsError:
            continue
        except OSError as err:
            raise os_error(err, logdir) from None
    raise errors.AlreadyExistsError(None, None, f"{base}{suffix}: too many events files")


class EventFileWriter:
    """Writes `Event` protos to a new events file in `logdir`.

    Args:
        logdir: the directory (created if missing).
        max_queue: pending events that force a flush to disk.
        flush_secs: the longest time an added event stays in memory.
        filename_suffix: appended to the file name.

    Raises:
        FailedPreconditionError, NotFoundError, PermissionDeniedError: `logdir` cannot be
            created or written.
    """

    def __init__(self, logdir, max_queue=10, flush_secs=120, filename_suffix=None):
        self._logdir = str(logdir)
        self._max_queue = max(int(max_queue), 1)
        self._flush_secs = float(flush_secs)
        self._suffix = filename_suffix or ""
        self._lock = threading.RLock()
        self._records = None
        self._open()
        _LIVE_WRITERS.add(self)

    def _open(self):
        make_logdir(self._logdir)
        self.path = _claim_file_name(self._logdir, self._suffix)
        self._records = _record_writer().RecordWriter(self.path)
        self._pending = 0
        self._stop = threading.Event()
        self._flusher = threading.Thread(target=_flush_periodically,
                                         args=(weakref.ref(self), self._stop, self._flush_secs),
                                         name="graphflow-event-flusher", daemon=True)
        self._flusher.start()
        first = event_pb2.Event(wall_time=time.time(), file_version=FILE_VERSION)
        first.source_metadata.writer = SOURCE_WRITER
        self.add_event(first)
        self.flush()

    @property
    def closed(self):
        return self._records is None

    def get_logdir(self):
        return self._logdir

    def add_event(self, event):
        """Appends one `Event` (serialized now: a bad event raises here, writes nothing)."""
        if not isinstance(event, event_pb2.Event):
            raise TypeError(f"Expected an Event protocol buffer, got {type(event).__name__}")
        data = event.SerializeToString()
        with self._lock:
            if self._records is None:
                raise ValueError("the events file is closed")
            self._records.write(data)
            self._pending += 1
            if self._pending >= self._max_queue:
                self.flush()

    def flush(self):
        """Writes everything added so far to disk."""
        with self._lock:
            if self._records is not None and self._pending:
                self._records.flush()
                self._pending = 0

    def close(self):
        """Flushes and closes the file; a later `reopen()` starts a new file."""
        with self._lock:
            if self._records is None:
                return
            self.flush()
            self._stop.set()
            self._records.close()
            self._records = None

    def reopen(self):
        """Opens a new events file in the same directory after `close()`."""
        with self._lock:
            if self._records is None:
                self._open()


def _flush_periodically(writer_ref, stop, interval):
    while not stop.wait(interval):
        writer = writer_ref()
        if writer is None:
            return
        writer.flush()
        del writer


@atexit.register
def _flush_all_at_exit():
    for writer in list(_LIVE_WRITERS):
        try:
            writer.flush()
        except Exception:  # noqa: BLE001 - best effort while the interpreter exits
            pass


# ------------------------------------------------------------------------ reading
class RecordReadError(errors.DataLossError):
    """A record whose length or data does not match its checksum."""


def read_records(path, check_crc=True):
    """Yields the data of each record of a TFRecord file; a truncated last record (a file
    still being written) ends the iteration.

    Raises:
        DataLossError: a checksum does not match (when `check_crc`).
    """
    with open(path, "rb") as f:
        while True:
            header = f.read(12)
            if len(header) < 12:
                return
            length, length_crc = struct.unpack("<QI", header)
            if check_crc and _record_writer().masked_crc32c(header[:8]) != length_crc:
                raise RecordReadError(None, None, f"{path}: corrupted record length")
            data = f.read(length)
            footer = f.read(4)
            if len(data) < length or len(footer) < 4:
                return
            if check_crc and _record_writer().masked_crc32c(data) != \
                    struct.unpack("<I", footer)[0]:
                raise RecordReadError(None, None, f"{path}: corrupted record data")
            yield data


def summary_iterator(path):
    """Yields the `Event` protos of an events file (`tf.train.summary_iterator`)."""
    for data in read_records(path):
        event = event_pb2.Event()
        event.ParseFromString(data)
        yield event
