"""The one clock of AutoMix's schedules: applied optimizer updates.

With gradient accumulation (``optim_wrapper.accumulative_counts`` = n > 1) the Runner's
iterations count micro-batches, n of them per optimizer update. Every schedule and
interval of the method counts updates instead: the model's ``applied_steps`` (advanced
by its ``train_step`` only when the optimizer stepped, never on a skipped step), out of
``total_updates(runner)``. The Mix Block interval, AdAutoMix's adversarial interval,
θ_k's EMA (once per update), its momentum m and the mask-loss weight η all read it.
"""
import math


def total_updates(runner) -> int:
    """The optimizer updates of the whole run: ⌈max_iters / n⌉ (mmengine's wrapper steps
    on every n-th backward and on the last one)."""
    counts = getattr(runner.optim_wrapper, '_accumulative_counts', 1)
    return math.ceil(runner.max_iters / counts)


def updates_done(model) -> int:
    """The optimizer updates applied so far (the index of the update in progress)."""
    return int(model.applied_steps)


def count_step_outside_the_model(model, optim_wrapper) -> None:
    """The clock for a wrapper that trains without calling the model's ``train_step``
    (mmengine's plain ``MMDistributedDataParallel``: it runs the forward and
    ``optim_wrapper.update_params`` itself): after such an iteration the optimizer
    stepped when the wrapper's ``should_update()`` says so. A model whose own step ran
    (``model.step_counted``) has counted already."""
    if not model.step_counted:
        model.update_applied = optim_wrapper.should_update()
        model.applied_steps += int(model.update_applied)
    model.step_counted = False
