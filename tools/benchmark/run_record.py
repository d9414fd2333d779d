"""One run's record as every log reader finishes it: its validation curve, speed,
memory and the problem that keeps it out of a table, if any."""
import hashlib
import statistics


def digest(text):
    """A short fingerprint of a recipe's text."""
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def finish_run(run, val, times, memory):
    epochs = sorted(e for e in val if e is not None)
    run['epochs'] = epochs
    run['top1'] = [val[e][0] for e in epochs]
    online = [val[e][1] for e in epochs]
    run['online_top1'] = online if any(v is not None for v in online) else None
    run['s_per_iter'] = statistics.median(times) if times else None
    if memory:
        run['peak_mem_mb'] = max(memory)
    elif run.get('peak_rss_mb'):
        run['peak_mem_mb'] = run['peak_rss_mb']
    if not epochs and 'problem' not in run:
        run['problem'] = 'no validation record'
    elif run.get('max_epochs') and epochs and epochs[-1] < run['max_epochs'] and \
            'problem' not in run:
        run['problem'] = f'stopped after epoch {epochs[-1]} of {run["max_epochs"]}'
    return run


# files of an mmengine work directory, read through its scalars.json or run.json
