"""Mask R-CNN R50-FPN 1x on COCO (the paper's instance-segmentation transfer),
backbone from an AutoMix checkpoint: mmdet's config with only the backbone init
changed (how and why: configs/detection/README.md).

    AUTOMIX_CKPT=work_dirs/automix_resnet50_4xb64-100e_in1k/epoch_100.pth \
        mim train mmautomix mask-rcnn_r50-automix-pre_fpn_1x_coco.py
"""
_base_ = 'mmdet::mask_rcnn/mask-rcnn_r50_fpn_1x_coco.py'
custom_imports = dict(imports=['mmautomix.detection'], allow_failed_imports=False)
automix_checkpoint = '{{$AUTOMIX_CKPT:work_dirs/automix_resnet50_4xb64-100e_in1k/epoch_100.pth}}'
model = dict(
    backbone=dict(init_cfg=dict(type='StrictPretrained', checkpoint=automix_checkpoint,
                                prefix='backbone.')))
