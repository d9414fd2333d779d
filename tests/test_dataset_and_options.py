"""Fashion-MNIST from local files, its errors, and the --cfg-options key check."""
import gzip
import os
import os.path as osp
import shutil

import numpy as np
import pytest
from mmengine.config import Config

from conftest import REPO
from mmautomix.datasets import OfflineFashionMNIST
from mmautomix.utils.config import apply_cfg_options

FMNIST_CFG = osp.join(REPO, 'configs/mixups/fashion_mnist/resnet18-w16_1xb100-4e_fmnist.py')


def test_reads_real_fashion_mnist(fmnist_root):
    test = OfflineFashionMNIST(data_root=fmnist_root, split='test', pipeline=[])
    assert len(test) == 10000
    item = test[0]
    assert item['img'].shape == (28, 28) and item['img'].dtype == np.uint8
    labels = np.array([test.get_data_info(i)['gt_label'] for i in range(len(test))])
    assert np.bincount(labels).tolist() == [1000] * 10
    assert test.metainfo['classes'][0] == 'T-shirt/top'
    sub = OfflineFashionMNIST(data_root=fmnist_root, split='train', num_samples=1000,
                              pipeline=[])
    labels = np.array([sub.get_data_info(i)['gt_label'] for i in range(len(sub))])
    assert len(sub) == 1000 and np.bincount(labels).tolist() == [100] * 10
    # the same subset every time (fixed seed), a different one with another seed
    again = OfflineFashionMNIST(data_root=fmnist_root, num_samples=1000, pipeline=[])
    other = OfflineFashionMNIST(data_root=fmnist_root, num_samples=1000, subset_seed=1,
                                pipeline=[])
    assert np.array_equal(sub[5]['img'], again[5]['img'])
    assert not all(np.array_equal(sub[i]['img'], other[i]['img']) for i in range(20))
    # train mean matches the published statistic used by the data preprocessor
    assert abs(float(np.mean([sub[i]['img'].mean() for i in range(1000)])) - 72.94) < 3


def test_missing_folder_names_key_and_fix(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"`data_root`='/nonexistent/fm'.*"
                       r"apt-get install dataset-fashion-mnist"):
        OfflineFashionMNIST(data_root='/nonexistent/fm')


def test_incomplete_folder_names_missing_file(tmp_path, fmnist_root):
    shutil.copy(osp.join(fmnist_root, 'train-images-idx3-ubyte.gz'), tmp_path)
    with pytest.raises(FileNotFoundError, match='train-labels-idx1-ubyte.gz.*MMAUTOMIX_FMNIST_ROOT'):
        OfflineFashionMNIST(data_root=str(tmp_path))


