"""The golden trace (tools/golden_trace.py): the first 20 iterations of the regime's
AutoMix, AutoMix with the λ channel, SAMix, AdAutoMix, `-fast` and Mixup recipes log
the numbers recorded before the redesign began, bit for bit on the recording's torch
and CPU, and their final state dicts have the recorded checksums."""
import json
import os.path as osp

import pytest

from conftest import REPO

TRACE = osp.join(REPO, 'tests', 'fixtures', 'golden_trace.json')


def _tool():
    import importlib.util
    spec = importlib.util.spec_from_file_location(
        'golden_trace', osp.join(REPO, 'tools', 'golden_trace.py'))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


with open(TRACE) as _f:
    RECORDED = json.load(_f)


@pytest.mark.parametrize('config', sorted(RECORDED['configs']))
def test_training_reproduces_the_golden_trace(config, fmnist_root):
    tool = _tool()
    exact = RECORDED['environment'] == tool.environment()
    now = tool.trace(config)
    recorded = RECORDED['configs'][config]
    assert now['iters'] == recorded['iters'] == 20
    assert tool.differences(recorded, now, exact) == []
    if exact:
        assert now['state_sha256'] == recorded['state_sha256']


def test_the_comparison_sees_a_changed_number():
    """differences() reports a value that moved by one ulp, a missing key and another
    checksum; a key logged only now is an addition."""
    tool = _tool()
    rec = dict(iters=2, scalars=dict(loss=[1.0, 0.5], acc=[10.0, 20.0]), state_sha256='a')
    now = dict(iters=2, scalars=dict(loss=[1.0, 0.5000000000000001], new=[1.0]),
               state_sha256='b')
    diff = tool.differences(rec, now, exact=True)
    assert diff == ['acc: logged in the record, not now',
                    'loss at iteration 2: 0.5 recorded, 0.5000000000000001 now',
                    'final state dict: checksum differs']
    assert tool.differences(rec, dict(now, scalars=dict(rec['scalars'], new=[2.0])),
                            exact=False) == []
