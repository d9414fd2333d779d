"""mmpretrain's own APIs on our models: list_models, get_model, inference_model and
ImageClassificationInferencer on a PNG file, against the Runner's test path."""
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.dataset import pseudo_collate
from mmengine.runner import Runner

from conftest import REPO
from test_mixups_train import small_cfg

NAME = 'automix_resnet18-w16_1xb100-4e_fmnist'
CONFIG = osp.join(REPO, 'configs/automix/fashion_mnist', NAME + '.py')


@pytest.fixture(scope='module')
def checkpoint(tmp_path_factory, fmnist_root):
    work = tmp_path_factory.mktemp('model_index')
    Runner.from_cfg(small_cfg(CONFIG, work)).train()
    return str(work / 'epoch_1.pth')


def test_get_model_and_inference_on_a_png_match_the_runner(checkpoint, tmp_path):
    import cv2
    from mmpretrain import (ImageClassificationInferencer, get_model, inference_model,
                            list_models)

    from mmautomix.registry import DATASETS
    from mmautomix.utils import register_all_modules
    register_all_modules(init_default_scope=False)
    assert NAME in list_models('*automix*')
    assert 'resnet18-w16_1xb100-puzzlemix-4e_fmnist' in list_models('*fmnist*')

    model = get_model(NAME, pretrained=checkpoint)
    ckpt = torch.load(checkpoint, map_location='cpu', weights_only=False)['state_dict']
    assert torch.equal(model.backbone.conv1.weight, ckpt['backbone.conv1.weight'])

    cfg = small_cfg(CONFIG, tmp_path)
    dataset = DATASETS.build(cfg.test_dataloader.dataset)
    for i in (0, 1, 2):
        sample = dataset[i]
        png = str(tmp_path / f'test_{i}.png')
        cv2.imwrite(png, sample['inputs'][0].numpy())          # a grey PNG of the image
        result = inference_model(model, png)
        # the Runner's test loop runs model.test_step on the dataset's packed sample
        with torch.no_grad():
            expected = model.test_step(pseudo_collate([sample]))[0]
        assert result['pred_label'] == int(expected.pred_label)
        np.testing.assert_allclose(result['pred_scores'], expected.pred_score.numpy(),
                                   atol=1e-5)
    inferencer = ImageClassificationInferencer(NAME, pretrained=checkpoint)
    assert inferencer(png)[0]['pred_label'] == result['pred_label']
