"""InfoNCELoss against hand-computed values and a float64 numpy reference."""
import math

import numpy as np
import pytest
import torch

from mpm.models.losses import InfoNCELoss


def numpy_info_nce(a, b, positives, scale):
    """Independent float64 reference: symmetric soft-target InfoNCE."""
    a = a / np.linalg.norm(a, axis=1, keepdims=True)
    b = b / np.linalg.norm(b, axis=1, keepdims=True)
    logits = scale * a @ b.T

    def one_way(z, pos):
        total, rows = 0.0, 0
        for i in range(z.shape[0]):
            p = np.flatnonzero(pos[i])
            if len(p) == 0:
                continue
            log_norm = np.log(np.sum(np.exp(z[i] - z[i].max()))) + z[i].max()
            total += np.mean([log_norm - z[i, j] for j in p])
            rows += 1
        return total / rows

    return 0.5 * (one_way(logits, positives) +
                  one_way(logits.T, positives.T))


def test_hand_computed_identity_case():
    """a = b = [[1, 0], [0, 1]], temperature 1: logits = I, each row's
    loss is log(e + 1) - 1 = log(1 + 1/e) in both directions."""
    loss = InfoNCELoss(temperature=1.0, learnable_temperature=False)
    a = torch.tensor([[1.0, 0.0], [0.0, 1.0]], dtype=torch.float64)
    got = loss(a, a * 3.0).item()  # scale of b is irrelevant (normalised)
    assert got == pytest.approx(math.log(1 + math.exp(-1)), abs=1e-12)
    assert got == pytest.approx(0.31326168751822286, abs=1e-12)


def test_hand_computed_two_positives():
    """One motion, two texts that are both positive, a third negative;
    cosines 1, 0, -1 at temperature 0.5 (scale 2): logits 2, 0, -2.
    Row: mean(-log p) over the two positives with p = softmax(2, 0, -2);
    columns: text 1 and text 2 each have the single motion as only
    candidate (loss 0), text 3 has no positive (left out)."""
    loss = InfoNCELoss(temperature=0.5, learnable_temperature=False)
    a = torch.tensor([[1.0, 0.0]], dtype=torch.float64)
    b = torch.tensor([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0]],
                     dtype=torch.float64)
    pos = torch.tensor([[True, True, False]])
    z = math.log(math.exp(2) + 1 + math.exp(-2))
    row = ((z - 2) + (z - 0)) / 2
    assert loss(a, b, pos).item() == pytest.approx(0.5 * (row + 0.0),
                                                   abs=1e-12)


@pytest.mark.parametrize('seed', [0, 1])
def test_matches_numpy_reference(seed):
    rng = np.random.default_rng(seed)
    a, b = rng.normal(size=(7, 5)), rng.normal(size=(4, 5))
    labels = rng.integers(0, 4, size=7)
    labels[:2] = [0, 1]
    positives = labels[:, None] == np.arange(4)[None]
    loss = InfoNCELoss(temperature=0.2, learnable_temperature=False,
                       loss_weight=2.0)
    got = loss(torch.from_numpy(a), torch.from_numpy(b),
               torch.from_numpy(positives)).item()
    want = 2.0 * numpy_info_nce(a, b, positives, 5.0)
    assert got == pytest.approx(want, rel=1e-10, abs=1e-12)


def test_default_positives_are_pairs():
    rng = np.random.default_rng(3)
    a, b = rng.normal(size=(5, 3)), rng.normal(size=(5, 3))
    loss = InfoNCELoss(temperature=0.1, learnable_temperature=False)
    got = loss(torch.from_numpy(a), torch.from_numpy(b)).item()
    assert got == pytest.approx(numpy_info_nce(a, b, np.eye(5, dtype=bool),
                                               10.0), rel=1e-10)


def test_learnable_temperature_is_clamped_and_gets_gradient():
    loss = InfoNCELoss(temperature=0.07, max_logit_scale=100.0)
    assert isinstance(loss.log_scale, torch.nn.Parameter)
    assert loss.logit_scale.item() == pytest.approx(1 / 0.07, rel=1e-6)
    a = torch.randn(6, 4, requires_grad=True)
    b = torch.randn(6, 4)
    loss(a, b).backward()
    assert loss.log_scale.grad is not None and a.grad.abs().sum() > 0
    with torch.no_grad():
        loss.log_scale.fill_(10.0)  # e^10 > 100
    assert loss.logit_scale.item() == pytest.approx(100.0)
    with torch.no_grad():
        loss.log_scale.fill_(-5.0)
    assert loss.logit_scale.item() == pytest.approx(1.0)
    frozen = InfoNCELoss(learnable_temperature=False)
    assert not list(frozen.parameters())
    assert 'log_scale' in dict(frozen.named_buffers())


def test_bad_shapes_fail_clearly():
    loss = InfoNCELoss()
    with pytest.raises(ValueError, match='same D'):
        loss(torch.randn(3, 4), torch.randn(3, 5))
    with pytest.raises(ValueError, match='N must equal M'):
        loss(torch.randn(3, 4), torch.randn(2, 4))
    with pytest.raises(ValueError, match=r'\(N, M\)'):
        loss(torch.randn(3, 4), torch.randn(2, 4),
             torch.ones(2, 3, dtype=torch.bool))
    with pytest.raises(ValueError, match='temperature'):
        InfoNCELoss(temperature=0)
