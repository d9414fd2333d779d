"""AutoMix's successors in the registered models and real mmengine Runners on real
Fashion-MNIST: SAMix (``AutoMix`` with SAMix's Mix Block options) and ``AdAutoMix``."""
import glob
import os.path as osp
import subprocess
import sys

import cv2

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.runner import Runner

from conftest import REPO
from mmautomix.core import eta_balanced_soft_cross_entropy
from mmautomix.models.step_state import STATE_FIELDS
from mmautomix.registry import MODELS
from test_mixups_train import scalars, small_cfg

SAMIX = osp.join(REPO, 'configs/samix/fashion_mnist/samix_resnet18-w16_1xb100-100e_fmnist2k.py')
ADAUTOMIX = osp.join(REPO, 'configs/adautomix/fashion_mnist/'
                     'adautomix_resnet18-w16_1xb100-100e_fmnist2k.py')


def mix_block_at_start(runner):
    """A dict filled, after init_weights and before the first step, with copies of the
    mask generator's parameters."""
    before = {}

    class Snapshot(Hook):
        def before_train(self, runner):
            before.update({k: v.detach().clone()
                           for k, v in runner.model.mix_block.named_parameters()})

    runner.register_hook(Snapshot())
    return before


def test_samix_runs_a_real_epoch_and_trains_its_mix_block(tmp_path, fmnist_root):
    """The regime's SAMix config, one short epoch (2 iterations of 100 real images):
    finite losses, the L1+Variance mask loss logged, every Mix Block tensor (W_q, W_k,
    the value neck) moved, θ_k evaluated."""
    cfg = small_cfg(SAMIX, tmp_path)
    runner = Runner.from_cfg(cfg)
    model = runner.model
    assert model.mix_block.x_qk_concat and not model.mix_block.value_is_linear
    before = mix_block_at_start(runner)
    runner.train()
    assert before
    recs = scalars(str(tmp_path))
    train = [r for r in recs if 'loss' in r]
    assert len(train) == 2 and all(np.isfinite(r['loss']) for r in train)
    assert all('loss_mask' in r and 'loss_mix_k' in r for r in train)
    assert any('accuracy_ema/top1' in r for r in recs)
    for name, p in model.mix_block.named_parameters():
        assert not torch.equal(before[name], p), name


def test_the_registered_loss_is_the_core_formula_with_avg_factor():
    loss = MODELS.build(dict(type='EtaBalancedSoftCrossEntropyLoss', neg_weight=0.5,
                             loss_weight=2.0))
    torch.manual_seed(0)
    logits, target = torch.randn(4, 3), torch.softmax(torch.randn(4, 3), 1)
    want = 2 * eta_balanced_soft_cross_entropy(logits, target, 0.5)
    torch.testing.assert_close(loss(logits, target), want)
    torch.testing.assert_close(loss(logits, target, avg_factor=8), want / 2)
    with pytest.raises(ValueError, match='neg_weight=1.5'):
        MODELS.build(dict(type='EtaBalancedSoftCrossEntropyLoss', neg_weight=1.5))


@pytest.mark.parametrize('method,key,value,match', [
    ('samix', 'mask_adjust', 1.5, r'model\.mask_adjust=1\.5.*probability'),
    ('samix', 'mask_adjust_to', 'lam', r"model\.mask_adjust_to='lam'"),
    ('adautomix', 'mix_samples', 1, r'model\.mix_samples=1'),
    ('adautomix', 'adv_interval', 0, r'model\.adv_interval=0'),
    ('adautomix', 'beta_radio', 1.5, r'model\.beta_radio=1\.5'),
    ('adautomix', 'mask_loss_weight', 0.1, r'model\.mask_loss_weight=0\.1.*no mask loss'),
    ('adautomix', 'mix_block_interval', 2, r'model\.mix_block_interval=2.*expected 1'),
    ('adautomix', 'one_q_fraction', 0.5, r'model\.one_q_fraction=0\.5.*expected 1'),
    ('adautomix', 'head_weights', dict(one_q=0), r'model\.head_weights=.*expected None')])
def test_bad_successor_options_name_the_config_key(method, key, value, match):
    cfg = Config.fromfile(dict(samix=SAMIX, adautomix=ADAUTOMIX)[method])
    cfg.model[key] = value
    with pytest.raises(ValueError, match=match):
        MODELS.build(cfg.model)


@pytest.mark.parametrize('key', ['pre_one_loss', 'pre_mix_loss'])
def test_the_official_pre_head_keys_are_not_options(key):
    """The official Mix Block "pre-head" losses exist in neither block: the keys are
    unknown arguments, named by the error."""
    cfg = Config.fromfile(SAMIX)
    cfg.model[key] = 0.0
    with pytest.raises(TypeError, match=key):
        MODELS.build(cfg.model)


