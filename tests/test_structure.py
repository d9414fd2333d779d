"""The package's shape: one concept per small module."""
import os
import os.path as osp

from conftest import REPO

MAX_LINES = 300


def test_no_module_of_the_package_is_over_300_lines():
    """A module past ~300 lines holds more than one concept; split it by concept."""
    long = {}
    for root, _, files in os.walk(osp.join(REPO, 'mmautomix')):
        for name in files:
            if name.endswith('.py'):
                path = osp.join(root, name)
                with open(path, encoding='utf-8') as f:
                    n = sum(1 for _ in f)
                if n > MAX_LINES:
                    long[osp.relpath(path, REPO)] = n
    assert not long, f'modules over {MAX_LINES} lines: {long}'
