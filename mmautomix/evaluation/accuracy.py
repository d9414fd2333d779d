"""Top-k accuracy of both AutoMix models in one validation pass, named unambiguously.

The official validation reports the EMA (k) and the online (q) heads side by side so
that users can pick. ``AutoMix.predict`` puts the chosen model's scores in
``pred_score`` (θ_k by default) and, with ``eval_both``, the other model's in
``pred_score_other``. This metric reports ``accuracy_ema/topK`` for the EMA model θ_k
and ``accuracy_online/topK`` for the online model θ_q, whichever of them predicts, so a
log, ``mim test`` and a checkpoint's best score all say which model they mean.
"""
from mmpretrain.evaluation import Accuracy

from mmautomix.registry import METRICS

MODELS = ('ema', 'online')


@METRICS.register_module()
class AutoMixAccuracy(Accuracy):
    """mmpretrain ``Accuracy`` of both AutoMix models: ``accuracy_ema/topK`` and
    ``accuracy_online/topK``.

    Args:
        predicted (str): the model whose scores ``AutoMix.predict`` puts in
            ``pred_score``: 'ema' (the default, ``predict_online=False``) or 'online'.
    """

    def __init__(self, predicted: str = 'ema', **kwargs):
        if predicted not in MODELS:
            raise ValueError(f'val_evaluator.predicted={predicted!r}: expected one of '
                             f'{MODELS} (the model in pred_score)')
        super().__init__(**kwargs)
        self.predicted = predicted
        self.other = MODELS[1 - MODELS.index(predicted)]
        self.prefix = ''      # the keys below carry their own prefixes

    def process(self, data_batch, data_samples):
        super().process(data_batch, data_samples)
        for result, sample in zip(self.results[-len(data_samples):], data_samples):
            if 'pred_score_other' in sample:
                result['pred_score_other'] = sample['pred_score_other'].cpu()

    def compute_metrics(self, results):
        metrics = {f'accuracy_{self.predicted}/{k}': v
                   for k, v in super().compute_metrics(results).items()}
        if results and 'pred_score_other' in results[0]:
            other = [dict(pred_score=r['pred_score_other'], gt_label=r['gt_label'])
                     for r in results]
            for key, value in super().compute_metrics(other).items():
                metrics[f'accuracy_{self.other}/{key}'] = value
        return metrics
