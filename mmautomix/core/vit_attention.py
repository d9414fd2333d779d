"""The attention of a vision transformer's layer as the ViT mixups read it.

mmpretrain's attention runs a fused kernel that does not return its weights, so the
mixups keep the layer's input tokens (a forward hook) and recompute the weights with the
layer's own query/key projection, without a gradient: softmax(q kᵀ / √d), d the head
width. The tokens are ordered as mmpretrain's ``VisionTransformer`` orders them: the
extra tokens (class token first), then the patches in row-major order.
"""
import torch


def attention_probabilities(tokens: torch.Tensor, qkv: torch.nn.Linear, num_heads: int,
                            queries: slice = slice(None)) -> torch.Tensor:
    """softmax(q kᵀ / √d) ∈ R^{N × heads × Q × T}, in float32, of the ``queries`` rows,
    from an attention layer's input ``tokens`` (N × T × C) and its fused query/key/value
    projection ``qkv`` (C → 3C), d = C / num_heads."""
    n, t, c = tokens.shape
    d = c // num_heads
    q, k, _ = qkv(tokens).reshape(n, t, 3, num_heads, d).permute(2, 0, 3, 1, 4)
    logits = (q[:, :, queries].float() @ k.float().transpose(-2, -1)) * d ** -0.5
    return logits.softmax(dim=-1)


@torch.no_grad()
def class_token_attention(tokens: torch.Tensor, qkv: torch.nn.Linear, num_heads: int,
                          num_extra_tokens: int = 1) -> torch.Tensor:
    """a ∈ R^{N×P}: the class token's attention over the P patch tokens, averaged over
    the heads (TransMix, MixPro). Each row sums to the share of the class token's
    attention that falls on patches (1 − what goes to the extra tokens)."""
    probs = attention_probabilities(tokens, qkv, num_heads, slice(0, 1))
    return probs[:, :, 0, num_extra_tokens:].mean(dim=1)


@torch.no_grad()
def patch_attention(tokens: torch.Tensor, qkv: torch.nn.Linear, num_heads: int,
                    num_extra_tokens: int = 1) -> torch.Tensor:
    """a ∈ R^{N×P}: the attention each of the P patch tokens receives from the patch
    tokens, averaged over the heads and the queries (SMMix)."""
    e = num_extra_tokens
    probs = attention_probabilities(tokens, qkv, num_heads, slice(e, None))
    return probs[:, :, :, e:].mean(dim=(1, 2))
