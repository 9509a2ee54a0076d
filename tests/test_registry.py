"""Registries: scope, child lookup, and helpful errors for unknown types."""
import pytest
from mmengine.registry import MODELS as MMENGINE_MODELS
from mmengine.registry import init_default_scope

from mpm.registry import DECODERS, ENCODERS, METRICS, MODELS, TRUNKS


def test_children_of_models():
    for reg in (ENCODERS, TRUNKS, DECODERS):
        assert reg.parent is MODELS
    assert MODELS.parent is MMENGINE_MODELS


def test_build_through_mmengine_root_in_mpm_scope():
    init_default_scope('mpm')
    enc = MMENGINE_MODELS.build(dict(type='PoseEncoder', num_joints=17))
    assert type(enc).__name__ == 'PoseEncoder'
    assert 'StridedTransformerDecoder' in MODELS
    assert 'NoSuchThing' not in MODELS


def test_unknown_type_names_registry_and_closest():
    init_default_scope('mpm')
    with pytest.raises(KeyError) as err:
        MODELS.build(dict(type='PoseLiftr'))
    msg = str(err.value)
    assert "'model' registry" in msg and 'PoseLifter' in msg
    with pytest.raises(KeyError) as err:
        TRUNKS.build(dict(type='TemporalTransfomer'))
    assert 'TemporalTransformer' in str(err.value)


def test_metric_registry_location():
    init_default_scope('mpm')
    assert METRICS.get('Human36mMetric').__name__ == 'Human36mMetric'
