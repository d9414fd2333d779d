import importlib.util
import os
import os.path as osp
import sys

import pytest

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
FMNIST = os.environ.get('MMAUTOMIX_FMNIST_ROOT', '/usr/share/datasets/fashion-mnist')
VENV_BIN = osp.dirname(sys.executable)
# the benchmark tools' package (tools/benchmark/), as their entry points see it; appended,
# so nothing in tools/ shadows an installed module
if osp.join(REPO, 'tools') not in sys.path:
    sys.path.append(osp.join(REPO, 'tools'))


@pytest.fixture(scope='session')
def fmnist_root():
    if not osp.isfile(osp.join(FMNIST, 'train-images-idx3-ubyte.gz')):
        pytest.fail(f'Fashion-MNIST is missing from {FMNIST}: run `make test` (it installs '
                    'dataset-fashion-mnist) or set MMAUTOMIX_FMNIST_ROOT')
    return FMNIST


def pytest_configure(config):
    config.addinivalue_line('markers', 'full_stack: needs the OpenMMLab packages, '
                            'torchvision or the data (tools/test_core_envs.sh runs the '
                            'core tests without them: -m "not full_stack")')


@pytest.fixture(autouse=True)
def _scope():
    """Each test starts in the mmautomix default scope with every module registered
    (in a torch-only environment, tools/test_core_envs.sh, there is none to set)."""
    if importlib.util.find_spec('mmengine') is None:
        yield
        return
    from mmautomix.utils import register_all_modules
    register_all_modules(init_default_scope=False)
    from mmengine.registry import DefaultScope
    with DefaultScope.overwrite_default_scope('mmautomix'):
        yield
