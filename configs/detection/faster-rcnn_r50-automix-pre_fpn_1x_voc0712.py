"""Faster R-CNN R50-FPN on PASCAL VOC07+12 (the paper's detection transfer),
backbone from an AutoMix checkpoint: mmdet's config with only the backbone init
changed (how and why: configs/detection/README.md).

    AUTOMIX_CKPT=work_dirs/automix_resnet50_4xb64-100e_in1k/epoch_100.pth \
        mim train mmautomix faster-rcnn_r50-automix-pre_fpn_1x_voc0712.py
"""
_base_ = 'mmdet::pascal_voc/faster-rcnn_r50_fpn_1x_voc0712.py'
custom_imports = dict(imports=['mmautomix.detection'], allow_failed_imports=False)
automix_checkpoint = '{{$AUTOMIX_CKPT:work_dirs/automix_resnet50_4xb64-100e_in1k/epoch_100.pth}}'
model = dict(
    backbone=dict(init_cfg=dict(type='StrictPretrained', checkpoint=automix_checkpoint,
                                prefix='backbone.')))
