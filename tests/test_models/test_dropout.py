"""The CPU dropout: drop rate, scaling, reproducibility (vs closed forms)."""
import pytest
import torch

from mpm.models.layers import Dropout, dropout_keep_mask, dropout_rate


@pytest.mark.parametrize('p', [0.1, 0.25, 0.5])
def test_rate_and_scale_match_closed_form(p):
    rate = round(p * 256) / 256  # independent: the documented rounding
    assert dropout_rate(p) == rate
    torch.manual_seed(0)
    n = 1_000_003  # odd: not a multiple of the 8 bytes per draw
    mask = dropout_keep_mask((n, ), p, torch.float64, torch.device('cpu'))
    dropped = (mask == 0).double().mean().item()
    # Binomial standard deviation sqrt(rate (1 - rate) / n) < 5e-4.
    assert abs(dropped - rate) < 5 * (rate * (1 - rate) / n)**0.5
    kept = mask[mask != 0]
    torch.testing.assert_close(kept, torch.full_like(kept, 1 / (1 - rate)))
    assert abs(mask.mean().item() - 1.0) < 0.01


def test_all_byte_positions_are_uniform():
    # Each of the 8 bytes of a 64-bit draw must drop at the same rate (a
    # sign bit left out would bias every 8th element).
    torch.manual_seed(1)
    mask = dropout_keep_mask((200_000, 8), 0.5, torch.float32,
                             torch.device('cpu'))
    per_position = (mask == 0).float().mean(0)
    assert torch.all((per_position - 0.5).abs() < 0.01), per_position


def test_module_train_eval_seed_and_edges():
    drop = Dropout(0.1)
    x = torch.randn(4, 9, 16)
    torch.manual_seed(3)
    a = drop(x)
    torch.manual_seed(3)
    b = drop(x)
    assert torch.equal(a, b)
    assert not torch.equal(a, x)
    drop.eval()
    assert drop(x) is x
    assert torch.equal(Dropout(1.0).train()(x), torch.zeros_like(x))
    assert torch.equal(Dropout(0.0).train()(x), x)
    with pytest.raises(ValueError, match=r'\[0, 1\]'):
        Dropout(1.5)


def test_gradient_is_the_mask():
    torch.manual_seed(4)
    x = torch.randn(3, 7, requires_grad=True)
    drop = Dropout(0.25)
    torch.manual_seed(5)
    y = drop(x)
    y.sum().backward()
    torch.manual_seed(5)
    mask = dropout_keep_mask(x.shape, 0.25, x.dtype, x.device)
    torch.testing.assert_close(x.grad, mask)
    torch.testing.assert_close(y, x.detach() * mask)
