"""Converters from other implementations' checkpoints to mpm models."""
from .official import (FORMATS, ConvertedCheckpoint, OfficialCheckpointError,
                       OfficialSpec, build_official_lifter,
                       convert_official_state_dict, describe_spec, infer_spec,
                       official_keys, official_model_config,
                       strip_module_prefix, unwrap_state_dict)

__all__ = [
    'FORMATS', 'OfficialSpec', 'ConvertedCheckpoint',
    'OfficialCheckpointError', 'strip_module_prefix', 'infer_spec',
    'official_keys', 'convert_official_state_dict', 'official_model_config',
    'build_official_lifter', 'describe_spec', 'unwrap_state_dict'
]
