"""Converters from other implementations' checkpoints to mpm models."""
from .official import (FORMATS, ConvertedCheckpoint, OfficialCheckpointError,
                       OfficialSpec, build_official_lifter,
                       convert_official_checkpoint,
                       convert_official_state_dict, infer_spec,
                       mpm_output_to_official, official_input_to_mpm,
                       official_keys, official_model_config,
                       render_official_config, strip_module_prefix)

__all__ = [
    'FORMATS', 'OfficialSpec', 'ConvertedCheckpoint',
    'OfficialCheckpointError', 'strip_module_prefix', 'infer_spec',
    'official_keys', 'convert_official_state_dict', 'official_model_config',
    'render_official_config', 'build_official_lifter',
    'convert_official_checkpoint', 'official_input_to_mpm',
    'mpm_output_to_official'
]
