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


def test_each_knob_has_one_default_in_every_front_end():
    """The registered models, the plain-PyTorch classifiers and the options objects
    they build agree on the default of every option they share."""
    import dataclasses
    import inspect

    from mmautomix.core import AutoMixClassifier
    from mmautomix.core.adautomix import AdAutoMixClassifier
    from mmautomix.core.options import AdAutoMixOptions, StepOptions
    from mmautomix.models.adautomix import AdAutoMix
    from mmautomix.models.automix import AutoMix

    def defaults(obj):
        if dataclasses.is_dataclass(obj):
            return {f.name: f.default for f in dataclasses.fields(obj)
                    if f.default is not dataclasses.MISSING}
        return {k: p.default for k, p in inspect.signature(obj).parameters.items()
                if p.default is not inspect.Parameter.empty}

    for group in ((AutoMix, AutoMixClassifier, StepOptions),
                  (AdAutoMix, AdAutoMixClassifier, AdAutoMixOptions)):
        seen = {}
        for obj in group:
            for name, value in defaults(obj).items():
                seen.setdefault(name, {})[obj.__name__] = value
        differ = {n: v for n, v in seen.items() if len(set(map(repr, v.values()))) > 1}
        assert not differ, differ
    assert defaults(AutoMix)['lam_margin'] == 0.08
    assert defaults(AdAutoMix)['lam_margin'] == 0.03
