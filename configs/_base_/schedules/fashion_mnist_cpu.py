# Short cosine schedule sized for 2 CPU cores (times: docs/benchmarks/timings.md).
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=5e-4))
param_scheduler = dict(type='CosineAnnealingLR', by_epoch=True, eta_min=0.0)
# mmengine's epoch-based loop that also resumes exactly from a mid-epoch checkpoint
# (mmautomix/engine/loops.py; by_epoch=True is implied)
train_cfg = dict(type='mmautomix.engine.ExactResumeEpochBasedTrainLoop', max_epochs=4,
                 val_interval=1)
val_cfg = dict()
test_cfg = dict()
auto_scale_lr = dict(base_batch_size=100)
