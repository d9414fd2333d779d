"""Local checkpoints load with torch.load(weights_only=True) and a minimal allow-list."""
import numpy as np
import pytest
import torch
from mmengine.logging.history_buffer import HistoryBuffer
from mmengine.runner.checkpoint import CheckpointLoader

import mmautomix  # noqa: F401  (registers the loader)


def test_history_buffers_and_numpy_round_trip(tmp_path):
    buf = HistoryBuffer()
    for v in (1.0, 2.0, 6.0):
        buf.update(v)
    path = tmp_path / 'c.pth'
    torch.save({'message_hub': {'loss': buf}, 'arr': np.arange(3.0),
                'scalar': np.float64(2.5), 'w': torch.ones(2)}, path)
    ckpt = CheckpointLoader.load_checkpoint(str(path), map_location='cpu')
    assert ckpt['message_hub']['loss'].mean() == pytest.approx(3.0)
    assert ckpt['message_hub']['loss'].max() == 6.0
    assert ckpt['arr'].tolist() == [0.0, 1.0, 2.0] and ckpt['scalar'] == 2.5


class _Evil:
    def __reduce__(self):
        return getattr, (print, '__self__')   # a step towards builtins / eval


def test_code_in_a_checkpoint_is_refused(tmp_path):
    path = tmp_path / 'evil.pth'
    torch.save({'x': _Evil()}, path)
    with pytest.raises(Exception, match='Weights only load failed'):
        CheckpointLoader.load_checkpoint(str(path), map_location='cpu')


def test_missing_checkpoint_names_the_path(tmp_path):
    with pytest.raises(FileNotFoundError, match='no_such.pth'):
        CheckpointLoader.load_checkpoint(str(tmp_path / 'no_such.pth'))
