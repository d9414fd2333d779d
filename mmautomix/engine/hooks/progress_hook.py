"""One short progress line while a run trains: iteration, elapsed time and an ETA."""
import time

from mmengine.hooks import Hook

from mmautomix.registry import HOOKS


def clock(seconds: float) -> str:
    """'m:ss' (or 'h:mm:ss' from an hour on)."""
    seconds = int(round(max(seconds, 0)))
    h, rest = divmod(seconds, 3600)
    return f'{h}:{rest // 60:02d}:{rest % 60:02d}' if h else f'{rest // 60}:{rest % 60:02d}'


def progress_line(done: int, total: int, elapsed: float) -> str:
    """'[progress] iteration 120/800 (15 %), elapsed 0:52, ETA 3:41' — the ETA from the
    mean time per iteration so far (evaluations included, as they recur)."""
    eta = elapsed / done * (total - done) if done else float('nan')
    eta_text = clock(eta) if done else 'unknown'
    return (f'[progress] iteration {done}/{total} ({100 * done // max(total, 1)} %), '
            f'elapsed {clock(elapsed)}, ETA {eta_text}')


@HOOKS.register_module()
class ProgressHook(Hook):
    """Print :func:`progress_line` every ``interval`` training iterations (and at the
    last), to stdout and without the logger's fields: a newcomer's view of a run.

    Args:
        interval (int): iterations between lines.
    """
    priority = 'VERY_LOW'

    def __init__(self, interval: int = 50):
        if isinstance(interval, bool) or not isinstance(interval, int) or interval < 1:
            raise ValueError(f'ProgressHook.interval={interval!r}: expected an int >= 1')
        self.interval = interval

    def before_train(self, runner):
        self.start, self.first_iter = time.perf_counter(), runner.iter

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        done = runner.iter + 1
        if done % self.interval and done != runner.max_iters:
            return
        print(progress_line(done - self.first_iter, runner.max_iters - self.first_iter,
                            time.perf_counter() - self.start), flush=True)
