"""Reading OpenMixup's JSON-lines logs (the published logs of the official code): the
method a log's config names, its validation curve, speed and memory."""
import json
import os.path as osp
import re

from . import masks as mask_columns
from .run_record import digest, finish_run


def openmixup_method(config_text):
    """The method an OpenMixup run trained, from the config text its log's first line
    holds: ``mix_mode`` (and α) for the mixup family, which shares one config file per
    dataset; the classifier type for AutoMix, SAMix (AutoMix's classifier with the SAMix
    Mix Block options) and AdAutoMix. ``None`` when the config names no method."""
    model = None
    try:
        from mmengine.config import Config
        model = Config.fromstring(config_text, '.py').get('model')
    except Exception:  # noqa: BLE001 - fall back to reading the text
        model = None
    if model is None:
        block = re.search(r'^model\s*=\s*dict\((.*?)^\S', config_text + '\nEND',
                          re.S | re.M)
        if not block:
            return None
        text = block.group(1)
        mtype = re.search(r"type\s*=\s*['\"](\w+)['\"]", text)
        mode = re.search(r'mix_mode\s*=\s*(\[[^\]]*\]|[\'"][^\'"]*[\'"])', text)
        model = dict(type=mtype.group(1) if mtype else None)
        if mode:
            model['mix_mode'] = eval(mode.group(1), {})   # a literal str or list of str
        samix = re.search(r'(lam_mul\s*=\s*(True|[0-9.]*[1-9])|x_qk_concat\s*=\s*True|'
                          r'value_neck_cfg\s*=\s*dict)', text)
        model['mix_block'] = dict(lam_mul=bool(samix))
    mtype = model.get('type')
    if mtype == 'MixUpClassification' or 'mix_mode' in model:
        mode = model.get('mix_mode')
        if not mode:
            return None
        return '+'.join(mode) if isinstance(mode, (list, tuple)) else str(mode)
    if mtype == 'AutoMixup':
        block = model.get('mix_block') or {}
        samix = (block.get('lam_mul') or block.get('x_qk_concat')
                 or block.get('value_neck_cfg') is not None and 'value_neck_cfg' in block)
        return 'SAMix' if samix else 'AutoMix'
    if mtype == 'AdAutoMix':
        return 'AdAutoMix'
    return mtype or None


def sniff_openmixup(path):
    """``None`` when ``path`` is a log in OpenMixup's JSON-lines format (whatever its
    name), else the reason it is not."""
    try:
        with open(path, encoding='utf-8') as f:
            lines = [line for line in f if line.strip()]
    except (UnicodeDecodeError, OSError) as err:
        return f'not a text file ({type(err).__name__})'
    if not lines:
        return 'empty file'
    modes = False
    for i, line in enumerate(lines, 1):
        try:
            rec = json.loads(line)
        except ValueError:
            return f'line {i} is not JSON: not a JSON-lines log'
        if not isinstance(rec, dict):
            return f'line {i} is not a JSON object: not a JSON-lines log'
        modes = modes or rec.get('mode') in ('train', 'val')
    if not modes:
        return ('JSON lines without OpenMixup\'s "mode": "train"/"val" records (and not in '
                'an mmengine work directory)')
    return None


def read_openmixup(path):
    """One run from an OpenMixup JSON-lines log (first line: env, config, seed, exp_name).

    The method is named from the logged config (``openmixup_method``); a log whose
    config names none is shown under its file name, marked, and never merged."""
    run = dict(source=path, format='openmixup', seed=None, max_epochs=None, recipe=None,
               method=None)
    val, times, memory, masks = {}, [], [], {}
    with open(path) as f:
        for i, line in enumerate(f):
            if not line.strip():
                continue
            rec = json.loads(line)
            if i == 0 and 'mode' not in rec:
                run['seed'] = rec.get('seed')
                if rec.get('config'):
                    run['method'] = openmixup_method(rec['config'])
                    text = re.sub(r'(seed|work_dir)\s*=.*', '', rec['config'])
                    run['recipe'] = digest(text)
                    m = re.search(r'max_epochs\s*=\s*(\d+)', rec['config'])
                    run['max_epochs'] = int(m.group(1)) if m else None
                continue
            if rec.get('mode') == 'val':
                if 'acc_one_k_top1' in rec or 'acc_one_q_top1' in rec:
                    k = rec.get('acc_one_k_top1', rec.get('acc_one_q_top1'))
                    val[rec['epoch']] = (k, rec.get('acc_one_q_top1'))
                elif 'head0_top1' in rec:
                    val[rec['epoch']] = (rec['head0_top1'], None)
            elif rec.get('mode') == 'train' and 'time' in rec:
                times.append(rec['time'])
                if 'memory' in rec:
                    memory.append(rec['memory'])
                values = mask_columns.record(rec)
                if values:                    # a run instrumented to log its masks
                    masks[(rec.get('epoch') or 0, rec.get('iter', len(masks)))] = values
    if masks:
        run['mask_stats'] = [[i, *masks[key]] for i, key in enumerate(sorted(masks))]
    if run['method'] is None:
        run['method'] = osp.basename(path)
        run['problem'] = ('method unknown: the log\'s config names no mix_mode or '
                          'classifier type')
    return finish_run(run, val, times, memory)