def test_truncated_file_is_reported(tmp_path, fmnist_root):
    for name in os.listdir(fmnist_root):
        shutil.copy(osp.join(fmnist_root, name), tmp_path)
    with gzip.open(osp.join(fmnist_root, 't10k-images-idx3-ubyte.gz')) as f:
        data = f.read()
    with gzip.open(tmp_path / 't10k-images-idx3-ubyte.gz', 'wb') as f:
        f.write(data[:len(data) // 2])
    with pytest.raises(ValueError, match='truncated'):
        OfflineFashionMNIST(data_root=str(tmp_path), split='test')


def test_env_variable_moves_the_data_root(monkeypatch):
    monkeypatch.setenv('MMAUTOMIX_FMNIST_ROOT', '/somewhere/else')
    cfg = Config.fromfile(FMNIST_CFG)
    assert cfg.train_dataloader.dataset.data_root == '/somewhere/else'


@pytest.mark.parametrize('key,match', [
    ('train_cfg.max_epoch', "unknown config key 'train_cfg.max_epoch'.*'max_epochs'"),
    ('max_epochs', "unknown config key 'max_epochs'"),
    ('model.backbone.dept', "ResNet_CIFAR takes no argument 'dept'.*'depth'"),
    ('train_dataloader.dataset.num_sample', "OfflineFashionMNIST takes no argument.*'num_samples'"),
    ('optim_wrapper.optimizer.lrr', "SGD takes no argument 'lrr'.*'lr'"),
    ('optim_wrapper.dtype', "OptimWrapper takes no argument 'dtype'"),
])
def test_unknown_cfg_option_fails_with_suggestion(key, match):
    cfg = Config.fromfile(FMNIST_CFG)
    with pytest.raises(KeyError, match=match):
        apply_cfg_options(cfg, {key: 1})


def test_a_models_options_are_checked_by_the_names_it_takes():
    """AutoMix takes its step options as ``**options``: a misspelt one is still refused
    with the close names, the real ones (its own and the step's, and AdAutoMix's on top)
    pass."""
    from conftest import REPO
    automix = Config.fromfile(f'{REPO}/configs/automix/fashion_mnist/'
                              'automix_resnet18-w16_1xb100-4e_fmnist.py')
    with pytest.raises(KeyError, match=r"AutoMix takes no argument 'switch_of'.*'switch_off'"):
        apply_cfg_options(automix, {'model.switch_of': 0.8})
    apply_cfg_options(automix, {'model.switch_off': 0.8, 'model.eval_both': False,
                                'model.momentum': 0.99})
    assert automix.model.switch_off == 0.8 and automix.model.eval_both is False
    adautomix = Config.fromfile(f'{REPO}/configs/adautomix/fashion_mnist/'
                                'adautomix_resnet18-w16_1xb100-100e_fmnist2k.py')
    apply_cfg_options(adautomix, {'model.beta_radio': 0.1, 'model.max_nonfinite': 3})
    with pytest.raises(KeyError, match=r"takes no argument 'beta_ratio'.*'beta_radio'"):
        apply_cfg_options(adautomix, {'model.beta_ratio': 0.1})


def test_known_cfg_options_pass():
    cfg = Config.fromfile(FMNIST_CFG)
    apply_cfg_options(cfg, {'train_cfg.max_epochs': 1, 'model.backbone.frozen_stages': 1,
                            'train_dataloader.dataset.num_samples': 100,
                            'train_cfg.val_begin': 2, 'work_dir': '/tmp/x'})
    assert cfg.train_cfg.max_epochs == 1 and cfg.model.backbone.frozen_stages == 1


def test_cfg_option_type_switches_the_class_its_arguments_are_checked_against():
    """mmpretrain's ``--cfg-options optim_wrapper.type=AmpOptimWrapper ...`` idiom."""
    cfg = Config.fromfile(FMNIST_CFG)
    apply_cfg_options(cfg, {'optim_wrapper.dtype': 'bfloat16',   # listed before its type
                            'optim_wrapper.type': 'mmautomix.PortableAmpOptimWrapper'})
    assert cfg.optim_wrapper.type == 'mmautomix.PortableAmpOptimWrapper'
    assert cfg.optim_wrapper.dtype == 'bfloat16'
    with pytest.raises(KeyError, match="PortableAmpOptimWrapper takes no argument 'dtpye'"):
        apply_cfg_options(Config.fromfile(FMNIST_CFG),
                          {'optim_wrapper.type': 'mmautomix.PortableAmpOptimWrapper',
                           'optim_wrapper.dtpye': 'bfloat16'})


def test_progress_line_reads_iteration_elapsed_and_eta():
    from mmautomix.engine.hooks.progress_hook import ProgressHook, progress_line
    assert progress_line(200, 800, 60.0) == \
        '[progress] iteration 200/800 (25 %), elapsed 1:00, ETA 3:00'
    assert progress_line(0, 800, 0.0).endswith('ETA unknown')
    assert progress_line(10, 10, 4000.0) == \
        '[progress] iteration 10/10 (100 %), elapsed 1:06:40, ETA 0:00'
    with pytest.raises(ValueError, match=r'ProgressHook.interval=0'):
        ProgressHook(interval=0)