def test_contradicting_mix_block_options_fail_at_construction():
    cfg = Config.fromfile(SAMIX)
    cfg.model.mix_block.lam_concat = True
    with pytest.raises(ValueError, match=r'mix_block\.lam_concat=True with mix_block\.lam_mul'):
        MODELS.build(cfg.model)


def test_adautomix_runs_a_real_epoch_adversarial_every_second_step(tmp_path, fmnist_root):
    """The regime's AdAutoMix config, one short epoch (2 iterations of 100 real images):
    three sources, the first step adversarial and the second not, every mask-generator
    tensor moved, θ_k evaluated, and the training picture has a row pair per source."""
    cfg = small_cfg(ADAUTOMIX, tmp_path)
    cfg.custom_hooks.append(dict(type='MixedSampleVisHook', interval=1, max_samples=2))
    runner = Runner.from_cfg(cfg)
    before = mix_block_at_start(runner)
    runner.train()
    recs = scalars(str(tmp_path))
    train = [r for r in recs if 'loss' in r]
    assert len(train) == 2 and all(np.isfinite(r['loss']) for r in train)
    assert [r['adversarial'] for r in train] == [1.0, 0.0]
    assert all(r['mix_sources'] == 3.0 for r in train)
    assert any('accuracy_ema/top1' in r for r in recs)
    for name, p in runner.model.mix_block.named_parameters():
        assert not torch.equal(before[name], p), name
    assert runner.model.applied_steps == 2
    pics = sorted(glob.glob(osp.join(str(tmp_path), '*', 'vis_data', 'vis_image',
                                     'adautomix_mixed_w*.png')))
    assert len(pics) == 2
    img = cv2.imread(pics[0])
    # 7 rows (x_s and M_s for 3 sources, the mixed image) of 96-px tiles, 3 caption lines
    assert img.shape[0] > 7 * 96


def test_adautomix_needs_a_batch_of_at_least_its_sources(tmp_path, fmnist_root):
    cfg = small_cfg(ADAUTOMIX, tmp_path)
    cfg.train_dataloader.batch_size = 2
    with pytest.raises(ValueError, match=r'model\.mix_samples=3.*'
                                         r'train_dataloader\.batch_size=2'):
        Runner.from_cfg(cfg).train()


def test_adautomix_mask_generator_reads_a_layer_of_its_channels():
    cfg = Config.fromfile(ADAUTOMIX)
    cfg.model.mix_block.in_channels = 32
    with pytest.raises(ValueError, match=r'mix_block\.in_channels=32.*expected '
                                         r'mix_block\.in_channels=64'):
        MODELS.build(cfg.model)


@pytest.mark.parametrize('config,rows', [(SAMIX, 'SAMix mask'), (ADAUTOMIX, 'AdAutoMix M_3')])
def test_visualize_mixes_draws_the_successors(config, rows, tmp_path):
    out = tmp_path / 'mixes.png'
    proc = subprocess.run([sys.executable, osp.join(REPO, 'tools', 'visualize_mixes.py'),
                           config, '--out', str(out), '--pairs', '1', '--lams', '0.3'],
                          capture_output=True, text=True, cwd=REPO, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert rows in proc.stdout and cv2.imread(str(out)) is not None


def test_mim_trains_a_successor_by_config_name(tmp_path, fmnist_root):
    """`mim train mmautomix NAME` from another directory finds the AdAutoMix config by
    its file name and trains it (one epoch of 2 iterations); `mim search` lists SAMix."""
    from conftest import VENV_BIN
    mim = osp.join(VENV_BIN, 'mim')
    cwd = tmp_path / 'elsewhere'
    cwd.mkdir()
    work = tmp_path / 'work'
    proc = subprocess.run(
        [mim, 'train', 'mmautomix', osp.basename(ADAUTOMIX), '--work-dir', str(work),
         '--cfg-options', 'train_dataloader.dataset.num_samples=200',
         'val_dataloader.dataset.num_samples=100', 'train_cfg.max_epochs=1'],
        cwd=str(cwd), capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    # the checkpoint is that of an AdAutoMix trained for its 2 updates
    ckpt = torch.load(work / 'epoch_1.pth', map_location='cpu', weights_only=False)
    assert "type='mmautomix.AdAutoMix'" in ckpt['meta']['cfg']
    state = np.frombuffer(ckpt['state_dict']['step_state'].numpy().tobytes(), dtype='<f8')
    assert dict(zip(STATE_FIELDS, state))['applied_steps'] == 2
    assert ckpt['meta']['iter'] == 2
    proc = subprocess.run([mim, 'search', 'mmautomix', '--config',
                           'samix_resnet18_1xb100-400e_cifar100'], cwd=str(cwd),
                          capture_output=True, text=True, timeout=300)
    assert 'config id: samix_resnet18_1xb100-400e_cifar100' in proc.stdout
