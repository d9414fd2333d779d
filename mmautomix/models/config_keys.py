"""The config keys of the core's options and terms as the registered models name them:
the core's errors say ``model.alpha``, not ``alpha`` (``core/options.py``'s ``keys``)."""

MODEL_CONFIG_KEYS = dict(num_classes='model.head.num_classes', alpha='model.alpha',
                         mask_loss_weight='model.mask_loss_weight',
                         lam_margin='model.lam_margin', mask_scale='model.mask_scale',
                         no_repeat='model.mix_shuffle_no_repeat',
                         mask_adjust='model.mask_adjust', mask_adjust_to='model.mask_adjust_to',
                         one_q_fraction='model.one_q_fraction',
                         head_weights='model.head_weights', switch_off='model.switch_off',
                         mix_block_interval='model.mix_block_interval',
                         in_channels='mix_block.in_channels',
                         mix_samples='model.mix_samples', adv_interval='model.adv_interval',
                         beta_radio='model.beta_radio', mixup_radio='model.mixup_radio')
