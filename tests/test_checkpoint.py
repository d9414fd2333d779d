"""Local checkpoints load with torch.load(weights_only=True) and a minimal allow-list."""
import numpy as np
import pytest
import torch
from mmengine.logging.history_buffer import HistoryBuffer
from mmengine.runner.checkpoint import CheckpointLoader

from mmautomix.utils import register_checkpoint_loader

register_checkpoint_loader()   # what our tools and SafeCheckpointHook do


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


class _AttributeChain:
    """Reaches the restricted getattr itself: HistoryBuffer and getattr are both allowed
    globals, so only the getattr check stands between this and attribute chains."""
    def __init__(self, name):
        self.name = name

    def __reduce__(self):
        return getattr, (HistoryBuffer, self.name)


@pytest.mark.parametrize('name', ['__init__', 'mro', '__class__'])
def test_getattr_beyond_history_buffer_statistics_is_refused(tmp_path, name):
    path = tmp_path / 'chain.pth'
    torch.save({'x': _AttributeChain(name)}, path)
    with pytest.raises(Exception, match='only HistoryBuffer statistics are allowed'):
        CheckpointLoader.load_checkpoint(str(path), map_location='cpu')


def test_getattr_of_a_statistics_method_loads(tmp_path):
    path = tmp_path / 'ok.pth'
    torch.save({'x': _AttributeChain('mean')}, path)
    assert CheckpointLoader.load_checkpoint(str(path))['x'] == HistoryBuffer.mean


def test_missing_checkpoint_names_the_path(tmp_path):
    with pytest.raises(FileNotFoundError, match='no_such.pth'):
        CheckpointLoader.load_checkpoint(str(tmp_path / 'no_such.pth'))
