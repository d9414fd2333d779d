"""The package's shape: one concept per small module."""
import os
import os.path as osp

from conftest import REPO

MAX_LINES = 300


def test_no_module_of_the_package_or_the_tools_is_over_300_lines():
    """A module past ~300 lines holds more than one concept; split it by concept."""
    long = {}
    for root, _, files in [*os.walk(osp.join(REPO, 'mmautomix')),
                           *os.walk(osp.join(REPO, 'tools'))]:
        for name in files:
            if name.endswith('.py'):
                path = osp.join(root, name)
                with open(path, encoding='utf-8') as f:
                    n = sum(1 for _ in f)
                if n > MAX_LINES:
                    long[osp.relpath(path, REPO)] = n
    assert not long, f'modules over {MAX_LINES} lines: {long}'


def test_each_knob_has_one_default_in_every_front_end():
    """The step's options have their defaults in one place, the options objects, which
    the registered models and the plain-PyTorch classifiers build from their keywords
    (none of them lists a step option in its own signature); what else two front-ends
    of a method share has one default; and a model and a classifier built without step
    options hold the same options."""
    import dataclasses
    import inspect

    import torch.nn as nn

    from mmautomix.core import AutoMixClassifier
    from mmautomix.core.adautomix import AdAutoMixClassifier
    from mmautomix.core.options import AdAutoMixOptions, StepOptions
    from mmautomix.models.adautomix import AdAutoMix
    from mmautomix.models.automix import AutoMix
    from mmautomix.registry import MODELS
    from test_automix import tiny_cfg

    def defaults(obj):
        if dataclasses.is_dataclass(obj):
            return {f.name: f.default for f in dataclasses.fields(obj)
                    if f.default is not dataclasses.MISSING}
        found = {k: p.default for k, p in inspect.signature(obj).parameters.items()
                 if p.default is not inspect.Parameter.empty}
        for table in ('MODEL_OPTIONS', 'CLASSIFIER_OPTIONS'):
            found.update(getattr(obj, table, {}))
        return found

    for group in ((AutoMix, AutoMixClassifier, StepOptions),
                  (AdAutoMix, AdAutoMixClassifier, AdAutoMixOptions)):
        seen = {}
        for obj in group:
            for name, value in defaults(obj).items():
                seen.setdefault(name, {})[obj.__name__] = value
        differ = {n: v for n, v in seen.items() if len(set(map(repr, v.values()))) > 1}
        assert not differ, differ
    for cls in (AutoMix, AutoMixClassifier):
        assert not set(StepOptions.CONFIG_NAMES) & set(inspect.signature(cls).parameters)
    assert not set(AdAutoMixOptions.CONFIG_NAMES) & set(
        inspect.signature(AdAutoMixClassifier).parameters)
    assert defaults(StepOptions)['lam_margin'] == 0.08
    assert defaults(AdAutoMix)['lam_margin'] == defaults(AdAutoMixOptions)['lam_margin'] == 0.03
    net = nn.Sequential()
    net.add_module('features', nn.Conv2d(3, 8, 3, padding=1))
    net.add_module('pool', nn.AdaptiveAvgPool2d(1))
    net.add_module('flat', nn.Flatten())
    net.add_module('fc', nn.Linear(8, 5))
    plain = AutoMixClassifier(net, 'features', 8, 5)
    cfg = {k: v for k, v in tiny_cfg().items() if k not in StepOptions.CONFIG_NAMES}
    model = MODELS.build(cfg)
    assert dataclasses.replace(model.options, keys={}, updates=None) == dataclasses.replace(
        plain.options, keys={}, updates=None)
    assert vars(model.options.updates) == vars(plain.options.updates)
