"""Top-k accuracy of both AutoMix models in one validation pass.

The official validation reports the EMA (k) and the online (q) heads side by side so
that users can pick. ``AutoMix.predict`` puts the chosen model's scores in
``pred_score`` (θ_k by default) and, with ``eval_both``, the other model's in
``pred_score_other``; this metric reports ``accuracy/topK`` for the first and
``accuracy_<other>/topK`` for the second (``accuracy_online`` or ``accuracy_ema``).
"""
from mmpretrain.evaluation import Accuracy

from mmautomix.registry import METRICS


@METRICS.register_module()
class AutoMixAccuracy(Accuracy):
    """mmpretrain ``Accuracy`` plus the same numbers for ``pred_score_other``.

    Args:
        other_name (str): suffix of the second model's keys: 'online' when the model
            predicts with θ_k (the default), 'ema' when it predicts with θ_q.
    """

    def __init__(self, other_name: str = 'online', **kwargs):
        super().__init__(**kwargs)
        self.other_name = other_name

    def process(self, data_batch, data_samples):
        super().process(data_batch, data_samples)
        for result, sample in zip(self.results[-len(data_samples):], data_samples):
            if 'pred_score_other' in sample:
                result['pred_score_other'] = sample['pred_score_other'].cpu()

    def compute_metrics(self, results):
        metrics = super().compute_metrics(results)
        if results and 'pred_score_other' in results[0]:
            other = [dict(pred_score=r['pred_score_other'], gt_label=r['gt_label'])
                     for r in results]
            for key, value in super().compute_metrics(other).items():
                metrics[f'{self.other_name}_{key}'] = value
        return metrics
