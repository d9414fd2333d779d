"""Files that are either complete or absent: write a temporary file, then rename.

``os.replace`` is atomic on one filesystem, so a process killed (or a disk that fills
up) while a file is written leaves the previous file under the final name, never a
truncated one. The checkpoint hook writes checkpoints, best checkpoints and the
``last_checkpoint`` pointer through these, and removes an older checkpoint only after
the newer one is in place.
"""
import os
import os.path as osp
from contextlib import contextmanager
from typing import Callable, List


def temporary_name(path: str) -> str:
    """``dir/.name.tmp`` beside ``path`` (same filesystem, hidden, never a ``*.pth``)."""
    return osp.join(osp.dirname(path), f'.{osp.basename(path)}.tmp')


def atomic_write_text(path: str, text: str) -> None:
    tmp = temporary_name(path)
    with open(tmp, 'w') as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def write_then_rename(write: Callable[[str], None], path: str, main_process: bool = True):
    """Call ``write(tmp)`` for the temporary name of ``path``, flush it to disk and
    rename it to ``path`` (on the main process: the others write nothing). A failure
    removes the temporary file and raises ``OSError`` naming ``path``; whatever was
    at ``path`` before stays as it was."""
    tmp = temporary_name(path)
    try:
        write(tmp)
        if main_process:
            with open(tmp, 'rb') as f:
                os.fsync(f.fileno())
            os.replace(tmp, path)
    except OSError as err:
        if osp.exists(tmp):
            os.remove(tmp)
        raise OSError(err.errno, f'checkpoint {path!r} could not be written '
                      f'({err.strerror or err}); the earlier checkpoints in '
                      f'{osp.dirname(path)!r} are kept') from err


class DeferredRemovals:
    """A file backend whose ``remove``/``rmtree`` are recorded instead of done, until
    :meth:`run`; every other method is the wrapped backend's."""

    def __init__(self, backend):
        self._backend = backend
        self.paths: List[str] = []

    def remove(self, path):
        self.paths.append(path)

    rmtree = remove

    def __getattr__(self, name):
        return getattr(self._backend, name)

    def run(self, keep=()):
        for path in self.paths:
            if path in keep:
                continue
            if self._backend.isfile(path):
                self._backend.remove(path)
            elif self._backend.isdir(path):
                self._backend.rmtree(path)
        self.paths = []


@contextmanager
def deferred_removals(owner, attribute: str = 'file_backend'):
    """Within the block, ``owner.<attribute>`` (a file backend) defers its removals;
    they are done when the block finishes without an error, and dropped otherwise."""
    backend = getattr(owner, attribute)
    deferred = DeferredRemovals(backend)
    setattr(owner, attribute, deferred)
    try:
        yield deferred
    finally:
        setattr(owner, attribute, backend)
